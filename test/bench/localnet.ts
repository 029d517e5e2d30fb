/**
 * Benchmark `localnet` (issue 3 item 7): signed bank sends on a 4-validator network of separate
 * `openledgerd start` processes over libp2p on 127.0.0.1 (bftNet.setupNet: free ports, persistent
 * peers, timeout_commit BENCH_LOCALNET_TIMEOUT_COMMIT (800ms) as `make localnet`, so blocks are ~1 s
 * apart: the commit timeout runs from the decision and proposing + voting take the rest), as a ratio to
 * the single-node throughput of test/bench/bankSend.ts measured in the same run (its own process, same
 * machine, blocks BENCH_LOCALNET_BLOCK_INTERVAL = 1s apart), interleaved: both stay up for the whole run
 * and take turns on the machine, in segments (single, then BENCH_LOCALNET_SEGMENTS (3) × (localnet
 * saturation segment, single segment)); the side whose turn it is not is paused with SIGSTOP (no CPU at
 * all; a paused localnet resumes in round 0 with every peer connected, and two blocks go by before its
 * next segment's clock starts). Each side's tx/s is its committed txs ÷ its segments' summed seconds, and
 * `ratio_by_segment` gives each localnet segment ÷ the mean of the single-node segments around it. Why:
 * the machine's speed drifts within minutes (one commit's CPU per tx, native signature checks included,
 * moved ±20% between runs 4 minutes apart; the single node's tx/s moved 2,246 → 2,531 from before to
 * after one localnet), and the ratio of two figures taken minutes apart carried that drift whole.
 *
 * Workload: the same on both sides, BENCH_LOCALNET_SENDERS (4,000) senders, each sending one tx per round,
 * so that no block holds two txs of one sender (the single node commits ~2,800 txs per 1 s block). With
 * fewer senders than a block's txs, a block's writes to one account and its balances coalesce: the old
 * baseline (1,000 senders, ~2.8 txs per sender per block) wrote ~3× fewer state-tree nodes per tx than
 * the validators (800 senders, ~1 tx per sender per block), and it showed: the same single node, same
 * commit, back to back, ran 2,856 and 3,353 tx/s with 1,000 senders (CPU 0.456 / 0.391 ms per tx,
 * LevelDB threads 0.032 / 0.029) against 2,076 and 2,739 with 4,000 (0.639 / 0.497, LevelDB 0.091 /
 * 0.072: the validators' figure). A real chain's blocks rarely carry one account twice.
 *
 * Warm-up: BENCH_WARMUP_ROUNDS (3) rounds of one sequence per sender are sent and committed before any
 * clock starts, on the localnet and in the single-node baseline alike (bankSend's own warm-up): freshly
 * started processes JIT-compile their hot paths and grow their heaps over their first thousands of txs,
 * and the compiler and GC helpers run on background threads, which the single node gets on the spare core
 * while four fresh validators pay for them on shared cores. The figures are those of running nodes; the
 * warm-up's own rate and CPU are reported under `warmup` (BENCH_WARMUP_ROUNDS=0 measures cold nodes), with
 * `warmup.chunks`: the warm-up goes in chunks of 2 rounds, each committed before the next, and each chunk's
 * mean CPU per tx per validator (by thread) shows how close to steady state the nodes were (bankSend reports
 * the same for the single node). 12,000 txs: the chunks show a validator's CPU per tx still falling through
 * its first ~8,000 txs (main thread 0.78 → 0.34 ms, GC/JIT helpers 0.41 → 0.09 ms per tx over 5 chunks
 * of 1,600), and with 1,600 the measured segments were mostly that tail.
 * A longer warm-up does not move the ratio: 8 rounds (32,000 txs) against 3, alternating, 2 runs each
 * (2026-11-23): 0.298 and 0.342 against 0.310 and 0.337; the validators' CPU per tx kept drifting by
 * ±10% from segment to segment either way, with the machine's speed (the single node's drifted as much).
 *
 * Two phases on the localnet, txs signed before the clock starts (SIGN_MODE_DIRECT, native secp256k1):
 * Both throughputs are sustained rates over several blocks: each single-node segment is 4,000 × 5 txs (~8 s,
 * ~8 blocks), each localnet segment 4,000 × 2 (~10 s); a 5-round burst (its old default) commits in 3 or 4 one-second blocks, so its tx/s swung
 * 1,767-2,772 between two back-to-back runs of the same commit, by where the block boundaries fell.
 *
 *  1. saturation, per segment: BENCH_LOCALNET_SENDERS × BENCH_LOCALNET_TXS_PER_SENDER (4,000 × 2) txs as fast as the nodes take
 *     them (rounds of one sequence per sender, as bankSend; sender i always through node i mod 4, batched
 *     broadcast_tx_sync) → a segment's seconds = last commit − first send; sustained tx/s = committed ÷
 *     the segments' seconds; ratio = that ÷ the single-node tx/s. `saturation.blocks`: the blocks that
 *     committed them, by segment (tx counts, header-time intervals, the round each height was decided in).
 *  2. paced: BENCH_LOCALNET_PACED_SECONDS at a steady offered rate (BENCH_LOCALNET_RATE, default 0.3 ×
 *     the single-node tx/s over all its segments, the ratio's own baseline: the issue's target) → achieved tx/s, broadcast-to-commit latency p50/p99
 *     (send → first 50 ms status poll of node 0 that sees the block) and the block interval (header
 *     times). p50 ≤ 1.5 s there and ratio ≥ 0.3 is the target.
 *
 * CPU (from /proc, per phase): each validator's CPU ms per committed tx (all threads, and the main
 * thread), their sum, this client's, CPU seconds by thread name (V8Worker = GC helpers, WorkerThread =
 * the signature workers), how busy the machine's cores were and how much of that was load from outside
 * the benchmark (other_load_cpu_s): on a shared machine the per-tx CPU is the steadier figure.
 *
 * Gossip and pool work per committed tx (both phases, from the counters each validator logs at its
 * graceful stop): CheckTx NEW and RECHECK calls, txs sent whole / received / duplicated network-wide
 * (ideal: 3 whole sends per tx on 4 validators), announcements and wants, and signatures verified on the
 * workers vs the main thread. The paced client sends a sender's txs in sequence order (a post waits for
 * the posts holding its senders' previous txs), as a wallet does.
 *
 * BENCH_CPU_PROF=DIR runs the validators with `--cpu-prof --cpu-prof-dir DIR` (written at the graceful
 * stop) and prints a per-area self-time summary of each profile (profileAreas.ts). Prints one
 * `BENCH {...}` line. Other env: BENCH_BASELINE_SENDERS / BENCH_BASELINE_TXS_PER_SENDER (the bankSend
 * run), BENCH_LOCALNET_BATCH (64), BENCH_LOCALNET_CONCURRENCY (2 per node).
 */
