import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { accAddressToString } from "../core/address.ts";
import { utf8 } from "../core/bytes.ts";
import { sha256 } from "../core/hash.ts";
import { assertAppError, makeTestContext } from "../core/testing/index.ts";
import { createGasMeter } from "../core/gas.ts";
import { ErrOutOfGas } from "../core/errors.ts";
import { auditValues, createEmbeddingIndex } from "./engine/index.ts";
import { ErrAlreadyAudited, ErrIndexIncomplete, ErrInvalidEmbedding, ErrInvalidParams, ErrModelNotFound } from "./errors.ts";
import { auditGas, collapseGas, paidPointsGas, queryGas } from "./gas.ts";
import { createAttributionKeeper, reputationScore } from "./keeper.ts";
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
    // v2 exists since the method registry (issue 6): poa-knn-shapley v2, engine/attributeV2.ts
    validateParams({ ...defaultParams(), activeMethod: { method: "poa-knn-shapley", version: 2 } });
    validateParams(defaultParams());
    await assertAppError(() => validateParams({ ...defaultParams(), activeMethod: { method: "poa-knn-shapley", version: 99 } }), ErrInvalidParams);
    await assertAppError(() => validateParams({ ...defaultParams(), k: 0 }), ErrInvalidParams);
  });

  it("gas: the engine's work is charged by formula, the same on a cold and a warm cache; out of gas refuses before any receipt", async () => {
    const big = () => createGasMeter(10_000_000n);
    const req = { modelId: 1n, queryEmbedding: Int16Array.from([1, 1]), label: 0, fee: { denom: "uopen", amount: 100n } };
    // the same state twice; the measured (second) inference runs on a warm cache, or on a fresh keeper (a restarted node)
    const measure = async (cold: boolean) => {
      const { k, ctx, id } = setup();
      const c0 = makeTestContext({ base: ctx.base, gas: big() });
      k.setEmbeddingIndex(c0, owner, id, 0n, le([0, 0, 10, 10, 1, 1, 11, 11]));
      assert.ok(c0.gas.consumed >= collapseGas(4n, 2), "the completing chunk pays the collapse");
      await k.attributeInference(ctx, req);
      const keeper = cold ? createAttributionKeeper({ datanet: fakeDatanet }) : k;
      const c = makeTestContext({ base: ctx.base, gas: big() });
      const r = await keeper.attributeInference(c, req);
      assert.ok(c.gas.consumed >= queryGas(4n, 2) + paidPointsGas(keeper.getReceipt(c, r.receiptId)!.points.length));
      return { consumed: c.gas.consumed, k, ctx };
    };
    const warm = await measure(false);
    const cold = await measure(true);
    assert.equal(cold.consumed, warm.consumed, "cold vs warm cache");
    const { k, ctx } = warm;
    const poor = makeTestContext({ base: ctx.base, gas: createGasMeter(queryGas(4n, 2) - 1n) });
    const seq = k.getSequence(ctx, "receipt");
    await assertAppError(() => k.attributeInference(poor, req), ErrOutOfGas);
    assert.equal(k.getSequence(ctx, "receipt"), seq);
    assert.equal(auditGas(1000n, 64), 32_000_000n);
  });

  it("reputation: receipts credit positive weights and record negative totals; audits flag points with a negative audit value", async () => {
    const { k, ctx, id } = setup();
    k.setParams(ctx, { ...k.getParams(ctx), k: 1 });
    // contributor 9…: rows 0, 2 (label 0); contributor 3…: rows 1, 3 (label 1); row 1 sits inside the label-0 cluster
    k.setEmbeddingIndex(ctx, owner, id, 0n, le([0, 0, 1, 1, 2, 2, 100, 100]));
    await assertAppError(() => k.attributeInference(ctx, { modelId: id, queryEmbedding: Int16Array.from([1, 1, 1]), label: 0, fee: { denom: "uopen", amount: 1n } }), ErrInvalidEmbedding);
    const r = await k.attributeInference(ctx, { modelId: id, queryEmbedding: Int16Array.from([1, 1]), label: 0, fee: { denom: "uopen", amount: 100n } });
    const [nine, three] = [contributors[0]!, contributors[1]!];
    const rep9 = k.getReputation(ctx, nine);
    const rep3 = k.getReputation(ctx, three);
    assert.ok(r.shares.some((s) => accAddressToString(s.contributor) === accAddressToString(nine)));
    assert.equal(rep9.receiptsPaid, 1n);
    assert.ok(BigInt(rep9.paidValue) > 0n);
    assert.equal(rep3.receiptsNegative, 1n, "the mislabelled neighbours sum below zero");
    assert.ok(BigInt(rep3.negativeValue) > 0n);
    assert.equal(rep9.score, reputationScore(rep9));
    assert.equal(rep3.score, -1n);

    const report = await k.auditModel(ctx, owner, id);
    assert.deepEqual(report.method, { method: "knn-shapley-audit", version: 1 });
    assert.equal(report.points, 4n);
    const expected = auditValues(createEmbeddingIndex(Int16Array.from([0, 0, 1, 1, 2, 2, 100, 100]), Int32Array.from([0, 1, 0, 1]), 2), 1).values;
    const flagged = expected.filter((v) => v < 0n).length;
    assert.ok((expected[1] as bigint) < 0n, "the mislabelled row has a negative audit value");
    assert.equal(report.flagged, BigInt(flagged));
    assert.deepEqual(report.flaggedLeaves, expected.flatMap((v, i) => (v < 0n ? [BigInt(i)] : [])));
    assert.deepEqual(report.contributors.map((c) => c.contributor), [three, nine].map(accAddressToString), "address byte order");
    const sumOf = (rows: number[]) => rows.reduce((s, i) => s + (expected[i] as bigint), 0n).toString();
    assert.equal(report.contributors[0]!.value, sumOf([1, 3]));
    assert.equal(report.contributors[1]!.value, sumOf([0, 2]));
    const after3 = k.getReputation(ctx, three);
    assert.equal(after3.auditedPoints, 2n);
    assert.equal(after3.flaggedPoints, report.contributors[0]!.flagged);
    assert.equal(after3.score, reputationScore(after3));
    assert.ok(after3.score < k.getReputation(ctx, nine).score);
    await assertAppError(() => k.auditModel(ctx, owner, id), ErrAlreadyAudited);
    await assertAppError(() => k.auditModel(ctx, owner, 99n), ErrModelNotFound);
  });
});
