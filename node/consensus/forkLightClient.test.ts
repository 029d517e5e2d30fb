/**
 * S13 with the fork signed in DIFFERENT rounds (no duplicate vote exists): the node that meets the other
 * branch's commit walks down that branch to where it left ours and builds light-client-attack evidence
 * (amnesia: nobody punished); the other branch's nodes accept the copy built for them, their proposer
 * includes it, block validation passes, it is committed once and FinalizeBlock gets no misbehavior.
 * Same-round forks give the equivocation form (the shared key is LIGHT_CLIENT_ATTACK misbehavior).
 * Forged commits and blocks record nothing. In-process, real ed25519, no network (~1 s).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { toHex } from "../../modules/core/bytes.ts";
import type { ChannelFactory } from "../p2p/mempoolReactor.ts";
import type { Block, Evidence } from "../types/block.ts";
import { silentLogger } from "../util/logger.ts";
import { misbehaviorFromEvidence } from "../execution/blockExecutor.ts";
import type { ConsensusDriver } from "./driver.ts";
import { EvidenceError } from "./evidencePool.ts";
import { conflictingCommitVotes } from "./forkEvidence.ts";
import { decodeLightClientAttack } from "./lightClientAttack.ts";
import { ConsensusReactor } from "./reactor.ts";
import { buildBranch, type ChainBlock, honestIdx, poolOn, sharedIdx, signCommit, vals } from "./testing/forkChain.ts";

const F = 5n; // the first height where the branches differ
/** branch A (honest[0] + one copy of the shared key) has committed up to F+1; branch B (honest[1] + the other copy) up to F+3. */
function branches(bRound: number) {
  const A = buildBranch({ tag: "A", forkAt: F, top: F + 1n, round: () => 0, signers: [honestIdx[0]!, sharedIdx] });
  const B = buildBranch({ tag: "B", forkAt: F, top: F + 3n, round: () => bRound, signers: [honestIdx[1]!, sharedIdx] });
  return { A, B };
}
const at = (c: ChainBlock[], h: bigint) => c[Number(h) - 1]!;

