import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConsensusParams, FinalizeBlockResponse } from "../../modules/core/abci.ts";
import { utf8 } from "../../modules/core/bytes.ts";
import { MemoryBackend } from "../../modules/core/store/memory.ts";
import type { Block, BlockID, Commit } from "../types/block.ts";
import { blockId } from "../types/hash.ts";
import { sampleBlock, sampleExtendedCommit } from "../types/testdata.ts";
import { makeValidator, ValidatorSet } from "../types/validatorSet.ts";
import { BlockStore } from "./blockStore.ts";
import { BUCKET } from "./buckets.ts";
import { NodeDb } from "./db.ts";
import { openLevelBackend } from "./levelBackend.ts";
import { encodeFinalizeBlockResponse, StateStore, txResultAt } from "./stateStore.ts";
import type { ChainState } from "./types.ts";

function chain(n: number): { block: Block; seen: Commit }[] {
  const out: { block: Block; seen: Commit }[] = [];
  let prevId: BlockID = { hash: new Uint8Array(0), partSetHeader: { total: 0, hash: new Uint8Array(0) } };
  for (let i = 1; i <= n; i++) {
    const b = sampleBlock(BigInt(i));
    b.header.lastBlockId = prevId;
    if (i === 1) b.lastCommit = { height: 0n, round: 0, blockId: prevId, signatures: [] };
    else b.lastCommit = { ...out[i - 2]!.seen, round: 0 }; // canonical commit differs from the seen one (round)
    const id = blockId(b);
    out.push({ block: b, seen: { height: BigInt(i), round: 1, blockId: id, signatures: b.lastCommit.signatures } });
    prevId = id;
  }
  return out;
}

const params: ConsensusParams = {
  block: { maxBytes: 4194304n, maxGas: -1n },
  evidence: { maxAgeNumBlocks: 100000n, maxAgeDurationNs: 172800000000000n, maxBytes: 1048576n },
  validator: { pubKeyTypes: ["ed25519"] },
  version: { app: 0n },
  abci: { voteExtensionsEnableHeight: 1n },
};

