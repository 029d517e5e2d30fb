/**
 * The compute verdict on 4 real validators: the model's ONNX artifact is uploaded to validator 0 only,
 * the provider daemon follows validator 1; every validator replays the submitted results in its
 * ExtendVote (the others fetch the artifact from their peers' blob stores), and the ≥2/3-power
 * verdict carried by the next block's first tx accepts the paid inferences. Every node ends with the
 * same job states and app hashes (no fork).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient, assertIsDeliverTxSuccess } from "@cosmjs/stargate";
import { sha256 } from "../../modules/core/hash.ts";
import { openledgerRegistry } from "../../cli/cmds/tx/broadcast.ts";
import { attestationKey } from "../../node/provider/attest.ts";
import { featuresToBytes } from "../../node/provider/inference.ts";
import { writeAttestationKeyFile } from "../../node/provider/keyFile.ts";
import * as cq from "../../proto/gen/openledger/compute/v1/query.ts";
import { JobStatus } from "../../proto/gen/openledger/compute/v1/types.ts";
import { type GentxProc, assertNoFork, launch, setupGentxNet, teardown, waitHeight } from "./bftNet.ts";
import { type Daemon, abci, setupModel, startProvider } from "./computeLoop.ts";
import { cleanup, cli, tempHome, waitFor } from "./harness.ts";

describe("e2e/compute on 4 validators: replay verdicts in vote extensions", () => {
  let procs: GentxProc[] = [];
  let keysHome: string;
  let daemon: Daemon | undefined;
  const clients: SigningStargateClient[] = [];
  const addr: Record<string, string> = {};
  const client: Record<string, SigningStargateClient> = {};

  before(async () => {
    keysHome = tempHome("computebft-keys");
    const mnemonic: Record<string, string> = {};
    for (const n of ["owner", "alice", "provider"]) {
      const j = JSON.parse(await cli(["keys", "add", n, "--home", keysHome, "--keyring-backend", "test", "--output", "json"]));
      mnemonic[n] = j.mnemonic;
      addr[n] = j.address;
    }
    procs = await setupGentxNet("computebft", Object.values(addr).map((a) => ({ address: a, coins: [{ denom: "uopen", amount: "1000000000000" }] })), "10000000uopen", (g) => {
      g.app_state.compute.params.inference_deadline_blocks = "40";
    });
    for (const p of procs) launch(p, {}, { blockInterval: "400ms" });
    for (const p of procs) await waitHeight(p, 2, 180_000); // includes the processes' start, slow on a loaded machine
    for (const n of Object.keys(mnemonic)) {
      const w = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic[n]!, { prefix: "open" });
      client[n] = await SigningStargateClient.connectWithSigner(procs[0]!.rpcUrl, w, { registry: openledgerRegistry(), gasPrice: GasPrice.fromString("0.0025uopen"), broadcastPollIntervalMs: 300, broadcastTimeoutMs: 60_000 });
      clients.push(client[n]!);
    }
  });

  after(async () => {
    await daemon?.stop();
    for (const c of clients) c.disconnect();
    await teardown(procs);
    if (keysHome) cleanup(keysHome);
  });

  it("accepts paid inferences by the ≥2/3 replay verdict; no fork", { timeout: 240_000 }, async () => {
    const tx = async (who: string, msgs: { typeUrl: string; value: unknown }[]) => {
      const r = await client[who]!.signAndBroadcast(addr[who]!, msgs, { amount: [{ denom: "uopen", amount: "10000" }], gas: "4000000" });
      assertIsDeliverTxSuccess(r);
      return r;
    };
    await setupModel(procs[0]!.rpcUrl, tx, "owner", { owner: addr.owner!, alice: addr.alice! });
    const key = attestationKey("secp256k1", sha256(Buffer.from("bft provider attestation")));
    const attFile = join(keysHome, "provider.attestation.json");
    writeAttestationKeyFile(attFile, key);
    daemon = await startProvider(keysHome, "provider", attFile, procs[1]!.rpcUrl);
    const C = "/openledger.compute.v1.";
    await tx("provider", [{ typeUrl: `${C}MsgRegisterProvider`, value: { provider: addr.provider, bond: { denom: "uopen", amount: "5000000" }, capabilities: { accelerator: "cpu", memoryBytes: 1n << 30n, maxBatch: 1, endpoint: "" }, attestationPubkey: key.pub, attestationKeyType: key.type, moniker: "p" } }]);
    const request = (f: number[]) => ({ typeUrl: `${C}MsgRequestInference`, value: { requester: addr.owner, modelId: 1n, input: featuresToBytes(f), maxFee: { denom: "uopen", amount: "100000" } } });
    await tx("owner", [request([9, 1, 0, 0]), request([0, 2, 7, 0])]);
    const jobsOn = async (url: string) => (await abci(url, `${C}Query/Jobs`, cq.QueryJobsRequest.encode(cq.QueryJobsRequest.fromPartial({ status: JobStatus.JOB_STATUS_ACCEPTED })).finish(), (b) => cq.QueryJobsResponse.decode(b))).jobs;
    const accepted = await waitFor("two accepted jobs", async () => {
      const js = await jobsOn(procs[2]!.rpcUrl);
      return js.length >= 2 ? js : undefined;
    }, 150_000, 500);
    assert.deepEqual(accepted.map((j) => j.result?.predictedLabel).sort(), [0, 2]);
    assert.ok(accepted.every((j) => j.receiptId > 0n));
    // every node reaches the height at which validator 2 saw them accepted (a node a block behind has
    // not committed it yet: comparing before that raced on a loaded CI machine), then holds them too
    const seenAt = Number((await (await fetch(`${procs[2]!.rpcUrl}/status`)).json() as any).result.sync_info.latest_block_height);
    for (const p of procs) await waitHeight(p, seenAt, 60_000);
    for (const p of procs) assert.equal((await jobsOn(p.rpcUrl)).length >= 2, true, `${p.rpcUrl} accepted the jobs too`);
    const top = seenAt;
    await assertNoFork(procs, top);
  });
});
