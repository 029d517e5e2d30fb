/**
 * `make soak` part 2, specs/consensus.md §8.4 S16: validator-set churn with kills (Jepsen's
 * changing-validators nemesis). Four gentx validators (10 power each) and two full nodes that can
 * become validators, all real `openledgerd start` processes over libp2p on 127.0.0.1, under signed
 * bank-send load (txLoad.ts), and a seeded random schedule, one step at a time:
 *   join      a full node stakes itself with the real CLI (`tx staking create-validator`, funded by a
 *             bank send), or a validator that left comes back (self-delegate again + `tx slashing unjail`)
 *   leave     a validator's operator unbonds its whole self-delegation (below min-self-delegation →
 *             jailed → out of the set); its process keeps running as a full node
 *   reweight  a delegator delegates to / undelegates from a bonded validator (± 2–6 power)
 *   kill9     SIGKILL one process (validator or not) for 2–8 s, restart
 *   quiet     no fault for 3–10 s
 * Every change keeps the faulty bound of each configuration (as Jepsen did): at least four bonded
 * validators, no validator with ≥ 1/3 of the power (so any single kill leaves < 1/3 faulty), and no
 * step moves ≥ 1/3 of the power; a kill only hits a process whose power is < 1/3. Steps that would
 * break these are not taken.
 *
 * Checked after every step: all six up and caught up, then bftNet.ChainChecker on every node (I1 one
 * block per height, I3 identical app hashes, I4 every acknowledged tx once and indexed on every node);
 * I5 no evidence in any new block (nobody double-signed across kills); I6 the +2 rule: for a staking
 * tx committed at H, the RPC validator set at H+1 is the old one and at H+2 the new one (addresses and
 * powers as the staking model predicts).
 *
 * Env: SOAK_SECONDS (600, the schedule after setup), SOAK_SEED (random; printed), SOAK_ACTIONS (comma list,
 * default all), SOAK_CYCLE=1 (the actions in list order), SOAK_BLOCK_INTERVAL ("500ms"), SOAK_ACCOUNTS (2),
 * SOAK_OUT (bench-results). Writes <out>/soak-churn-<seed>.{json,txt} and soak-churn-latest.*; exit 1
 * when any check failed.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CHAIN_ID, ChainChecker, type GentxProc, heightOf, kill, launch, type Proc, setupFullNode, setupGentxNet, teardown, waitHeight } from "../e2e/bftNet.ts";
import { cleanup, cli, ROOT, rpc } from "../e2e/harness.ts";
import { genesisAccounts, makeAccounts, setAccountNumbers, TxLoad } from "../e2e/txLoad.ts";

const SECONDS = Number(process.env["SOAK_SECONDS"] ?? 600);
const SEED = Number(process.env["SOAK_SEED"] ?? Math.floor(Math.random() * 2 ** 31));
const BLOCK_INTERVAL = process.env["SOAK_BLOCK_INTERVAL"] ?? "500ms";
const ACCOUNTS = Number(process.env["SOAK_ACCOUNTS"] ?? 2);
const OUT = resolve(ROOT, process.env["SOAK_OUT"] ?? "bench-results");
const UNIT = 1_000_000n; // uopen per unit of voting power
const BOND = 10n * UNIT;
const ALL_ACTIONS = ["join", "leave", "reweight", "kill9", "quiet"] as const;
type Action = (typeof ALL_ACTIONS)[number];
/** SOAK_ACTIONS: a comma list (default all); SOAK_CYCLE=1 takes them in list order instead of at random. */
const ACTIONS: readonly Action[] = process.env["SOAK_ACTIONS"] === undefined ? ALL_ACTIONS : (process.env["SOAK_ACTIONS"].split(",") as Action[]);
const CYCLE = process.env["SOAK_CYCLE"] === "1";
for (const a of ACTIONS) if (!ALL_ACTIONS.includes(a)) throw new Error(`unknown action ${a}`);

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** one node and its (possible) validator, as the staking model sees it. */
interface Member {
  name: string;
  proc: Proc;
  /** operator key name in proc.home's keyring. */
  key: string;
  valoper: string | undefined;
  /** consensus address (hex, upper case). */
  cons: string;
  created: boolean;
  jailed: boolean;
  self: bigint;
  /** delegated by the whale (v0's `val` account). */
  whale: bigint;
}

const power = (m: Member): bigint => (m.created && !m.jailed ? (m.self + m.whale) / UNIT : 0n);

function powers(ms: Member[]): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const m of ms) if (power(m) > 0n) out.set(m.cons, power(m));
  return out;
}

/** the faulty bound of a configuration: ≥ 4 bonded, nobody with ≥ 1/3. */
function safeConfig(p: Map<string, bigint>): boolean {
  const total = [...p.values()].reduce((a, b) => a + b, 0n);
  return p.size >= 4 && [...p.values()].every((x) => x * 3n < total);
}

