/**
 * compute through real blocks: providers bond into the module account, an inference request escrows
 * its fee and is assigned at the end of its block (block hash, bond × reputation), an attested result
 * goes to the validators' verdict (vote extensions, injected here as the consensus plumbing would
 * deliver them): ≥2/3 MATCH pays the split and writes a PoA receipt, ≥2/3 MISMATCH slashes the bond
 * and reassigns the job; a silent provider's job is reassigned after its deadline; rejected txs change
 * no state; the invariants (bank supply, compute escrow) hold after every block.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ed25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { QueryTotalSupplyRequest, QueryTotalSupplyResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { moduleAddress, accAddressToString } from "../../../modules/core/address.ts";
import { utf8 } from "../../../modules/core/bytes.ts";
import { sha256 } from "../../../modules/core/hash.ts";
import { type ComputeVerifier, type ExtensionVote, type TeeQuote, type VerdictSource, type VerificationTask, chooseProvider, encodeTeeQuote, inferenceOutputHash, resultHash, teeQuoteDigest } from "../../../modules/compute/index.ts";
import { decodeVoteExtension } from "../../../modules/core/voteExtension.ts";
import * as atx from "../../../proto/gen/openledger/attribution/v1/tx.ts";
import * as aq from "../../../proto/gen/openledger/attribution/v1/query.ts";
import * as ctx_ from "../../../proto/gen/openledger/compute/v1/tx.ts";
import * as cq from "../../../proto/gen/openledger/compute/v1/query.ts";
import { type CanonicalResult, ComputeVoteExtension, type Job, JobStatus, type Provider, Verdict } from "../../../proto/gen/openledger/compute/v1/types.ts";
import { Gating } from "../../../proto/gen/openledger/datanet/v1/types.ts";
import * as dtx from "../../../proto/gen/openledger/datanet/v1/tx.ts";
import { type World, anyOf, createWorld, decodeResponse, item, msgs, schema } from "../datanet/helpers.ts";

const A = "/openledger.attribution.v1.";
const C = "/openledger.compute.v1.";
const cmsg = {
  register: (v: Partial<ctx_.MsgRegisterProvider>) => anyOf("MsgRegisterProvider", ctx_.MsgRegisterProvider, v, C),
  update: (v: Partial<ctx_.MsgUpdateProvider>) => anyOf("MsgUpdateProvider", ctx_.MsgUpdateProvider, v, C),
  unbond: (v: Partial<ctx_.MsgUnbondProvider>) => anyOf("MsgUnbondProvider", ctx_.MsgUnbondProvider, v, C),
  request: (v: Partial<ctx_.MsgRequestInference>) => anyOf("MsgRequestInference", ctx_.MsgRequestInference, v, C),
  requestJob: (v: Partial<ctx_.MsgRequestJob>) => anyOf("MsgRequestJob", ctx_.MsgRequestJob, v, C),
  submit: (v: Partial<ctx_.MsgSubmitResult>) => anyOf("MsgSubmitResult", ctx_.MsgSubmitResult, v, C),
};

/** what the test pushes is applied in the next block's BeginBlock, as the previous height's extensions. */
function queueVerdicts(): VerdictSource & { push(votes: ExtensionVote[], total: bigint): void } {
  let next: { votes: ExtensionVote[]; totalPower: bigint } | undefined;
  return {
    push: (votes, totalPower) => {
      next = { votes, totalPower };
    },
    take() {
      const v = next;
      next = undefined;
      return v;
    },
  };
}

const POINTS: { who: string; f: number[]; label: number }[] = [
  { who: "carol", f: [10, 0, 0, 0], label: 0 },
  { who: "carol", f: [11, 1, 0, 0], label: 0 },
  { who: "dave", f: [0, 10, 0, 0], label: 1 },
  { who: "dave", f: [1, 11, 0, 0], label: 1 },
  { who: "alice", f: [0, 0, 10, 0], label: 2 },
  { who: "alice", f: [0, 1, 10, 0], label: 2 },
];

function rows(vs: readonly (readonly number[])[]): Uint8Array {
  const out = new Uint8Array(vs.length * (vs[0]?.length ?? 0) * 2);
  const dv = new DataView(out.buffer);
  let o = 0;
  for (const v of vs) for (const x of v) (dv.setInt16(o, x, true), (o += 2));
  return out;
}

const ONNX = sha256(utf8("onnx artifact"));
const CKPT = sha256(utf8("ck1"));
// provider attestation keys: carol signs with secp256k1, dave with ed25519
const CAROL_ATT = sha256(utf8("carol attestation"));
const DAVE_ATT = sha256(utf8("dave attestation")).subarray(0, 32);
const attKey = {
  carol: { type: "secp256k1", pub: secp256k1.getPublicKey(CAROL_ATT, true), sign: (d: Uint8Array) => secp256k1.sign(d, CAROL_ATT, { prehash: false, lowS: true, format: "compact" }) },
  dave: { type: "ed25519", pub: ed25519.getPublicKey(DAVE_ATT), sign: (d: Uint8Array) => ed25519.sign(d, DAVE_ATT) },
} as const;

