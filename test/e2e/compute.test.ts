/**
 * The paid-inference loop on real processes: a dev-chain node (`openledgerd start`, one validator that
 * replays compute results in its vote extension) and two provider daemons (`openledgerd provider
 * start`, onnxruntime-node). A datanet, a model built from TypeScript (ONNX artifact in the node's
 * blob store), its embedding index; a cheating provider answers first and is slashed, its job goes to
 * the honest provider; paid inferences are accepted, attributed (receipts) and split. After the run,
 * Σ all balances (module accounts included) = total supply at every height of the chain.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient, assertIsDeliverTxSuccess } from "@cosmjs/stargate";
import { QueryBalanceRequest, QueryBalanceResponse, QuerySupplyOfRequest, QuerySupplyOfResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { QueryAccountsRequest, QueryAccountsResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { BaseAccount, ModuleAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { MODULE_ACCOUNT_PERMISSIONS } from "../../modules/app.ts";
import { accAddressToString, moduleAddress } from "../../modules/core/address.ts";
import { sha256 } from "../../modules/core/hash.ts";
import { featuresToBytes as int16Features } from "../../modules/datanet/index.ts";
import { openledgerRegistry } from "../../cli/cmds/tx/broadcast.ts";
import { buildMlpModel } from "../../node/onnx/builder.ts";
import { OnnxModel } from "../../node/onnx/service.ts";
import { attestationKey } from "../../node/provider/attest.ts";
import { featuresToBytes, int16ToBytes, runInference } from "../../node/provider/inference.ts";
import { writeAttestationKeyFile } from "../../node/provider/keyFile.ts";
import * as dq from "../../proto/gen/openledger/datanet/v1/query.ts";
import * as aq from "../../proto/gen/openledger/attribution/v1/query.ts";
import * as cq from "../../proto/gen/openledger/compute/v1/query.ts";
import { type Job, JobStatus, type Provider } from "../../proto/gen/openledger/compute/v1/types.ts";
import { type Daemon, abci, startProvider } from "./computeLoop.ts";
import { DEV_MNEMONIC, type NodeProc, addGenesisAccounts, cleanup, cli, rpc, startNode, tempHome, waitFor } from "./harness.ts";

const CHAIN_ID = "openledger-compute-e2e-1";
const KR = ["--keyring-backend", "test"];


describe("e2e/compute: node + provider daemons, cheat slashed, paid inferences accepted, attributed and split", () => {
  let home: string;
  let node: NodeProc;
  const daemons: Daemon[] = [];
  const clients: SigningStargateClient[] = [];
  const addr: Record<string, string> = {};
  const client: Record<string, SigningStargateClient> = {};

  before(async () => {
    home = tempHome("compute");
    await cli(["init", "compute-e2e", "--chain-id", CHAIN_ID, "--home", home]);
    const mnemonic: Record<string, string> = { dev: DEV_MNEMONIC };
    for (const n of ["alice", "honest", "cheat"]) {
      const j = JSON.parse(await cli(["keys", "add", n, "--home", home, ...KR, "--output", "json"]));
      mnemonic[n] = j.mnemonic;
      addr[n] = j.address;
    }
    await cli(["keys", "add", "dev", "--recover", "--home", home, ...KR], { input: `${DEV_MNEMONIC}\n` });
    const devWallet = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, { prefix: "open" });
    addr.dev = (await devWallet.getAccounts())[0]!.address;
    addGenesisAccounts(home, Object.values(addr).map((a) => ({ address: a, coins: [{ denom: "uopen", amount: "1000000000000" }] })));
    // a 40-block answer window (12 s at 300 ms blocks): the daemons share two busy cores with the node and the test
    const gfile = join(home, "config/genesis.json");
    const g = JSON.parse(readFileSync(gfile, "utf8"));
    g.app_state.compute.params.inference_deadline_blocks = "40";
    writeFileSync(gfile, JSON.stringify(g, null, 2));
    node = await startNode(home, { blockInterval: "300ms" });
    for (const n of Object.keys(mnemonic)) {
      const w = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic[n]!, { prefix: "open" });
      client[n] = await SigningStargateClient.connectWithSigner(node.rpcUrl, w, { registry: openledgerRegistry(), gasPrice: GasPrice.fromString("0.0025uopen"), broadcastPollIntervalMs: 200, broadcastTimeoutMs: 30_000 });
      clients.push(client[n]!);
    }
  });

  after(async () => {
    for (const d of daemons) await d.stop();
    for (const c of clients) c.disconnect();
    await node?.stop();
    if (home) cleanup(home);
  });

  const tx = async (who: string, msgs: { typeUrl: string; value: unknown }[]) => {
    const r = await client[who]!.signAndBroadcast(addr[who]!, msgs, { amount: [{ denom: "uopen", amount: "10000" }], gas: "4000000" });
    assertIsDeliverTxSuccess(r);
    return r;
  };
  const jobs = async (status: JobStatus = JobStatus.JOB_STATUS_UNSPECIFIED) => (await abci(node.rpcUrl, "/openledger.compute.v1.Query/Jobs", cq.QueryJobsRequest.encode(cq.QueryJobsRequest.fromPartial({ status })).finish(), (b) => cq.QueryJobsResponse.decode(b))).jobs;
  const job = async (id: bigint): Promise<Job> => (await abci(node.rpcUrl, "/openledger.compute.v1.Query/Job", cq.QueryJobRequest.encode({ id }).finish(), (b) => cq.QueryJobResponse.decode(b))).job!;
  const provider = async (a: string): Promise<Provider> => (await abci(node.rpcUrl, "/openledger.compute.v1.Query/Provider", cq.QueryProviderRequest.encode({ address: a }).finish(), (b) => cq.QueryProviderResponse.decode(b))).provider!;
  const balance = async (a: string) => BigInt((await client.dev!.getBalance(a, "uopen")).amount);

  it("runs the loop", { timeout: 240_000 }, async () => {
    // the model: identity embedding (4 → 4, Relu) and a head that picks the largest of the first 3 features
    const eye = Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : 0));
    const head = Array.from({ length: 12 }, (_, i) => (Math.floor(i / 3) === i % 3 ? 1 : 0));
    const onnx = buildMlpModel({ hidden: [{ weight: eye, bias: [0, 0, 0, 0], inDim: 4, outDim: 4 }], head: { weight: head, bias: [0, 0, 0], inDim: 4, outDim: 3 } });
    const put = await rpc(node.rpcUrl, "blob_put", { data: Buffer.from(onnx).toString("base64") });
    assert.equal(put.hash, Buffer.from(sha256(onnx)).toString("hex"));

    // a datanet with two contributors, its snapshot, the model bound to it, and the index the model computes
    const D = "/openledger.datanet.v1.";
    await tx("dev", [{ typeUrl: `${D}MsgCreateDatanet`, value: { owner: addr.dev, name: "e2e", schema: { kind: "vector-label/v1", dim: 4, numClasses: 3 }, gating: 1, minStake: "0" } }]);
    const pts: Record<string, { f: number[]; label: number }[]> = {
      dev: [{ f: [10, 0, 0, 0], label: 0 }, { f: [0, 10, 0, 0], label: 1 }],
      alice: [{ f: [0, 0, 10, 0], label: 2 }, { f: [11, 1, 0, 0], label: 0 }],
    };
    for (const who of ["dev", "alice"]) {
      const items = pts[who]!.map((p) => ({ contentHash: sha256(Buffer.from(`e2e:${p.f.join(",")}`)), size: 16n, uri: "", encrypted: false, parents: [], point: { features: int16Features(p.f), label: p.label }, stake: "1000" }));
      await tx(who, [{ typeUrl: `${D}MsgContribute`, value: { contributor: addr[who], datanetId: 1n, items } }]);
    }
    await tx("dev", [{ typeUrl: `${D}MsgSnapshot`, value: { creator: addr.dev, datanetId: 1n } }]);
    const snap = (await abci(node.rpcUrl, `${D}Query/Snapshot`, dq.QuerySnapshotRequest.encode({ id: 1n }).finish(), (b) => dq.QuerySnapshotResponse.decode(b))).snapshot!;
    const entries = (await abci(node.rpcUrl, `${D}Query/SnapshotEntries`, dq.QuerySnapshotEntriesRequest.encode({ snapshotId: 1n, pagination: undefined }).finish(), (b) => dq.QuerySnapshotEntriesResponse.decode(b))).entries;
    const contributions = new Map<bigint, number[]>();
    let cid = 1n;
    for (const who of ["dev", "alice"]) for (const p of pts[who]!) contributions.set(cid++, p.f);
    const model = await OnnxModel.fromBytes(onnx);
    const rows: Uint8Array[] = [];
    for (const e of entries) rows.push(int16ToBytes((await runInference(model, featuresToBytes(contributions.get(e.contributionId)!))).embedding));
    await model.release();
    const A = "/openledger.attribution.v1.";
    await tx("dev", [{ typeUrl: `${A}MsgRegisterModel`, value: { owner: addr.dev, name: "e2e-head", snapshotId: 1n, snapshotRoot: snap.root, onnxHash: sha256(onnx), trainingConfigHash: sha256(Buffer.from("cfg")), checkpointHashes: [], feePolicy: { dataBps: 6000, trainerBps: 1500, providerBps: 2000, communityBps: 500, burnBps: 0 }, embeddingDim: 4, tau: 1000n } }]);
    await tx("dev", [{ typeUrl: `${A}MsgSetEmbeddingIndex`, value: { owner: addr.dev, modelId: 1n, start: 0n, vectors: Buffer.concat(rows) } }]);

    // the cheating provider registers first and answers the first job alone
    const C = "/openledger.compute.v1.";
    const keys = { cheat: attestationKey("ed25519", sha256(Buffer.from("cheat attestation"))), honest: attestationKey("secp256k1", sha256(Buffer.from("honest attestation"))) };
    const register = (who: "cheat" | "honest") => tx(who, [{ typeUrl: `${C}MsgRegisterProvider`, value: { provider: addr[who], bond: { denom: "uopen", amount: "5000000" }, capabilities: { accelerator: "cpu", memoryBytes: 1n << 30n, maxBatch: 1, endpoint: "" }, attestationPubkey: keys[who].pub, attestationKeyType: keys[who].type, moniker: who } }]);
    const attFile = (who: "cheat" | "honest") => {
      const f = join(home, `${who}.attestation.json`);
      writeAttestationKeyFile(f, keys[who]);
      return f;
    };
    // both daemons run from the start (the honest one has no registration yet, so no jobs): an assigned job
    // must not wait for a process to boot
    const [cheatD, honestD] = await Promise.all([startProvider(home, "cheat", attFile("cheat"), node.rpcUrl, { OPENLEDGER_TEST_PROVIDER: "cheat" }), startProvider(home, "honest", attFile("honest"), node.rpcUrl)]);
    daemons.push(cheatD, honestD);
    await register("cheat");
    const request = (f: number[]) => ({ typeUrl: `${C}MsgRequestInference`, value: { requester: addr.dev, modelId: 1n, input: featuresToBytes(f), maxFee: { denom: "uopen", amount: "100000" } } });
    await tx("dev", [request([9, 1, 0, 0])]);
    // the cheat's wrong label is replayed by the validator (ExtendVote), rejected with ≥2/3 power: slashed, job back to pending
    await waitFor("the cheat slashed", async () => ((await provider(addr.cheat!)).jobsRejected >= 1n ? true : undefined), 60_000, 300);
    const cheat = await provider(addr.cheat!);
    assert.equal(cheat.bond, "4500000", "10% of the cheat's bond slashed");
    let j1 = await job(1n);
    assert.ok(j1.excluded.includes(addr.cheat!));
    assert.notEqual(j1.status, JobStatus.JOB_STATUS_ACCEPTED);

    // the honest provider joins: job 1 is reassigned to it; two more paid inferences
    await register("honest");
    const honestBefore = await balance(addr.honest!);
    // and an embedding-index job (the stored index attested, sampled rows replayed) and a training job
    // (integer softmax-head SGD on the frozen index, checkpoints and the trained ONNX artifact in the blob
    // store, sampled segments replayed bit-exactly, the artifact rebuilt)
    const job_ = (jobType: number) => ({ typeUrl: `${C}MsgRequestJob`, value: { requester: addr.dev, jobType, modelId: 1n, inputBlobHash: new Uint8Array(0), maxFee: { denom: "uopen", amount: "30000" } } });
    await tx("dev", [request([0, 8, 1, 0]), request([1, 0, 12, 0]), job_(2), job_(3)]);
    const all = await waitFor("five accepted jobs", async () => {
      const js = await jobs(JobStatus.JOB_STATUS_ACCEPTED);
      return js.length >= 5 ? js : undefined;
    }, 120_000, 500);
    const accepted = all.filter((j) => j.jobType === 1);
    assert.equal(accepted.length, 3);
    const training = all.find((j) => j.jobType === 3)!;
    assert.equal(training.result?.checkpointChain.length, 9, "the default training config: 8 segments, 9 checkpoints");
    // the accepted training job moved the model to the ONNX artifact with the trained softmax head
    const trainedModel = (await abci(node.rpcUrl, `${A}Query/Model`, aq.QueryModelRequest.encode({ id: 1n }).finish(), (b) => aq.QueryModelResponse.decode(b))).model!;
    assert.deepEqual(trainedModel.onnxHash, training.result?.trainedArtifactHash);
    assert.deepEqual(trainedModel.checkpointHashes, training.result?.checkpointChain);
    j1 = await job(1n);
    assert.equal(j1.provider, addr.honest);
    assert.equal(j1.result?.predictedLabel, 0);
    for (const j of accepted) {
      assert.ok(j.receiptId > 0n, `job ${j.id} has a receipt`);
      const r = (await abci(node.rpcUrl, `${A}Query/Receipt`, aq.QueryReceiptRequest.encode({ id: j.receiptId }).finish(), (b) => aq.QueryReceiptResponse.decode(b))).receipt!;
      assert.equal(r.fee?.amount, "100000");
      assert.ok(r.shares.length >= 1);
    }
    const labels = accepted.map((j) => j.result?.predictedLabel).sort();
    assert.deepEqual(labels, [0, 1, 2]);
    // the honest provider was paid its part of every job it answered (20% of 100000 each; minus its gas fees)
    const honestJobs = accepted.filter((j) => j.provider === addr.honest).length;
    const honestGain = (await balance(addr.honest!)) - honestBefore;
    assert.ok(honestGain > BigInt(honestJobs) * 20_000n - BigInt(honestJobs + 1) * 10_000n, `honest gained ${honestGain}`);
    // the escrow holds exactly the bonds now (every fee paid out)
    const bonds = BigInt((await provider(addr.honest!)).bond) + BigInt((await provider(addr.cheat!)).bond);
    assert.equal(await balance(accAddressToString(moduleAddress("compute"))), bonds);

    // the daemons' own metrics
    // (the daemon counts a submission once its tx is included, which may be after the verdict)
    const want = new RegExp(`openledger_provider_jobs_total\\{type="inference",outcome="submitted"\\} ${honestJobs}\\b`);
    const metrics = await waitFor("the honest daemon's submissions in its metrics", async () => {
      const text = await (await fetch(`http://127.0.0.1:${honestD.metricsPort}/metrics`)).text();
      return want.test(text) ? text : undefined;
    }, 30_000, 300);
    assert.match(metrics, /openledger_provider_chain_height \d+/);

    // conservation after every block: Σ all balances (module accounts included) = total supply. Iteration
    // works on the latest state only, so the holders are every account now plus every module account (an
    // address that ever held coins has an account); then point reads at each height.
    const holders = new Set<string>(Object.keys(MODULE_ACCOUNT_PERMISSIONS).map((n) => accAddressToString(moduleAddress(n))));
    let key: Uint8Array = new Uint8Array(0);
    for (;;) {
      const r = await abci(node.rpcUrl, "/cosmos.auth.v1beta1.Query/Accounts", QueryAccountsRequest.encode({ pagination: { key, offset: 0n, limit: 1000n, countTotal: false, reverse: false } }).finish(), (b) => QueryAccountsResponse.decode(b));
      for (const a of r.accounts) {
        const acc = a.typeUrl === "/cosmos.auth.v1beta1.ModuleAccount" ? ModuleAccount.decode(a.value).baseAccount : BaseAccount.decode(a.value);
        if (acc !== undefined) holders.add(acc.address);
      }
      key = r.pagination?.nextKey ?? new Uint8Array(0);
      if (key.length === 0) break;
    }
    const top = Number((await rpc(node.rpcUrl, "status")).sync_info.latest_block_height);
    for (let h = 1; h <= top; h++) {
      const supply = BigInt((await abci(node.rpcUrl, "/cosmos.bank.v1beta1.Query/SupplyOf", QuerySupplyOfRequest.encode({ denom: "uopen" }).finish(), (b) => QuerySupplyOfResponse.decode(b), h)).amount?.amount ?? "0");
      let sum = 0n;
      for (const a of holders) sum += BigInt((await abci(node.rpcUrl, "/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address: a, denom: "uopen" }).finish(), (b) => QueryBalanceResponse.decode(b), h)).balance?.amount ?? "0");
      assert.equal(sum, supply, `height ${h}: Σ balances ${sum} ≠ supply ${supply}`);
    }
    assert.ok(top > 10);
  });
});
