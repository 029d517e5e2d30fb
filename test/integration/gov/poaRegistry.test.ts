/**
 * Decided by proposal (issue 6 items 3 and 5), through real blocks with a bonded validator:
 *  - the PoA method registry: a proposal schedules poa-knn-shapley v2 at a height with one shadow
 *    epoch; inferences before the window pay with v1 alone, inside it v1 pays and v2 is computed
 *    beside it (ShadowReceipt + EventShadowAttribution), from the activation height v2 pays; receipts
 *    keep the version that computed them; Query/Methods reports the schedule and the history;
 *  - a datanet curation dispute (challenge) resolved by proposal (MsgResolveChallenge as the gov authority);
 *  - compute-provider approvals: a proposal suspends a provider (no new jobs), another requires approval
 *    and approves one provider (only it gets new jobs).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MsgSubmitProposal, MsgVote } from "cosmjs-types/cosmos/gov/v1/tx";
import { QueryProposalRequest, QueryProposalResponse } from "cosmjs-types/cosmos/gov/v1/query";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { GOV_AUTHORITY } from "../../../modules/app.ts";
import { accAddressToString } from "../../../modules/core/address.ts";
import { sha256 } from "../../../modules/core/hash.ts";
import { utf8 } from "../../../modules/core/bytes.ts";
import type { AttributeInferenceRequest, InferenceSource } from "../../../modules/attribution/index.ts";
import * as atx from "../../../proto/gen/openledger/attribution/v1/tx.ts";
import * as aq from "../../../proto/gen/openledger/attribution/v1/query.ts";
import * as reg from "../../../proto/gen/openledger/attribution/v1/registry.ts";
import * as dq from "../../../proto/gen/openledger/datanet/v1/query.ts";
import * as cap from "../../../proto/gen/openledger/compute/v1/approval.ts";
import * as cq from "../../../proto/gen/openledger/compute/v1/query.ts";
import * as ctx_ from "../../../proto/gen/openledger/compute/v1/tx.ts";
import * as dtx from "../../../proto/gen/openledger/datanet/v1/tx.ts";
import { Gating } from "../../../proto/gen/openledger/datanet/v1/types.ts";
import { type TestKey, testKey } from "../../harness/txBuilder.ts";
import { createTestChain } from "../../harness/app.ts";
import { anyOf, decodeResponse, item, msgs, schema } from "../datanet/helpers.ts";
import { type ValChain, createValChain, testValidator } from "../staking/chain.ts";

const OPEN = 1_000_000n;
const GOV = accAddressToString(GOV_AUTHORITY);
const A = "/openledger.attribution.v1.";
const v1 = testValidator(91);
const [alice, bob, carol, dave, erin] = [991, 992, 993, 994, 995].map(testKey) as [TestKey, TestKey, TestKey, TestKey, TestKey];
const EPOCH = 4n;
const V1 = { method: "poa-knn-shapley", version: 1 };
const V2 = { method: "poa-knn-shapley", version: 2 };

const POINTS: { who: TestKey; f: number[]; label: number }[] = [
  { who: carol, f: [10, 0, 0, 0], label: 0 },
  { who: carol, f: [11, 1, 0, 0], label: 0 },
  { who: dave, f: [0, 10, 0, 0], label: 1 },
  { who: dave, f: [1, 11, 0, 0], label: 1 },
  { who: erin, f: [0, 0, 10, 0], label: 2 },
  { who: erin, f: [9, 0, 0, 3], label: 0 },
  { who: carol, f: [9, 2, 0, 0], label: 1 },
  { who: dave, f: [0, 9, 1, 0], label: 1 },
];
const embed = (f: readonly number[]) => f.map((x) => x * 100);

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

function rows(vs: readonly (readonly number[])[]): Uint8Array {
  const out = new Uint8Array(vs.length * (vs[0]?.length ?? 0) * 2);
  const dv = new DataView(out.buffer);
  let o = 0;
  for (const v of vs) for (const x of v) (dv.setInt16(o, x, true), (o += 2));
  return out;
}

function ok(r: { txResults: { code: number; log: string; codespace: string }[] }, i = 0): void {
  assert.equal(r.txResults[i]?.code, 0, `${r.txResults[i]?.codespace}: ${r.txResults[i]?.log}`);
}

async function setup(source?: InferenceSource): Promise<ValChain> {
  return createValChain({
    funded: [{ key: v1.key, amount: 100n * OPEN }, ...[alice, bob, carol, dave, erin].map((key) => ({ key, amount: 100n * OPEN }))],
    gentxs: [{ v: v1, amount: 10n * OPEN }],
    edit: (g) => {
      g.gov.params.voting_period = "10s";
      g.gov.params.expedited_voting_period = "5s";
      g.runtime.epoch_blocks = EPOCH.toString();
      // K′ = 2 of 8 points: "nearest" (v1) and "largest |value|" (v2) can pick differently
      g.attribution.params.k = 3;
      g.attribution.params.k_prime = 2;
    },
    ...(source !== undefined ? { appOptions: { inferenceSource: source } } : {}),
  });
}

/** submits (alice), v1 votes yes, blocks until the voting end; returns the proposal. */
async function pass(chain: ValChain, messages: Any[]) {
  const r = await chain.block([chain.tx(alice, [{ typeUrl: MsgSubmitProposal.typeUrl, value: MsgSubmitProposal.encode(MsgSubmitProposal.fromPartial({ messages, initialDeposit: [{ denom: "uopen", amount: (10n * OPEN).toString() }], proposer: alice.bech32, title: "t", summary: "s" })).finish() }])]);
  ok(r);
  const id = BigInt(r.txResults[0]?.events.find((e) => e.type === "submit_proposal")?.attributes.find((a) => a.key === "proposal_id")?.value ?? "0");
  ok(await chain.block([chain.tx(v1.key, [{ typeUrl: MsgVote.typeUrl, value: MsgVote.encode(MsgVote.fromPartial({ proposalId: id, voter: v1.key.bech32, option: 1 })).finish() }])]));
  let p = QueryProposalResponse.decode(await chain.query("/cosmos.gov.v1.Query/Proposal", QueryProposalRequest.encode({ proposalId: id }).finish())).proposal;
  while (p?.status === 2) {
    await chain.block([]);
    p = QueryProposalResponse.decode(await chain.query("/cosmos.gov.v1.Query/Proposal", QueryProposalRequest.encode({ proposalId: id }).finish())).proposal;
  }
  return p!;
}

