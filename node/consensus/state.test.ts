import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Bytes } from "../../modules/core/abci.ts";
import { equal, toHex, utf8 } from "../../modules/core/bytes.ts";
import { type Block, type BlockID, EMPTY_BLOCK_ID, type Vote } from "../types/block.ts";
import { isZeroBlockId } from "../types/encoding.ts";
import { blockId as computeBlockId } from "../types/hash.ts";
import { msToTimestamp } from "../types/time.ts";
import type { ValidatorSet } from "../types/validatorSet.ts";
import {
  type ConsensusInput,
  type ConsensusOutput,
  ConsensusState,
  RoundStep,
  type TimeoutParams,
  type VoteExtensionHooks,
} from "./state.ts";
import { ed25519Scheme, makeTestBlock, makeValidatorSet, rawSigner, type SigScheme, signedProposal, signedVote, type TestKey, testKeys } from "./testing.ts";

const CHAIN = "openledger-test-1";
const T: TimeoutParams = { proposeMs: 1000, proposeDeltaMs: 500, prevoteMs: 500, prevoteDeltaMs: 250, precommitMs: 500, precommitDeltaMs: 250, commitMs: 100, capMs: 2000 };
const BLOCK_TIME = { seconds: 1_700_000_000n, nanos: 0 };

interface Harness {
  sm: ConsensusState;
  vals: ValidatorSet;
  /** keys in validator-set order. */
  keys: TestKey[];
  me: number;
  out: ConsensusOutput[];
  invalid: Set<string>;
  feed(input: ConsensusInput, now?: number): ConsensusOutput[];
  proposerIndex(round: number): number;
  block(tag: string): { block: Block; id: BlockID };
  propose(round: number, polRound: number, b: { block: Block; id: BlockID }): ConsensusOutput[];
  votes(type: 1 | 2, round: number, id: BlockID | undefined, from: number[]): ConsensusOutput[];
  myVotes(type: 1 | 2, round: number): Vote[];
}

function setup(o: { powers?: bigint[]; me?: (h: { proposerIndex: (r: number) => number }) => number; scheme?: SigScheme; ext?: VoteExtensionHooks; extHeight?: bigint } = {}): Harness {
  const scheme = o.scheme ?? ed25519Scheme;
  const powers = o.powers ?? [10n, 10n, 10n, 10n];
  const raw = testKeys(powers.length, scheme);
  const vals = makeValidatorSet(raw, powers);
  const keys = vals.validators.map((v) => raw.find((k) => equal(k.address, v.address))!);
  const probe = new ConsensusState({ chainId: CHAIN, timeouts: T, voteExtensionsEnableHeight: 0n }, { verifier: scheme.verifier });
  probe.handle({ kind: "startHeight", height: 1n, validators: vals }, 0);
  const proposerIndex = (r: number) => vals.getByAddress(probe.proposer(r).address)!.index;
  const me = o.me === undefined ? proposerIndex(3) : o.me({ proposerIndex });
  const sm = new ConsensusState(
    { chainId: CHAIN, timeouts: T, voteExtensionsEnableHeight: o.extHeight ?? 0n },
    { signer: rawSigner(keys[me]!, CHAIN, scheme), verifier: scheme.verifier, ...(o.ext === undefined ? {} : { extensions: o.ext }) },
  );
  const h: Harness = {
    sm,
    vals,
    keys,
    me,
    out: [],
    invalid: new Set(),
    feed(input, now = 1000) {
      const res = sm.handle(input, now);
      h.out.push(...res);
      const all = [...res];
      for (const x of res) {
        if (x.kind === "validateBlock") {
          all.push(...h.feed({ kind: "verdict", height: x.height, blockHash: x.blockId.hash, valid: !h.invalid.has(toHex(x.blockId.hash)) }, now));
        }
      }
      return all;
    },
    proposerIndex,
    block(tag) {
      const block = makeTestBlock({ chainId: CHAIN, height: 1n, time: BLOCK_TIME, proposer: keys[0]!.address, txs: [utf8(tag)] });
      return { block, id: computeBlockId(block) };
    },
    propose(round, polRound, b) {
      const k = keys[proposerIndex(round)]!;
      return h.feed({ kind: "proposal", proposal: signedProposal(k, scheme, CHAIN, { height: 1n, round, polRound, blockId: b.id }), block: b.block });
    },
    votes(type, round, id, from) {
      const res: ConsensusOutput[] = [];
      for (const i of from) res.push(...h.feed({ kind: "vote", vote: signedVote(keys[i]!, scheme, CHAIN, vals, { type, height: 1n, round, ...(id === undefined ? {} : { blockId: id }) }) }));
      return res;
    },
    myVotes(type, round) {
      return h.out.filter((x): x is Extract<ConsensusOutput, { kind: "broadcastVote" }> => x.kind === "broadcastVote" && x.vote.type === type && x.vote.round === round).map((x) => x.vote);
    },
  };
  h.feed({ kind: "startHeight", height: 1n, validators: vals }, 0);
  h.feed({ kind: "timeout", timeout: { step: "newHeight", height: 1n, round: 0 } });
  return h;
}

