/**
 * Launchpad grants through real blocks: a proposal creates a grant funded by the community pool (escrowed
 * in the grants module account), the recipient claims milestones, the named reviewers approve them and
 * they are paid; a proposal approves one; unpaid ones are clawed back by proposal. Supply never changes
 * (no inflation), and the invariants (grants escrow = unpaid milestones) run after every block.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { QueryBalanceRequest, QueryBalanceResponse, QuerySupplyOfRequest, QuerySupplyOfResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { QueryCommunityPoolRequest, QueryCommunityPoolResponse } from "cosmjs-types/cosmos/distribution/v1beta1/query";
import { MsgFundCommunityPool } from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import { QueryProposalRequest, QueryProposalResponse } from "cosmjs-types/cosmos/gov/v1/query";
import { MsgSubmitProposal, MsgVote } from "cosmjs-types/cosmos/gov/v1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { GOV_AUTHORITY } from "../../../modules/app.ts";
import { accAddressToString, moduleAddress } from "../../../modules/core/address.ts";
import { QueryEscrowRequest, QueryEscrowResponse, QueryGrantRequest, QueryGrantResponse, QueryGrantsRequest, QueryGrantsResponse } from "../../../proto/gen/openledger/grants/v1/query.ts";
import { MsgApproveMilestone, MsgClaimMilestone, MsgClawback, MsgCreateGrant, MsgRejectClaim } from "../../../proto/gen/openledger/grants/v1/tx.ts";
import type { Grant } from "../../../proto/gen/openledger/grants/v1/types.ts";
import { type TestKey, testKey } from "../../harness/txBuilder.ts";
import { type ValChain, createValChain, testValidator } from "../staking/chain.ts";

const OPEN = 1_000_000n;
const GOV = accAddressToString(GOV_AUTHORITY);
const ESCROW = accAddressToString(moduleAddress("grants"));
const v1 = testValidator(81);
const funder = testKey(881);
const builder = testKey(882);
const rev1 = testKey(883);
const rev2 = testKey(884);
const rev3 = testKey(885);
const M = { open: 1, claimed: 2, paid: 3, clawedBack: 4 } as const;

interface Codec<T> {
  encode(m: T): { finish(): Uint8Array };
  fromPartial(o: any): T;
}
const ol = <T,>(name: string, c: Codec<T>, v: unknown): Any => ({ typeUrl: `/openledger.grants.v1.${name}`, value: c.encode(c.fromPartial(v)).finish() });
const sdk = <T,>(c: Codec<T> & { typeUrl: string }, v: unknown): Any => ({ typeUrl: c.typeUrl, value: c.encode(c.fromPartial(v)).finish() });
const uopen = (n: bigint) => [{ denom: "uopen", amount: n.toString() }];

async function setup(): Promise<ValChain> {
  const chain = await createValChain({
    funded: [
      { key: v1.key, amount: 100n * OPEN },
      { key: funder, amount: 1000n * OPEN },
      { key: builder, amount: 1n * OPEN },
      { key: rev1, amount: 1n * OPEN },
      { key: rev2, amount: 1n * OPEN },
      { key: rev3, amount: 1n * OPEN },
    ],
    gentxs: [{ v: v1, amount: 10n * OPEN }],
    edit: (g) => {
      g.gov.params.voting_period = "10s";
      g.gov.params.expedited_voting_period = "5s";
      g.distribution.mint.inflation = "0";
      // no fees or rewards flow into the pool during the test: only what the funder sends
      g.distribution.params.community_tax = "0";
    },
  });
  ok(await chain.block([chain.tx(funder, [sdk(MsgFundCommunityPool, { depositor: funder.bech32, amount: uopen(100n * OPEN) })])]));
  return chain;
}

function ok(r: { txResults: { code: number; log: string; codespace: string }[] }, i = 0): void {
  assert.equal(r.txResults[i]?.code, 0, `${r.txResults[i]?.codespace}: ${r.txResults[i]?.log}`);
}
function code(r: { txResults: { code: number; codespace: string }[] }, i = 0): string {
  return `${r.txResults[i]?.codespace}:${r.txResults[i]?.code}`;
}

/** submits a proposal (by funder), v1 votes yes, waits for the voting end; returns the proposal's final state. */
async function pass(chain: ValChain, messages: Any[]): Promise<{ status: number; failedReason: string }> {
  const r = await chain.block([chain.tx(funder, [sdk(MsgSubmitProposal, { messages, initialDeposit: uopen(10n * OPEN), proposer: funder.bech32, metadata: "", title: "grant", summary: "grant" })])]);
  ok(r);
  const idAttr = r.txResults[0]?.events.find((e) => e.type === "submit_proposal")?.attributes.find((a) => a.key === "proposal_id")?.value;
  const id = BigInt(idAttr ?? "0");
  ok(await chain.block([chain.tx(v1.key, [sdk(MsgVote, { proposalId: id, voter: v1.key.bech32, option: 1, metadata: "" })])]));
  for (let i = 0; i < 3; i++) await chain.block([]);
  const p = QueryProposalResponse.decode(await chain.query("/cosmos.gov.v1.Query/Proposal", QueryProposalRequest.encode({ proposalId: id }).finish())).proposal;
  return { status: p?.status ?? 0, failedReason: p?.failedReason ?? "" };
}

