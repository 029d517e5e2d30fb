/**
 * `make bench`: runs every benchmark of the project, each in its own process, and prints their
 * `BENCH {...}` lines; the results are written to bench-results/results.json and drawn (each result's
 * ratio to the baseline it measured in the same run) in bench-results/ratios.svg.
 * `make bench` / `node test/bench/run.ts [substring…]` (only the matching files).
 * Adding a benchmark: one line in BENCHES (a file printing `BENCH {"name","value","unit","baseline","ratio",…}`).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type BenchResult, ratioChart } from "./chart.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BENCHES = [
  "test/bench/bankSend.ts",
  "test/bench/store.ts",
  "test/bench/poa.ts",
  "test/bench/poaGaming.ts",
  "test/bench/poaLds.ts",
  "test/bench/poaAudit.ts",
  "test/bench/inference.ts",
  "test/bench/inferenceDevChain.ts",
  "test/bench/query.ts",
  "test/bench/localnet.ts",
].filter((f) => existsSync(join(ROOT, f)));
const only = process.argv.slice(2);
const results: BenchResult[] = [];
for (const file of BENCHES) {
  if (only.length > 0 && !only.some((o) => file.includes(o))) continue;
  process.stderr.write(`bench: ${file}\n`);
  const r = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", join(ROOT, file)], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 * 1024 * 1024 });
  process.stdout.write(r.stdout);
  for (const line of r.stdout.split("\n")) if (line.startsWith("BENCH ")) results.push(JSON.parse(line.slice(6)));
  if (r.status !== 0) process.stderr.write(`bench: ${file} exited ${r.status}\n`);
}
mkdirSync(join(ROOT, "bench-results"), { recursive: true });
writeFileSync(join(ROOT, "bench-results/results.json"), JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
writeFileSync(join(ROOT, "bench-results/ratios.svg"), ratioChart(results));
process.stderr.write(`bench: ${results.length} results → bench-results/results.json, bench-results/ratios.svg\n`);