function others(h: Harness, n = 3, exclude: number[] = []): number[] {
  return h.keys.map((_, i) => i).filter((i) => i !== h.me && !exclude.includes(i)).slice(0, n);
}

function votedFor(v: Vote | undefined, id: BlockID | undefined): boolean {
  if (v === undefined) return false;
  return id === undefined ? isZeroBlockId(v.blockId) : equal(v.blockId.hash, id.hash);
}

/** locks the harness node on A in round 0 (polka for A seen), then moves to round 1 by nil precommits. */
function lockOnAInRound0(h: Harness) {
  const A = h.block("A");
  h.propose(0, -1, A);
  assert.ok(votedFor(h.myVotes(1, 0)[0], A.id), "prevotes A in round 0");
  h.votes(1, 0, A.id, others(h, 2));
  assert.ok(votedFor(h.myVotes(2, 0)[0], A.id), "precommits A after the polka");
  assert.equal(h.sm.view()!.lockedRound, 0);
  h.votes(2, 0, undefined, others(h, 3));
  const sched = h.out.filter((x) => x.kind === "scheduleTimeout" && x.timeout.step === "precommit" && x.timeout.round === 0);
  assert.equal(sched.length, 1, "+2/3 precommits schedule the precommit timeout");
  h.feed({ kind: "timeout", timeout: { step: "precommit", height: 1n, round: 0 } });
  assert.equal(h.sm.view()!.round, 1);
  return A;
}