import { type ChildProcess, fork } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CHAIN_ID, heightOf, kill, launch, type Proc, setupNet, teardown, waitHeight } from "../e2e/bftNet.ts";
import { ROOT, rpc } from "../e2e/harness.ts";
import { genesisAccounts, makeAccounts, postJson, type SignedTx, setAccountNumbers, signSend, txHashHex } from "../e2e/txLoad.ts";
import { cpus } from "node:os";
import { summarizeProfile } from "./profileAreas.ts";
import { cpuSeconds, machineCpu, threadCpu } from "./procCpu.ts";
import { type Segment, segmentSummary } from "./bankSend.ts";

const num = (k: string, d: number) => Number(process.env[k] ?? d);
const SENDERS = num("BENCH_LOCALNET_SENDERS", 4000);
const PER_SENDER = num("BENCH_LOCALNET_TXS_PER_SENDER", 2);
const PACED_SECONDS = num("BENCH_LOCALNET_PACED_SECONDS", 30);
const BLOCK_INTERVAL = process.env["BENCH_LOCALNET_BLOCK_INTERVAL"] ?? "1s";
const TIMEOUT_COMMIT = process.env["BENCH_LOCALNET_TIMEOUT_COMMIT"] ?? "800ms";
const BATCH = num("BENCH_LOCALNET_BATCH", 64);
const CONC = num("BENCH_LOCALNET_CONCURRENCY", 2);
const PROF_DIR = process.env["BENCH_CPU_PROF"];
/** warm-up rounds before the saturation clock starts (as bankSend's BENCH_WARMUP_ROUNDS; the baseline gets the same). */
const WARMUP_ROUNDS = Math.max(0, num("BENCH_WARMUP_ROUNDS", 3));
/** V8 flags on the validators' / the single node's command line (cli/openledgerd OPENLEDGERD_NODE_FLAGS); unset = the launcher's default. */
const VALIDATOR_FLAGS = process.env["BENCH_LOCALNET_NODE_FLAGS"];
const BASELINE_FLAGS = process.env["BENCH_BASELINE_NODE_FLAGS"];
/** saturation segments on the localnet (BENCH_LOCALNET_SEGMENTS, 3), interleaved with SEGMENTS + 1 single-node ones. */
const SEGMENTS = Math.max(1, num("BENCH_LOCALNET_SEGMENTS", 3));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const mean = (xs: number[]) => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

/**
 * The single-node baseline: test/bench/bankSend.ts in its own process, in serve mode (its node paused
 * between segments, each segment run when asked: `segment()`), so that its segments alternate with the
 * localnet's on the machine. `result()`: its BENCH object (sums over all its segments) once it exited.
 */
