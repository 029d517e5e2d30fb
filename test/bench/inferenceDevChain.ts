/**
 * Verified and attributed inferences per block on the dev chain (issue 5 item 9). Run:
 * `node test/bench/inferenceDevChain.ts [--localnet]` (env BENCH_ROUNDS, default "10,50,100,150,200,300", the first a warm-up; BENCH_BLOCK_INTERVAL,
 * default 1s). `--localnet`: 4 validators from gentxs on 127.0.0.1 instead of the dev chain.
 *
 * A real `openledgerd dev` node (1 s blocks, the validator replays compute results in ExtendVote) and a
 * real provider daemon. A datanet of 10,000 points at d = 64 (20 contributors), an ONNX MLP with a
 * 64-dim embedding (identity + Relu) and a nearest-centre head, its 10k × 64 index, then rounds: one tx
 * of N paid MsgRequestInference, waiting until all N are accepted. The daemon answers every job of a
 * pass in one onnxruntime batch and one tx, the validator replays them in ExtendVote (one batch per
 * model, time-boxed), ≥2/3 verdicts accept them, and FinalizeBlock writes a PoA receipt and treasury's
 * split for each. Per round: receipts per block (block_results), the interval of the block that carried
 * them (its time → the next block's), the node's PoA time (openledger_poa_block_seconds: time inside the PoA engine
 * during FinalizeBlock of the blocks with receipts) and its verification time (the verifier's "extend vote verified" log
 * line: ms of that height's ExtendVote replay).
 *
 * BENCH {"name":"devchain-inferences-per-block-10k-d64","value":<the largest round paid in one block
 *        whose block intervals (BFT/header time, commit to commit) held ≤ 1.1 × the configured interval>,"unit":"inferences/block",
 *        "baseline":<the most receipts in one block, interval or not>,"target":100,"poaBlockMs","verifyMs","rounds":[…]}
 * Wall-clock on a shared machine: the daemon, the node and this script share 2 cores.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
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
/** inferences per round (one tx each; a round waits for all of its jobs to be accepted). */
const ROUNDS = (process.env.BENCH_ROUNDS ?? "10,50,100,150,200,300").split(",").map(Number);
/** the first round warms the node up (the model's valuation — dedup + collapse of the 10k index — is built once per node and cached): reported, not counted. */
const WARMUP = ROUNDS.length > 1 ? 1 : 0;
const N = Math.max(...ROUNDS);
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
  /** the (first) node's process: its CPU time per block is read from /proc. */
  let nodePid: number | undefined;
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
    nodePid = node.proc.pid;
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
    nodePid = procs[0]!.proc?.pid;
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
  // signed once, then broadcast until it is in a block: a connection the loaded node resets is retried with
  // the same bytes (same sequence: never a second tx), and a broadcast whose answer was lost is found by hash
  const tx = async (who: string, msgs: { typeUrl: string; value: unknown }[], gas = 20_000_000) => {
    const c = client[who]!;
    const raw = TxRaw.encode(await c.sign(addr[who]!, msgs, { amount: [{ denom: "uopen", amount: String(Math.ceil(gas * 0.0025)) }], gas: String(gas) }, "")).finish();
    const hash = Buffer.from(sha256(raw)).toString("hex").toUpperCase();
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await c.broadcastTx(raw, 180_000, 250);
        if (res.code !== 0) throw new Error(`${who}: ${msgs[0]?.typeUrl} failed: ${res.code} ${res.rawLog ?? ""}`);
        return res;
      } catch (e: unknown) {
        const msg = e instanceof Error ? `${e.message} ${String((e as { cause?: unknown }).cause ?? "")}` : String(e);
        if (!/fetch failed|ECONNRESET|socket hang up|ECONNREFUSED|timed out|already exists/i.test(msg) || attempt >= 8) throw e;
        log(`${who}: broadcast of ${hash.slice(0, 12)}… failed (${msg.slice(0, 80)}); looking for it, then retrying`);
        const found = await waitFor(`tx ${hash.slice(0, 12)}`, async () => ((await c.getTx(hash).catch(() => null)) ?? undefined), 10_000, 1000).catch(() => undefined);
        if (found !== undefined) {
          if (found.code !== 0) throw new Error(`${who}: ${msgs[0]?.typeUrl} failed: ${found.code} ${found.rawLog ?? ""}`);
          return found;
        }
      }
    }
  };
  await tx("dev", [{ typeUrl: "/cosmos.bank.v1beta1.MsgMultiSend", value: { inputs: [{ address: addr.dev, coins: [{ denom: "uopen", amount: String(names.length * 10_000_000_000) }] }], outputs: names.map((n) => ({ address: addr[n], coins: [{ denom: "uopen", amount: "10000000000" }] })) } }]);
  log("contributing 10,000 points at d = 64…");
  const DN = "/openledger.datanet.v1.";
  await tx("owner", [{ typeUrl: `${DN}MsgCreateDatanet`, value: { owner: addr.owner, name: "bench", description: "", schema: { kind: "vector-label/v1", dim: D, numClasses: CLASSES }, license: "", gating: 1, curators: [], allowlist: [], minStake: "1" } }]);
  const per = N_POINTS / CONTRIBUTORS;
  // four contributors' txs at a time (each ~70 kB; one at a time on the localnet): the RPC server shares the machine with the validators
  const PAR = LOCALNET ? 1 : 4;
  for (let b = 0; b < CONTRIBUTORS; b += PAR)
  await Promise.all(
    Array.from({ length: Math.min(PAR, CONTRIBUTORS - b) }, (_, k) => b + k).map((ci) =>
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
  const nodeLog = join(keyHome, "node.log");
  /** the node's own measurement of its ExtendVote replays: height → {ms, tasks} (verifier log lines). */
  const replays = () => {
    const out = new Map<number, { ms: number; tasks: number }>();
    for (const line of readFileSync(nodeLog, "utf8").split("\n")) {
      if (!line.includes("extend vote verified")) continue;
      try {
        const o = JSON.parse(line) as { height: string; ms: number; tasks: number };
        out.set(Number(o.height), { ms: o.ms, tasks: o.tasks });
      } catch {
        // a torn last line
      }
    }
    return out;
  };
  // each new height as this client sees it (polled every 20 ms): the wall time and the node process's CPU
  // time (user + system, all threads, /proc, 10 ms ticks). Block h's FinalizeBlock (its PoA) runs between
  // h−1 and h becoming visible: wall(h) − wall(h−1) is the interval that block's work set, cpu(h) − cpu(h−1)
  // the node's CPU for it (not inflated by other processes on a shared machine).
  const seen = new Map<number, { wall: number; cpu: number }>();
  const cpuMs = (): number => {
    if (nodePid === undefined) return Number.NaN;
    try {
      const f = readFileSync(`/proc/${nodePid}/stat`, "utf8");
      const rest = f.slice(f.lastIndexOf(")") + 2).split(" ");
      return ((Number(rest[11]) + Number(rest[12])) * 1000) / 100;
    } catch {
      return Number.NaN;
    }
  };
  let polling = true;
  const poller = (async () => {
    while (polling) {
      try {
        const h = Number((await rpc(rpcUrl, "status")).sync_info.latest_block_height);
        if (!seen.has(h)) seen.set(h, { wall: performance.now(), cpu: cpuMs() });
      } catch {
        // a busy node: next poll
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  stops.unshift(async () => {
    polling = false;
    await poller;
  });
  const blockCost = (h: number) => {
    const a = seen.get(h - 1);
    const b = seen.get(h);
    return a === undefined || b === undefined ? { wallMs: null, cpuMs: null } : { wallMs: Math.round(b.wall - a.wall), cpuMs: Math.round(b.cpu - a.cpu) };
  };
  // rounds of N paid inferences in one tx each; each round waits for all of its jobs to be accepted
  let accepted = 0;
  const rounds: Record<string, unknown>[] = [];
  let q = 0;
  for (const n of ROUNDS) {
    const poa0 = await metric("openledger_poa_block_seconds_sum");
    const poaN0 = await metric("openledger_poa_block_seconds_count");
    const fin0 = await metric("openledger_finalize_block_seconds_sum");
    const finN0 = await metric("openledger_finalize_block_seconds_count");
    const batch = Array.from({ length: n }, () => queries[q++ % queries.length] as { f: number[] });
    const req = await tx("user", batch.map((x) => ({ typeUrl: `${C}MsgRequestInference`, value: { requester: addr.user, modelId: 1n, input: floatFeatures(x.f), maxFee: { denom: "uopen", amount: "100000" } } })), 400_000_000);
    log(`round of ${n}: requested at height ${req.height}; waiting for acceptance…`);
    accepted += n;
    // the count only (count_total, one job per answer): paging every accepted job's record once a second
    // made the node encode ~1 kB per job per poll, in the very intervals this bench measures
    await waitFor(`${accepted} accepted jobs`, async () => {
      const page = await abci(rpcUrl, `${C}Query/Jobs`, cq.QueryJobsRequest, { status: JobStatus.JOB_STATUS_ACCEPTED, pagination: { limit: 1n, countTotal: true } }, cq.QueryJobsResponse);
      return Number(page.pagination?.total ?? 0n) >= accepted ? true : undefined;
    }, 600_000, 1000);
    const top = Number((await rpc(rpcUrl, "status")).sync_info.latest_block_height);
    const perBlock: { h: number; n: number }[] = [];
    for (let h = req.height; h <= top; h++) {
      const br = await rpc(rpcUrl, "block_results", { height: String(h) });
      // unique receipt ids (block_results may list a FinalizeBlock event twice)
      const ids = new Set(((br.finalize_block_events ?? []) as { type: string; attributes: { key: string; value: string }[] }[]).filter((e) => e.type === "openledger.attribution.v1.EventInferenceAttributed").map((e) => e.attributes.find((a) => a.key === "receipt_id")?.value));
      if (ids.size > 0) perBlock.push({ h, n: ids.size });
    }
    const most = perBlock.reduce((a, p) => (p.n > a.n ? p : a), { h: 0, n: 0 });
    // block h is stored before it is executed, and the node answers RPC between its async steps: the work of
    // block h (its PoA) lands in the interval h−1 → h or h → h+1 as the poller sees them; the receipt block's
    // cost is the costlier of the two; every interval of the round is reported, the worst bounds the round
    await waitFor("two blocks after the receipts", async () => (seen.has(most.h + 2) ? true : undefined), 120_000, 100);
    const costs = [blockCost(most.h), blockCost(most.h + 1)];
    const cost = costs.reduce((a, c) => ((c.cpuMs ?? 0) > (a.cpuMs ?? 0) ? c : a));
    const intervals: { wallMs: number | null; cpuMs: number | null }[] = [];
    for (let h = req.height; h <= most.h + 2; h++) intervals.push(blockCost(h));
    // the chain's block intervals in BFT time: header(h) − header(h−1). A block's header time is its last
    // commit's (median) precommit timestamp, taken before that block is executed (CometBFT: the next height
    // starts at CommitTime + timeout_commit, execution overlaps the wait): a block whose production
    // overruns the interval delays the next commit, which shows here one height later. The polled wall
    // intervals above also carry when this single-threaded node could answer RPC (not during FinalizeBlock).
    await waitFor("three blocks after the receipts", async () => (seen.has(most.h + 3) ? true : undefined), 120_000, 100);
    const headerMs = new Map<number, number>();
    const headerOf = async (h: number) => {
      if (!headerMs.has(h)) headerMs.set(h, Date.parse((await rpc(rpcUrl, "header", { height: String(h) })).header.time));
      return headerMs.get(h) as number;
    };
    const blockIntervals: number[] = [];
    for (let h = req.height; h <= most.h + 3; h++) blockIntervals.push((await headerOf(h)) - (await headerOf(h - 1)));
    const worstBlockInterval = Math.max(...blockIntervals);
    const worstWall = Math.max(...intervals.map((c) => c.wallMs ?? 0));
    const worstCpu = Math.max(...intervals.map((c) => c.cpuMs ?? 0));
    const poaBlocks = (await metric("openledger_poa_block_seconds_count")) - poaN0;
    const poaMs = poaBlocks === 0 ? null : Number(((((await metric("openledger_poa_block_seconds_sum")) - poa0) * 1000) / poaBlocks).toFixed(1));
    const finBlocks = (await metric("openledger_finalize_block_seconds_count")) - finN0;
    const finMs = finBlocks === 0 ? null : Number(((((await metric("openledger_finalize_block_seconds_sum")) - fin0) * 1000) / finBlocks).toFixed(1));
    const rp = [...replays()].filter(([h]) => h >= req.height && h <= top);
    const verify = rp.reduce((a, [, v]) => (v.tasks > a.tasks ? v : a), { ms: 0, tasks: 0 });
    rounds.push({ requested: n, perBlock: perBlock.map((p) => p.n), most: most.n, allInOneBlock: most.n === n, worstBlockIntervalMs: worstBlockInterval, blockIntervalsMs: blockIntervals, receiptBlockWallMs: cost.wallMs, receiptBlockNodeCpuMs: cost.cpuMs, worstIntervalWallMs: worstWall, worstIntervalNodeCpuMs: worstCpu, intervalsWallMs: intervals.map((c) => c.wallMs), intervalsNodeCpuMs: intervals.map((c) => c.cpuMs), poaBlockMs: poaMs, meanFinalizeBlockMs: finMs, verifyMs: verify.ms, verifyTasks: verify.tasks, verifyMsPerHeightWithTasks: rp.map(([, v]) => v.ms) });
    log(`round of ${n}: ${JSON.stringify(rounds[rounds.length - 1])}`);
  }
  // the chain's limit: the largest round paid in one block whose block intervals held (≤ 1.1 × the configured
  // interval: 100 ms of timer jitter and ms-rounded header times at 1 s; it was 1.25 ×, which let a round whose
  // heavy block ran 20% late count as "within 1 s"); and, load-independent, the largest whose block cost the
  // node ≤ 1 interval of CPU
  const intervalMs = Number(/^(\d+)ms$/.exec(INTERVAL)?.[1] ?? Number(/^(\d+(?:\.\d+)?)s$/.exec(INTERVAL)?.[1] ?? 1) * 1000);
  const largest = (ok: (r: Record<string, unknown>) => boolean) => rounds.slice(WARMUP).filter((r) => r.allInOneBlock === true && ok(r)).reduce<Record<string, unknown> | undefined>((a, r) => (a === undefined || (r.most as number) > (a.most as number) ? r : a), undefined);
  const SLACK = 1.1;
  const best = largest((r) => (r.worstBlockIntervalMs as number) <= SLACK * intervalMs);
  const bestPolled = largest((r) => (r.worstIntervalWallMs as number) <= SLACK * intervalMs);
  const bestCpu = largest((r) => (r.worstIntervalNodeCpuMs as number) <= intervalMs);
  const mostAny = Math.max(...rounds.slice(WARMUP).map((r) => r.most as number));
  const verdicts = (await fetch(metricsUrl).then((x) => x.text())).split("\n").filter((l) => l.startsWith("openledger_verification_verdicts_total")).join("; ");
  const timeBoxWarnings = readFileSync(nodeLog, "utf8").split("\n").filter((l) => l.includes("time box spent")).length;
  const [load1] = loadavg();
  bench({
    name: LOCALNET ? "localnet4-inferences-per-block-10k-d64" : "devchain-inferences-per-block-10k-d64",
    value: best === undefined ? 0 : (best.most as number),
    unit: "inferences/block",
    // baseline: the most receipts in one block whatever its interval (the chain's throughput without the 1 s bound)
    baseline: mostAny,
    ratio: mostAny === 0 ? 0 : Number(((best === undefined ? 0 : (best.most as number)) / mostAny).toFixed(2)),
    target: 100,
    meetsTarget: best !== undefined && (best.most as number) >= 100,
    blockInterval: INTERVAL,
    withinOneSecondOfNodeCpu: bestCpu === undefined ? 0 : (bestCpu.most as number),
    withinPolledWallInterval: bestPolled === undefined ? 0 : (bestPolled.most as number),
    poaBlockMs: (best ?? bestCpu)?.poaBlockMs ?? null,
    verifyMs: (best ?? bestCpu)?.verifyMs ?? null,
    rounds,
    verdicts,
    replayTimeBoxWarnings: timeBoxWarnings,
    loadAvg1mAtEnd: Number(load1?.toFixed(1)),
    cpus: cpus().length,
    note: "real node(s) + provider daemon; value = the largest round of N paid inferences all verified (ONNX replay in ExtendVote) and attributed (PoA receipt in FinalizeBlock) in one block while every block interval of the round in BFT time (header(h) - header(h-1): commit to commit, as CometBFT's timeout_commit schedules heights; an overrun of block h's production delays the next commit) stayed <= 1.1x the configured one; withinPolledWallInterval = the same with the intervals as a client polling the heights every 20 ms saw them (this single-threaded node answers no RPC during FinalizeBlock, so a lone heavy block's execution lands in one polled interval and is taken from the next); withinOneSecondOfNodeCpu = the same with the node process's CPU time per interval <= 1 interval (load-independent); receiptBlock* = the interval in which the receipt block executed (h -> h+1); poaBlockMs = the node's time inside the PoA engine per block with receipts (openledger_poa_block_seconds), meanFinalizeBlockMs = FinalizeBlock ms (all blocks of the round); verifyMs = the node's ExtendVote replay time at that height (verifier log)",
  });
} finally {
  for (const c of clients) c.disconnect();
  for (const s of stops) await s().catch(() => undefined);
  if (process.env.KEEP_HOMES !== "1") rmSync(home, { recursive: true, force: true });
}
