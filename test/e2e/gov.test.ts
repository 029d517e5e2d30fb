/**
 * Governance on four real `openledgerd start` processes with a gentx-based genesis (issue 6 item 7),
 * short voting periods from genesis params (24 s, expedited 8 s: the CLI takes seconds per call on a loaded machine). One network, in parallel:
 *  - P1 (submitted with the CLI from a proposal.json) changes auth's max_memo_characters: it passes, and
 *    the new value is in the state of exactly the first block whose time reaches the voting end;
 *  - P2 misses quorum (one validator of four votes): rejected, deposit refunded;
 *  - P3 is vetoed (half the power votes no_with_veto): rejected, deposit burned;
 *  - P4 is expedited, 2 yes / 1 no / 1 abstain misses the 0.667 threshold: it becomes a regular
 *    proposal with voting_end = voting_start + voting_period, and passes with new votes;
 *  - G creates a launchpad grant (3 milestones) from the community pool and P6 claws the third back
 *    to the pool (same voting end, executed after G); the recipient claims the other two, reviewers
 *    approve them and they are paid.
 * Every node ends with the same app hash at every height.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DirectSecp256k1Wallet } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import { QueryParamsRequest as AuthParamsReq, QueryParamsResponse as AuthParamsRes } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { Params as AuthParams } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryBalanceRequest, QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { QueryDepositsRequest, QueryDepositsResponse, QueryProposalRequest, QueryProposalResponse } from "cosmjs-types/cosmos/gov/v1/query";
import type { Proposal } from "cosmjs-types/cosmos/gov/v1/gov";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { Keyring } from "../../cli/keyring/keyring.ts";
import { openledgerRegistry } from "../../cli/cmds/tx/broadcast.ts";
import { accAddressToString, moduleAddress } from "../../modules/core/address.ts";
import { MsgClawback, MsgCreateGrant } from "../../proto/gen/openledger/grants/v1/tx.ts";
import { QueryGrantRequest, QueryGrantResponse } from "../../proto/gen/openledger/grants/v1/query.ts";
import { cli, rpc, waitFor } from "./harness.ts";
import { assertNoFork, type GentxProc, heightOf, launch, setupGentxNet, teardown, waitHeight } from "./bftNet.ts";

const GOV = accAddressToString(moduleAddress("gov"));
const ST = { voting: 2, passed: 3, rejected: 4, failed: 5 } as const;
const OPT = { yes: 1, abstain: 2, no: 3, veto: 4 } as const;
const DEPOSIT = 10_000_000n;
const FEE = { amount: [{ denom: "uopen", amount: "5000" }], gas: "2000000" };

interface Val {
  proc: GentxProc;
  address: string;
  client: SigningStargateClient;
}

describe("e2e: governance on 4 real validators", { timeout: 600_000 }, () => {
  const procs: GentxProc[] = [];
  const vals: Val[] = [];

  const q = (path: string, data: Uint8Array, height?: number) => rpc(procs[0]!.rpcUrl, "abci_query", { path, data: Buffer.from(data).toString("hex"), ...(height !== undefined ? { height: String(height) } : {}) }).then((r) => {
    assert.equal(r.response.code, 0, r.response.log);
    return new Uint8Array(Buffer.from(r.response.value ?? "", "base64"));
  });
  const proposal = async (id: bigint): Promise<Proposal> => QueryProposalResponse.decode(await q("/cosmos.gov.v1.Query/Proposal", QueryProposalRequest.encode({ proposalId: id }).finish())).proposal!;
  const memoMax = async (height: number) => AuthParamsRes.decode(await q("/cosmos.auth.v1beta1.Query/Params", AuthParamsReq.encode({}).finish(), height)).params!.maxMemoCharacters;
  const balance = async (a: string, height?: number) => BigInt(QueryBalanceResponse.decode(await q("/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address: a, denom: "uopen" }).finish(), height)).balance?.amount ?? "0");
  const grant = async (id: bigint) => QueryGrantResponse.decode(await q("/openledger.grants.v1.Query/Grant", QueryGrantRequest.encode({ id }).finish())).grant!;
  const waitStatus = (id: bigint, done: (p: Proposal) => boolean, what: string) => waitFor(what, async () => {
    const p = await proposal(id);
    return done(p) ? p : undefined;
  }, 60_000, 300);

  async function send(v: Val, msgs: { typeUrl: string; value: unknown }[]) {
    const r = await v.client.signAndBroadcast(v.address, msgs, FEE);
    assert.equal(r.code, 0, r.rawLog);
    // the queries below read node 0: let it have the block too
    await waitHeight(procs[0]!, r.height, 30_000);
    return r;
  }
  const vote = (id: bigint, option: number) => ({ typeUrl: "/cosmos.gov.v1.MsgVote", value: { proposalId: id, voter: "", option, metadata: "" } });
  const votes = (v: Val, list: [bigint, number][]) => send(v, list.map(([id, o]) => ({ ...vote(id, o), value: { ...vote(id, o).value, voter: v.address } })));
  const submit = (v: Val, messages: Any[], o: { expedited?: boolean; deposit?: bigint; title: string }) => ({
    typeUrl: "/cosmos.gov.v1.MsgSubmitProposal",
    value: { messages, initialDeposit: [{ denom: "uopen", amount: (o.deposit ?? DEPOSIT).toString() }], proposer: v.address, metadata: "", title: o.title, summary: o.title, expedited: o.expedited ?? false },
  });
  /** the first height whose finalize-block events say `proposal_id` got `result` (EndBlock). */
  async function resultHeight(id: bigint, result: string, from: number): Promise<number> {
    return waitFor(`proposal ${id}: ${result}`, async () => {
      const top = await heightOf(procs[0]!);
      for (let h = from; h <= top; h++) {
        const br = await rpc(procs[0]!.rpcUrl, "block_results", { height: String(h) });
        const hit = (br.finalize_block_events ?? []).some((e: any) => e.type === "active_proposal" && e.attributes.some((a: any) => a.key === "proposal_id" && a.value === id.toString()) && e.attributes.some((a: any) => a.key === "proposal_result" && a.value === result));
        if (hit) return h;
        from = h + 1;
      }
      return undefined;
    }, 60_000, 300);
  }
  const blockTime = async (h: number) => {
    const b = await rpc(procs[0]!.rpcUrl, "block", { height: String(h) });
    return Date.parse(b.block.header.time);
  };
  const ms = (t: { seconds: bigint; nanos: number } | undefined) => Number(t?.seconds ?? 0n) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);

  before(async () => {
    procs.push(
      ...(await setupGentxNet("gov", [], "10000000uopen", (g) => {
        g.app_state.gov.params.voting_period = "24s";
        g.app_state.gov.params.expedited_voting_period = "8s";
      })),
    );
    for (const p of procs) launch(p);
    for (const p of procs) await waitHeight(p, 2, 180_000); // includes the processes' start, slow on a loaded machine
    for (const p of procs) {
      const kr = new Keyring({ home: p.home, backend: "test" });
      const key = kr.resolve("val");
      const wallet = await DirectSecp256k1Wallet.fromKey(await kr.privkey(key.name), "open");
      const client = await SigningStargateClient.connectWithSigner(p.rpcUrl, wallet, { registry: openledgerRegistry(), gasPrice: GasPrice.fromString("0.0025uopen"), broadcastPollIntervalMs: 300 });
      vals.push({ proc: p, address: key.address, client });
    }
  });

  after(async () => {
    for (const v of vals) v.client.disconnect();
    await teardown(procs);
  });

  it("param change at the right height, quorum failure, veto burn, expedited → regular, grant paid twice and clawed back once", { timeout: 480_000 }, async () => {
    const [v0, v1, v2, v3] = vals as [Val, Val, Val, Val];
    // P1 through the CLI: proposal.json → tx gov submit-proposal (val0's home keyring)
    const before = AuthParamsRes.decode(await q("/cosmos.auth.v1beta1.Query/Params", AuthParamsReq.encode({}).finish())).params!;
    assert.equal(before.maxMemoCharacters, 256n);
    const file = join(v0.proc.home, "proposal.json");
    writeFileSync(file, JSON.stringify({
      messages: [{ "@type": "/cosmos.auth.v1beta1.MsgUpdateParams", authority: GOV, params: { ...(AuthParams.toJSON(before) as object), max_memo_characters: "300" } }],
      metadata: "ipfs://p1",
      deposit: `${DEPOSIT}uopen`,
      title: "memo 300",
      summary: "raise auth max_memo_characters to 300",
      expedited: false,
    }));
    const sub = JSON.parse(await cli(["tx", "gov", "submit-proposal", file, "--from", "val", "--keyring-backend", "test", "--home", v0.proc.home, "--node", v0.proc.rpcUrl, "--fees", "5000uopen", "--gas", "2000000", "--yes", "--output", "json"]));
    assert.equal(sub.code, 0, sub.raw_log);
    const start = Number(sub.height);

    // P1's votes right away: val1 with the CLI, the others as txs. All are in before P2..P6 are submitted:
    // val1's later votes (one account sequence) then do not wait for a CLI process, which can take tens of
    // seconds to start on a loaded machine, and P3's veto cannot miss its 24 s voting period
    const cliVote = cli(["tx", "gov", "vote", "1", "yes", "--from", "val", "--keyring-backend", "test", "--home", v1.proc.home, "--node", v1.proc.rpcUrl, "--fees", "5000uopen", "--yes", "--output", "json"]);
    await Promise.all([
      votes(v0, [[1n, OPT.yes]]),
      votes(v2, [[1n, OPT.yes]]),
      votes(v3, [[1n, OPT.no]]),
      cliVote.then(async (out) => {
        const r = JSON.parse(out);
        assert.equal(r.code, 0, r.raw_log);
        await waitHeight(procs[0]!, Number(r.height), 30_000);
      }),
    ]);

    // P2..P4 and the grant G in one tx of val0, which also funds the community pool
    const grantMsg: Any = {
      typeUrl: "/openledger.grants.v1.MsgCreateGrant",
      value: MsgCreateGrant.encode(MsgCreateGrant.fromPartial({ authority: GOV, title: "explorer", recipient: v3.address, reviewers: [v1.address, v2.address], approvalsRequired: 1, milestones: [1n, 2n, 3n].map((n) => ({ description: `m${n}`, amount: [{ denom: "uopen", amount: (n * 1_000_000n).toString() }] })) })).finish(),
    };
    await send(v0, [
      { typeUrl: "/cosmos.distribution.v1beta1.MsgFundCommunityPool", value: { depositor: v0.address, amount: [{ denom: "uopen", amount: "20000000" }] } },
      submit(v0, [], { title: "P2 quorum" }),
      submit(v0, [], { title: "P3 veto" }),
      submit(v0, [], { title: "P4 expedited", expedited: true, deposit: 5n * DEPOSIT }),
      submit(v0, [grantMsg], { title: "G grant" }),
      // P6 claws back the grant's third milestone: same voting end as G, executed right after it (id order)
      submit(v0, [{ typeUrl: "/openledger.grants.v1.MsgClawback", value: MsgClawback.encode(MsgClawback.fromPartial({ authority: GOV, grantId: 1n, milestones: [2] })).finish() }], { title: "P6 clawback" }),
    ]);
    const p4 = await proposal(4n);
    assert.equal(p4.expedited, true);
    assert.equal(ms(p4.votingEndTime) - ms(p4.votingStartTime), 8_000);
    // votes: one tx per validator (the expedited period is short). P4: yes, yes, no, abstain → 2/3 ≤ 0.667
    // (a vote may come after P4's expedited end: then it counts for the regular period, and the expedited
    // tally fails its threshold either way)
    await Promise.all([
      votes(v0, [[2n, OPT.yes], [3n, OPT.veto], [4n, OPT.yes], [5n, OPT.yes], [6n, OPT.yes]]),
      votes(v1, [[3n, OPT.veto], [4n, OPT.yes], [5n, OPT.yes], [6n, OPT.yes]]),
      votes(v2, [[3n, OPT.yes], [4n, OPT.no], [5n, OPT.yes], [6n, OPT.yes]]),
      votes(v3, [[3n, OPT.yes], [4n, OPT.abstain], [5n, OPT.yes], [6n, OPT.yes]]),
    ]);
    const liveTally = JSON.parse(await cli(["query", "gov", "tally", "3", "--node", v2.proc.rpcUrl, "--output", "json"]));
    assert.equal(liveTally.tally.no_with_veto_count, "20000000");

    // P4: expedited fails its 0.667 threshold (2/3 of the non-abstain power) → regular, same deposits
    await resultHeight(4n, "expedited_proposal_rejected", start);
    const p4r = await proposal(4n);
    assert.equal(p4r.status, ST.voting);
    assert.equal(p4r.expedited, false);
    assert.equal(ms(p4r.votingEndTime) - ms(p4r.votingStartTime), 24_000);
    const deps4 = QueryDepositsResponse.decode(await q("/cosmos.gov.v1.Query/Deposits", QueryDepositsRequest.encode({ proposalId: 4n }).finish())).deposits;
    assert.deepEqual(deps4.map((d) => d.amount), [[{ denom: "uopen", amount: (5n * DEPOSIT).toString() }]], "the expedited deposit stays with the converted proposal");
    // its votes were tallied away: vote again, now under the regular threshold
    await Promise.all([votes(v0, [[4n, OPT.yes]]), votes(v1, [[4n, OPT.yes]]), votes(v2, [[4n, OPT.no]])]);

    // P1: passes; the change is in the state of exactly the first block whose time reaches the voting end
    const h1 = await resultHeight(1n, "proposal_passed", start);
    const p1 = await proposal(1n);
    assert.equal(p1.status, ST.passed, p1.failedReason);
    assert.ok((await blockTime(h1)) >= ms(p1.votingEndTime), "executed at or after the voting end");
    assert.ok((await blockTime(h1 - 1)) < ms(p1.votingEndTime), "not executed late");
    assert.equal(await memoMax(h1 - 1), 256n);
    assert.equal(await memoMax(h1), 300n);
    const shown = JSON.parse(await cli(["query", "gov", "proposal", "1", "--node", v3.proc.rpcUrl, "--output", "json"]));
    assert.equal(shown.proposal.status, "PROPOSAL_STATUS_PASSED");
    assert.equal(shown.proposal.messages[0]["@type"], "/cosmos.auth.v1beta1.MsgUpdateParams");
    assert.equal(shown.proposal.messages[0].params.max_memo_characters, "300");

    // P2: 25% voted < 33.4% quorum → rejected, deposit refunded (burn_vote_quorum false)
    const h2 = await resultHeight(2n, "proposal_rejected", start);
    const r2 = await rpc(procs[0]!.rpcUrl, "block_results", { height: String(h2) });
    const events2 = r2.finalize_block_events as { type: string; attributes: { key: string; value: string }[] }[];
    assert.ok(events2.some((e) => e.type === "transfer" && e.attributes.some((a) => a.key === "recipient" && a.value === v0.address) && e.attributes.some((a) => a.key === "amount" && a.value === `${DEPOSIT}uopen`)), "P2's deposit refunded to its proposer");
    // P3: vetoed → rejected, deposit burned (by the gov module account)
    const h3 = await resultHeight(3n, "proposal_rejected", start);
    const p3 = await proposal(3n);
    assert.equal(p3.finalTallyResult?.noWithVetoCount, "20000000");
    const r3 = await rpc(procs[0]!.rpcUrl, "block_results", { height: String(h3) });
    assert.ok((r3.finalize_block_events as any[]).some((e) => e.type === "burn" && e.attributes.some((a: any) => a.key === "burner" && a.value === GOV) && e.attributes.some((a: any) => a.key === "amount" && a.value === `${DEPOSIT}uopen`)), "P3's deposit burned");

    // G funds the grant from the pool and P6 claws its third milestone back in the same EndBlock; then val3
    // claims the other two, each reviewer approves one, and they are paid
    const h5 = await resultHeight(5n, "proposal_passed", start);
    const h6 = await resultHeight(6n, "proposal_passed", start);
    assert.equal(h6, h5);
    const r6 = await rpc(procs[0]!.rpcUrl, "block_results", { height: String(h6) });
    assert.ok((r6.finalize_block_events as any[]).some((e) => e.type === "grant_clawback" && e.attributes.some((a: any) => a.key === "amount" && a.value === "3000000uopen")), "3 OPEN clawed back in the block that executes P6");
    const g = await grant(1n);
    assert.equal(g.recipient, v3.address);
    assert.deepEqual(g.milestones.map((m) => m.status), [1, 1, 4]);
    const escrow = accAddressToString(moduleAddress("grants"));
    assert.equal(await balance(escrow, h6 - 1), 0n);
    assert.equal(await balance(escrow, h6), 3_000_000n, "6 OPEN escrowed from the pool, 3 returned");
    const claimed = JSON.parse(await cli(["tx", "grants", "claim", "1", "0", "--evidence", "ipfs://m0", "--from", "val", "--keyring-backend", "test", "--home", v3.proc.home, "--node", v3.proc.rpcUrl, "--fees", "5000uopen", "--yes", "--output", "json"]));
    assert.equal(claimed.code, 0, claimed.raw_log);
    await waitHeight(procs[0]!, Number(claimed.height), 30_000);
    await send(v3, [{ typeUrl: "/openledger.grants.v1.MsgClaimMilestone", value: { recipient: v3.address, grantId: 1n, milestone: 1, evidence: "ipfs://m1" } }]);
    const b3 = await balance(v3.address);
    await Promise.all([
      send(v1, [{ typeUrl: "/openledger.grants.v1.MsgApproveMilestone", value: { reviewer: v1.address, grantId: 1n, milestone: 0 } }]),
      send(v2, [{ typeUrl: "/openledger.grants.v1.MsgApproveMilestone", value: { reviewer: v2.address, grantId: 1n, milestone: 1 } }]),
    ]);
    assert.equal(await balance(v3.address), b3 + 3_000_000n, "milestones 1 and 2 paid (1 + 2 OPEN)");
    assert.deepEqual((await grant(1n)).milestones.map((m) => m.status), [3, 3, 4]);
    assert.equal(await balance(escrow), 0n);

    // P4 passes as a regular proposal (2 yes / 1 no > 0.5)
    const p4done = await waitStatus(4n, (p) => p.status !== ST.voting, "P4 tallied as a regular proposal");
    assert.equal(p4done.status, ST.passed, p4done.failedReason);
    assert.equal(p4done.expedited, false);

    const top = Math.min(...(await Promise.all(procs.map(heightOf))));
    await assertNoFork(procs, top);
  });
});
