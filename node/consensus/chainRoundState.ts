/**
 * The round state of a node whose BFT consensus machine holds none: the single-validator producer of
 * the dev chain (node/execution/producer.ts) and a BFT node still block syncing. CometBFT 0.38 answers
 * `consensus_state` / `dump_consensus_state` in both cases (its consensus State always exists: built by
 * NewState → updateToState from the stored chain state, and driven by a single validator like any
 * other), so openledgerd renders the same RoundState from what it has:
 *
 *  - the height decided next (lastBlockHeight + 1), its validator set with the carried proposer
 *    priorities (round-0 proposer), the previous height's commit as `last_commit`;
 *  - round, step and the block in progress as the caller reports them (`ChainRoundProgress`); a
 *    syncing node is at NewHeight round 0 with empty vote sets, as CometBFT's updateToState leaves it;
 *  - the configured timeouts (`timeouts`, openledgerd's addition).
 *
 * Pure: no clock (times are given), no IO (the last commit is given).
 */
import type { Timestamp } from "../../modules/core/abci.ts";
import { carriedSet, nextHeight } from "../execution/state.ts";
import type { ChainState } from "../storage/types.ts";
import type { Block, BlockID, ExtendedCommit, Vote } from "../types/block.ts";
import { type RoundStateDump, RoundStep, type TimeoutParams, timeoutDuration, type VoteSetDump } from "./state.ts";
import { commitToVotes } from "./voteSet.ts";

/** where the node is within the height it decides next. */
export interface ChainRoundProgress {
  round: number;
  /** newHeight (waiting for the block interval / block sync), propose (building and processing the block), commit (own precommit signed). */
  step: "newHeight" | "propose" | "commit";
  startTime: Timestamp;
  /** when the previous height (or, at the commit step, this one) was decided; undefined: never in this run (CometBFT's zero time). */
  commitTime: Timestamp | undefined;
  /** the block being decided (propose / commit steps). */
  proposalBlock?: { block: Block; blockId: BlockID };
  /** this node's signed precommit for proposalBlock (commit step). */
  precommit?: Vote;
}

/** the RoundStateDump of `state`'s next height; `lastCommit` = the stored commit of state.lastBlockHeight. */
export function chainRoundState(state: ChainState, lastCommit: ExtendedCommit | undefined, p: ChainRoundProgress, timeouts: TimeoutParams): RoundStateDump {
  const height = nextHeight(state);
  const validators = carriedSet(state.validators, state.validatorsProposer);
  const n = validators.size;
  const total = n === 0 ? 0n : validators.totalVotingPower();
  const empty = (): VoteSetDump => ({ votes: new Array<Vote | undefined>(n).fill(undefined), sum: 0n, total });
  const votes: RoundStateDump["votes"] = [];
  for (let r = 0; r <= p.round; r++) votes.push({ round: r, prevotes: empty(), precommits: empty() });
  const own = p.step === "commit" ? p.precommit : undefined;
  if (own !== undefined && own.round === p.round && own.validatorIndex >= 0 && own.validatorIndex < n) {
    const pc = votes[p.round]!.precommits;
    pc.votes[own.validatorIndex] = own;
    pc.sum = validators.getByIndex(own.validatorIndex)!.votingPower;
  }
  // the round's proposer: `round` more increments on a copy (round 0: the carried pick)
  const roundSet = validators.copy();
  if (p.round > 0 && n > 0) roundSet.incrementProposerPriority(p.round);
  const proposer = n === 0 ? undefined : roundSet.getProposer();
  let last: RoundStateDump["lastCommit"];
  if (lastCommit !== undefined) {
    const byIndex: (Vote | undefined)[] = new Array(lastCommit.extendedSignatures.length).fill(undefined);
    for (const v of commitToVotes(lastCommit)) byIndex[v.validatorIndex] = v;
    last = { height: lastCommit.height, round: lastCommit.round, votes: byIndex };
  }
  const committed = p.step === "commit" && p.proposalBlock !== undefined;
  return {
    height,
    round: p.round,
    step: p.step === "newHeight" ? RoundStep.newHeight : p.step === "propose" ? RoundStep.propose : RoundStep.commit,
    prevoteWait: false,
    precommitWait: false,
    startTime: p.startTime,
    commitTime: p.commitTime,
    validators: roundSet,
    proposer: proposer === undefined ? { validator: { address: new Uint8Array(0), pubKey: { type: "ed25519", value: new Uint8Array(0) }, votingPower: 0n, proposerPriority: 0n }, index: -1 } : { validator: proposer, index: validators.getByAddress(proposer.address)?.index ?? -1 },
    proposal: undefined,
    proposalBlock: p.step === "newHeight" ? undefined : p.proposalBlock,
    lockedRound: committed ? p.round : -1,
    lockedBlock: committed ? p.proposalBlock : undefined,
    validRound: committed ? p.round : -1,
    validBlock: committed ? p.proposalBlock : undefined,
    votes,
    commitRound: committed ? p.round : -1,
    lastCommit: last,
    timeouts: {
      propose: timeoutDuration(timeouts, "propose", p.round),
      prevote: timeoutDuration(timeouts, "prevote", p.round),
      precommit: timeoutDuration(timeouts, "precommit", p.round),
      commit: timeouts.commitMs,
      cap: timeouts.capMs,
    },
    halted: false,
  };
}