const balance = async (c: ValChain, a: string) => BigInt(QueryBalanceResponse.decode(await c.query("/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address: a, denom: "uopen" }).finish())).balance?.amount ?? "0");
const supply = async (c: ValChain) => BigInt(QuerySupplyOfResponse.decode(await c.query("/cosmos.bank.v1beta1.Query/SupplyOf", QuerySupplyOfRequest.encode({ denom: "uopen" }).finish())).amount?.amount ?? "0");
const pool = async (c: ValChain) => {
  const p = QueryCommunityPoolResponse.decode(await c.query("/cosmos.distribution.v1beta1.Query/CommunityPool", QueryCommunityPoolRequest.encode({}).finish())).pool;
  const a = p.find((x) => x.denom === "uopen")?.amount ?? "0";
  // LegacyDec in proto: 10^18-scaled
  return BigInt(a) / 10n ** 18n;
};
const grant = async (c: ValChain, id: bigint): Promise<Grant> => {
  const g = QueryGrantResponse.decode(await c.query("/openledger.grants.v1.Query/Grant", QueryGrantRequest.encode({ id }).finish())).grant;
  assert.ok(g !== undefined);
  return g;
};
const escrow = async (c: ValChain) => BigInt(QueryEscrowResponse.decode(await c.query("/openledger.grants.v1.Query/Escrow", QueryEscrowRequest.encode({}).finish())).amount.find((x) => x.denom === "uopen")?.amount ?? "0");

const claim = (c: ValChain, id: bigint, m: number, key = builder) => c.tx(key, [ol("MsgClaimMilestone", MsgClaimMilestone, { recipient: key.bech32, grantId: id, milestone: m, evidence: `ipfs://m${m}` })]);
const approve = (c: ValChain, key: TestKey, id: bigint, m: number) => c.tx(key, [ol("MsgApproveMilestone", MsgApproveMilestone, { reviewer: key.bech32, grantId: id, milestone: m })]);
const createGrant = (authority: string, amounts: bigint[], reviewers = [rev1, rev2, rev3], required = 2) =>
  ol("MsgCreateGrant", MsgCreateGrant, { authority, title: "indexer", recipient: builder.bech32, reviewers: reviewers.map((r) => r.bech32), approvalsRequired: required, milestones: amounts.map((a, i) => ({ description: `m${i}`, amount: uopen(a) })) });

describe("launchpad grants through gov and blocks", () => {
  it("a proposal funds a grant from the pool; two milestones are claimed, approved by reviewers and paid; the third is clawed back", async () => {
    const chain = await setup();
    const supply0 = await supply(chain);
    assert.equal(await pool(chain), 100n * OPEN);
    // directly, without gov: refused, nothing moves
    const direct = await chain.block([chain.tx(funder, [createGrant(funder.bech32, [OPEN])])]);
    assert.equal(code(direct), "sdk:4");
    assert.equal(await pool(chain), 100n * OPEN);

    const p = await pass(chain, [createGrant(GOV, [10n * OPEN, 20n * OPEN, 30n * OPEN])]);
    assert.equal(p.status, 3, p.failedReason);
    const g0 = await grant(chain, 1n);
    assert.equal(g0.recipient, builder.bech32);
    assert.deepEqual(g0.milestones.map((m) => m.status), [M.open, M.open, M.open]);
    assert.equal(await pool(chain), 40n * OPEN);
    assert.equal(await escrow(chain), 60n * OPEN);
    assert.equal(await balance(chain, ESCROW), 60n * OPEN);

    // only the recipient claims; only reviewers approve; an unclaimed milestone can't be approved
    assert.equal(code(await chain.block([claim(chain, 1n, 0, rev1)])), "grants:6");
    assert.equal(code(await chain.block([approve(chain, rev1, 1n, 0)])), "grants:5");
    ok(await chain.block([claim(chain, 1n, 0)]));
    assert.equal(code(await chain.block([approve(chain, funder, 1n, 0)])), "grants:7");
    assert.equal(code(await chain.block([claim(chain, 1n, 0)])), "grants:5");
    const b0 = await balance(chain, builder.bech32);
    ok(await chain.block([approve(chain, rev1, 1n, 0)]));
    assert.equal(code(await chain.block([approve(chain, rev1, 1n, 0)])), "grants:8");
    assert.equal((await grant(chain, 1n)).milestones[0]?.status, M.claimed);
    assert.equal(await balance(chain, builder.bech32), b0);
    const paid = await chain.block([approve(chain, rev3, 1n, 0)]);
    ok(paid);
    assert.ok(paid.txResults[0]?.events.some((e) => e.type === "milestone_paid"));
    assert.equal(await balance(chain, builder.bech32), b0 + 10n * OPEN);
    const g1 = await grant(chain, 1n);
    assert.equal(g1.milestones[0]?.status, M.paid);
    assert.deepEqual([...(g1.milestones[0]?.approvals ?? [])].sort(), [rev1.bech32, rev3.bech32].sort());
    assert.equal(g1.milestones[0]?.evidence, "ipfs://m0");

    // milestone 1: a reviewer rejects the first claim, the second claim is approved by two reviewers
    ok(await chain.block([claim(chain, 1n, 1)]));
    ok(await chain.block([chain.tx(rev2, [ol("MsgRejectClaim", MsgRejectClaim, { reviewer: rev2.bech32, grantId: 1n, milestone: 1, reason: "no demo" })])]));
    assert.equal((await grant(chain, 1n)).milestones[1]?.status, M.open);
    ok(await chain.block([claim(chain, 1n, 1)]));
    ok(await chain.block([approve(chain, rev2, 1n, 1), approve(chain, rev1, 1n, 1)]));
    assert.equal(await balance(chain, builder.bech32), b0 + 30n * OPEN);
    assert.equal(await escrow(chain), 30n * OPEN);

    // milestone 2 is clawed back by proposal (even though claimed); the pool gets it back
    ok(await chain.block([claim(chain, 1n, 2)]));
    const cb = await pass(chain, [ol("MsgClawback", MsgClawback, { authority: GOV, grantId: 1n, milestones: [] })]);
    assert.equal(cb.status, 3, cb.failedReason);
    const g2 = await grant(chain, 1n);
    assert.deepEqual(g2.milestones.map((m) => m.status), [M.paid, M.paid, M.clawedBack]);
    assert.equal(await escrow(chain), 0n);
    assert.equal(await pool(chain), 70n * OPEN);
    assert.equal(code(await chain.block([approve(chain, rev1, 1n, 2)])), "grants:5");
    // a second clawback has nothing left: the proposal fails and changes nothing
    const cb2 = await pass(chain, [ol("MsgClawback", MsgClawback, { authority: GOV, grantId: 1n, milestones: [] })]);
    assert.equal(cb2.status, 5);
    assert.match(cb2.failedReason, /no unpaid milestone/);
    assert.equal(await supply(chain), supply0);
    const byRecipient = QueryGrantsResponse.decode(await chain.query("/openledger.grants.v1.Query/Grants", QueryGrantsRequest.encode(QueryGrantsRequest.fromPartial({ recipient: builder.bech32 })).finish())).grants;
    assert.deepEqual(byRecipient.map((g) => g.id), [1n]);
  });

  it("a grant larger than the pool fails its proposal and moves nothing; a proposal can approve a milestone of a grant without reviewers", async () => {
    const chain = await setup();
    const big = await pass(chain, [createGrant(GOV, [60n * OPEN, 60n * OPEN])]);
    assert.equal(big.status, 5);
    assert.match(big.failedReason, /community pool/);
    assert.equal(await pool(chain), 100n * OPEN);
    assert.equal(await escrow(chain), 0n);
    // no reviewers: only the gov authority approves
    const p = await pass(chain, [createGrant(GOV, [5n * OPEN], [], 0)]);
    assert.equal(p.status, 3, p.failedReason);
    ok(await chain.block([claim(chain, 1n, 0)]));
    assert.equal(code(await chain.block([approve(chain, rev1, 1n, 0)])), "grants:7");
    const b0 = await balance(chain, builder.bech32);
    const a = await pass(chain, [ol("MsgApproveMilestone", MsgApproveMilestone, { reviewer: GOV, grantId: 1n, milestone: 0 })]);
    assert.equal(a.status, 3, a.failedReason);
    assert.equal(await balance(chain, builder.bech32), b0 + 5n * OPEN);
    assert.equal((await grant(chain, 1n)).milestones[0]?.status, M.paid);
  });

  it("bad grants are refused at submission (validateBasic of the proposal's message)", async () => {
    const chain = await setup();
    for (const [m, want] of [
      [createGrant(GOV, []), "grants:3"],
      [createGrant(GOV, [OPEN], [rev1, rev1], 1), "grants:3"],
      [createGrant(GOV, [OPEN], [rev1], 2), "grants:3"],
      [createGrant(GOV, [0n]), "grants:4"],
    ] as const) {
      const r = await chain.block([chain.tx(funder, [sdk(MsgSubmitProposal, { messages: [m], initialDeposit: uopen(10n * OPEN), proposer: funder.bech32, metadata: "", title: "t", summary: "s" })])]);
      assert.equal(code(r), want, r.txResults[0]?.log);
    }
  });
});
