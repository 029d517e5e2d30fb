/**
 * Fork forensics (specs/consensus.md §6.1, S13): when a node meets a commit (or a precommit) for a
 * height it already committed with a DIFFERENT block, the chain has forked: more than 1/3 of the power
 * signed two conflicting blocks (the BFT assumption is broken). The precommits of one validator that
 * appear in both commits at the same height and round for different block ids are duplicate-vote
 * evidence (CometBFT's DuplicateVoteEvidence needs both votes of one (height, round, type)); validators
 * that signed the two commits in different rounds are not provable this way (amnesia: CometBFT's
 * light-client attack evidence; not built here).
 *
 * This file only extracts candidate vote pairs from two commits; the evidence pool
 * (`EvidencePool.reportFork`) verifies each pair's signatures against the stored validator set of that
 * height before it stores or gossips anything, so a peer cannot make an honest node record evidence (or
 * do more than one signature check per pair) with forged votes.
 */
import { equal } from "../../modules/core/bytes.ts";
import type { BlockID, CommitSig, Vote } from "../types/block.ts";

/** the parts of a commit (Commit, ExtendedCommit) the extraction reads. */
export interface CommitLike {
  height: bigint;
  round: number;
  blockId: BlockID;
  signatures: readonly CommitSig[];
}

export interface ConflictingPair {
  /** our vote (from the commit we hold). */
  ours: Vote;
  /** the conflicting vote (from the other commit / the peer's vote). */
  theirs: Vote;
}

const EMPTY = new Uint8Array(0);

export function sameBlockId(a: BlockID, b: BlockID): boolean {
  return equal(a.hash, b.hash) && a.partSetHeader.total === b.partSetHeader.total && equal(a.partSetHeader.hash, b.partSetHeader.hash);
}

/** the precommit of validator `index` carried by `c` (undefined unless it signed for the commit's block). */
export function commitVote(c: CommitLike, index: number): Vote | undefined {
  const s = c.signatures[index];
  if (s === undefined || s.blockIdFlag !== 2 || s.signature.length === 0) return undefined;
  return {
    type: 2,
    height: c.height,
    round: c.round,
    blockId: c.blockId,
    timestamp: s.timestamp,
    validatorAddress: s.validatorAddress,
    validatorIndex: index,
    signature: s.signature,
    extension: EMPTY,
    extensionSignature: EMPTY,
  };
}

/**
 * the validators whose precommits for different blocks at the same (height, round) appear in both
 * commits. Empty when the commits agree, are of different heights, or of different rounds.
 */
export function conflictingCommitVotes(ours: CommitLike, theirs: CommitLike): ConflictingPair[] {
  if (ours.height !== theirs.height || ours.round !== theirs.round || sameBlockId(ours.blockId, theirs.blockId)) return [];
  const out: ConflictingPair[] = [];
  const n = Math.min(ours.signatures.length, theirs.signatures.length);
  for (let i = 0; i < n; i++) {
    const a = commitVote(ours, i);
    const b = commitVote(theirs, i);
    if (a === undefined || b === undefined || !equal(a.validatorAddress, b.validatorAddress)) continue;
    out.push({ ours: a, theirs: b });
  }
  return out;
}

/** a single precommit for `ours.height` that conflicts with our commit (same validator and round, another block). */
export function conflictingWithCommit(ours: CommitLike, vote: Vote): ConflictingPair | undefined {
  if (vote.type !== 2 || vote.height !== ours.height || vote.round !== ours.round) return undefined;
  if (vote.blockId.hash.length === 0 || sameBlockId(vote.blockId, ours.blockId)) return undefined;
  const a = commitVote(ours, vote.validatorIndex);
  if (a === undefined || !equal(a.validatorAddress, vote.validatorAddress)) return undefined;
  return { ours: a, theirs: { ...vote, extension: EMPTY, extensionSignature: EMPTY } };
}
