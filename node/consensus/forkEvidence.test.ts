/**
 * Fork forensics (S13): two commits of one height for different blocks → the shared key's conflicting
 * precommits become verified duplicate-vote evidence; forged votes or commits change nothing; evidence
 * built on the other branch (its block time) is kept with ours (CometBFT evidence/verify.go); pending
 * evidence survives a restart through its directory. In-process, real ed25519, no network (~1 s).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { sha256 } from "../../modules/core/hash.ts";
import { utf8 } from "../../modules/core/bytes.ts";
import type { ChainState } from "../storage/types.ts";
import type { Block, BlockID, Commit, Timestamp, Validator, Vote } from "../types/block.ts";
import { silentLogger } from "../util/logger.ts";
import { decodeDuplicateVoteEvidence, encodeDuplicateVoteEvidence, EvidenceError, EvidencePool } from "./evidencePool.ts";
import { conflictingCommitVotes, conflictingWithCommit } from "./forkEvidence.ts";
import type { ConsensusDriver } from "./driver.ts";
import { ConsensusReactor } from "./reactor.ts";
import type { ChannelFactory } from "../p2p/mempoolReactor.ts";
import { ed25519Scheme, makeValidatorSet, signedVote, type TestKey, testKeys } from "./testing.ts";

const CHAIN = "fork-test-1";
const H = 5n;
const keys = testKeys(3, ed25519Scheme, "fork");
// S13's powers: two honest validators of 12 and one key of 43 (64 %) running twice
const set = makeValidatorSet(keys, [12n, 12n, 43n]);
const vals: Validator[] = set.validators;
const keyAt = (i: number): TestKey => keys.find((k) => Buffer.compare(Buffer.from(k.address), Buffer.from(vals[i]!.address)) === 0)!;
const sharedIdx = vals.findIndex((v) => v.votingPower === 43n);
const honestIdx = [0, 1, 2].filter((i) => i !== sharedIdx);

const bid = (tag: string): BlockID => ({ hash: sha256(utf8(tag)), partSetHeader: { total: 1, hash: sha256(utf8(`${tag}/parts`)) } });
const ts = (s: number): Timestamp => ({ seconds: BigInt(s), nanos: 0 });
const A = bid("block A");
const B = bid("block B");

/** a commit of H in `round` for `id` signed by the validators at `signers` (the others absent). */
function commit(id: BlockID, round: number, signers: number[], corrupt?: number): Commit {
  return {
    height: H,
    round,
    blockId: id,
    signatures: vals.map((v, i) => {
      if (!signers.includes(i)) return { blockIdFlag: 1 as const, validatorAddress: new Uint8Array(0), timestamp: ts(0), signature: new Uint8Array(0) };
      const vote: Vote = signedVote(keyAt(i), ed25519Scheme, CHAIN, set, { type: 2, height: H, round, blockId: id, timestamp: ts(1_700_000_000 + i) });
      const sig = Uint8Array.from(vote.signature);
      if (corrupt === i) sig[0] = sig[0]! ^ 1;
      return { blockIdFlag: 2 as const, validatorAddress: v.address, timestamp: vote.timestamp, signature: sig };
    }),
  };
}

/** an evidence pool over one branch whose block H has `blockTime` and `ours` as its commit. */
function pool(blockTime: Timestamp, dir?: string, lastBlockHeight = H) {
  const state = {
    chainId: CHAIN,
    lastBlockHeight,
    lastBlockId: A,
    lastBlockTime: blockTime,
    consensusParams: { evidence: { maxAgeNumBlocks: 100_000n, maxAgeDurationNs: 172_800_000_000_000n, maxBytes: 1_048_576n } },
  } as unknown as ChainState;
  const p = new EvidencePool(dir !== undefined ? { dir } : {}, {
    blockStore: {
      loadBlockMeta: (h) => (h === H ? { header: { time: blockTime } } : undefined),
      loadBlock: () => undefined,
      height: () => H,
      base: () => 1n,
      loadExtendedCommit: (h) => (h === H ? { height: H, round: 0, blockId: A, extendedSignatures: ours.signatures } : undefined),
    },
    stateStore: { loadValidators: (h) => (h <= H ? vals : undefined) },
    getState: () => state,
    logger: silentLogger(),
  });
  return { p, state };
}


// branch A: committed by honest[0] + the shared key; branch B: honest[1] + the other copy of the shared key
const ours = commit(A, 0, [honestIdx[0]!, sharedIdx]);
const theirs = commit(B, 0, [honestIdx[1]!, sharedIdx]);
const asLike = (c: Commit) => c;

