/**
 * CometBFT's consensus events on the node's event bus, for WebSocket subscribers of a BFT node
 * (`tm.event='NewRoundStep'`, `'NewRound'`, `'CompleteProposal'`, `'Vote'`, `'Polka'`, `'Lock'`,
 * `'Relock'`, `'ValidBlock'`, `'TimeoutPropose'`, `'TimeoutWait'`), as consensus/state.go publishes them.
 *
 * Derived from the driver's hooks, never from inside the state machine: after each live input the
 * listener compares the round state with the one after the previous input. Nothing is built while the
 * bus has no listener (no WebSocket subscription and no broadcast_tx_commit waiting), so a node nobody
 * watches pays one comparison per input.
 *
 * Mapping (our machine has no separate NewRound step: it enters a round at its propose step):
 * - entering a round (a new (height, round), or leaving the newHeight step): NewRoundStep with
 *   "RoundStepNewRound", then NewRound (with the round's proposer), as enterNewRound does;
 * - every change of step: NewRoundStep (also for the steps one input moved the machine through); the
 *   prevote / precommit steps read "…Wait" once their +2/3-any timeout was scheduled (R3 / R6), as
 *   CometBFT's RoundStepPrevoteWait / PrecommitWait;
 * - a proposal with its block, received or our own: CompleteProposal (a proposal carries its whole
 *   block here, so it is complete when it arrives);
 * - every vote the machine took (received and accepted, or our own), once per (height, round, type,
 *   validator): Vote;
 * - prevote → precommit on anything but the prevote timeout (so on +2/3 prevotes): Polka; the locked
 *   round moving: Lock (another block) or Relock (the same block); the valid round moving: ValidBlock;
 * - an expired, current timeout: TimeoutPropose (propose) or TimeoutWait (prevote / precommit).
 */
import type { ConsensusDriver } from "../consensus/driver.ts";
import { blockIdEqual } from "../consensus/voteSet.ts";
import { type ConsensusInput, type ConsensusOutput, RoundStep, type RoundStateView } from "../consensus/state.ts";
import { type BlockID, SignedMsgType, type Vote } from "../types/block.ts";
import type { BusEvent, ConsensusRoundStateEvent } from "./env.ts";

export interface ConsensusEventSink {
  publish(ev: BusEvent): void;
  readonly listenerCount: number;
}

/** CometBFT's RoundStepType names (its String()). */
export function stepName(step: RoundStep, prevoteWait: boolean, precommitWait: boolean): string {
  switch (step) {
    case RoundStep.newHeight:
      return "RoundStepNewHeight";
    case RoundStep.propose:
      return "RoundStepPropose";
    case RoundStep.prevote:
      return prevoteWait ? "RoundStepPrevoteWait" : "RoundStepPrevote";
    case RoundStep.precommit:
      return precommitWait ? "RoundStepPrecommitWait" : "RoundStepPrecommit";
    case RoundStep.commit:
      return "RoundStepCommit";
    default:
      return "RoundStepUnknown";
  }
}

/** the same block id, or both absent (Lock vs Relock). */
function sameBlockId(a: BlockID | undefined, b: BlockID | undefined): boolean {
  return a === undefined || b === undefined ? a === b : blockIdEqual(a, b);
}

