/**
 * `make bench`: runs every benchmark of the project, each in its own process, and prints their
 * `BENCH {...}` lines; the results are also written to bench-results/results.json.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BENCHES = ["test/bench/bankSend.ts", "test/bench/store.ts", "test/bench/poa.ts", "test/bench/poaGaming.ts", "test/bench/poaLds.ts", "test/bench/poaAudit.ts", "test/bench/inference.ts"].filter((f) => existsSync(join(ROOT, f)));
const only = process.argv.slice(2);
const results: unknown[] = [];
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