async function setup(verifier?: ComputeVerifier, withIndex = true) {
  const verdicts = queueVerdicts();
  const w = await createWorld({ epochBlocks: 100, appOptions: { computeVerdictSource: verdicts, ...(verifier !== undefined ? { computeVerifier: verifier } : {}) } });
  const a = w.actors;
  await w.ok("alice", [msgs.create({ owner: a.alice!.address, name: "clusters", schema: schema(4, 3), gating: Gating.GATING_OPEN })]);
  for (const who of ["carol", "dave", "alice"]) {
    await w.ok(who, [msgs.contribute({ contributor: a[who]!.address, datanetId: 1n, items: POINTS.filter((p) => p.who === who).map((p) => item(p.f, p.label, "1000")) })]);
  }
  const snap = decodeResponse(await w.ok("alice", [msgs.snapshot({ creator: a.alice!.address, datanetId: 1n })]), dtx.MsgSnapshotResponse);
  const bob = a.bob!.address;
  await w.ok("bob", [
    anyOf("MsgRegisterModel", atx.MsgRegisterModel, {
      owner: bob,
      name: "head-v1",
      snapshotId: snap.snapshotId,
      snapshotRoot: snap.root,
      onnxHash: ONNX,
      trainingConfigHash: sha256(utf8("cfg")),
      checkpointHashes: [sha256(utf8("ck0")), CKPT],
      feePolicy: { dataBps: 7000, trainerBps: 1000, providerBps: 1500, communityBps: 300, burnBps: 200 },
      embeddingDim: 4,
      tau: 20_000n,
    }, A),
  ]);
  const entries = await w.entries(snap.snapshotId);
  const byId = new Map<bigint, (typeof POINTS)[number]>();
  let id = 1n;
  for (const who of ["carol", "dave", "alice"]) for (const p of POINTS.filter((x) => x.who === who)) byId.set(id++, p);
  const vecs = entries.map((e) => byId.get(e.contributionId)!.f.map((x) => x * 100));
  if (withIndex) await w.ok("bob", [anyOf("MsgSetEmbeddingIndex", atx.MsgSetEmbeddingIndex, { owner: bob, modelId: 1n, start: 0n, vectors: rows(vecs) }, A)]);
  return { w, verdicts, vecs };
}

const registerMsg = (w: World, who: "carol" | "dave", bond = "2000000") =>
  cmsg.register({ provider: w.actors[who]!.address, bond: { denom: "uopen", amount: bond }, capabilities: { accelerator: "cpu", memoryBytes: 1n << 30n, maxBatch: 8, endpoint: `http://${who}.example:9000` }, attestationPubkey: attKey[who].pub, attestationKeyType: attKey[who].type, moniker: who });

const f32 = (xs: number[]) => new Uint8Array(Float32Array.from(xs).buffer);

async function job(w: World, id: bigint): Promise<Job> {
  return (await w.query(`${C}Query/Job`, cq.QueryJobRequest, { id }, cq.QueryJobResponse)).job!;
}
async function provider(w: World, who: string): Promise<Provider> {
  return (await w.query(`${C}Query/Provider`, cq.QueryProviderRequest, { address: w.actors[who]!.address }, cq.QueryProviderResponse)).provider!;
}

/** the canonical result of an inference with the given embedding and label, signed by `who`. */
function attested(w: World, j: Job, who: "carol" | "dave", emb: number[], label: number, over: Partial<CanonicalResult> = {}) {
  const qe = rows([emb]);
  const result: CanonicalResult = { modelArtifactHash: ONNX, checkpointHash: CKPT, inputHash: j.inputHash, outputHash: inferenceOutputHash(qe, label), predictedLabel: label, queryEmbedding: qe, checkpointChain: [], trainedArtifactHash: new Uint8Array(0), ...over };
  const digest = resultHash(w.chain.chainId, j.id, result);
  return { result, digest, attestation: attKey[who].sign(digest) };
}

const ext = (jobId: bigint, hash: Uint8Array, v: Verdict) => ComputeVoteExtension.encode({ verdicts: [{ jobId, resultHash: hash, verdict: v }] }).finish();
const vote = (n: number, power: bigint, extension: Uint8Array): ExtensionVote => ({ validator: new Uint8Array(20).fill(n), power, extension });

/** the module state plus every balance: what a rejected tx must leave unchanged. */
async function snapshotState(w: World): Promise<string> {
  const g = await w.chain.app.exportGenesis();
  return JSON.stringify({ c: g.compute, a: g.attribution, b: g.bank });
}

async function totalSupplyEqualsBalances(w: World): Promise<void> {
  const g = (await w.chain.app.exportGenesis()) as any;
  let sum = 0n;
  for (const b of g.bank.balances) for (const c of b.coins) if (c.denom === "uopen") sum += BigInt(c.amount);
  const r = await w.chain.query("/cosmos.bank.v1beta1.Query/TotalSupply", QueryTotalSupplyRequest.encode({}).finish());
  const supply = QueryTotalSupplyResponse.decode(r.value).supply.find((c) => c.denom === "uopen");
  assert.equal(sum, BigInt(supply?.amount ?? "0"), "Σ balances (module accounts included) = total supply");
}

