/**
 * Benchmark `bank-send`: signed bank sends through the whole pipeline of one validator process
 * (broadcast_tx_sync → CheckTx → mempool → block → FinalizeBlock → commit → tx index), from txs signed
 * before the clock starts. Baseline, measured in the same run: the one-core verify rate of the native
 * libsecp256k1 binding. Prints one `BENCH {...}` line.
 *
 * Env: BENCH_SENDERS (default 2000), BENCH_TXS_PER_SENDER (10), BENCH_BLOCK_INTERVAL ("1s"),
 * BENCH_CONCURRENCY (8), BENCH_BATCH (64); BENCH_NODE_ARGS (extra `openledgerd start` flags, e.g.
 * "--log-level debug"), BENCH_KEEP_LOG (copy the node's log to this file), BENCH_KEEP_HOME (keep the
 * node's home directory, printed on stderr, e.g. to break its databases down by key prefix).
 *
 * Client: BENCH_CONCURRENCY HTTP keep-alive connections, each posting JSON-RPC 2.0 batches of
 * BENCH_BATCH `broadcast_tx_sync` calls (the node answers a batch item by item, each through CheckTx and
 * the mempool exactly as a single call; batching only saves HTTP round trips and socket writes, which on
 * these VMs cost more than the calls). A tx's latency runs from the moment its batch is posted to the
 * first `status` poll (every 20 ms) that sees the height of the block that carries it. Txs go out in
 * rounds of one sequence number per sender; a round starts when the previous one was answered. BENCH_BATCH=1
 * gives the unbatched client (one POST per tx). BENCH_WARMUP_ROUNDS (2) rounds go first and are committed
 * before the clock starts (JIT and heap warm-up; reported under `warmup`), so BENCH_TXS_PER_SENDER rounds
 * are measured (BENCH_SEGMENTS > 1: in that many segments; serve mode, for test/bench/localnet.ts: below).
 */
import { createRequire } from "node:module";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { createHash } from "node:crypto";
import { TxRaw, TxBody, AuthInfo, SignDoc } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { bech32 } from "@scure/base";
import { cleanup, freePort, initNode, rpc, startNode } from "../e2e/harness.ts";

const require = createRequire(import.meta.url);

const SENDERS = Number(process.env.BENCH_SENDERS ?? 2000);
const PER_SENDER = Number(process.env.BENCH_TXS_PER_SENDER ?? 10);
const BLOCK_INTERVAL = process.env.BENCH_BLOCK_INTERVAL ?? "1s";
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const BATCH = Math.max(1, Number(process.env.BENCH_BATCH ?? 64));
/**
 * warm-up rounds (one sequence per sender each) sent and committed before the clock starts: a freshly
 * started node JIT-compiles its hot paths and grows its heap in its first thousands of txs; the figure is
 * the sustained rate of a running node. The warm-up's own rate and CPU are reported beside it.
 */
const WARMUP_ROUNDS = Math.max(0, Number(process.env.BENCH_WARMUP_ROUNDS ?? 2));
const CHAIN_ID = "openledger-bench-1";
/**
 * BENCH_SEGMENTS (1): the measured rounds run as this many segments of BENCH_TXS_PER_SENDER rounds each;
 * the figures are their sums (tx/s = all committed ÷ the segments' summed seconds), each segment is
 * reported under `segments`. With BENCH_BANKSEND_SERVE=1 in a process forked with an IPC channel, the
 * node is paused between segments and each segment waits for the parent's turn (serve mode, below).
 */
const SEGMENTS = Math.max(1, Number(process.env.BENCH_SEGMENTS ?? 1));

/** one measured segment (serve mode sends it to the parent as is). */
export interface Segment {
  txs: number;
  committed: number;
  rejected: number;
  broadcast_seconds: number;
  seconds: number;
  latencies: number[];
  cpu_s: number;
  main_cpu_s: number;
  threads: Record<string, number>;
  block_times: number[];
  /** store counters moved during the segment (null: metrics off, serve mode by default). */
  store: StoreCounts | null;
}

/** `openledger_store_*` counters of one scrape, by database ("node", "application"). */
export type StoreCounts = Record<string, { batches: number; ops: number; bytes: number }>;

