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
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, truncateSync, appendFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fromBase64 } from "../../modules/core/bytes.ts";
import { CRASH_AT_ENV } from "../../node/execution/crashAt.ts";
import { nodeIdFromPubKey } from "../../node/crypto/keyFiles.ts";
import { CHAIN_ID, ChainChecker, faultEnv, heal, heightOf, kill, launch, partition, type Proc, setFaults, setupNet, signal, teardown, waitHeight, waitPeers } from "../e2e/bftNet.ts";
import { cleanup, cli, freePort, ROOT, rpc, tempHome, waitFor } from "../e2e/harness.ts";
import { TEST_CLOCK_OFFSET_ENV, TEST_CLOCK_PATTERN_ENV, TEST_LIE_HEIGHT_ENV } from "../../node/util/testEnv.ts";
import { genesisAccounts, makeAccounts, setAccountNumbers, TxLoad } from "../e2e/txLoad.ts";

const SECONDS = Number(process.env["SOAK_SECONDS"] ?? 600);
const SEED = Number(process.env["SOAK_SEED"] ?? Math.floor(Math.random() * 2 ** 31));
const BLOCK_INTERVAL = process.env["SOAK_BLOCK_INTERVAL"] ?? "500ms";
const ACCOUNTS = Number(process.env["SOAK_ACCOUNTS"] ?? 6);
const OUT = resolve(ROOT, process.env["SOAK_OUT"] ?? "bench-results");
const SPLIT_SECONDS = Number(process.env["SOAK_SPLIT_SECONDS"] ?? 60);
const CRASH_POINTS = ["afterPrivvalSign", "afterSaveBlock", "afterEndHeight", "afterFinalize", "afterSaveState", "afterCommit", "afterMempoolUpdate"];
/** the schedule of the first soak (seed 7 and 20261122 were run with exactly these, in this order). */
const LEGACY_ACTIONS = ["kill9", "pause", "crashAt", "twoDown", "restartAll", "killAll", "quiet"] as const;
/** partitions and adversarial environments through the test-only fault settings (node/p2p/testFaults.ts, node/util/testEnv.ts). */
const ADVERSE_ACTIONS = ["isolate", "split", "ring", "oneWay", "flap", "skew", "walTruncate", "lyingPeer"] as const;
/** moving clocks (S14, Jepsen's strobe and bump nemeses): SOAK_ACTIONS=clock runs these with skew. */
const CLOCK_ACTIONS = ["strobe", "bump"] as const;
type Action = (typeof LEGACY_ACTIONS)[number] | (typeof ADVERSE_ACTIONS)[number] | (typeof CLOCK_ACTIONS)[number];
const ALL_ACTIONS: readonly Action[] = [...LEGACY_ACTIONS, ...ADVERSE_ACTIONS, ...CLOCK_ACTIONS];
/** SOAK_ACTIONS: "legacy" (the first soak's schedule: same seed, same steps), "adverse", or a comma list; default all. */
const ACTIONS: readonly Action[] = (() => {
  const v = process.env["SOAK_ACTIONS"];
  if (v === undefined || v === "" || v === "all") return ALL_ACTIONS;
  if (v === "legacy") return LEGACY_ACTIONS;
  if (v === "adverse") return ADVERSE_ACTIONS;
  if (v === "clock") return ["skew", ...CLOCK_ACTIONS];
  const xs = v.split(",").map((x) => x.trim());
  for (const x of xs) if (!ALL_ACTIONS.includes(x as Action)) throw new Error(`SOAK_ACTIONS: unknown action "${x}" (${ALL_ACTIONS.join(", ")})`);
  return xs as Action[];
})();
const HOUR_MS = 3_600_000;
/** SOAK_CYCLE=1: run the actions in list order, round after round (every scenario once per round), instead of picking at random. */
const CYCLE = process.env["SOAK_CYCLE"] === "1";
/** SOAK_STEPS: stop after this many steps even when SOAK_SECONDS is not over (e.g. one round of SOAK_CYCLE). */
const MAX_STEPS = Number(process.env["SOAK_STEPS"] ?? Number.MAX_SAFE_INTEGER);