describe("compute through blocks", () => {
  it("register, request (fee escrowed), assignment from the block hash, attested result, ≥2/3 MATCH pays the split and writes a receipt", async () => {
    const { w, verdicts } = await setup();
    const escrow = accAddressToString(moduleAddress("compute"));
    await w.ok("carol", [registerMsg(w, "carol")]);
    await w.ok("dave", [registerMsg(w, "dave")]);
    assert.equal(await w.chain.balance(escrow), 4_000_000n);
    assert.equal((await provider(w, "dave")).reputation, 1000);

    const erin = w.actors.erin!.address;
    const before = await w.chain.balance(erin);
    const r = await w.ok("erin", [cmsg.request({ requester: erin, modelId: 1n, input: f32([1, 0.1, 0, 0]), maxFee: { denom: "uopen", amount: "100000" } })]);
    assert.equal(decodeResponse(r, ctx_.MsgRequestInferenceResponse).jobId, 1n);
    assert.equal(await w.chain.balance(erin), before - 100_000n - 10_000n, "fee escrowed (+ gas fee)");
    assert.equal(await w.chain.balance(escrow), 4_100_000n);
    let j = await job(w, 1n);
    assert.equal(j.status, JobStatus.JOB_STATUS_ASSIGNED);
    assert.equal(j.attempts, 1);
    // the assignment is the weighted draw from this block's hash, recomputable by anyone
    const provs = (await w.query(`${C}Query/Providers`, cq.QueryProvidersRequest, {}, cq.QueryProvidersResponse)).providers;
    const hash = new Uint8Array(32).fill(Number(w.chain.height % 256n));
    assert.equal(j.provider, chooseProvider(provs, hash, 1n, 0)!.address);
    const who = j.provider === w.actors.carol!.address ? "carol" : "dave";
    const other = who === "carol" ? "dave" : "carol";

    // jobs by provider / status
    const mine = await w.query(`${C}Query/Jobs`, cq.QueryJobsRequest, { provider: j.provider }, cq.QueryJobsResponse);
    assert.deepEqual(mine.jobs.map((x) => x.id), [1n]);
    const assigned = await w.query(`${C}Query/Jobs`, cq.QueryJobsRequest, { status: JobStatus.JOB_STATUS_ASSIGNED }, cq.QueryJobsResponse);
    assert.equal(assigned.jobs.length, 1);

    const { result, digest, attestation } = attested(w, j, who, [1000, 100, 0, 0], 0);
    const sub = await w.ok(who, [cmsg.submit({ provider: w.actors[who]!.address, jobId: 1n, result, attestation })]);
    assert.deepEqual(decodeResponse(sub, ctx_.MsgSubmitResultResponse).resultHash, digest);
    j = await job(w, 1n);
    assert.equal(j.status, JobStatus.JOB_STATUS_SUBMITTED);

    // a third of the power against, two thirds exactly for: not more than 2/3 → no decision
    verdicts.push([vote(1, 2n, ext(1n, digest, Verdict.VERDICT_MATCH)), vote(2, 1n, ext(1n, digest, Verdict.VERDICT_MISMATCH))], 3n);
    await w.chain.block([]);
    assert.equal((await job(w, 1n)).status, JobStatus.JOB_STATUS_SUBMITTED);
    await totalSupplyEqualsBalances(w);

    const bob = w.actors.bob!.address;
    const bal = async (n: string) => w.chain.balance(w.actors[n]!.address);
    const pre = { bob: await bal("bob"), carol: await bal("carol"), dave: await bal("dave"), alice: await bal("alice") };
    verdicts.push([vote(1, 3n, ext(1n, digest, Verdict.VERDICT_MATCH)), vote(2, 1n, ext(1n, digest, Verdict.VERDICT_MISMATCH))], 4n);
    const res = await w.chain.block([]);
    j = await job(w, 1n);
    assert.equal(j.status, JobStatus.JOB_STATUS_ACCEPTED);
    assert.ok(j.receiptId > 0n);
    assert.ok(res.events.some((e) => e.type === "openledger.compute.v1.EventJobAccepted"));
    const receipt = (await w.query(`${A}Query/Receipt`, aq.QueryReceiptRequest, { id: j.receiptId }, aq.QueryReceiptResponse)).receipt!;
    assert.equal(receipt.fee?.amount, "100000", "attribution values the whole fee");
    // fee 100000 under the model's policy: contributors 70000 (vesting in treasury), trainer 10000 (bob), provider 15000, community 3000, burn 2000
    const post = { bob: await bal("bob"), carol: await bal("carol"), dave: await bal("dave"), alice: await bal("alice") };
    assert.equal(post.bob - pre.bob, 10_000n);
    assert.equal(post[who] - pre[who], 15_000n, "the provider's part");
    assert.equal(await w.chain.balance(escrow), 4_000_000n, "only the bonds remain in escrow");
    assert.ok(receipt.shares.length > 0, "contributors credited");
    assert.equal((await provider(w, who)).reputation, 1010);
    assert.equal((await provider(w, who)).jobsAccepted, 1n);
    await totalSupplyEqualsBalances(w);
  });

  it("a wrong result rejected by ≥2/3 slashes the bond and reassigns the job to another provider; a silent provider loses the job at its deadline", async () => {
    const { w, verdicts } = await setup();
    await w.ok("carol", [registerMsg(w, "carol")]);
    await w.ok("dave", [registerMsg(w, "dave")]);
    const erin = w.actors.erin!.address;
    await w.ok("erin", [cmsg.request({ requester: erin, modelId: 1n, input: f32([0, 1, 0, 0]), maxFee: { denom: "uopen", amount: "5000" } })]);
    let j = await job(w, 1n);
    const cheat = j.provider === w.actors.carol!.address ? "carol" : "dave";
    const honest = cheat === "carol" ? "dave" : "carol";
    const supply0 = BigInt((await w.chain.app.exportGenesis() as any).bank.supply.find((c: any) => c.denom === "uopen").amount);
    const { result, digest, attestation } = attested(w, j, cheat, [0, 0, 1000, 0], 2);
    await w.ok(cheat, [cmsg.submit({ provider: w.actors[cheat]!.address, jobId: 1n, result, attestation })]);
    verdicts.push([vote(1, 10n, ext(1n, digest, Verdict.VERDICT_MISMATCH))], 10n);
    const res = await w.chain.block([]);
    assert.ok(res.events.some((e) => e.type === "openledger.compute.v1.EventResultRejected"));
    const p = await provider(w, cheat);
    assert.equal(p.bond, "1800000", "10% of the bond slashed");
    assert.equal(p.reputation, 500);
    assert.equal(p.jobsRejected, 1n);
    const supply1 = BigInt((await w.chain.app.exportGenesis() as any).bank.supply.find((c: any) => c.denom === "uopen").amount);
    assert.equal(supply0 - supply1, 200_000n, "the slashed part is burned");
    j = await job(w, 1n);
    assert.equal(j.status, JobStatus.JOB_STATUS_ASSIGNED, "reassigned in the same block");
    assert.equal(j.provider, w.actors[honest]!.address, "never to the excluded cheat");
    assert.deepEqual(j.excluded, [w.actors[cheat]!.address]);
    assert.equal(j.attempts, 2);
    await totalSupplyEqualsBalances(w);

    // the honest provider stays silent: after the deadline (20 blocks) it loses the job and reputation;
    // no provider is left → the job waits, then fails with a refund
    const deadline = j.deadlineHeight;
    await w.advanceTo(deadline);
    assert.equal((await job(w, 1n)).status, JobStatus.JOB_STATUS_ASSIGNED);
    const erinBefore = await w.chain.balance(erin);
    await w.chain.block([]);
    j = await job(w, 1n);
    const hp = await provider(w, honest);
    assert.equal(hp.jobsMissed, 1n);
    assert.equal(hp.reputation, 900);
    assert.equal(j.status, JobStatus.JOB_STATUS_PENDING, "no eligible provider left: pending");
    assert.deepEqual([...j.excluded].sort(), [w.actors[cheat]!.address, w.actors[honest]!.address].sort());
    await w.advanceTo(j.createdHeight + 60n); // deadline 20 blocks × 3 attempts
    j = await job(w, 1n);
    assert.equal(j.status, JobStatus.JOB_STATUS_FAILED);
    assert.equal(await w.chain.balance(erin), erinBefore + 5000n, "fee refunded");
    await totalSupplyEqualsBalances(w);
  });

  it("rejected txs change no state: low bond, bad key, duplicate provider, unready model, wrong signer, forged attestation, wrong input hash, late result", async () => {
    const { w } = await setup();
    const fails = async (who: string, m: Any[], code: string, what: string) => {
      const before = await snapshotState(w);
      const r = await w.run(who, m);
      assert.equal(`${r.codespace}:${r.code}`, code, `${what}: ${r.log}`);
      const after = JSON.parse(await snapshotState(w));
      const b = JSON.parse(before);
      assert.deepEqual(after.c, b.c, `${what}: compute state changed`);
      assert.deepEqual(after.a, b.a, `${what}: attribution state changed`);
    };
    await fails("carol", [registerMsg(w, "carol", "10")], "compute:4", "bond below min");
    await fails("carol", [cmsg.register({ provider: w.actors.carol!.address, bond: { denom: "uopen", amount: "2000000" }, capabilities: { accelerator: "cpu", memoryBytes: 1n, maxBatch: 1, endpoint: "" }, attestationPubkey: new Uint8Array(33), attestationKeyType: "secp256k1" })], "compute:5", "bad key");
    await w.ok("carol", [registerMsg(w, "carol")]);
    await fails("carol", [registerMsg(w, "carol")], "compute:3", "duplicate");
    const erin = w.actors.erin!.address;
    await fails("erin", [cmsg.request({ requester: erin, modelId: 9n, input: f32([1, 0, 0, 0]), maxFee: { denom: "uopen", amount: "10" } })], "compute:8", "unknown model");
    await fails("erin", [cmsg.request({ requester: erin, modelId: 1n, input: new Uint8Array(3), maxFee: { denom: "uopen", amount: "10" } })], "compute:10", "not float32");
    await w.ok("erin", [cmsg.request({ requester: erin, modelId: 1n, input: f32([1, 0, 0, 0]), maxFee: { denom: "uopen", amount: "10" } })]);
    const j = await job(w, 1n);
    assert.equal(j.provider, w.actors.carol!.address, "the only provider");
    const good = attested(w, j, "carol", [1000, 0, 0, 0], 0);
    await fails("dave", [cmsg.submit({ provider: w.actors.dave!.address, jobId: 1n, result: good.result, attestation: good.attestation })], "compute:12", "not the assignee");
    const forged = attested(w, j, "dave", [1000, 0, 0, 0], 0);
    await fails("carol", [cmsg.submit({ provider: w.actors.carol!.address, jobId: 1n, result: forged.result, attestation: forged.attestation })], "compute:16", "signed by another key");
    const wrongInput = attested(w, j, "carol", [1000, 0, 0, 0], 0, { inputHash: sha256(utf8("other")) });
    await fails("carol", [cmsg.submit({ provider: w.actors.carol!.address, jobId: 1n, result: wrongInput.result, attestation: wrongInput.attestation })], "compute:15", "wrong input hash");
    const badOut = attested(w, j, "carol", [1000, 0, 0, 0], 0, { outputHash: sha256(utf8("x")) });
    await fails("carol", [cmsg.submit({ provider: w.actors.carol!.address, jobId: 1n, result: badOut.result, attestation: badOut.attestation })], "compute:15", "output hash not of the embedding");
    await w.advanceTo(j.deadlineHeight);
    const late = await w.run("carol", [cmsg.submit({ provider: w.actors.carol!.address, jobId: 1n, result: good.result, attestation: good.attestation })]);
    assert.notEqual(late.code, 0, "past the deadline the job was taken away");
    await totalSupplyEqualsBalances(w);
  });
});