/** the node's store write counters from its /metrics (node/metrics/store.ts). */
export async function scrapeStore(metricsUrl: string): Promise<StoreCounts> {
  const text = await (await fetch(metricsUrl)).text();
  const out: StoreCounts = {};
  const re = /^openledger_store_write_(batches|ops|bytes)_total\{db="(\w+)"\} (\S+)$/gm;
  for (const m of text.matchAll(re)) {
    const e = (out[m[2]!] ??= { batches: 0, ops: 0, bytes: 0 });
    e[m[1] as "batches" | "ops" | "bytes"] = Number(m[3]);
  }
  return out;
}

function storeDelta(a: StoreCounts, b: StoreCounts): StoreCounts {
  const out: StoreCounts = {};
  for (const [db, x] of Object.entries(b)) {
    const y = a[db] ?? { batches: 0, ops: 0, bytes: 0 };
    out[db] = { batches: x.batches - y.batches, ops: x.ops - y.ops, bytes: x.bytes - y.bytes };
  }
  return out;
}

/** keys and bytes handed to each database per committed tx (block-level writes spread over the block's txs). */
export function storePerTx(segs: readonly Segment[], committed: number): Record<string, { ops_per_tx: number; bytes_per_tx: number }> | null {
  if (segs.some((s) => s.store === null) || committed === 0) return null;
  const sum: StoreCounts = {};
  for (const s of segs) {
    for (const [db, d] of Object.entries(s.store!)) {
      const e = (sum[db] ??= { batches: 0, ops: 0, bytes: 0 });
      e.batches += d.batches;
      e.ops += d.ops;
      e.bytes += d.bytes;
    }
  }
  return Object.fromEntries(Object.entries(sum).map(([db, d]) => [db, { ops_per_tx: Number((d.ops / committed).toFixed(2)), bytes_per_tx: Math.round(d.bytes / committed) }]));
}

export function segmentSummary(s: Segment): Record<string, unknown> {
  const lat = [...s.latencies].sort((a, b) => a - b);
  return {
    committed: s.committed,
    seconds: Number(s.seconds.toFixed(2)),
    tps: Math.round(s.committed / s.seconds),
    latency_p50_ms: Math.round(percentile(lat, 50)),
    node_cpu_ms_per_tx: Number(((s.cpu_s * 1000) / Math.max(1, s.committed)).toFixed(3)),
    node_main_thread_cpu_ms_per_tx: Number(((s.main_cpu_s * 1000) / Math.max(1, s.committed)).toFixed(3)),
  };
}

/**
 * Serve mode: the parent (test/bench/localnet.ts) forks this file with BENCH_BANKSEND_SERVE=1 and decides
 * when each segment runs, so that the single-node segments and the localnet's alternate on the machine
 * and the machine's speed drifting (minutes apart, one commit's CPU per tx moved ±20%) weighs on both
 * alike. Messages to the parent: {type: "ready", warmup} once warmed up (node paused), {type: "segment",
 * segment} after each segment; from the parent: {type: "go"} = run the next segment.
 */
interface Serve {
  send(m: Record<string, unknown>): void;
  /** sends `m`, then waits for the parent's go. */
  turn(m: Record<string, unknown>): Promise<void>;
}
function serveChannel(): Serve | undefined {
  if (process.env.BENCH_BANKSEND_SERVE !== "1" || process.send === undefined) return undefined;
  const waiting: (() => void)[] = [];
  let gos = 0;
  process.on("message", (m: { type?: string }) => {
    if (m?.type !== "go") return;
    const w = waiting.shift();
    if (w !== undefined) w();
    else gos++;
  });
  // the parent gone or stopping us: exit through process.exit, whose handlers (test/e2e/harness.ts) kill
  // the node even while it is paused
  process.on("disconnect", () => {
    if (!serveDone) process.exit(1);
  });
  process.on("SIGTERM", () => process.exit(1));
  const send = (m: Record<string, unknown>) => void process.send!(m);
  return {
    send,
    turn(m) {
      send(m);
      if (gos > 0) {
        gos--;
        return Promise.resolve();
      }
      return new Promise<void>((r) => waiting.push(r));
    },
  };
}
let serveDone = false;
const serve = serveChannel();

