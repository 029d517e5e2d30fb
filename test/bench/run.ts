/**
 * `make bench`: runs every benchmark of the project in one go, each in its own process (and process
 * group), one after the other, and prints their `BENCH {...}` lines as they come; the results are
 * written to bench-results/results.json (every result, plus each bench's file, exit status, seconds and
 * whether it timed out) and drawn (each result's ratio to the baseline it measured in the same run) in
 * bench-results/ratios.svg.
 *
 * - Every `test/bench/*.ts` that prints `BENCH ` lines is a benchmark (a new one is found without edits;
 *   BENCHES below only sets the order, time limits, quick-mode arguments and the duration estimate).
 * - A bench that fails (non-zero exit, no result) or runs past its time limit (its whole process group is
 *   killed) is reported, and the others still run; the exit status is 1 when any failed.
 * - `--quick`: each bench's smaller mode (its own `--quick`, or smaller env sizes): a check that every
 *   bench works, not figures to report. The full run is the default.
 * - `node test/bench/run.ts [--quick] [--list] [substring…]`: only the files whose path contains a substring;
 *   `--list` prints the benches, limits and estimates without running them; BENCH_TIMEOUT_S sets one time
 *   limit for all.
 *
 * Duration of the full run on an idle 2-core machine: 10 min 31 s measured (2026-11-22; the per-bench
 * estimates below are those times plus a margin, printed at the start and by --list); `--quick`: a few minutes. Run it on a quiet machine: the
 * benches compare each figure with a baseline measured in the same run, but load from elsewhere still
 * adds noise.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type BenchResult, ratioChart } from "./chart.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

interface BenchSpec {
  file: string;
  /** time limit of the full run, seconds (then the process group is killed). */
  limitS: number;
  /** estimated duration of the full run on an idle 2-core machine, seconds. */
  estS: number;
  quickArgs?: string[];
  quickEnv?: Record<string, string>;
  quickLimitS?: number;
  quickEstS?: number;
  args?: string[];
}

/** in run order: cheap, in-process benches first, multi-process ones (nodes, localnet) last. */
const BENCHES: BenchSpec[] = [
  { file: "test/bench/store.ts", limitS: 600, estS: 45, quickArgs: ["--keys", "20000", "--dirty", "2000"], quickEstS: 20 },
  { file: "test/bench/appTx.ts", limitS: 600, estS: 15, quickArgs: ["--senders", "200", "--per", "5"], quickEstS: 15 },
  { file: "test/bench/poa.ts", limitS: 1800, estS: 30, quickArgs: ["--quick"], quickEstS: 60 },
  { file: "test/bench/poaGaming.ts", limitS: 900, estS: 20, quickArgs: ["--quick"], quickEstS: 40 },
  { file: "test/bench/poaLds.ts", limitS: 900, estS: 5, quickArgs: ["--quick"], quickEstS: 40 },
  { file: "test/bench/poaAudit.ts", limitS: 1200, estS: 130, quickArgs: ["--quick"], quickEstS: 60 },
  { file: "test/bench/inference.ts", limitS: 1200, estS: 20, quickArgs: ["--quick"], quickEstS: 60 },
  { file: "test/bench/training.ts", limitS: 300, estS: 10, quickEstS: 15 },
  { file: "test/bench/indexReplay.ts", limitS: 300, estS: 40, quickEnv: { BENCH_INDEX_ROUNDS: "11", BENCH_INDEX_CATCH_ROUNDS: "40" }, quickEstS: 20 },
  { file: "test/bench/bankSend.ts", limitS: 900, estS: 40, quickEnv: { BENCH_SENDERS: "200", BENCH_TXS_PER_SENDER: "5" }, quickEstS: 40 },
  { file: "test/bench/query.ts", limitS: 600, estS: 60, quickEnv: { BENCH_QUERY_SECONDS: "1" }, quickEstS: 30 },
  { file: "test/bench/inferenceDevChain.ts", limitS: 1500, estS: 90, quickEnv: { BENCH_ROUNDS: "5,20" }, quickEstS: 90 },
  { file: "test/bench/inferenceDevChain.ts", args: ["--localnet"], limitS: 2100, estS: 200, quickEnv: { BENCH_ROUNDS: "5,20" }, quickEstS: 180 },
  { file: "test/bench/localnet.ts", limitS: 1500, estS: 400, quickEnv: { BENCH_LOCALNET_SENDERS: "200", BENCH_LOCALNET_TXS_PER_SENDER: "2", BENCH_LOCALNET_PACED_SECONDS: "5" }, quickEstS: 120 },
];
/** helpers and profilers in test/bench that are not benchmarks themselves. */
const NOT_BENCHES = new Set(["run.ts", "chart.ts", "profileAreas.ts", "dbPrefixes.ts", "heapSurvivors.ts"]);
const DEFAULT_LIMIT_S = 900;
const DEFAULT_EST_S = 180;
/** BENCH_TIMEOUT_S: one time limit for every bench instead of their own. */
const LIMIT_OVERRIDE_S = process.env.BENCH_TIMEOUT_S !== undefined ? Number(process.env.BENCH_TIMEOUT_S) : undefined;