describe("compute TEE quotes", () => {
  it("a present quote must be well-formed, carry the result hash as report data and be signed by the provider's attestation key (compute:31, no state change); a valid one is stored with the result", async () => {
    const { w } = await setup();
    await w.ok("carol", [registerMsg(w, "carol")]);
    const erin = w.actors.erin!.address;
    await w.ok("erin", [cmsg.request({ requester: erin, modelId: 1n, input: f32([1, 0, 0, 0]), maxFee: { denom: "uopen", amount: "10" } })]);
    const j = await job(w, 1n);
    const good = attested(w, j, "carol", [1000, 0, 0, 0], 0);
    const quote = (over: Partial<Omit<TeeQuote, "signature">> = {}, signer: "carol" | "dave" = "carol") => {
      const q = { teeType: 1, measurement: new Uint8Array(48).fill(7), reportData: good.digest, evidence: utf8("the vendor's DCAP quote, opaque"), ...over };
      return encodeTeeQuote({ ...q, signature: attKey[signer].sign(teeQuoteDigest(q)) });
    };
    const submit = (teeQuote: Uint8Array) => [cmsg.submit({ provider: w.actors.carol!.address, jobId: 1n, result: good.result, attestation: good.attestation, teeQuote })];
    const fails = async (teeQuote: Uint8Array, code: string, what: string) => {
      const before = await snapshotState(w);
      const r = await w.run("carol", submit(teeQuote));
      assert.equal(`${r.codespace}:${r.code}`, code, `${what}: ${r.log}`);
      const after = JSON.parse(await snapshotState(w));
      assert.deepEqual([after.c, after.a], [JSON.parse(before).c, JSON.parse(before).a], `${what}: compute or attribution state changed (the fee is paid)`);
    };
    const valid = quote();
    await fails(utf8("not a quote"), "compute:31", "garbage");
    await fails(valid.subarray(0, valid.length - 1), "compute:31", "truncated");
    await fails(Uint8Array.from([...valid, 0]), "compute:31", "trailing byte");
    await fails(Uint8Array.from(valid, (x, i) => (i === 4 ? 2 : x)), "compute:31", "version 2");
    await fails(Uint8Array.from(valid, (x, i) => (i === 5 ? 9 : x)), "compute:31", "unknown tee type");
    await fails(quote({ reportData: sha256(utf8("another result")) }), "compute:31", "bound to another result");
    await fails(quote({}, "dave"), "compute:31", "signed by another key");
    await fails(Uint8Array.from(valid, (x, i) => (i === 20 ? x ^ 1 : x)), "compute:31", "measurement changed after signing");
    await w.ok("carol", submit(valid));
    const stored = await job(w, 1n);
    assert.equal(stored.status, JobStatus.JOB_STATUS_SUBMITTED);
    assert.deepEqual(stored.teeQuote, valid);
  });
});

