/** `make demo` passes its own checks (flipped labels earn least, near-copies ≤ +1 %, supply conserved) and prints the tables. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

describe("make demo (--in-process)", () => {
  it("runs both scenarios and exits 0 with every check passed", () => {
    const script = fileURLToPath(new URL("../../../localnet/demo/demo.ts", import.meta.url));
    const r = spawnSync(process.execPath, [script, "--in-process"], { encoding: "utf8", timeout: 120_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /receipts \(20;/);
    assert.match(r.stdout, /flipped-label contributor earns least: yes/);
    assert.match(r.stdout, /supply conserved: yes/);
    assert.match(r.stdout, /demo: all checks passed/);
  });
});
