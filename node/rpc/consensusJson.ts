/**
 * CometBFT 0.38 JSON of the consensus round state (rpc/core/consensus.go, consensus/types/round_state.go,
 * height_vote_set.go, types/vote_set.go, libs/bits, libs/json): `consensus_state` renders
 * RoundStateSimple, `dump_consensus_state` the whole RoundState plus each peer's PeerState.
 *
 * Conventions of cmtjson: int64 / int as strings, int32 / uint8 as numbers, HexBytes as upper hex
 * ("" for none), []byte as base64, a nil pointer as null (a nil PartSet as {}), times RFC3339Nano.
 * Steps use CometBFT's numbering (RoundStepType: 1 NewHeight … 8 Commit).
 *
 * openledgerd adds one field next to `round_state` in both results (clients that do not know it skip
 * it): `timeouts`, the current round's propose / prevote / precommit timeouts in ms,
 * min(cap, base + round·delta), with the commit delay and the cap, so an operator sees the per-round
 * growth and where it stops.
 */
import type { Timestamp } from "../../modules/core/abci.ts";
import type { PeerRoundStateDump } from "../consensus/reactor.ts";
import { RoundStep, type RoundStateDump, type VoteSetDump } from "../consensus/state.ts";
import type { Block, BlockID, Proposal, Vote } from "../types/block.ts";
import { msToTimestamp, ZERO_TIME } from "../types/time.ts";
import type { ValidatorSet } from "../types/validatorSet.ts";
import { b64, blockIdJson, blockJson, hex, int, type Json, time, validatorJson } from "./json.ts";

type Obj = { [k: string]: Json };

/** CometBFT RoundStepType values. */
export const CometStep = { NewHeight: 1, NewRound: 2, Propose: 3, Prevote: 4, PrevoteWait: 5, Precommit: 6, PrecommitWait: 7, Commit: 8 } as const;

/** our RoundStep (+ the prevote/precommit wait flags) as a CometBFT RoundStepType. */
export function cometStep(step: number, prevoteWait = false, precommitWait = false): number {
  switch (step) {
    case RoundStep.newHeight:
      return CometStep.NewHeight;
    case RoundStep.propose:
      return CometStep.Propose;
    case RoundStep.prevote:
      return prevoteWait ? CometStep.PrevoteWait : CometStep.Prevote;
    case RoundStep.precommit:
      return precommitWait ? CometStep.PrecommitWait : CometStep.Precommit;
    case RoundStep.commit:
      return CometStep.Commit;
    default:
      return 0;
  }
}

const NIL_VOTE = "nil-Vote";

/** the first 6 bytes, zero-padded, upper hex (libs/bytes Fingerprint printed with %X). */
function fingerprint(b: Uint8Array): string {
  const f = new Uint8Array(6);
  f.set(b.subarray(0, 6));
  return hex(f);
}

/** types.Vote.String(): `Vote{idx:ADDR6 h/rr/SIGNED_MSG_TYPE_X(X) HASH6 SIG6 EXT6 @ time}`. */
export function voteString(v: Vote | undefined): string {
  if (v === undefined) return NIL_VOTE;
  const [enumName, name] = v.type === 1 ? ["SIGNED_MSG_TYPE_PREVOTE", "Prevote"] : ["SIGNED_MSG_TYPE_PRECOMMIT", "Precommit"];
  const r = v.round < 10 && v.round >= 0 ? `0${v.round}` : String(v.round);
  return `Vote{${v.validatorIndex}:${fingerprint(v.validatorAddress)} ${v.height}/${r}/${enumName}(${name}) ${fingerprint(v.blockId.hash)} ${fingerprint(v.signature)} ${fingerprint(v.extension)} @ ${time(v.timestamp)}}`;
}

/** libs/bits BitArray.String(): `BA{n:x_x_}` (no indent). */
export function bitArrayString(bits: boolean[]): string {
  return `BA{${bits.length}:${bits.map((b) => (b ? "x" : "_")).join("")}}`;
}