describe("compute embedding-index jobs", () => {
  it("the provider computes the index (its rows a blob, their sha256 in the result); the replay gets rows sampled from the block hash; on ≥2/3 MATCH the index becomes the provider's: only it stores the rows, which must hash to the accepted result", async () => {
    const seen: VerificationTask[] = [];
    const verifier: ComputeVerifier = {
      async verify(tasks) {
        seen.push(...tasks);
        return tasks.map((t) => ({ jobId: t.jobId, resultHash: t.resultHash, match: true }));
      },
    };
    const { w, verdicts, vecs } = await setup(verifier, false);
    await w.ok("carol", [registerMsg(w, "carol")]);
    const bob = w.actors.bob!.address;
    const carol = w.actors.carol!.address;
    await w.ok("bob", [cmsg.requestJob({ requester: bob, jobType: 2, modelId: 1n, maxFee: { denom: "uopen", amount: "50000" } })]);
    const j = await job(w, 1n);
    assert.equal(j.status, JobStatus.JOB_STATUS_ASSIGNED);
    const vectors = rows(vecs);
    const mk = (outputHash: Uint8Array, predictedLabel = 0) => {
      const result: CanonicalResult = { modelArtifactHash: ONNX, checkpointHash: CKPT, inputHash: j.inputHash, outputHash, predictedLabel, queryEmbedding: new Uint8Array(0), checkpointChain: [], trainedArtifactHash: new Uint8Array(0) };
      const digest = resultHash(w.chain.chainId, 1n, result);
      return { result, digest, attestation: attKey.carol.sign(digest) };
    };
    const labelled = mk(sha256(vectors), 1);
    const r = await w.run("carol", [cmsg.submit({ provider: carol, jobId: 1n, result: labelled.result, attestation: labelled.attestation })]);
    assert.equal(`${r.codespace}:${r.code}`, "compute:15", "an index result carries only output_hash");
    const good = mk(sha256(vectors));
    await w.ok("carol", [cmsg.submit({ provider: carol, jobId: 1n, result: good.result, attestation: good.attestation })]);
    const hash = sha256(utf8("block to vote on"));
    const ev = await w.chain.app.extendVote({ hash, height: w.chain.height + 1n, time: { seconds: 0n, nanos: 0 }, txs: [], proposedLastCommit: { round: 0, votes: [] }, misbehavior: [], nextValidatorsHash: new Uint8Array(32), proposerAddress: new Uint8Array(20) });
    assert.equal(seen.length, 1);
    const t = seen[0]!;
    assert.equal(t.jobId, 1n);
    assert.deepEqual(t.index?.rows, [0, 1, 2, 3, 4, 5], "16 samples of a 6-row index: every row");
    assert.equal(t.index?.numPoints, 6);
    assert.deepEqual(t.result.outputHash, sha256(vectors), "the replay fetches the provider's rows by output_hash");
    // each input is the leaf's features (the provider's row i is features × 100 here)
    for (let i = 0; i < 6; i++) {
      const raw: Uint8Array = t.index!.inputs[i]!;
      const f: Int16Array = new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + 8));
      assert.deepEqual([...f].map((x) => x * 100), vecs[i]);
    }
    const entry = decodeVoteExtension(ev.voteExtension)?.find((e) => e.module === "compute");
    assert.ok(entry, "the compute part of the vote extension");
    const dec = ComputeVoteExtension.decode(entry.data);
    assert.deepEqual(dec.verdicts.map((v) => [v.jobId, v.verdict]), [[1n, Verdict.VERDICT_MATCH]]);
    const before = await w.chain.balance(carol);
    verdicts.push([vote(1, 1n, entry.data)], 1n);
    await w.chain.block([]);
    assert.equal((await job(w, 1n)).status, JobStatus.JOB_STATUS_ACCEPTED);
    assert.equal(await w.chain.balance(carol), before + 50_000n, "an index job's fee goes to its provider");
    const model = async () => (await w.query(`${A}Query/Model`, aq.QueryModelRequest, { id: 1n }, aq.QueryModelResponse)).model!;
    let m = await model();
    assert.equal(m.indexBuilder, carol);
    assert.deepEqual(m.indexVectorsHash, sha256(vectors));
    // the index is the provider's now: the owner may not store rows, the builder's rows must be the accepted ones
    const setIndex = (owner: string, v: Uint8Array, start = 0n) => anyOf("MsgSetEmbeddingIndex", atx.MsgSetEmbeddingIndex, { owner, modelId: 1n, start, vectors: v }, A);
    const byOwner = await w.run("bob", [setIndex(bob, vectors)]);
    assert.equal(`${byOwner.codespace}:${byOwner.code}`, "attribution:11");
    const wrong = Uint8Array.from(vectors);
    wrong[wrong.length - 1] = (wrong[wrong.length - 1] as number) ^ 1;
    await w.ok("carol", [setIndex(carol, wrong.subarray(0, 16))]);
    const reset = await w.run("carol", [setIndex(carol, wrong.subarray(16), 2n)]);
    assert.equal(reset.code, 0);
    assert.ok(reset.events.some((e) => e.type === "openledger.attribution.v1.EventEmbeddingIndexReset"), "rows that do not hash to the accepted index are dropped");
    m = await model();
    assert.equal(m.indexComplete, false);
    assert.equal(m.indexedPoints, 0n);
    await w.ok("carol", [setIndex(carol, vectors)]);
    m = await model();
    assert.equal(m.indexComplete, true);
    // a complete index takes no further index job; inferences on it are accepted
    const again = await w.run("bob", [cmsg.requestJob({ requester: bob, jobType: 2, modelId: 1n, maxFee: { denom: "uopen", amount: "50000" } })]);
    assert.equal(`${again.codespace}:${again.code}`, "compute:30");
    await w.ok("bob", [cmsg.request({ requester: bob, modelId: 1n, input: f32([1, 0, 0, 0]), maxFee: { denom: "uopen", amount: "1000" } })]);
    await totalSupplyEqualsBalances(w);
  });
});

