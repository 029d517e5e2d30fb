/**
 * Idle cost of a 4-validator localnet (no txs): CPU ms per block per validator, and by thread for all
 * four (the per-block fixed cost that does not scale with txs). A profiling tool, not one of `make
 * bench`'s (it prints an IDLE line): IDLE_SECONDS (60) of measurement once the nodes reach height 3,
 * blocks IDLE_TIMEOUT_COMMIT (800ms) apart as the localnet bench; IDLE_CPU_PROF=DIR → --cpu-prof;
 * IDLE_NODE_OPTIONS → more NODE_OPTIONS; KEEP_HOMES=1 keeps the homes (node.log).
 *   node --disable-warning=ExperimentalWarning test/bench/idleLocalnet.ts
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { heightOf, kill, launch, setupNet, teardown, waitHeight } from "../e2e/bftNet.ts";
import { cpuSeconds, machineCpu, threadCpu } from "./procCpu.ts";

const SECONDS = Number(process.env["IDLE_SECONDS"] ?? 60);
const PROF = process.env["IDLE_CPU_PROF"];
const procs = await setupNet("idl");
const opts: string[] = [];
if (PROF !== undefined) { mkdirSync(resolve(PROF), { recursive: true }); opts.push(`--cpu-prof --cpu-prof-dir=${resolve(PROF)}`); }
if (process.env["IDLE_NODE_OPTIONS"]) opts.push(process.env["IDLE_NODE_OPTIONS"]);
const env: Record<string, string> = opts.length ? { NODE_OPTIONS: opts.join(" ") } : {};
for (const p of procs) launch(p, env, { blockInterval: process.env["IDLE_TIMEOUT_COMMIT"] ?? "800ms" });
try {
  for (const p of procs) await waitHeight(p, 3, 180_000);
  const pids = procs.map((p) => p.proc!.pid!);
  const h0 = await Promise.all(procs.map(heightOf));
  const c0 = pids.map((pid) => cpuSeconds(pid)); const t0 = pids.map((pid) => threadCpu(pid)); const m0 = machineCpu();
  await sleep(SECONDS * 1000);
  const h1 = await Promise.all(procs.map(heightOf));
  const c1 = pids.map((pid) => cpuSeconds(pid)); const t1 = pids.map((pid) => threadCpu(pid)); const m1 = machineCpu();
  const blocks = h1[0]! - h0[0]!;
  const threads: Record<string, number> = {};
  for (let i = 0; i < 4; i++) for (const [k, v] of Object.entries(t1[i]!)) threads[k] = (threads[k] ?? 0) + v - (t0[i]![k] ?? 0);
  const nodesCpu = c1.reduce((s, x, i) => s + x - c0[i]!, 0);
  console.log(`IDLE ${JSON.stringify({
    seconds: SECONDS, blocks, interval_ms: Math.round((SECONDS * 1000) / blocks),
    cpu_ms_per_block: c1.map((x, i) => Math.round(((x - c0[i]!) * 1000) / blocks)),
    threads_ms_per_block_all: Object.fromEntries(Object.entries(threads).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round((v * 1000) / blocks)])),
    other_load_cpu_s: Number((m1.busy - m0.busy - nodesCpu).toFixed(1)),
  })}`);
} finally {
  await Promise.all(procs.map((p) => kill(p, "SIGTERM")));
  await teardown(procs);
}
process.exit(0);
