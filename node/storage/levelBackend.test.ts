import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { compare, toHex, utf8 } from "../../modules/core/bytes.ts";
import { createCommitStore } from "../../modules/core/store/commitStore.ts";
import { verifyNonMembership } from "../../modules/core/store/ics23.ts";
import { assertMatches, randomBlocks } from "../../modules/core/store/testing/storeModel.ts";
import type { KV } from "../../modules/core/store/types.ts";
import { openLevelBackend } from "./levelBackend.ts";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "olb-"));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const b = (...xs: number[]) => Uint8Array.from(xs);
async function collect(it: AsyncIterable<KV>): Promise<string[]> {
  const out: string[] = [];
  for await (const [k, v] of it) out.push(`${toHex(k)}=${toHex(v)}`);
  return out;
}

describe("node/storage/levelBackend", () => {
  it("puts, gets and deletes in atomic batches, and survives reopening", async () => {
    const dir = tempDir();
    const db = await openLevelBackend(dir);
    assert.equal(db.get(b(1)), undefined);
    await db.write(
      [
        { type: "put", key: b(1), value: b(10) },
        { type: "put", key: b(2), value: b(20) },
        { type: "put", key: b(3), value: b() },
      ],
      { sync: true },
    );
    assert.deepEqual(db.get(b(1)), b(10));
    assert.ok(db.get(b(1)) instanceof Uint8Array);
    assert.deepEqual(db.get(b(3)), b(), "empty value is kept, distinct from absent");
    await db.write([{ type: "del", key: b(2) }, { type: "put", key: b(1), value: b(11) }], { sync: false });
    assert.equal(db.get(b(2)), undefined);
    await db.close();
    const db2 = await openLevelBackend(dir);
    assert.deepEqual(db2.get(b(1)), b(11));
    assert.equal(db2.get(b(2)), undefined);
    await db2.close();
  });

  it("iterates in byte order with prefix, gte, lt, reverse and limit", async () => {
    const db = await openLevelBackend(tempDir());
    const keys = [b(0), b(1), b(1, 0), b(1, 0xff), b(1, 0xff, 0), b(2), b(0xff), b(0xff, 0xff), b(0x80)];
    await db.write(
      keys.map((k, i) => ({ type: "put" as const, key: k, value: b(i) })),
      { sync: false },
    );
    const sorted = [...keys].sort(compare);
    const all = await collect(db.iterate());
    assert.deepEqual(
      all.map((s) => s.split("=")[0]),
      sorted.map(toHex),
    );
    const pre = await collect(db.iterate({ prefix: b(1) }));
    assert.deepEqual(pre.map((s) => s.split("=")[0]), ["01", "0100", "01ff", "01ff00"]);
    const preRev = await collect(db.iterate({ prefix: b(1), reverse: true, limit: 2 }));
    assert.deepEqual(preRev.map((s) => s.split("=")[0]), ["01ff00", "01ff"]);
    const range = await collect(db.iterate({ gte: b(1, 0), lt: b(2) }));
    assert.deepEqual(range.map((s) => s.split("=")[0]), ["0100", "01ff", "01ff00"]);
    const both = await collect(db.iterate({ prefix: b(1), gte: b(1, 0x10), lt: b(9) }));
    assert.deepEqual(both.map((s) => s.split("=")[0]), ["01ff", "01ff00"]);
    const ff = await collect(db.iterate({ prefix: b(0xff) }));
    assert.deepEqual(ff.map((s) => s.split("=")[0]), ["ff", "ffff"]);
    assert.deepEqual(await collect(db.iterate({ limit: 0 })), []);
    await db.close();
  });

  it("closes the LevelDB iterator on early exit so the db can close", async () => {
    const db = await openLevelBackend(tempDir());
    const ops = [];
    for (let i = 0; i < 2000; i++) ops.push({ type: "put" as const, key: b(i >> 8, i & 255), value: b(i & 255) });
    await db.write(ops, { sync: false });
    let n = 0;
    for await (const _ of db.iterate()) {
      if (++n === 300) break;
    }
    assert.equal(n, 300);
    let m = 0;
    for await (const _ of db.iterate()) m++;
    assert.equal(m, 2000);
    await db.close(); // would wait forever / throw if an iterator leaked
  });
});

describe("node/storage/levelBackend + commit store", () => {
  it("random blocks match a model across restarts on LevelDB", async () => {
    const dir = tempDir();
    const model = new Map<string, Uint8Array>();
    let root: Uint8Array | undefined;
    let version = 0n;
    for (let round = 0; round < 3; round++) {
      const store = await createCommitStore(await openLevelBackend(dir), { cacheNodes: 32 });
      assert.equal(store.version, version, `round ${round} version`);
      if (root !== undefined) assert.deepEqual(store.root, root, `round ${round} root`);
      await assertMatches(store.committed(), model, [], `round ${round} reopened`);
      await randomBlocks(store, model, 100 + round, 12);
      // old versions stay readable and provable after a restart
      const k = utf8("restart-key");
      const pv = store.prove(k, store.version);
      assert.equal(pv.kind, "nonexist");
      assert.ok(verifyNonMembership(store.root, pv.proof, k));
      version = store.version;
      root = store.root;
      assert.deepEqual(store.getMeta(utf8("height")), utf8(String(version)));
      await store.close();
    }
  });
});