interface Secp {
  ecdsaSign(msg: Uint8Array, key: Uint8Array): { signature: Uint8Array };
  ecdsaVerify(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean;
  publicKeyCreate(key: Uint8Array, compressed?: boolean): Uint8Array;
}

function loadNativeSecp(): Secp {
  // the package's index falls back to pure JS when the addon fails to load; require the addon itself
  const native = require("secp256k1/bindings") as Secp;
  const nodeGypBuild = require("node-gyp-build") as { path(dir: string): string };
  const dir = require.resolve("secp256k1/package.json").replace(/package\.json$/, "");
  const addon = nodeGypBuild.path(dir);
  if (!addon.endsWith(".node")) throw new Error("native libsecp256k1 binding not found");
  return native;
}

const sha256 = (b: Uint8Array) => new Uint8Array(createHash("sha256").update(b).digest());
const ripemd160 = (b: Uint8Array) => new Uint8Array(createHash("ripemd160").update(b).digest());

function measureVerifyRate(secp: Secp, ms = 2000): number {
  const key = sha256(new TextEncoder().encode("bench-key"));
  const pub = secp.publicKeyCreate(key, true);
  const msgs = Array.from({ length: 256 }, (_, i) => sha256(new Uint8Array([i, 1, 2])));
  const sigs = msgs.map((m) => secp.ecdsaSign(m, key).signature);
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (let i = 0; i < 256; i++) if (!secp.ecdsaVerify(sigs[i]!, msgs[i]!, pub)) throw new Error("verify failed");
    n += 256;
  }
  return n / ((performance.now() - start) / 1000);
}