describe("consensus/state locks", () => {
  it("a validator locked in round 0 prevotes nil for a different fresh proposal and never unlocks on a nil polka", () => {
    const h = setup();
    const A = lockOnAInRound0(h);
    const B = h.block("B");
    h.propose(1, -1, B);
    assert.ok(votedFor(h.myVotes(1, 1)[0], undefined), "locked on A: prevote nil for B");
    h.votes(1, 1, undefined, others(h, 2));
    assert.ok(votedFor(h.myVotes(2, 1)[0], undefined), "nil polka → precommit nil");
    assert.equal(h.sm.view()!.lockedRound, 0, "no unlock on a nil polka");
    assert.equal(toHex(h.sm.view()!.lockedBlockId!.hash), toHex(A.id.hash));
    h.votes(2, 1, undefined, others(h, 3));
    h.feed({ kind: "timeout", timeout: { step: "precommit", height: 1n, round: 1 } });
    h.propose(2, -1, B);
    assert.ok(votedFor(h.myVotes(1, 2)[0], undefined), "still locked on A in round 2");
  });

  it("a re-proposal with a POL round but without the polka waits, then prevotes nil on the propose timeout", () => {
    const h = setup();
    lockOnAInRound0(h);
    const B = h.block("B");
    h.propose(1, 0, B);
    assert.equal(h.myVotes(1, 1).length, 0, "waits for the POL prevotes");
    h.feed({ kind: "timeout", timeout: { step: "propose", height: 1n, round: 1 } });
    assert.ok(votedFor(h.myVotes(1, 1)[0], undefined));
  });

  it("a newer polka (vr ≥ lockedRound) lets a locked validator prevote the other value (R2)", () => {
    const h = setup();
    lockOnAInRound0(h);
    const B = h.block("B");
    // round 1: no proposal reaches us; others prevote B (a polka we see), we prevote nil on timeout
    h.feed({ kind: "timeout", timeout: { step: "propose", height: 1n, round: 1 } });
    h.votes(1, 1, B.id, others(h, 3));
    assert.equal(h.sm.view()!.lockedRound, 0, "no relock without the proposal of round 1");
    h.feed({ kind: "timeout", timeout: { step: "prevote", height: 1n, round: 1 } });
    h.votes(2, 1, undefined, others(h, 3));
    h.feed({ kind: "timeout", timeout: { step: "precommit", height: 1n, round: 1 } });
    h.propose(2, 1, B);
    assert.ok(votedFor(h.myVotes(1, 2)[0], B.id), "POL round 1 ≥ locked round 0 → prevote B");
  });

  it("a polka in the current round for the proposal relocks (R4) and updates validValue after a nil precommit", () => {
    const h = setup();
    lockOnAInRound0(h);
    const B = h.block("B");
    h.propose(1, -1, B);
    assert.ok(votedFor(h.myVotes(1, 1)[0], undefined));
    h.votes(1, 1, B.id, others(h, 3));
    const v = h.sm.view()!;
    assert.equal(v.lockedRound, 1, "relocked on B in round 1");
    assert.equal(toHex(v.lockedBlockId!.hash), toHex(B.id.hash));
    assert.ok(votedFor(h.myVotes(2, 1)[0], B.id));
    // validValue update after precommitting nil: new harness, precommit nil first by timeout
    const g = setup();
    const C = g.block("C");
    g.feed({ kind: "timeout", timeout: { step: "propose", height: 1n, round: 0 } });
    g.feed({ kind: "timeout", timeout: { step: "prevote", height: 1n, round: 0 } });
    assert.equal(g.sm.view()!.step, RoundStep.precommit);
    g.propose(0, -1, C);
    g.votes(1, 0, C.id, others(g, 3));
    assert.equal(g.sm.view()!.validRound, 0, "validValue updated although we precommitted nil");
    assert.equal(g.sm.view()!.lockedRound, -1, "but no lock");
  });

  it("the proposer re-proposes its validValue with its valid round", () => {
    const h = setup({ me: (p) => p.proposerIndex(1) });
    const A = h.block("A");
    h.propose(0, -1, A);
    h.votes(1, 0, A.id, others(h, 2));
    h.votes(2, 0, undefined, others(h, 3));
    h.feed({ kind: "timeout", timeout: { step: "precommit", height: 1n, round: 0 } });
    const p = h.out.find((x) => x.kind === "broadcastProposal");
    assert.ok(p !== undefined && p.kind === "broadcastProposal");
    assert.equal(p.proposal.round, 1);
    assert.equal(p.proposal.polRound, 0);
    assert.ok(equal(p.proposal.blockId.hash, A.id.hash));
    assert.equal(h.out.filter((x) => x.kind === "requestValue").length, 0);
  });
});