/** datanet 1 (open) with POINTS, snapshot 1; returns the snapshot root. */
async function datanet(chain: ValChain): Promise<Uint8Array> {
  ok(await chain.block([chain.tx(alice, [msgs.create({ owner: alice.bech32, name: "clusters", schema: schema(4, 3), gating: Gating.GATING_OPEN })])]));
  for (const who of [carol, dave, erin]) {
    ok(await chain.block([chain.tx(who, [msgs.contribute({ contributor: who.bech32, datanetId: 1n, items: POINTS.filter((p) => p.who === who).map((p) => item(p.f, p.label, "1000")) })])]));
  }
  const s = await chain.block([chain.tx(alice, [msgs.snapshot({ creator: alice.bech32, datanetId: 1n })])]);
  ok(s);
  return decodeResponse(s.txResults[0]!, dtx.MsgSnapshotResponse).root;
}

/** model 1 over snapshot 1 (bob), complete index in snapshot leaf order (= registration order here). */
async function model(chain: ValChain, root: Uint8Array): Promise<void> {
  ok(await chain.block([chain.tx(bob, [anyOf("MsgRegisterModel", atx.MsgRegisterModel, { owner: bob.bech32, name: "m", snapshotId: 1n, snapshotRoot: root, onnxHash: sha256(utf8("onnx")), trainingConfigHash: sha256(utf8("cfg")), checkpointHashes: [sha256(utf8("ck"))], feePolicy: { dataBps: 10000, trainerBps: 0, providerBps: 0, communityBps: 0, burnBps: 0 }, embeddingDim: 4, tau: 0n }, A)])]));
  const order = [carol, dave, erin].flatMap((w) => POINTS.filter((p) => p.who === w));
  ok(await chain.block([chain.tx(bob, [anyOf("MsgSetEmbeddingIndex", atx.MsgSetEmbeddingIndex, { owner: bob.bech32, modelId: 1n, start: 0n, vectors: rows(order.map((p) => embed(p.f))) }, A)])]));
}

