/** shared steps of the compute e2e files: queries, a provider daemon process, the datanet + model + index setup. */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { type DeliverTxResponse, GasPrice, SigningStargateClient, assertIsDeliverTxSuccess } from "@cosmjs/stargate";
import { openledgerRegistry } from "../../cli/cmds/tx/broadcast.ts";
import * as cq from "../../proto/gen/openledger/compute/v1/query.ts";
import type { Job, Provider } from "../../proto/gen/openledger/compute/v1/types.ts";
import { sha256 } from "../../modules/core/hash.ts";
import { featuresToBytes as int16Features } from "../../modules/datanet/index.ts";
import { buildMlpModel } from "../../node/onnx/builder.ts";
import { OnnxModel } from "../../node/onnx/service.ts";
import { featuresToBytes, int16ToBytes, runInference } from "../../node/provider/inference.ts";
import type { AttestationKey } from "../../node/provider/attest.ts";
import { writeAttestationKeyFile } from "../../node/provider/keyFile.ts";
import * as dq from "../../proto/gen/openledger/datanet/v1/query.ts";
import { QueryBalanceRequest, QueryBalanceResponse, QuerySupplyOfRequest, QuerySupplyOfResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { QueryAccountsRequest, QueryAccountsResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { BaseAccount, ModuleAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { MODULE_ACCOUNT_PERMISSIONS } from "../../modules/app.ts";
import { accAddressToString, moduleAddress } from "../../modules/core/address.ts";
import { BIN, DEV_MNEMONIC, type NodeProc, addGenesisAccounts, cleanup, cli, freePort, rpc, startNode, tempHome, track, waitFor } from "./harness.ts";

export async function abci<R>(url: string, path: string, req: Uint8Array, decode: (b: Uint8Array) => R, height?: number): Promise<R> {
  const r = await rpc(url, "abci_query", { path, data: Buffer.from(req).toString("hex"), prove: false, ...(height !== undefined ? { height: String(height) } : {}) });
  if (r.response.code !== 0) throw new Error(`${path}: ${r.response.codespace}:${r.response.code} ${r.response.log}`);
  return decode(new Uint8Array(Buffer.from(r.response.value ?? "", "base64")));
}

export interface Daemon {
  proc: ChildProcess;
  metricsPort: number;
  logFile: string;
  stop(): Promise<void>;
}

/** `openledgerd provider start <key>` with the keyring of `home` (test backend). */
export async function startProvider(home: string, key: string, attFile: string, rpcUrl: string, env: Record<string, string> = {}): Promise<Daemon> {
  const metricsPort = await freePort();
  const logFile = join(home, `provider-${key}.log`);
  const log = createWriteStream(logFile, { flags: "a" });
  const proc = track(spawn(BIN, ["provider", "start", key, "--attestation-key", attFile, "--node", rpcUrl, "--metrics-addr", `127.0.0.1:${metricsPort}`, "--home", home, "--keyring-backend", "test"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } }));
  proc.stdout?.pipe(log);
  proc.stderr?.pipe(log);
  const exited = new Promise<void>((r) => proc.on("exit", () => r()));
  await waitFor(`provider ${key} metrics`, async () => ((await fetch(`http://127.0.0.1:${metricsPort}/metrics`).catch(() => undefined))?.ok ? true : undefined), 60_000, 200);
  return {
    proc,
    metricsPort,
    logFile,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

export type Tx = (who: string, msgs: { typeUrl: string; value: unknown }[]) => Promise<unknown>;

/** a dev-chain node for the compute e2e files, with funded keys (a test keyring in `home`) and a CosmJS client each. */
export interface ComputeChain {
  home: string;
  node: NodeProc;
  /** bech32 address per key name ("dev" = DEV_MNEMONIC's, the validator's account) */
  addr: Record<string, string>;
  client: Record<string, SigningStargateClient>;
  /** provider daemons started by the test: stopped by close() */
  daemons: Daemon[];
  /** signs and broadcasts `msgs` from `who` (fee 10000uopen, gas 4M); throws unless delivered with code 0 */
  tx(who: string, msgs: { typeUrl: string; value: unknown }[]): Promise<DeliverTxResponse>;
  job(id: bigint): Promise<Job>;
  provider(address: string): Promise<Provider>;
  close(): Promise<void>;
}

/** MsgRegisterProvider for key `who` (bond 5000000uopen, a cpu provider) with attestation key `key`. */
export function registerProvider(c: ComputeChain, who: string, key: AttestationKey): Promise<DeliverTxResponse> {
  return c.tx(who, [{ typeUrl: "/openledger.compute.v1.MsgRegisterProvider", value: { provider: c.addr[who], bond: { denom: "uopen", amount: "5000000" }, capabilities: { accelerator: "cpu", memoryBytes: 1n << 30n, maxBatch: 1, endpoint: "" }, attestationPubkey: key.pub, attestationKeyType: key.type, moniker: who } }]);
}

/** `key` written as `<home>/<who>.attestation.json` (the daemon's --attestation-key file); returns the path. */
export function attestationFile(c: ComputeChain, who: string, key: AttestationKey): string {
  const f = join(c.home, `${who}.attestation.json`);
  writeAttestationKeyFile(f, key);
  return f;
}

/**
 * `openledgerd init`, keys `names` (+ "dev", recovered from DEV_MNEMONIC) each funded with 10^12 uopen, the
 * compute params in `computeParams` (genesis JSON names, e.g. index_deadline_blocks) set, a node producing
 * blocks every `blockInterval` (default 300ms), one CosmJS signing client per key.
 */
export async function startComputeChain(tag: string, chainId: string, names: string[], computeParams: Record<string, string> = {}, blockInterval = "300ms"): Promise<ComputeChain> {
  const KR = ["--keyring-backend", "test"];
  const home = tempHome(tag);
  const addr: Record<string, string> = {};
  const client: Record<string, SigningStargateClient> = {};
  const daemons: Daemon[] = [];
  let node: NodeProc | undefined;
  const close = async () => {
    for (const d of daemons) await d.stop();
    for (const c of Object.values(client)) c.disconnect();
    await node?.stop();
    cleanup(home);
  };
  try {
    await cli(["init", `${tag}-e2e`, "--chain-id", chainId, "--home", home]);
    const mnemonic: Record<string, string> = { dev: DEV_MNEMONIC };
    for (const n of names) {
      const j = JSON.parse(await cli(["keys", "add", n, "--home", home, ...KR, "--output", "json"]));
      mnemonic[n] = j.mnemonic;
      addr[n] = j.address;
    }
    await cli(["keys", "add", "dev", "--recover", "--home", home, ...KR], { input: `${DEV_MNEMONIC}\n` });
    addr.dev = (await (await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, { prefix: "open" })).getAccounts())[0]!.address;
    addGenesisAccounts(home, Object.values(addr).map((a) => ({ address: a, coins: [{ denom: "uopen", amount: "1000000000000" }] })));
    const gfile = join(home, "config/genesis.json");
    const g = JSON.parse(readFileSync(gfile, "utf8"));
    Object.assign(g.app_state.compute.params, computeParams);
    writeFileSync(gfile, JSON.stringify(g, null, 2));
    node = await startNode(home, { blockInterval });
    for (const n of Object.keys(mnemonic)) {
      const w = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic[n]!, { prefix: "open" });
      client[n] = await SigningStargateClient.connectWithSigner(node.rpcUrl, w, { registry: openledgerRegistry(), gasPrice: GasPrice.fromString("0.0025uopen"), broadcastPollIntervalMs: 200, broadcastTimeoutMs: 30_000 });
    }
  } catch (e) {
    await close();
    throw e;
  }
  const url = node.rpcUrl;
  return {
    home,
    node,
    addr,
    client,
    daemons,
    async tx(who, msgs) {
      const r = await client[who]!.signAndBroadcast(addr[who]!, msgs, { amount: [{ denom: "uopen", amount: "10000" }], gas: "4000000" });
      assertIsDeliverTxSuccess(r);
      return r;
    },
    job: async (id) => (await abci(url, "/openledger.compute.v1.Query/Job", cq.QueryJobRequest.encode({ id }).finish(), (b) => cq.QueryJobResponse.decode(b))).job!,
    provider: async (a) => (await abci(url, "/openledger.compute.v1.Query/Provider", cq.QueryProviderRequest.encode({ address: a }).finish(), (b) => cq.QueryProviderResponse.decode(b))).provider!,
    close,
  };
}

/**
 * The model (identity embedding 4 → 4 with Relu; a head that picks the largest of the first 3
 * features) uploaded to `rpcUrl`'s blob store; a datanet of `contributors`' points, its snapshot, the
 * model registered by `owner` and its index computed with onnxruntime. Returns the ONNX bytes.
 */
export async function setupModel(rpcUrl: string, tx: Tx, owner: string, contributors: Record<string, string>): Promise<Uint8Array> {
  const eye = Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : 0));
  const head = Array.from({ length: 12 }, (_, i) => (Math.floor(i / 3) === i % 3 ? 1 : 0));
  const onnx = buildMlpModel({ hidden: [{ weight: eye, bias: [0, 0, 0, 0], inDim: 4, outDim: 4 }], head: { weight: head, bias: [0, 0, 0], inDim: 4, outDim: 3 } });
  const put = await rpc(rpcUrl, "blob_put", { data: Buffer.from(onnx).toString("base64") });
  if (put.hash !== Buffer.from(sha256(onnx)).toString("hex")) throw new Error("blob_put stored the model under another hash");
  const D = "/openledger.datanet.v1.";
  await tx(owner, [{ typeUrl: `${D}MsgCreateDatanet`, value: { owner: contributors[owner], name: "e2e", schema: { kind: "vector-label/v1", dim: 4, numClasses: 3 }, gating: 1, minStake: "0" } }]);
  const names = Object.keys(contributors);
  const pts: { f: number[]; label: number }[][] = [
    [{ f: [10, 0, 0, 0], label: 0 }, { f: [0, 10, 0, 0], label: 1 }],
    [{ f: [0, 0, 10, 0], label: 2 }, { f: [11, 1, 0, 0], label: 0 }],
  ];
  const features = new Map<bigint, number[]>();
  let cid = 1n;
  for (const [i, who] of names.slice(0, 2).entries()) {
    const items = (pts[i] ?? []).map((p) => ({ contentHash: sha256(Buffer.from(`e2e:${p.f.join(",")}`)), size: 16n, uri: "", encrypted: false, parents: [], point: { features: int16Features(p.f), label: p.label }, stake: "1000" }));
    await tx(who, [{ typeUrl: `${D}MsgContribute`, value: { contributor: contributors[who], datanetId: 1n, items } }]);
    for (const p of pts[i] ?? []) features.set(cid++, p.f);
  }
  await tx(owner, [{ typeUrl: `${D}MsgSnapshot`, value: { creator: contributors[owner], datanetId: 1n } }]);
  const snap = (await abci(rpcUrl, `${D}Query/Snapshot`, dq.QuerySnapshotRequest.encode({ id: 1n }).finish(), (b) => dq.QuerySnapshotResponse.decode(b))).snapshot!;
  const entries = (await abci(rpcUrl, `${D}Query/SnapshotEntries`, dq.QuerySnapshotEntriesRequest.encode({ snapshotId: 1n, pagination: undefined }).finish(), (b) => dq.QuerySnapshotEntriesResponse.decode(b))).entries;
  const model = await OnnxModel.fromBytes(onnx);
  const rows: Uint8Array[] = [];
  for (const e of entries) rows.push(int16ToBytes((await runInference(model, featuresToBytes(features.get(e.contributionId)!))).embedding));
  await model.release();
  const A = "/openledger.attribution.v1.";
  await tx(owner, [{ typeUrl: `${A}MsgRegisterModel`, value: { owner: contributors[owner], name: "e2e-head", snapshotId: 1n, snapshotRoot: snap.root, onnxHash: sha256(onnx), trainingConfigHash: sha256(Buffer.from("cfg")), checkpointHashes: [], feePolicy: { dataBps: 6000, trainerBps: 1500, providerBps: 2000, communityBps: 500, burnBps: 0 }, embeddingDim: 4, tau: 1000n } }]);
  await tx(owner, [{ typeUrl: `${A}MsgSetEmbeddingIndex`, value: { owner: contributors[owner], modelId: 1n, start: 0n, vectors: Buffer.concat(rows) } }]);
  return onnx;
}

