/** Model-checking helpers for store tests: compare a store against a Map model over random blocks. */
import assert from "node:assert/strict";
import type { Bytes } from "../../abci.ts";
import { fromKeyString, toHex, toKeyString, utf8 } from "../../bytes.ts";
import type { CommitStore, KV, KVStoreReader } from "../types.ts";
import { rng } from "./rng.ts";

export async function collect(it: AsyncIterable<KV>): Promise<string[]> {
  const out: string[] = [];
  for await (const [k, v] of it) out.push(`${toHex(k)}=${toHex(v)}`);
  return out;
}

function modelIter(model: Map<string, Bytes>, opts: { prefix?: Bytes; reverse?: boolean; limit?: number } = {}): string[] {
  let keys = [...model.keys()].sort();
  if (opts.prefix !== undefined) {
    const p = toKeyString(opts.prefix);
    keys = keys.filter((k) => k.startsWith(p));
  }
  if (opts.reverse === true) keys.reverse();
  if (opts.limit !== undefined) keys = keys.slice(0, opts.limit);
  return keys.map((k) => `${toHex(fromKeyString(k))}=${toHex(model.get(k)!)}`);
}

/** asserts `reader` holds exactly `model` (get, has, iterate with prefix/reverse/limit). */
export async function assertMatches(reader: KVStoreReader, model: Map<string, Bytes>, probe: Bytes[], what: string) {
  for (const k of probe) {
    const want = model.get(toKeyString(k));
    assert.deepEqual(reader.get(k), want, `${what}: get ${toHex(k)}`);
    assert.equal(reader.has(k), want !== undefined, `${what}: has ${toHex(k)}`);
  }
  assert.deepEqual(await collect(reader.iterate()), modelIter(model), `${what}: iterate`);
  assert.deepEqual(await collect(reader.iterate({ prefix: Uint8Array.of(2) })), modelIter(model, { prefix: Uint8Array.of(2) }), `${what}: prefix`);
  assert.deepEqual(
    await collect(reader.iterate({ reverse: true, limit: 5 })),
    modelIter(model, { reverse: true, limit: 5 }),
    `${what}: reverse limit`,
  );
}

/** random blocks of puts/deletes on `store`, mirrored in `model`; checks working and committed views. */
export async function randomBlocks(store: CommitStore, model: Map<string, Bytes>, seed: number, blocks: number) {
  const r = rng(seed);
  const key = () => Uint8Array.of(1 + r.int(3), r.int(40));
  const probe: Bytes[] = [];
  for (let i = 0; i < 30; i++) probe.push(key());
  for (let b = 0; b < blocks; b++) {
    const w = store.working();
    const next = new Map(model);
    const n = 1 + r.int(30);
    for (let i = 0; i < n; i++) {
      const k = key();
      // some writes go through a tx branch, some straight into the working layer
      const target = r.int(2) === 0 ? w : w.branch();
      if (r.int(4) === 0) {
        target.delete(k);
        next.delete(toKeyString(k));
      } else {
        const v = r.bytes(1 + r.int(8));
        target.set(k, v);
        next.set(toKeyString(k), v);
      }
      if (target !== w) target.write();
    }
    await assertMatches(w, next, probe, `seed ${seed} block ${b} working`);
    if (r.int(8) === 0) {
      // an abandoned block: discard and check nothing leaked
      store.discard();
      await assertMatches(store.working(), model, probe, `seed ${seed} block ${b} after discard`);
      continue;
    }
    const wr = store.workingRoot();
    const v = store.version + 1n;
    const root = await store.commit(v, [[utf8("height"), utf8(String(v))]]);
    assert.deepEqual(root, wr, "commit returns the working root");
    model.clear();
    for (const [k, val] of next) model.set(k, val);
    await assertMatches(store.committed(), model, probe, `seed ${seed} block ${b} committed`);
  }
}