class SingleNode {
  private readonly child: ChildProcess;
  private readonly inbox: Record<string, any>[] = [];
  private readonly waiters: { resolve: (m: Record<string, any>) => void; reject: (e: Error) => void }[] = [];
  private stdout = "";
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;
  constructor(segments: number) {
    this.child = fork(join(ROOT, "test/bench/bankSend.ts"), [], {
      cwd: ROOT,
      execArgv: ["--disable-warning=ExperimentalWarning"],
      stdio: ["ignore", "pipe", "inherit", "ipc"],
      env: {
        ...process.env,
        BENCH_BANKSEND_SERVE: "1",
        BENCH_SEGMENTS: String(segments),
        // the same senders' count as the localnet (the same workload), BENCH_BASELINE_SENDERS to differ
        BENCH_SENDERS: String(num("BENCH_BASELINE_SENDERS", SENDERS)),
        BENCH_TXS_PER_SENDER: String(num("BENCH_BASELINE_TXS_PER_SENDER", 5)),
        BENCH_WARMUP_ROUNDS: String(WARMUP_ROUNDS),
        BENCH_BLOCK_INTERVAL: BLOCK_INTERVAL,
        ...(BASELINE_FLAGS !== undefined ? { OPENLEDGERD_NODE_FLAGS: BASELINE_FLAGS } : {}),
      },
    });
    this.child.stdout!.setEncoding("utf8");
    this.child.stdout!.on("data", (d: string) => (this.stdout += d));
    this.child.on("message", (m: Record<string, any>) => {
      const w = this.waiters.shift();
      if (w !== undefined) w.resolve(m);
      else this.inbox.push(m);
    });
    this.exited = new Promise((resolve) => {
      this.child.on("exit", (code) => {
        this.exitCode = code;
        for (const w of this.waiters.splice(0)) w.reject(new Error(`single-node baseline (bankSend) exited with ${code} before answering`));
        resolve();
      });
    });
  }
  private next(type: string): Promise<Record<string, any>> {
    const m = this.inbox.shift();
    const got = m !== undefined
      ? Promise.resolve(m)
      : this.exitCode !== undefined
        ? Promise.reject(new Error(`single-node baseline (bankSend) exited with ${this.exitCode}`))
        : new Promise<Record<string, any>>((resolve, reject) => this.waiters.push({ resolve, reject }));
    return got.then((x) => {
      if (x.type !== type) throw new Error(`single-node baseline: expected ${type}, got ${x.type}`);
      return x;
    });
  }
  /** its warm-up report, once warmed up (its node paused). */
  async ready(): Promise<Record<string, any>> {
    return (await this.next("ready")).warmup;
  }
  /** runs one measured segment (the node resumed for it, paused again after). */
  async segment(): Promise<Segment> {
    this.child.send({ type: "go" });
    return (await this.next("segment")).segment as Segment;
  }
  async result(): Promise<Record<string, any>> {
    await this.exited;
    const line = this.stdout.split("\n").find((l) => l.startsWith("BENCH "));
    if (line === undefined) throw new Error(`bankSend baseline printed no BENCH line (exit ${this.exitCode})`);
    return JSON.parse(line.slice(6));
  }
  kill(): void {
    if (this.exitCode === undefined) this.child.kill("SIGTERM");
  }
}

/** watches node 0: the perf time each tx hash was first seen committed, block header times. */
class CommitWatcher {
  readonly committedAt = new Map<string, number>();
  readonly blocks: { height: number; time: number; txs: number; seenAt: number; lastCommitRound: number }[] = [];
  private last = 0;
  private on = true;
  private paused = false;
  private polling = false;
  private loop: Promise<void> | undefined;
  private readonly url: string;
  constructor(url: string) {
    this.url = url;
  }
  async start(): Promise<void> {
    this.last = Number((await rpc(this.url, "status")).sync_info.latest_block_height);
    this.loop = (async () => {
      while (this.on) {
        if (this.paused) {
          await sleep(20);
          continue;
        }
        this.polling = true;
        try {
          const h = Number((await rpc(this.url, "status")).sync_info.latest_block_height);
          const now = performance.now();
          for (let k = this.last + 1; k <= h; k++) {
            const b = await rpc(this.url, "block", { height: String(k) });
            const txs = (b.block.data.txs ?? []) as string[];
            for (const t of txs) this.committedAt.set(txHashHex(Buffer.from(t, "base64")), now);
            this.blocks.push({ height: k, time: Date.parse(b.block.header.time), txs: txs.length, seenAt: now, lastCommitRound: Number(b.block.last_commit?.round ?? 0) });
          }
          this.last = h;
        } catch {
          // a transient RPC error: poll again
        }
        this.polling = false;
        await sleep(50);
      }
    })();
  }
  async stop(): Promise<void> {
    this.on = false;
    await this.loop;
  }
  /** the highest height seen. */
  get lastHeight(): number {
    return this.last;
  }
  /** no polling until resume() (the node is about to be stopped); resolves once no poll is in flight. */
  async pause(): Promise<void> {
    this.paused = true;
    while (this.polling) await sleep(5);
  }
  resume(): void {
    this.paused = false;
  }
}

interface Sent {
  hash: string;
  at: number;
}

/**
 * posts batches of broadcast_tx_sync; counts the rejected txs (with the first reason). `offeredAt`: when
 * the txs were due (the paced phase's tick), so that a post held back behind its senders' earlier txs
 * still counts that wait in the latency.
 */
async function postBatch(url: string, txs: SignedTx[], sent: Sent[], rej: { n: number; first: string }, offeredAt?: number): Promise<void> {
  const now = offeredAt ?? performance.now();
  for (const t of txs) sent.push({ hash: t.hash, at: now });
  const body = `[${txs.map((t, i) => `{"jsonrpc":"2.0","id":${i},"method":"broadcast_tx_sync","params":{"tx":"${t.b64}"}}`).join(",")}]`;
  try {
    let ans: { error?: unknown; result?: { code?: number; log?: string } }[];
    try {
      ans = await postJson(url, body, 120_000);
    } catch (e) {
      // a keep-alive socket the server closed just as we reused it: the request never arrived; once more
      if (!/ECONNRESET|socket hang up/.test(String(e))) throw e;
      ans = await postJson(url, body, 120_000);
    }
    for (const a of Array.isArray(ans) ? ans : [ans]) {
      if (a.error !== undefined || (a.result?.code !== 0 && !/already exists in cache/.test(a.result?.log ?? ""))) {
        rej.n++;
        if (rej.first === "") rej.first = JSON.stringify(a).slice(0, 300);
      }
    }
  } catch (e) {
    rej.n += txs.length;
    if (rej.first === "") rej.first = String(e);
  }
}