/** BitArray.MarshalJSON: the bits as a string of x and _. */
function bitArrayJson(bits: boolean[]): string {
  return bits.map((b) => (b ? "x" : "_")).join("");
}

/** fmt "%.2f" of sum/total, rounded half to even on the exact ratio (Go formats the float64). */
export function fraction2(sum: bigint, total: bigint): string {
  if (total <= 0n) return "NaN";
  const n = sum * 100n;
  let q = n / total;
  const r2 = (n % total) * 2n;
  if (r2 > total || (r2 === total && q % 2n === 1n)) q += 1n;
  const s = q.toString().padStart(3, "0");
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}

/** VoteSet.BitArrayString(): `BA{4:xx__} 20/40 = 0.50`. */
export function voteSetBitArrayString(vs: VoteSetDump): string {
  return `${bitArrayString(vs.votes.map((v) => v !== undefined))} ${vs.sum}/${vs.total} = ${fraction2(vs.sum, vs.total)}`;
}

/** HeightVoteSet.MarshalJSON: rounds 0..round. */
export function heightVoteSetJson(votes: RoundStateDump["votes"]): Json[] {
  return votes.map((r) => ({
    round: r.round,
    prevotes: r.prevotes.votes.map(voteString),
    prevotes_bit_array: voteSetBitArrayString(r.prevotes),
    precommits: r.precommits.votes.map(voteString),
    precommits_bit_array: voteSetBitArrayString(r.precommits),
  }));
}

function hashOf(b: { blockId: BlockID } | undefined): string {
  return b === undefined ? "" : hex(b.blockId.hash);
}

function timeOrZero(t: Timestamp | undefined): string {
  return time(t ?? ZERO_TIME);
}

/** openledgerd's addition: the current round's timeouts (ms, as strings like other 64-bit values). */
export function timeoutsJson(rs: RoundStateDump): Obj {
  const t = rs.timeouts;
  return {
    round: rs.round,
    propose_ms: int(t.propose),
    prevote_ms: int(t.prevote),
    precommit_ms: int(t.precommit),
    commit_ms: int(t.commit),
    cap_ms: int(t.cap),
  };
}

/** RoundStateSimple (the `consensus_state` result's round_state). */
export function roundStateSimpleJson(rs: RoundStateDump): Obj {
  return {
    "height/round/step": `${rs.height}/${rs.round}/${cometStep(rs.step, rs.prevoteWait, rs.precommitWait)}`,
    start_time: time(rs.startTime),
    proposal_block_hash: hashOf(rs.proposalBlock),
    locked_block_hash: hashOf(rs.lockedBlock),
    valid_block_hash: hashOf(rs.validBlock),
    height_vote_set: heightVoteSetJson(rs.votes),
    proposer: { address: hex(rs.proposer.validator.address), index: rs.proposer.index },
  };
}

function validatorSetJson(vs: ValidatorSet): Obj {
  return { validators: vs.validators.map(validatorJson), proposer: vs.size === 0 ? null : validatorJson(vs.getProposer()) };
}

/** types.Proposal: `Type` has no json tag in CometBFT, so it keeps its Go name. */
function proposalJson(p: Proposal): Obj {
  return {
    Type: p.type,
    height: int(p.height),
    round: p.round,
    pol_round: p.polRound,
    block_id: blockIdJson(p.blockId),
    timestamp: time(p.timestamp),
    signature: b64(p.signature),
  };
}

/** PartSet.MarshalJSON: a whole block here, so every part is held; a nil part set is {}. */
function partSetJson(b: { block: Block; blockId: BlockID } | undefined): Obj {
  if (b === undefined) return {};
  const total = b.blockId.partSetHeader.total;
  return { "count/total": `${total}/${total}`, parts_bit_array: bitArrayJson(new Array(total).fill(true)) };
}