describe("compute training jobs through blocks", () => {
  it("owner-only, config checked at request; the result commits to its chain and trained artifact; the validators' replay decides: MATCH moves the model to the trained head, a forged segment is slashed", async () => {
    // a real base artifact (4 → 4 → 3) behind the world's model hash, and the real OnnxVerifier over a blob map
    const { buildMlpModel, randomDense } = await import("../../../node/onnx/builder.ts");
    const { createRng } = await import("../../../modules/attribution/engine/testing/reference.ts");
    const { OnnxVerifier } = await import("../../../node/provider/verifier.ts");
    const { runTrainingJob, trainedArtifact } = await import("../../../node/provider/training.ts");
    const { encodeTrainingConfig } = await import("../../../modules/compute/training.ts");
    const rng = createRng(3);
    const base = buildMlpModel({ hidden: [randomDense(4, 4, rng.float)], head: randomDense(4, 3, rng.float) });
    const blobs = new Map<string, Uint8Array>([[Buffer.from(ONNX).toString("hex"), base]]);
    const blobSource = { get: async (h: string) => blobs.get(h), put: async (b: Uint8Array) => (blobs.set(Buffer.from(sha256(b)).toString("hex"), b), Buffer.from(sha256(b)).toString("hex")) };
    const { w, verdicts } = await setup(new OnnxVerifier({ blobs: blobSource, budgetMs: 60_000 }));
    await w.ok("carol", [registerMsg(w, "carol")]);
    const bob = w.actors.bob!.address;
    const fee = { denom: "uopen", amount: "70000" };
    // (a tx refused in a block still pays its gas fee: compare the compute and attribution state)
    const modState = async () => {
      const g = JSON.parse(await snapshotState(w)) as { c: unknown; a: unknown };
      return JSON.stringify({ c: g.c, a: g.a });
    };
    const fails = async (who: string, m: Any[], code: string, what: string) => {
      const pre = await modState();
      const r = await w.run(who, m);
      assert.equal(`${r.codespace}:${r.code}`, code, what);
      assert.ok((await modState()) === pre, `${what}: no state change`);
    };
    await fails("erin", [cmsg.requestJob({ requester: w.actors.erin!.address, jobType: 3, modelId: 1n, maxFee: fee })], "compute:21", "not the model's owner");
    const bad = encodeTrainingConfig({ learningRateQ16: 32768, epochs: 10, batchSize: 2, segments: 4 });
    bad[12] = 3; // batch size 3: not a power of two
    await fails("bob", [cmsg.requestJob({ requester: bob, jobType: 3, modelId: 1n, input: bad, maxFee: fee })], "compute:10", "a bad config");
    await fails("bob", [cmsg.requestJob({ requester: bob, jobType: 3, modelId: 1n, input: encodeTrainingConfig({ learningRateQ16: 32768, epochs: 1, batchSize: 8, segments: 4 }), maxFee: fee })], "compute:10", "fewer steps than segments");
    const config = encodeTrainingConfig({ learningRateQ16: 32768, epochs: 10, batchSize: 2, segments: 4 });
    await w.ok("bob", [cmsg.requestJob({ requester: bob, jobType: 3, modelId: 1n, input: config, maxFee: fee })]);
    const j = await job(w, 1n);
    assert.equal(j.provider, w.actors.carol!.address);
    assert.deepEqual(j.inputHash, sha256(config), "the job commits to its training config");
    // an inference requested now (job 2) runs against the model's artifact of now, even if the head moves
    const erin = w.actors.erin!.address;
    await w.ok("erin", [cmsg.request({ requester: erin, modelId: 1n, input: f32([1, 0.1, 0, 0]), maxFee: { denom: "uopen", amount: "100000" } })]);
    assert.deepEqual((await job(w, 2n)).modelArtifactHash, ONNX, "the job records the artifact it runs against");

    // the provider's run on the model's index (leaf order) and the snapshot labels
    const entries = await w.entries(1n);
    const byId = new Map<bigint, (typeof POINTS)[number]>();
    let id = 1n;
    for (const who of ["carol", "dave", "alice"]) for (const p of POINTS.filter((x) => x.who === who)) byId.set(id++, p);
    const idx = Int16Array.from(entries.flatMap((e) => byId.get(e.contributionId)!.f.map((x) => x * 100)));
    const labels = Int32Array.from(entries.map((e) => byId.get(e.contributionId)!.label));
    // the provider reads the stored index through the IndexChunks query (paged)
    const page1 = await w.query(`${A}Query/IndexChunks`, aq.QueryIndexChunksRequest, { modelId: 1n, pagination: { key: new Uint8Array(0), offset: 0n, limit: 1n, countTotal: true, reverse: false } }, aq.QueryIndexChunksResponse);
    assert.equal(page1.chunks.length, 1);
    assert.equal(page1.pagination?.total, 1n);
    assert.deepEqual(new Int16Array(Uint8Array.from(page1.chunks[0]!.vectors).buffer), idx);
    const run = runTrainingJob(base, 1n, j.input, idx, labels);
    for (const c of run.checkpoints) blobs.set(Buffer.from(sha256(c)).toString("hex"), c);
    const mk = (over: Partial<CanonicalResult>) => {
      const result: CanonicalResult = { modelArtifactHash: ONNX, checkpointHash: CKPT, inputHash: j.inputHash, outputHash: sha256(Buffer.concat(run.chain)), predictedLabel: 0, queryEmbedding: new Uint8Array(0), checkpointChain: run.chain, trainedArtifactHash: run.artifact.sha256, ...over };
      if (over.checkpointChain !== undefined && over.outputHash === undefined) result.outputHash = sha256(Buffer.concat(over.checkpointChain));
      const digest = resultHash(w.chain.chainId, 1n, result);
      return { result, attestation: attKey.carol.sign(digest), digest };
    };
    for (const [what, x] of [
      ["output hash not of the chain", mk({ outputHash: sha256(utf8("x")) })],
      ["a chain of another length than the config's segments + 1", mk({ checkpointChain: run.chain.slice(0, 3) })],
      ["no trained artifact", mk({ trainedArtifactHash: new Uint8Array(0) })],
    ] as const) {
      await fails("carol", [cmsg.submit({ provider: w.actors.carol!.address, jobId: 1n, result: x.result, attestation: x.attestation })], "compute:15", what);
    }
    const good = mk({});
    await w.ok("carol", [cmsg.submit({ provider: w.actors.carol!.address, jobId: 1n, result: good.result, attestation: good.attestation })]);
    assert.equal((await job(w, 1n)).status, JobStatus.JOB_STATUS_SUBMITTED);
    const extend = async () => {
      const ev = await w.chain.app.extendVote({ hash: sha256(utf8(`b${w.chain.height}`)), height: w.chain.height + 1n, time: { seconds: 0n, nanos: 0 }, txs: [], proposedLastCommit: { round: 0, votes: [] }, misbehavior: [], nextValidatorsHash: new Uint8Array(32), proposerAddress: new Uint8Array(20) });
      return decodeVoteExtension(ev.voteExtension)?.find((e) => e.module === "compute")?.data ?? new Uint8Array(0);
    };
    let data = await extend();
    assert.deepEqual(ComputeVoteExtension.decode(data).verdicts.map((v) => [v.jobId, v.verdict]), [[1n, Verdict.VERDICT_MATCH]]);
    assert.ok(blobs.has(Buffer.from(run.artifact.sha256).toString("hex")), "the validator rebuilt the trained artifact into its blob store");
    verdicts.push([vote(1, 1n, data)], 1n);
    await w.chain.block([]);
    assert.equal((await job(w, 1n)).status, JobStatus.JOB_STATUS_ACCEPTED);
    const m = (await w.query(`${A}Query/Model`, aq.QueryModelRequest, { id: 1n }, aq.QueryModelResponse)).model!;
    assert.deepEqual(m.onnxHash, run.artifact.sha256, "the model points to the artifact with the trained head");
    assert.deepEqual(m.checkpointHashes, run.chain, "and to the run's checkpoint chain");
    assert.deepEqual(m.trainingConfigHash, sha256(config));
    assert.ok(m.indexComplete, "its index stays (the embedding part is unchanged)");
    await totalSupplyEqualsBalances(w);
    // the inference requested before the head moved: answered with the old artifact, still accepted at submit
    const { OnnxModel } = await import("../../../node/onnx/service.ts");
    const { runInference } = await import("../../../node/provider/inference.ts");
    const om = await OnnxModel.fromBytes(base);
    const out = await runInference(om, f32([1, 0.1, 0, 0]));
    await om.release();
    const inf = attested(w, await job(w, 2n), "carol", [...out.embedding], out.label);
    await w.ok("carol", [cmsg.submit({ provider: w.actors.carol!.address, jobId: 2n, result: inf.result, attestation: inf.attestation })]);
    assert.equal((await job(w, 2n)).status, JobStatus.JOB_STATUS_SUBMITTED);

    // a second run from the trained artifact; the provider forges the final head (chain and artifact made
    // consistent): the replay of the last segment (all 4 are replayed at this size) refuses it
    await w.ok("bob", [cmsg.requestJob({ requester: bob, jobType: 3, modelId: 1n, input: config, maxFee: fee })]);
    const j2 = await job(w, 3n);
    const trained = blobs.get(Buffer.from(m.onnxHash).toString("hex"))!;
    const run2 = runTrainingJob(trained, 2n, j2.input, idx, labels);
    const forged = Uint8Array.from(run2.checkpoints.at(-1)!);
    forged[0] = forged[0]! ^ 1;
    const chain2 = [...run2.chain.slice(0, -1), sha256(forged)];
    for (const c of [...run2.checkpoints, forged]) blobs.set(Buffer.from(sha256(c)).toString("hex"), c);
    const r2: CanonicalResult = { modelArtifactHash: m.onnxHash, checkpointHash: run.chain.at(-1)!, inputHash: j2.inputHash, outputHash: sha256(Buffer.concat(chain2)), predictedLabel: 0, queryEmbedding: new Uint8Array(0), checkpointChain: chain2, trainedArtifactHash: trainedArtifact(trained, forged).sha256 };
    await w.ok("carol", [cmsg.submit({ provider: w.actors.carol!.address, jobId: 3n, result: r2, attestation: attKey.carol.sign(resultHash(w.chain.chainId, 3n, r2)) })]);
    data = await extend();
    assert.deepEqual(ComputeVoteExtension.decode(data).verdicts.map((v) => [v.jobId, v.verdict]), [[2n, Verdict.VERDICT_MATCH], [3n, Verdict.VERDICT_MISMATCH]], "the old-head inference replayed on its own artifact; the forged head refused");
    verdicts.push([vote(1, 1n, data)], 1n);
    await w.chain.block([]);
    assert.equal((await provider(w, "carol")).jobsRejected, 1n, "the forger is slashed");
    assert.notEqual((await job(w, 3n)).status, JobStatus.JOB_STATUS_ACCEPTED);
    assert.equal((await job(w, 2n)).status, JobStatus.JOB_STATUS_ACCEPTED);
    const m2 = (await w.query(`${A}Query/Model`, aq.QueryModelRequest, { id: 1n }, aq.QueryModelResponse)).model!;
    assert.deepEqual(m2.onnxHash, run.artifact.sha256, "the model keeps the honest head");
    await totalSupplyEqualsBalances(w);
  });
});

