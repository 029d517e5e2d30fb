/**
 * A provider restarted between its submitted result and the verdict (real processes: a dev-chain node and
 * `openledgerd provider start`). The daemon (OPENLEDGER_TEST_PROVIDER=crash-after-index-submit) builds an
 * embedding index, writes the rows to its own store (<home>/provider/<address>), submits sha256(rows) and
 * kills itself (SIGKILL) before the rows reach the node's blob store: the validator cannot replay them, so the
 * job waits, SUBMITTED, with no verdict. The daemon started again reads the rows back from its disk, publishes
 * them, the validator's sampled replay accepts them and the daemon stores them on chain: the model's index is
 * complete, built by that provider, and equals the rows its owner computed for the same model and snapshot.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sha256 } from "../../modules/core/hash.ts";
import { attestationKey } from "../../node/provider/attest.ts";
import * as aq from "../../proto/gen/openledger/attribution/v1/query.ts";
import * as dq from "../../proto/gen/openledger/datanet/v1/query.ts";
import { JobStatus } from "../../proto/gen/openledger/compute/v1/types.ts";
import { type ComputeChain, abci, attestationFile, registerProvider, setupModel, startComputeChain, startProvider } from "./computeLoop.ts";
import { height, rpc, waitFor, waitHeight } from "./harness.ts";

const CHAIN_ID = "openledger-compute-restart-e2e-1";

describe("e2e/computeRestart: index rows survive a provider restart between submit and verdict", () => {
  let c: ComputeChain;
  before(async () => {
    // a 200-block window (60 s at 300 ms blocks) for the verdict: the restart must come before it
    c = await startComputeChain("computeRestart", CHAIN_ID, ["alice", "prov"], { index_deadline_blocks: "200" });
  });
  after(async () => {
    await c?.close();
  });

  it("the restarted daemon publishes its persisted rows; the job is accepted and the index stored", { timeout: 120_000 }, async () => {
    const { home, node, addr, tx, job } = c;
    const A = "/openledger.attribution.v1.";
    const onnx = await setupModel(node.rpcUrl, tx, "dev", { dev: addr.dev!, alice: addr.alice! });
    const snap = (await abci(node.rpcUrl, "/openledger.datanet.v1.Query/Snapshot", dq.QuerySnapshotRequest.encode({ id: 1n }).finish(), (b) => dq.QuerySnapshotResponse.decode(b))).snapshot!;
    await tx("dev", [{ typeUrl: `${A}MsgRegisterModel`, value: { owner: addr.dev, name: "e2e-built-index", snapshotId: 1n, snapshotRoot: snap.root, onnxHash: sha256(onnx), trainingConfigHash: sha256(Buffer.from("cfg")), checkpointHashes: [], feePolicy: { dataBps: 6000, trainerBps: 1500, providerBps: 2000, communityBps: 500, burnBps: 0 }, embeddingDim: 4, tau: 1000n } }]);
    const model = async (id: bigint) => (await abci(node.rpcUrl, `${A}Query/Model`, aq.QueryModelRequest.encode({ id }).finish(), (b) => aq.QueryModelResponse.decode(b))).model!;

    const key = attestationKey("secp256k1", sha256(Buffer.from("restart attestation")));
    const att = attestationFile(c, "prov", key);
    const first = await startProvider(home, "prov", att, node.rpcUrl, { OPENLEDGER_TEST_PROVIDER: "crash-after-index-submit" });
    c.daemons.push(first);
    await registerProvider(c, "prov", key);
    await tx("dev", [{ typeUrl: "/openledger.compute.v1.MsgRequestJob", value: { requester: addr.dev, jobType: 2, modelId: 2n, inputBlobHash: new Uint8Array(0), maxFee: { denom: "uopen", amount: "30000" } } }]);

    // the daemon built the rows, kept them on its disk, submitted their hash and died
    await waitFor("the provider's crash after its submitted index result", async () => (first.proc.signalCode !== null || first.proc.exitCode !== null ? true : undefined), 60_000, 200);
    assert.equal(first.proc.signalCode, "SIGKILL");
    const submitted = await job(1n);
    assert.equal(submitted.status, JobStatus.JOB_STATUS_SUBMITTED, "result on chain, no verdict yet");
    assert.equal(submitted.provider, addr.prov);
    const vectorsHash = submitted.result!.outputHash;
    const dataDir = join(home, "provider", addr.prov!);
    assert.ok(existsSync(join(dataDir, "index-uploads", "1.json")), "the manifest of job 1 on the provider's disk");
    const hex = Buffer.from(vectorsHash).toString("hex");
    assert.ok(existsSync(join(dataDir, "blobs", hex.slice(0, 2), hex.slice(2))), "the rows in the provider's blob store");
    await assert.rejects(rpc(node.rpcUrl, "blob_get", { hash: hex }), "the node never received the rows");
    // blocks go on and the validator cannot replay what it does not have: still no verdict
    await waitHeight(node.rpcUrl, (await height(node.rpcUrl)) + 5, 30_000);
    assert.equal((await job(1n)).status, JobStatus.JOB_STATUS_SUBMITTED);

    // the same daemon again (same key, same home): rows recovered from disk, published, replayed, accepted, stored
    const second = await startProvider(home, "prov", att, node.rpcUrl);
    c.daemons.push(second);
    const accepted = await waitFor("job 1 accepted", async () => {
      const j = await job(1n);
      return j.status === JobStatus.JOB_STATUS_ACCEPTED ? j : undefined;
    }, 60_000, 300);
    assert.equal(accepted.provider, addr.prov);
    assert.equal(accepted.attempts, 1, "the job was never reassigned");
    const m2 = await waitFor("model 2's index stored by its builder", async () => {
      const m = await model(2n);
      return m.indexComplete ? m : undefined;
    }, 60_000, 300);
    assert.equal(m2.indexBuilder, addr.prov);
    assert.deepEqual(m2.indexVectorsHash, vectorsHash);
    assert.deepEqual(m2.indexHash, (await model(1n)).indexHash, "the same rows as the owner's index of the same model");
    // once on chain the provider forgets them
    await waitFor("the provider's manifest removed", async () => (existsSync(join(dataDir, "index-uploads", "1.json")) ? undefined : true), 30_000, 300);
  });
});