/** the known benches in BENCHES order, then any other test/bench/*.ts that prints BENCH lines. */
function discover(): BenchSpec[] {
  const known = BENCHES.filter((b) => existsSync(join(ROOT, b.file)));
  const names = new Set(known.map((b) => b.file));
  const extra = readdirSync(join(ROOT, "test/bench"))
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !NOT_BENCHES.has(f))
    .map((f) => `test/bench/${f}`)
    .filter((f) => !names.has(f) && /BENCH /.test(readFileSync(join(ROOT, f), "utf8")))
    .sort()
    .map((file) => {
      const src = readFileSync(join(ROOT, file), "utf8");
      return { file, limitS: DEFAULT_LIMIT_S, estS: DEFAULT_EST_S, ...(src.includes("--quick") ? { quickArgs: ["--quick"] } : {}) } as BenchSpec;
    });
  return [...known, ...extra];
}

interface BenchRun {
  file: string;
  args: string[];
  env: Record<string, string>;
  status: number | null;
  signal: string | null;
  timedOut: boolean;
  seconds: number;
  results: number;
  ok: boolean;
}

function fmt(s: number): string {
  const m = Math.floor(s / 60);
  return m > 0 ? `${m} min ${Math.round(s - m * 60)} s` : `${s.toFixed(1)} s`;
}

/** the running bench's process group (stopped with run.ts on Ctrl-C / SIGTERM: it is detached). */
let current: number | undefined;
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    if (current !== undefined) {
      try {
        process.kill(-current, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    process.exit(130);
  });
}

/** runs one bench in its own process group; BENCH lines go to `out` and stdout as they come. */
function runOne(spec: BenchSpec, quick: boolean, out: BenchResult[]): Promise<BenchRun> {
  const args = [...(spec.args ?? []), ...(quick ? (spec.quickArgs ?? []) : [])];
  const env = quick ? (spec.quickEnv ?? {}) : {};
  const limitS = LIMIT_OVERRIDE_S ?? (quick ? (spec.quickLimitS ?? Math.min(spec.limitS, 600)) : spec.limitS);
  const t0 = process.hrtime.bigint();
  return new Promise((done) => {
    const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", join(ROOT, spec.file), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
      detached: true,
    });
    current = child.pid;
    let timedOut = false;
    let results = 0;
    let buf = "";
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        process.kill(-(child.pid as number), sig);
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      process.stderr.write(`bench: ${label(spec)} ran past its ${limitS} s limit: stopping it\n`);
      killGroup("SIGTERM");
      setTimeout(() => killGroup("SIGKILL"), 10_000).unref();
    }, limitS * 1000);
    const line = (l: string) => {
      process.stdout.write(`${l}\n`);
      if (!l.startsWith("BENCH ")) return;
      try {
        out.push({ ...(JSON.parse(l.slice(6)) as BenchResult), file: spec.file });
        results++;
      } catch (e) {
        process.stderr.write(`bench: ${spec.file}: unreadable BENCH line (${(e as Error).message})\n`);
      }
    };
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d: string) => {
      buf += d;
      let i = buf.indexOf("\n");
      while (i >= 0) {
        line(buf.slice(0, i));
        buf = buf.slice(i + 1);
        i = buf.indexOf("\n");
      }
    });
    const finish = (status: number | null, signal: string | null) => {
      clearTimeout(timer);
      current = undefined;
      if (buf !== "") line(buf);
      // children the bench left behind (node processes) go with its group
      killGroup("SIGKILL");
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      done({ file: spec.file, args, env, status, signal, timedOut, seconds, results, ok: status === 0 && !timedOut && results > 0 });
    };
    child.on("error", (e) => {
      process.stderr.write(`bench: ${spec.file}: ${e.message}\n`);
      finish(null, null);
    });
    child.on("close", (code, signal) => finish(code, signal));
  });
}

