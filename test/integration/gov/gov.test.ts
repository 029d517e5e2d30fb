/** gov through real blocks: proposals pass, fail quorum, get vetoed, convert from expedited; override votes; atomic execution. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MsgSend, MsgUpdateParams as BankMsgUpdateParams } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { QueryParamsRequest as BankParamsReq, QueryParamsResponse as BankParamsRes, QueryBalanceRequest, QueryBalanceResponse, QuerySupplyOfRequest, QuerySupplyOfResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { MsgCancelProposal, MsgDeposit, MsgSubmitProposal, MsgVote, MsgVoteWeighted } from "cosmjs-types/cosmos/gov/v1/tx";
import {
  QueryDepositsRequest,
  QueryDepositsResponse,
  QueryParamsRequest,
  QueryParamsResponse,
  QueryProposalRequest,
  QueryProposalResponse,
  QueryProposalsRequest,
  QueryProposalsResponse,
  QueryTallyResultRequest,
  QueryTallyResultResponse,
  QueryVotesRequest,
  QueryVotesResponse,
} from "cosmjs-types/cosmos/gov/v1/query";
import type { Proposal } from "cosmjs-types/cosmos/gov/v1/gov";
import { MsgDelegate } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { accAddressToString } from "../../../modules/core/address.ts";
import { QueryParamsRequest as AttrParamsReq, QueryParamsResponse as AttrParamsRes } from "../../../proto/gen/openledger/attribution/v1/query.ts";
import { MsgUpdateParams as AttrMsgUpdateParams } from "../../../proto/gen/openledger/attribution/v1/tx.ts";
import { GOV_AUTHORITY } from "../../../modules/app.ts";
import { defaultGovGenesis, govGenesisFromJson, govGenesisToJson } from "../../../modules/gov/index.ts";
import { type TestKey, testKey } from "../../harness/txBuilder.ts";
import { type TestValidator, type ValChain, createValChain, testValidator } from "../staking/chain.ts";

const OPEN = 1_000_000n;
const GOV = accAddressToString(GOV_AUTHORITY);
const ST = { deposit: 1, voting: 2, passed: 3, rejected: 4, failed: 5 } as const;
const YES = 1;
const ABSTAIN = 2;
const NO = 3;
const VETO = 4;

const v1 = testValidator(61);
const v2 = testValidator(62);
const del = testKey(661);
const proposer = testKey(662);

/** v1: 10 OPEN self-bonded + `delegated` from del; v2: 10 OPEN. Voting period 20 s, expedited 10 s, 5 s blocks. */
async function setup(delegated = 20n * OPEN): Promise<ValChain> {
  const chain = await createValChain({
    funded: [
      { key: v1.key, amount: 100n * OPEN },
      { key: v2.key, amount: 100n * OPEN },
      { key: del, amount: 100n * OPEN },
      { key: proposer, amount: 1000n * OPEN },
    ],
    gentxs: [
      { v: v1, amount: 10n * OPEN },
      { v: v2, amount: 10n * OPEN },
    ],
    edit: (g) => {
      g.gov.params.voting_period = "20s";
      g.gov.params.expedited_voting_period = "10s";
      g.gov.params.max_deposit_period = "20s";
      // no inflation: supply changes only by burns
      g.distribution.mint.inflation = "0";
    },
  });
  const r = await chain.block([chain.tx(del, [any(MsgDelegate, MsgDelegate.fromPartial({ delegatorAddress: del.bech32, validatorAddress: v1.valoper, amount: { denom: "uopen", amount: delegated.toString() } }))])]);
  assert.equal(r.txResults[0]?.code, 0, r.txResults[0]?.log);
  return chain;
}

function any<T>(t: { typeUrl: string; encode(m: T): { finish(): Uint8Array } }, m: T): Any {
  return { typeUrl: t.typeUrl, value: t.encode(m).finish() };
}

const bankParamsMsg = (authority: string, defaultSendEnabled: boolean) => any(BankMsgUpdateParams, BankMsgUpdateParams.fromPartial({ authority, params: { sendEnabled: [], defaultSendEnabled } }));