/** CPU used by the validators, this client and the whole machine between two snapshots. */
interface CpuSnap {
  at: number;
  nodes: number[];
  mains: number[];
  threads: Record<string, number>[];
  client: number;
  machine: { busy: number; idle: number };
}
function cpuSnap(procs: Proc[]): CpuSnap {
  const pids = procs.map((p) => p.proc?.pid ?? -1);
  const u = process.cpuUsage();
  return {
    at: performance.now(),
    nodes: pids.map((pid) => cpuSeconds(pid)),
    mains: pids.map((pid) => cpuSeconds(pid, pid)),
    threads: pids.map((pid) => threadCpu(pid)),
    client: (u.user + u.system) / 1e6,
    machine: machineCpu(),
  };
}
/** a snapshot of nothing: the start of an accumulation (addSnap) that cpuReport reads as a phase. */
function zeroSnap(n: number): CpuSnap {
  return { at: 0, nodes: Array(n).fill(0), mains: Array(n).fill(0), threads: Array.from({ length: n }, () => ({})), client: 0, machine: { busy: 0, idle: 0 } };
}
/** adds the CPU between snapshots a and b to `acc` (a phase made of segments). */
function addSnap(acc: CpuSnap, a: CpuSnap, b: CpuSnap): void {
  acc.at += b.at - a.at;
  for (let i = 0; i < acc.nodes.length; i++) {
    acc.nodes[i]! += b.nodes[i]! - a.nodes[i]!;
    acc.mains[i]! += b.mains[i]! - a.mains[i]!;
    for (const [k, v] of Object.entries(b.threads[i]!)) acc.threads[i]![k] = (acc.threads[i]![k] ?? 0) + v - (a.threads[i]![k] ?? 0);
  }
  acc.client += b.client - a.client;
  acc.machine.busy += b.machine.busy - a.machine.busy;
  acc.machine.idle += b.machine.idle - a.machine.idle;
}

/** per-tx CPU of each validator (all threads / main thread), and how busy the machine's cores were. */
function cpuReport(a: CpuSnap, b: CpuSnap, txs: number): Record<string, unknown> {
  const n = Math.max(1, txs);
  const per = (xs: number[], ys: number[]) => xs.map((x, i) => Number((((ys[i]! - x) * 1000) / n).toFixed(3)));
  const nodeMs = per(a.nodes, b.nodes);
  const threads: Record<string, number> = {};
  for (let i = 0; i < b.threads.length; i++) {
    for (const [k, v] of Object.entries(b.threads[i]!)) threads[k] = (threads[k] ?? 0) + v - (a.threads[i]![k] ?? 0);
  }
  const wall = (b.at - a.at) / 1000;
  const nodesCpu = b.nodes.reduce((s, x, i) => s + x - a.nodes[i]!, 0);
  const busy = b.machine.busy - a.machine.busy;
  const idle = b.machine.idle - a.machine.idle;
  return {
    node_cpu_ms_per_tx: nodeMs,
    node_main_thread_cpu_ms_per_tx: per(a.mains, b.mains),
    all_nodes_cpu_ms_per_tx: Number(nodeMs.reduce((s, x) => s + x, 0).toFixed(3)),
    client_cpu_ms_per_tx: Number((((b.client - a.client) * 1000) / n).toFixed(3)),
    nodes_thread_cpu_s: Object.fromEntries(Object.entries(threads).sort((x, y) => y[1] - x[1]).map(([k, v]) => [k, Number(v.toFixed(2))])),
    machine_cores: cpus().length,
    machine_busy_fraction: Number((busy / Math.max(1e-9, busy + idle)).toFixed(3)),
    other_load_cpu_s: Number((busy - nodesCpu - (b.client - a.client)).toFixed(1)),
    wall_s: Number(wall.toFixed(2)),
  };
}

/** the last JSON log line of a node whose msg is `msg` (undefined when none). */
function lastLogLine(p: Proc, msg: string): Record<string, any> | undefined {
  let found: Record<string, any> | undefined;
  for (const line of readFileSync(join(p.home, "node.log"), "utf8").split("\n")) {
    if (!line.includes(msg)) continue;
    try {
      const o = JSON.parse(line);
      if (o.msg === msg) found = o;
    } catch {
      // not a JSON line
    }
  }
  return found;
}

/**
 * per-tx gossip and pool work over the whole run (warm-up and both phases), from the counters each node logs at its
 * graceful stop: CheckTx NEW and RECHECK calls per committed tx (each validator sees every tx, so ≥ 1
 * check per tx per node), txs sent whole network-wide (ideal: 3 per tx, once on each link from its
 * origin to the 3 others), duplicates received, and signatures verified on the workers vs the main thread.
 */
function gossipReport(procs: Proc[], committed: number): Record<string, unknown> {
  const n = Math.max(1, committed);
  const r3 = (x: number) => Number((x / n).toFixed(3));
  const per = procs.map((p) => {
    const g = lastLogLine(p, "gossip stats since start");
    const st = lastLogLine(p, "stopped");
    return { pool: g?.pool ?? {}, mempool: g?.mempool ?? {}, pre: st?.presigVerified ?? 0, main: st?.mainThreadVerified ?? 0 };
  });
  const sum = (f: (x: (typeof per)[number]) => number) => per.reduce((s, x) => s + (f(x) ?? 0), 0);
  return {
    committed,
    checks_per_tx: per.map((x) => r3(x.pool.checked ?? 0)),
    rechecks_per_tx: per.map((x) => r3(x.pool.rechecked ?? 0)),
    // of which answered from the app's recheck memo (modules/runtime/recheckMemo.ts)
    rechecks_replayed_per_tx: per.map((x) => r3(x.pool.recheckMemo?.replayed ?? 0)),
    recheck_rounds: per.map((x) => x.pool.recheckRounds ?? 0),
    recheck_ms: per.map((x) => x.pool.recheckMs ?? 0),
    recheck_dropped: per.map((x) => x.pool.recheckDropped ?? 0),
    whole_tx_sends_per_tx: r3(sum((x) => x.mempool.flooded ?? 0)),
    whole_tx_received_per_tx: r3(sum((x) => x.mempool.received ?? 0)),
    duplicates_per_tx: r3(sum((x) => x.mempool.duplicates ?? 0)),
    announced_per_tx: r3(sum((x) => x.mempool.announced ?? 0)),
    wanted_per_tx: r3(sum((x) => x.mempool.wanted ?? 0)),
    sigs_presigned_per_tx: per.map((x) => r3(x.pre)),
    sigs_main_thread_per_tx: per.map((x) => r3(x.main)),
  };
}