/** publishes the driver's consensus events on `bus`; returns the function that detaches it. */
export function attachConsensusEvents(driver: ConsensusDriver, bus: ConsensusEventSink): () => void {
  let prev: RoundStateView | undefined;
  let prevName = "";
  // R3 / R6 fired in the current (height, round): the step reads PrevoteWait / PrecommitWait
  let waitKey = "";
  let prevoteWait = false;
  let precommitWait = false;

  // the votes already published, per height (this one and the last): a relayed copy of a vote, or a
  // validator's conflicting second vote, is not published again (CometBFT's addVote does not add either)
  const seen = new Map<bigint, Set<string>>();
  const firstVote = (v: Vote): boolean => {
    let s = seen.get(v.height);
    if (s === undefined) {
      for (const h of seen.keys()) if (h + 1n < v.height) seen.delete(h);
      s = new Set();
      seen.set(v.height, s);
    }
    const key = `${v.round}/${v.type}/${v.validatorIndex}`;
    if (s.has(key)) return false;
    s.add(key);
    return true;
  };

  let proposalKey = "";
  const firstProposal = (h: bigint, r: number): boolean => {
    const key = `${h}/${r}`;
    if (key === proposalKey) return false;
    proposalKey = key;
    return true;
  };

  const roundState = (type: ConsensusRoundStateEvent, v: { height: bigint; round: number }, step: string): void =>
    bus.publish({ type, height: v.height, round: v.round, step });

  return driver.addListener({
    // our own proposal and votes (they go out through the driver, not through its input queue)
    onProposal(proposal) {
      if (bus.listenerCount === 0) return;
      const v = driver.sm.view();
      if (v === undefined) return;
      if (firstProposal(proposal.height, proposal.round)) bus.publish({ type: "CompleteProposal", height: proposal.height, round: proposal.round, step: stepName(v.step, prevoteWait, precommitWait), blockId: proposal.blockId });
    },
    onVote(vote) {
      if (bus.listenerCount > 0 && firstVote(vote)) bus.publish({ type: "Vote", vote });
    },
    onInput(input: ConsensusInput, outs: readonly ConsensusOutput[], view: RoundStateView | undefined) {
      const before = prev;
      prev = view;
      if (view === undefined) return;
      const key = `${view.height}/${view.round}`;
      if (key !== waitKey) {
        waitKey = key;
        prevoteWait = false;
        precommitWait = false;
      }
      let invalid = false;
      for (const o of outs) {
        if (o.kind === "invalidMessage") invalid = true;
        else if (o.kind === "scheduleTimeout" && o.timeout.height === view.height && o.timeout.round === view.round) {
          if (o.timeout.step === "prevote") prevoteWait = true;
          else if (o.timeout.step === "precommit") precommitWait = true;
        }
      }
      const name = stepName(view.step, prevoteWait, precommitWait);
      if (bus.listenerCount === 0) {
        prevName = name;
        return;
      }
      // an expired timer of the round we were in
      if (input.kind === "timeout" && before !== undefined && input.timeout.height === before.height && input.timeout.round === before.round) {
        if (input.timeout.step === "propose") roundState("TimeoutPropose", before, prevName);
        else if (input.timeout.step === "prevote" || input.timeout.step === "precommit") roundState("TimeoutWait", before, prevName);
      }
      const enteredRound =
        view.step !== RoundStep.newHeight &&
        (before === undefined || before.height !== view.height || before.round !== view.round || before.step === RoundStep.newHeight);
      if (enteredRound) {
        roundState("NewRoundStep", view, "RoundStepNewRound");
        const proposer = driver.sm.dump()?.proposer;
        if (proposer !== undefined) bus.publish({ type: "NewRound", height: view.height, round: view.round, step: "RoundStepNewRound", proposer: { address: proposer.validator.address, index: proposer.index } });
      }
      if (input.kind === "proposal" && !invalid && input.proposal.height === view.height && firstProposal(input.proposal.height, input.proposal.round)) {
        bus.publish({ type: "CompleteProposal", height: input.proposal.height, round: input.proposal.round, step: name, blockId: input.proposal.blockId });
      }
      if (before !== undefined && before.height === view.height) {
        if (before.step === RoundStep.prevote && view.step === RoundStep.precommit && view.round === before.round && !(input.kind === "timeout" && input.timeout.step === "prevote")) {
          roundState("Polka", view, name);
        }
        if (view.lockedRound !== before.lockedRound && view.lockedRound >= 0) {
          roundState(sameBlockId(view.lockedBlockId, before.lockedBlockId) ? "Relock" : "Lock", view, name);
        }
        if (view.validRound !== before.validRound && view.validRound >= 0) roundState("ValidBlock", view, name);
      }
      // one input can move the machine several steps (a proposal arriving after +2/3 prevotes for it:
      // propose → prevote → precommit): the steps passed through are published too, in order
      const from = enteredRound ? RoundStep.propose : before !== undefined && before.height === view.height && before.round === view.round ? before.step + 1 : view.step;
      for (let st = from; st < view.step; st++) roundState("NewRoundStep", view, stepName(st as RoundStep, false, false));
      if (name !== prevName || enteredRound || before === undefined || before.height !== view.height) roundState("NewRoundStep", view, name);
      prevName = name;
      // a vote of this height, or a late precommit for the last commit (what CometBFT's addVote takes)
      if (input.kind === "vote" && !invalid) {
        const vh = input.vote.height;
        if ((vh === view.height || (vh + 1n === view.height && input.vote.type === SignedMsgType.Precommit)) && firstVote(input.vote)) bus.publish({ type: "Vote", vote: input.vote });
      }
    },
  });
}