/** A meets B's block F+2 (its last commit is B's commit of F+1) and serves the walk's block requests from B's chain. */
function detectOnA(A: ChainBlock[], B: ChainBlock[], dir?: string) {
  const a = poolOn(A, F + 1n, dir);
  const asked: bigint[] = [];
  const gossiped: Evidence[] = [];
  a.p.onNewEvidence((ev) => gossiped.push(ev));
  // the reactor asks every peer; B's nodes answer with their block of that height and hash
  a.p.onWantBlock((h, hash) => {
    asked.push(h);
    const b = at(B, h);
    if (toHex(b.id.hash) === toHex(hash)) queueMicrotask(() => a.p.forkBlock(b.block));
  });
  a.p.checkBlockForFork(at(B, F + 2n).block, "test", "peer-b");
  return { a, asked, gossiped };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe("consensus/forkLightClient (S13 in different rounds: light-client-attack evidence)", () => {
  it("amnesia: A walks B down to the split, keeps evidence for its chain and gossips the copy for B; B commits it and nobody is slashed", async () => {
    const { A, B } = branches(1);
    const { a, asked, gossiped } = detectOnA(A, B);
    await settle();
    assert.equal(a.p.forksDetected, 1, "the conflicting commit of F+1 (verified) declares the fork");
    assert.deepEqual(asked, [F + 1n, F], "one block per height down to the split");
    assert.equal(a.p.lightClientAttacksBuilt, 2);
    // for A's chain: B's block F as the conflicting one, common height F, nobody byzantine (other rounds)
    const mine = a.p.pendingList();
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.type, "light_client_attack");
    const e = decodeLightClientAttack(mine[0]!.raw);
    assert.equal(e.commonHeight, F);
    assert.equal(toHex(e.conflictingBlock.signedHeader.commit.blockId.hash), toHex(at(B, F).id.hash));
    assert.equal(e.conflictingBlock.signedHeader.commit.round, 1);
    assert.equal(e.byzantineValidators.length, 0);
    // both items are gossiped; the proposer of A waits until the canonical commit of F+1... F is below: proposable
    assert.equal(gossiped.length, 2);
    assert.equal(a.p.gossipList().length, 2);
    assert.equal(a.p.pendingEvidence(1_000_000n).length, 1);

    // B's node (at F+3) gets both: the one whose conflicting block is B's own is ignored (no penalty), the other accepted
    const b = poolOn(B, F + 3n);
    const outcomes = gossiped.map((ev) => b.p.addFromPeer(ev));
    assert.deepEqual([...outcomes].sort(), ["accept", "ignore"]);
    const forB = b.p.pendingEvidence(1_000_000n);
    assert.equal(forB.length, 1);
    const eb = decodeLightClientAttack(forB[0]!.raw);
    assert.equal(toHex(eb.conflictingBlock.signedHeader.commit.blockId.hash), toHex(at(A, F).id.hash), "A's block is B's conflicting block");
    assert.deepEqual(eb.timestamp, at(B, F).block.header.time, "B's block time at the common height");
    // B's proposer includes it; every B validator's block check passes; FinalizeBlock gets no misbehavior (amnesia)
    const block = { header: { height: F + 4n }, evidence: { evidence: forB } } as unknown as Block;
    b.p.checkBlockEvidence(block, b.state);
    assert.deepEqual(misbehaviorFromEvidence(block.evidence.evidence), [], "amnesia: nobody slashed");
    b.p.update(block, b.state);
    assert.equal(b.p.pendingList().length, 0);
    assert.ok(b.p.isCommitted(forB[0]!));
    // never twice: again from a peer, or in another block
    assert.equal(b.p.addFromPeer(forB[0]!), "ignore");
    assert.throws(() => b.p.checkBlockEvidence(block, b.state), (err: unknown) => err instanceof EvidenceError && /committed/.test(err.message));
  });

  it("a fork first reported by a precommit (no commit to walk from) is still walked when the block with the commit comes", async () => {
    const { A, B } = branches(1);
    const a = poolOn(A, F + 1n);
    const asked: bigint[] = [];
    a.p.onWantBlock((h) => asked.push(h));
    const theirs = at(B, F + 1n).commit;
    const pairs = conflictingCommitVotes({ ...at(A, F + 1n).commit }, theirs);
    assert.equal(pairs.length, 0, "other rounds: no duplicate vote");
    a.p.reportFork(F + 1n, at(A, F + 1n).id, at(B, F + 1n).id, pairs, "precommit", theirs);
    assert.deepEqual(asked, [F + 1n]);
    a.p.reportFork(F + 1n, at(A, F + 1n).id, at(B, F + 1n).id, pairs, "again", theirs);
    assert.deepEqual(asked, [F + 1n], "once per fork");
    // same round: the shared key's precommit alone declares the fork (duplicate vote), then the block brings the commit
    const same = branches(0);
    const b = poolOn(same.A, F + 1n);
    const asked2: bigint[] = [];
    b.p.onWantBlock((h) => asked2.push(h));
    const pair = conflictingCommitVotes(at(same.A, F + 1n).commit, at(same.B, F + 1n).commit);
    assert.equal(pair.length, 1);
    assert.equal(b.p.reportFork(F + 1n, at(same.A, F + 1n).id, at(same.B, F + 1n).id, pair, "precommit from peer-b"), 1);
    assert.equal(b.p.forksDetected, 1);
    assert.deepEqual(asked2, [], "no commit to walk from yet");
    b.p.checkBlockForFork(at(same.B, F + 2n).block, "test", "peer-b");
    assert.deepEqual(asked2, [F + 1n]);
  });

  it("equivocation (same round): the shared key is the byzantine validator; LIGHT_CLIENT_ATTACK misbehavior with its power at the common height", async () => {
    const { A, B } = branches(0);
    const { a, gossiped } = detectOnA(A, B);
    await settle();
    const b = poolOn(B, F + 3n);
    for (const ev of gossiped) b.p.addFromPeer(ev);
    const forB = b.p.pendingEvidence(1_000_000n).filter((x) => x.type === "light_client_attack");
    assert.equal(forB.length, 1);
    const m = misbehaviorFromEvidence(forB);
    assert.equal(m.length, 1);
    assert.equal(m[0]!.type, "light_client_attack");
    assert.equal(toHex(m[0]!.validator.address), toHex(vals[sharedIdx]!.address));
    assert.equal(m[0]!.validator.power, 43n);
    assert.equal(m[0]!.height, F);
    assert.equal(m[0]!.totalVotingPower, 67n);
    // on A's side too (its own chain's copy)
    const mine = a.p.pendingList().filter((x) => x.type === "light_client_attack");
    assert.deepEqual(
      decodeLightClientAttack(mine[0]!.raw).byzantineValidators.map((v) => v.votingPower),
      [43n],
    );
  });

  it("expiry by max_age (both conditions): pending and other-branch items are dropped with their files; expired evidence is not accepted", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ol-lca-exp-"));
    try {
      const { A, B } = branches(1);
      const { a, gossiped } = detectOnA(A, B, dir);
      await settle();
      assert.equal(a.p.gossipList().length, 2);
      // the same chain, but evidence may be only 0 blocks and 0 ns old: F is 1 block and 10 s behind F+1
      const ev = a.state.consensusParams.evidence;
      ev.maxAgeNumBlocks = 1n;
      a.p.update({ header: { height: F + 1n }, evidence: { evidence: [] } } as unknown as Block, a.state);
      assert.equal(a.p.pendingList().length, 1, "1 block old with max 1: kept");
      ev.maxAgeNumBlocks = 0n;
      ev.maxAgeDurationNs = 20_000_000_000n;
      a.p.update({ header: { height: F + 1n }, evidence: { evidence: [] } } as unknown as Block, a.state);
      assert.equal(a.p.pendingList().length, 1, "older in blocks but not in time: kept (both conditions)");
      ev.maxAgeDurationNs = 0n;
      a.p.update({ header: { height: F + 1n }, evidence: { evidence: [] } } as unknown as Block, a.state);
      assert.equal(a.p.gossipList().length, 0);
      assert.deepEqual(readdirSync(dir), []);
      const b = poolOn(B, F + 3n);
      b.state.consensusParams.evidence.maxAgeNumBlocks = 0n;
      b.state.consensusParams.evidence.maxAgeDurationNs = 0n;
      assert.deepEqual(gossiped.map((x) => b.p.addFromPeer(x)), ["ignore", "ignore"]);
      assert.equal(b.p.pendingList().length, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("built on the commit we decided with (another round than the canonical one): re-stamped from the canonical commit before it is proposed", async () => {
    const { A, B } = branches(0); // canonical: both branches in round 0 at F (equivocation)
    // A decided F in round 2 (its seen commit); block F+1's last commit (canonical) is round 0
    const dir = mkdtempSync(join(tmpdir(), "ol-lca-rs-"));
    const a = poolOn(A, F, dir, new Map([[F, signCommit(F, at(A, F).id, 2, [honestIdx[0]!, sharedIdx])]]));
    a.p.onWantBlock((h, hash) => {
      if (toHex(at(B, h).id.hash) === toHex(hash)) queueMicrotask(() => a.p.forkBlock(at(B, h).block));
    });
    a.p.checkBlockForFork(at(B, F + 1n).block, "test", "peer-b");
    await settle();
    const built = a.p.pendingList().filter((x) => x.type === "light_client_attack");
    assert.equal(built.length, 1);
    assert.equal(decodeLightClientAttack(built[0]!.raw).byzantineValidators.length, 0, "rounds 2/0 as decided: amnesia");
    assert.equal(a.p.pendingEvidence(1_000_000n).filter((x) => x.type === "light_client_attack").length, 0, "not proposed before block F+1 is ours");
    a.setLast(F + 1n);
    assert.equal(a.p.pendingEvidence(1_000_000n).filter((x) => x.type === "light_client_attack").length, 0, "re-stamped this time");
    const proposed = a.p.pendingEvidence(1_000_000n).filter((x) => x.type === "light_client_attack");
    assert.equal(proposed.length, 1);
    assert.deepEqual(
      decodeLightClientAttack(proposed[0]!.raw).byzantineValidators.map((v) => v.votingPower),
      [43n],
      "canonical rounds 0/0: equivocation, the shared key",
    );
    a.p.checkBlockEvidence({ header: { height: F + 2n }, evidence: { evidence: proposed } } as unknown as Block, a.state);
    // a restart after block F+1: the kept file is re-stamped the same way on restore
    try {
      const b = poolOn(A, F, dir, new Map([[F, signCommit(F, at(A, F).id, 2, [honestIdx[0]!, sharedIdx])]]));
      b.p.onWantBlock((h, hash) => {
        if (toHex(at(B, h).id.hash) === toHex(hash)) queueMicrotask(() => b.p.forkBlock(at(B, h).block));
      });
      rmSync(dir, { recursive: true, force: true });
      b.p.checkBlockForFork(at(B, F + 1n).block, "test", "peer-b");
      await settle();
      const again = poolOn(A, F + 1n, dir);
      assert.equal(again.p.restore(again.state), 2);
      const restored = again.p.pendingList().filter((x) => x.type === "light_client_attack");
      assert.deepEqual(
        decodeLightClientAttack(restored[0]!.raw).byzantineValidators.map((v) => v.votingPower),
        [43n],
      );
      assert.equal(readdirSync(dir).length, 2, "one file per item, the re-stamped one replacing the old");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("forged: a conflicting commit that does not verify starts no walk; a block that is not the one asked for is not a step", async () => {
    const { A, B } = branches(1);
    const a = poolOn(A, F + 1n);
    const asked: bigint[] = [];
    a.p.onWantBlock((h) => asked.push(h));
    const real = at(B, F + 2n).block;
    const forged = { ...real, lastCommit: signCommit(F + 1n, real.lastCommit.blockId, 1, [honestIdx[1]!, sharedIdx], sharedIdx) };
    assert.equal(a.p.checkBlockForFork(forged, "test", "mallory"), 0);
    assert.equal(a.p.forksDetected, 0);
    assert.deepEqual(asked, []);
    // the real one starts the walk; another block of that height (a different branch C) is ignored
    a.p.checkBlockForFork(real, "test", "peer-b");
    assert.deepEqual(asked, [F + 1n]);
    const C = buildBranch({ tag: "CC", forkAt: F, top: F + 1n, round: () => 1, signers: [honestIdx[1]!, sharedIdx] });
    assert.equal(a.p.forkBlock(at(C, F + 1n).block), 0);
    assert.equal(a.p.walking, 1);
    assert.deepEqual(asked, [F + 1n]);
    // the asked-for block with its last commit tampered with is not followed
    const b1 = at(B, F + 1n).block;
    assert.equal(a.p.forkBlock({ ...b1, lastCommit: signCommit(F, b1.lastCommit.blockId, 0, [honestIdx[1]!, sharedIdx]) }), 0);
    assert.deepEqual(asked, [F + 1n]);
    assert.equal(a.p.pendingList().length, 0);
  });

  it("evidence for the other branch is kept on disk and restored; the reactor sends blocks below our height to the walk, not to the machine", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ol-lca-"));
    try {
      const { A, B } = branches(1);
      detectOnA(A, B, dir);
      await settle();
      assert.deepEqual(
        readdirSync(dir)
          .map((f) => f.slice(f.lastIndexOf(".")))
          .sort(),
        [".lca", ".lcx"],
      );
      const again = poolOn(A, F + 1n, dir);
      assert.equal(again.p.restore(again.state), 2);
      assert.equal(again.p.pendingList().length, 1);
      assert.equal(again.p.gossipList().length, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // the reactor: B's block F+1 arrives as a block of a height A committed → forkBlock (after the walk asked)
    const { A, B } = branches(1);
    const a = poolOn(A, F + 1n);
    const handlers = new Map<string, (peer: string, m: unknown) => unknown>();
    const broadcasts: unknown[] = [];
    const wire: Uint8Array[] = [];
    let evidenceSpec: { decode: (b: Uint8Array) => unknown } | undefined;
    const host = {
      channel: (spec: { name: string; encode: (m: unknown) => Uint8Array }) => ({
        onMessage: (h: (peer: string, m: unknown) => unknown) => handlers.set(spec.name, h),
        onPeer: () => () => {},
        send: () => true,
        broadcast: (m: unknown) => {
          broadcasts.push(m);
          if (spec.name === "evidence") {
            evidenceSpec = spec as never;
            wire.push(spec.encode(m));
          }
          return 1;
        },
        report: () => {},
      }),
    } as unknown as ChannelFactory;
    const pushed: unknown[] = [];
    const driver = {
      sm: { view: () => ({ height: F + 2n, round: 0, step: 1 }), heightMessages: () => ({ proposals: [], votes: [] }) },
      state: () => a.state,
      addListener: () => () => {},
      start: async () => {},
      push: (x: unknown) => pushed.push(x),
    } as unknown as ConsensusDriver;
    const blockStore = {
      loadExtendedCommit: () => undefined,
      loadSeenCommit: (h: bigint) => (h <= F + 1n ? at(A, h).commit : undefined),
      loadBlock: () => undefined,
      loadBlockMeta: () => undefined,
      height: () => F + 1n,
      base: () => 1n,
    };
    const r = new ConsensusReactor({ statusIntervalMs: 60_000 }, { host, driver, blockStore, evidence: a.p, logger: silentLogger() });
    await r.switchToConsensus();
    const data = handlers.get("consensus-data")!;
    data("peer-b", { kind: "block", height: F + 2n, block: at(B, F + 2n).block });
    assert.ok(broadcasts.some((m) => (m as { kind: string; height: bigint }).kind === "blockRequest" && (m as { height: bigint }).height === F + 1n), "the walk's request went out");
    data("peer-b", { kind: "block", height: F + 1n, block: at(B, F + 1n).block });
    data("peer-b", { kind: "block", height: F, block: at(B, F).block });
    r.stop();
    assert.equal(a.p.pendingList().length, 1, "light-client-attack evidence built through the reactor");
    assert.equal(pushed.length, 1, "only the block of our height went to the machine");
    // gossiped on the evidence channel as tendermint.types.Evidence (oneof field 2); B's node decodes both and accepts one
    assert.equal(wire.length, 2);
    const b = poolOn(B, F + 3n);
    const outcomes = wire.flatMap((bytes) => (evidenceSpec!.decode(bytes) as Evidence[]).map((ev) => b.p.addFromPeer(ev)));
    assert.deepEqual(outcomes.sort(), ["accept", "ignore"]);
    assert.equal(b.p.pendingList()[0]!.type, "light_client_attack");
  });

  it("broadcast_evidence (EvidencePool.addFromClient): the light client attack evidence for B, sent as CometBFT JSON, is verified and added on B; the copy naming B's own block is refused", async () => {
    const { lightClientAttackEvidenceJson, evidenceFromJson } = await import("../rpc/evidenceJson.ts");
    const { A, B } = branches(1);
    const { gossiped } = detectOnA(A, B);
    await settle();
    assert.equal(gossiped.length, 2);
    const b = poolOn(B, F + 3n);
    const viaJson = gossiped.map((ev) => evidenceFromJson(JSON.parse(JSON.stringify(lightClientAttackEvidenceJson(ev.raw)))));
    const results = viaJson.map((ev) => {
      try {
        b.p.addFromClient(ev);
        return "added";
      } catch (e: unknown) {
        assert.ok(e instanceof EvidenceError, String(e));
        return `refused: ${e.message}`;
      }
    });
    assert.equal(results.filter((r) => r === "added").length, 1, JSON.stringify(results));
    assert.match(results.find((r) => r !== "added")!, /trusted header hash matches/);
    assert.equal(b.p.pendingList().length, 1);
    assert.equal(toHex(decodeLightClientAttack(b.p.pendingList()[0]!.raw).conflictingBlock.signedHeader.commit.blockId.hash), toHex(at(A, F).id.hash));
    b.p.addFromClient(viaJson[results.indexOf("added")]!); // already pending: nothing, no error
    assert.equal(b.p.pendingList().length, 1);
  });
});
