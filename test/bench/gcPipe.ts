/**
 * GC A/B harness (not part of `make bench`): one validator's tx pipeline in-process, deterministic, with
 * the lifetimes of a real node: each block's txs are CheckTx'd (through AppConn's task queue) while the
 * previous block is pending; then FinalizeBlock, the tx index + results staged into a NodeDb batch and
 * written synced, Commit, and a recheck of what stays in the "pool". Prints thread CPU by name (V8Worker =
 * GC helpers), main-thread GC pauses, and the final app hash. Run with --trace-gc-nvp and parse promoted
 * bytes from its output for the deterministic part of the GC cost.
 *   node test/bench/gcPipe.ts [--senders N] [--blocks K] [--block B] [--ahead A: blocks of txs in the pool, 1]
 * GC_PROFILE=DIR writes DIR/wholeBlock.heapprofile: objects allocated during block PROFILE_BLOCK (10) and
 * still alive one block later (with GC_ALLOC=1: all allocations of that block); GC_SNAPSHOT=PATH writes
 * heap snapshots PATH.0 / PATH.1 at the start of those two blocks (diff them by node id). GC_STEP=K prints
 * thread CPU per tx of every K blocks (warm-up, e.g. background JIT, against the steady state).
 * GC_PROFILE=DIR with GC_SURVIVORS=1 writes DIR/survivors.heapprofile instead: objects allocated during the
 * 10 blocks from PROFILE_BLOCK that survived at least one young-generation GC (what scavenges copy).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { Bytes } from "../../modules/core/abci.ts";
import { toHex, utf8 } from "../../modules/core/bytes.ts";
import { addressFromSecp256k1, sha256 } from "../../modules/core/hash.ts";
import { createCommitStore } from "../../modules/core/store/commitStore.ts";
import { createOpenLedgerApp } from "../../modules/app.ts";
import { accAddressToString } from "../../modules/core/address.ts";
import { signDocBytes } from "../../modules/core/tx.ts";
import { createNativeSecp256k1Verifier, loadNativeSecp256k1 } from "../../node/crypto/secp256k1Native.ts";
import { openLevelBackend } from "../../node/storage/levelBackend.ts";
import { NodeDb } from "../../node/storage/db.ts";
import { BUCKET } from "../../node/storage/buckets.ts";
import { TxIndex } from "../../node/storage/txIndex.ts";
import { StateStore } from "../../node/storage/stateStore.ts";
import { AppConn } from "../../node/app/appConn.ts";
import { genesisWithFunds, TEST_CONSENSUS_PARAMS } from "../harness/app.ts";
import { msgSend } from "../harness/txBuilder.ts";
import { threadCpu } from "./procCpu.ts";
import { installWasmSha256 } from "../../node/crypto/wasmSha256.ts";
import { Session } from "node:inspector/promises";
import { writeFileSync } from "node:fs";

/** GC_PROFILE=DIR: live-object sampling (allocated since a mark and still alive after a full GC) at points of block PROFILE_BLOCK. */
const PROF = process.env["GC_PROFILE"];
const PROF_BLOCK = Number(process.env["PROFILE_BLOCK"] ?? 10);
const SURVIVORS = process.env["GC_SURVIVORS"] !== undefined;
const session = PROF !== undefined ? new Session() : undefined;
if (session !== undefined) {
  session.connect();
  await session.post("HeapProfiler.enable");
}
async function mark(): Promise<void> {
  if (session === undefined) return;
  const all = process.env["GC_ALLOC"] !== undefined;
  // GC_SURVIVORS=1: what survived at least one scavenge (copied by it, the scavenger's work), over 10 blocks
  await session.post("HeapProfiler.startSampling", { samplingInterval: 1024, includeObjectsCollectedByMajorGC: all || SURVIVORS, includeObjectsCollectedByMinorGC: all });
}
async function take(name: string): Promise<void> {
  if (session === undefined) return;
  if (!SURVIVORS) await session.post("HeapProfiler.collectGarbage");
  const r = await session.post("HeapProfiler.stopSampling");
  writeFileSync(join(PROF as string, `${name}.heapprofile`), JSON.stringify(r.profile));
}

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const SENDERS = arg("senders", 800);
const BLOCKS = arg("blocks", 20);
const BLOCK = arg("block", 400);
/** blocks of txs in the pool ahead of the block being applied (the recheck after each commit covers them). */
const AHEAD = Math.max(1, arg("ahead", 1));
const CHAIN_ID = "openledger-bench-1";
const STEP = Number(process.env["GC_STEP"] ?? 0);