describe("consensus/state rounds and timeouts", () => {
  it("+2/3 nil precommits schedule the precommit timeout, whose expiry starts the next round", () => {
    const h = setup();
    h.feed({ kind: "timeout", timeout: { step: "propose", height: 1n, round: 0 } });
    h.votes(2, 0, undefined, others(h, 3));
    assert.equal(h.sm.view()!.round, 0);
    h.feed({ kind: "timeout", timeout: { step: "precommit", height: 1n, round: 0 } });
    assert.equal(h.sm.view()!.round, 1);
    assert.equal(h.sm.view()!.step, RoundStep.propose);
  });

  it("timeouts grow per round and are capped", () => {
    const h = setup();
    const X = h.block("X");
    const [a, b, c] = others(h, 3) as [number, number, number];
    for (let r = 0; r < 6; r++) {
      h.feed({ kind: "timeout", timeout: { step: "propose", height: 1n, round: r } });
      h.votes(1, r, undefined, [a]);
      h.votes(1, r, X.id, [b, c]);
      h.feed({ kind: "timeout", timeout: { step: "prevote", height: 1n, round: r } });
      h.votes(2, r, undefined, others(h, 3));
      h.feed({ kind: "timeout", timeout: { step: "precommit", height: 1n, round: r } });
    }
    const durations = (step: string) =>
      h.out.filter((x): x is Extract<ConsensusOutput, { kind: "scheduleTimeout" }> => x.kind === "scheduleTimeout" && x.timeout.step === step).map((x) => x.durationMs);
    assert.deepEqual(durations("propose"), [1000, 1500, 2000, 2000, 2000, 2000, 2000]);
    assert.deepEqual(durations("prevote"), [500, 750, 1000, 1250, 1500, 1750]);
    assert.deepEqual(durations("precommit"), [500, 750, 1000, 1250, 1500, 1750]);
    assert.equal(h.sm.view()!.round, 6);
  });

  it("skips to a higher round on votes from f+1 power, not on less", () => {
    const h = setup();
    const [a, b] = others(h, 2) as [number, number];
    h.votes(1, 5, undefined, [a]);
    assert.equal(h.sm.view()!.round, 0, "10/40 is not > 1/3");
    h.votes(2, 5, undefined, [a]);
    assert.equal(h.sm.view()!.round, 0, "the same validator counts once");
    h.votes(2, 5, undefined, [b]);
    assert.equal(h.sm.view()!.round, 5, "20/40 > 1/3 → round 5");
  });

  it("stale timeouts are ignored", () => {
    const h = setup();
    h.feed({ kind: "timeout", timeout: { step: "prevote", height: 1n, round: 0 } });
    assert.equal(h.sm.view()!.step, RoundStep.propose);
    h.feed({ kind: "timeout", timeout: { step: "propose", height: 1n, round: 3 } });
    assert.equal(h.sm.view()!.step, RoundStep.propose);
  });
});

describe("consensus/state proposer and messages", () => {
  it("follows the weighted round-robin proposer per round (powers 1 and 3: p2, p1, p2, p2)", () => {
    const h = setup({ powers: [1n, 3n], me: () => 0 });
    const p1 = h.keys.findIndex((_, i) => h.vals.validators[i]!.votingPower === 1n);
    const p2 = 1 - p1;
    const seq = [0, 1, 2, 3, 4, 5, 6, 7].map((r) => h.proposerIndex(r));
    // the base set's round-0 proposer comes from create()'s first increment; rounds follow the 2:1 pattern
    const counts = [0, 0];
    for (const i of seq) counts[i]!++;
    assert.equal(counts[p2], 6);
    assert.equal(counts[p1], 2);
    // the machine asks for a value exactly in the rounds it proposes
    const asked = new Set(h.out.filter((x) => x.kind === "requestValue").map((x) => (x as { round: number }).round));
    assert.equal(asked.has(0), seq[0] === h.me);
  });

  it("rejects a proposal from a validator that is not the round's proposer, and a bad vote signature", () => {
    const h = setup();
    const A = h.block("A");
    const wrong = h.keys.findIndex((_, i) => i !== h.proposerIndex(0));
    const res = h.feed({ kind: "proposal", proposal: signedProposal(h.keys[wrong]!, ed25519Scheme, CHAIN, { height: 1n, round: 0, polRound: -1, blockId: A.id }), block: A.block });
    assert.ok(res.some((x) => x.kind === "invalidMessage"));
    assert.equal(h.myVotes(1, 0).length, 0);
    const v = signedVote(h.keys[others(h, 1)[0]!]!, ed25519Scheme, CHAIN, h.vals, { type: 1, height: 1n, round: 0 });
    const bad = { ...v, signature: Uint8Array.from(v.signature, (b, i) => (i === 0 ? b ^ 1 : b)) };
    assert.ok(h.feed({ kind: "vote", vote: bad }).some((x) => x.kind === "invalidMessage"));
    assert.ok(h.feed({ kind: "vote", vote: v }).every((x) => x.kind !== "invalidMessage"));
  });

  it("prevotes nil for a block the application rejects", () => {
    const h = setup();
    const A = h.block("A");
    h.invalid.add(toHex(A.id.hash));
    h.propose(0, -1, A);
    assert.ok(votedFor(h.myVotes(1, 0)[0], undefined));
  });

  it("produces duplicate-vote evidence with both votes", () => {
    const h = setup();
    const A = h.block("A");
    const x = others(h, 1)[0]!;
    h.votes(1, 0, A.id, [x]);
    const res = h.votes(1, 0, undefined, [x]);
    const ev = res.find((o) => o.kind === "evidence");
    assert.ok(ev !== undefined && ev.kind === "evidence");
    assert.ok(equal(ev.evidence.voteA.validatorAddress, h.keys[x]!.address));
    const ids = [ev.evidence.voteA.blockId, ev.evidence.voteB.blockId].map((b) => toHex(b.hash)).sort();
    assert.deepEqual(ids, ["", toHex(A.id.hash)].sort());
    assert.equal(ev.evidence.validatorPower, 10n);
    assert.equal(ev.evidence.totalVotingPower, 40n);
    // the second vote is not counted
    assert.equal(h.votes(1, 0, undefined, [x]).filter((o) => o.kind === "evidence").length, 0, "reported once");
  });

  it("stamps votes with BFT time: max(now, block time + 1 ms)", () => {
    const h = setup();
    const A = h.block("A");
    h.propose(0, -1, A);
    const v = h.myVotes(1, 0)[0]!;
    assert.deepEqual(v.timestamp, { seconds: BLOCK_TIME.seconds, nanos: 1_000_000 });
    const g = setup();
    g.feed({ kind: "timeout", timeout: { step: "propose", height: 1n, round: 0 } }, 1_800_000_000_000);
    assert.deepEqual(g.myVotes(1, 0)[0]!.timestamp, msToTimestamp(1_800_000_000_000));
  });
});

