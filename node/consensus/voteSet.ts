/**
 * Vote sets of one (height, round, type) with power tallies by block id (CometBFT types/vote_set.go,
 * specs/consensus.md §1.1, §2.5, §6.1). Thresholds are integer tests on bigint power:
 * "+2/3" = sum·3 > total·2, "+1/3" = sum·3 > total. A validator counts at most once in the "any"
 * sum and at most once per block id. A second, different vote of a validator (another block id, nil
 * included) is a conflict and yields duplicate-vote evidence (both votes, ordered by block id); it
 * is also counted for its block id when the caller admits that id (nil, or a block this node
 * holds), as the paper counts messages per value: otherwise an equivocator could make a polka that
 * some correct nodes saw unverifiable for the others, and locked nodes could never be unlocked by a
 * re-proposal (CometBFT reaches the same with peer maj23 claims). Junk block ids are not admitted,
 * which bounds memory.
 *
 * Votes are added here only after their signature was verified (the state machine does it).
 */
import { compare, EMPTY, equal, toHex } from "../../modules/core/bytes.ts";
import {
  type BlockID,
  type Commit,
  type CommitSig,
  EMPTY_BLOCK_ID,
  type ExtendedCommit,
  type ExtendedCommitSig,
  type SignedMsgType,
  type Vote,
} from "../types/block.ts";
import { isZeroBlockId } from "../types/encoding.ts";
import { ZERO_TIME } from "../types/time.ts";
import type { ValidatorSet } from "../types/validatorSet.ts";

const keyMemo = new WeakMap<BlockID, string>();

/** the key of a block id in tallies: "" for nil, else hex(hash):total:hex(partsHash). Memoized per object. */
export function blockIdKey(b: BlockID): string {
  let k = keyMemo.get(b);
  if (k === undefined) {
    k = isZeroBlockId(b) ? "" : `${toHex(b.hash)}:${b.partSetHeader.total}:${toHex(b.partSetHeader.hash)}`;
    keyMemo.set(b, k);
  }
  return k;
}

export function blockIdEqual(a: BlockID, b: BlockID): boolean {
  return equal(a.hash, b.hash) && a.partSetHeader.total === b.partSetHeader.total && equal(a.partSetHeader.hash, b.partSetHeader.hash);
}

/** > 2/3 of total. */
export function isTwoThirds(sum: bigint, total: bigint): boolean {
  return sum * 3n > total * 2n;
}

/** > 1/3 of total (f+1). */
export function isOneThird(sum: bigint, total: bigint): boolean {
  return sum * 3n > total;
}

/** the data of a DuplicateVoteEvidence (CometBFT types/evidence.go), before the block time is known. */
export interface DuplicateVoteEvidenceData {
  /** ordered so that voteA's block id key sorts first (CometBFT orders by BlockID.Key()). */
  voteA: Vote;
  voteB: Vote;
  totalVotingPower: bigint;
  validatorPower: bigint;
}

export function makeDuplicateVoteEvidence(a: Vote, b: Vote, totalVotingPower: bigint, validatorPower: bigint): DuplicateVoteEvidenceData {
  const ka = blockIdKeyBytes(a.blockId);
  const kb = blockIdKeyBytes(b.blockId);
  const [voteA, voteB] = compare(ka, kb) <= 0 ? [a, b] : [b, a];
  return { voteA, voteB, totalVotingPower, validatorPower };
}

function blockIdKeyBytes(b: BlockID): Uint8Array {
  const out = new Uint8Array(b.hash.length + b.partSetHeader.hash.length + 4);
  out.set(b.hash, 0);
  new DataView(out.buffer).setUint32(b.hash.length, b.partSetHeader.total);
  out.set(b.partSetHeader.hash, b.hash.length + 4);
  return out;
}

export type AddVoteResult =
  | { kind: "added" }
  | { kind: "duplicate" }
  | { kind: "conflict"; evidence: DuplicateVoteEvidenceData; firstConflict: boolean; counted: boolean };

export class VoteSet {
  readonly height: bigint;
  readonly round: number;
  readonly type: SignedMsgType;
  readonly validators: ValidatorSet;
  private readonly votes: (Vote | undefined)[];
  private readonly tally = new Map<string, bigint>();
  private readonly blockIds = new Map<string, BlockID>();
  private readonly conflicted = new Set<number>();
  /** counted conflicting votes: validator index → block id key → vote. */
  private readonly extra = new Map<number, Map<string, Vote>>();
  private sum = 0n;
  private readonly total: bigint;
  private maj23Key: string | undefined;

  constructor(height: bigint, round: number, type: SignedMsgType, validators: ValidatorSet) {
    this.height = height;
    this.round = round;
    this.type = type;
    this.validators = validators;
    this.votes = new Array(validators.size).fill(undefined);
    this.total = validators.totalVotingPower();
  }