/** the bench's name in reports: its file, plus its own arguments (one file can be listed twice). */
const label = (b: { file: string; args?: string[] }) => [b.file, ...(b.args ?? [])].join(" ");

const argv = process.argv.slice(2);
const QUICK = argv.includes("--quick");
const LIST = argv.includes("--list");
const only = argv.filter((a) => !a.startsWith("--"));
const selected = discover().filter((b) => only.length === 0 || only.some((o) => b.file.includes(o)));
const est = (b: BenchSpec) => (QUICK ? (b.quickEstS ?? b.estS / 4) : b.estS);
const totalEst = selected.reduce((n, b) => n + est(b), 0);
process.stderr.write(`bench: ${selected.length} benches${QUICK ? " (--quick)" : ""}, estimated ${fmt(totalEst)} on an idle 2-core machine\n`);
if (LIST) {
  for (const b of selected) process.stdout.write(`${label(b)}\testimate ${fmt(est(b))}\tlimit ${QUICK ? (b.quickLimitS ?? Math.min(b.limitS, 600)) : b.limitS} s${QUICK ? `\t${[...(b.quickArgs ?? []), ...Object.entries(b.quickEnv ?? {}).map(([k, v]) => `${k}=${v}`)].join(" ")}` : ""}\n`);
  process.exit(0);
}

const started = new Date();
const t0 = process.hrtime.bigint();
const results: BenchResult[] = [];
const runs: BenchRun[] = [];
for (const [i, b] of selected.entries()) {
  process.stderr.write(`bench: [${i + 1}/${selected.length}] ${label(b)}${QUICK ? " (quick)" : ""}\n`);
  const r = await runOne(b, QUICK, results);
  runs.push(r);
  process.stderr.write(
    `bench: ${label(b)}: ${r.ok ? "ok" : "FAILED"} in ${fmt(r.seconds)}, ${r.results} result(s)${r.timedOut ? ", timed out" : ""}${r.status !== null && r.status !== 0 ? `, exit ${r.status}` : ""}${r.signal !== null ? `, ${r.signal}` : ""}\n`,
  );
}
const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
const failed = runs.filter((r) => !r.ok);
mkdirSync(join(ROOT, "bench-results"), { recursive: true });
writeFileSync(
  join(ROOT, "bench-results/results.json"),
  `${JSON.stringify({ date: started.toISOString(), quick: QUICK, elapsedSeconds: Math.round(elapsed), benches: runs, failed: failed.map(label), results }, null, 2)}\n`,
);
writeFileSync(join(ROOT, "bench-results/ratios.svg"), ratioChart(results, `make bench${QUICK ? " --quick" : ""} (${started.toISOString().slice(0, 16)}Z): ratio to the baseline measured in the same run (log scale)`));
process.stderr.write(`bench: ${results.length} results from ${runs.length - failed.length} of ${runs.length} benches in ${fmt(elapsed)} → bench-results/results.json, bench-results/ratios.svg\n`);
if (failed.length > 0) {
  process.stderr.write(`bench: FAILED: ${failed.map((r) => `${label(r)} (${r.timedOut ? "timed out" : r.status !== 0 ? `exit ${r.status ?? r.signal}` : "no result"})`).join(", ")}\n`);
  process.exitCode = 1;
}