describe("consensus/forkEvidence (S13: evidence from conflicting commits)", () => {
  it("extracts only the precommits of one validator for different blocks at the same height and round", () => {
    const pairs = conflictingCommitVotes(asLike(ours), asLike(theirs));
    assert.equal(pairs.length, 1);
    assert.equal(pairs[0]!.ours.validatorIndex, sharedIdx);
    assert.deepEqual(pairs[0]!.ours.blockId, A);
    assert.deepEqual(pairs[0]!.theirs.blockId, B);
    assert.equal(conflictingCommitVotes(ours, ours).length, 0, "same block: no fork");
    assert.equal(conflictingCommitVotes(ours, commit(B, 1, [honestIdx[1]!, sharedIdx])).length, 0, "other round: not a duplicate vote");
    const v = signedVote(keyAt(sharedIdx), ed25519Scheme, CHAIN, set, { type: 2, height: H, round: 0, blockId: B });
    assert.equal(conflictingWithCommit(ours, v)?.theirs.signature, v.signature);
    assert.equal(conflictingWithCommit(ours, { ...v, round: 1 }), undefined);
    assert.equal(conflictingWithCommit(ours, { ...v, blockId: A }), undefined);
  });

  it("reportFork builds verified duplicate-vote evidence (timestamp = our block time, our powers), declares the fork once, and offers it", () => {
    const { p } = pool(ts(1_700_000_100));
    const gossiped: Uint8Array[] = [];
    p.onNewEvidence((ev) => gossiped.push(ev.raw));
    const forks: bigint[] = [];
    p.onFork((r) => forks.push(r.height));
    assert.equal(p.reportFork(H, A, B, conflictingCommitVotes(ours, theirs), "test", theirs), 1);
    assert.equal(p.pendingList().length, 1);
    assert.equal(gossiped.length, 1);
    const e = decodeDuplicateVoteEvidence(p.pendingList()[0]!.raw);
    assert.equal(e.voteA.validatorIndex, sharedIdx);
    assert.equal(e.validatorPower, 43n);
    assert.equal(e.totalVotingPower, 67n);
    assert.equal(e.timestamp.seconds, 1_700_000_100n);
    assert.deepEqual(forks, [H]);
    assert.equal(p.forksDetected, 1);
    // the same report again: nothing new
    assert.equal(p.reportFork(H, A, B, conflictingCommitVotes(ours, theirs), "test", theirs), 0);
    assert.equal(p.forksDetected, 1);
    assert.equal(p.pendingEvidence(1_000_000n).length, 1, "the proposer gets it");
  });

  it("forged conflicting votes or commits record nothing and declare no fork (a peer cannot plant evidence or raise the alarm)", () => {
    const { p } = pool(ts(1_700_000_100));
    const forged = commit(B, 0, [honestIdx[1]!, sharedIdx], sharedIdx); // the shared key's signature broken
    assert.equal(p.reportFork(H, A, B, conflictingCommitVotes(ours, forged), "test", forged), 0);
    const allForged = commit(B, 1, [honestIdx[0]!, honestIdx[1]!, sharedIdx], honestIdx[0]!); // another round, one bad signature
    assert.equal(p.reportFork(H, A, B, conflictingCommitVotes(ours, allForged), "test", allForged), 0);
    const v = signedVote(keyAt(sharedIdx), ed25519Scheme, CHAIN, set, { type: 2, height: H, round: 0, blockId: B });
    const badVote = { ...v, signature: Uint8Array.from(v.signature).fill(7) };
    assert.equal(p.reportFork(H, A, B, [conflictingWithCommit(ours, badVote)!], "test"), 0);
    assert.equal(p.pendingList().length, 0);
    assert.equal(p.forksDetected, 0);
    // a valid commit of another round proves the fork (logged, counted) but no duplicate vote
    const otherRound = commit(B, 1, [honestIdx[1]!, sharedIdx]);
    assert.equal(p.reportFork(H, A, B, conflictingCommitVotes(ours, otherRound), "test", otherRound), 0);
    assert.equal(p.forksDetected, 1);
    assert.equal(p.pendingList().length, 0);
  });

  it("evidence built on the other branch (its block time) is kept with our time, without penalty; in a block it is invalid", () => {
    const a = pool(ts(1_700_000_100)).p;
    a.reportFork(H, A, B, conflictingCommitVotes(ours, theirs), "test", theirs);
    const evA = a.pendingList()[0]!;
    const b = pool(ts(1_700_000_222)); // branch B: another block time at H
    assert.equal(b.p.addFromPeer(evA), "ignore");
    assert.equal(b.p.pendingList().length, 1);
    const evB = b.p.pendingList()[0]!;
    assert.notDeepEqual(evB.raw, evA.raw);
    assert.equal(decodeDuplicateVoteEvidence(evB.raw).timestamp.seconds, 1_700_000_222n);
    b.p.verify(evB, b.state);
    const block = { header: { height: H + 1n }, evidence: { evidence: [evA] } } as unknown as Block;
    assert.throws(() => b.p.checkBlockEvidence(block, b.state), (e: unknown) => e instanceof EvidenceError && /time/.test(e.message));
    // garbage from a peer is rejected, never kept
    assert.equal(b.p.addFromPeer({ type: "duplicate_vote", raw: Uint8Array.of(1, 2, 3) }), "reject");
    assert.equal(b.p.pendingList().length, 1);
  });

  it("pending evidence is kept on disk: restored after a restart, removed once committed", () => {
    const dir = mkdtempSync(join(tmpdir(), "ol-fork-ev-"));
    try {
      const first = pool(ts(1_700_000_100), dir).p;
      first.reportFork(H, A, B, conflictingCommitVotes(ours, theirs), "test", theirs);
      assert.equal(readdirSync(dir).filter((f) => f.endsWith(".ev")).length, 1);
      // a node whose state is below the evidence height cannot check it yet: kept on disk for later
      const behind = pool(ts(1_700_000_100), dir, H - 1n);
      assert.equal(behind.p.restore(behind.state), 0);
      assert.equal(readdirSync(dir).filter((f) => f.endsWith(".ev")).length, 1);
      const again = pool(ts(1_700_000_100), dir);
      assert.equal(again.p.restore(again.state), 1);
      const ev = again.p.pendingList()[0]!;
      again.p.update({ header: { height: H + 1n }, evidence: { evidence: [ev] } } as unknown as Block, { ...again.state, lastBlockHeight: H + 1n });
      assert.equal(again.p.pendingList().length, 0);
      assert.equal(readdirSync(dir).filter((f) => f.endsWith(".ev")).length, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the reactor finds the fork in a peer's block of our height (its last commit) and in a precommit of our last height; a forged one records nothing", async () => {
    const handlers = new Map<string, (peer: string, m: unknown) => unknown>();
    const host = {
      channel: (spec: { name: string }) => ({
        onMessage: (h: (peer: string, m: unknown) => unknown) => handlers.set(spec.name, h),
        onPeer: () => () => {},
        send: () => true,
        broadcast: () => 0,
        report: () => {},
      }),
    } as unknown as ChannelFactory;
    const run = async (deliver: (h: Map<string, (peer: string, m: unknown) => unknown>) => void) => {
      const { p, state } = pool(ts(1_700_000_100));
      const pushed: unknown[] = [];
      const driver = {
        sm: { view: () => ({ height: H + 1n, round: 0, step: 1 }), heightMessages: () => ({ proposals: [], votes: [] }) },
        state: () => state,
        addListener: () => () => {},
        start: async () => {},
        push: (x: unknown) => pushed.push(x),
      } as unknown as ConsensusDriver;
      const blockStore = {
        loadExtendedCommit: (h: bigint) => (h === H ? { height: H, round: 0, blockId: A, extendedSignatures: ours.signatures.map((x) => ({ ...x, extension: new Uint8Array(0), extensionSignature: new Uint8Array(0) })) } : undefined),
        loadSeenCommit: () => undefined,
        loadBlock: () => undefined,
        loadBlockMeta: () => undefined,
        height: () => H,
        base: () => 1n,
      };
      const r = new ConsensusReactor({ statusIntervalMs: 60_000 }, { host, driver, blockStore, evidence: p, logger: silentLogger() });
      await r.switchToConsensus();
      deliver(handlers);
      r.stop();
      return { p, pushed };
    };
    const block = (c: Commit) => ({ header: { height: H + 1n, lastBlockId: c.blockId }, data: { txs: [] }, evidence: { evidence: [] }, lastCommit: c }) as unknown as Block;
    const viaBlock = await run((h) => h.get("consensus-data")!("peer-b", { kind: "block", height: H + 1n, block: block(theirs) }));
    assert.equal(viaBlock.p.pendingList().length, 1);
    assert.equal(viaBlock.p.forksDetected, 1);
    assert.equal(viaBlock.pushed.length, 1, "the block still goes to the machine");
    const forged = await run((h) => h.get("consensus-data")!("peer-b", { kind: "block", height: H + 1n, block: block(commit(B, 0, [honestIdx[1]!, sharedIdx], sharedIdx)) }));
    assert.equal(forged.p.pendingList().length, 0);
    assert.equal(forged.p.forksDetected, 0);
    const v = signedVote(keyAt(sharedIdx), ed25519Scheme, CHAIN, set, { type: 2, height: H, round: 0, blockId: B });
    const viaVote = await run((h) => h.get("consensus-votes")!("peer-b", v));
    assert.equal(viaVote.p.pendingList().length, 1);
    const e = decodeDuplicateVoteEvidence(viaVote.p.pendingList()[0]!.raw);
    assert.equal(e.voteA.validatorIndex, sharedIdx);
  });

  it("checkBlockForFork examines at most 4 conflicting commits per sender and height: one sender's forged blocks do not hide the real fork sent by another", () => {
    const { p } = pool(ts(1_700_000_100));
    const block = (c: Commit) => ({ header: { height: H + 1n, lastBlockId: c.blockId }, lastCommit: c }) as unknown as Block;
    for (let i = 0; i < 6; i++) {
      const forged = commit(bid(`forged ${i}`), 0, [honestIdx[1]!, sharedIdx], sharedIdx);
      assert.equal(p.checkBlockForFork(block(forged), "test", "mallory"), 0);
    }
    assert.equal(p.checkBlockForFork(block(theirs), "test", "mallory"), 0, "mallory's checks at this height are used up");
    assert.equal(p.checkBlockForFork(block(theirs), "test", "honest peer"), 1);
    assert.equal(p.forksDetected, 1);
    // a block that extends our own last block is no fork (nothing checked)
    assert.equal(p.checkBlockForFork(block(ours), "test", "honest peer"), 0);
  });

  it("addFromClient (RPC broadcast_evidence): a real double sign is verified, added and offered; again: nothing; forged or other ABCI fields: refused with the reason", () => {
    const { p } = pool(ts(1_700_000_100));
    const offered: Uint8Array[] = [];
    p.onNewEvidence((ev) => offered.push(ev.raw));
    const va = signedVote(keyAt(sharedIdx), ed25519Scheme, CHAIN, set, { type: 2, height: H, round: 0, blockId: A });
    const vb = signedVote(keyAt(sharedIdx), ed25519Scheme, CHAIN, set, { type: 2, height: H, round: 0, blockId: B });
    const key = (v: Vote) => Buffer.concat([v.blockId.hash, Buffer.from([0, 0, 0, v.blockId.partSetHeader.total]), v.blockId.partSetHeader.hash]);
    const [first, second] = Buffer.compare(key(va), key(vb)) < 0 ? [va, vb] : [vb, va];
    const ev = (o: Partial<Parameters<typeof encodeDuplicateVoteEvidence>[0]> = {}) =>
      encodeDuplicateVoteEvidence({ voteA: first, voteB: second, totalVotingPower: 67n, validatorPower: 43n, timestamp: ts(1_700_000_100), ...o });

    assert.throws(() => p.addFromClient(ev({ voteA: second, voteB: first })), (e: unknown) => e instanceof EvidenceError && /not ordered by block id/.test(e.message));
    assert.throws(() => p.addFromClient(ev({ voteB: { ...second, signature: Uint8Array.from(second.signature).fill(7) } })), (e: unknown) => e instanceof EvidenceError && /signature invalid/.test(e.message));
    assert.equal(p.pendingList().length, 0, "nothing forged is kept");
    // the proof holds but the time is another branch's: refused, and kept with our ABCI fields (evidence/verify.go)
    assert.throws(() => p.addFromClient(ev({ timestamp: ts(1_700_000_999) })), (e: unknown) => e instanceof EvidenceError && /evidence time is not the block time/.test(e.message));
    assert.equal(p.pendingList().length, 1);
    assert.equal(decodeDuplicateVoteEvidence(p.pendingList()[0]!.raw).timestamp.seconds, 1_700_000_100n);

    const { p: p2 } = pool(ts(1_700_000_100));
    const offered2: Uint8Array[] = [];
    p2.onNewEvidence((e) => offered2.push(e.raw));
    p2.addFromClient(ev());
    assert.deepEqual(p2.pendingList().map((e) => e.raw), [ev().raw]);
    assert.deepEqual(offered2, [ev().raw], "offered to the proposer and to peers");
    p2.addFromClient(ev()); // already pending: nothing to do, no error (CometBFT AddEvidence)
    assert.equal(p2.pendingList().length, 1);
    assert.equal(offered2.length, 1);
    assert.equal(offered.length, 1, "the restamped copy was offered once");
  });
});