describe("consensus/state decisions", () => {
  it("decides in an older round, builds the commit in set order, then collects late precommits for the last commit", () => {
    const A = setup().block("A");
    const g = setup();
    g.propose(0, -1, A);
    g.feed({ kind: "timeout", timeout: { step: "prevote", height: 1n, round: 0 } });
    g.feed({ kind: "timeout", timeout: { step: "precommit", height: 1n, round: 0 } });
    const o3 = others(g, 3);
    const r1 = g.votes(2, 0, A.id, o3);
    const d = r1.find((o) => o.kind === "decide");
    assert.ok(d !== undefined && d.kind === "decide");
    assert.equal(d.round, 0);
    assert.equal(d.commit.signatures.length, 4);
    d.commit.signatures.forEach((s, i) => {
      const expect = i === g.me ? 3 : 2;
      assert.equal(s.blockIdFlag, expect, `validator ${i}`);
    });
    assert.equal(g.sm.view()!.step, RoundStep.commit);
    // next height: the last commit is the decided round's precommits
    g.feed({ kind: "startHeight", height: 2n, validators: g.vals.copy() });
    assert.equal(g.sm.lastCommit()!.round, 0);
    assert.equal(g.sm.lastCommit()!.extendedSignatures.filter((s) => s.blockIdFlag === 2).length, 3);
  });

  it("a polka for a block we lack asks for it and precommits nil on the prevote timeout", () => {
    const h = setup();
    const A = h.block("A");
    h.feed({ kind: "timeout", timeout: { step: "propose", height: 1n, round: 0 } });
    const res = h.votes(1, 0, A.id, others(h, 3));
    assert.ok(res.some((o) => o.kind === "missingBlock"));
    h.feed({ kind: "timeout", timeout: { step: "prevote", height: 1n, round: 0 } });
    assert.ok(votedFor(h.myVotes(2, 0)[0], undefined));
  });

  it("signs vote extensions on non-nil precommits, rejects bad ones, and hands the extended commit to the decision", () => {
    const ext: VoteExtensionHooks = {
      extendVote: ({ height }) => utf8(`verdict@${height}`),
      verifyVoteExtension: (v) => v.extension.length > 0 && v.extension[0] !== 0x78,
    };
    const h = setup({ ext, extHeight: 1n });
    const A = h.block("A");
    h.propose(0, -1, A);
    h.votes(1, 0, A.id, others(h, 2));
    const mine = h.myVotes(2, 0)[0]!;
    assert.equal(new TextDecoder().decode(mine.extension), "verdict@1");
    assert.equal(mine.extensionSignature.length, 64);
    const [a, b, c] = others(h, 3) as [number, number, number];
    const rejected = h.feed({ kind: "vote", vote: signedVote(h.keys[a]!, ed25519Scheme, CHAIN, h.vals, { type: 2, height: 1n, round: 0, blockId: A.id, extension: utf8("x-bad") }) });
    assert.ok(rejected.some((o) => o.kind === "invalidMessage"), "the app's VerifyVoteExtension refuses");
    const noExt = h.feed({ kind: "vote", vote: signedVote(h.keys[a]!, ed25519Scheme, CHAIN, h.vals, { type: 2, height: 1n, round: 0, blockId: A.id }) });
    assert.ok(noExt.some((o) => o.kind === "invalidMessage"), "a non-nil precommit without an extension signature is refused");
    h.feed({ kind: "vote", vote: signedVote(h.keys[b]!, ed25519Scheme, CHAIN, h.vals, { type: 2, height: 1n, round: 0, blockId: A.id, extension: utf8("ok-b") }) });
    const res = h.feed({ kind: "vote", vote: signedVote(h.keys[c]!, ed25519Scheme, CHAIN, h.vals, { type: 2, height: 1n, round: 0, blockId: A.id, extension: utf8("ok-c") }) });
    const d = res.find((o) => o.kind === "decide");
    assert.ok(d !== undefined && d.kind === "decide");
    const exts = d.extendedCommit.extendedSignatures.map((s) => new TextDecoder().decode(s.extension));
    assert.ok(exts.includes("verdict@1") && exts.includes("ok-b") && exts.includes("ok-c"));
    assert.ok(d.commit.signatures.every((s) => !("extension" in s)));
  });

  it("halts when +2/3 precommit a block it finds invalid", () => {
    const h = setup();
    const A = h.block("A");
    h.invalid.add(toHex(A.id.hash));
    h.propose(0, -1, A);
    const res = h.votes(2, 0, A.id, others(h, 3));
    assert.ok(res.some((o) => o.kind === "halt"));
    assert.equal(h.sm.view()!.halted, true);
  });

  it("buffers next-height messages until the height starts", () => {
    const h = setup();
    const v = signedVote(h.keys[others(h, 1)[0]!]!, ed25519Scheme, CHAIN, h.vals, { type: 1, height: 2n, round: 3 });
    h.feed({ kind: "vote", vote: v });
    const g = h.sm.heightMessages().votes.filter((x) => x.height === 2n);
    assert.equal(g.length, 0);
    void (EMPTY_BLOCK_ID as BlockID);
    void (undefined as unknown as Bytes);
  });
});

