/**
 * `make soak`: the long fault soak of issue 3 item 5 (specs/consensus.md §8.4, CometBFT e2e perturbation
 * style): four real `openledgerd start` validators over libp2p on 127.0.0.1 under continuous signed
 * bank-send load (txLoad.ts), and a seeded random schedule of faults, one at a time:
 *   kill9        SIGKILL one validator, down 2–10 s, restart (S2)
 *   pause        SIGSTOP one validator 3–20 s, SIGCONT (S4)
 *   crashAt      restart one validator with OPENLEDGER_TEST_CRASH_AT=<random commit-sequence point>:<h+2>,
 *                wait for its SIGKILL, restart (S3)
 *   twoDown      SIGKILL two validators: no new height, no fork for 4–10 s; restart one → blocks resume;
 *                then the other (S5, S6)
 *   restartAll   SIGTERM all four at once, start all (S7)
 *   killAll      SIGKILL all four at once (mid-round), start all (S7)
 *   quiet        no fault for 5–15 s (S1 baseline)
 * A whole-network restart loses the txs that were only in mempools (not persisted, as in CometBFT): the
 * load then re-sends them like a wallet (same signed bytes, so the same hashes stay required; counted
 * as "resent"). After every fault: all four up and caught up, then the checks of bftNet.ChainChecker over the whole
 * chain (I1 one block per height on every node, I3 identical app hashes, I4 every acknowledged tx
 * committed exactly once and indexed on every node). At the end a fresh fifth node block-syncs the
 * whole chain and is checked the same way (S15).
 *
 * Not picked up by `make test` (the name does not end in .test.ts). Env: SOAK_SECONDS (600), SOAK_SEED
 * (random), SOAK_BLOCK_INTERVAL ("500ms"), SOAK_ACCOUNTS (6), SOAK_OUT (bench-results). Writes
 * <out>/soak-<seed>.json and .txt (and soak-latest.*); exits 1 when any check failed.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fromBase64 } from "../../modules/core/bytes.ts";
import { CRASH_AT_ENV } from "../../node/execution/crashAt.ts";
import { nodeIdFromPubKey } from "../../node/crypto/keyFiles.ts";
import { CHAIN_ID, ChainChecker, heightOf, kill, launch, type Proc, setupNet, signal, teardown, waitHeight } from "../e2e/bftNet.ts";
import { cleanup, cli, freePort, ROOT, tempHome } from "../e2e/harness.ts";
import { genesisAccounts, makeAccounts, setAccountNumbers, TxLoad } from "../e2e/txLoad.ts";

const SECONDS = Number(process.env["SOAK_SECONDS"] ?? 600);
const SEED = Number(process.env["SOAK_SEED"] ?? Math.floor(Math.random() * 2 ** 31));
const BLOCK_INTERVAL = process.env["SOAK_BLOCK_INTERVAL"] ?? "500ms";
const ACCOUNTS = Number(process.env["SOAK_ACCOUNTS"] ?? 6);
const OUT = resolve(ROOT, process.env["SOAK_OUT"] ?? "bench-results");
const CRASH_POINTS = ["afterPrivvalSign", "afterSaveBlock", "afterEndHeight", "afterFinalize", "afterSaveState", "afterCommit", "afterMempoolUpdate"];
const ACTIONS = ["kill9", "pause", "crashAt", "twoDown", "restartAll", "killAll", "quiet"] as const;
type Action = (typeof ACTIONS)[number];

/** mulberry32 */
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
  ackedTotal: number;
}

const t0 = Date.now();
const elapsed = () => (Date.now() - t0) / 1000;
const log = (m: string) => process.stderr.write(`[soak +${elapsed().toFixed(0)}s] ${m}\n`);

