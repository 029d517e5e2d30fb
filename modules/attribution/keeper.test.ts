import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { accAddressToString } from "../core/address.ts";
import { utf8 } from "../core/bytes.ts";
import { sha256 } from "../core/hash.ts";
import { assertAppError, makeTestContext } from "../core/testing/index.ts";
import { ErrIndexIncomplete, ErrInvalidEmbedding, ErrInvalidParams, ErrModelNotFound } from "./errors.ts";
import { createAttributionKeeper } from "./keeper.ts";
import { defaultParams, validateParams } from "./params.ts";

const owner = new Uint8Array(20).fill(1);
const contributors = [new Uint8Array(20).fill(9), new Uint8Array(20).fill(3)];
const root = sha256(utf8("root"));
const fakeDatanet = {
  getSnapshot: (_ctx: unknown, id: bigint) => (id === 1n ? { id: 1n, datanetId: 1n, root, count: 4n } : undefined),
  async *snapshotPoints() {
    for (let i = 0; i < 4; i++) yield { index: BigInt(i), contributor: contributors[i % 2] as Uint8Array, label: i % 2 };
  },
};

function setup() {
  const k = createAttributionKeeper({ datanet: fakeDatanet });
  const ctx = makeTestContext();
  const id = k.registerModel(ctx, { owner, name: "m", snapshotId: 1n, snapshotRoot: root, onnxHash: sha256(utf8("a")), trainingConfigHash: sha256(utf8("b")), checkpointHashes: [], feePolicy: { dataBps: 10000, trainerBps: 0, providerBps: 0, communityBps: 0, burnBps: 0 }, embeddingDim: 2, tau: 0n });
  return { k, ctx, id };
}

const le = (xs: number[]) => {
  const b = new Uint8Array(xs.length * 2);
  xs.forEach((x, i) => new DataView(b.buffer).setInt16(2 * i, x, true));
  return b;
};

describe("attribution/keeper", () => {
  it("attributeInference refuses unknown models, incomplete indexes and wrong dimensions", async () => {
    const { k, ctx, id } = setup();
    const req = { modelId: id, queryEmbedding: Int16Array.from([1, 1]), label: 0, fee: { denom: "uopen", amount: 100n } };
    await assertAppError(() => k.attributeInference(ctx, { ...req, modelId: 5n }), ErrModelNotFound);
    await assertAppError(() => k.attributeInference(ctx, req), ErrIndexIncomplete);
    k.setEmbeddingIndex(ctx, owner, id, 0n, le([0, 0, 10, 10, 1, 1, 11, 11]));
    await assertAppError(() => k.attributeInference(ctx, { ...req, queryEmbedding: Int16Array.from([1, 1, 1]) }), ErrInvalidEmbedding);
    const r = await k.attributeInference(ctx, req);
    assert.equal(r.shares.reduce((s, x) => s + x.amount, 0n) + r.remainder, 100n);
    assert.deepEqual(r.method, { method: "poa-knn-shapley", version: 1 });
    // contributors come back in address byte order
    assert.deepEqual(r.shares.map((s) => accAddressToString(s.contributor)), [contributors[1], contributors[0]].map((c) => accAddressToString(c as Uint8Array)).filter((a) => r.shares.some((s) => accAddressToString(s.contributor) === a)));
    // a second query reuses the cached valuation and gives a fresh receipt id
    const r2 = await k.attributeInference(ctx, req);
    assert.equal(r2.receiptId, r.receiptId + 1n);
    assert.deepEqual(r2.shares, r.shares);
  });

  it("params: only implemented method versions can be activated", async () => {
    validateParams(defaultParams());
    await assertAppError(() => validateParams({ ...defaultParams(), activeMethod: { method: "poa-knn-shapley", version: 2 } }), ErrInvalidParams);
    await assertAppError(() => validateParams({ ...defaultParams(), k: 0 }), ErrInvalidParams);
  });
});