/** CPU seconds (user + system) of a process, or of one of its threads (tid = pid: the main thread). */
function cpuSeconds(pid: number, tid?: number): number {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds per thread name (comm) of a process. */
function threadCpu(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      out[name] = (out[name] ?? 0) + cpuSeconds(pid, Number(tid));
    }
  } catch {
    // the process is gone
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function benchBankSend(): Promise<Record<string, unknown>> {
  const secp = loadNativeSecp();
  const verifyRate = measureVerifyRate(secp);

  // accounts and pre-signed txs (before the clock)
  const keys = Array.from({ length: SENDERS }, (_, i) => sha256(new TextEncoder().encode(`bench-sender-${i}`)));
  const pubs = keys.map((k) => secp.publicKeyCreate(k, true));
  const addrs = pubs.map((p) => bech32.encode("open", bech32.toWords(ripemd160(sha256(p)))));
  const home = await initNode("bench", CHAIN_ID, addrs.map((address) => ({ address, coins: [{ denom: "uopen", amount: "100000000000" }] })));
  const genesis = JSON.parse(readFileSync(`${home}/config/genesis.json`, "utf8"));
  const accNum = new Map<string, bigint>();
  for (const a of genesis.app_state.auth.accounts) accNum.set(a.address, BigInt(a.account_number));

  const txs: { bytes: Uint8Array; hash: string }[] = [];
  for (let seq = 0; seq < WARMUP_ROUNDS + SEGMENTS * PER_SENDER; seq++) {
    for (let i = 0; i < SENDERS; i++) {
      const from = addrs[i]!;
      const to = addrs[(i + 1) % SENDERS]!;
      const body = TxBody.encode(TxBody.fromPartial({
        messages: [{ typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: MsgSend.encode({ fromAddress: from, toAddress: to, amount: [{ denom: "uopen", amount: "1" }] }).finish() }],
        memo: "",
      })).finish();
      const authInfo = AuthInfo.encode(AuthInfo.fromPartial({
        signerInfos: [{
          publicKey: { typeUrl: "/cosmos.crypto.secp256k1.PubKey", value: PubKey.encode({ key: pubs[i]! }).finish() },
          modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } },
          sequence: BigInt(seq),
        }],
        fee: { amount: [{ denom: "uopen", amount: "500" }], gasLimit: 200000n },
      })).finish();
      const signDoc = SignDoc.encode({ bodyBytes: body, authInfoBytes: authInfo, chainId: CHAIN_ID, accountNumber: accNum.get(from)! }).finish();
      const sig = secp.ecdsaSign(sha256(signDoc), keys[i]!).signature;
      const bytes = TxRaw.encode({ bodyBytes: body, authInfoBytes: authInfo, signatures: [sig] }).finish();
      txs.push({ bytes, hash: Buffer.from(sha256(bytes)).toString("hex").toUpperCase() });
    }
  }

  // the store write counters (node/metrics/store.ts): on in the standalone bench; in serve mode only with
  // BENCH_STORE_METRICS=1 (the localnet's validators run without metrics: like for like)
  const storeMetrics = process.env.BENCH_STORE_METRICS === "1" || (process.env.BENCH_STORE_METRICS !== "0" && process.env.BENCH_BANKSEND_SERVE !== "1");
  const metricsPort = storeMetrics ? await freePort() : 0;
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const extraArgs = [...(storeMetrics ? ["--metrics.address", `127.0.0.1:${metricsPort}`] : []), ...(process.env.BENCH_NODE_ARGS?.split(" ").filter((a) => a !== "") ?? [])];
  const node = await startNode(home, { blockInterval: BLOCK_INTERVAL, extraArgs });
  try {
    const url = new URL(node.rpcUrl);
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const post = (body: string) =>
      new Promise<string>((res, rej) => {
        const req = request({ host: url.hostname, port: url.port, path: "/", method: "POST", agent, headers: { "content-type": "application/json" } }, (r) => {
          let b = "";
          r.setEncoding("utf8");
          r.on("data", (d) => (b += d));
          r.on("end", () => res(b));
        });
        req.on("error", rej);
        req.end(body);
      });

    const sentAt = new Map<string, number>();
    const committedAt = new Map<string, number>();
    let rejected = 0;
    let firstReject = "";
    let lastSeenHeight = Number((await rpc(node.rpcUrl, "status")).sync_info.latest_block_height);
    let blocks = 0;
    const blockTimes: number[] = [];
    let polling = true;
    // paused (serve mode, between segments): no RPC to the stopped node; pollIdle() waits for a poll in flight
    let paused = false;
    let inPoll = false;
    const pollIdle = async () => {
      while (inPoll) await new Promise((r) => setTimeout(r, 5));
    };
    const poller = (async () => {
      while (polling) {
        if (paused) {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        inPoll = true;
        try {
          const h = Number((await rpc(node.rpcUrl, "status")).sync_info.latest_block_height);
          const now = performance.now();
          for (let k = lastSeenHeight + 1; k <= h; k++) {
            const b = await rpc(node.rpcUrl, "block", { height: String(k) });
            blocks++;
            blockTimes.push(Date.parse(b.block.header.time));
            for (const t of (b.block.data.txs ?? []) as string[]) {
              committedAt.set(createHash("sha256").update(Buffer.from(t, "base64")).digest("hex").toUpperCase(), now);
            }
          }
          lastSeenHeight = h;
        } finally {
          inPoll = false;
        }
        if (committedAt.size + rejected >= txs.length) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    const pid = node.proc.pid as number;
    // Round k holds every sender's tx with sequence k. A round starts only when every broadcast of the
    // round before was answered (as a wallet sends sequence k+1 after CheckTx accepted k), so a sender's
    // txs always reach CheckTx in sequence order whatever the connection count.
    let next = 0;
    let roundEnd = 0;
    const worker = async () => {
      for (;;) {
        const first = next;
        if (first >= roundEnd) return;
        const last = Math.min(roundEnd, first + BATCH);
        next = last;
        const now = performance.now();
        const calls: string[] = [];
        for (let i = first; i < last; i++) {
          const tx = txs[i]!;
          sentAt.set(tx.hash, now);
          calls.push(`{"jsonrpc":"2.0","id":${i},"method":"broadcast_tx_sync","params":{"tx":"${Buffer.from(tx.bytes).toString("base64")}"}}`);
        }
        const body = BATCH === 1 ? calls[0]! : `[${calls.join(",")}]`;
        const parsed = JSON.parse(await post(body));
        const answers = (Array.isArray(parsed) ? parsed : [parsed]) as { error?: unknown; result?: { code?: number } }[];
        if (answers.length !== last - first) {
          rejected += last - first;
          if (firstReject === "") firstReject = JSON.stringify(parsed).slice(0, 300);
          continue;
        }
        for (const ans of answers) {
          if (ans.error !== undefined || ans.result?.code !== 0) {
            rejected++;
            if (firstReject === "") firstReject = JSON.stringify(ans).slice(0, 300);
          }
        }
      }
    };
    const runRounds = async (from: number, to: number) => {
      for (let round = from; round < to; round++) {
        next = round * SENDERS;
        roundEnd = Math.min(txs.length, (round + 1) * SENDERS);
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      }
    };
    const committedOf = (from: number, to: number) => {
      let n = 0;
      for (let i = from; i < to; i++) if (committedAt.has(txs[i]!.hash)) n++;
      return n;
    };
    // warm-up: sent and committed before the clock starts
    const warmTxs = WARMUP_ROUNDS * SENDERS;
    const w0 = performance.now();
    const wCpu0 = cpuSeconds(pid);
    // in chunks of 2 rounds, each committed before the next; each chunk's CPU per tx is reported (warmup.chunks)
    const chunks: { rounds: number; tps: number; node_cpu_ms_per_tx: number }[] = [];
    const warmDeadline = Date.now() + 300_000;
    for (let r = 0; r < WARMUP_ROUNDS; r += 2) {
      const to = Math.min(WARMUP_ROUNDS, r + 2);
      const c0 = cpuSeconds(pid);
      const t = performance.now();
      await runRounds(r, to);
      while (committedOf(r * SENDERS, to * SENDERS) + rejected < (to - r) * SENDERS && Date.now() < warmDeadline) await new Promise((res) => setTimeout(res, 50));
      const n = Math.max(1, committedOf(r * SENDERS, to * SENDERS));
      chunks.push({ rounds: to, tps: Math.round((n * 1000) / (performance.now() - t)), node_cpu_ms_per_tx: Number((((cpuSeconds(pid) - c0) * 1000) / n).toFixed(3)) });
    }
    const warmup = {
      rounds: WARMUP_ROUNDS,
      txs: warmTxs,
      committed: committedOf(0, warmTxs),
      rejected,
      seconds: Number(((performance.now() - w0) / 1000).toFixed(2)),
      tps: warmTxs === 0 ? null : Math.round(committedOf(0, warmTxs) / ((performance.now() - w0) / 1000)),
      node_cpu_ms_per_tx: warmTxs === 0 ? null : Number((((cpuSeconds(pid) - wCpu0) * 1000) / Math.max(1, committedOf(0, warmTxs))).toFixed(3)),
      chunks,
    };
    const warmRejected = rejected;

    // the measured rounds, in SEGMENTS segments of PER_SENDER rounds each. In serve mode (a parent bench
    // interleaves these segments with its own, test/bench/localnet.ts) the node is paused (SIGSTOP: no CPU
    // at all) before each segment's turn is asked for and resumed (SIGCONT) when it comes, then one block
    // goes by before the segment's clock starts.
    const segs: Segment[] = [];
    const mono0 = process.hrtime.bigint();
    // the warm-up is committed: tools that sample the node during the measured txs wait for this line (heapSurvivors.ts)
    process.stderr.write("bench bank-send: measuring\n");
    for (let k = 0; k < SEGMENTS; k++) {
      if (serve !== undefined) {
        paused = true;
        await pollIdle();
        node.proc.kill("SIGSTOP");
        await serve.turn(k === 0 ? { type: "ready", warmup } : { type: "segment", segment: segs[k - 1] });
        node.proc.kill("SIGCONT");
        paused = false;
        const h = lastSeenHeight;
        const until = Date.now() + 60_000;
        while (lastSeenHeight <= h && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      }
      const from = WARMUP_ROUNDS + k * PER_SENDER;
      const to = from + PER_SENDER;
      const rejected0 = rejected;
      const blocks0 = blockTimes.length;
      const store0 = storeMetrics ? await scrapeStore(metricsUrl) : null;
      const cpu0 = cpuSeconds(pid);
      const main0 = cpuSeconds(pid, pid);
      const threads0 = threadCpu(pid);
      const t0 = performance.now();
      await runRounds(from, to);
      const tSent = performance.now();
      const deadline = Date.now() + 300_000;
      while (committedOf(from * SENDERS, to * SENDERS) + rejected - rejected0 < (to - from) * SENDERS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const cpu = cpuSeconds(pid) - cpu0;
      const mainCpu = cpuSeconds(pid, pid) - main0;
      const threads = threadCpu(pid);
      for (const key of Object.keys(threads)) threads[key] = Number((threads[key]! - (threads0[key] ?? 0)).toFixed(2));
      const store = store0 === null ? null : storeDelta(store0, await scrapeStore(metricsUrl));
      const measured = txs.slice(from * SENDERS, to * SENDERS).filter((t) => committedAt.has(t.hash));
      const lastCommit = Math.max(...measured.map((t) => committedAt.get(t.hash)!));
      segs.push({
        txs: (to - from) * SENDERS,
        committed: measured.length,
        rejected: rejected - rejected0,
        broadcast_seconds: (tSent - t0) / 1000,
        seconds: (lastCommit - t0) / 1000,
        latencies: measured.map((t) => committedAt.get(t.hash)! - (sentAt.get(t.hash) ?? t0)),
        cpu_s: cpu,
        main_cpu_s: mainCpu,
        threads,
        block_times: blockTimes.slice(blocks0),
        store,
      });
    }
    polling = false;
    await poller;
    agent.destroy();
    // the measured window on CLOCK_MONOTONIC (µs, the clock of --cpu-prof timestamps: test/bench/profileDiff.ts)
    process.stderr.write(`bench bank-send: window ${mono0 / 1000n} ${process.hrtime.bigint() / 1000n}\n`);
    const sum = (f: (s: Segment) => number) => segs.reduce((a, s) => a + f(s), 0);
    const committed = sum((s) => s.committed);
    const seconds = sum((s) => s.seconds);
    const tps = committed / seconds;
    const lat = segs.flatMap((s) => s.latencies).sort((a, b) => a - b);
    const threads: Record<string, number> = {};
    for (const s of segs) for (const [key, v] of Object.entries(s.threads)) threads[key] = Number(((threads[key] ?? 0) + v).toFixed(2));
    const status = readFileSync(`/proc/${node.proc.pid}/status`, "utf8");
    const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
    const intervals = segs.flatMap((s) => s.block_times.slice(1).map((t, i) => t - s.block_times[i]!));
    const result: Record<string, unknown> = {
      name: "bank-send",
      value: Math.round(tps),
      unit: "tx/s",
      baseline: Math.round(verifyRate),
      baseline_name: "native libsecp256k1 verify, one core (verifies/s)",
      ratio: Number((tps / verifyRate).toFixed(4)),
      txs: txs.length - warmTxs,
      committed,
      rejected: rejected - warmRejected,
      first_reject: firstReject,
      broadcast_seconds: Number(sum((s) => s.broadcast_seconds).toFixed(2)),
      seconds: Number(seconds.toFixed(2)),
      latency_p50_ms: Math.round(percentile(lat, 50)),
      latency_p99_ms: Math.round(percentile(lat, 99)),
      peak_rss_mb: Math.round(hwm),
      node_cpu_ms_per_tx: Number(((sum((s) => s.cpu_s) * 1000) / Math.max(1, committed)).toFixed(3)),
      node_main_thread_cpu_ms_per_tx: Number(((sum((s) => s.main_cpu_s) * 1000) / Math.max(1, committed)).toFixed(3)),
      node_thread_cpu_s: threads,
      store_per_tx: storePerTx(segs, committed),
      blocks,
      block_interval_setting: BLOCK_INTERVAL,
      client: { connections: CONCURRENCY, batch: BATCH },
      warmup,
      mean_block_interval_ms: intervals.length ? Math.round(intervals.reduce((a, b) => a + b, 0) / intervals.length) : null,
    };
    if (SEGMENTS > 1) result["segments"] = segs.map(segmentSummary);
    serve?.send({ type: "segment", segment: segs[SEGMENTS - 1] });
    return result;
  } finally {
    await node.stop();
    if (process.env.BENCH_KEEP_LOG !== undefined) writeFileSync(process.env.BENCH_KEEP_LOG, readFileSync(node.logFile));
    if (process.env.BENCH_KEEP_HOME === undefined) cleanup(home); else console.error("home", home);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchBankSend();
  console.log(`BENCH ${JSON.stringify(r)}`);
  // serve mode: the IPC channel would keep the process alive
  serveDone = true;
  if (process.connected) process.disconnect();
}