// as the node does at start
await installWasmSha256();
const lib = loadNativeSecp256k1();
if (lib === null) throw new Error("native secp256k1 needed");
const dir = mkdtempSync(join(tmpdir(), "olgc-bench-"));
let gcMs = 0;
let gcN = 0;
new PerformanceObserver((l) => {
  for (const e of l.getEntries()) {
    gcMs += e.duration;
    gcN++;
  }
}).observe({ entryTypes: ["gc"] });
try {
  const backend = await openLevelBackend(join(dir, "app"));
  const store = await createCommitStore(backend);
  const app = await createOpenLedgerApp({ backend, store, minGasPrices: "0.0025uopen", sigVerifier: createNativeSecp256k1Verifier() });
  const conn = new AppConn(app);
  const db = new NodeDb(await openLevelBackend(join(dir, "node")));
  const txIndex = new TxIndex(db.bucket(BUCKET.txIndex));
  const stateStore = new StateStore(db);
  const keys = Array.from({ length: SENDERS }, (_, i) => {
    const priv = sha256(utf8(`bench-sender-${i}`));
    const pub = lib.publicKeyCreate(priv, true);
    const address = addressFromSecp256k1(pub);
    return { priv, pub, address, bech32: accAddressToString(address) };
  });
  const genesis = genesisWithFunds(keys.map((key) => ({ key, coins: [{ denom: "uopen", amount: "100000000000" }] })));
  await conn.initChain({ time: { seconds: 1_700_000_000n, nanos: 0 }, chainId: CHAIN_ID, consensusParams: TEST_CONSENSUS_PARAMS, validators: [], appStateBytes: utf8(JSON.stringify(genesis)), initialHeight: 1n });
  let height = 1n;
  const fin = (txs: Bytes[]) =>
    conn.finalizeBlock({ txs, decidedLastCommit: { round: 0, votes: [] }, misbehavior: [], hash: sha256(utf8(height.toString())), height, time: { seconds: 1_700_000_000n + height, nanos: 0 }, nextValidatorsHash: new Uint8Array(32), proposerAddress: new Uint8Array(20) } as never);
  await fin([]);
  await conn.commit();

  const total = BLOCKS * BLOCK;
  const txs: Bytes[] = [];
  for (let j = 0; j < total; j++) {
    const i = j % SENDERS;
    const seq = Math.floor(j / SENDERS);
    const key = keys[i]!;
    const to = keys[(i + 1) % SENDERS]!;
    const bodyBytes = TxBody.encode(TxBody.fromPartial({ messages: [msgSend(key.bech32, to.bech32, [{ denom: "uopen", amount: "1" }])], memo: "" })).finish();
    const authInfoBytes = AuthInfo.encode(
      AuthInfo.fromPartial({
        signerInfos: [{ publicKey: { typeUrl: "/cosmos.crypto.secp256k1.PubKey", value: PubKey.encode({ key: key.pub }).finish() }, modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } }, sequence: BigInt(seq) }],
        fee: { amount: [{ denom: "uopen", amount: "500" }], gasLimit: 200000n },
      }),
    ).finish();
    const sig = lib.ecdsaSign(sha256(signDocBytes(bodyBytes, authInfoBytes, CHAIN_ID, BigInt(i))), key.priv).signature;
    txs.push(TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [sig] }).finish());
  }
  // sliced copies, as txs arriving from the network are fresh buffers
  const fresh = (b: Bytes) => Uint8Array.from(b);
  const cpu0 = threadCpu(process.pid);
  gcMs = 0;
  gcN = 0;
  const t0 = performance.now();
  // markers for --trace-gc / --trace-gc-nvp parsers (test/bench/gcTrace.ts): the measured window
  process.stderr.write("gc-pipe: measure start\n");
  // block 0's txs enter the pool first
  let pool: Bytes[] = [];
  const admit = async (batch: Bytes[]) => {
    const rs = await Promise.all(batch.map((tx) => conn.checkTx({ tx: fresh(tx), type: "new" })));
    for (const r of rs) if (r.code !== 0) throw new Error(`checkTx: ${r.log}`);
    pool.push(...batch);
  };
  await admit(txs.slice(0, BLOCK * AHEAD));
  let gasUsed = 0n;
  let stepCpu = cpu0;
  for (let b = 0; b < BLOCKS; b++) {
    height++;
    const blockTxs = pool.slice(0, BLOCK).map(fresh);
    // the next block's txs arrive while this block is decided and applied
    const arriving = admit(txs.slice((b + AHEAD) * BLOCK, (b + AHEAD + 1) * BLOCK));
    if (b === PROF_BLOCK + (SURVIVORS ? 10 : 1)) await take(SURVIVORS ? "survivors" : "wholeBlock");
    if ((b === PROF_BLOCK || b === PROF_BLOCK + 1) && process.env["GC_SNAPSHOT"] !== undefined) (await import("node:v8")).writeHeapSnapshot(`${process.env["GC_SNAPSHOT"]}.${b - PROF_BLOCK}`);
    if (b === PROF_BLOCK) await mark();
    const res = await fin(blockTxs);
    if (b === PROF_BLOCK && process.env["GC_SNAPSHOT_FIN"] !== undefined) (await import("node:v8")).writeHeapSnapshot(`${process.env["GC_SNAPSHOT_FIN"]}`);

    for (const r of res.txResults) {
      if (r.code !== 0) throw new Error(`deliver: ${r.log}`);
      gasUsed += r.gasUsed;
    }
    const batch = db.newBatch();
    stateStore.saveFinalizeBlockResponse(batch, height, res);
    txIndex.indexBlock(batch, height, blockTxs, res.txResults);
    await batch.write(true);
    await arriving;
    await conn.commit();
    pool = pool.slice(BLOCK);
    await Promise.all(pool.map((tx) => conn.checkTx({ tx, type: "recheck" })));
    if (STEP > 0 && (b + 1) % STEP === 0) {
      // GC_STEP=K: thread CPU of each K blocks (µs per tx), to tell warm-up costs (JIT) from steady ones
      const now = threadCpu(process.pid);
      const per = (k: string) => Math.round((((now[k] ?? 0) - (stepCpu[k] ?? 0)) * 1e6) / (STEP * BLOCK));
      process.stderr.write(`gc-pipe: blocks ${b + 2 - STEP}-${b + 1} µs/tx main ${per("MainThread")} V8Worker ${per("V8Worker")} libuv ${per("libuv-worker")}\n`);
      stepCpu = now;
    }
  }
  const wall = performance.now() - t0;
  process.stderr.write("gc-pipe: measure end\n");
  const cpu1 = threadCpu(process.pid);
  const threads: Record<string, number> = {};
  for (const [k, v] of Object.entries(cpu1)) threads[k] = Number((v - (cpu0[k] ?? 0)).toFixed(2));
  const all = Object.values(threads).reduce((a, b) => a + b, 0);
  const info = await conn.info();
  console.log(
    `BENCH ${JSON.stringify({ name: "gc-pipe", txs: total, wall_s: Number((wall / 1000).toFixed(2)), cpu_ms_per_tx: Number(((all * 1000) / total).toFixed(3)), main_gc_pause_ms_per_tx: Number((gcMs / total).toFixed(4)), gcs: gcN, threads, gasUsed: gasUsed.toString(), appHash: toHex(info.lastBlockAppHash) })}`,
  );
  await conn.close();
  await db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
