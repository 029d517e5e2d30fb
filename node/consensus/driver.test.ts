/**
 * The consensus driver alone (no network): one validator of four, the other three played by the test
 * with real ed25519 votes. Checks the signing path's durability: a crash after the private validator
 * signed a precommit but before it was logged or broadcast, then a restart (WAL replay with another
 * clock) gives back exactly the same precommit (same signature and timestamp, no refusal, lock
 * restored) — no double sign — and the height then commits through save → EndHeight → apply.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import { equal } from "../../modules/core/bytes.ts";
import { MemoryBackend } from "../../modules/core/store/memory.ts";
import { AppConn } from "../app/appConn.ts";
import { handshake } from "../app/handshake.ts";
import { savePrivValidatorKey } from "../crypto/keyFiles.ts";
import { BlockExecutor } from "../execution/blockExecutor.ts";
import { emptyCommit } from "../execution/producer.ts";
import { TxPool } from "../mempool/txPool.ts";
import { FilePV } from "../privval/filePV.ts";
import { BlockStore } from "../storage/blockStore.ts";
import { BUCKET } from "../storage/buckets.ts";
import { NodeDb } from "../storage/db.ts";
import { StateStore } from "../storage/stateStore.ts";
import type { ChainState } from "../storage/types.ts";
import { TxIndex } from "../storage/txIndex.ts";
import { TEST_CHAIN_ID, TEST_MEMPOOL, testConsensusParams } from "../testing/chain.ts";
import { KvApp } from "../testing/kvApp.ts";
import type { Vote } from "../types/block.ts";
import type { GenesisDoc } from "../types/genesis.ts";
import { blockId as computeBlockId } from "../types/hash.ts";
import { EventBus } from "../util/eventBus.ts";
import { silentLogger } from "../util/logger.ts";
import { ConsensusDriver, validatorSetForHeight } from "./driver.ts";
import { EvidencePool } from "./evidencePool.ts";
import { LOCALNET_TIMEOUTS } from "./state.ts";
import { readWalMessages } from "./wal.ts";
import { ed25519Scheme, signedProposal, signedVote, type TestKey, testKeys } from "./testing.ts";
import { waitUntil } from "./testing/network.ts";

const SLOW = { ...LOCALNET_TIMEOUTS, proposeMs: 60_000, prevoteMs: 60_000, precommitMs: 60_000, commitMs: 10 };

interface Fixture {
  dir: string;
  keys: TestKey[];
  me: TestKey;
  genesis: GenesisDoc;
  nodeBackend: MemoryBackend;
  appBackend: MemoryBackend;
}

function fixture(): Fixture {
  const dir = mkdtempSync(join(tmpdir(), "ol-driver-"));
  const keys = testKeys(4, ed25519Scheme, "drv");
  const genesis: GenesisDoc = {
    genesisTime: { seconds: 1_700_000_000n, nanos: 0 },
    chainId: TEST_CHAIN_ID,
    initialHeight: 1n,
    consensusParams: testConsensusParams(),
    validators: keys.map((k, i) => ({ address: k.address, pubKey: { type: "ed25519" as const, value: k.publicKey }, power: 10n, name: `v${i}` })),
    appHash: new Uint8Array(0),
    appState: {},
  };
  return { dir, keys, me: keys[0]!, genesis, nodeBackend: new MemoryBackend(), appBackend: new MemoryBackend() };
}

async function openDriver(f: Fixture, me: TestKey, now: () => number, crash?: (v: Vote) => boolean) {
  const logger = silentLogger();
  const db = new NodeDb(f.nodeBackend);
  const blockStore = new BlockStore(db);
  const stateStore = new StateStore(db);
  const appConn = new AppConn(new KvApp({ backend: f.appBackend }));
  const mempool = new TxPool(TEST_MEMPOOL, { app: appConn, logger });
  const executor = new BlockExecutor({ app: appConn, db, blockStore, stateStore, txIndex: new TxIndex(db.bucket(BUCKET.txIndex)), mempool, events: new EventBus(), logger });
  const state = await handshake({ app: appConn, blockStore, stateStore, db, executor, genesis: f.genesis, logger });
  savePrivValidatorKey(join(f.dir, "key.json"), me);
  const pv = FilePV.load(join(f.dir, "key.json"), join(f.dir, "pv_state.json"));
  let driver!: ConsensusDriver;
  const evidence = new EvidencePool({}, { blockStore, stateStore, getState: () => driver.state(), logger });
  driver = new ConsensusDriver(
    { walPath: join(f.dir, "cs.wal", "wal"), timeouts: SLOW },
    {
      executor,
      app: appConn,
      blockStore,
      db,
      privValidator: pv,
      evidence,
      logger,
      now,
      ...(crash !== undefined
        ? {
            crashPoint: (_p, info) => {
              if (info.vote !== undefined && crash(info.vote)) throw new Error("simulated crash after the privval signed");
            },
          }
        : {}),
    },
    state,
  );
  const sent: Vote[] = [];
  driver.addListener({ onVote: (v) => sent.push(v) });
  return { driver, sent, state, executor, blockStore, pv };
}

describe("consensus/driver", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("a validator that crashed between signing and broadcasting re-sends the same precommit after WAL replay (no double sign)", async () => {
    const f = fixture();
    dir = f.dir;
    // pick a validator that is not the round-0 proposer of height 1
    const { state: s0 } = await openDriver(f, f.me, () => 0).then(async (x) => {
      await x.driver.stop();
      return x;
    });
    const vs = validatorSetForHeight(s0);
    const proposer = vs.getProposer();
    const pKey = f.keys.find((k) => equal(k.address, proposer.address))!;
    const me = f.keys.find((k) => !equal(k.address, proposer.address))!;
    const others = f.keys.filter((k) => k !== me && k !== pKey);
    rmSync(join(f.dir, "cs.wal"), { recursive: true, force: true });
    rmSync(join(f.dir, "pv_state.json"), { force: true });

    let clock = 1_700_000_100_000;
    const a = await openDriver(f, me, () => clock, (v) => v.type === 2);
    await a.driver.start();
    const st: ChainState = a.driver.state();
    const block = a.executor.makeBlock(st, 1n, st.lastBlockTime, [], emptyCommit(), pKey.address);
    const id = computeBlockId(block);
    const proposal = signedProposal(pKey, ed25519Scheme, TEST_CHAIN_ID, { height: 1n, round: 0, polRound: -1, blockId: id });
    a.driver.push({ kind: "proposal", proposal, block }, "peerP");
    await waitUntil(() => a.sent.some((v) => v.type === 1), 5000, "our prevote");
    assert.ok(equal(a.sent[0]!.blockId.hash, id.hash), "prevoted the proposal");
    const valSet = validatorSetForHeight(st);
    let signedBeforeCrash: Vote | undefined;
    const pvBefore = a.pv;
    for (const k of others) {
      a.driver.push({ kind: "vote", vote: signedVote(k, ed25519Scheme, TEST_CHAIN_ID, valSet, { type: 1, height: 1n, round: 0, blockId: id }) }, "peerV");
    }
    await waitUntil(() => pvBefore.lastSignState().step === 3, 5000, "privval signed the precommit");
    signedBeforeCrash = { ...a.sent[0]!, signature: pvBefore.lastSignState().signature! };
    await a.driver.crash();
    assert.equal(a.sent.filter((v) => v.type === 2).length, 0, "the precommit never left before the crash");

    // restart with a clock 5 s later: replay reproduces the precommit with the logged time
    clock += 5000;
    const b = await openDriver(f, me, () => clock);
    await b.driver.start();
    const pc = b.sent.filter((v) => v.type === 2);
    assert.equal(pc.length, 1, "the replayed machine precommits once");
    assert.ok(equal(pc[0]!.signature, signedBeforeCrash.signature), "same signature as the one the privval made before the crash");
    assert.ok(equal(pc[0]!.blockId.hash, id.hash));
    assert.equal(b.driver.sm.view()!.lockedRound, 0, "the lock came back from the WAL");

    // the height commits: save → EndHeight → apply; the next height starts
    for (const k of others) {
      b.driver.push({ kind: "vote", vote: signedVote(k, ed25519Scheme, TEST_CHAIN_ID, valSet, { type: 2, height: 1n, round: 0, blockId: id, timestamp: { seconds: 1_700_000_101n, nanos: 0 } }) }, "peerV");
    }
    await waitUntil(() => b.driver.state().lastBlockHeight === 1n, 5000, "height 1 applied");
    assert.equal(b.blockStore.height(), 1n);
    assert.ok(equal(b.blockStore.loadBlockMeta(1n)!.blockId.hash, id.hash));
    assert.equal(b.driver.sm.height, 2n);
    await b.driver.stop();
  });

  it("a relayed copy of a held proposal or vote reaches neither the WAL nor the machine; a vote differing in its signature still does", async () => {
    const f = fixture();
    dir = f.dir;
    const a = await openDriver(f, f.me, () => 1_700_000_100_000);
    const invalid: string[] = [];
    a.driver.addListener({ onInvalid: (peer) => invalid.push(peer) });
    await a.driver.start();
    const st: ChainState = a.driver.state();
    const vs = validatorSetForHeight(st);
    const pKey = f.keys.find((k) => equal(k.address, vs.getProposer().address))!;
    const other = f.keys.find((k) => k !== f.me && k !== pKey)!;
    const block = a.executor.makeBlock(st, 1n, st.lastBlockTime, [], emptyCommit(), pKey.address);
    const id = computeBlockId(block);
    const proposal = signedProposal(pKey, ed25519Scheme, TEST_CHAIN_ID, { height: 1n, round: 0, polRound: -1, blockId: id });
    const vote = signedVote(other, ed25519Scheme, TEST_CHAIN_ID, vs, { type: 1, height: 1n, round: 0, blockId: id });
    a.driver.push({ kind: "proposal", proposal, block }, "peerP");
    a.driver.push({ kind: "vote", vote }, "peerV");
    await waitUntil(() => a.sent.some((v) => v.type === 1) && a.driver.sm.hasProposal(1n, 0), 5000, "proposal held, our prevote");
    await (a.driver as unknown as { idle: Promise<void> }).idle;
    const walPath = join(f.dir, "cs.wal", "wal");
    const logged = () => readWalMessages(walPath).filter((m) => m.kind === "input" && (m.input.kind === "proposal" || m.input.kind === "vote")).length;
    (a.driver as unknown as { wal: { flush(): void } }).wal.flush();
    const before = logged();
    const sentBefore = a.sent.length;
    // copies as peers relay them: the same proposal (with its block) and the same vote
    a.driver.push({ kind: "proposal", proposal: { ...proposal }, block }, "peerQ");
    a.driver.push({ kind: "vote", vote: { ...vote } }, "peerQ");
    // same vote with another signature: no copy, the machine checks it (bad signature: reported)
    a.driver.push({ kind: "vote", vote: { ...vote, signature: new Uint8Array(64).fill(1) } }, "evil");
    await waitUntil(() => invalid.length > 0, 3000, "invalid report");
    await (a.driver as unknown as { idle: Promise<void> }).idle;
    (a.driver as unknown as { wal: { flush(): void } }).wal.flush();
    assert.equal(a.driver.duplicatesSkipped, 2);
    assert.equal(logged(), before + 1, "only the vote with the other signature was logged");
    assert.equal(a.sent.length, sentBefore, "no output for the copies");
    assert.deepEqual(invalid, ["evil"]);
    await a.driver.stop();
  });

  it("rejects a vote with a bad signature and reports its sender", async () => {
    const f = fixture();
    dir = f.dir;
    const a = await openDriver(f, f.me, () => 1_700_000_100_000);
    const invalid: string[] = [];
    a.driver.addListener({ onInvalid: (peer) => invalid.push(peer) });
    await a.driver.start();
    const valSet = validatorSetForHeight(a.driver.state());
    const v = signedVote(f.keys[1]!, ed25519Scheme, TEST_CHAIN_ID, valSet, { type: 1, height: 1n, round: 0 });
    const bad = { ...v, signature: new Uint8Array(64).fill(1) };
    a.driver.push({ kind: "vote", vote: bad }, "evil");
    await waitUntil(() => invalid.length > 0, 3000, "invalid report");
    assert.deepEqual(invalid, ["evil"]);
    await a.driver.stop();
  });
});