const methods = async (c: ValChain) => reg.QueryMethodsResponse.decode(await c.query(`${A}Query/Methods`, reg.QueryMethodsRequest.encode({}).finish()));
const receipt = async (c: ValChain, id: bigint) => aq.QueryReceiptResponse.decode(await c.query(`${A}Query/Receipt`, aq.QueryReceiptRequest.encode({ id }).finish())).receipt!;
const shadowOf = async (c: ValChain, id: bigint) => {
  const r = await c.queryRaw(`${A}Query/ShadowReceipt`, reg.QueryShadowReceiptRequest.encode({ receiptId: id }).finish());
  return r.code === 0 ? reg.QueryShadowReceiptResponse.decode(r.value).shadow : undefined;
};
const activate = (authority: string, activationHeight: bigint, shadowEpochs = 1) => anyOf("MsgActivateMethod", reg.MsgActivateMethod, { authority, method: V2, activationHeight, shadowEpochs }, A);

describe("decided by proposal: PoA method versions, datanet disputes", () => {
  it("a proposal activates poa-knn-shapley v2 at a height; one shadow epoch reports v1 and v2 side by side; receipts keep their version", async () => {
    const source = queueSource();
    const chain = await setup(source);
    await model(chain, await datanet(chain));
    const infer = () => source.push({ modelId: 1n, queryEmbedding: Int16Array.from(embed([9, 1, 0, 2])), label: 0, fee: { denom: "uopen", amount: 1_000_000n } });

    // only the gov authority schedules; a version this binary lacks is refused
    const direct = await chain.block([chain.tx(alice, [activate(alice.bech32, chain.height + 50n)])]);
    assert.equal(`${direct.txResults[0]?.codespace}:${direct.txResults[0]?.code}`, "sdk:4");
    const unknown = await chain.block([chain.tx(alice, [{ typeUrl: MsgSubmitProposal.typeUrl, value: MsgSubmitProposal.encode(MsgSubmitProposal.fromPartial({ messages: [anyOf("MsgActivateMethod", reg.MsgActivateMethod, { authority: GOV, method: { method: "poa-knn-shapley", version: 9 }, activationHeight: 1000n, shadowEpochs: 1 }, A)], initialDeposit: [{ denom: "uopen", amount: (10n * OPEN).toString() }], proposer: alice.bech32, title: "t", summary: "s" })).finish() }])]);
    assert.equal(`${unknown.txResults[0]?.codespace}:${unknown.txResults[0]?.code}`, "attribution:12");

    const activation = chain.height + 16n;
    const p = await pass(chain, [activate(GOV, activation, 1)]);
    assert.equal(p.status, 3, p.failedReason);
    const m0 = await methods(chain);
    assert.deepEqual(m0.active, V1);
    assert.deepEqual(m0.scheduled, { method: V2, activationHeight: activation, shadowStartHeight: activation - EPOCH, scheduledHeight: m0.scheduled?.scheduledHeight });
    assert.deepEqual(m0.supported, [V1, V2]);

    // before the shadow window: v1 only
    assert.ok(chain.height + 1n < activation - EPOCH);
    infer();
    await chain.block([]);
    const r1 = await receipt(chain, 1n);
    assert.deepEqual(r1.method, V1);
    assert.equal(await shadowOf(chain, 1n), undefined);

    // inside the shadow window: v1 pays, v2 is computed beside it and both are reported
    while (chain.height + 1n < activation - EPOCH) await chain.block([]);
    infer();
    const b = await chain.block([]);
    const r2 = await receipt(chain, 2n);
    assert.deepEqual(r2.method, V1);
    const sh = await shadowOf(chain, 2n);
    assert.ok(sh !== undefined, "shadow result stored");
    assert.deepEqual(sh.active, V1);
    assert.deepEqual(sh.shadow, V2);
    assert.deepEqual(sh.activeShares, r2.shares);
    assert.equal(sh.shadowShares.reduce((s, x) => s + BigInt(x.amount), 0n) + BigInt(sh.shadowRemainder), 1_000_000n);
    const ev = b.events.find((e) => e.type === "openledger.attribution.v1.EventShadowAttribution");
    assert.ok(ev !== undefined, "EventShadowAttribution emitted");
    assert.equal(ev.attributes.find((a) => a.key === "shadow_version")?.value, "2");

    // the block before activation is still v1; at the activation height BeginBlock switches to v2
    while (chain.height + 1n < activation) await chain.block([]);
    assert.deepEqual((await methods(chain)).active, V1);
    infer();
    const act = await chain.block([]);
    assert.equal(chain.height, activation);
    assert.ok(act.events.some((e) => e.type === "openledger.attribution.v1.EventMethodActivated"));
    const r3 = await receipt(chain, 3n);
    assert.deepEqual(r3.method, V2);
    assert.ok(r3.steps.some((s) => s.method === "top-value-truncation"));
    assert.equal(await shadowOf(chain, 3n), undefined);
    const m1 = await methods(chain);
    assert.deepEqual(m1.active, V2);
    assert.equal(m1.scheduled, undefined);
    assert.deepEqual(m1.history, [{ from: V1, to: V2, height: activation }]);
    // old receipts keep the version they were computed with
    assert.deepEqual((await receipt(chain, 1n)).method, V1);
    assert.deepEqual((await receipt(chain, 2n)).method, V1);
    // the params query agrees
    const params = aq.QueryParamsResponse.decode(await chain.query(`${A}Query/Params`, aq.QueryParamsRequest.encode({}).finish())).params;
    assert.deepEqual(params?.activeMethod, V2);

    // the registry's state is in the attribution genesis ("method_registry") and imports back unchanged
    const exported = await chain.app.exportGenesis();
    const mr = (exported.attribution as any).method_registry;
    assert.equal(mr.history.length, 1);
    assert.deepEqual(mr.shadow_receipts.map((x: any) => x.receipt_id), ["2"]);
    const again = await createTestChain({ editGenesis: (g) => Object.assign(g, JSON.parse(JSON.stringify(exported))) });
    await again.block([]);
    assert.deepEqual((await again.app.exportGenesis()).attribution, exported.attribution);
  });

  it("a scheduled activation whose shadow window has begun cannot be submitted (all in the future)", async () => {
    const chain = await setup();
    await chain.block([]);
    // activation 3 blocks ahead with a 4-block shadow epoch: the window would start in the past
    const p = await pass(chain, [activate(GOV, chain.height + 3n + EPOCH, 1)]);
    assert.equal(p.status, 5);
    assert.match(p.failedReason, /not after the current height/);
    assert.equal((await methods(chain)).scheduled, undefined);
  });

  it("a datanet curation dispute is decided by proposal: the challenge is upheld as the gov authority", async () => {
    const chain = await setup();
    await datanet(chain);
    const ch = await chain.block([chain.tx(dave, [msgs.challenge({ challenger: dave.bech32, contributionId: 1n, reason: "copied" })])]);
    ok(ch);
    // dave is neither curator nor owner: he cannot resolve it himself
    const self = await chain.block([chain.tx(dave, [msgs.resolve({ authority: dave.bech32, challengeId: 1n, uphold: true, reason: "" })])]);
    assert.notEqual(self.txResults[0]?.code, 0);
    const p = await pass(chain, [msgs.resolve({ authority: GOV, challengeId: 1n, uphold: true, reason: "upheld by governance" })]);
    assert.equal(p.status, 3, p.failedReason);
    const c = dq.QueryContributionResponse.decode(await chain.query("/openledger.datanet.v1.Query/Contribution", dq.QueryContributionRequest.encode({ id: 1n }).finish())).contribution;
    assert.equal(c?.status, 4, "SLASHED");
    const chal = dq.QueryChallengeResponse.decode(await chain.query("/openledger.datanet.v1.Query/Challenge", dq.QueryChallengeRequest.encode({ id: 1n }).finish())).challenge;
    assert.ok(chal !== undefined);
  });

  it("compute-provider approvals are decided by proposal: a suspended provider gets no new jobs; with approval required only approved ones do", async () => {
    const chain = await setup();
    await model(chain, await datanet(chain));
    const C = "/openledger.compute.v1.";
    const register = (who: TestKey, n: number) =>
      chain.tx(who, [anyOf("MsgRegisterProvider", ctx_.MsgRegisterProvider, { provider: who.bech32, bond: { denom: "uopen", amount: "2000000" }, capabilities: { accelerator: "cpu", memoryBytes: 1n << 30n, maxBatch: 8, endpoint: `http://p${n}.example:9000` }, attestationPubkey: sha256(utf8(`att${n}`)), attestationKeyType: "ed25519", moniker: `p${n}` }, C)]);
    ok(await chain.block([register(carol, 1), register(dave, 2)]), 0);
    const request = () => chain.tx(erin, [anyOf("MsgRequestInference", ctx_.MsgRequestInference, { requester: erin.bech32, modelId: 1n, input: new Uint8Array(Float32Array.from([1, 0.1, 0, 0]).buffer), maxFee: { denom: "uopen", amount: "100000" } }, C)]);
    const jobProvider = async (id: bigint) => cq.QueryJobResponse.decode(await chain.query(`${C}Query/Job`, cq.QueryJobRequest.encode({ id }).finish())).job!;
    const approval = async (who: TestKey) => cap.QueryProviderApprovalResponse.decode(await chain.query(`${C}Query/ProviderApproval`, cap.QueryProviderApprovalRequest.encode({ provider: who.bech32 }).finish()));
    const setApproval = (authority: string, who: TestKey, status: number) => anyOf("MsgSetProviderApproval", cap.MsgSetProviderApproval, { authority, provider: who.bech32, status, reason: "review" }, C);

    // only the gov authority decides
    const direct = await chain.block([chain.tx(erin, [setApproval(erin.bech32, carol, cap.ApprovalStatus.APPROVAL_STATUS_SUSPENDED)])]);
    assert.equal(`${direct.txResults[0]?.codespace}:${direct.txResults[0]?.code}`, "sdk:4");
    assert.equal((await approval(carol)).eligible, true);

    const s1 = await pass(chain, [setApproval(GOV, carol, cap.ApprovalStatus.APPROVAL_STATUS_SUSPENDED)]);
    assert.equal(s1.status, 3, s1.failedReason);
    assert.equal((await approval(carol)).eligible, false);
    assert.equal((await approval(carol)).approval?.status, cap.ApprovalStatus.APPROVAL_STATUS_SUSPENDED);
    // five jobs: all to dave (carol is suspended; by chance alone 1 in 32)
    for (let i = 0; i < 5; i++) ok(await chain.block([request()]));
    for (const id of [1n, 2n, 3n, 4n, 5n]) assert.equal((await jobProvider(id)).provider, dave.bech32);

    // approval required, carol approved (the suspension lifted): new jobs go to carol only
    const s2 = await pass(chain, [anyOf("MsgSetApprovalRequired", cap.MsgSetApprovalRequired, { authority: GOV, required: true }, C), setApproval(GOV, carol, cap.ApprovalStatus.APPROVAL_STATUS_APPROVED)]);
    assert.equal(s2.status, 3, s2.failedReason);
    const a = await approval(dave);
    assert.equal(a.approvalRequired, true);
    assert.equal(a.eligible, false);
    assert.equal((await approval(carol)).eligible, true);
    for (let i = 0; i < 5; i++) ok(await chain.block([request()]));
    for (const id of [6n, 7n, 8n, 9n, 10n]) assert.equal((await jobProvider(id)).provider, carol.bech32);
    const all = cap.QueryProviderApprovalsResponse.decode(await chain.query(`${C}Query/ProviderApprovals`, cap.QueryProviderApprovalsRequest.encode({}).finish()));
    assert.deepEqual(all.approvals.map((x) => [x.provider, x.status]), [[carol.bech32, cap.ApprovalStatus.APPROVAL_STATUS_APPROVED]]);
    // in the compute genesis ("provider_approvals"), and back
    const exported = await chain.app.exportGenesis();
    assert.deepEqual((exported.compute as any).provider_approvals.approval_required, true);
    const again = await createTestChain({ editGenesis: (g) => Object.assign(g, JSON.parse(JSON.stringify(exported))) });
    await again.block([]);
    assert.deepEqual((await again.app.exportGenesis()).compute, exported.compute);
  });
});
