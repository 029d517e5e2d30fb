/**
 * attribution through real blocks: a model registered against a datanet snapshot root, its embedding
 * index in chunks, receipts written by keeper.attributeInference (driven from EndBlock by an injected
 * inference source) whose shares sum to the fee exactly and match the engine run directly, queries,
 * error paths, genesis round trip.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { accAddressFromString } from "../../../modules/core/address.ts";
import { compare, toHex, toKeyString, utf8 } from "../../../modules/core/bytes.ts";
import { sha256 } from "../../../modules/core/hash.ts";
import type { AttributeInferenceRequest, InferenceSource } from "../../../modules/attribution/index.ts";
import { queryHash, pointLeafHash, receiptPointsRoot } from "../../../modules/attribution/index.ts";
import { POA_INDEX_PHASE, POA_PHASE } from "../../../modules/attribution/keeper.ts";
import { attributeQuery, auditValues, createEmbeddingIndex, prepareValuation } from "../../../modules/attribution/engine/index.ts";
import * as atx from "../../../proto/gen/openledger/attribution/v1/tx.ts";
import * as aq from "../../../proto/gen/openledger/attribution/v1/query.ts";
import type { Receipt } from "../../../proto/gen/openledger/attribution/v1/types.ts";
import { Gating } from "../../../proto/gen/openledger/datanet/v1/types.ts";
import * as dtx from "../../../proto/gen/openledger/datanet/v1/tx.ts";
import { createTestChain } from "../../harness/app.ts";
import { anyOf, createWorld, decodeResponse, item, msgs, schema } from "../datanet/helpers.ts";

const A = "/openledger.attribution.v1.";
const amsg = {
  register: (v: Partial<atx.MsgRegisterModel>) => anyOf("MsgRegisterModel", atx.MsgRegisterModel, v, A),
  setIndex: (v: Partial<atx.MsgSetEmbeddingIndex>) => anyOf("MsgSetEmbeddingIndex", atx.MsgSetEmbeddingIndex, v, A),
  updateParams: (v: Partial<atx.MsgUpdateParams>) => anyOf("MsgUpdateParams", atx.MsgUpdateParams, v, A),
  audit: (v: Partial<atx.MsgAuditModel>) => anyOf("MsgAuditModel", atx.MsgAuditModel, v, A),
};

/** a deterministic queue: what the test pushes is attributed at the end of the next block. */
function queueSource(): InferenceSource & { push(r: AttributeInferenceRequest): void } {
  let q: AttributeInferenceRequest[] = [];
  return {
    push: (r) => q.push(r),
    take() {
      const out = q;
      q = [];
      return out;
    },
  };
}

/** int16 little-endian bytes of rows. */
function rows(vs: readonly (readonly number[])[]): Uint8Array {
  const out = new Uint8Array(vs.length * (vs[0]?.length ?? 0) * 2);
  const dv = new DataView(out.buffer);
  let o = 0;
  for (const v of vs) for (const x of v) (dv.setInt16(o, x, true), (o += 2));
  return out;
}

// 3 classes in 4 dims; carol, dave and erin contribute; erin also copies one of carol's points nearly
const POINTS: { who: string; f: number[]; label: number }[] = [
  { who: "carol", f: [10, 0, 0, 0], label: 0 },
  { who: "carol", f: [11, 1, 0, 0], label: 0 },
  { who: "dave", f: [0, 10, 0, 0], label: 1 },
  { who: "dave", f: [1, 11, 0, 0], label: 1 },
  { who: "erin", f: [0, 0, 10, 0], label: 2 },
  { who: "erin", f: [10, 0, 0, 1], label: 0 },
  { who: "carol", f: [9, 2, 0, 0], label: 1 },
  { who: "dave", f: [0, 9, 1, 0], label: 1 },
];
const embed = (f: readonly number[]) => f.map((x) => x * 100);
const TAU = 2n * 100n * 100n; // squared distance ≤ 2 in feature units collapses

async function setup(source?: ReturnType<typeof queueSource>) {
  const w = await createWorld({ epochBlocks: 100, ...(source !== undefined ? { appOptions: { inferenceSource: source } } : {}) });
  const a = w.actors;
  await w.ok("alice", [msgs.create({ owner: a.alice!.address, name: "clusters", schema: schema(4, 3), gating: Gating.GATING_OPEN })]);
  for (const who of ["carol", "dave", "erin"]) {
    const mine = POINTS.filter((p) => p.who === who);
    await w.ok(who, [msgs.contribute({ contributor: a[who]!.address, datanetId: 1n, items: mine.map((p) => item(p.f, p.label, "1000")) })]);
  }
  const snap = decodeResponse(await w.ok("alice", [msgs.snapshot({ creator: a.alice!.address, datanetId: 1n })]), dtx.MsgSnapshotResponse);
  return { w, snap };
}

