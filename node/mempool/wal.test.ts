import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { utf8 } from "../../modules/core/bytes.ts";
import { MempoolWal } from "./wal.ts";

const dir = mkdtempSync(join(tmpdir(), "openledgerd-mempool-wal-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const txt = (txs: Uint8Array[]) => txs.map((t) => Buffer.from(t).toString());

describe("mempool/wal", () => {
  it("appends (group-committed) and loads in order; a torn tail is dropped", async () => {
    const path = join(dir, "a.wal");
    const wal = new MempoolWal(path);
    await Promise.all(["a=1", "b=2", "c=3"].map((s) => wal.append(utf8(s))));
    await wal.append(utf8("d=4"));
    await wal.close();
    assert.deepEqual(txt(new MempoolWal(path).load()), ["a=1", "b=2", "c=3", "d=4"]);
    // a crash mid-append leaves a partial record: everything before it survives
    appendFileSync(path, Buffer.from([0, 0, 0, 9, 1, 2]));
    assert.deepEqual(txt(new MempoolWal(path).load()), ["a=1", "b=2", "c=3", "d=4"]);
  });

  it("rewrite replaces the file atomically, in order with the appends queued around it", async () => {
    const path = join(dir, "b.wal");
    writeFileSync(path, "");
    const wal = new MempoolWal(path, 5);
    await wal.append(utf8("old=1"));
    assert.ok(wal.needsCompaction, "grew past 5 bytes");
    const p1 = wal.append(utf8("x=1"));
    const p2 = wal.rewrite([utf8("kept=1")]);
    const p3 = wal.append(utf8("y=2"));
    await Promise.all([p1, p2, p3]);
    await wal.close();
    assert.deepEqual(txt(new MempoolWal(path).load()), ["kept=1", "y=2"]);
    assert.equal(readFileSync(path).length, 4 + 6 + 4 + 3);
  });

  it("a missing file loads as empty", () => {
    assert.deepEqual(new MempoolWal(join(dir, "none.wal")).load(), []);
  });
});
