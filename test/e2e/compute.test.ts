/**
 * The paid-inference loop on real processes: a dev-chain node (`openledgerd start`, one validator that
 * replays compute results in its vote extension) and two provider daemons (`openledgerd provider
 * start`, onnxruntime-node). A datanet, a model built from TypeScript (ONNX artifact in the node's
 * blob store), its embedding index; a cheating provider answers first (a wrong label; an index with a
 * corrupted row) and is slashed; a silent provider (OPENLEDGER_TEST_PROVIDER=silent) misses both jobs'
 * deadlines, loses reputation and the jobs; the honest provider completes them: paid inferences accepted,
 * attributed (receipts) and split, and a second model's index computed by the provider, accepted by the
 * sampled replay and stored on chain by it. After the run, Σ all balances (module accounts included) =
 * total supply at every height of the chain.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { accAddressToString, moduleAddress } from "../../modules/core/address.ts";
import { sha256 } from "../../modules/core/hash.ts";
import { attestationKey } from "../../node/provider/attest.ts";
import { featuresToBytes } from "../../node/provider/inference.ts";
import * as dq from "../../proto/gen/openledger/datanet/v1/query.ts";
import * as aq from "../../proto/gen/openledger/attribution/v1/query.ts";
import * as cq from "../../proto/gen/openledger/compute/v1/query.ts";
import { JobStatus } from "../../proto/gen/openledger/compute/v1/types.ts";
import { type ComputeChain, abci, assertConservedEveryBlock, attestationFile, registerProvider, setupModel, startComputeChain, startProvider } from "./computeLoop.ts";
import { rpc, waitFor } from "./harness.ts";

const CHAIN_ID = "openledger-compute-e2e-1";


describe("e2e/compute: node + provider daemons, cheat slashed, paid inferences accepted, attributed and split", () => {
  let c: ComputeChain;
  before(async () => {
    c = await startComputeChain("compute", CHAIN_ID, ["alice", "honest", "cheat", "silent"], {
      // a 40-block answer window (12 s at 300 ms blocks): the daemons share two busy cores with the node and the test
      inference_deadline_blocks: "40",
      index_deadline_blocks: "40",
      training_deadline_blocks: "40",
    });
  });
  after(async () => {
    await c?.close();
  });
  const jobs = async (status: JobStatus = JobStatus.JOB_STATUS_UNSPECIFIED) => (await abci(c.node.rpcUrl, "/openledger.compute.v1.Query/Jobs", cq.QueryJobsRequest.encode(cq.QueryJobsRequest.fromPartial({ status })).finish(), (b) => cq.QueryJobsResponse.decode(b))).jobs;
  const balance = async (a: string) => BigInt((await c.client.dev!.getBalance(a, "uopen")).amount);

  it("runs the loop", { timeout: 300_000 }, async () => {
    const { home, node, addr, tx, job, provider, daemons } = c;
    // model 1: its index set by the owner (computeLoop.setupModel); model 2: the same ONNX on the same
    // snapshot, its index to be computed by a provider (an embedding-index job)
    const onnx = await setupModel(node.rpcUrl, tx, "dev", { dev: addr.dev!, alice: addr.alice! });
    const A = "/openledger.attribution.v1.";
    const snap = (await abci(node.rpcUrl, "/openledger.datanet.v1.Query/Snapshot", dq.QuerySnapshotRequest.encode({ id: 1n }).finish(), (b) => dq.QuerySnapshotResponse.decode(b))).snapshot!;
    await tx("dev", [{ typeUrl: `${A}MsgRegisterModel`, value: { owner: addr.dev, name: "e2e-built-index", snapshotId: 1n, snapshotRoot: snap.root, onnxHash: sha256(onnx), trainingConfigHash: sha256(Buffer.from("cfg")), checkpointHashes: [], feePolicy: { dataBps: 6000, trainerBps: 1500, providerBps: 2000, communityBps: 500, burnBps: 0 }, embeddingDim: 4, tau: 1000n } }]);
    const model = async (id: bigint) => (await abci(node.rpcUrl, `${A}Query/Model`, aq.QueryModelRequest.encode({ id }).finish(), (b) => aq.QueryModelResponse.decode(b))).model!;

    const C = "/openledger.compute.v1.";
    const keys = { cheat: attestationKey("ed25519", sha256(Buffer.from("cheat attestation"))), honest: attestationKey("secp256k1", sha256(Buffer.from("honest attestation"))), silent: attestationKey("secp256k1", sha256(Buffer.from("silent attestation"))) };
    const register = (who: "cheat" | "honest" | "silent") => registerProvider(c, who, keys[who]);
    const unbond = (who: "cheat" | "silent") => tx(who, [{ typeUrl: `${C}MsgUnbondProvider`, value: { provider: addr[who] } }]);
    const attFile = (who: "cheat" | "honest" | "silent") => attestationFile(c, who, keys[who]);
    // every daemon runs from the start (unregistered ones get no jobs): an assigned job must not wait for a process to boot
    const [cheatD, honestD, silentD] = await Promise.all([
      startProvider(home, "cheat", attFile("cheat"), node.rpcUrl, { OPENLEDGER_TEST_PROVIDER: "cheat" }),
      startProvider(home, "honest", attFile("honest"), node.rpcUrl),
      startProvider(home, "silent", attFile("silent"), node.rpcUrl, { OPENLEDGER_TEST_PROVIDER: "silent" }),
    ]);
    daemons.push(cheatD, honestD, silentD);

    // 1. the cheat registers first and gets job 1 (an inference) and job 2 (model 2's index) alone: a wrong
    // label, and an index with one corrupted row; the validator's replay (ExtendVote) rejects both with ≥2/3
    // power: slashed twice, excluded from both jobs, which go back to pending
    await register("cheat");
    const request = (f: number[], modelId = 1n) => ({ typeUrl: `${C}MsgRequestInference`, value: { requester: addr.dev, modelId, input: featuresToBytes(f), maxFee: { denom: "uopen", amount: "100000" } } });
    const job_ = (jobType: number, modelId: bigint) => ({ typeUrl: `${C}MsgRequestJob`, value: { requester: addr.dev, jobType, modelId, inputBlobHash: new Uint8Array(0), maxFee: { denom: "uopen", amount: "30000" } } });
    await tx("dev", [request([9, 1, 0, 0]), job_(2, 2n)]);
    await waitFor("the cheat slashed twice", async () => ((await provider(addr.cheat!)).jobsRejected >= 2n ? true : undefined), 90_000, 300);
    assert.equal((await provider(addr.cheat!)).bond, "4050000", "10% of the cheat's bond slashed per rejected result (wrong label; corrupted index row)");
    for (const id of [1n, 2n]) {
      const j = await job(id);
      assert.ok(j.excluded.includes(addr.cheat!), `job ${id} excludes the cheat`);
      assert.notEqual(j.status, JobStatus.JOB_STATUS_ACCEPTED);
    }
    assert.equal((await model(2n)).indexBuilder, "", "a rejected index is nobody's");

    // 2. the silent provider registers: both jobs go to it, it never answers; past the deadline (40 blocks)
    // each is taken back: reputation − reputation_miss_penalty per miss (the module's rule: a miss costs
    // reputation, not bond), excluded, reassigned
    await register("silent");
    const params = (await abci(node.rpcUrl, `${C}Query/Params`, cq.QueryParamsRequest.encode({}).finish(), (b) => cq.QueryParamsResponse.decode(b))).params!;
    await waitFor("jobs 1 and 2 assigned to the silent provider", async () => ((await job(1n)).provider === addr.silent && (await job(2n)).provider === addr.silent ? true : undefined), 30_000, 300);
    await waitFor("the silent provider's two missed deadlines", async () => ((await provider(addr.silent!)).jobsMissed >= 2n ? true : undefined), 90_000, 300);
    const silent = await provider(addr.silent!);
    assert.equal(silent.reputation, params.initialReputation - 2 * params.reputationMissPenalty);
    assert.equal(silent.bond, "5000000");
    assert.equal(silent.jobsAccepted, 0n);
    for (const id of [1n, 2n]) {
      const j = await job(id);
      assert.ok(j.excluded.includes(addr.silent!), `job ${id} excludes the silent provider`);
      assert.equal(j.attempts, 2);
    }
    // both leave (no new jobs for them; bonds released after unbonding_blocks)
    await unbond("cheat");
    await unbond("silent");

    // 3. the honest provider joins: jobs 1 and 2 are reassigned to it; two more paid inferences and a
    // training job (integer softmax-head SGD on the frozen index, checkpoints and the trained ONNX artifact
    // in the blob store, the sampled segments (here all 8) replayed bit-exactly, the artifact rebuilt; the
    // inferences in the same pass run against the artifact recorded at their request)
    await register("honest");
    const honestBefore = await balance(addr.honest!);
    await tx("dev", [request([0, 8, 1, 0]), request([1, 0, 12, 0]), job_(3, 1n)]);
    const all = await waitFor("five accepted jobs", async () => {
      const js = await jobs(JobStatus.JOB_STATUS_ACCEPTED);
      return js.length >= 5 ? js : undefined;
    }, 120_000, 500);
    assert.ok(all.every((j) => j.provider === addr.honest));
    const accepted = all.filter((j) => j.jobType === 1);
    assert.equal(accepted.length, 3);
    const training = all.find((j) => j.jobType === 3)!;
    assert.equal(training.provider, addr.honest);
    assert.equal(training.result?.checkpointChain.length, 9, "the default training config: 8 segments, 9 checkpoints");
    // the accepted training job moved the model to the ONNX artifact with the trained softmax head
    const trainedModel = (await abci(node.rpcUrl, `${A}Query/Model`, aq.QueryModelRequest.encode({ id: 1n }).finish(), (b) => aq.QueryModelResponse.decode(b))).model!;
    assert.deepEqual(trainedModel.onnxHash, training.result?.trainedArtifactHash);
    assert.deepEqual(trainedModel.checkpointHashes, training.result?.checkpointChain);
    const j1 = await job(1n);
    assert.equal(j1.provider, addr.honest);
    assert.equal(j1.attempts, 3);
    assert.equal(j1.result?.predictedLabel, 0);
    for (const j of accepted) {
      assert.ok(j.receiptId > 0n, `job ${j.id} has a receipt`);
      const r = (await abci(node.rpcUrl, `${A}Query/Receipt`, aq.QueryReceiptRequest.encode({ id: j.receiptId }).finish(), (b) => aq.QueryReceiptResponse.decode(b))).receipt!;
      assert.equal(r.fee?.amount, "100000");
      assert.ok(r.shares.length >= 1);
    }
    assert.deepEqual(accepted.map((j) => j.result?.predictedLabel).sort(), [0, 1, 2]);

    // the index job: the honest provider's rows (blob, sha256 in the result) were accepted; it stored them
    // on chain itself, and they are the rows the owner computed for model 1 (same model, same snapshot)
    const m2 = await waitFor("model 2's index stored by its builder", async () => {
      const m = await model(2n);
      return m.indexComplete ? m : undefined;
    }, 60_000, 300);
    const m1 = await model(1n);
    assert.equal(m2.indexBuilder, addr.honest);
    assert.deepEqual(m2.indexHash, m1.indexHash, "the provider computed the same rows");
    assert.deepEqual((await job(2n)).result?.outputHash, m2.indexVectorsHash);

    // the honest provider was paid its part of every job it answered (20% of 100000 each; minus its gas fees)
    const honestJobs = accepted.length;
    const honestGain = (await balance(addr.honest!)) - honestBefore;
    assert.ok(honestGain > BigInt(honestJobs) * 20_000n - BigInt(honestJobs + 3) * 10_000n, `honest gained ${honestGain}`);
    // the escrow holds exactly the bonds of the providers still registered (every fee paid out)
    const provs = (await abci(node.rpcUrl, `${C}Query/Providers`, cq.QueryProvidersRequest.encode(cq.QueryProvidersRequest.fromPartial({})).finish(), (b) => cq.QueryProvidersResponse.decode(b))).providers;
    assert.equal(await balance(accAddressToString(moduleAddress("compute"))), provs.reduce((a, p) => a + BigInt(p.bond), 0n));

    // the daemons' own metrics (a submission is counted once its tx is included, which may be after the verdict)
    const want = new RegExp(`openledger_provider_jobs_total\\{type="inference",outcome="submitted"\\} ${honestJobs}\\b`);
    const metrics = await waitFor("the honest daemon's submissions in its metrics", async () => {
      const text = await (await fetch(`http://127.0.0.1:${honestD.metricsPort}/metrics`)).text();
      return want.test(text) ? text : undefined;
    }, 30_000, 300);
    assert.match(metrics, /openledger_provider_chain_height \d+/);
    assert.match(await (await fetch(`http://127.0.0.1:${silentD.metricsPort}/metrics`)).text(), /openledger_provider_jobs_total\{type="inference",outcome="skipped"\} [1-9]/);

    // conservation after every block: Σ all balances (module accounts included) = total supply
    const top = Number((await rpc(node.rpcUrl, "status")).sync_info.latest_block_height);
    assert.ok(top > 10);
    assert.equal(await assertConservedEveryBlock(node.rpcUrl, top), top);
  });
});
