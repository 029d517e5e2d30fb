import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { equal, fromUtf8, utf8 } from "../../modules/core/bytes.ts";
import { verifyEd25519 } from "../crypto/ed25519.ts";
import { KvApp, kvAppHash } from "../testing/kvApp.ts";
import { openTestChain, testGenesis, TEST_CHAIN_ID } from "../testing/chain.ts";
import { MemPV } from "../testing/memStores.ts";
import { SignedMsgType } from "../types/block.ts";
import { voteExtensionSignBytes, voteSignBytes } from "../types/encoding.ts";
import {
  blockId,
  commitHash,
  consensusParamsHash,
  dataHash,
  evidenceHash,
  headerHash,
  resultsHash,
  validatorSetHash,
} from "../types/hash.ts";
import { compareTimestamps } from "../types/time.ts";
import { ExecutionHaltError } from "./blockExecutor.ts";

describe("execution/producer", () => {
  it("builds a correctly chained, signed chain with app hashes lagging one block", async () => {
    const app = new KvApp();
    const c = await openTestChain({ app });
    const genesisAppHash = c.state().appHash;
    assert.deepEqual(genesisAppHash, kvAppHash(new Map([["genesis", "yes"]])));
    const sent: string[][] = [["a=1", "b=2"], [], ["c=3", "bad=fail"], ["a=4"], []];
    for (const txs of sent) {
      for (const t of txs) assert.equal((await c.mempool.checkAndAdd(utf8(t))).code, 0, t);
      await c.producer.produceBlock();
    }
    assert.equal(c.blockStore.height(), 5n);
    assert.equal(c.state().lastBlockHeight, 5n);
    assert.equal(c.mempool.size(), 0);
    const finalized = app.seen.finalize;
    for (let h = 1n; h <= 5n; h++) {
      const b = c.blockStore.loadBlock(h)!;
      const hdr = b.header;
      const name = `height ${h}`;
      assert.deepEqual(b.data.txs.map(fromUtf8), sent[Number(h) - 1], name);
      assert.equal(hdr.chainId, TEST_CHAIN_ID, name);
      assert.equal(hdr.version.block, 11n, name);
      assert.deepEqual(c.blockStore.loadBlockMeta(h)!.blockId, blockId(b), name);
      assert.deepEqual(c.blockStore.loadBlockMeta(h)!.blockId.hash, headerHash(hdr), name);
      assert.deepEqual(hdr.dataHash, dataHash(b.data.txs), name);
      assert.deepEqual(hdr.lastCommitHash, commitHash(b.lastCommit), name);
      assert.deepEqual(hdr.evidenceHash, evidenceHash([]), name);
      assert.deepEqual(hdr.validatorsHash, validatorSetHash([{ pubKey: { type: "ed25519", value: c.pv.pubKey }, votingPower: 10n }]), name);
      assert.deepEqual(hdr.nextValidatorsHash, hdr.validatorsHash, name);
      assert.deepEqual(hdr.consensusHash, consensusParamsHash(c.genesis.consensusParams), name);
      assert.deepEqual(hdr.proposerAddress, c.pv.address, name);
      if (h === 1n) {
        assert.deepEqual(hdr.lastBlockId.hash, new Uint8Array(0), name);
        assert.equal(b.lastCommit.signatures.length, 0, name);
        assert.deepEqual(hdr.appHash, genesisAppHash, name);
        assert.deepEqual(hdr.time, c.genesis.genesisTime, name);
        assert.deepEqual(hdr.lastResultsHash, new Uint8Array(0), name);
      } else {
        const prev = c.blockStore.loadBlock(h - 1n)!;
        const prevId = blockId(prev);
        assert.deepEqual(hdr.lastBlockId, prevId, name);
        // app hash and results of h-1 go into header h
        assert.equal(finalized[Number(h) - 2]!.height, h - 1n, name);
        assert.deepEqual(hdr.appHash, c.stateStore.loadFinalizeBlockResponse(h - 1n)!.appHash, name);
        assert.deepEqual(hdr.lastResultsHash, resultsHash(c.stateStore.loadFinalizeBlockResponse(h - 1n)!.txResults), name);
        // last_commit: one COMMIT precommit for h-1 that verifies
        const lc = b.lastCommit;
        assert.equal(lc.height, h - 1n, name);
        assert.deepEqual(lc.blockId, prevId, name);
        assert.equal(lc.signatures.length, 1, name);
        const sig = lc.signatures[0]!;
        assert.equal(sig.blockIdFlag, 2, name);
        assert.deepEqual(sig.validatorAddress, c.pv.address, name);
        const sb = voteSignBytes(TEST_CHAIN_ID, { type: SignedMsgType.Precommit, height: h - 1n, round: lc.round, blockId: prevId, timestamp: sig.timestamp });
        assert.ok(verifyEd25519(c.pv.pubKey, sb, sig.signature), `${name}: last_commit signature verifies`);
        const tampered = Uint8Array.from(sig.signature);
        tampered[0] = (tampered[0]! + 1) & 0xff;
        assert.ok(!verifyEd25519(c.pv.pubKey, sb, tampered), name);
        // BFT time: the precommit's timestamp, strictly after the previous block
        assert.deepEqual(hdr.time, sig.timestamp, name);
        assert.ok(compareTimestamps(hdr.time, prev.header.time) > 0, name);
      }
    }
    // the app's final state and the saved state agree
    assert.deepEqual(c.state().appHash, kvAppHash(app.state()));
    assert.equal(app.state().get("bad"), undefined, "a FAILED tx changes nothing");
    assert.equal(app.overlapped, false);
  });

  it("indexes txs and publishes NewBlock, NewBlockHeader, NewBlockEvents and one Tx event per tx", async () => {
    const c = await openTestChain();
    await c.mempool.checkAndAdd(utf8("k=v"));
    await c.mempool.checkAndAdd(utf8("x=fail"));
    await c.producer.produceBlock();
    assert.deepEqual(
      c.published.map((e) => e.type),
      ["NewBlock", "NewBlockHeader", "NewBlockEvents", "Tx", "Tx"],
    );
    const be = c.published[2];
    assert.ok(be?.type === "NewBlockEvents" && be.height === 1n && be.numTxs === 2);
    assert.deepEqual(be.events, (c.published[0] as Extract<(typeof c.published)[number], { type: "NewBlock" }>).result.events);
    c.published.splice(2, 1);
    const tx = c.published[2];
    assert.ok(tx?.type === "Tx");
    assert.equal(tx.tx.height, 1n);
    const rec = c.txIndex.getByHash(tx.tx.hash);
    assert.equal(rec?.result.code, 0);
    assert.equal(fromUtf8(rec!.tx), "k=v");
    const failed = c.published[3];
    assert.ok(failed?.type === "Tx" && failed.tx.result.code === 2);
    // the OK tx stays in the cache; the failed one may come back
    await assert.rejects(c.mempool.checkAndAdd(utf8("k=v")), /tx already exists in cache/);
    assert.equal((await c.mempool.checkAndAdd(utf8("x=fail"))).code, 0);
  });

  it("extends votes when enabled and hands the extended commit to the next PrepareProposal", async () => {
    const app = new KvApp();
    const pv = new MemPV();
    const c = await openTestChain({ app, pv, genesis: testGenesis(pv, { voteExtensionsEnableHeight: 2n }) });
    for (let i = 0; i < 4; i++) await c.producer.produceBlock();
    assert.deepEqual(app.seen.extend.map((r) => r.height), [2n, 3n, 4n]);
    assert.equal(c.blockStore.loadExtendedCommit(1n), undefined);
    const ext = c.blockStore.loadExtendedCommit(3n)!;
    const s = ext.extendedSignatures[0]!;
    assert.equal(fromUtf8(s.extension), "ext:3");
    assert.ok(verifyEd25519(pv.pubKey, voteExtensionSignBytes(TEST_CHAIN_ID, { extension: s.extension, height: 3n, round: ext.round }), s.extensionSignature));
    // PrepareProposal of h=4 got the extension of 3; of h=2 none (disabled at 1)
    const p4 = app.seen.prepare[3]!;
    assert.equal(p4.height, 4n);
    assert.equal(fromUtf8(p4.localLastCommit.votes[0]!.voteExtension), "ext:3");
    assert.equal(p4.localLastCommit.votes[0]!.blockIdFlag, 2);
    assert.equal(app.seen.prepare[1]!.localLastCommit.votes[0]!.voteExtension.length, 0);
    assert.equal(app.seen.prepare[0]!.localLastCommit.votes.length, 0);
  });

  it("halts loudly when the app rejects its own proposal, saving nothing", async () => {
    const app = new KvApp({ rejectProposals: true });
    const c = await openTestChain({ app });
    await assert.rejects(c.producer.produceBlock(), (e: unknown) => e instanceof ExecutionHaltError && /rejected our own proposal/.test(e.message));
    assert.equal(c.blockStore.height(), 0n);
    assert.equal(c.pv.signCount, 0);
    let halted: unknown;
    const c2 = await openTestChain({ app: new KvApp({ rejectProposals: true }), onHalt: (e) => (halted = e) });
    c2.producer.start();
    await new Promise((r) => setTimeout(r, 30));
    await c2.producer.stop();
    assert.ok(halted instanceof ExecutionHaltError);
    assert.ok(c2.producer.halted instanceof ExecutionHaltError);
  });

  it("refuses to produce when its key is not in the validator set", async () => {
    const other = new MemPV(new Uint8Array(32).fill(9));
    const c = await openTestChain({ pv: new MemPV(), genesis: testGenesis(other) });
    await assert.rejects(c.producer.produceBlock(), /not in the validator set/);
  });

  it("runs on its interval, never faster than commits, and stops after the current block", async () => {
    const app = new KvApp();
    const c = await openTestChain({ app, producer: { blockIntervalMs: 25 } });
    const t0 = performance.now();
    c.producer.start();
    // progress is awaited, not timed (the machines are shared): at least 3 blocks, then stop
    await waitFor(() => c.blockStore.height() >= 3n, 20_000);
    await c.producer.stop();
    const elapsed = performance.now() - t0;
    const h = c.blockStore.height();
    // never faster than its interval: block 1 at once, then one per ≥ 25 ms
    assert.ok(Number(h) <= Math.floor(elapsed / 25) + 1, `height ${h} after ${elapsed.toFixed(0)} ms at 25 ms`);
    assert.equal(c.state().lastBlockHeight, h);
    assert.equal(app.seen.commits, Number(h));
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(c.blockStore.height(), h, "no block after stop");
  });

  it("without empty blocks, waits for a tx after the first block", async () => {
    const c = await openTestChain({ producer: { blockIntervalMs: 5, createEmptyBlocks: false } });
    c.producer.start();
    await waitFor(() => c.blockStore.height() >= 1n, 20_000);
    await new Promise((r) => setTimeout(r, 60));
    // block 1 (initial) and block 2 (the app hash changed by InitChain's genesis state? no: 1 carries it) at most
    const h0 = c.blockStore.height();
    assert.ok(h0 >= 1n && h0 <= 2n, `height ${h0}`);
    await c.mempool.checkAndAdd(utf8("z=1"));
    await waitFor(() => c.blockStore.height() > h0, 20_000);
    await c.producer.stop();
    const h1 = c.blockStore.height();
    assert.ok(h1 > h0 && h1 <= h0 + 2n, `height ${h0} -> ${h1}`);
    const txBlock = [...Array(Number(h1)).keys()].map((i) => c.blockStore.loadBlock(BigInt(i + 1))!).find((b) => b.data.txs.length > 0);
    assert.ok(txBlock !== undefined);
    assert.ok(equal(txBlock.data.txs[0]!, utf8("z=1")));
  });
});

async function waitFor(cond: () => boolean, deadlineMs: number): Promise<void> {
  const end = performance.now() + deadlineMs;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`condition not reached within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