describe("consensus/state ValidBlock and VoteSetMaj23 views", () => {
  it("emits validBlock when R4 sets validValue and on decide (isCommit); exposes +2/3 majorities and per-block-id vote bits", () => {
    const g = setup();
    const A = g.block("A");
    g.propose(0, -1, A);
    const o = others(g, 3);
    const r = g.votes(1, 0, A.id, o);
    const vb = r.filter((x) => x.kind === "validBlock");
    assert.equal(vb.length, 1);
    assert.ok(vb[0]!.kind === "validBlock" && vb[0]!.round === 0 && !vb[0]!.isCommit && equal(vb[0]!.blockId.hash, A.id.hash));
    assert.ok(g.sm.hasBlock(A.id.hash));
    assert.ok(!g.sm.hasBlock(g.block("B").id.hash));
    const maj = g.sm.majorities();
    assert.deepEqual(maj.map((m) => [m.round, m.type, toHex(m.blockId.hash)]), [[0, 1, toHex(A.id.hash)]]);
    // bits: our prevote + the three others for A
    const bits = g.sm.voteBits(0, 1, A.id);
    assert.equal(bits.length, 1);
    assert.equal(bits[0], 0b1111);
    assert.equal(g.sm.votesFor(0, 1, A.id).length, 4);
    assert.equal(g.sm.voteBits(0, 1, EMPTY_BLOCK_ID)[0], 0, "no nil prevotes");
    assert.equal(g.sm.votesFor(5, 2, A.id).length, 0, "an unknown round is empty (and not created)");
    assert.ok(!g.sm.majorities().some((m) => m.round === 5));
    const d = g.votes(2, 0, A.id, o);
    assert.ok(d.some((x) => x.kind === "decide"));
    const c = d.filter((x) => x.kind === "validBlock");
    assert.equal(c.length, 1);
    assert.ok(c[0]!.kind === "validBlock" && c[0]!.isCommit && equal(c[0]!.blockId.hash, A.id.hash));
  });
});
