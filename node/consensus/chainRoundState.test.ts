/**
 * chainRoundState: the round state RPC consensus_state / dump_consensus_state show for the
 * single-validator producer (each step of a height) and for a block-syncing node, rendered in CometBFT
 * 0.38's JSON (node/rpc/consensusJson.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toHex, utf8 } from "../../modules/core/bytes.ts";
import type { ProducerProgress } from "../execution/producer.ts";
import { roundStateJson, roundStateSimpleJson, timeoutsJson } from "../rpc/consensusJson.ts";
import { openTestChain } from "../testing/chain.ts";
import { KvApp } from "../testing/kvApp.ts";
import { ValidatorSet } from "../types/validatorSet.ts";
import { msToTimestamp } from "../types/time.ts";
import { chainRoundState } from "./chainRoundState.ts";
import { storedLastCommit } from "./driver.ts";
import { DEFAULT_TIMEOUTS } from "./state.ts";

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const T = { ...DEFAULT_TIMEOUTS, commitMs: 10 };

describe("consensus/chainRoundState", () => {
  it("the producer's steps of one height: NewHeight (1) → Propose (3) → Commit (8) with its block and precommit → NewHeight of the next", async () => {
    const seen: { point: string; progress: ProducerProgress; json: Any; simple: Any }[] = [];
    // eslint-disable-next-line prefer-const
    let c: Awaited<ReturnType<typeof openTestChain>>;
    const snap = (point: string) => {
      const st = c.state();
      const rs = chainRoundState(st, storedLastCommit(c.blockStore, st.lastBlockHeight), c.producer.progress(), T);
      const lastVals = st.lastBlockHeight > 0n ? new ValidatorSet(st.lastValidators) : undefined;
      seen.push({ point, progress: c.producer.progress(), json: roundStateJson(rs, lastVals) as Any, simple: { ...roundStateSimpleJson(rs), timeouts: timeoutsJson(rs) } as Any });
    };
    // ProcessProposal runs while the producer is at the Propose step
    const app = new KvApp();
    const process = app.processProposal.bind(app);
    app.processProposal = (req) => {
      snap("processProposal");
      return process(req);
    };
    c = await openTestChain({ app, failPoint: (point) => snap(point) });
    const addr = toHex(c.pv.address).toUpperCase();
    snap("start");
    assert.equal(seen[0]!.simple["height/round/step"], "1/0/1");
    assert.equal(seen[0]!.json.last_commit, null, "no block before the first");
    assert.equal(seen[0]!.json.commit_time, "0001-01-01T00:00:00Z");

    await c.producer.produceBlock();
    assert.equal((await c.mempool.checkAndAdd(utf8("k=v"))).code, 0);
    await c.producer.produceBlock();
    snap("end");

    const at = (point: string, h: bigint) => {
      const i = seen.findIndex((s) => s.point === point && s.json.height === h.toString());
      assert.ok(i >= 0, `${point} at ${h}`);
      return seen[i]!;
    };
    const proposing = at("processProposal", 2n);
    assert.equal(proposing.simple["height/round/step"], "2/0/3");
    assert.equal(proposing.simple.proposal_block_hash, toHex(c.blockStore.loadBlockMeta(2n)!.blockId.hash).toUpperCase());
    assert.equal(proposing.json.commit_round, -1);
    assert.equal(proposing.json.locked_round, -1);
    assert.equal(proposing.simple.height_vote_set[0].precommits_bit_array, "BA{1:_} 0/10 = 0.00");
    // after the precommit is signed (afterSign), before the block is saved: the Commit step of height 2
    const signed = at("afterSign", 2n);
    const block2 = c.blockStore.loadBlockMeta(2n)!.blockId.hash;
    assert.equal(signed.simple["height/round/step"], "2/0/8");
    assert.equal(signed.simple.proposal_block_hash, toHex(block2).toUpperCase());
    assert.equal(signed.simple.locked_block_hash, toHex(block2).toUpperCase());
    assert.equal(signed.simple.valid_block_hash, toHex(block2).toUpperCase());
    assert.equal(signed.json.commit_round, 0);
    assert.equal(signed.json.locked_round, 0);
    assert.equal(signed.json.proposal_block.data.txs.length, 1);
    assert.equal(signed.json.proposal_block_parts["count/total"], "1/1");
    const hvs = signed.simple.height_vote_set[0];
    assert.equal(hvs.precommits_bit_array, "BA{1:x} 10/10 = 1.00");
    assert.match(hvs.precommits[0], new RegExp(`^Vote\\{0:${addr.slice(0, 12)} 2/00/SIGNED_MSG_TYPE_PRECOMMIT\\(Precommit\\) ${toHex(block2).toUpperCase().slice(0, 12)} `));
    assert.equal(hvs.prevotes_bit_array, "BA{1:_} 0/10 = 0.00", "the producer signs no prevote");
    assert.notEqual(signed.json.commit_time, "0001-01-01T00:00:00Z");
    // the last commit: block 1's precommit
    assert.equal(signed.json.last_commit.votes_bit_array, "BA{1:x} 10/10 = 1.00");
    assert.match(signed.json.last_commit.votes[0], / 1\/00\/SIGNED_MSG_TYPE_PRECOMMIT/);
    assert.equal(signed.json.last_validators.validators[0].address, addr);
    assert.equal(signed.json.validators.proposer.address, addr);
    assert.deepEqual(signed.simple.proposer, { address: addr, index: 0 });
    assert.equal(signed.simple.timeouts.commit_ms, "10");
    assert.equal(signed.simple.timeouts.propose_ms, "3000");

    // between blocks: NewHeight of the next height, nothing proposed, round 0's empty vote sets
    const end = seen.at(-1)!;
    assert.equal(end.simple["height/round/step"], "3/0/1");
    assert.equal(end.simple.proposal_block_hash, "");
    assert.equal(end.json.proposal_block, null);
    assert.deepEqual(end.json.proposal_block_parts, {});
    assert.equal(end.json.locked_round, -1);
    assert.equal(end.json.commit_round, -1);
    assert.equal(end.simple.height_vote_set[0].precommits_bit_array, "BA{1:_} 0/10 = 0.00");
    assert.equal(end.json.commit_time, signed.json.commit_time, "commit_time stays the last decision's");
    assert.match(end.json.last_commit.votes[0], / 2\/00\/SIGNED_MSG_TYPE_PRECOMMIT/);
    assert.equal(end.progress.step, "newHeight");
  });

  it("a block-syncing node: NewHeight of the synced height with the stored last commit, and rounds 0..r with round r.s timeouts", async () => {
    const c = await openTestChain();
    await c.producer.produceBlock();
    const st = c.state();
    const p = { round: 0, step: "newHeight" as const, startTime: msToTimestamp(1_790_000_000_000), commitTime: undefined };
    const rs = chainRoundState(st, storedLastCommit(c.blockStore, st.lastBlockHeight), p, T);
    const simple = roundStateSimpleJson(rs) as Any;
    assert.equal(simple["height/round/step"], "2/0/1");
    assert.equal(simple.start_time, "2026-09-21T14:13:20Z");
    const json = roundStateJson(rs, new ValidatorSet(st.lastValidators)) as Any;
    assert.equal(json.last_commit.votes.length, 1);
    assert.equal(json.commit_time, "0001-01-01T00:00:00Z");
    const r2 = chainRoundState(st, undefined, { ...p, round: 2 }, T);
    assert.equal(r2.votes.length, 3, "rounds 0..2 listed");
    assert.equal(r2.timeouts.propose, DEFAULT_TIMEOUTS.proposeMs + 2 * DEFAULT_TIMEOUTS.proposeDeltaMs);
    assert.equal(roundStateJson(r2, undefined).last_commit, null);
  });
});