/**
 * The conservation invariant at every height 1…top: Σ all balances of `denom` (module accounts
 * included) = its total supply. Iteration works on the latest state only, so the holders are every
 * account now plus every module account (an address that ever held coins has an account); then point
 * reads at each height. Returns the number of heights checked; throws at the first that differs.
 */
export async function assertConservedEveryBlock(url: string, top: number, denom = "uopen"): Promise<number> {
  const holders = new Set<string>(Object.keys(MODULE_ACCOUNT_PERMISSIONS).map((n) => accAddressToString(moduleAddress(n))));
  let key: Uint8Array = new Uint8Array(0);
  for (;;) {
    const r = await abci(url, "/cosmos.auth.v1beta1.Query/Accounts", QueryAccountsRequest.encode({ pagination: { key, offset: 0n, limit: 1000n, countTotal: false, reverse: false } }).finish(), (b) => QueryAccountsResponse.decode(b));
    for (const a of r.accounts) {
      const acc = a.typeUrl === "/cosmos.auth.v1beta1.ModuleAccount" ? ModuleAccount.decode(a.value).baseAccount : BaseAccount.decode(a.value);
      if (acc !== undefined) holders.add(acc.address);
    }
    key = r.pagination?.nextKey ?? new Uint8Array(0);
    if (key.length === 0) break;
  }
  for (let h = 1; h <= top; h++) {
    const supply = BigInt((await abci(url, "/cosmos.bank.v1beta1.Query/SupplyOf", QuerySupplyOfRequest.encode({ denom }).finish(), (b) => QuerySupplyOfResponse.decode(b), h)).amount?.amount ?? "0");
    let sum = 0n;
    for (const a of holders) sum += BigInt((await abci(url, "/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address: a, denom }).finish(), (b) => QueryBalanceResponse.decode(b), h)).balance?.amount ?? "0");
    if (sum !== supply) throw new Error(`height ${h}: Σ balances ${sum} ≠ supply ${supply}`);
  }
  return top;
}