describe("compute assignment", () => {
  const prov = (n: number, bond: bigint, reputation: number): Provider => ({
    address: accAddressToString(new Uint8Array(20).fill(n)),
    bond: bond.toString(),
    capabilities: undefined,
    attestationPubkey: new Uint8Array(0),
    attestationKeyType: "",
    reputation,
    status: 1,
    unbondingHeight: 0n,
    jobsAccepted: 0n,
    jobsRejected: 0n,
    jobsMissed: 0n,
    moniker: "",
    registeredHeight: 0n,
  });

  it("is a pure function of (providers, block hash, job id, attempt), weighted by bond × reputation, never a zero weight", () => {
    const ps = [prov(1, 1000n, 1000), prov(2, 3000n, 1000), prov(3, 1_000_000n, 0)];
    const counts = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const h = sha256(utf8(`block ${i}`));
      const a = chooseProvider(ps, h, 7n, 0)!;
      assert.equal(chooseProvider(ps, h, 7n, 0)!.address, a.address, "deterministic");
      counts.set(a.address, (counts.get(a.address) ?? 0) + 1);
    }
    assert.equal(counts.get(ps[2]!.address), undefined, "zero reputation: never chosen");
    const c1 = counts.get(ps[0]!.address) ?? 0;
    const c2 = counts.get(ps[1]!.address) ?? 0;
    assert.equal(c1 + c2, 400);
    assert.ok(c2 > c1 * 2, `3× the weight wins far more often (${c2} vs ${c1})`);
    assert.equal(chooseProvider([prov(1, 0n, 1000)], sha256(utf8("x")), 1n, 0), undefined);
  });
});