function latencies(sent: Sent[], committedAt: Map<string, number>): number[] {
  return sent.filter((s) => committedAt.has(s.hash)).map((s) => committedAt.get(s.hash)! - s.at).sort((a, b) => a - b);
}

export async function benchLocalnet(): Promise<Record<string, unknown>> {
  // BENCH_LOCALNET_SKIP_BASELINE=TPS: no baseline run, ratios against TPS (profiling and iteration only)
  const skip = process.env["BENCH_LOCALNET_SKIP_BASELINE"];
  process.stderr.write(`bench localnet: single-node baseline ${skip === undefined ? "(bankSend)" : `skipped, taken as ${skip} tx/s`}\n`);
  // the single node: warmed up, then its first segment, before the localnet starts (that segment's
  // tx/s sets the paced phase's offered rate); its other SEGMENTS segments run between the localnet's
  const single = skip === undefined ? new SingleNode(SEGMENTS + 1) : undefined;
  const singleSegs: Segment[] = [];
  let singleWarmup: Record<string, any> | null = null;
  let singleBench: Record<string, any> | undefined;
  const segTps = (x: Segment) => x.committed / x.seconds;
  let result: Record<string, unknown> = {};
  try {
    if (single !== undefined) {
      singleWarmup = await single.ready();
      singleSegs.push(await single.segment());
    }
    const singleTps0 = single === undefined ? Number(skip) : segTps(singleSegs[0]!);

    const accounts = makeAccounts("bench-localnet", SENDERS);
    const procs: Proc[] = await setupNet("lnb", genesisAccounts(accounts, "100000000000"));
    setAccountNumbers(accounts, join(procs[0]!.home, "config/genesis.json"));
    // the paced phase offers 0.3 × the single node's tx/s over all its segments (known only once they ran,
    // just before that phase): txs are pre-signed for up to 1.6 × the first segment's rate and the phase
    // takes the prefix it needs (each sender's sequences stay contiguous)
    const fixedRate = process.env["BENCH_LOCALNET_RATE"] === undefined ? undefined : num("BENCH_LOCALNET_RATE", 0);
    const pacedCount = Math.round((fixedRate ?? Math.max(10, 0.3 * singleTps0 * 1.6)) * PACED_SECONDS);
    // pre-signed: saturation rounds, then the paced txs (sender j mod S, next sequences)
    const rounds: SignedTx[][] = [];
    const warmRounds: SignedTx[][] = [];
    for (let seq = 0; seq < WARMUP_ROUNDS; seq++) warmRounds.push(accounts.map((a, i) => signSend(CHAIN_ID, a, BigInt(seq), accounts[(i + 1) % SENDERS]!.address)));
    for (let seq = WARMUP_ROUNDS; seq < WARMUP_ROUNDS + SEGMENTS * PER_SENDER; seq++) rounds.push(accounts.map((a, i) => signSend(CHAIN_ID, a, BigInt(seq), accounts[(i + 1) % SENDERS]!.address)));
    const pacedAll: { tx: SignedTx; sender: number }[] = [];
    for (let j = 0; j < pacedCount; j++) {
      const i = j % SENDERS;
      pacedAll.push({ tx: signSend(CHAIN_ID, accounts[i]!, BigInt(WARMUP_ROUNDS + SEGMENTS * PER_SENDER + Math.floor(j / SENDERS)), accounts[(i + 1) % SENDERS]!.address), sender: i });
    }

    let profDir: string | undefined;
    if (PROF_DIR !== undefined) {
      profDir = resolve(PROF_DIR);
      mkdirSync(profDir, { recursive: true });
    }
    // BENCH_LOCALNET_NODE_OPTIONS: extra NODE_OPTIONS for the validators (e.g. --heap-prof, V8 GC flags)
    const nodeOpts = [profDir !== undefined ? `--cpu-prof --cpu-prof-dir=${profDir}` : "", process.env["BENCH_LOCALNET_NODE_OPTIONS"] ?? ""].filter((x) => x !== "").join(" ");
    const env: Record<string, string> = nodeOpts !== "" ? { NODE_OPTIONS: nodeOpts } : {};
    if (VALIDATOR_FLAGS !== undefined) env["OPENLEDGERD_NODE_FLAGS"] = VALIDATOR_FLAGS;
    const extraArgs = (process.env["BENCH_LOCALNET_NODE_ARGS"] ?? "").split(" ").filter((a) => a !== "");
    for (const p of procs) launch(p, env, { blockInterval: TIMEOUT_COMMIT, extraArgs });
    const url = (i: number) => procs[i % procs.length]!.rpcUrl;
    try {
      for (const p of procs) await waitHeight(p, 2, 180_000);
      process.stderr.write(`bench localnet: 4 validators up; saturation ${SEGMENTS} × ${SENDERS}×${PER_SENDER} txs, then ${PACED_SECONDS}s paced\n`);
      const watcher = new CommitWatcher(procs[0]!.rpcUrl);
      await watcher.start();

      // rounds of one sequence per sender; per node: its senders' txs in batches, CONC posts in flight per node
      const sendRounds = async (rs: SignedTx[][], sent: Sent[], rej: { n: number; first: string }) => {
        for (const round of rs) {
          await Promise.all(procs.map(async (_, n) => {
            const mine = round.filter((_, i) => i % procs.length === n);
            let next = 0;
            await Promise.all(Array.from({ length: CONC }, async () => {
              while (next < mine.length) {
                const batch = mine.slice(next, next + BATCH);
                next += BATCH;
                await postBatch(url(n), batch, sent, rej);
              }
            }));
          }));
        }
      };
      const allDone = async (sent: Sent[], rej: { n: number }, total: number, ms: number) => {
        const deadline = Date.now() + ms;
        while (sent.filter((s) => watcher.committedAt.has(s.hash)).length + rej.n < total && Date.now() < deadline) await sleep(100);
      };

      // ---- warm-up (not measured): committed before the clock starts
      const sentWarm: Sent[] = [];
      const rejWarm = { n: 0, first: "" };
      const w0 = performance.now();
      const cpuWarm0 = cpuSnap(procs);
      // in chunks of 2 rounds, each committed before the next: each chunk's CPU per tx shows how far from
      // steady state the validators still were (the curve is reported under warmup.chunks)
      const chunks: { rounds: number; tps: number; node_cpu_ms_per_tx_mean: number; main_thread_ms_per_tx_mean: number; threads_ms_per_tx_mean: Record<string, number> }[] = [];
      for (let r = 0; r < warmRounds.length; r += 2) {
        const part = warmRounds.slice(r, r + 2);
        const c0 = cpuSnap(procs);
        const before = sentWarm.length;
        const committedBefore = sentWarm.filter((s) => watcher.committedAt.has(s.hash)).length;
        await sendRounds(part, sentWarm, rejWarm);
        await allDone(sentWarm, rejWarm, sentWarm.length, 600_000);
        const c1 = cpuSnap(procs);
        const n = Math.max(1, sentWarm.filter((s) => watcher.committedAt.has(s.hash)).length - committedBefore);
        const avg = (a: number[], b: number[]) => Number(((mean(b.map((x, i) => x - a[i]!)) * 1000) / n).toFixed(3));
        chunks.push({
          rounds: r + part.length,
          tps: Math.round(((sentWarm.length - before) * 1000) / (c1.at - c0.at)),
          node_cpu_ms_per_tx_mean: avg(c0.nodes, c1.nodes),
          main_thread_ms_per_tx_mean: avg(c0.mains, c1.mains),
          threads_ms_per_tx_mean: Object.fromEntries(Object.keys(c1.threads[0] ?? {}).map((k) => [k, Number(((mean(c1.threads.map((t, i) => (t[k] ?? 0) - (c0.threads[i]![k] ?? 0))) * 1000) / n).toFixed(3))])),
        });
      }
      const cpuWarm1 = cpuSnap(procs);
      const warmCommitted = sentWarm.filter((s) => watcher.committedAt.has(s.hash)).length;
      const warmup = {
        rounds: warmRounds.length,
        txs: warmRounds.length * SENDERS,
        committed: warmCommitted,
        rejected: rejWarm.n,
        first_reject: rejWarm.first,
        seconds: Number(((performance.now() - w0) / 1000).toFixed(2)),
        tps: warmCommitted === 0 ? null : Math.round(warmCommitted / ((performance.now() - w0) / 1000)),
        cpu: warmCommitted === 0 ? null : cpuReport(cpuWarm0, cpuWarm1, warmCommitted),
        chunks,
        single_node: singleWarmup,
      };

      // ---- phase 1: saturation, in SEGMENTS segments; between two, the localnet is paused (SIGSTOP: no CPU,
      // and the commit watcher stops polling) while the single node runs its next segment, then resumed, and
      // two blocks go by before the next segment's clock starts (after a 15 s pause the next 5 blocks came
      // 3.6 s later, all decided in round 0, every peer still connected)
      const sentSat: Sent[] = [];
      const rejSat = { n: 0, first: "" };
      const satSegs: { committed: number; seconds: number; tps: number; cpuMs: number; mainMs: number; blocks: typeof watcher.blocks }[] = [];
      const cpuSatAcc = zeroSnap(procs.length);
      const monoSat0 = process.hrtime.bigint();
      const pauseLocalnet = async () => {
        await watcher.pause();
        for (const p of procs) p.proc?.kill("SIGSTOP");
      };
      const resumeLocalnet = async () => {
        for (const p of procs) p.proc?.kill("SIGCONT");
        watcher.resume();
        const h = watcher.lastHeight;
        const until = Date.now() + 120_000;
        while (watcher.lastHeight < h + 2 && Date.now() < until) await sleep(50);
      };
      for (let k = 0; k < SEGMENTS; k++) {
        const segRounds = rounds.slice(k * PER_SENDER, (k + 1) * PER_SENDER);
        const sent: Sent[] = [];
        const t0 = performance.now();
        const c0 = cpuSnap(procs);
        await sendRounds(segRounds, sent, rejSat);
        await allDone(sent, rejSat, segRounds.length * SENDERS, 600_000);
        const c1 = cpuSnap(procs);
        addSnap(cpuSatAcc, c0, c1);
        const last = Math.max(...sent.map((x) => watcher.committedAt.get(x.hash) ?? 0));
        const committed = sent.filter((x) => watcher.committedAt.has(x.hash)).length;
        const seconds = (last - t0) / 1000;
        const cpuMs = (c1.nodes.reduce((a, x, i) => a + x - c0.nodes[i]!, 0) * 1000) / Math.max(1, committed) / procs.length;
        const mainMs = (c1.mains.reduce((a, x, i) => a + x - c0.mains[i]!, 0) * 1000) / Math.max(1, committed) / procs.length;
        satSegs.push({ committed, seconds, tps: committed / seconds, cpuMs, mainMs, blocks: watcher.blocks.filter((b) => b.seenAt >= t0 && b.seenAt <= last) });
        sentSat.push(...sent);
        if (single !== undefined) {
          await pauseLocalnet();
          singleSegs.push(await single.segment());
          if (k === SEGMENTS - 1) singleBench = await single.result();
          await resumeLocalnet();
        }
      }
      // the phase's window on CLOCK_MONOTONIC (µs, the clock of --cpu-prof timestamps: test/bench/profileDiff.ts)
      process.stderr.write(`bench localnet: saturation window ${monoSat0 / 1000n} ${process.hrtime.bigint() / 1000n}\n`);
      const satTotal = rounds.length * SENDERS;
      const satLat = latencies(sentSat, watcher.committedAt);
      const satSeconds = satSegs.reduce((a, x) => a + x.seconds, 0);
      const satTps = satSegs.reduce((a, x) => a + x.committed, 0) / satSeconds;
      // the blocks that committed the phase's txs: sizes, header-time intervals, and heights decided in a
      // round > 0 (a proposal that missed its propose timeout costs a whole extra round of consensus)
      const roundOf = new Map(watcher.blocks.map((b) => [b.height - 1, b.lastCommitRound]));
      const satBlockReport = {
        count: satSegs.reduce((a, x) => a + x.blocks.length, 0),
        txs: satSegs.map((x) => x.blocks.map((b) => b.txs)),
        interval_ms: satSegs.map((x) => x.blocks.slice(1).map((b, i) => b.time - x.blocks[i]!.time)),
        decided_in_round: satSegs.map((x) => x.blocks.map((b) => roundOf.get(b.height) ?? null)),
      };

      // the ratio's baseline: the single node's tx/s over all its segments (each side: committed ÷ the
      // segments' summed seconds); it also sets the paced phase's offered rate
      const singleTps = single === undefined ? Number(skip) : singleSegs.reduce((a, x) => a + x.committed, 0) / singleSegs.reduce((a, x) => a + x.seconds, 0);
      const rate = fixedRate ?? Math.max(10, Math.round(0.3 * singleTps));
      const paced = pacedAll.slice(0, Math.round(rate * PACED_SECONDS));
      process.stderr.write(`bench localnet: paced at ${rate} tx/s (${paced.length} txs)\n`);

      // ---- phase 2: paced (ticks of 100 ms; each tick's txs grouped by the sender's node)
      const sentPaced: Sent[] = [];
      const rejPaced = { n: 0, first: "" };
      const p0 = performance.now();
      const cpuPaced0 = cpuSnap(procs);
      const monoPaced0 = process.hrtime.bigint();
      const perTick = rate / 10;
      let due = 0;
      let idx = 0;
      const inflight: Promise<void>[] = [];
      // a sender's txs reach its node in sequence order, as a wallet sends them: a post waits until the
      // posts holding its senders' previous txs were answered (concurrent posts on separate connections can
      // otherwise be read by a busy node in another order, and the later sequence is refused as a mismatch)
      const lastPost = new Map<number, Promise<void>>();
      for (let tick = 0; idx < paced.length; tick++) {
        due += perTick;
        const take = Math.min(paced.length - idx, Math.floor(due) - idx);
        const slice = paced.slice(idx, idx + take);
        idx += take;
        const offeredAt = performance.now();
        for (let n = 0; n < procs.length; n++) {
          const mine = slice.filter((x) => x.sender % procs.length === n);
          if (mine.length === 0) continue;
          const before = new Set<Promise<void>>();
          for (const x of mine) {
            const prev = lastPost.get(x.sender);
            if (prev !== undefined) before.add(prev);
          }
          const txs = mine.map((x) => x.tx);
          const post = before.size === 0
            ? postBatch(url(n), txs, sentPaced, rejPaced, offeredAt)
            : Promise.all(before).then(() => postBatch(url(n), txs, sentPaced, rejPaced, offeredAt));
          for (const x of mine) lastPost.set(x.sender, post);
          inflight.push(post);
        }
        const wait = p0 + (tick + 1) * 100 - performance.now();
        if (wait > 0) await sleep(wait);
      }
      await Promise.all(inflight);
      const pacedSentEnd = performance.now();
      const pacedDeadline = Date.now() + 120_000;
      while (sentPaced.filter((s) => watcher.committedAt.has(s.hash)).length + rejPaced.n < paced.length && Date.now() < pacedDeadline) await sleep(100);
      const cpuPaced1 = cpuSnap(procs);
      process.stderr.write(`bench localnet: paced window ${monoPaced0 / 1000n} ${process.hrtime.bigint() / 1000n}\n`);
      await watcher.stop();
      const pacedLat = latencies(sentPaced, watcher.committedAt);
      const pacedLast = Math.max(...sentPaced.map((s) => watcher.committedAt.get(s.hash) ?? 0));
      const pacedTps = pacedLat.length / ((pacedLast - p0) / 1000);
      const pacedBlocks = watcher.blocks.filter((b) => b.seenAt >= p0 && b.seenAt <= pacedSentEnd);
      const intervals = pacedBlocks.slice(1).map((b, i) => b.time - pacedBlocks[i]!.time);
      const allIntervals = watcher.blocks.slice(1).map((b, i) => b.time - watcher.blocks[i]!.time);
      const heights = await Promise.all(procs.map(heightOf));

      // the ratio: the localnet's saturation tx/s over all its segments ÷ the single node's over all of its;
      // by segment: each localnet segment ÷ the mean of the single-node segments just before and after it
      const ratio = satTps / singleTps;
      const ratioBySegment = single === undefined ? null : satSegs.map((x, k) => Number((x.tps / ((segTps(singleSegs[k]!) + segTps(singleSegs[k + 1]!)) / 2)).toFixed(3)));
      const p50 = percentile(pacedLat, 50);
      // graceful stop: each node logs its gossip and pool counters since start (both phases together)
      await Promise.all(procs.map((p) => kill(p, "SIGTERM")));
      const gossip = gossipReport(procs, warmCommitted + satLat.length + pacedLat.length);
      result = {
        name: "localnet",
        value: Math.round(satTps),
        unit: "tx/s",
        baseline: Math.round(singleTps),
        baseline_name: "single-node bank-send tx/s (test/bench/bankSend.ts, same run, its segments interleaved with the localnet's)",
        ratio: Number(ratio.toFixed(3)),
        ratio_by_segment: ratioBySegment,
        segments: { localnet: SEGMENTS, single_node: single === undefined ? 0 : SEGMENTS + 1, order: "single, then (localnet, single) × localnet segments" },
        target: { ratio: 0.3, paced_p50_ms: 1500, met: ratio >= 0.3 && p50 <= 1500 },
        validators: procs.length,
        block_interval_setting: BLOCK_INTERVAL,
        timeout_commit: TIMEOUT_COMMIT,
        warmup,
        node_flags: { validators: VALIDATOR_FLAGS ?? "(launcher default)", single_node: BASELINE_FLAGS ?? "(launcher default)" },
        saturation: {
          txs: satTotal,
          committed: satLat.length,
          rejected: rejSat.n,
          first_reject: rejSat.first,
          seconds: Number(satSeconds.toFixed(2)),
          tps: Number(satTps.toFixed(1)),
          latency_p50_ms: Math.round(percentile(satLat, 50)),
          latency_p99_ms: Math.round(percentile(satLat, 99)),
          cpu: cpuReport(zeroSnap(procs.length), cpuSatAcc, satLat.length),
          // node_cpu_ms_per_tx: the mean validator's CPU (all threads / main thread) per committed tx
          segments: satSegs.map((x) => ({ committed: x.committed, seconds: Number(x.seconds.toFixed(2)), tps: Math.round(x.tps), node_cpu_ms_per_tx: Number(x.cpuMs.toFixed(3)), node_main_thread_cpu_ms_per_tx: Number(x.mainMs.toFixed(3)) })),
          blocks: satBlockReport,
        },
        paced: {
          offered_tps: rate,
          seconds: PACED_SECONDS,
          txs: paced.length,
          committed: pacedLat.length,
          rejected: rejPaced.n,
          first_reject: rejPaced.first,
          achieved_tps: Number(pacedTps.toFixed(1)),
          latency_p50_ms: Math.round(p50),
          latency_p99_ms: Math.round(percentile(pacedLat, 99)),
          mean_block_interval_ms: Math.round(mean(intervals)),
          blocks: pacedBlocks.length,
          cpu: cpuReport(cpuPaced0, cpuPaced1, pacedLat.length),
        },
        latency_p50_ms: Math.round(p50),
        latency_p99_ms: Math.round(percentile(pacedLat, 99)),
        mean_block_interval_ms: Math.round(mean(allIntervals)),
        heights,
        gossip,
        single_node: singleBench === undefined ? null : { ...singleSummary(singleBench), segments: singleSegs.map(segmentSummary) },
      };
    } finally {
      await Promise.all(procs.map((p) => kill(p, "SIGTERM")));
      if (profDir !== undefined) {
        for (const f of readdirSync(profDir).filter((f) => f.endsWith(".cpuprofile"))) {
          process.stderr.write(`bench localnet: profile ${join(profDir, f)}\n${summarizeProfile(join(profDir, f))}\n`);
        }
      }
      const keep = process.env["BENCH_LOCALNET_KEEP_LOGS"];
      if (keep !== undefined) {
        mkdirSync(keep, { recursive: true });
        procs.forEach((p, i) => copyFileSync(join(p.home, "node.log"), join(keep, `node${i}.log`)));
      }
      await teardown(procs);
    }
  } finally {
    single?.kill();
  }
  return result;
}

function singleSummary(b: Record<string, any>): Record<string, unknown> {
  return {
    tps: Number(b.value),
    latency_p50_ms: b.latency_p50_ms,
    latency_p99_ms: b.latency_p99_ms,
    txs: b.txs,
    mean_block_interval_ms: b.mean_block_interval_ms,
    node_cpu_ms_per_tx: b.node_cpu_ms_per_tx,
    node_main_thread_cpu_ms_per_tx: b.node_main_thread_cpu_ms_per_tx,
    node_thread_cpu_s: b.node_thread_cpu_s,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchLocalnet();
  console.log(`BENCH ${JSON.stringify(r)}`);
  process.exit(0);
}
