/**
 * RPC consensus_state / dump_consensus_state (CometBFT 0.38 shapes, consensusJson.ts) over a real
 * consensus machine (4 validators, real ed25519 votes) behind the RPC server with a fake env.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { equal, toHex, utf8 } from "../../modules/core/bytes.ts";
import { blockId as computeBlockId } from "../types/hash.ts";
import type { BlockID, ExtendedCommit } from "../types/block.ts";
import type { ChainState } from "../storage/types.ts";
import { ZERO_TIME } from "../types/time.ts";
import { chainRoundState } from "../consensus/chainRoundState.ts";
import { ConsensusState, type TimeoutParams } from "../consensus/state.ts";
import { ed25519Scheme, makeTestBlock, makeValidatorSet, rawSigner, signedProposal, signedVote, testKeys } from "../consensus/testing.ts";
import type { PeerRoundStateDump } from "../consensus/reactor.ts";
import { createRpcServer, type RpcServer } from "./server.ts";
import { type FakeEnv, makeFakeEnv } from "./testing/fakeEnv.ts";
import { fraction2, voteString } from "./consensusJson.ts";

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CHAIN = "openledger-test-1";
const T: TimeoutParams = { proposeMs: 1000, proposeDeltaMs: 500, prevoteMs: 500, prevoteDeltaMs: 250, precommitMs: 500, precommitDeltaMs: 250, commitMs: 100, capMs: 2000 };
const H = 9n; // the fake env stores heights 1..8: the machine works on the next one
const VOTE_RE = /^Vote\{\d+:[0-9A-F]{12} \d+\/\d{2,}\/SIGNED_MSG_TYPE_(PREVOTE|PRECOMMIT)\((Prevote|Precommit)\) [0-9A-F]{12} [0-9A-F]{12} [0-9A-F]{12} @ \d{4}-\d{2}-\d{2}T[\d:.]+Z\}$/;

let env: FakeEnv;
let server: RpcServer;
let base: string;

async function call(method: string): Promise<Any> {
  const res = await fetch(`${base}/`, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: {} }), headers: { "content-type": "application/json" } });
  return (await res.json()) as Any;
}
async function result(method: string): Promise<Any> {
  const r = await call(method);
  assert.equal(r.error, undefined, `${method}: ${JSON.stringify(r.error)}`);
  return r.result as Any;
}

describe("rpc consensus_state / dump_consensus_state", () => {
  const raw = testKeys(4, ed25519Scheme, "rpccs");
  const vals = makeValidatorSet(raw, [10n, 10n, 10n, 10n]);
  const keys = vals.validators.map((v) => raw.find((k) => equal(k.address, v.address))!);
  const probe = new ConsensusState({ chainId: CHAIN, timeouts: T, voteExtensionsEnableHeight: 0n }, { verifier: ed25519Scheme.verifier });
  probe.handle({ kind: "startHeight", height: H, validators: vals }, 0);
  const proposerIndex = (r: number) => vals.getByAddress(probe.proposer(r).address)!.index;
  const p0 = proposerIndex(0);
  const me = [0, 1, 2, 3].find((i) => i !== p0)!;
  const other = [0, 1, 2, 3].find((i) => i !== p0 && i !== me)!;
  const sm = new ConsensusState({ chainId: CHAIN, timeouts: T, voteExtensionsEnableHeight: 0n }, { signer: rawSigner(keys[me]!, CHAIN, ed25519Scheme), verifier: ed25519Scheme.verifier });
  const feed = (input: Parameters<ConsensusState["handle"]>[0], now = 1_790_000_100_000) => {
    for (const o of sm.handle(input, now)) {
      if (o.kind === "validateBlock") sm.handle({ kind: "verdict", height: o.height, blockHash: o.blockId.hash, valid: true }, now);
    }
  };
  const vote = (i: number, type: 1 | 2, round: number, id?: BlockID) =>
    feed({ kind: "vote", vote: signedVote(keys[i]!, ed25519Scheme, CHAIN, vals, { type, height: H, round, ...(id === undefined ? {} : { blockId: id }) }) });
  const peers: PeerRoundStateDump[] = [];

  before(async () => {
    env = await makeFakeEnv();
    server = createRpcServer(env, { laddr: "127.0.0.1:0", corsAllowedOrigins: [], maxBodyBytes: 64 * 1024, maxSubscriptionsPerClient: 3, timeoutBroadcastTxCommitMs: 1500 });
    const addr = await server.listen();
    base = `http://127.0.0.1:${addr.port}`;
  });
  after(async () => {
    await server.close();
  });

  it("answers an error only where the env has no round state to show (a fake env; node.ts always gives one)", async () => {
    for (const m of ["consensus_state", "dump_consensus_state"]) {
      const r = await call(m);
      assert.equal(r.error?.code, -32603, m);
    }
    env.consensus = { roundState: () => undefined, peers: () => [] };
    const r = await call("consensus_state");
    assert.match(r.error?.data ?? "", /no consensus round state yet/);
  });

  it("consensus_state: RoundStateSimple of round 0 with the proposal and two of four prevotes (height/round/step, bit arrays, proposer, timeouts)", async () => {
    env.consensus = { roundState: () => sm.dump(), peers: () => peers };
    feed({ kind: "startHeight", height: H, validators: vals }, 1_790_000_000_000);
    let r = await result("consensus_state");
    assert.equal(r.round_state["height/round/step"], `${H}/0/1`, "RoundStepNewHeight during the commit delay");
    assert.equal(r.round_state.start_time, "2026-09-21T14:13:20.1Z", "start_time = the height's start + timeout_commit (100 ms)");
    feed({ kind: "timeout", timeout: { step: "newHeight", height: H, round: 0 } });
    const block = makeTestBlock({ chainId: CHAIN, height: H, time: { seconds: 1_790_000_000n, nanos: 0 }, proposer: keys[p0]!.address, txs: [utf8("x")] });
    const id = computeBlockId(block);
    feed({ kind: "proposal", proposal: signedProposal(keys[p0]!, ed25519Scheme, CHAIN, { height: H, round: 0, polRound: -1, blockId: id }), block });
    vote(other, 1, 0, id);

    r = await result("consensus_state");
    const rs = r.round_state;
    assert.deepEqual(Object.keys(rs), ["height/round/step", "start_time", "proposal_block_hash", "locked_block_hash", "valid_block_hash", "height_vote_set", "proposer"]);
    assert.equal(rs["height/round/step"], `${H}/0/4`, "RoundStepPrevote (our prevote is cast, no +2/3 yet)");
    assert.equal(rs.proposal_block_hash, toHex(id.hash).toUpperCase());
    assert.equal(rs.locked_block_hash, "");
    assert.equal(rs.valid_block_hash, "");
    assert.deepEqual(rs.proposer, { address: toHex(keys[p0]!.address).toUpperCase(), index: p0 });
    assert.equal(rs.height_vote_set.length, 1);
    const r0 = rs.height_vote_set[0];
    assert.equal(r0.round, 0);
    const bits = [0, 1, 2, 3].map((i) => (i === me || i === other ? "x" : "_")).join("");
    assert.equal(r0.prevotes_bit_array, `BA{4:${bits}} 20/40 = 0.50`);
    assert.equal(r0.precommits_bit_array, "BA{4:____} 0/40 = 0.00");
    assert.equal(r0.prevotes.length, 4);
    for (let i = 0; i < 4; i++) {
      if (bits[i] === "x") {
        assert.match(r0.prevotes[i], VOTE_RE);
        assert.ok(r0.prevotes[i].startsWith(`Vote{${i}:${toHex(keys[i]!.address.subarray(0, 6)).toUpperCase()} ${H}/00/SIGNED_MSG_TYPE_PREVOTE(Prevote) ${toHex(id.hash.subarray(0, 6)).toUpperCase()} `), r0.prevotes[i]);
      } else {
        assert.equal(r0.prevotes[i], "nil-Vote");
      }
    }
    assert.deepEqual(r0.precommits, ["nil-Vote", "nil-Vote", "nil-Vote", "nil-Vote"]);
    assert.deepEqual(r.timeouts, { round: 0, propose_ms: "1000", prevote_ms: "500", precommit_ms: "500", commit_ms: "100", cap_ms: "2000" });
  });

  it("rounds advance (f+1 skip), timeouts grow per round and stop at the cap; the listed rounds are 0..round", async () => {
    const seen: Any[] = [];
    for (const round of [3, 6, 8, 9]) {
      vote(other, 1, round);
      vote(p0, 1, round); // 20 of 40 voted in `round` → f+1 → skip to it
      const r = await result("consensus_state");
      assert.equal(r.round_state["height/round/step"].split("/")[1], String(round));
      assert.equal(r.round_state.height_vote_set.length, round + 1);
      assert.equal(r.round_state.height_vote_set[round].prevotes_bit_array.split(" ").slice(1).join(" "), "20/40 = 0.50", "the two votes that made the skip (ours comes after the propose timeout)");
      assert.deepEqual(r.round_state.proposer.address, toHex(vals.validators[proposerIndex(round)]!.address).toUpperCase());
      seen.push(r.timeouts);
    }
    assert.deepEqual(seen.map((t) => [t.round, t.propose_ms, t.prevote_ms, t.precommit_ms]), [
      [3, "2000", "1250", "1250"],
      [6, "2000", "2000", "2000"],
      [8, "2000", "2000", "2000"],
      [9, "2000", "2000", "2000"],
    ]);
  });

  it("dump_consensus_state: the RoundState fields, the round's validator set and proposer, peers' round states", async () => {
    peers.length = 0;
    peers.push({ peer: "ab".repeat(20), height: H, round: 9, step: 2, heightSinceMs: 1_790_000_000_500, proposal: false, prevotes: Uint8Array.of(0b0101), precommits: undefined, votesReceived: 7, blocksReceived: 1 });
    peers.push({ peer: "cd".repeat(20), height: H - 1n, round: 0, step: 4 /* commit */, heightSinceMs: 0, proposal: true, prevotes: undefined, precommits: undefined, votesReceived: 0, blocksReceived: 0 });
    const orig = env.peers;
    env.peers = () => [{ id: "ab".repeat(20), address: "/ip4/127.0.0.1/tcp/41234" }];
    try {
      const r = await result("dump_consensus_state");
      const rs = r.round_state;
      assert.deepEqual(Object.keys(rs), [
        "height", "round", "step", "start_time", "commit_time", "validators", "proposal", "proposal_block", "proposal_block_parts",
        "locked_round", "locked_block", "locked_block_parts", "valid_round", "valid_block", "valid_block_parts", "votes", "commit_round",
        "last_commit", "last_validators", "triggered_timeout_precommit",
      ]);
      assert.equal(rs.height, String(H));
      assert.equal(rs.round, 9);
      assert.ok([3, 4].includes(rs.step), `step ${rs.step}`);
      assert.equal(rs.commit_time, "0001-01-01T00:00:00Z");
      assert.equal(rs.proposal, null, "no proposal in round 9");
      assert.equal(rs.proposal_block, null);
      assert.deepEqual(rs.proposal_block_parts, {});
      assert.equal(rs.locked_round, -1);
      assert.equal(rs.locked_block, null);
      assert.equal(rs.commit_round, -1);
      assert.equal(rs.triggered_timeout_precommit, false);
      assert.equal(rs.votes.length, 10);
      assert.equal(rs.validators.validators.length, 4);
      assert.equal(rs.validators.proposer.address, toHex(vals.validators[proposerIndex(9)]!.address).toUpperCase(), "the set's proposer is the round's");
      for (const v of rs.validators.validators) assert.match(v.proposer_priority, /^-?\d+$/);
      // the fake env's state store: validators of height 8
      assert.equal(rs.last_validators.validators.length, 1);
      assert.equal(rs.last_commit, null, "no commit given at this height's start");
      assert.deepEqual(r.timeouts, { round: 9, propose_ms: "2000", prevote_ms: "2000", precommit_ms: "2000", commit_ms: "100", cap_ms: "2000" });
      assert.equal(r.peers.length, 2);
      const [a, b] = r.peers;
      assert.equal(a.node_address, `${"ab".repeat(20)}@127.0.0.1:41234`);
      assert.deepEqual(a.peer_state.round_state, {
        height: String(H), round: 9, step: 4, start_time: "2026-09-21T14:13:20.5Z", proposal: false,
        proposal_block_part_set_header: { total: 0, hash: "" }, proposal_block_parts: null, proposal_pol_round: -1, proposal_pol: null,
        prevotes: "x_x_", precommits: "____", last_commit_round: -1, last_commit: null, catchup_commit_round: -1, catchup_commit: null,
      });
      assert.deepEqual(a.peer_state.stats, { votes: "7", block_parts: "1" });
      assert.equal(b.peer_state.round_state.prevotes, null, "a peer at another height: no bit arrays");
      assert.equal(b.peer_state.round_state.step, 8, "RoundStepCommit");
      assert.equal(b.peer_state.round_state.proposal, true);
    } finally {
      env.peers = orig;
    }
  });

  it("a decided height (RoundStepCommit, commit_round, commit_time, the polka's lock), then the next height's last_commit", async () => {
    const sm2 = new ConsensusState({ chainId: CHAIN, timeouts: T, voteExtensionsEnableHeight: 0n }, { signer: rawSigner(keys[me]!, CHAIN, ed25519Scheme), verifier: ed25519Scheme.verifier });
    const feed2 = (input: Parameters<ConsensusState["handle"]>[0], now: number) => {
      for (const o of sm2.handle(input, now)) {
        if (o.kind === "validateBlock") sm2.handle({ kind: "verdict", height: o.height, blockHash: o.blockId.hash, valid: true }, now);
      }
    };
    const vote2 = (i: number, type: 1 | 2, id: BlockID) => feed2({ kind: "vote", vote: signedVote(keys[i]!, ed25519Scheme, CHAIN, vals, { type, height: H, round: 0, blockId: id }) }, 1_790_000_002_000);
    env.consensus = { roundState: () => sm2.dump(), peers: () => [] };
    const origVals = env.state.loadValidators;
    env.state.loadValidators = (h) => (h === H ? vals.validators : origVals(h));
    try {
      feed2({ kind: "startHeight", height: H, validators: vals }, 1_790_000_000_000);
      feed2({ kind: "timeout", timeout: { step: "newHeight", height: H, round: 0 } }, 1_790_000_000_100);
      const block = makeTestBlock({ chainId: CHAIN, height: H, time: { seconds: 1_790_000_000n, nanos: 0 }, proposer: keys[p0]!.address, txs: [utf8("y")] });
      const id = computeBlockId(block);
      feed2({ kind: "proposal", proposal: signedProposal(keys[p0]!, ed25519Scheme, CHAIN, { height: H, round: 0, polRound: -1, blockId: id }), block }, 1_790_000_001_000);
      for (const i of [p0, other]) vote2(i, 1, id); // polka (with ours): lock, precommit
      let d = (await result("dump_consensus_state")).round_state;
      assert.equal(d.step, 6, "RoundStepPrecommit");
      assert.equal(d.locked_round, 0);
      assert.equal(d.locked_block.header.height, String(H));
      assert.deepEqual(d.locked_block_parts, { "count/total": "1/1", parts_bit_array: "x" });
      assert.equal(d.valid_round, 0);
      assert.equal(d.proposal.Type, 32);
      assert.equal(d.proposal.pol_round, -1);
      const simple = (await result("consensus_state")).round_state;
      assert.equal(simple.locked_block_hash, toHex(id.hash).toUpperCase());
      assert.equal(simple.valid_block_hash, toHex(id.hash).toUpperCase());
      for (const i of [p0, other]) vote2(i, 2, id); // +2/3 precommits: decide
      d = (await result("dump_consensus_state")).round_state;
      assert.equal(d.step, 8, "RoundStepCommit");
      assert.equal(d.commit_round, 0);
      assert.equal(d.commit_time, "2026-09-21T14:13:22Z");
      assert.match(d.votes[0].precommits_bit_array, / 30\/40 = 0\.75$/);
      // the next height: the precommits of the decided round are its last_commit
      feed2({ kind: "startHeight", height: H + 1n, validators: vals }, 1_790_000_002_500);
      const r = await result("dump_consensus_state");
      d = r.round_state;
      assert.equal(d.height, String(H + 1n));
      assert.equal(d.step, 1);
      assert.equal(d.start_time, "2026-09-21T14:13:22.1Z", "the decision's time + timeout_commit");
      assert.equal(d.last_commit.votes.length, 4);
      assert.equal(d.last_commit.votes.filter((v: string) => v !== "nil-Vote").length, 3);
      assert.match(d.last_commit.votes_bit_array, /^BA\{4:[x_]{4}\} 30\/40 = 0\.75$/);
      assert.deepEqual(d.last_commit.peer_maj_23s, {});
      assert.equal(d.last_validators.validators.length, 4);
      assert.equal(d.locked_round, -1, "locks reset at a new height");
      assert.equal((await result("consensus_state")).round_state["height/round/step"], `${H + 1n}/0/1`);
    } finally {
      env.state.loadValidators = origVals;
    }
  });

  it("a node without a machine round state (block syncing, single-validator producer): chainRoundState renders like the machine's NewHeight, with the stored last commit", async () => {
    const block = makeTestBlock({ chainId: CHAIN, height: H, time: { seconds: 1_790_000_000n, nanos: 0 }, proposer: keys[p0]!.address, txs: [] });
    const id = computeBlockId(block);
    const signers = new Set([0, 1, 3]);
    const lastCommit: ExtendedCommit = {
      height: H,
      round: 0,
      blockId: id,
      extendedSignatures: vals.validators.map((v, i) => {
        if (!signers.has(i)) return { blockIdFlag: 1 as const, validatorAddress: new Uint8Array(0), timestamp: ZERO_TIME, signature: new Uint8Array(0), extension: new Uint8Array(0), extensionSignature: new Uint8Array(0) };
        const k = keys.find((key) => equal(key.address, v.address))!;
        const vote = signedVote(k, ed25519Scheme, CHAIN, vals, { type: 2, height: H, round: 0, blockId: id, timestamp: { seconds: 1_790_000_001n, nanos: 0 } });
        return { blockIdFlag: 2 as const, validatorAddress: v.address, timestamp: vote.timestamp, signature: vote.signature, extension: new Uint8Array(0), extensionSignature: new Uint8Array(0) };
      }),
    };
    const state = { chainId: CHAIN, initialHeight: 1n, lastBlockHeight: H, validators: vals.validators, validatorsProposer: vals.getProposer().address } as unknown as ChainState;
    const progress = { round: 0, step: "newHeight" as const, startTime: { seconds: 1_790_000_002n, nanos: 0 }, commitTime: undefined };
    env.consensus = { roundState: () => chainRoundState(state, lastCommit, progress, T), peers: () => [] };
    const origVals = env.state.loadValidators;
    env.state.loadValidators = (h) => (h === H ? vals.validators : origVals(h));
    try {
      const simple = (await result("consensus_state")).round_state;
      // the machine at the same point: startHeight(H+1) with the same validator set
      const sm3 = new ConsensusState({ chainId: CHAIN, timeouts: T, voteExtensionsEnableHeight: 0n }, { verifier: ed25519Scheme.verifier });
      sm3.handle({ kind: "startHeight", height: H + 1n, validators: vals }, 1_790_000_001_900);
      env.consensus = { roundState: () => sm3.dump(), peers: () => [] };
      const machine = (await result("consensus_state")).round_state;
      assert.equal(simple["height/round/step"], `${H + 1n}/0/1`);
      assert.equal(simple["height/round/step"], machine["height/round/step"]);
      assert.deepEqual(simple.proposer, machine.proposer);
      assert.deepEqual(simple.height_vote_set, machine.height_vote_set);
      assert.equal(simple.start_time, machine.start_time, "start = commit + timeout_commit on both");

      env.consensus = { roundState: () => chainRoundState(state, lastCommit, progress, T), peers: () => [] };
      const d = (await result("dump_consensus_state")).round_state;
      assert.equal(d.height, String(H + 1n));
      assert.equal(d.commit_time, "0001-01-01T00:00:00Z");
      assert.equal(d.last_commit.votes.length, 4);
      assert.equal(d.last_commit.votes[2], "nil-Vote");
      assert.match(d.last_commit.votes[0], new RegExp(`^Vote\\{0:[0-9A-F]{12} ${H}/00/SIGNED_MSG_TYPE_PRECOMMIT\\(Precommit\\) ${toHex(id.hash).toUpperCase().slice(0, 12)} `));
      assert.equal(d.last_commit.votes_bit_array, "BA{4:xx_x} 30/40 = 0.75");
      assert.equal(d.last_validators.validators.length, 4);
      assert.equal(d.validators.proposer.address, simple.proposer.address);
    } finally {
      env.state.loadValidators = origVals;
    }
  });

  it("formats like Go: %.2f half to even, %02d rounds, nil votes", () => {
    assert.equal(fraction2(1n, 8n), "0.12");
    assert.equal(fraction2(3n, 8n), "0.38");
    assert.equal(fraction2(2n, 3n), "0.67");
    assert.equal(fraction2(40n, 40n), "1.00");
    assert.equal(fraction2(0n, 40n), "0.00");
    assert.equal(voteString(undefined), "nil-Vote");
    const v = signedVote(keys[0]!, ed25519Scheme, CHAIN, vals, { type: 2, height: 5n, round: 12 });
    assert.match(voteString(v), /^Vote\{0:[0-9A-F]{12} 5\/12\/SIGNED_MSG_TYPE_PRECOMMIT\(Precommit\) 000000000000 [0-9A-F]{12} 000000000000 @ 2023-11-14T22:13:20Z\}$/);
  });
});
