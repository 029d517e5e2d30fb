/**
 * Verified and attributed inferences per block on the dev chain (issue 5 item 9). Run:
 * `node test/bench/inferenceDevChain.ts [--localnet]` (env BENCH_INFERENCES, default 150; BENCH_BLOCK_INTERVAL,
 * default 1s). `--localnet`: 4 validators from gentxs on 127.0.0.1 instead of the dev chain.
 *
 * A real `openledgerd dev` node (1 s blocks, the validator replays compute results in ExtendVote) and a
 * real provider daemon. A datanet of 10,000 points at d = 64 (20 contributors), an ONNX MLP with a
 * 64-dim embedding (identity + Relu) and a nearest-centre head, its 10k × 64 index, then one tx with N
 * paid MsgRequestInference. The daemon answers (onnxruntime), the validator replays each result
 * (time-boxed), ≥2/3 verdicts accept them, and FinalizeBlock writes a PoA receipt and treasury's split
 * for each. From block_results: jobs accepted per block (EventInferenceAttributed count); from the
 * node's Prometheus metrics: PoA seconds per block and FinalizeBlock seconds; verification: the
 * validator's replay verdicts.
 *
 * BENCH {"name":"devchain-inferences-per-block-10k-d64","value":<most receipts in one block>,
 *        "unit":"inferences/block","baseline":<receipts per block if every accepted job had landed in
 *        the blocks it spans: N / blocks from the first to the last acceptance>,"target":100, …}
 * Wall-clock on a shared machine: the daemon, the node and this script share 2 cores.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import { utf8 } from "../../modules/core/bytes.ts";
import { sha256 } from "../../modules/core/hash.ts";
import { featuresToBytes as int16Features } from "../../modules/datanet/index.ts";
import { openledgerRegistry } from "../../cli/cmds/tx/broadcast.ts";
import { buildMlpModel } from "../../node/onnx/builder.ts";
import { OnnxModel } from "../../node/onnx/service.ts";
import { attestationKey } from "../../node/provider/attest.ts";
import { featuresToBytes as floatFeatures } from "../../node/provider/inference.ts";
import { writeAttestationKeyFile } from "../../node/provider/keyFile.ts";
import * as dq from "../../proto/gen/openledger/datanet/v1/query.ts";
import * as cq from "../../proto/gen/openledger/compute/v1/query.ts";
import { JobStatus } from "../../proto/gen/openledger/compute/v1/types.ts";
import { abci, freePort, mnemonicOf, rpc, run, spawnLogged, waitFor } from "../../localnet/demo/devchain.ts";

const N_POINTS = 10_000;
const D = 64;
const CLASSES = 10;
const CONTRIBUTORS = 20;
const N = Number(process.env.BENCH_INFERENCES ?? 150);
const INTERVAL = process.env.BENCH_BLOCK_INTERVAL ?? "1s";
const DEV_MNEMONIC = "test test test test test test test test test test test junk";
const bench = (line: Record<string, unknown>) => process.stdout.write(`BENCH ${JSON.stringify(line)}\n`);
const log = (s: string) => process.stderr.write(`devchain bench: ${s}\n`);

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}
const r = rng(64_010_001);
const centres = Array.from({ length: CLASSES }, () => Array.from({ length: D }, () => Math.round(10 + r() * 100)));
const sample = (k: number) => (centres[k] as number[]).map((c) => Math.max(0, c + Math.round((r() * 2 - 1) * 20)));
const points = Array.from({ length: N_POINTS }, (_, i) => ({ f: sample(i % CLASSES), label: i % CLASSES }));
const queries = Array.from({ length: N }, (_, i) => ({ f: sample(i % CLASSES), label: i % CLASSES }));

const LOCALNET = process.argv.includes("--localnet");
const home = mkdtempSync(join(tmpdir(), "openledger-bench-devchain-"));
const stops: (() => Promise<void>)[] = [];
const clients: SigningStargateClient[] = [];
const editGenesis = (g: Record<string, any>) => {
  g.app_state.compute.params.inference_deadline_blocks = "600";
  g.app_state.datanet.params.max_points_per_msg = 1000;
  g.app_state.datanet.params.min_stake = "1";
};
try {
  let rpcUrl: string;
  let metricsUrl: string;
  let keyHome = home;
  if (!LOCALNET) {
    const { ensureDevHome } = await import("../../cli/cmds/dev/handler.ts");
    await ensureDevHome(home, false);
    const gfile = join(home, "config/genesis.json");
    const g = JSON.parse(readFileSync(gfile, "utf8"));
    editGenesis(g);
    writeFileSync(gfile, JSON.stringify(g, null, 2));
    const ports = { rpc: await freePort(), p2p: await freePort(), api: await freePort(), grpc: await freePort(), metrics: await freePort() };
    rpcUrl = `http://127.0.0.1:${ports.rpc}`;
    metricsUrl = `http://127.0.0.1:${ports.metrics}/metrics`;
    const node = spawnLogged(["dev", "--home", home, "--rpc.laddr", `tcp://127.0.0.1:${ports.rpc}`, "--p2p.laddr", `tcp://127.0.0.1:${ports.p2p}`, "--api.address", `tcp://127.0.0.1:${ports.api}`, "--grpc.address", `127.0.0.1:${ports.grpc}`, "--metrics.address", `127.0.0.1:${ports.metrics}`, "--block-interval", INTERVAL], join(home, "node.log"));
    stops.push(node.stop);
  } else {
    // 4 validators from gentxs on 127.0.0.1 (test/e2e/bftNet.ts, as localnet/localnet.ts builds them); each replays results in its own ExtendVote
    const { setupGentxNet, launch, teardown } = await import("../e2e/bftNet.ts");
    const devAddr = (await (await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, { prefix: "open" })).getAccounts())[0]!.address;
    const procs = await setupGentxNet("bench-inf", [{ address: devAddr, coins: [{ denom: "uopen", amount: "1000000000000" }] }], "10000000uopen", (g) => editGenesis(g));
    const mport = await freePort();
    procs.forEach((p, i) => launch(p, {}, { blockInterval: INTERVAL, extraArgs: i === 0 ? ["--metrics.address", `127.0.0.1:${mport}`] : [] }));
    stops.push(() => teardown(procs));
    rpcUrl = procs[0]!.rpcUrl;
    metricsUrl = `http://127.0.0.1:${mport}/metrics`;
    keyHome = procs[0]!.home;
  }
  await waitFor("the chain", async () => (Number((await rpc(rpcUrl, "status")).sync_info.latest_block_height) >= 1 ? true : undefined), 180_000, 300);

  const names = [...Array.from({ length: CONTRIBUTORS }, (_, i) => `c${i}`), "owner", "user", "provider"];
  const client: Record<string, SigningStargateClient> = {};
  const addr: Record<string, string> = {};
  for (const n of ["dev", ...names]) {
    const w = await DirectSecp256k1HdWallet.fromMnemonic(n === "dev" ? DEV_MNEMONIC : mnemonicOf(`bench/${n}`), { prefix: "open" });
    addr[n] = (await w.getAccounts())[0]!.address;
    client[n] = await SigningStargateClient.connectWithSigner(rpcUrl, w, { registry: openledgerRegistry(), gasPrice: GasPrice.fromString("0.0025uopen"), broadcastPollIntervalMs: 250, broadcastTimeoutMs: 120_000 });
    clients.push(client[n]!);
  }
  await run(["keys", "add", "provider", "--recover", "--keyring-backend", "test", "--home", keyHome], `${mnemonicOf("bench/provider")}\n`);
  const tx = async (who: string, msgs: { typeUrl: string; value: unknown }[], gas = 20_000_000) => {
    const res = await client[who]!.signAndBroadcast(addr[who]!, msgs, { amount: [{ denom: "uopen", amount: String(Math.ceil(gas * 0.0025)) }], gas: String(gas) });
    if (res.code !== 0) throw new Error(`${who}: ${msgs[0]?.typeUrl} failed: ${res.code} ${res.rawLog ?? ""}`);
    return res;
  };
  await tx("dev", [{ typeUrl: "/cosmos.bank.v1beta1.MsgMultiSend", value: { inputs: [{ address: addr.dev, coins: [{ denom: "uopen", amount: String(names.length * 10_000_000_000) }] }], outputs: names.map((n) => ({ address: addr[n], coins: [{ denom: "uopen", amount: "10000000000" }] })) } }]);
  log("contributing 10,000 points at d = 64…");
  const DN = "/openledger.datanet.v1.";
  await tx("owner", [{ typeUrl: `${DN}MsgCreateDatanet`, value: { owner: addr.owner, name: "bench", description: "", schema: { kind: "vector-label/v1", dim: D, numClasses: CLASSES }, license: "", gating: 1, curators: [], allowlist: [], minStake: "1" } }]);
  const per = N_POINTS / CONTRIBUTORS;
  // four contributors' txs at a time (each ~70 kB): the RPC server shares the machine with the validators
  for (let b = 0; b < CONTRIBUTORS; b += 4)
  await Promise.all(
    Array.from({ length: Math.min(4, CONTRIBUTORS - b) }, (_, k) => b + k).map((ci) =>
      tx(`c${ci}`, [{ typeUrl: `${DN}MsgContribute`, value: { contributor: addr[`c${ci}`], datanetId: 1n, items: points.slice(ci * per, (ci + 1) * per).map((p, j) => ({ contentHash: sha256(utf8(`bench:${ci}:${j}`)), size: 64n, uri: "", encrypted: false, parents: [], point: { features: int16Features(p.f), label: p.label }, stake: "1" })) } }], 200_000_000),
    ),
  );
  await tx("owner", [{ typeUrl: `${DN}MsgSnapshot`, value: { creator: addr.owner, datanetId: 1n } }], 200_000_000);
  const snap = (await abci(rpcUrl, `${DN}Query/Snapshot`, dq.QuerySnapshotRequest, { id: 1n }, dq.QuerySnapshotResponse)).snapshot!;
  const order: number[] = [];
  let key: Uint8Array = new Uint8Array(0);
  for (;;) {
    const page = await abci(rpcUrl, `${DN}Query/SnapshotEntries`, dq.QuerySnapshotEntriesRequest, { snapshotId: 1n, pagination: { key, limit: 1000n } }, dq.QuerySnapshotEntriesResponse);
    for (const e of page.entries) order.push(Number(e.contributionId) - 1);
    key = page.pagination?.nextKey ?? new Uint8Array(0);
    if (key.length === 0) break;
  }

  // the model and its index (one batched onnxruntime run over the snapshot rows; quantised ×256 as the provider does)
  const eye = Array.from({ length: D * D }, (_, i) => (i % (D + 1) === 0 ? 1 : 0));
  const head = Array.from({ length: D * CLASSES }, (_, i) => (centres[i % CLASSES] as number[])[Math.floor(i / CLASSES)] as number);
  const bias = centres.map((c) => -c.reduce((a, x) => a + x * x, 0) / 2);
  const onnx = buildMlpModel({ hidden: [{ weight: eye, bias: new Array(D).fill(0), inDim: D, outDim: D }], head: { weight: head, bias, inDim: D, outDim: CLASSES } });
  await rpc(rpcUrl, "blob_put", { data: Buffer.from(onnx).toString("base64") });
  const model = await OnnxModel.fromBytes(onnx);
  const x = new Float32Array(N_POINTS * D);
  order.forEach((pi, row) => x.set((points[pi] as { f: number[] }).f, row * D));
  const outp = await model.run(x, N_POINTS);
  await model.release();
  const emb = new Uint8Array(N_POINTS * D * 2);
  const dv = new DataView(emb.buffer);
  for (let i = 0; i < N_POINTS * D; i++) dv.setInt16(2 * i, Math.max(-32768, Math.min(32767, Math.round((outp.embedding[i] as number) * 256))), true);
  const A = "/openledger.attribution.v1.";
  await tx("owner", [{ typeUrl: `${A}MsgRegisterModel`, value: { owner: addr.owner, name: "bench", snapshotId: 1n, snapshotRoot: snap.root, onnxHash: sha256(onnx), trainingConfigHash: sha256(utf8("bench")), checkpointHashes: [], feePolicy: { dataBps: 6000, trainerBps: 1500, providerBps: 2000, communityBps: 500, burnBps: 0 }, embeddingDim: D, tau: 65536n } }]);
  const CHUNK = 4096;
  for (let s = 0; s < N_POINTS; s += CHUNK) await tx("owner", [{ typeUrl: `${A}MsgSetEmbeddingIndex`, value: { owner: addr.owner, modelId: 1n, start: BigInt(s), vectors: emb.slice(s * D * 2, Math.min(N_POINTS, s + CHUNK) * D * 2) } }], 200_000_000);
  log("model and 10k × 64 index registered; starting the provider daemon");

  const C = "/openledger.compute.v1.";
  const att = attestationKey("secp256k1", sha256(utf8("bench provider attestation")));
  const attFile = join(home, "provider.attestation.json");
  writeAttestationKeyFile(attFile, att);
  const pm = await freePort();
  const daemon = spawnLogged(["provider", "start", "provider", "--attestation-key", attFile, "--node", rpcUrl, "--metrics-addr", `127.0.0.1:${pm}`, "--home", keyHome, "--keyring-backend", "test", "--gas", "100000000"], join(home, "provider.log"));
  stops.unshift(daemon.stop);
  await waitFor("the provider daemon", async () => ((await fetch(`http://127.0.0.1:${pm}/metrics`).catch(() => undefined))?.ok ? true : undefined), 120_000, 300);
  await tx("provider", [{ typeUrl: `${C}MsgRegisterProvider`, value: { provider: addr.provider, bond: { denom: "uopen", amount: "5000000" }, capabilities: { accelerator: "cpu", memoryBytes: 1n << 30n, maxBatch: 256, endpoint: "" }, attestationPubkey: att.pub, attestationKeyType: att.type, moniker: "bench" } }]);

  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(metricsUrl)).text();
    const m = new RegExp(`^${name} ([0-9.e+-]+)$`, "m").exec(text);
    return m === null ? 0 : Number(m[1]);
  };
  const poa0 = await metric("openledger_poa_block_seconds_sum");
  const poaN0 = await metric("openledger_poa_block_seconds_count");
  const req = await tx("user", queries.map((q) => ({ typeUrl: `${C}MsgRequestInference`, value: { requester: addr.user, modelId: 1n, input: floatFeatures(q.f), maxFee: { denom: "uopen", amount: "100000" } } })), 200_000_000);
  log(`${N} inferences requested at height ${req.height}; waiting for acceptance…`);
  await waitFor(`${N} accepted jobs`, async () => {
    const js = (await abci(rpcUrl, `${C}Query/Jobs`, cq.QueryJobsRequest, { status: JobStatus.JOB_STATUS_ACCEPTED, pagination: { limit: 5000n } }, cq.QueryJobsResponse)).jobs;
    return js.length >= N ? true : undefined;
  }, 900_000, 2000);
  const top = Number((await rpc(rpcUrl, "status")).sync_info.latest_block_height);
  const perBlock: { h: number; n: number }[] = [];
  for (let h = req.height; h <= top; h++) {
    const br = await rpc(rpcUrl, "block_results", { height: String(h) });
    // unique receipt ids: block_results lists each FinalizeBlock event twice on this node (reported to apis)
    const ids = new Set(((br.finalize_block_events ?? []) as { type: string; attributes: { key: string; value: string }[] }[]).filter((e) => e.type === "openledger.attribution.v1.EventInferenceAttributed").map((e) => e.attributes.find((a) => a.key === "receipt_id")?.value));
    const n = ids.size;
    if (n > 0) perBlock.push({ h, n });
  }
  const poaSec = (await metric("openledger_poa_block_seconds_sum")) - poa0;
  const poaBlocks = (await metric("openledger_poa_block_seconds_count")) - poaN0;
  const most = Math.max(...perBlock.map((p) => p.n));
  const span = perBlock.length === 0 ? 0 : (perBlock[perBlock.length - 1]!.h - perBlock[0]!.h + 1);
  const verdicts = (await fetch(metricsUrl).then((x) => x.text())).split("\n").filter((l) => l.startsWith("openledger_verification_verdicts_total")).join("; ");
  const replayLog = readFileSync(join(keyHome, "node.log"), "utf8").split("\n").filter((l) => l.includes("compute replay")).length;
  bench({
    name: LOCALNET ? "localnet4-inferences-per-block-10k-d64" : "devchain-inferences-per-block-10k-d64",
    value: most,
    unit: "inferences/block",
    baseline: span === 0 ? 0 : Number((N / span).toFixed(2)),
    ratio: span === 0 ? 0 : Number((most / (N / span)).toFixed(2)),
    target: 100,
    meetsTarget: most >= 100,
    requested: N,
    blockInterval: INTERVAL,
    blocksWithReceipts: perBlock.length,
    perBlock: perBlock.map((p) => p.n),
    poaMsPerBlock: poaBlocks === 0 ? null : Number(((poaSec * 1000) / poaBlocks).toFixed(1)),
    verdicts,
    replayTimeBoxWarnings: replayLog,
    note: "real node + provider daemon on a shared 2-core machine; verification = the validator's ONNX replay in ExtendVote (time box 1.5 s)",
  });
} finally {
  for (const c of clients) c.disconnect();
  for (const s of stops) await s().catch(() => undefined);
  if (process.env.KEEP_HOMES !== "1") rmSync(home, { recursive: true, force: true });
}