const registerMsg = (owner: string, snapshotId: bigint, root: Uint8Array, over: Partial<atx.MsgRegisterModel> = {}) =>
  amsg.register({
    owner,
    name: "head-v1",
    snapshotId,
    snapshotRoot: root,
    onnxHash: sha256(utf8("onnx")),
    trainingConfigHash: sha256(utf8("cfg")),
    checkpointHashes: [sha256(utf8("ck0")), sha256(utf8("ck1"))],
    feePolicy: { dataBps: 7000, trainerBps: 2000, providerBps: 500, communityBps: 500, burnBps: 0 },
    embeddingDim: 4,
    tau: TAU,
    ...over,
  });

describe("attribution through blocks", () => {
  it("register against a snapshot root, upload the index in chunks, attribute inferences: receipts split each fee exactly and match the engine", async () => {
    const source = queueSource();
    const { w, snap } = await setup(source);
    const bob = w.actors.bob!.address;
    // the index rows follow the snapshot's leaves (accepted contributions in registration order)
    const entries = await w.entries(snap.snapshotId);
    const byId = new Map<bigint, (typeof POINTS)[number]>();
    let id = 1n;
    for (const who of ["carol", "dave", "erin"]) for (const p of POINTS.filter((x) => x.who === who)) byId.set(id++, p);
    const ordered = entries.map((e) => byId.get(e.contributionId)!);

    await w.fails("bob", [registerMsg(bob, 9n, snap.root)], "attribution:3", "unknown snapshot");
    await w.fails("bob", [registerMsg(bob, snap.snapshotId, new Uint8Array(32))], "attribution:4", "root mismatch");
    await w.fails("bob", [registerMsg(bob, snap.snapshotId, snap.root, { feePolicy: { dataBps: 7000, trainerBps: 2000, providerBps: 0, communityBps: 0, burnBps: 0 } })], "attribution:6", "policy not 10000");
    await w.fails("bob", [registerMsg(bob, snap.snapshotId, snap.root, { onnxHash: new Uint8Array(5) })], "attribution:5", "short hash");
    const reg = decodeResponse(await w.ok("bob", [registerMsg(bob, snap.snapshotId, snap.root)]), atx.MsgRegisterModelResponse);
    assert.equal(reg.modelId, 1n);

    const vecs = ordered.map((p) => embed(p.f));
    await w.fails("carol", [amsg.setIndex({ owner: w.actors.carol!.address, modelId: 1n, start: 0n, vectors: rows(vecs.slice(0, 3)) })], "attribution:11", "not the owner");
    await w.fails("bob", [amsg.setIndex({ owner: bob, modelId: 1n, start: 3n, vectors: rows(vecs.slice(3)) })], "attribution:8", "out of order");
    await w.fails("bob", [amsg.setIndex({ owner: bob, modelId: 1n, start: 0n, vectors: rows([...vecs, [1, 2, 3, 4]]) })], "attribution:7", "more rows than points");
    const c1 = decodeResponse(await w.ok("bob", [amsg.setIndex({ owner: bob, modelId: 1n, start: 0n, vectors: rows(vecs.slice(0, 3)) })]), atx.MsgSetEmbeddingIndexResponse);
    assert.deepEqual(c1, { indexedPoints: 3n, complete: false });
    const c2 = decodeResponse(await w.ok("bob", [amsg.setIndex({ owner: bob, modelId: 1n, start: 3n, vectors: rows(vecs.slice(3)) })]), atx.MsgSetEmbeddingIndexResponse);
    assert.deepEqual(c2, { indexedPoints: 8n, complete: true });
    await w.fails("bob", [amsg.setIndex({ owner: bob, modelId: 1n, start: 8n, vectors: rows([[1, 1, 1, 1]]) })], "attribution:9", "complete");
    const model = (await w.query(`${A}Query/Model`, aq.QueryModelRequest, { id: 1n }, aq.QueryModelResponse)).model!;
    assert.equal(toHex(model.snapshotRoot), toHex(snap.root));
    assert.equal(model.checkpointHashes.length, 2);

    // three verified inferences in one block
    const queries = [
      { q: [1000, 50, 0, 0], label: 0, fee: 1000n },
      { q: [50, 1000, 0, 0], label: 1, fee: 999n },
      { q: [900, 100, 0, 0], label: 1, fee: 7n },
    ];
    for (const x of queries) source.push({ modelId: 1n, queryEmbedding: Int16Array.from(x.q), label: x.label, fee: { denom: "uopen", amount: x.fee } });
    // the node's phase timer (node/metrics/phases.ts) sees the PoA engine's work of FinalizeBlock, balanced
    const marks: string[] = [];
    w.chain.app.setPhaseTracer({ enter: (p) => marks.push(`+${p}`), exit: (p) => marks.push(`-${p}`) });
    const res = await w.chain.block([]);
    w.chain.app.setPhaseTracer(undefined);
    assert.equal(res.events.filter((e) => e.type === "openledger.attribution.v1.EventInferenceAttributed").length, 3);
    assert.equal(marks.filter((m) => m === `+${POA_PHASE}`).length, marks.filter((m) => m === `-${POA_PHASE}`).length);
    assert.ok(marks.filter((m) => m === `+${POA_PHASE}`).length >= 3, `one PoA span per inference at least: ${marks.join(" ")}`);
    assert.equal(marks[0], `+${POA_PHASE}`);
    assert.deepEqual(new Set(marks), new Set([`+${POA_PHASE}`, `-${POA_PHASE}`, `+${POA_INDEX_PHASE}`, `-${POA_INDEX_PHASE}`]));
    // the valuation load is marked inside the engine's span
    const i = marks.indexOf(`+${POA_INDEX_PHASE}`);
    assert.ok(i > 0 && marks.lastIndexOf(`+${POA_PHASE}`, i) > marks.lastIndexOf(`-${POA_PHASE}`, i));

    // the engine run directly on the same data gives the same shares
    const addrs = ordered.map((p) => accAddressFromString(w.actors[p.who]!.address));
    const uniq = [...new Set(addrs.map(toKeyString))].sort();
    const index = createEmbeddingIndex(Int16Array.from(vecs.flat()), ordered.map((p) => p.label), 4);
    const v = prepareValuation(index, addrs.map((a) => uniq.indexOf(toKeyString(a))), Number(TAU));
    assert.ok(v.collapse.dropped.length >= 1, "the near copy collapsed");

    const receipts: Receipt[] = [];
    for (let i = 0; i < queries.length; i++) {
      const r = (await w.query(`${A}Query/Receipt`, aq.QueryReceiptRequest, { id: BigInt(i + 1) }, aq.QueryReceiptResponse)).receipt!;
      receipts.push(r);
      const x = queries[i]!;
      assert.deepEqual(r.method, { method: "poa-knn-shapley", version: 1 });
      assert.deepEqual(r.steps.map((s) => s.method), ["dedup-collapse", "knn-shapley", "top-k-truncation", "contributor-sum", "largest-remainder"]);
      const total = r.shares.reduce((s, e) => s + BigInt(e.amount), 0n) + BigInt(r.remainder);
      assert.equal(total, x.fee, `receipt ${r.id}: shares + remainder = fee exactly`);
      assert.equal(toHex(r.queryHash), toHex(queryHash(Int16Array.from(x.q), x.label)));
      const expected = attributeQuery(v, Int16Array.from(x.q), x.label, { k: 5, kPrime: 10, dust: 0 }, x.fee);
      assert.deepEqual(r.shares.map((s) => [s.contributor, s.amount]), expected.shares.map((s) => [accAddressFromStringInv(uniq[s.contributor]!), s.amount.toString()]), `receipt ${r.id} shares`);
      assert.equal(toHex(r.pointsRoot), toHex(receiptPointsRoot(r.points.map((p) => pointLeafHash(p.index, BigInt(p.value), accAddressFromString(p.contributor))))), "points root recomputable");
      const sorted = [...r.shares].sort((a, b) => compare(accAddressFromString(a.contributor), accAddressFromString(b.contributor)));
      assert.deepEqual(r.shares, sorted, "shares in address byte order");
    }
    assert.ok(BigInt(receipts[0]!.shares.find((s) => s.contributor === w.actors.carol!.address)?.amount ?? "0") > 0n, "carol's cluster earns the class-0 query");

    const byModel = await w.query(`${A}Query/ReceiptsByModel`, aq.QueryReceiptsByModelRequest, { modelId: 1n }, aq.QueryReceiptsByModelResponse);
    assert.deepEqual(byModel.receipts.map((r) => r.id), [1n, 2n, 3n]);
    const dave = w.actors.dave!.address;
    const byDave = await w.query(`${A}Query/ReceiptsByContributor`, aq.QueryReceiptsByContributorRequest, { contributor: dave }, aq.QueryReceiptsByContributorResponse);
    assert.deepEqual(byDave.receipts.map((r) => r.id), receipts.filter((r) => r.shares.some((s) => s.contributor === dave)).map((r) => r.id));
    assert.ok(byDave.receipts.length > 0);

    // reputation from the receipts: paid contributors earned, the ledger is queryable
    const carol = w.actors.carol!.address;
    const repCarol = (await w.query(`${A}Query/Reputation`, aq.QueryReputationRequest, { contributor: carol }, aq.QueryReputationResponse)).reputation!;
    const paidCarol = receipts.filter((r) => r.shares.some((s) => s.contributor === carol && BigInt(s.amount) > 0n)).length;
    assert.ok(paidCarol > 0);
    assert.ok(repCarol.receiptsPaid >= BigInt(paidCarol), "every receipt that paid carol counts");
    assert.ok(BigInt(repCarol.paidValue) > 0n);

    // audit-mode KNN-Shapley on chain: once per model, feeds reputation; equals the engine's audit of the collapsed index
    await w.fails("dave", [amsg.audit({ sender: dave, modelId: 7n })], "attribution:2", "unknown model");
    const au = decodeResponse(await w.ok("dave", [amsg.audit({ sender: dave, modelId: 1n })]), atx.MsgAuditModelResponse);
    assert.equal(au.points, BigInt(v.index.n), "the collapsed index is audited");
    const audit = auditValues(v.index, 5);
    assert.equal(au.flagged, BigInt(audit.values.filter((x) => x < 0n).length));
    const flaggedLeaves = audit.values.flatMap((x, r) => (x < 0n ? [BigInt(v.origin[r]!)] : []));
    await w.fails("dave", [amsg.audit({ sender: dave, modelId: 1n })], "attribution:17", "audited twice");
    const report = (await w.query(`${A}Query/AuditReport`, aq.QueryAuditReportRequest, { modelId: 1n }, aq.QueryAuditReportResponse)).report!;
    assert.equal(report.flagged, au.flagged);
    assert.deepEqual(report.flaggedLeaves, flaggedLeaves);
    assert.equal(report.requester, dave);
    assert.equal(toHex(report.indexHash), toHex(model.indexHash));
    assert.equal(report.contributors.reduce((s, c) => s + c.points, 0n), report.points);
    for (const c of report.contributors) {
      const id = uniq.indexOf(toKeyString(accAddressFromString(c.contributor)));
      const mine = audit.values.filter((_, r) => v.contributors[r] === id);
      assert.deepEqual([c.points, c.flagged, c.value], [BigInt(mine.length), BigInt(mine.filter((x) => x < 0n).length), mine.reduce((a, b) => a + b, 0n).toString()], c.contributor);
    }
    assert.equal(toHex(report.valuesRoot), toHex(receiptPointsRoot(audit.values.map((x, r) => pointLeafHash(BigInt(v.origin[r]!), x, accAddressFromString(accAddressFromStringInv(uniq[v.contributors[r]!]!)))))));
    const carolAudit = report.contributors.find((c) => c.contributor === carol)!;
    const repCarol2 = (await w.query(`${A}Query/Reputation`, aq.QueryReputationRequest, { contributor: carol }, aq.QueryReputationResponse)).reputation!;
    assert.equal(repCarol2.auditedPoints, carolAudit.points);
    assert.equal(repCarol2.flaggedPoints, carolAudit.flagged);
    assert.equal(repCarol2.score, repCarol.score + carolAudit.points - 11n * carolAudit.flagged);

    // params are gov-only; the method registry refuses versions this binary lacks
    await w.fails("alice", [amsg.updateParams({ authority: w.actors.alice!.address, params: { activeMethod: { method: "poa-knn-shapley", version: 1 }, k: 3, kPrime: 5, dust: 0n, maxChunkPoints: 10, maxCheckpoints: 4, maxEmbeddingDim: 8 } })], "sdk:4", "non-gov params");
    const bad = await w.run("alice", [amsg.updateParams({ authority: w.actors.alice!.address, params: { activeMethod: { method: "poa-knn-shapley", version: 9 }, k: 3, kPrime: 5, dust: 0n, maxChunkPoints: 10, maxCheckpoints: 4, maxEmbeddingDim: 8 } })]);
    assert.equal(`${bad.codespace}:${bad.code}`, "attribution:14", "unknown method version refused statelessly");
    w.actors.alice!.seq--; // INVALID (validateBasic): the sequence was not consumed

    // a challenge on a contribution still slashes, and the escrow invariant holds (checked after every block)
    const ch = decodeResponse(await w.ok("bob", [msgs.challenge({ challenger: bob, contributionId: 6n, reason: "near copy of carol's" })]), dtx.MsgChallengeContributionResponse);
    await w.ok("alice", [msgs.resolve({ authority: w.actors.alice!.address, challengeId: ch.challengeId, uphold: true })]);

    // a contribution slashed after the snapshot stays in the game but is no longer paid: carol's [10,0,0,0]
    const ch1 = decodeResponse(await w.ok("bob", [msgs.challenge({ challenger: bob, contributionId: 1n, reason: "fraud" })]), dtx.MsgChallengeContributionResponse);
    await w.ok("alice", [msgs.resolve({ authority: w.actors.alice!.address, challengeId: ch1.challengeId, uphold: true })]);
    const leaf1 = entries.findIndex((e) => e.contributionId === 1n);
    source.push({ modelId: 1n, queryEmbedding: Int16Array.from(queries[0]!.q), label: 0, fee: { denom: "uopen", amount: 1000n } });
    await w.chain.block([]);
    const after = (await w.query(`${A}Query/Receipt`, aq.QueryReceiptRequest, { id: 4n }, aq.QueryReceiptResponse)).receipt!;
    const before = receipts[0]!;
    assert.deepEqual(after.points.map((p) => [p.index, p.value]), before.points.map((p) => [p.index, p.value]), "the game is unchanged");
    assert.deepEqual(after.points.filter((p) => p.excluded).map((p) => Number(p.index)), [leaf1]);
    const paid = (r: Receipt, who: string) => BigInt(r.shares.find((s) => s.contributor === who)?.amount ?? "0");
    assert.ok(paid(after, carol) < paid(before, carol), "carol loses the slashed point's share");
    assert.equal(after.shares.reduce((s, e) => s + BigInt(e.amount), 0n) + BigInt(after.remainder), 1000n);
    assert.ok(BigInt(after.remainder) >= BigInt(before.remainder) + paid(before, carol) - paid(after, carol) - 1n, "it goes to the remainder");
    for (const who of [dave, w.actors.erin!.address]) assert.ok(paid(after, who) - paid(before, who) <= 1n && paid(before, who) - paid(after, who) <= 1n, "others unchanged within one unit");

    // genesis round trip with models, chunks and receipts
    const exported = await w.chain.app.exportGenesis();
    const again = await createTestChain({ editGenesis: (g) => Object.assign(g, JSON.parse(JSON.stringify(exported))) });
    await again.block([]);
    const re = await again.app.exportGenesis();
    assert.deepEqual(re.attribution, exported.attribution);
    assert.deepEqual(re.datanet, exported.datanet);
  });

  it("two fresh apps fed the same blocks and inferences reach the same app hashes", async () => {
    const hashes: string[] = [];
    for (let run = 0; run < 2; run++) {
      const source = queueSource();
      const { w, snap } = await setup(source);
      const bob = w.actors.bob!.address;
      const entries = await w.entries(snap.snapshotId);
      await w.ok("bob", [registerMsg(bob, snap.snapshotId, snap.root)]);
      const vecs = entries.map((e, i) => [e.label * 300 + i, 7 * i, e.label, 0]);
      await w.ok("bob", [amsg.setIndex({ owner: bob, modelId: 1n, start: 0n, vectors: rows(vecs) })]);
      source.push({ modelId: 1n, queryEmbedding: Int16Array.from([300, 5, 1, 0]), label: 1, fee: { denom: "uopen", amount: 12345n } });
      // only the first app is timed: the phase timer feeds no state
      let spans = 0;
      if (run === 0) w.chain.app.setPhaseTracer({ enter: () => spans++, exit: () => {} });
      const r = await w.chain.block([]);
      if (run === 0) assert.ok(spans >= 1);
      hashes.push(toHex(r.appHash));
    }
    assert.equal(hashes[0], hashes[1]);
  });
});

function accAddressFromStringInv(keyString: string): string {
  return accAddressToStringFromKey(keyString);
}
import { accAddressToString } from "../../../modules/core/address.ts";
import { fromKeyString } from "../../../modules/core/bytes.ts";
function accAddressToStringFromKey(k: string): string {
  return accAddressToString(fromKeyString(k));
}
