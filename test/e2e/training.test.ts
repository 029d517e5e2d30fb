/**
 * A training job on real processes: a dev-chain node (its validator replays training results in its
 * vote extension) and two provider daemons. The model's owner asks for a training job with the CLI
 * (`tx compute request-job … training --epochs --segments`); the cheating daemon
 * (OPENLEDGER_TEST_PROVIDER=cheat) is the only provider and forges the final head (its chain and
 * trained artifact made consistent with it): the replay of the segments refuses it, the cheat is
 * slashed; the honest daemon's run is accepted and the model points to the ONNX artifact with the
 * trained head, which the node serves from its blob store; onnxruntime on that artifact predicts what
 * the integer head of the final checkpoint predicts on the stored index. Σ balances = supply at every
 * height.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sha256 } from "../../modules/core/hash.ts";
import { decodeCheckpoint, headPredict } from "../../modules/compute/training.ts";
import { attestationKey } from "../../node/provider/attest.ts";
import { OnnxModel } from "../../node/onnx/service.ts";
import * as aq from "../../proto/gen/openledger/attribution/v1/query.ts";
import { JobStatus } from "../../proto/gen/openledger/compute/v1/types.ts";
import { type ComputeChain, abci, assertConservedEveryBlock, attestationFile, registerProvider, setupModel, startComputeChain, startProvider } from "./computeLoop.ts";
import { cli, rpc, waitFor } from "./harness.ts";

const CHAIN_ID = "openledger-training-e2e-1";
const KR = ["--keyring-backend", "test"];

describe("e2e/training: a training job through the provider daemons, a forged head slashed, the trained ONNX head accepted", () => {
  let c: ComputeChain;
  before(async () => {
    c = await startComputeChain("training", CHAIN_ID, ["alice", "honest", "cheat"], { training_deadline_blocks: "40" });
  });
  after(async () => {
    await c?.close();
  });
  const blob = async (hash: Uint8Array) => new Uint8Array(Buffer.from((await rpc(c.node.rpcUrl, "blob_get", { hash: Buffer.from(hash).toString("hex") })).data, "base64"));

  it("trains, slashes the forger, accepts the honest head and serves it as ONNX", { timeout: 240_000 }, async () => {
    const { home, node, addr, tx, job, provider, daemons } = c;
    const onnx = await setupModel(node.rpcUrl, tx, "dev", { dev: addr.dev!, alice: addr.alice! });
    const A = "/openledger.attribution.v1.";
    const keys = { cheat: attestationKey("ed25519", sha256(Buffer.from("cheat attestation"))), honest: attestationKey("secp256k1", sha256(Buffer.from("honest attestation"))) };
    const register = (who: "cheat" | "honest") => registerProvider(c, who, keys[who]);
    const attFile = (who: "cheat" | "honest") => attestationFile(c, who, keys[who]);
    const [cheatD, honestD] = await Promise.all([startProvider(home, "cheat", attFile("cheat"), node.rpcUrl, { OPENLEDGER_TEST_PROVIDER: "cheat" }), startProvider(home, "honest", attFile("honest"), node.rpcUrl)]);
    daemons.push(cheatD, honestD);
    await register("cheat");

    // the owner's training job, its config from the CLI flags (the job's input; its hash is the input hash)
    const out = await cli(["tx", "compute", "request-job", "dev", "training", "1", "--max-fee", "30000uopen", "--learning-rate", "0.25", "--epochs", "30", "--batch-size", "2", "--segments", "4", "--yes", "--gas", "auto", "--gas-adjustment", "2", ...KR, "--home", home, "--node", node.rpcUrl, "--output", "json"], { timeoutMs: 120_000 });
    assert.equal(JSON.parse(out.trim().split(/\n(?=\{)/).pop()!).code, 0, out);
    const j0 = await job(1n);
    assert.equal(j0.jobType, 3);
    assert.equal(j0.input.length, 15, "the 15-byte training config");
    assert.deepEqual(j0.inputHash, sha256(j0.input));

    // the cheat trains, forges its final head and is refused by the replay: slashed, excluded
    await waitFor("the cheat slashed", async () => ((await provider(addr.cheat!)).jobsRejected >= 1n ? true : undefined), 90_000, 300);
    assert.equal((await provider(addr.cheat!)).bond, "4500000", "10% of the cheat's bond slashed");
    assert.ok((await job(1n)).excluded.includes(addr.cheat!));

    // the honest daemon's head is accepted
    await register("honest");
    const done = await waitFor("the training job accepted", async () => {
      const j = await job(1n);
      return j.status === JobStatus.JOB_STATUS_ACCEPTED ? j : undefined;
    }, 120_000, 300);
    assert.equal(done.provider, addr.honest);
    const chain = done.result!.checkpointChain;
    assert.equal(chain.length, 5, "4 segments, 5 checkpoints");
    const m = (await abci(node.rpcUrl, `${A}Query/Model`, aq.QueryModelRequest.encode({ id: 1n }).finish(), (b) => aq.QueryModelResponse.decode(b))).model!;
    assert.deepEqual(m.onnxHash, done.result!.trainedArtifactHash, "the model points to the artifact with the trained head");
    assert.notDeepEqual(m.onnxHash, sha256(onnx));
    assert.deepEqual(m.checkpointHashes, chain);
    assert.deepEqual(m.trainingConfigHash, j0.inputHash);

    // the node serves the trained artifact; onnxruntime on it predicts what the final integer head predicts
    const artifact = await blob(m.onnxHash);
    assert.deepEqual(sha256(artifact), m.onnxHash);
    const final = decodeCheckpoint(await blob(chain[chain.length - 1]!), 3, 4);
    const idx = (await abci(node.rpcUrl, `${A}Query/IndexChunks`, aq.QueryIndexChunksRequest.encode({ modelId: 1n, pagination: undefined }).finish(), (b) => aq.QueryIndexChunksResponse.decode(b))).chunks;
    const rows = new Int16Array(Uint8Array.from(Buffer.concat(idx.map((c) => c.vectors))).buffer);
    const pts = [[10, 0, 0, 0], [0, 10, 0, 0], [0, 0, 10, 0], [11, 1, 0, 0]];
    const om = await OnnxModel.fromBytes(artifact);
    const r = await om.run(Float32Array.from(pts.flat()), pts.length);
    await om.release();
    for (let i = 0; i < pts.length; i++) {
      let a = 0;
      for (let c = 1; c < 3; c++) if (r.logits[i * 3 + c]! > r.logits[i * 3 + a]!) a = c;
      const q = Int16Array.from(r.embedding.subarray(i * 4, (i + 1) * 4), (v) => Math.round(v * 256));
      assert.equal(a, headPredict(final, q, 3, 4), `point ${i}: ONNX and the integer head agree`);
      assert.equal(a, [0, 1, 2, 0][i], `point ${i} classified`);
    }
    assert.equal(rows.length, 16, "the index the head was trained on");

    // conservation at every height of the run
    const top = Number((await rpc(node.rpcUrl, "status", {})).sync_info.latest_block_height);
    assert.ok((await assertConservedEveryBlock(node.rpcUrl, top)) >= top - 1);
  });
});