/** an RFC 3339 time with up to 9 fractional digits → ns since the epoch. */
function timeNs(t: string): bigint {
  const m = /^(.*?)(?:\.(\d{1,9}))?Z$/.exec(t);
  if (m === null) throw new Error(`not an RFC 3339 UTC time: ${t}`);
  return BigInt(Date.parse(`${m[1]}Z`)) * 1_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}

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
  // every node reads its test-only fault file (empty = no faults) so partitions can be switched on
  heal(procs);
  /** nodes running with a test-only misbehaviour env (clock skew, lying status): restarted clean after a failed step. */
  const tainted = new Set<Proc>();
  const start = (p: Proc, env: Record<string, string> = {}) => {
    if (Object.keys(env).length > 0) tainted.add(p);
    else tainted.delete(p);
    launch(p, { ...faultEnv(p), ...env }, { blockInterval: BLOCK_INTERVAL });
  };
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

  /** waits until every node of `nodes` is `n` blocks above where it is now. */
  async function progress(nodes: Proc[], n: number, timeoutMs: number): Promise<number> {
    // a node just restarted may not answer yet
    const h0 = await Promise.all(nodes.map((p) => waitFor(`node ${p.rpcPort} answering`, () => heightOf(p), 120_000, 250)));
    for (const [i, p] of nodes.entries()) await waitHeight(p, h0[i]! + n, timeoutMs);
    return Math.min(...(await Promise.all(nodes.map(heightOf))));
  }
  /** heals every fault and waits for the full mesh. */
  async function healAll(): Promise<void> {
    heal(procs);
    await waitPeers(procs.filter(up), () => procs.filter(up).length - 1, 60_000);
  }
  /** header times (ns) of heights from..to on node0. */
  async function blockTimes(from: number, to: number): Promise<bigint[]> {
    const out: bigint[] = [];
    const via = procs.find(up) ?? procs[0]!;
    for (let h = from; h <= to; h++) out.push(timeNs((await waitFor(`block ${h}`, () => rpc(via.rpcUrl, "block", { height: String(h) }), 30_000, 250)).block.header.time as string));
    return out;
  }
  /** the latest block time minus the wall clock, in ms. */
  async function chainLeadMs(): Promise<number> {
    const h = await top(procs);
    const t = (await blockTimes(h, h))[0]!;
    return Number(t / 1_000_000n) - Date.now();
  }
  /** I5 for honest nodes: no duplicate-vote evidence in any block (nobody in the soak is byzantine). */
  let evidenceScanned = 0;
  async function assertNoEvidence(upTo: number): Promise<void> {
    for (let h = evidenceScanned + 1; h <= upTo; h++) {
      const b = await rpc(procs[0]!.rpcUrl, "block", { height: String(h) });
      const ev = b.block.evidence?.evidence ?? [];
      if (ev.length > 0) throw new Error(`I5: evidence of a double sign at height ${h}: ${JSON.stringify(ev).slice(0, 300)}`);
      evidenceScanned = h;
    }
  }
  const logTail = (p: Proc, n = 400) => readFileSync(join(p.home, "node.log"), "utf8").split("\n").slice(-n);
  const pair = (): [Proc, Proc] => {
    const i = between(0, 3);
    const j = (i + between(1, 3)) % 4;
    return [procs[i]!, procs[j]!];
  };
  const name = (p: Proc) => `node${procs.indexOf(p)}`;

  /**
   * I7 over heights from..to: times strictly increase; when `range`, each lies within the honest clocks
   * (±30 s around [tA, tB]: a loaded machine commits blocks seconds apart, and the first block's time is
   * the median of precommits signed before tA; a skewed median would be minutes off).
   */
  async function checkI7(from: number, to: number, range: { tA: number; tB: number; what: string } | undefined): Promise<number> {
    const times = await blockTimes(from, to);
    for (let i = 1; i < times.length; i++) if (times[i]! <= times[i - 1]!) throw new Error(`I7: block time of ${from + i} does not increase`);
    if (range !== undefined) {
      const lo = BigInt(range.tA - 30_000) * 1_000_000n;
      const hi = BigInt(range.tB + 30_000) * 1_000_000n;
      const bad = times.findIndex((x) => x < lo || x > hi);
      if (bad >= 0) throw new Error(`I7: block ${from + bad} time ${times[bad]} outside the honest clocks [${lo}, ${hi}] with ${range.what}`);
    }
    return times.length;
  }

  /**
   * S14 moving clocks (strobe / bump): first ONE validator (< 1/3 of the power: I7 must hold, block times
   * within the honest clocks), then TWO (≥ 1/3: times may be pulled, but must increase; liveness), each
   * restarted with OPENLEDGER_TEST_CLOCK_PATTERN, then restarted clean.
   */
  /**
   * Restarts validator v with a clock setting, lets the chain run s seconds (then ≥ 2 more blocks) and checks
   * I7 over the blocks made meanwhile. The range (±30 s of the honest clocks, checkI7) needs an honest chain
   * time to start from: skipped once an earlier +1 h step pulled it ahead; behind the wall clock is normal on
   * a loaded machine (the last block is seconds old).
   */
  async function oneSkewed(v: Proc, env: Record<string, string>, s: number, what: string): Promise<{ ranged: boolean; n: number }> {
    const leadBefore = await chainLeadMs();
    await kill(v, "SIGTERM");
    start(v, env);
    const hA = await top(procs);
    const tA = Date.now();
    await sleep(s * 1000);
    const hB = await progress(procs, 2, 90_000);
    const tB = Date.now();
    const ranged = leadBefore < 5_000;
    return { ranged, n: await checkI7(hA + 1, hB, ranged ? { tA, tB, what } : undefined) };
  }

  async function movingClock(kind: "strobe" | "bump"): Promise<{ detail: string; restarted: Proc[] }> {
    const pattern = (deltaMs: number): { env: Record<string, string>; what: string } => {
      if (kind === "strobe") {
        const period = between(100, 500);
        return { env: { [TEST_CLOCK_PATTERN_ENV]: `strobe:${deltaMs}:${period}` }, what: `strobing 0 ↔ ${deltaMs / 60000} min every ${period} ms` };
      }
      const after = between(3, 8) * 1000;
      return { env: { [TEST_CLOCK_PATTERN_ENV]: `bump:${after}:${deltaMs}` }, what: `bumped ${deltaMs / 60000} min ${after / 1000}s after its start` };
    };
    const v = pick(procs);
    const one = pattern((rnd() < 0.5 ? -1 : 1) * 10 * 60_000);
    const s1 = between(15, 30);
    const { ranged, n: n1 } = await oneSkewed(v, one.env, s1, `${name(v)} ${one.what}`);
    const i7 = ranged ? `I7 held over ${n1} blocks (increasing, within the honest clocks)` : `${n1} blocks increasing (range skipped: chain time already pulled ahead)`;
    await kill(v, "SIGTERM");
    start(v);
    const [w1, w2] = pair();
    const sign = rnd() < 0.5 ? -1 : 1;
    const two = [pattern(sign * HOUR_MS), pattern(sign * HOUR_MS)];
    await Promise.all([kill(w1, "SIGTERM"), kill(w2, "SIGTERM")]);
    start(w1, two[0]!.env);
    start(w2, two[1]!.env);
    const s2 = between(15, 30);
    const hC = await top(procs);
    await sleep(s2 * 1000);
    const hD = await progress(procs, 3, 120_000);
    const n2 = await checkI7(hC + 1, hD, undefined);
    const lead = await chainLeadMs();
    await Promise.all([kill(w1, "SIGTERM"), kill(w2, "SIGTERM")]);
    start(w1);
    start(w2);
    return {
      detail: `${name(v)} ${one.what} for ${s1}s (${i7}); ${name(w1)} ${two[0]!.what} + ${name(w2)} ${two[1]!.what} for ${s2}s: ${hD - hC} blocks (liveness), ${n2} times increasing, chain time ${(lead / 60000).toFixed(1)} min ${lead >= 0 ? "ahead of" : "behind"} the wall clock`,
      restarted: [v, w1, w2],
    };
  }

  async function run(action: Action): Promise<{ detail: string; restarted: Proc[] }> {
    switch (action) {
      case "isolate": {
        // S8: one validator cut off from the other three (both directions), then healed
        const v = pick(procs);
        const s = between(10, 30);
        const rest = procs.filter((p) => p !== v);
        partition(procs, [rest, [v]]);
        await waitPeers(procs, (p) => (p === v ? 0 : 2), 30_000);
        const t = Date.now();
        // v may still be applying what it received before the cut (e.g. catching up after a restart), but it
        // cannot get past what the others had then: nothing is decided without them
        const capAtCut = await top(rest);
        const reached = await progress(rest, 3, 60_000);
        await sleep(Math.max(0, s * 1000 - (Date.now() - t)));
        const hv2 = await heightOf(v);
        if (hv2 > capAtCut + 1) throw new Error(`S8: the isolated ${name(v)} reached ${hv2} alone (the others had ${capAtCut} at the cut)`);
        await healAll();
        const t2 = Date.now();
        await waitHeight(v, (await top(rest)) + 1, 120_000);
        return { detail: `${name(v)} isolated ${s}s (the other three reached ${reached}+; caught up ${((Date.now() - t2) / 1000).toFixed(1)}s after heal)`, restarted: [v] };
      }
      case "split": {
        // S9: 2/2 split: no block, no fork; heal → resume within I8
        const [a, b] = pair();
        const other = procs.filter((p) => p !== a && p !== b);
        partition(procs, [[a, b], other]);
        await waitPeers(procs, () => 1, 30_000);
        await sleep(2000); // a height already decided may still be finishing
        const halted = await Promise.all(procs.map(heightOf));
        await sleep(Math.max(0, SPLIT_SECONDS * 1000 - 2000));
        const after = await Promise.all(procs.map(heightOf));
        if (after.some((h, i) => h !== halted[i])) throw new Error(`S9: heights moved during a 2/2 split: ${halted.join(",")} → ${after.join(",")}`);
        await checker.check([a, b], [], { timeoutMs: 10_000 });
        await checker.check(other, [], { timeoutMs: 10_000 });
        heal(procs);
        const t = Date.now();
        const target = Math.max(...halted) + 1;
        await waitFor("a new block after the heal", async () => ((await top(procs)) >= target ? true : undefined), 120_000, 100);
        const resumeS = (Date.now() - t) / 1000;
        await waitPeers(procs, () => 3, 60_000);
        if (resumeS > 15) throw new Error(`I8: the first block after healing a 2/2 split took ${resumeS.toFixed(1)}s (> 15 s)`);
        return { detail: `${name(a)}+${name(b)} | rest for ${SPLIT_SECONDS}s at heights ${halted.join(",")}; first block ${resumeS.toFixed(1)}s after heal`, restarted: [] };
      }
      case "ring": {
        // S10: majorities ring: one link per node cut (a perfect matching), so each node sees a different 3/4
        const m = between(0, 2);
        const pairs: [number, number][][] = [[[0, 1], [2, 3]], [[0, 2], [1, 3]], [[0, 3], [1, 2]]];
        const cut = pairs[m]!;
        const s = between(15, 40);
        for (const [i, j] of cut) {
          setFaults(procs[i]!, { deny: [procs[j]!] });
          setFaults(procs[j]!, { deny: [procs[i]!] });
        }
        await waitPeers(procs, () => 2, 30_000);
        const t = Date.now();
        const reached = await progress(procs, 3, 90_000);
        await sleep(Math.max(0, s * 1000 - (Date.now() - t)));
        const end = await progress(procs, 1, 60_000);
        await healAll();
        return { detail: `links ${cut.map(([i, j]) => `${i}-${j}`).join(" ")} cut ${s}s: every node kept committing (≥3 blocks by ${reached}, ${end} at the end)`, restarted: [] };
      }
      case "oneWay": {
        // S10: asymmetric cut: x drops everything y sends (y still hears x); y's votes reach x by relaying
        const [x, y] = pair();
        const s = between(15, 40);
        setFaults(x, { dropFrom: [y] });
        await sleep(500);
        const t = Date.now();
        const reached = await progress(procs, 3, 90_000);
        await sleep(Math.max(0, s * 1000 - (Date.now() - t)));
        await progress(procs, 1, 60_000);
        await healAll();
        return { detail: `${name(x)} deaf to ${name(y)} for ${s}s: every node kept committing (≥3 blocks by ${reached})`, restarted: [] };
      }
      case "flap": {
        // S11: flapping partitions with 5 % message drop and 200 ms jitter on every node
        const s = between(30, 60);
        const noise = { dropPercent: 5, jitterMs: 200 };
        const h0 = await top(procs);
        const t = Date.now();
        const shapes: string[] = [];
        while (Date.now() - t < s * 1000) {
          const shape = between(0, 3);
          if (shape === 0) {
            for (const p of procs) setFaults(p, noise);
            shapes.push("mesh");
          } else if (shape === 1) {
            const v = pick(procs);
            partition(procs, [procs.filter((p) => p !== v), [v]], noise);
            shapes.push(`iso${procs.indexOf(v)}`);
          } else if (shape === 2) {
            const [a, b] = pair();
            partition(procs, [[a, b], procs.filter((p) => p !== a && p !== b)], noise);
            shapes.push(`split${procs.indexOf(a)}${procs.indexOf(b)}`);
          } else {
            const [x, y] = pair();
            for (const p of procs) setFaults(p, p === x ? { ...noise, dropFrom: [y] } : noise);
            shapes.push(`deaf${procs.indexOf(x)}<${procs.indexOf(y)}`);
          }
          await sleep(between(2, 6) * 1000);
        }
        for (const p of procs) setFaults(p, noise); // noise alone: the chain must make progress
        const reached = await progress(procs, 2, 120_000);
        await healAll();
        return { detail: `${s}s of ${shapes.join(",")} with 5% drop + 200ms jitter; then ${reached - h0} blocks above ${h0} under noise alone`, restarted: [] };
      }
      case "skew": {
        // S14: one validator's consensus clock ±10 min (I7: block times increase and stay within the honest
        // clocks), then two validators +1 h (≥ 1/3 power: block time may be pulled; liveness unaffected)
        const v = pick(procs);
        const off = (rnd() < 0.5 ? -1 : 1) * 10 * 60_000;
        const s1 = between(15, 30);
        const { ranged, n: n1 } = await oneSkewed(v, { [TEST_CLOCK_OFFSET_ENV]: String(off) }, s1, `one validator at ${off / 60000} min`);
        const i7 = ranged ? `held over ${n1} blocks` : `skipped (chain time already pulled ahead by an earlier +1 h step; ${n1} blocks increasing)`;
        const [w1, w2] = pair();
        await kill(v, "SIGTERM");
        start(v);
        await Promise.all([kill(w1, "SIGTERM"), kill(w2, "SIGTERM")]);
        start(w1, { [TEST_CLOCK_OFFSET_ENV]: String(HOUR_MS) });
        start(w2, { [TEST_CLOCK_OFFSET_ENV]: String(HOUR_MS) });
        const s2 = between(15, 30);
        const hC = await top(procs);
        await sleep(s2 * 1000);
        const hD = await progress(procs, 3, 120_000);
        const times2 = await blockTimes(hC + 1, hD);
        for (let i = 1; i < times2.length; i++) if (times2[i]! <= times2[i - 1]!) throw new Error(`I7: block time of ${hC + 1 + i} does not increase`);
        const lead = await chainLeadMs();
        await Promise.all([kill(w1, "SIGTERM"), kill(w2, "SIGTERM")]);
        start(w1);
        start(w2);
        return {
          detail: `${name(v)} at ${off / 60000} min for ${s1}s (I7 range ${i7}); ${name(w1)}+${name(w2)} at +1 h for ${s2}s: ${hD - hC} blocks, times increasing, chain time ${(lead / 60000).toFixed(1)} min ahead of the wall clock`,
          restarted: [v, w1, w2],
        };
      }
      case "strobe":
      case "bump":
        return movingClock(action);
      case "walTruncate": {
        // S17: kill -9 one validator, cut a random tail off its consensus WAL, maybe append random bytes
        const v = pick(procs);
        await sleep(between(0, 900));
        await kill(v, "SIGKILL");
        const wal = join(v.home, "data/cs.wal/wal");
        const size = existsSync(wal) ? statSync(wal).size : 0;
        const cut = size === 0 ? 0 : between(1, Math.min(size, 1 << 20));
        if (size > 0) truncateSync(wal, size - cut);
        const junk = rnd() < 0.5 ? between(1, 4096) : 0;
        if (junk > 0) appendFileSync(wal, randomBytes(junk));
        const refusedBefore = logTail(v, 100_000).filter((l) => l.includes("private validator refused to sign")).length;
        start(v);
        const exited = await Promise.race([waitExit(v).then((sig) => ({ sig })), sleep(20_000).then(() => undefined)]);
        let outcome: string;
        if (exited !== undefined) {
          v.proc = undefined;
          const fatal = logTail(v, 200).filter((l) => /"level":(50|60)/.test(l) || /Error/.test(l)).slice(-1)[0] ?? "(no error line)";
          if (!/wal/i.test(fatal)) throw new Error(`S17: ${name(v)} exited (${String(exited.sig)}) after the WAL cut without a clear WAL error: ${fatal.slice(0, 400)}`);
          // the operator's answer to a refused WAL: move it aside; the private validator state still stops any double sign
          renameSync(join(v.home, "data/cs.wal"), join(v.home, `data/cs.wal.corrupt.${Date.now()}`));
          start(v);
          outcome = `refused to start with a clear error (${fatal.slice(0, 160)}); restarted after moving the WAL aside`;
        } else {
          outcome = "restarted";
        }
        await waitHeight(v, (await top(procs.filter((p) => p !== v))) + 1, 120_000);
        const refused = logTail(v, 100_000).filter((l) => l.includes("private validator refused to sign")).length - refusedBefore;
        return { detail: `${name(v)}: ${cut} of ${size} WAL bytes cut${junk > 0 ? `, ${junk} random bytes appended` : ""}: ${outcome}; privval refusals ${refused}`, restarted: [v] };
      }
      case "lyingPeer": {
        // S18: one node claims height 10^9 in its block sync status; a validator that fell behind syncs
        // through block sync and must still switch to consensus
        const [liar, v] = pair();
        await kill(liar, "SIGTERM");
        start(liar, { [TEST_LIE_HEIGHT_ENV]: "1000000000" });
        await waitHeight(liar, (await top(procs.filter((p) => p !== liar))) + 1, 120_000); // back in consensus before v goes down
        const hv = await heightOf(v);
        await kill(v, "SIGKILL");
        const s = between(10, 30);
        await sleep(s * 1000);
        const behind = (await top(procs.filter((p) => p !== v))) - hv;
        start(v);
        const t = Date.now();
        await waitFor(`${name(v)} switched to consensus`, async () => {
          const st = await rpc(v.rpcUrl, "status");
          return st.sync_info.catching_up === false ? true : undefined;
        }, 180_000, 250);
        const switchS = (Date.now() - t) / 1000;
        await waitHeight(v, (await top(procs.filter((p) => p !== v))) + 2, 120_000);
        const log = logTail(v, 20_000).join("\n");
        const m = /block sync caught up; switching to consensus[^\n]*/.exec(log);
        await kill(liar, "SIGTERM");
        start(liar);
        return { detail: `${name(liar)} claims 10^9; ${name(v)} down ${s}s (behind by ~${behind}) switched to consensus ${switchS.toFixed(1)}s after start${m !== null && m[0].includes("1000000000") ? " (maxPeerHeight still the lie)" : ""}`, restarted: [liar, v] };
      }
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
  for (let n = 1; elapsed() < SECONDS && n <= MAX_STEPS; n++) {
    const action = CYCLE ? ACTIONS[(n - 1) % ACTIONS.length]! : pick(ACTIONS);
    const startedAtS = elapsed();
    const heightBefore = await top(procs);
    let rec: StepRecord;
    try {
      const { detail, restarted } = await run(action);
      await catchUpAll(restarted);
      const r = await checker.check(procs, load.acked.map((a) => a.hash), { timeoutMs: 90_000, restarted });
      await assertNoEvidence(r.height);
      load.allowResend = false;
      rec = { n, action, detail, startedAtS: Math.round(startedAtS), seconds: Math.round(elapsed() - startedAtS), heightBefore, heightAfter: r.height, ok: true, ackedTotal: r.txs };
    } catch (e) {
      failures++;
      load.allowResend = false;
      rec = { n, action, detail: "", startedAtS: Math.round(startedAtS), seconds: Math.round(elapsed() - startedAtS), heightBefore, heightAfter: await top(procs).catch(() => -1), ok: false, error: String(e).slice(0, 1000), ackedTotal: load.stats.acked };
      // bring everything back for the next step (faults healed, clocks and heights honest again)
      heal(procs);
      for (const p of [...tainted]) {
        await kill(p, "SIGTERM");
        start(p);
      }
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