async function main(): Promise<number> {
  const rnd = prng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const between = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  log(`seed ${SEED}, ${SECONDS}s, blocks ${BLOCK_INTERVAL}, ${ACCOUNTS} load accounts`);

  const accounts = makeAccounts(`soak-${SEED}`, ACCOUNTS);
  const procs = await setupNet("soak", genesisAccounts(accounts));
  setAccountNumbers(accounts, join(procs[0]!.home, "config/genesis.json"));
  const paused = new Set<Proc>();
  const up = (p: Proc) => p.proc !== undefined && p.proc.exitCode === null && p.proc.signalCode === null && !paused.has(p);
  const start = (p: Proc, env: Record<string, string> = {}) => launch(p, env, { blockInterval: BLOCK_INTERVAL });
  for (const p of procs) start(p);
  for (const p of procs) await waitHeight(p, 2, 180_000);
  const load = new TxLoad({ chainId: CHAIN_ID, accounts, targets: () => procs.filter(up).map((p) => p.rpcUrl), pauseMs: 300, commitAccounts: 1 });
  load.start();
  const checker = new ChainChecker();
  const steps: StepRecord[] = [];
  let fifth: Proc | undefined;
  const top = async (nodes: Proc[]) => Math.max(...(await Promise.all(nodes.filter(up).map((p) => heightOf(p).catch(() => 0)))));
  const waitExit = (p: Proc) => new Promise<NodeJS.Signals | null>((res) => p.proc!.once("exit", (_c, s) => res(s)));

  async function catchUpAll(restarted: Proc[]): Promise<void> {
    const target = (await top(procs)) + 1;
    for (const p of procs) await waitHeight(p, target, 120_000);
    void restarted;
  }

  async function run(action: Action): Promise<{ detail: string; restarted: Proc[] }> {
    switch (action) {
      case "quiet": {
        const s = between(5, 15);
        await sleep(s * 1000);
        return { detail: `${s}s`, restarted: [] };
      }
      case "kill9": {
        const v = pick(procs);
        const s = between(2, 10);
        await kill(v, "SIGKILL");
        await sleep(s * 1000);
        start(v);
        return { detail: `node${procs.indexOf(v)} down ${s}s`, restarted: [v] };
      }
      case "pause": {
        const v = pick(procs);
        const s = between(3, 20);
        paused.add(v);
        signal(v, "SIGSTOP");
        await sleep(s * 1000);
        signal(v, "SIGCONT");
        paused.delete(v);
        return { detail: `node${procs.indexOf(v)} stopped ${s}s`, restarted: [] };
      }
      case "crashAt": {
        const v = pick(procs);
        const point = pick(CRASH_POINTS);
        await kill(v, "SIGTERM");
        const at = (await top(procs)) + 2;
        start(v, { [CRASH_AT_ENV]: `${point}:${at}` });
        const sig = await Promise.race([waitExit(v), sleep(120_000).then(() => "timeout" as const)]);
        v.proc = undefined;
        if (sig !== "SIGKILL") throw new Error(`node${procs.indexOf(v)} did not crash at ${point} (exit: ${sig})`);
        const m = new RegExp(`crashing now \\(SIGKILL\\) at ${point} of height (\\d+)`).exec(readFileSync(join(v.home, "node.log"), "utf8").split("\n").slice(-400).join("\n"));
        await sleep(between(1, 5) * 1000);
        start(v);
        return { detail: `node${procs.indexOf(v)} at ${point} of height ${m?.[1] ?? "?"}`, restarted: [v] };
      }
      case "twoDown": {
        const i = between(0, 3);
        const j = (i + between(1, 3)) % 4;
        const [a, b] = [procs[i]!, procs[j]!];
        await Promise.all([kill(a, "SIGKILL"), kill(b, "SIGKILL")]);
        const rest = procs.filter((p) => p !== a && p !== b);
        await sleep(2000); // a block already decided may still be finishing
        const halted = await top(rest);
        const s = between(4, 10);
        await sleep(s * 1000);
        const after = await top(rest);
        if (after !== halted) throw new Error(`S5: height moved from ${halted} to ${after} with two of four validators down`);
        await checker.check(rest, [], { timeoutMs: 10_000 }); // no fork among the two
        start(a);
        for (const p of [...rest, a]) await waitHeight(p, halted + 2, 120_000);
        start(b);
        return { detail: `node${i}+node${j} down ${s}s (halted at ${halted}, resumed)`, restarted: [a, b] };
      }
      case "restartAll": {
        load.allowResend = true;
        await Promise.all(procs.map((p) => kill(p, "SIGTERM")));
        for (const p of procs) start(p);
        return { detail: "SIGTERM all four, start all", restarted: [...procs] };
      }
      case "killAll": {
        await sleep(between(0, 900)); // somewhere inside a round
        load.allowResend = true;
        await Promise.all(procs.map((p) => kill(p, "SIGKILL")));
        for (const p of procs) start(p);
        return { detail: "SIGKILL all four, start all", restarted: [...procs] };
      }
    }
  }

  let failures = 0;
  for (let n = 1; elapsed() < SECONDS; n++) {
    const action = pick(ACTIONS);
    const startedAtS = elapsed();
    const heightBefore = await top(procs);
    let rec: StepRecord;
    try {
      const { detail, restarted } = await run(action);
      await catchUpAll(restarted);
      const r = await checker.check(procs, load.acked.map((a) => a.hash), { timeoutMs: 90_000, restarted });
      load.allowResend = false;
      rec = { n, action, detail, startedAtS: Math.round(startedAtS), seconds: Math.round(elapsed() - startedAtS), heightBefore, heightAfter: r.height, ok: true, ackedTotal: r.txs };
    } catch (e) {
      failures++;
      load.allowResend = false;
      rec = { n, action, detail: "", startedAtS: Math.round(startedAtS), seconds: Math.round(elapsed() - startedAtS), heightBefore, heightAfter: await top(procs).catch(() => -1), ok: false, error: String(e).slice(0, 1000), ackedTotal: load.stats.acked };
      // bring everything back for the next step
      for (const p of procs) {
        if (paused.has(p)) {
          signal(p, "SIGCONT");
          paused.delete(p);
        }
        if (!up(p)) start(p);
      }
      await catchUpAll(procs).catch(() => undefined);
    }
    steps.push(rec);
    log(`${rec.ok ? "ok  " : "FAIL"} #${n} ${action} ${rec.detail} (${rec.seconds}s, height ${rec.heightBefore}→${rec.heightAfter}, ${rec.ackedTotal} acked)${rec.error ? `: ${rec.error}` : ""}`);
  }

  await load.stop();
  // S15: a fresh fifth node block-syncs the whole chain
  let fifthResult = "";
  try {
    const home = tempHome("soak5");
    await cli(["init", "fifth", "--chain-id", CHAIN_ID, "--home", home]);
    copyFileSync(join(procs[0]!.home, "config/genesis.json"), join(home, "config/genesis.json"));
    const peers = procs.map((p) => {
      const nk = JSON.parse(readFileSync(join(p.home, "config/node_key.json"), "utf8"));
      return `${nodeIdFromPubKey(fromBase64(nk.priv_key.value).subarray(32, 64))}@127.0.0.1:${p.p2pPort}`;
    });
    const rpcPort = await freePort();
    fifth = { home, rpcPort, p2pPort: await freePort(), rpcUrl: `http://127.0.0.1:${rpcPort}`, proc: undefined };
    const cfgPath = join(home, "config/config.toml");
    writeFileSync(cfgPath, readFileSync(cfgPath, "utf8")
      .replace(/^laddr = "tcp:\/\/127\.0\.0\.1:26656"$/m, `laddr = "tcp://127.0.0.1:${fifth.p2pPort}"`)
      .replace(/^persistent_peers = ""$/m, `persistent_peers = "${peers.join(",")}"`));
    start(fifth);
    const s5 = elapsed();
    await waitHeight(fifth, (await top(procs)) + 1, 300_000);
    const r = await checker.check([...procs, fifth], load.acked.map((a) => a.hash), { timeoutMs: 60_000, restarted: [fifth] });
    fifthResult = `ok: synced to ${r.height} in ${(elapsed() - s5).toFixed(0)}s, ${r.txs} acknowledged txs found`;
  } catch (e) {
    failures++;
    fifthResult = `FAIL: ${String(e).slice(0, 500)}`;
  }
  log(`fifth node: ${fifthResult}`);

  const finalHeight = await top(procs);
  const byAction: Record<string, { runs: number; failed: number }> = {};
  for (const s of steps) {
    byAction[s.action] ??= { runs: 0, failed: 0 };
    byAction[s.action]!.runs++;
    if (!s.ok) byAction[s.action]!.failed++;
  }
  const summary = {
    name: "soak",
    date: new Date().toISOString(),
    seed: SEED,
    seconds: Math.round(elapsed()),
    planned_seconds: SECONDS,
    block_interval: BLOCK_INTERVAL,
    validators: 4,
    final_height: finalHeight,
    steps: steps.length,
    failures,
    by_action: byAction,
    load: { ...load.stats, indeterminate: load.indeterminate.length },
    fifth_node: fifthResult,
    invariants_checked_after_every_step: ["I1 one block hash per height on every node", "I3 identical header and abci_info app hashes", "I4 every acknowledged tx committed once and indexed on every node", "S5 no new height with two of four down"],
    schedule: steps,
  };
  mkdirSync(OUT, { recursive: true });
  const text = [
    `soak seed ${SEED}: ${summary.seconds}s, ${steps.length} fault steps, ${failures} failure(s), final height ${finalHeight}`,
    `load: ${load.stats.acked} acknowledged txs (${load.stats.netErrors} network errors retried, ${load.stats.resent} re-sent after whole-network restarts, ${load.indeterminate.length} indeterminate)`,
    ...Object.entries(byAction).map(([k, v]) => `  ${k.padEnd(11)} ${v.runs} run(s), ${v.failed} failed`),
    `fifth node: ${fifthResult}`,
    "schedule:",
    ...steps.map((s) => `  #${s.n} +${s.startedAtS}s ${s.ok ? "ok  " : "FAIL"} ${s.action} ${s.detail} (${s.seconds}s, height ${s.heightBefore}→${s.heightAfter})${s.error ? ` ${s.error}` : ""}`),
  ].join("\n");
  for (const name of [`soak-${SEED}`, "soak-latest"]) {
    writeFileSync(join(OUT, `${name}.json`), `${JSON.stringify(summary, null, 2)}\n`);
    writeFileSync(join(OUT, `${name}.txt`), `${text}\n`);
  }
  console.log(text);
  if (fifth !== undefined) {
    await kill(fifth, "SIGTERM");
    cleanup(fifth.home);
  }
  await teardown(procs);
  return failures === 0 ? 0 : 1;
}

process.exit(await main());