  /**
   * Adds a verified vote of this (h, r, type); index and address must already be checked.
   * `admit(blockId)` says whether a conflicting vote for that id is counted (default: no).
   */
  add(vote: Vote, admit?: (b: BlockID) => boolean): AddVoteResult {
    if (vote.height !== this.height || vote.round !== this.round || vote.type !== this.type) {
      throw new Error(`vote ${vote.height}/${vote.round}/${vote.type} added to vote set ${this.height}/${this.round}/${this.type}`);
    }
    const idx = vote.validatorIndex;
    const val = this.validators.getByIndex(idx);
    if (val === undefined) throw new Error(`vote validator index ${idx} out of range`);
    const prev = this.votes[idx];
    const key = blockIdKey(vote.blockId);
    if (prev !== undefined) {
      if (blockIdEqual(prev.blockId, vote.blockId)) return { kind: "duplicate" };
      let ex = this.extra.get(idx);
      if (ex?.has(key)) return { kind: "duplicate" };
      const firstConflict = !this.conflicted.has(idx);
      this.conflicted.add(idx);
      const counted = admit !== undefined && admit(vote.blockId);
      if (counted) {
        if (ex === undefined) {
          ex = new Map();
          this.extra.set(idx, ex);
        }
        ex.set(key, vote);
        this.count(key, vote.blockId, val.votingPower);
      }
      return { kind: "conflict", evidence: makeDuplicateVoteEvidence(prev, vote, this.total, val.votingPower), firstConflict, counted };
    }
    this.votes[idx] = vote;
    this.sum += val.votingPower;
    this.count(key, vote.blockId, val.votingPower);
    return { kind: "added" };
  }

  private count(key: string, id: BlockID, power: bigint): void {
    const t = (this.tally.get(key) ?? 0n) + power;
    this.tally.set(key, t);
    if (!this.blockIds.has(key)) this.blockIds.set(key, id);
    if (this.maj23Key === undefined && isTwoThirds(t, this.total)) this.maj23Key = key;
  }

  /** the validator's vote for a block id (its first vote or a counted conflicting one). */
  voteFor(idx: number, b: BlockID): Vote | undefined {
    const v = this.votes[idx];
    if (v !== undefined && blockIdEqual(v.blockId, b)) return v;
    return this.extra.get(idx)?.get(blockIdKey(b));
  }

  getByIndex(idx: number): Vote | undefined {
    return this.votes[idx];
  }

  /** every held vote for a block id (first votes and counted conflicting ones), in validator order. */
  votesFor(b: BlockID): Vote[] {
    const out: Vote[] = [];
    for (let i = 0; i < this.votes.length; i++) {
      const v = this.voteFor(i, b);
      if (v !== undefined) out.push(v);
    }
    return out;
  }

  /** true when this exact vote (same block id and signature) is already held: no need to verify it again. */
  hasExact(vote: Vote): boolean {
    const v = this.voteFor(vote.validatorIndex, vote.blockId);
    return v !== undefined && equal(v.signature, vote.signature);
  }

  /** the votes, in validator order (absent ones skipped), each followed by its counted conflicting votes. */
  list(): Vote[] {
    const out: Vote[] = [];
    this.votes.forEach((v, i) => {
      if (v === undefined) return;
      out.push(v);
      const ex = this.extra.get(i);
      if (ex !== undefined) out.push(...ex.values());
    });
    return out;
  }

  hasVoteFrom(idx: number): boolean {
    return this.votes[idx] !== undefined;
  }

  /** total power of the votes cast (any block id, nil included). */
  sumPower(): bigint {
    return this.sum;
  }

  totalPower(): bigint {
    return this.total;
  }

  powerFor(b: BlockID): bigint {
    return this.tally.get(blockIdKey(b)) ?? 0n;
  }

  /** +2/3 of the power voted, whatever for (the paper's "2f+1 ⟨…, ∗⟩"). */
  hasTwoThirdsAny(): boolean {
    return isTwoThirds(this.sum, this.total);
  }

  /** the block id with +2/3 (EMPTY_BLOCK_ID for a nil majority), if any. */
  twoThirdsMajority(): BlockID | undefined {
    if (this.maj23Key === undefined) return undefined;
    return this.maj23Key === "" ? EMPTY_BLOCK_ID : this.blockIds.get(this.maj23Key);
  }

  hasTwoThirdsFor(b: BlockID): boolean {
    return isTwoThirds(this.powerFor(b), this.total);
  }

