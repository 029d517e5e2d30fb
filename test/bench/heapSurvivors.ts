/**
 * What the single node allocates that outlives a scavenge, per tx and by allocation site: the work of
 * V8's young-generation GC is copying the objects still alive when it runs (and promoting them), not
 * allocating, so this, not the allocation rate, is the GC target. A profiling tool, not one of `make
 * bench`'s (listed in run.ts's NOT_BENCHES).
 *
 * Runs test/bench/bankSend.ts (its defaults below) with the node under `--inspect`, and once bankSend says
 * its warm-up is committed ("bench bank-send: measuring") samples the node's heap allocations over
 * SURVIVORS_SECONDS (6) with the DevTools protocol's sampling heap profiler, keeping the objects a
 * major GC collected or that are still alive and dropping those a scavenge collected
 * (includeObjectsCollectedByMinorGC false). Each sampled allocation is charged to the nearest JavaScript
 * frame with a source (a native allocator such as `slice` or `new Uint8Array` is named in brackets) and
 * that frame's caller. Bytes per tx = sampled bytes ÷ (bankSend's tx/s × the seconds sampled), so the
 * window should fall inside the measured txs (~9 s with 4,000 × 5).
 *
 * Measured 2026-11-23 (6 s, 4,000 senders, two runs): 20 and 25 KB per tx survived a scavenge. Largest:
 * events (abciEvent, 2.7-3 KB), the tx index's keys and values (indexTx / indexBlock, 1-3 KB: the share
 * depends on how many blocks the window caught being indexed), state-tree inner nodes and their hashes
 * (join / leafOf / wasm digest slices, 2.4 KB), store write sets (1.5 KB), the decoded-tx memo (1.3 KB). The node then spent ~50
 * µs of main thread per tx in scavenges (--trace-gc: 65 scavenges of 11-68 ms over 32,000 txs, 4 mark-compacts
 * of 78 ms in all).
 *
 *   node --disable-warning=ExperimentalWarning test/bench/heapSurvivors.ts [TOP]
 * Env: SURVIVORS_SECONDS (6), SURVIVORS_PORT (9339, the node's inspector), SURVIVORS_INTERVAL (sampling
 * interval in bytes, 16384); BENCH_SENDERS (4000), BENCH_TXS_PER_SENDER (5), BENCH_WARMUP_ROUNDS (3).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ROOT } from "../e2e/harness.ts";

const SECONDS = Number(process.env["SURVIVORS_SECONDS"] ?? 6);
const PORT = Number(process.env["SURVIVORS_PORT"] ?? 9339);
const INTERVAL = Number(process.env["SURVIVORS_INTERVAL"] ?? 16384);
const TOP = Number(process.argv[2] ?? 30);

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface SampleNode {
  callFrame: CallFrame;
  selfSize: number;
  children: SampleNode[];
}

/** one DevTools protocol session over the inspector's WebSocket. */
async function devtools(port: number) {
  const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
  const ws = new WebSocket(list[0]!.webSocketDebuggerUrl);
  const pending = new Map<number, (m: { result?: any; error?: { message: string } }) => void>();
  ws.onmessage = (e) => {
    const m = JSON.parse(String(e.data));
    pending.get(m.id)?.(m);
    pending.delete(m.id);
  };
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let id = 0;
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<any>((resolve, reject) => {
      const i = ++id;
      pending.set(i, (m) => (m.error !== undefined ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result)));
      ws.send(JSON.stringify({ id: i, method, params }));
    });
  return { call, close: () => ws.close() };
}

const frameName = (f: CallFrame) => `${f.functionName || "(anon)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;

/** bytes by "site <- caller [natives]" (the nearest frames with a source). */
function bySite(head: SampleNode): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (n: SampleNode, path: CallFrame[]) => {
    const p = [...path, n.callFrame];
    if (n.selfSize > 0) {
      let i = p.length - 1;
      const natives: string[] = [];
      while (i > 0 && p[i]!.url === "") natives.push(p[i--]!.functionName || "(anon)");
      const caller = i > 0 ? frameName(p[i - 1]!) : "";
      const key = `${frameName(p[i]!)} <- ${caller}${natives.length > 0 ? `  [${natives.join(",")}]` : ""}`;
      out.set(key, (out.get(key) ?? 0) + n.selfSize);
    }
    for (const c of n.children) walk(c, p);
  };
  walk(head, []);
  return out;
}

async function main() {
  const env: Record<string, string | undefined> = { ...process.env, OPENLEDGERD_NODE_FLAGS: `${process.env["OPENLEDGERD_NODE_FLAGS"] ?? ""} --inspect=127.0.0.1:${PORT}`.trim() };
  for (const [k, v] of [["BENCH_SENDERS", "4000"], ["BENCH_TXS_PER_SENDER", "5"], ["BENCH_WARMUP_ROUNDS", "3"]] as const) env[k] ??= v;
  const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", join(ROOT, "test/bench/bankSend.ts")], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  const measuring = new Promise<void>((resolve, reject) => {
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes("bench bank-send: measuring")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`bankSend exited (${code}) before measuring:\n${stderr.slice(-2000)}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  await measuring;
  const dt = await devtools(PORT);
  await dt.call("HeapProfiler.enable");
  await dt.call("HeapProfiler.startSampling", { samplingInterval: INTERVAL, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false });
  const t0 = performance.now();
  await sleep(SECONDS * 1000);
  const stopped = dt.call("HeapProfiler.stopSampling") as Promise<{ profile: { head: SampleNode } }>;
  const { profile } = await Promise.race([stopped, exited.then((c) => Promise.reject(new Error(`the node stopped before the sample was read (bankSend exit ${c}): shorten SURVIVORS_SECONDS`)))]);
  const seconds = (performance.now() - t0) / 1000;
  dt.close();
  const code = await exited;
  const line = stdout.split("\n").find((l) => l.startsWith("BENCH "));
  if (code !== 0 || line === undefined) throw new Error(`bankSend failed (${code}):\n${stderr.slice(-2000)}`);
  const tps = (JSON.parse(line.slice(6)) as { value: number }).value;
  const txs = tps * seconds;
  const sites = bySite(profile.head);
  const total = [...sites.values()].reduce((a, b) => a + b, 0);
  console.log(`sampled ${seconds.toFixed(1)} s at ~${tps} tx/s (~${Math.round(txs)} txs): ${(total / txs / 1024).toFixed(1)} KB per tx outlived a scavenge`);
  for (const [k, v] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${(v / txs / 1024).toFixed(2).padStart(8)} KB/tx  ${k}`);
}

await main();