async function withLevel(fn: (path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "nodedb-"));
  try {
    await fn(join(dir, "node.db"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("storage/db", () => {
  it("buckets are isolated and iterate with stripped keys", async () => {
    const db = new NodeDb(new MemoryBackend());
    const a = db.bucket(1);
    const b = db.bucket(2);
    const batch = db.newBatch();
    a.put(batch, utf8("k1"), utf8("a1"));
    a.put(batch, utf8("k2"), utf8("a2"));
    b.put(batch, utf8("k1"), utf8("b1"));
    let after = false;
    batch.afterWrite(() => (after = true));
    assert.equal(a.get(utf8("k1")), undefined, "nothing before write");
    await batch.write(true);
    assert.ok(after);
    assert.deepEqual(a.get(utf8("k1")), utf8("a1"));
    assert.deepEqual(b.get(utf8("k1")), utf8("b1"));
    const keys: string[] = [];
    for await (const [k] of a.iterate()) keys.push(Buffer.from(k).toString());
    assert.deepEqual(keys, ["k1", "k2"]);
    const rev: string[] = [];
    for await (const [k] of a.iterate({ reverse: true, limit: 1 })) rev.push(Buffer.from(k).toString());
    assert.deepEqual(rev, ["k2"]);
    await assert.rejects(batch.write(true), /already written/);
    assert.throws(() => db.bucket(256), RangeError);
    assert.notEqual(BUCKET.txIndex, BUCKET.block);
  });

  it("bucket numbers are unique", () => {
    const ids = Object.values(BUCKET);
    assert.equal(new Set(ids).size, ids.length);
  });
});

describe("storage/blockStore", () => {
  it("saves and loads blocks, metas, hashes and commits on LevelDB, and survives reopen", async () => {
    await withLevel(async (path) => {
      const blocks = chain(3);
      {
        const db = new NodeDb(await openLevelBackend(path));
        const bs = new BlockStore(db);
        assert.equal(bs.height(), 0n);
        for (const { block, seen } of blocks) {
          const batch = db.newBatch();
          const ext = block.header.height === 3n ? sampleExtendedCommit(3n) : undefined;
          bs.saveBlock(batch, block, seen.blockId, seen, ext);
          assert.equal(bs.height(), block.header.height - 1n, "height advances only after the write");
          await batch.write(true);
          assert.equal(bs.height(), block.header.height);
        }
        assert.throws(() => bs.saveBlock(db.newBatch(), blocks[0]!.block, blocks[0]!.seen.blockId, blocks[0]!.seen), /contiguous/);
        await db.close();
      }
      const db = new NodeDb(await openLevelBackend(path));
      const bs = new BlockStore(db);
      assert.equal(bs.base(), 1n);
      assert.equal(bs.height(), 3n);
      for (const { block, seen } of blocks) {
        const h = block.header.height;
        assert.deepEqual(bs.loadBlock(h), block, `block ${h}`);
        assert.deepEqual(bs.loadBlockByHash(seen.blockId.hash), block);
        const meta = bs.loadBlockMeta(h)!;
        assert.deepEqual(meta.blockId, seen.blockId);
        assert.equal(meta.numTxs, 3);
        assert.deepEqual(bs.loadSeenCommit(h), seen);
      }
      assert.deepEqual(bs.loadCommit(2n), { commit: blocks[2]!.block.lastCommit, canonical: true });
      assert.deepEqual(bs.loadCommit(3n), { commit: blocks[2]!.seen, canonical: false });
      assert.deepEqual(bs.loadExtendedCommit(3n), sampleExtendedCommit(3n));
      assert.equal(bs.loadExtendedCommit(2n), undefined);
      assert.equal(bs.loadBlock(4n), undefined);
      assert.equal(bs.loadBlockByHash(new Uint8Array(32)), undefined);
      // prune below 3
      const batch = db.newBatch();
      assert.equal(bs.pruneBlocks(batch, 3n), 2);
      await batch.write(true);
      assert.equal(bs.base(), 3n);
      assert.equal(bs.loadBlock(1n), undefined);
      assert.equal(bs.loadBlockByHash(blocks[0]!.seen.blockId.hash), undefined);
      assert.ok(bs.loadCommit(2n)?.canonical, "the commit of retain-1 stays");
      await db.close();
    });
  });
});

describe("storage/stateStore", () => {
  const k = (i: number) => new Uint8Array(32).fill(i);

  function genesisState(): ChainState {
    const vs = ValidatorSet.create([makeValidator(k(1), 10n), makeValidator(k(2), 5n)]);
    return {
      chainId: "openledger-test-1",
      initialHeight: 1n,
      lastBlockHeight: 0n,
      lastBlockId: { hash: new Uint8Array(0), partSetHeader: { total: 0, hash: new Uint8Array(0) } },
      lastBlockTime: { seconds: 1700000000n, nanos: 5 },
      validators: vs.validators,
      validatorsProposer: vs.getProposer().address,
      nextValidators: vs.copy().validators,
      nextValidatorsProposer: vs.getProposer().address,
      lastValidators: [],
      lastHeightValidatorsChanged: 1n,
      consensusParams: params,
      lastHeightConsensusParamsChanged: 1n,
      lastResultsHash: new Uint8Array(0),
      appHash: utf8("apphash"),
    };
  }

  it("round-trips ChainState, validators by height (pointer + priority replay), params and results on LevelDB", async () => {
    await withLevel(async (path) => {
      let db = new NodeDb(await openLevelBackend(path));
      let ss = new StateStore(db);
      assert.equal(ss.load(), undefined);
      const g = genesisState();
      let batch = db.newBatch();
      ss.bootstrap(batch, g);
      await batch.write(true);
      assert.deepEqual(ss.load(), g);

      // advance 3 heights without validator changes, the CometBFT way (next set incremented once per height)
      let state = g;
      const nextSet = new ValidatorSet(g.nextValidators, g.validators[0]);
      for (let h = 1n; h <= 3n; h++) {
        const cur = new ValidatorSet(state.nextValidators, undefined);
        nextSet.incrementProposerPriority(1);
        state = {
          ...state,
          lastBlockHeight: h,
          lastValidators: state.validators,
          validators: cur.validators,
          nextValidators: nextSet.copy().validators,
          nextValidatorsProposer: nextSet.getProposer().address,
          lastResultsHash: utf8(`r${h}`),
        };
        batch = db.newBatch();
        ss.save(batch, state);
        const res: FinalizeBlockResponse = {
          events: [{ type: "coin_spent", attributes: [{ key: "amount", value: `${h}uopen`, index: true }] }],
          txResults: [{ code: 0, data: utf8("d"), log: "", info: "", gasWanted: 10n, gasUsed: 9n, events: [], codespace: "" }],
          validatorUpdates: h === 2n ? [{ pubKey: { type: "ed25519", bytes: k(3) }, power: 7n }] : [],
          consensusParamUpdates: h === 3n ? params : null,
          appHash: utf8(`app${h}`),
        };
        ss.saveFinalizeBlockResponse(batch, h, res);
        await batch.write(true);
        assert.deepEqual(ss.loadFinalizeBlockResponse(h), res, `results ${h}`);
      }
      await db.close();
      db = new NodeDb(await openLevelBackend(path));
      ss = new StateStore(db);
      assert.deepEqual(ss.load(), state, "state survives reopen");
      // heights 1 stored in full, 2..5 as pointers to 1: priorities reconstructed by increments
      const full = ss.loadValidatorSet(1n)!;
      assert.deepEqual(full.validators, g.validators);
      for (let h = 2n; h <= 5n; h++) {
        const vs = ss.loadValidatorSet(h)!;
        const expect = new ValidatorSet(g.validators, g.validators[0]);
        expect.incrementProposerPriority(Number(h - 1n));
        assert.deepEqual(vs.validators, expect.validators, `validators ${h}`);
        assert.deepEqual(vs.getProposer().address, expect.getProposer().address, `proposer ${h}`);
      }
      assert.equal(ss.loadValidators(6n), undefined);
      assert.deepEqual(ss.loadConsensusParams(1n), params);
      assert.deepEqual(ss.loadConsensusParams(4n), params);
      assert.equal(ss.loadConsensusParams(5n), undefined);
      assert.equal(ss.loadFinalizeBlockResponse(9n), undefined);
      await db.close();
    });
  });

  it("reads one tx result of a stored response (txResultAt / loadTxResult), the same as the whole decode", async () => {
    const ev = (i: number) => [{ type: "transfer", attributes: [{ key: "amount", value: `${i}uopen`, index: true }, { key: "memo", value: "ünï", index: false }] }];
    const res: FinalizeBlockResponse = {
      events: [{ type: "coin_spent", attributes: [{ key: "amount", value: "1uopen", index: true }] }],
      txResults: Array.from({ length: 40 }, (_, i) => ({ code: i % 7 === 3 ? 5 : 0, data: utf8(`d${i}`), log: i % 7 === 3 ? "out of gas" : "", info: "", gasWanted: 200000n, gasUsed: BigInt(1000 + i), events: i % 5 === 0 ? [] : ev(i), codespace: i % 7 === 3 ? "sdk" : "" })),
      validatorUpdates: [{ pubKey: { type: "ed25519", bytes: k(3) }, power: 7n }],
      consensusParamUpdates: params,
      appHash: utf8("app"),
    };
    const bz = encodeFinalizeBlockResponse(res);
    for (let i = 0; i < 40; i++) assert.deepEqual(txResultAt(bz, i), res.txResults[i], `tx ${i}`);
    assert.equal(txResultAt(bz, 40), undefined);
    assert.equal(txResultAt(encodeFinalizeBlockResponse({ ...res, txResults: [] }), 0), undefined);

    const db = new NodeDb(new MemoryBackend());
    const ss = new StateStore(db);
    let batch = db.newBatch();
    ss.saveFinalizeBlockResponse(batch, 7n, res);
    await batch.write(true);
    assert.deepEqual(ss.loadTxResult(7n, 39), res.txResults[39]);
    assert.deepEqual(ss.loadTxResult(7n, 2), res.txResults[2]);
    assert.equal(ss.loadTxResult(8n, 0), undefined);
    assert.equal(ss.loadTxResult(0n, 0), undefined);
    // saving the height again (replay) is what the next read sees
    const changed = { ...res, txResults: [{ ...res.txResults[0]!, log: "again" }] };
    batch = db.newBatch();
    ss.saveFinalizeBlockResponse(batch, 7n, changed);
    await batch.write(true);
    assert.deepEqual(ss.loadTxResult(7n, 0), changed.txResults[0]);
    assert.equal(ss.loadTxResult(7n, 1), undefined);
  });
});