  /**
   * The commit for the +2/3 block id: one CommitSig per validator in set order; a precommit for the
   * block → COMMIT, nil → NIL, absent or for another block → ABSENT (CometBFT MakeExtendedCommit).
   */
  makeExtendedCommit(): ExtendedCommit {
    const maj = this.twoThirdsMajority();
    if (maj === undefined || isZeroBlockId(maj)) throw new Error(`no +2/3 majority for a block at ${this.height}/${this.round}`);
    if (this.type !== 2) throw new Error("a commit is made of precommits");
    const extendedSignatures = this.validators.validators.map((val, i): ExtendedCommitSig => {
      const c = this.voteFor(i, maj);
      if (c !== undefined) {
        return { blockIdFlag: 2, validatorAddress: val.address, timestamp: c.timestamp, signature: c.signature, extension: c.extension, extensionSignature: c.extensionSignature };
      }
      const v = this.votes[i];
      if (v !== undefined && isZeroBlockId(v.blockId)) {
        return { blockIdFlag: 3, validatorAddress: val.address, timestamp: v.timestamp, signature: v.signature, extension: EMPTY, extensionSignature: EMPTY };
      }
      return absentExtendedSig();
    });
    return { height: this.height, round: this.round, blockId: maj, extendedSignatures };
  }
}

export function absentCommitSig(): CommitSig {
  return { blockIdFlag: 1, validatorAddress: EMPTY, timestamp: ZERO_TIME, signature: EMPTY };
}

function absentExtendedSig(): ExtendedCommitSig {
  return { ...absentCommitSig(), extension: EMPTY, extensionSignature: EMPTY };
}

/** the Commit inside an ExtendedCommit (extensions dropped). */
export function toCommit(ec: ExtendedCommit): Commit {
  return {
    height: ec.height,
    round: ec.round,
    blockId: ec.blockId,
    signatures: ec.extendedSignatures.map((s) => ({ blockIdFlag: s.blockIdFlag, validatorAddress: s.validatorAddress, timestamp: s.timestamp, signature: s.signature })),
  };
}

/** the precommit votes an extended commit was made of (to gossip a commit to a peer one height behind). */
export function commitToVotes(ec: ExtendedCommit): Vote[] {
  const out: Vote[] = [];
  ec.extendedSignatures.forEach((s, i) => {
    if (s.blockIdFlag === 1) return;
    out.push({
      type: 2,
      height: ec.height,
      round: ec.round,
      blockId: s.blockIdFlag === 2 ? ec.blockId : EMPTY_BLOCK_ID,
      timestamp: s.timestamp,
      validatorAddress: s.validatorAddress,
      validatorIndex: i,
      signature: s.signature,
      extension: s.extension,
      extensionSignature: s.extensionSignature,
    });
  });
  return out;
}

/** prevotes and precommits of every round of one height (CometBFT HeightVoteSet). */
export class HeightVoteSet {
  readonly height: bigint;
  readonly validators: ValidatorSet;
  private readonly rounds = new Map<number, { prevotes: VoteSet; precommits: VoteSet; voters: Set<number>; voterPower: bigint }>();

  constructor(height: bigint, validators: ValidatorSet) {
    this.height = height;
    this.validators = validators;
  }

  private ensure(round: number) {
    let r = this.rounds.get(round);
    if (r === undefined) {
      r = {
        prevotes: new VoteSet(this.height, round, 1, this.validators),
        precommits: new VoteSet(this.height, round, 2, this.validators),
        voters: new Set(),
        voterPower: 0n,
      };
      this.rounds.set(round, r);
    }
    return r;
  }

  /** true when this exact vote is already held (checked before verifying its signature). */
  hasExact(vote: Vote): boolean {
    const r = this.rounds.get(vote.round);
    if (r === undefined) return false;
    return (vote.type === 1 ? r.prevotes : r.precommits).hasExact(vote);
  }

  prevotes(round: number): VoteSet {
    return this.ensure(round).prevotes;
  }

  precommits(round: number): VoteSet {
    return this.ensure(round).precommits;
  }

  /** the vote set of (round, type) if any vote of that round is held (never creates one). */
  peek(round: number, type: number): VoteSet | undefined {
    const r = this.rounds.get(round);
    if (r === undefined) return undefined;
    return type === 1 ? r.prevotes : type === 2 ? r.precommits : undefined;
  }

  has(round: number): boolean {
    return this.rounds.has(round);
  }

  add(vote: Vote, admit?: (b: BlockID) => boolean): AddVoteResult {
    const r = this.ensure(vote.round);
    const res = (vote.type === 1 ? r.prevotes : r.precommits).add(vote, admit);
    if (res.kind === "added" && !r.voters.has(vote.validatorIndex)) {
      r.voters.add(vote.validatorIndex);
      r.voterPower += this.validators.getByIndex(vote.validatorIndex)!.votingPower;
    }
    return res;
  }

  /** power of the distinct validators that voted (either type) in a round: the f+1 round-skip test. */
  voterPower(round: number): bigint {
    return this.rounds.get(round)?.voterPower ?? 0n;
  }

  /** rounds that have any vote, ascending. */
  roundsWithVotes(): number[] {
    return [...this.rounds.keys()].sort((a, b) => a - b);
  }

  /** every vote held, by round then type then validator order. */
  allVotes(): Vote[] {
    const out: Vote[] = [];
    for (const r of this.roundsWithVotes()) {
      const rs = this.rounds.get(r)!;
      out.push(...rs.prevotes.list(), ...rs.precommits.list());
    }
    return out;
  }
}