function submit(chain: ValChain, key: TestKey, messages: Any[], deposit: bigint, expedited = false): Uint8Array {
  return chain.tx(key, [any(MsgSubmitProposal, MsgSubmitProposal.fromPartial({ messages, initialDeposit: [{ denom: "uopen", amount: deposit.toString() }], proposer: key.bech32, metadata: "ipfs://x", title: "t", summary: "s", expedited }))]);
}

const vote = (chain: ValChain, key: TestKey, id: bigint, option: number) => chain.tx(key, [any(MsgVote, MsgVote.fromPartial({ proposalId: id, voter: key.bech32, option, metadata: "" }))]);

async function proposal(chain: ValChain, id: bigint): Promise<Proposal> {
  const p = QueryProposalResponse.decode(await chain.query("/cosmos.gov.v1.Query/Proposal", QueryProposalRequest.encode({ proposalId: id }).finish())).proposal;
  assert.ok(p !== undefined);
  return p;
}
const balance = async (c: ValChain, a: string) => BigInt(QueryBalanceResponse.decode(await c.query("/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address: a, denom: "uopen" }).finish())).balance?.amount ?? "0");
const supply = async (c: ValChain) => BigInt(QuerySupplyOfResponse.decode(await c.query("/cosmos.bank.v1beta1.Query/SupplyOf", QuerySupplyOfRequest.encode({ denom: "uopen" }).finish())).amount?.amount ?? "0");
const sendEnabled = async (c: ValChain) => BankParamsRes.decode(await c.query("/cosmos.bank.v1beta1.Query/Params", BankParamsReq.encode({}).finish())).params?.defaultSendEnabled;

async function blocks(chain: ValChain, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await chain.block([]);
}

function ok(r: { txResults: { code: number; log: string; codespace: string }[] }, i = 0): void {
  assert.equal(r.txResults[i]?.code, 0, `${r.txResults[i]?.codespace}: ${r.txResults[i]?.log}`);
}

describe("gov through blocks", () => {
  it("a bank MsgUpdateParams proposal passes and changes the param; the same message signed by anyone else is refused", async () => {
    const chain = await setup();
    // directly, by a non-authority: bank refuses the signer
    const direct = await chain.block([chain.tx(del, [bankParamsMsg(del.bech32, false)])]);
    assert.equal(`${direct.txResults[0]?.codespace}:${direct.txResults[0]?.code}`, "sdk:4");
    assert.equal(await sendEnabled(chain), true);
    // a proposal whose message is not signed by the gov authority is refused at submission
    const bad = await chain.block([submit(chain, proposer, [bankParamsMsg(proposer.bech32, false)], 10n * OPEN)]);
    assert.equal(`${bad.txResults[0]?.codespace}:${bad.txResults[0]?.code}`, "gov:13");
    // an unknown type URL is refused too
    const unknown = await chain.block([submit(chain, proposer, [{ typeUrl: "/x.y.v1.MsgNope", value: new Uint8Array() }], 10n * OPEN)]);
    assert.equal(`${unknown.txResults[0]?.codespace}:${unknown.txResults[0]?.code}`, "gov:10");

    const before = await balance(chain, proposer.bech32);
    // submitted with half the min deposit: deposit period; a second deposit starts the vote
    ok(await chain.block([submit(chain, proposer, [bankParamsMsg(GOV, false)], 5n * OPEN)]));
    assert.equal((await proposal(chain, 1n)).status, ST.deposit);
    ok(await chain.block([chain.tx(proposer, [any(MsgDeposit, MsgDeposit.fromPartial({ proposalId: 1n, depositor: proposer.bech32, amount: [{ denom: "uopen", amount: (5n * OPEN).toString() }] }))])]));
    const p = await proposal(chain, 1n);
    assert.equal(p.status, ST.voting);
    assert.deepEqual(p.totalDeposit, [{ denom: "uopen", amount: (10n * OPEN).toString() }]);
    ok(await chain.block([vote(chain, v1.key, 1n, YES), vote(chain, v2.key, 1n, NO)]));
    const votes = QueryVotesResponse.decode(await chain.query("/cosmos.gov.v1.Query/Votes", QueryVotesRequest.encode({ proposalId: 1n }).finish())).votes;
    assert.equal(votes.length, 2);
    const live = QueryTallyResultResponse.decode(await chain.query("/cosmos.gov.v1.Query/TallyResult", QueryTallyResultRequest.encode({ proposalId: 1n }).finish())).tally;
    assert.deepEqual(live, { yesCount: (30n * OPEN).toString(), abstainCount: "0", noCount: (10n * OPEN).toString(), noWithVetoCount: "0" });
    assert.equal(await sendEnabled(chain), true);
    await blocks(chain, 4);
    const done = await proposal(chain, 1n);
    assert.equal(done.status, ST.passed, done.failedReason);
    assert.equal(await sendEnabled(chain), false);
    // deposit refunded
    assert.equal(await balance(chain, proposer.bech32), before);
    // proposals query filters by status
    const passed = QueryProposalsResponse.decode(await chain.query("/cosmos.gov.v1.Query/Proposals", QueryProposalsRequest.encode(QueryProposalsRequest.fromPartial({ proposalStatus: ST.passed })).finish())).proposals;
    assert.deepEqual(passed.map((x) => x.id), [1n]);
    const voting = QueryProposalsResponse.decode(await chain.query("/cosmos.gov.v1.Query/Proposals", QueryProposalsRequest.encode(QueryProposalsRequest.fromPartial({ proposalStatus: ST.voting })).finish())).proposals;
    assert.deepEqual(voting, []);
  });

  it("a vetoed proposal is rejected and its deposits are burned", async () => {
    const chain = await setup(1n * OPEN);
    ok(await chain.block([submit(chain, proposer, [bankParamsMsg(GOV, false)], 10n * OPEN)]));
    const supply0 = await supply(chain);
    ok(await chain.block([vote(chain, v1.key, 1n, VETO), vote(chain, v2.key, 1n, YES)]));
    await blocks(chain, 4);
    const p = await proposal(chain, 1n);
    assert.equal(p.status, ST.rejected);
    assert.equal(await sendEnabled(chain), true);
    assert.equal(await supply(chain), supply0 - 10n * OPEN);
    assert.equal(await balance(chain, GOV), 0n);
    const deps = QueryDepositsResponse.decode(await chain.query("/cosmos.gov.v1.Query/Deposits", QueryDepositsRequest.encode({ proposalId: 1n }).finish())).deposits;
    assert.deepEqual(deps, []);
  });

  it("a proposal that misses quorum is rejected and its deposits are refunded (burn_vote_quorum false)", async () => {
    const chain = await setup(1n * OPEN);
    const before = await balance(chain, proposer.bech32);
    ok(await chain.block([submit(chain, proposer, [bankParamsMsg(GOV, false)], 10n * OPEN)]));
    // only del votes: 1 OPEN of 21 bonded
    ok(await chain.block([vote(chain, del, 1n, YES)]));
    await blocks(chain, 4);
    const p = await proposal(chain, 1n);
    assert.equal(p.status, ST.rejected);
    assert.deepEqual(p.finalTallyResult, { yesCount: (1n * OPEN).toString(), abstainCount: "0", noCount: "0", noWithVetoCount: "0" });
    assert.equal(await balance(chain, proposer.bech32), before);
    assert.equal(await sendEnabled(chain), true);
  });

  it("a delegator's own vote overrides its validator's for its shares and changes the outcome", async () => {
    const chain = await setup(20n * OPEN);
    ok(await chain.block([submit(chain, proposer, [bankParamsMsg(GOV, false)], 10n * OPEN), submit(chain, proposer, [bankParamsMsg(GOV, false)], 10n * OPEN)]));
    // both: v1 (30 OPEN of power, 20 of them del's) yes, v2 (10) no; on #2 del votes no itself
    ok(await chain.block([vote(chain, v1.key, 1n, YES), vote(chain, v2.key, 1n, NO), vote(chain, v1.key, 2n, YES), vote(chain, v2.key, 2n, NO), vote(chain, del, 2n, NO)]));
    await blocks(chain, 4);
    const p1 = await proposal(chain, 1n);
    const p2 = await proposal(chain, 2n);
    assert.equal(p1.status, ST.passed);
    assert.deepEqual(p1.finalTallyResult, { yesCount: (30n * OPEN).toString(), abstainCount: "0", noCount: (10n * OPEN).toString(), noWithVetoCount: "0" });
    assert.equal(p2.status, ST.rejected);
    assert.deepEqual(p2.finalTallyResult, { yesCount: (10n * OPEN).toString(), abstainCount: "0", noCount: (30n * OPEN).toString(), noWithVetoCount: "0" });
  });

  it("an expedited proposal that misses the expedited threshold becomes a regular one with a new voting end, then passes", async () => {
    // v1 15 OPEN yes, v2 10 OPEN no: 60% ≤ 66.7% (expedited) but > 50%
    const chain = await setup(5n * OPEN);
    const before = await balance(chain, proposer.bech32);
    ok(await chain.block([submit(chain, proposer, [bankParamsMsg(GOV, false)], 50n * OPEN, true)]));
    const id = 1n;
    const p0 = await proposal(chain, id);
    assert.equal(p0.status, ST.voting);
    assert.equal(p0.expedited, true);
    assert.equal((p0.votingEndTime?.seconds ?? 0n) - (p0.votingStartTime?.seconds ?? 0n), 10n);
    ok(await chain.block([vote(chain, v1.key, id, YES), vote(chain, v2.key, id, NO)]));
    await blocks(chain, 2);
    const p1 = await proposal(chain, id);
    assert.equal(p1.status, ST.voting);
    assert.equal(p1.expedited, false);
    assert.equal((p1.votingEndTime?.seconds ?? 0n) - (p1.votingStartTime?.seconds ?? 0n), 20n);
    assert.equal(await sendEnabled(chain), true);
    // deposits stay with the proposal; the votes were tallied away, so vote again
    assert.equal(await balance(chain, GOV), 50n * OPEN);
    ok(await chain.block([vote(chain, v1.key, id, YES), chain.tx(v2.key, [any(MsgVoteWeighted, MsgVoteWeighted.fromPartial({ proposalId: id, voter: v2.key.bech32, options: [{ option: NO, weight: "0.5" }, { option: ABSTAIN, weight: "0.5" }], metadata: "" }))])]));
    await blocks(chain, 2);
    const p2 = await proposal(chain, id);
    assert.equal(p2.status, ST.passed, p2.failedReason);
    assert.deepEqual(p2.finalTallyResult, { yesCount: (15n * OPEN).toString(), abstainCount: (5n * OPEN).toString(), noCount: (5n * OPEN).toString(), noWithVetoCount: "0" });
    assert.equal(await sendEnabled(chain), false);
    assert.equal(await balance(chain, proposer.bech32), before);
  });

  it("messages run all or nothing: one failing message fails the proposal with a reason and discards the others", async () => {
    const chain = await setup();
    const tooMuch = any(MsgSend, MsgSend.fromPartial({ fromAddress: GOV, toAddress: del.bech32, amount: [{ denom: "uopen", amount: (10_000n * OPEN).toString() }] }));
    ok(await chain.block([submit(chain, proposer, [bankParamsMsg(GOV, false), tooMuch], 10n * OPEN)]));
    ok(await chain.block([vote(chain, v1.key, 1n, YES), vote(chain, v2.key, 1n, YES)]));
    await blocks(chain, 4);
    const p = await proposal(chain, 1n);
    assert.equal(p.status, ST.failed);
    // the send ran after the params change inside the proposal's branch (sends disabled) and failed;
    // the whole branch, params change included, is discarded
    assert.match(p.failedReason, /send transactions are disabled/);
    assert.equal(await sendEnabled(chain), true);
    assert.equal(await balance(chain, del.bech32), 80n * OPEN);
  });

  it("the proposer cancels: half the deposit is burned, half refunded, the proposal is gone", async () => {
    const chain = await setup();
    const before = await balance(chain, proposer.bech32);
    ok(await chain.block([submit(chain, proposer, [bankParamsMsg(GOV, false)], 10n * OPEN)]));
    const other = await chain.block([chain.tx(del, [any(MsgCancelProposal, { proposalId: 1n, proposer: del.bech32 })])]);
    assert.equal(`${other.txResults[0]?.codespace}:${other.txResults[0]?.code}`, "gov:18");
    ok(await chain.block([chain.tx(proposer, [any(MsgCancelProposal, { proposalId: 1n, proposer: proposer.bech32 })])]));
    assert.equal(await balance(chain, proposer.bech32), before - 5n * OPEN);
    const r = await chain.queryRaw("/cosmos.gov.v1.Query/Proposal", QueryProposalRequest.encode({ proposalId: 1n }).finish());
    assert.notEqual(r.code, 0);
  });

  it("a proposal that never reaches min deposit is dropped at the end of its deposit period (deposit refunded)", async () => {
    const chain = await setup();
    const before = await balance(chain, proposer.bech32);
    ok(await chain.block([submit(chain, proposer, [bankParamsMsg(GOV, false)], 1n * OPEN)]));
    assert.equal(await balance(chain, proposer.bech32), before - 1n * OPEN);
    await blocks(chain, 4);
    const r = await chain.queryRaw("/cosmos.gov.v1.Query/Proposal", QueryProposalRequest.encode({ proposalId: 1n }).finish());
    assert.notEqual(r.code, 0);
    assert.equal(await balance(chain, proposer.bech32), before);
  });

  it("genesis round trip: the exported JSON parses back to the same state, live proposals, votes and deposits included", async () => {
    const chain = await setup();
    ok(await chain.block([submit(chain, proposer, [bankParamsMsg(GOV, false)], 10n * OPEN), submit(chain, proposer, [bankParamsMsg(GOV, true)], 1n * OPEN)]));
    ok(await chain.block([vote(chain, v1.key, 1n, YES)]));
    const exported = (await chain.app.exportGenesis()).gov;
    const g = govGenesisFromJson(exported);
    assert.equal(g.proposals.length, 2);
    assert.equal(g.votes.length, 1);
    assert.equal(g.deposits.length, 2);
    assert.deepEqual(govGenesisToJson(g), exported);
    assert.deepEqual(govGenesisFromJson(govGenesisToJson(defaultGovGenesis())), defaultGovGenesis());
    const params = QueryParamsResponse.decode(await chain.query("/cosmos.gov.v1.Query/Params", QueryParamsRequest.encode({ paramsType: "" }).finish())).params;
    assert.equal(params?.quorum, "0.334000000000000000");
    assert.deepEqual(params?.votingPeriod, { seconds: 20n, nanos: 0 });
  });

  it("a PoA-rule change (attribution params) needs the expedited threshold: 60% yes passes a bank change but not it", async () => {
    // v1 15 OPEN yes, v2 10 OPEN no: 60% > 50% but ≤ 66.7%
    const chain = await setup(5n * OPEN);
    const ap = AttrParamsRes.decode(await chain.query("/openledger.attribution.v1.Query/Params", AttrParamsReq.encode({}).finish())).params!;
    const attrMsg: Any = { typeUrl: "/openledger.attribution.v1.MsgUpdateParams", value: AttrMsgUpdateParams.encode(AttrMsgUpdateParams.fromPartial({ authority: GOV, params: { ...ap, k: ap.k + 1 } })).finish() };
    ok(await chain.block([submit(chain, proposer, [bankParamsMsg(GOV, false)], 10n * OPEN), submit(chain, proposer, [attrMsg], 10n * OPEN)]));
    ok(await chain.block([vote(chain, v1.key, 1n, YES), vote(chain, v2.key, 1n, NO), vote(chain, v1.key, 2n, YES), vote(chain, v2.key, 2n, NO)]));
    await blocks(chain, 4);
    assert.equal((await proposal(chain, 1n)).status, ST.passed);
    const p2 = await proposal(chain, 2n);
    assert.equal(p2.status, ST.rejected);
    assert.deepEqual(p2.finalTallyResult, { yesCount: (15n * OPEN).toString(), abstainCount: "0", noCount: (10n * OPEN).toString(), noWithVetoCount: "0" });
    const after = AttrParamsRes.decode(await chain.query("/openledger.attribution.v1.Query/Params", AttrParamsReq.encode({}).finish())).params!;
    assert.equal(after.k, ap.k);
  });
});