function moved(a: Map<string, bigint>, b: Map<string, bigint>): bigint {
  let d = 0n;
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    const x = (a.get(k) ?? 0n) - (b.get(k) ?? 0n);
    d += x < 0n ? -x : x;
  }
  return d;
}

const fmt = (p: Map<string, bigint>) => [...p].sort().map(([k, v]) => `${k.slice(0, 6)}:${v}`).join(" ");

interface StepRecord {
  n: number;
  action: Action;
  detail: string;
  startedAtS: number;
  seconds: number;
  heightBefore: number;
  heightAfter: number;
  ok: boolean;
  error?: string;
  validators: string;
}

const t0 = Date.now();
const elapsed = () => (Date.now() - t0) / 1000;
const log = (m: string) => process.stderr.write(`[churn +${elapsed().toFixed(0)}s] ${m}\n`);

async function setAt(p: Proc, h: number): Promise<Map<string, bigint>> {
  const r = await rpc(p.rpcUrl, "validators", { height: String(h), per_page: "100" });
  return new Map(r.validators.map((v: any) => [(v.address as string).toUpperCase(), BigInt(v.voting_power)]));
}

async function main(): Promise<number> {
  const rnd = prng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const between = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  log(`seed ${SEED}, ${SECONDS}s, blocks ${BLOCK_INTERVAL}, ${ACCOUNTS} load accounts`);

  const accounts = makeAccounts(`churn-${SEED}`, ACCOUNTS);
  // a long downtime window: kills must not jail anyone for downtime (the staking model here does not track that)
  const vals: GentxProc[] = await setupGentxNet("churn", genesisAccounts(accounts), `${BOND}uopen`, (g) => {
    g.app_state.slashing.params.signed_blocks_window = "100000";
  });
  setAccountNumbers(accounts, join(vals[0]!.home, "config/genesis.json"));
  const start = (p: Proc) => launch(p, {}, { blockInterval: BLOCK_INTERVAL });
  for (const p of vals) start(p);
  for (const p of vals) await waitHeight(p, 2, 180_000);
  const extra: Proc[] = [];
  for (let i = 0; i < 2; i++) {
    const p = await setupFullNode(vals, `churnj${i}`);
    start(p);
    extra.push(p);
  }
  const all: Proc[] = [...vals, ...extra];
  const members: Member[] = [];
  for (const [i, p] of vals.entries()) {
    members.push({ name: `v${i}`, proc: p, key: "val", valoper: p.valoper, cons: consOf(p), created: true, jailed: false, self: BOND, whale: 0n });
  }
  for (const [i, p] of extra.entries()) {
    await cli(["keys", "add", "joiner", "--keyring-backend", "test", "--home", p.home, "--output", "json"]);
    members.push({ name: `j${i}`, proc: p, key: "joiner", valoper: undefined, cons: consOf(p), created: false, jailed: false, self: 0n, whale: 0n });
  }
  for (const p of extra) await waitHeight(p, (await heightOf(vals[0]!)) + 1, 180_000);

  const up = (p: Proc) => p.proc !== undefined && p.proc.exitCode === null && p.proc.signalCode === null;
  const load = new TxLoad({ chainId: CHAIN_ID, accounts, targets: () => vals.filter(up).map((p) => p.rpcUrl), pauseMs: 800 });
  load.start();
  const checker = new ChainChecker();
  const steps: StepRecord[] = [];
  let evidenceScanned = 0;
  const top = async () => Math.max(...(await Promise.all(all.filter(up).map((p) => heightOf(p).catch(() => 0)))));
  const via = () => pick(vals.filter(up));

  /** a tx through the CLI with a key of `home`'s keyring (`from`; bank send names it as an argument); returns its height. */
  async function tx(home: string, from: string, args: string[]): Promise<number> {
    const out = await cli([...args, ...(args[1] === "bank" ? [] : ["--from", from]), "--fees", "5000uopen", "--yes", "--chain-id", CHAIN_ID, "--keyring-backend", "test", "--home", home, "--output", "json", "--node", via().rpcUrl, "--timeout", "90"], { timeoutMs: 100_000 });
    const r = JSON.parse(out);
    if (r.code !== 0) throw new Error(`${args.slice(0, 3).join(" ")}: code ${r.code} ${r.raw_log ?? ""}`);
    return Number(r.height);
  }
  const whaleHome = vals[0]!.home;

  /** I6: the set at H+1 is the old one, at H+2 the new one. */
  async function checkPlusTwo(H: number, before: Map<string, bigint>, after: Map<string, bigint>): Promise<void> {
    await waitHeight(vals[0]!, H + 2, 60_000);
    const s1 = await setAt(vals[0]!, H + 1);
    const s2 = await setAt(vals[0]!, H + 2);
    if (fmt(s1) !== fmt(before)) throw new Error(`I6: set at H+1=${H + 1} is ${fmt(s1)}, expected the old ${fmt(before)}`);
    if (fmt(s2) !== fmt(after)) throw new Error(`I6: set at H+2=${H + 2} is ${fmt(s2)}, expected ${fmt(after)}`);
  }

  async function run(action: Action): Promise<{ detail: string; restarted: Proc[] } | undefined> {
    const before = powers(members);
    const total = [...before.values()].reduce((a, b) => a + b, 0n);
    /** applies a model change if the new configuration keeps the bounds; undefined when not allowed. */
    const plan = (m: Member, change: Partial<Member>): Map<string, bigint> | undefined => {
      const saved = { ...m };
      Object.assign(m, change);
      const next = powers(members);
      Object.assign(m, saved);
      if (!safeConfig(next) || moved(before, next) * 3n >= total) return undefined;
      return next;
    };
    switch (action) {
      case "quiet": {
        const s = between(3, 10);
        await sleep(s * 1000);
        return { detail: `${s}s`, restarted: [] };
      }
      case "kill9": {
        // a validator three times in four (any process whose power is < 1/3)
        const cands = members.filter((m) => power(m) * 3n < total);
        const bonded = cands.filter((m) => power(m) > 0n);
        const m = bonded.length > 0 && rnd() < 0.75 ? pick(bonded) : pick(cands);
        const s = between(2, 8);
        await kill(m.proc, "SIGKILL");
        await sleep(s * 1000);
        start(m.proc);
        return { detail: `${m.name} (power ${power(m)} of ${total}) down ${s}s`, restarted: [m.proc] };
      }
      case "join": {
        const cands = members.filter((m) => !m.created || m.jailed);
        if (cands.length === 0) return undefined;
        const m = pick(cands);
        const after = plan(m, { created: true, jailed: false, self: BOND });
        if (after === undefined) return undefined;
        let H: number;
        if (!m.created) {
          const addr = (await cli(["keys", "show", m.key, "-a", "--keyring-backend", "test", "--home", m.proc.home])).trim();
          await tx(whaleHome, "val", ["tx", "bank", "send", "val", addr, `${3n * BOND}uopen`]);
          H = await tx(m.proc.home, m.key, ["tx", "staking", "create-validator", "--amount", `${BOND}uopen`, "--moniker", m.name]);
          m.valoper = (await cli(["keys", "show", m.key, "--bech", "val", "-a", "--keyring-backend", "test", "--home", m.proc.home])).trim();
        } else {
          await tx(m.proc.home, m.key, ["tx", "staking", "delegate", m.valoper!, `${BOND}uopen`]);
          H = await tx(m.proc.home, m.key, ["tx", "slashing", "unjail"]);
        }
        Object.assign(m, { created: true, jailed: false, self: BOND });
        await checkPlusTwo(H, before, after);
        return { detail: `${m.name} joins at H=${H}: ${fmt(after)}`, restarted: [] };
      }
      case "leave": {
        const cands = members.filter((m) => power(m) > 0n);
        const m = pick(cands);
        const after = plan(m, { jailed: true, self: 0n });
        if (after === undefined) return undefined;
        const H = await tx(m.proc.home, m.key, ["tx", "staking", "unbond", m.valoper!, `${m.self}uopen`]);
        Object.assign(m, { jailed: true, self: 0n });
        await checkPlusTwo(H, before, after);
        return { detail: `${m.name} leaves at H=${H}: ${fmt(after)}`, restarted: [] };
      }
      case "reweight": {
        const cands = members.filter((m) => power(m) > 0n);
        const m = pick(cands);
        const k = BigInt(between(2, 6)) * UNIT;
        const down = m.whale >= k && rnd() < 0.5;
        const whale = down ? m.whale - k : m.whale + k;
        const after = plan(m, { whale });
        if (after === undefined) return undefined;
        const H = await tx(whaleHome, "val", ["tx", "staking", down ? "unbond" : "delegate", m.valoper!, `${k}uopen`]);
        m.whale = whale;
        await checkPlusTwo(H, before, after);
        return { detail: `${m.name} ${down ? "−" : "+"}${k / UNIT} at H=${H}: ${fmt(after)}`, restarted: [] };
      }
    }
  }

  let failures = 0;
  const scheduleStart = elapsed(); // SOAK_SECONDS counts the schedule, not the setup
  for (let n = 1; elapsed() - scheduleStart < SECONDS; n++) {
    let action = CYCLE ? ACTIONS[(n - 1) % ACTIONS.length]! : pick(ACTIONS);
    const startedAtS = elapsed();
    const heightBefore = await top();
    let rec: StepRecord;
    try {
      let res = await run(action);
      for (let tries = 0; res === undefined && tries < 5; tries++) {
        action = pick(ACTIONS);
        res = await run(action);
      }
      if (res === undefined) {
        action = "quiet";
        res = await run("quiet");
      }
      const target = (await top()) + 1;
      for (const p of all) await waitHeight(p, target, 120_000);
      const r = await checker.check(all, load.acked.map((a) => a.hash), { timeoutMs: 90_000, restarted: res!.restarted });
      for (let h = evidenceScanned + 1; h <= r.height; h++) {
        const blk = await rpc(vals[0]!.rpcUrl, "block", { height: String(h) });
        if ((blk.block.evidence?.evidence ?? []).length > 0) throw new Error(`I5: evidence at height ${h}`);
        evidenceScanned = h;
      }
      rec = { n, action, detail: res!.detail, startedAtS: Math.round(startedAtS), seconds: Math.round(elapsed() - startedAtS), heightBefore, heightAfter: r.height, ok: true, validators: fmt(powers(members)) };
    } catch (e) {
      failures++;
      rec = { n, action, detail: "", startedAtS: Math.round(startedAtS), seconds: Math.round(elapsed() - startedAtS), heightBefore, heightAfter: await top().catch(() => -1), ok: false, error: String(e).slice(0, 1000), validators: fmt(powers(members)) };
      for (const p of all) if (!up(p)) start(p);
      // resynchronise the model with the chain is not attempted: stop at the first failure
      steps.push(rec);
      log(`FAIL #${n} ${action}: ${rec.error}`);
      break;
    }
    steps.push(rec);
    log(`ok   #${n} ${action} ${rec.detail} (${rec.seconds}s, height ${rec.heightBefore}→${rec.heightAfter}, ${load.stats.acked} acked)`);
  }
  await load.stop();
  const finalHeight = await top();
  const byAction: Record<string, { runs: number; failed: number }> = {};
  for (const s of steps) {
    byAction[s.action] ??= { runs: 0, failed: 0 };
    byAction[s.action]!.runs++;
    if (!s.ok) byAction[s.action]!.failed++;
  }
  const summary = {
    name: "soak-churn",
    scenario: "S16 validator set churn with kills",
    date: new Date().toISOString(),
    seed: SEED,
    seconds: Math.round(elapsed()),
    planned_seconds: SECONDS,
    block_interval: BLOCK_INTERVAL,
    processes: all.length,
    final_height: finalHeight,
    final_validators: fmt(powers(members)),
    steps: steps.length,
    failures,
    by_action: byAction,
    load: { ...load.stats, indeterminate: load.indeterminate.length },
    invariants_checked_after_every_step: ["I1 one block hash per height on every node", "I3 identical header and abci_info app hashes", "I4 every acknowledged tx committed once and indexed on every node", "I5 no evidence (no double sign)", "I6 validator set at H+1 old, at H+2 new for each staking tx at H", "faulty < 1/3 of every configuration"],
    schedule: steps,
  };
  mkdirSync(OUT, { recursive: true });
  const text = [
    `soak-churn (S16) seed ${SEED}: ${summary.seconds}s, ${steps.length} steps, ${failures} failure(s), final height ${finalHeight}, final set ${summary.final_validators}`,
    `load: ${load.stats.acked} acknowledged txs (${load.stats.netErrors} network errors retried, ${load.indeterminate.length} indeterminate)`,
    ...Object.entries(byAction).map(([k, v]) => `  ${k.padEnd(9)} ${v.runs} run(s), ${v.failed} failed`),
    "schedule:",
    ...steps.map((s) => `  #${s.n} +${s.startedAtS}s ${s.ok ? "ok  " : "FAIL"} ${s.action} ${s.detail} (${s.seconds}s, height ${s.heightBefore}→${s.heightAfter})${s.error ? ` ${s.error}` : ""}`),
  ].join("\n");
  for (const name of [`soak-churn-${SEED}`, "soak-churn-latest"]) {
    writeFileSync(join(OUT, `${name}.json`), `${JSON.stringify(summary, null, 2)}\n`);
    writeFileSync(join(OUT, `${name}.txt`), `${text}\n`);
  }
  console.log(text);
  for (const p of extra) {
    await kill(p, "SIGTERM");
    cleanup(p.home);
  }
  await teardown(vals);
  return failures === 0 ? 0 : 1;
}

function consOf(p: Proc): string {
  return (JSON.parse(readFileSync(join(p.home, "config/priv_validator_key.json"), "utf8")).address as string).toUpperCase();
}

process.exit(await main());