/** RoundState (the `dump_consensus_state` result's round_state); `lastValidators` from the state store. */
export function roundStateJson(rs: RoundStateDump, lastValidators: ValidatorSet | undefined): Obj {
  let lastCommit: Json = null;
  if (rs.lastCommit !== undefined) {
    const vals = lastValidators;
    let sum = 0n;
    const total = vals?.totalVotingPower() ?? 0n;
    rs.lastCommit.votes.forEach((v, i) => {
      if (v !== undefined) sum += vals?.getByIndex(i)?.votingPower ?? 0n;
    });
    lastCommit = {
      votes: rs.lastCommit.votes.map(voteString),
      votes_bit_array: voteSetBitArrayString({ votes: rs.lastCommit.votes, sum, total }),
      peer_maj_23s: {},
    };
  }
  return {
    height: int(rs.height),
    round: rs.round,
    step: cometStep(rs.step, rs.prevoteWait, rs.precommitWait),
    start_time: time(rs.startTime),
    commit_time: timeOrZero(rs.commitTime),
    validators: validatorSetJson(rs.validators),
    proposal: rs.proposal === undefined ? null : proposalJson(rs.proposal),
    proposal_block: rs.proposalBlock === undefined ? null : blockJson(rs.proposalBlock.block),
    proposal_block_parts: partSetJson(rs.proposalBlock),
    locked_round: rs.lockedRound,
    locked_block: rs.lockedBlock === undefined ? null : blockJson(rs.lockedBlock.block),
    locked_block_parts: partSetJson(rs.lockedBlock),
    valid_round: rs.validRound,
    valid_block: rs.validBlock === undefined ? null : blockJson(rs.validBlock.block),
    valid_block_parts: partSetJson(rs.validBlock),
    votes: heightVoteSetJson(rs.votes),
    commit_round: rs.commitRound,
    last_commit: lastCommit,
    last_validators: lastValidators === undefined ? null : validatorSetJson(lastValidators),
    triggered_timeout_precommit: rs.precommitWait,
  };
}

function bitsOf(bytes: Uint8Array | undefined, n: number): string | null {
  if (bytes === undefined || n <= 0) return null;
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) out.push(((bytes[i >> 3] ?? 0) & (1 << (i & 7))) !== 0);
  return bitArrayJson(out);
}

/** "/ip4/1.2.3.4/tcp/26656" → "1.2.3.4:26656" (the rest unchanged). */
function socketAddr(multiaddr: string): string {
  const m = /^\/ip[46]\/([^/]+)\/tcp\/(\d+)/.exec(multiaddr);
  return m === null ? multiaddr : `${m[1]}:${m[2]}`;
}

/**
 * One element of `peers` (ctypes.PeerStateInfo): node_address `id@ip:port`, peer_state = the
 * PeerState (PeerRoundState + stats). Whole blocks travel here, not parts: the part-set fields are
 * empty; bit arrays are shown for a peer at our height (`nvals` validators), else null.
 */
export function peerStateJson(p: PeerRoundStateDump, address: string | undefined, ourHeight: bigint | undefined, nvals: number): Obj {
  const sameHeight = ourHeight !== undefined && p.height === ourHeight;
  return {
    node_address: `${p.peer}@${address === undefined ? "" : socketAddr(address)}`,
    peer_state: {
      round_state: {
        height: int(p.height < 0n ? 0n : p.height),
        round: p.height < 0n ? -1 : p.round,
        step: cometStep(p.step),
        start_time: time(p.heightSinceMs > 0 ? msToTimestamp(p.heightSinceMs) : ZERO_TIME),
        proposal: p.proposal,
        proposal_block_part_set_header: { total: 0, hash: "" },
        proposal_block_parts: null,
        proposal_pol_round: -1,
        proposal_pol: null,
        prevotes: sameHeight ? bitsOf(p.prevotes ?? new Uint8Array(0), nvals) : null,
        precommits: sameHeight ? bitsOf(p.precommits ?? new Uint8Array(0), nvals) : null,
        last_commit_round: -1,
        last_commit: null,
        catchup_commit_round: -1,
        catchup_commit: null,
      },
      stats: { votes: int(p.votesReceived), block_parts: int(p.blocksReceived) },
    },
  };
}
