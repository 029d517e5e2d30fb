import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { determinismReport } from "./testing/determinismRun.ts";

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "testing/determinismRun.ts");

function runOnce(extraArgs: string[]): string {
  const r = spawnSync(process.execPath, [...extraArgs, "--disable-warning=ExperimentalWarning", SCRIPT], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe("attribution/engine determinism", () => {
  it("gives byte-identical JSON in two separate processes and in this one", () => {
    const a = runOnce([]);
    const b = runOnce(["--no-opt", "--no-maglev"]); // a second process without the optimising compilers (other code paths, same integers)
    assert.ok(a.length > 1000);
    assert.equal(a, b);
    assert.equal(a, `${determinismReport()}\n`);
  });
});
