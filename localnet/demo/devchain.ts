/**
 * `make demo` on the dev chain (issue 5 §7): a real `openledgerd dev` node (chain openledger-dev-1, one
 * validator that replays compute results in its vote extension, fresh home, free ports) and a real
 * provider daemon (`openledgerd provider start`, onnxruntime-node). Every step is a signed tx through
 * CosmJS or a query over the node's RPC:
 *   datanet → carol (honest), dave (flipped labels), erin (honest + near-copies) → snapshot →
 *   the model: an ONNX MLP (identity embedding of the 8 features, nearest-centre head) in the node's
 *   blob store, registered against the snapshot root →
 *   provider registers and runs; an embedding-index job has it compute the index (onnxruntime over every
 *   snapshot point, rows published as a blob), which the validator verifies by sampled replay; the
 *   provider then stores the accepted rows on chain → the user requests 20 inferences → validators replay, accept, PoA
 *   receipts, treasury split → receipts and earnings tables.
 * The caller runs it twice (with and without the near-copies) and checks the outcomes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Bip39, EnglishMnemonic } from "@cosmjs/crypto";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import { QueryAccountsRequest, QueryAccountsResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { BaseAccount, ModuleAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryBalanceRequest, QueryBalanceResponse, QuerySupplyOfRequest, QuerySupplyOfResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { MODULE_ACCOUNT_PERMISSIONS } from "../../modules/app.ts";
import { accAddressToString, moduleAddress } from "../../modules/core/address.ts";
import { utf8 } from "../../modules/core/bytes.ts";
import { sha256 } from "../../modules/core/hash.ts";
import { featuresToBytes as int16Features } from "../../modules/datanet/index.ts";
import { openledgerRegistry } from "../../cli/cmds/tx/broadcast.ts";
import { buildMlpModel } from "../../node/onnx/builder.ts";
import { attestationKey } from "../../node/provider/attest.ts";
import { featuresToBytes as floatFeatures } from "../../node/provider/inference.ts";
import { writeAttestationKeyFile } from "../../node/provider/keyFile.ts";
import * as aq from "../../proto/gen/openledger/attribution/v1/query.ts";
import * as cq from "../../proto/gen/openledger/compute/v1/query.ts";
import * as dq from "../../proto/gen/openledger/datanet/v1/query.ts";
import * as tq from "../../proto/gen/openledger/treasury/v1/query.ts";
import { JobStatus } from "../../proto/gen/openledger/compute/v1/types.ts";
import { CLASSES, DIM, FEE, INFERENCES, ONNX_SCALE, type Outcome, buildScenario, table } from "./scenario.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = join(ROOT, "cli/openledgerd");
const DEV_MNEMONIC = "test test test test test test test test test test test junk";
const CHAIN_ID = "openledger-dev-1";
/** squared distance (quantised embedding units, ×256 per feature unit) under which points collapse: a near-copy is one feature unit away (65536). */
const ONNX_TAU = 2n * 65536n;
const NAMES = ["alice", "bob", "carol", "dave", "erin", "user", "provider"] as const;
type Name = (typeof NAMES)[number];

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => res(typeof a === "object" && a !== null ? a.port : 0));
    });
  });
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, everyMs = 500): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${last !== undefined ? `: ${String(last)}` : ""}`);
}

export async function rpc(url: string, method: string, params: Record<string, unknown> = {}): Promise<any> {
  const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const j = (await r.json()) as { result?: unknown; error?: unknown };
  if (j.error !== undefined) throw new Error(`rpc ${method}: ${JSON.stringify(j.error)}`);
  return j.result;
}

interface Codec<T> {
  encode(m: T): { finish(): Uint8Array };
  decode(b: Uint8Array): T;
  fromPartial(o: any): T;
}
export async function abci<Q, R>(url: string, path: string, req: Codec<Q>, v: Record<string, unknown>, res: Codec<R>, height?: number): Promise<R> {
  const r = await rpc(url, "abci_query", { path, data: Buffer.from(req.encode(req.fromPartial(v)).finish()).toString("hex"), prove: false, ...(height !== undefined ? { height: String(height) } : {}) });
  if (r.response.code !== 0) throw new Error(`${path}: ${r.response.codespace}:${r.response.code} ${r.response.log}`);
  return res.decode(new Uint8Array(Buffer.from(r.response.value ?? "", "base64")));
}

export function run(args: string[], input?: string): Promise<string> {
  return new Promise((res, rej) => {
    const p = spawn(BIN, args, { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("close", (code) => (code === 0 ? res(out) : rej(new Error(`openledgerd ${args.join(" ")} exited ${code}: ${err}`))));
    p.stdin.end(input ?? "");
  });
}

export function spawnLogged(args: string[], logFile: string): { proc: ChildProcess; exited: Promise<number | null>; stop(): Promise<void> } {
  const log = createWriteStream(logFile, { flags: "a" });
  const proc = spawn(BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
  proc.stdout?.pipe(log);
  proc.stderr?.pipe(log);
  const exited = new Promise<number | null>((r) => proc.on("exit", (c) => r(c)));
  return {
    proc,
    exited,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/**
 * block_results on this node lists each FinalizeBlock event twice (the list repeated; reported): when the
 * second half repeats the first, count the first half only.
 */
function undouble<T>(evs: T[]): T[] {
  const n = evs.length;
  if (n === 0 || n % 2 !== 0) return evs;
  const a = JSON.stringify(evs.slice(0, n / 2));
  return a === JSON.stringify(evs.slice(n / 2)) ? evs.slice(0, n / 2) : evs;
}

/** a fixed mnemonic per demo actor (BIP39 of sha256(name)[0:16]), so that the keyring and CosmJS agree. */
export function mnemonicOf(name: string): string {
  return Bip39.encode(sha256(utf8(`openledger-demo/${name}`)).slice(0, 16)).toString();
}

/** the demo's model: Relu(I·x) = x as the embedding (features ≥ 0), and a nearest-centre head. */
function demoModel(centres: number[][]): Uint8Array {
  const eye = Array.from({ length: DIM * DIM }, (_, i) => (i % (DIM + 1) === 0 ? 1 : 0));
  // logits_k = c_k·x − |c_k|²/2; weight layout [in][out]
  const head = Array.from({ length: DIM * CLASSES }, (_, i) => (centres[i % CLASSES] as number[])[Math.floor(i / CLASSES)] as number);
  const bias = centres.map((c) => -c.reduce((a, x) => a + x * x, 0) / 2);
  return buildMlpModel({ hidden: [{ weight: eye, bias: new Array(DIM).fill(0), inDim: DIM, outDim: DIM }], head: { weight: head, bias, inDim: DIM, outDim: CLASSES } });
}

export async function runOnDevChain(withNearCopies: boolean, out: (s: string) => void): Promise<Outcome> {
  const s = buildScenario(withNearCopies, 2026, ONNX_SCALE);
  const home = mkdtempSync(join(tmpdir(), "openledger-demo-"));
  const stops: (() => Promise<void>)[] = [];
  const clients: SigningStargateClient[] = [];
  try {
    // the dev chain: fresh home, free ports (a `make run` chain may be up on the default ones)
    const ports = { rpc: await freePort(), p2p: await freePort(), api: await freePort(), grpc: await freePort(), metrics: await freePort() };
    const rpcUrl = `http://127.0.0.1:${ports.rpc}`;
    // the dev home as `openledgerd dev` creates it (dev key funded at genesis), with a longer answer window:
    // one provider daemon shares the machine's cores with the node while it answers 20 jobs
    const { ensureDevHome } = await import("../../cli/cmds/dev/handler.ts");
    await ensureDevHome(home, false);
    const gfile = join(home, "config/genesis.json");
    const g = JSON.parse(readFileSync(gfile, "utf8"));
    g.app_state.compute.params.inference_deadline_blocks = "400";
    writeFileSync(gfile, JSON.stringify(g, null, 2));
    const node = spawnLogged(["dev", "--home", home, "--rpc.laddr", `tcp://127.0.0.1:${ports.rpc}`, "--p2p.laddr", `tcp://127.0.0.1:${ports.p2p}`, "--api.address", `tcp://127.0.0.1:${ports.api}`, "--grpc.address", `127.0.0.1:${ports.grpc}`, "--metrics.address", `127.0.0.1:${ports.metrics}`, "--block-interval", "500ms"], join(home, "node.log"));
    stops.push(node.stop);
    await Promise.race([
      waitFor("the dev chain's first block", async () => (Number((await rpc(rpcUrl, "status")).sync_info.latest_block_height) >= 1 ? true : undefined), 120_000, 300),
      node.exited.then((c) => {
        throw new Error(`the dev chain exited with ${c}: ${readFileSync(join(home, "node.log"), "utf8").slice(-3000)}`);
      }),
    ]);
    out(`dev chain ${CHAIN_ID} up at ${rpcUrl} (home ${home})`);

    // actors: the dev key funds everyone (one MultiSend); the provider's key also goes into the keyring for its daemon
    const client = {} as Record<Name | "dev", SigningStargateClient>;
    const addr = {} as Record<Name | "dev", string>;
    for (const n of ["dev", ...NAMES] as const) {
      const w = await DirectSecp256k1HdWallet.fromMnemonic(n === "dev" ? DEV_MNEMONIC : mnemonicOf(n), { prefix: "open" });
      addr[n] = (await w.getAccounts())[0]!.address;
      client[n] = await SigningStargateClient.connectWithSigner(rpcUrl, w, { registry: openledgerRegistry(), gasPrice: GasPrice.fromString("0.0025uopen"), broadcastPollIntervalMs: 250, broadcastTimeoutMs: 60_000 });
      clients.push(client[n]);
    }
    await run(["keys", "add", "provider", "--recover", "--keyring-backend", "test", "--home", home], `${mnemonicOf("provider")}\n`);
    const tx = async (who: Name | "dev", msgs: { typeUrl: string; value: unknown }[], gas = "8000000") => {
      const r = await client[who].signAndBroadcast(addr[who], msgs, { amount: [{ denom: "uopen", amount: String(Math.ceil(Number(gas) * 0.0025)) }], gas });
      if (r.code !== 0) throw new Error(`${who}: ${msgs.map((m) => m.typeUrl).join(",")} failed: code ${r.code} ${r.rawLog ?? ""}`);
      return r;
    };
    await tx("dev", [{ typeUrl: "/cosmos.bank.v1beta1.MsgMultiSend", value: { inputs: [{ address: addr.dev, coins: [{ denom: "uopen", amount: String(NAMES.length * 10_000_000_000) }] }], outputs: NAMES.map((n) => ({ address: addr[n], coins: [{ denom: "uopen", amount: "10000000000" }] })) } }]);

    // the datanet and the three contributors
    const D = "/openledger.datanet.v1.";
    await tx("alice", [{ typeUrl: `${D}MsgCreateDatanet`, value: { owner: addr.alice, name: "demo-clusters", description: "", schema: { kind: "vector-label/v1", dim: DIM, numClasses: CLASSES }, license: "CC-BY-4.0", gating: 1, curators: [], allowlist: [], minStake: "1000" } }]);
    for (const c of s.contributions) {
      const items = c.points.map((p) => ({ contentHash: sha256(utf8(`demo:${c.who}:${p.f.join(",")}:${p.label}`)), size: 64n, uri: "", encrypted: false, parents: [], point: { features: int16Features(p.f), label: p.label }, stake: "1000" }));
      await tx(c.who, [{ typeUrl: `${D}MsgContribute`, value: { contributor: addr[c.who], datanetId: 1n, items } }]);
    }
    out(`contributions: carol ${s.contributions[0]!.points.length} (honest), dave ${s.contributions[1]!.points.length} (flipped labels), erin ${s.contributions[2]!.points.length}${withNearCopies ? " (half of them near-copies)" : ""}`);
    await tx("alice", [{ typeUrl: `${D}MsgSnapshot`, value: { creator: addr.alice, datanetId: 1n } }]);
    const snap = (await abci(rpcUrl, `${D}Query/Snapshot`, dq.QuerySnapshotRequest, { id: 1n }, dq.QuerySnapshotResponse)).snapshot!;
    const entries = (await abci(rpcUrl, `${D}Query/SnapshotEntries`, dq.QuerySnapshotEntriesRequest, { snapshotId: 1n, pagination: { limit: 1000n } }, dq.QuerySnapshotEntriesResponse)).entries;

    // the model: ONNX artifact into the node's blob store, registered against the snapshot root, and its index
    const onnx = demoModel(s.centres);
    const put = await rpc(rpcUrl, "blob_put", { data: Buffer.from(onnx).toString("base64") });
    if (put.hash !== Buffer.from(sha256(onnx)).toString("hex")) throw new Error("blob store hash mismatch");
    const A = "/openledger.attribution.v1.";
    await tx("bob", [{ typeUrl: `${A}MsgRegisterModel`, value: { owner: addr.bob, name: "demo-head", snapshotId: snap.id, snapshotRoot: snap.root, onnxHash: sha256(onnx), trainingConfigHash: sha256(utf8("demo head: nearest centre")), checkpointHashes: [], feePolicy: { dataBps: 6000, trainerBps: 1500, providerBps: 2000, communityBps: 500, burnBps: 0 }, embeddingDim: DIM, tau: ONNX_TAU } }]);
    out(`model 1: ONNX ${Buffer.from(sha256(onnx)).toString("hex").slice(0, 16)}… bound to snapshot root ${Buffer.from(snap.root).toString("hex").slice(0, 16)}…, its index to be built by a provider over ${entries.length} points`);

    // the provider: attestation key, bond, daemon
    const C = "/openledger.compute.v1.";
    const att = attestationKey("secp256k1", sha256(utf8("openledger-demo/provider attestation")));
    const attFile = join(home, "provider.attestation.json");
    writeAttestationKeyFile(attFile, att);
    const metricsPort = await freePort();
    const daemon = spawnLogged(["provider", "start", "provider", "--attestation-key", attFile, "--node", rpcUrl, "--metrics-addr", `127.0.0.1:${metricsPort}`, "--home", home, "--keyring-backend", "test"], join(home, "provider.log"));
    stops.unshift(daemon.stop);
    await waitFor("the provider daemon", async () => ((await fetch(`http://127.0.0.1:${metricsPort}/metrics`).catch(() => undefined))?.ok ? true : undefined), 120_000, 300);
    await tx("provider", [{ typeUrl: `${C}MsgRegisterProvider`, value: { provider: addr.provider, bond: { denom: "uopen", amount: "5000000" }, capabilities: { accelerator: "cpu", memoryBytes: 1n << 30n, maxBatch: 1, endpoint: "" }, attestationPubkey: att.pub, attestationKeyType: att.type, moniker: "demo-provider" } }]);

    // the model owner has the provider build the index (an embedding-index job): the provider runs the model on
    // every snapshot point, publishes the rows as a blob (sha256 in its result); the validator replays rows
    // sampled from the block hash; once accepted the provider stores the rows on chain
    await tx("bob", [{ typeUrl: `${C}MsgRequestJob`, value: { requester: addr.bob, jobType: 2, modelId: 1n, inputBlobHash: new Uint8Array(0), maxFee: { denom: "uopen", amount: FEE.toString() } } }]);
    const indexJob = await waitFor(
      "the embedding-index job accepted and its rows stored",
      async () => {
        const js = (await abci(rpcUrl, `${C}Query/Jobs`, cq.QueryJobsRequest, { status: JobStatus.JOB_STATUS_UNSPECIFIED, pagination: { limit: 1000n } }, cq.QueryJobsResponse)).jobs.filter((j) => j.jobType === 2);
        const j = js[0];
        if (j !== undefined && j.status === JobStatus.JOB_STATUS_FAILED) throw new Error(`index job ${j.id} failed`);
        if (j === undefined || j.status !== JobStatus.JOB_STATUS_ACCEPTED) return undefined;
        const m = (await abci(rpcUrl, `${A}Query/Model`, aq.QueryModelRequest, { id: 1n }, aq.QueryModelResponse)).model;
        return m?.indexComplete === true ? j : undefined;
      },
      Number(process.env.DEMO_TIMEOUT_MS ?? 600_000),
      1000,
    );
    out(`index built by the provider (job ${indexJob.id}), verified by the validator's sampled replay, stored on chain by the provider`);

    // the user pays for 20 inferences
    await tx("user", s.queries.map((q) => ({ typeUrl: `${C}MsgRequestInference`, value: { requester: addr.user, modelId: 1n, input: floatFeatures(q.f), maxFee: { denom: "uopen", amount: FEE.toString() } } })), "20000000");
    out(`user requested ${INFERENCES} inferences at ${FEE}uopen each; waiting for the provider's results and the validator's verdicts…`);
    const jobsAll = async () => (await abci(rpcUrl, `${C}Query/Jobs`, cq.QueryJobsRequest, { status: JobStatus.JOB_STATUS_UNSPECIFIED, pagination: { limit: 1000n } }, cq.QueryJobsResponse)).jobs.filter((j) => j.jobType === 1);
    let lastReport = Date.now();
    const done = await waitFor(
      `${INFERENCES} accepted inference jobs`,
      async () => {
        const js = await jobsAll();
        const acc = js.filter((j) => j.status === JobStatus.JOB_STATUS_ACCEPTED);
        if (Date.now() - lastReport > 15_000) {
          lastReport = Date.now();
          const by = new Map<number, number>();
          for (const j of js) by.set(j.status, (by.get(j.status) ?? 0) + 1);
          out(`  jobs by status: ${[...by].map(([k, v]) => `${Object.entries(JobStatus).find(([, x]) => x === k)?.[0] ?? k}=${v}`).join(" ")}`);
        }
        return acc.length >= INFERENCES ? acc : undefined;
      },
      Number(process.env.DEMO_TIMEOUT_MS ?? 600_000),
      1000,
    );

    // receipts
    const nameOf = (a: string) => NAMES.find((n) => addr[n] === a) ?? a.slice(0, 12);
    const receiptRows: (string | number | bigint)[][] = [];
    for (const j of done.sort((a, b) => Number(a.id - b.id))) {
      const r = (await abci(rpcUrl, `${A}Query/Receipt`, aq.QueryReceiptRequest, { id: j.receiptId }, aq.QueryReceiptResponse)).receipt!;
      const sh = (n: string) => r.shares.filter((x) => nameOf(x.contributor) === n).reduce((a, x) => a + BigInt(x.amount), 0n);
      receiptRows.push([j.id, r.id, r.label, r.points.length, sh("carol"), sh("dave"), sh("erin"), r.remainder]);
    }
    out(`\nreceipts (jobs accepted by the validator's replay; PoA shares of each ${FEE}uopen fee)`);
    out(table(["job", "receipt", "label", "points", "carol", "dave", "erin", "unassigned"], receiptRows));

    // earnings statements
    const earnings = { carol: 0n, dave: 0n, erin: 0n };
    const rows: (string | bigint)[][] = [];
    for (const n of ["bob", "carol", "dave", "erin", "provider"] as const) {
      const st = (await abci(rpcUrl, "/openledger.treasury.v1.Query/Earnings", tq.QueryEarningsRequest, { address: addr[n] }, tq.QueryEarningsResponse)).rows;
      const sum = (f: (r: (typeof st)[number]) => string) => st.reduce((a, r) => a + BigInt(f(r)), 0n);
      if (n === "carol" || n === "dave" || n === "erin") earnings[n] = sum((r) => r.asContributor);
      rows.push([n, sum((r) => r.asContributor), sum((r) => r.asTrainer), sum((r) => r.asProvider), st.reduce((a, r) => a + r.splits, 0n)]);
    }
    out(`\nearnings (uopen; contributor rewards vest over epochs in the treasury account)`);
    out(table(["address", "as contributor", "as trainer", "as provider", "splits"], rows));

    // conservation: Σ all balances (module accounts included) = supply at every height; Δsupply = mint − burn
    const holders = new Set<string>(Object.keys(MODULE_ACCOUNT_PERMISSIONS).map((m) => accAddressToString(moduleAddress(m))));
    let key: Uint8Array = new Uint8Array(0);
    for (;;) {
      const r = await abci(rpcUrl, "/cosmos.auth.v1beta1.Query/Accounts", QueryAccountsRequest, { pagination: { key, limit: 1000n } }, QueryAccountsResponse);
      for (const a of r.accounts) {
        const acc = a.typeUrl === "/cosmos.auth.v1beta1.ModuleAccount" ? ModuleAccount.decode(a.value).baseAccount : BaseAccount.decode(a.value);
        if (acc !== undefined) holders.add(acc.address);
      }
      key = r.pagination?.nextKey ?? new Uint8Array(0);
      if (key.length === 0) break;
    }
    const top = Number((await rpc(rpcUrl, "status")).sync_info.latest_block_height);
    const supplyAt = async (h: number) => BigInt((await abci(rpcUrl, "/cosmos.bank.v1beta1.Query/SupplyOf", QuerySupplyOfRequest, { denom: "uopen" }, QuerySupplyOfResponse, h)).amount?.amount ?? "0");
    let bad = "";
    let minted = 0n;
    let burned = 0n;
    const amt = (v: string) => BigInt(/^([0-9]+)/.exec(v)?.[1] ?? "0");
    for (let h = 1; h <= top && bad === ""; h++) {
      const supply = await supplyAt(h);
      let sum = 0n;
      for (const a of holders) sum += BigInt((await abci(rpcUrl, "/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest, { address: a, denom: "uopen" }, QueryBalanceResponse, h)).balance?.amount ?? "0");
      if (sum !== supply) bad = `height ${h}: Σ balances ${sum} ≠ supply ${supply}`;
      const br = await rpc(rpcUrl, "block_results", { height: String(h) });
      const evs = [...undouble(br.finalize_block_events ?? []), ...((br.txs_results ?? []) as { code: number; events: unknown[] }[]).filter((t) => t.code === 0).flatMap((t) => t.events)] as { type: string; attributes: { key: string; value: string }[] }[];
      for (const e of evs) {
        const a = e.attributes.find((x) => x.key === "amount")?.value ?? "0";
        if (e.type === "mint") minted += amt(a);
        if (e.type === "burn") burned += amt(a);
      }
    }
    const s1 = await supplyAt(1);
    const sTop = await supplyAt(top);
    // the supply at height 1 already includes height 1's mint: count mint/burn from height 2 on
    let m1 = 0n;
    let b1 = 0n;
    {
      const br = await rpc(rpcUrl, "block_results", { height: "1" });
      for (const e of undouble(br.finalize_block_events ?? []) as { type: string; attributes: { key: string; value: string }[] }[]) {
        const a = e.attributes.find((x) => x.key === "amount")?.value ?? "0";
        if (e.type === "mint") m1 += amt(a);
        if (e.type === "burn") b1 += amt(a);
      }
    }
    const conserved = bad === "" && sTop - s1 === minted - m1 - (burned - b1);
    const note = bad !== "" ? bad : `supply ${s1} (height 1) → ${sTop} (height ${top}); minted ${minted - m1}, burned ${burned - b1} in between`;
    out(`\n${note}; Σ balances = supply at each of ${top} heights`);
    return { earnings, supplyConserved: conserved, supplyNote: note };
  } finally {
    for (const c of clients) c.disconnect();
    for (const stop of stops) await stop().catch(() => undefined);
    if (process.env.KEEP_HOMES !== "1") rmSync(home, { recursive: true, force: true });
  }
}
