/**
 * staking HistoricalInfo through real blocks (SDK 0.50 BeginBlock TrackHistoricalInfo): every block keeps
 * its header and the validator set that signed it, the query answers it, a gov change of
 * historical_entries prunes at the next block, and genesis export leaves it out (as the SDK).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as govQ from "cosmjs-types/cosmos/gov/v1/query";
import * as govTx from "cosmjs-types/cosmos/gov/v1/tx";
import { QueryHistoricalInfoRequest, QueryHistoricalInfoResponse, QueryParamsRequest, QueryParamsResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import { MsgUpdateParams } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { GOV_AUTHORITY } from "../../../modules/app.ts";
import { accAddressToString } from "../../../modules/core/address.ts";
import { TEST_CHAIN_ID } from "../../harness/app.ts";
import { testKey } from "../../harness/txBuilder.ts";
import { type ValChain, T0, createValChain, msgCreateValidator, testValidator } from "./chain.ts";

const OPEN = 1_000_000n;
const v1 = testValidator(81);
const v2 = testValidator(82);
const voter = testKey(781);
const PATH = "/cosmos.staking.v1beta1.Query/HistoricalInfo";

async function setup(): Promise<ValChain> {
  return createValChain({
    funded: [
      { key: v1.key, amount: 100n * OPEN },
      { key: v2.key, amount: 100n * OPEN },
      { key: voter, amount: 1000n * OPEN },
    ],
    gentxs: [{ v: v1, amount: 10n * OPEN }],
    edit: (g) => {
      g.gov.params.voting_period = "10s";
      g.gov.params.expedited_voting_period = "5s";
    },
  });
}

async function hist(chain: ValChain, height: bigint) {
  const r = await chain.queryRaw(PATH, QueryHistoricalInfoRequest.encode({ height }).finish());
  if (r.code !== 0) return { code: `${r.codespace}:${r.code}`, log: r.log };
  return { code: "ok", hist: QueryHistoricalInfoResponse.decode(r.value).hist! };
}

async function kept(chain: ValChain): Promise<bigint[]> {
  const out: bigint[] = [];
  for (let h = 1n; h <= chain.height; h++) if ((await hist(chain, h)).code === "ok") out.push(h);
  return out;
}

describe("staking HistoricalInfo through blocks", () => {
  it("each block keeps its header (chain id, height, time, proposer, next validators hash, app hash) and the set that was bonded when it began", async () => {
    const chain = await setup();
    const appHashes = new Map<bigint, Uint8Array>();
    appHashes.set(1n, (await chain.block([])).appHash);
    const created = await chain.block([chain.tx(v2.key, [msgCreateValidator(v2, 20n * OPEN)])]);
    assert.equal(created.txResults[0]?.code, 0, created.txResults[0]?.log);
    appHashes.set(2n, created.appHash);
    appHashes.set(3n, (await chain.block([])).appHash);

    for (const h of [1n, 2n, 3n]) {
      const r = await hist(chain, h);
      assert.equal(r.code, "ok", `height ${h}: ${r.log}`);
      const hdr = r.hist!.header;
      assert.equal(hdr.chainId, TEST_CHAIN_ID);
      assert.equal(hdr.height, h);
      assert.deepEqual(hdr.time, { seconds: T0 + 5n * h, nanos: 0 });
      assert.deepEqual(hdr.proposerAddress, new Uint8Array(20));
      assert.deepEqual(hdr.nextValidatorsHash, new Uint8Array(32));
      if (h > 1n) assert.deepEqual(hdr.appHash, appHashes.get(h - 1n), `height ${h}: app_hash is the previous block's`);
      else assert.equal(hdr.appHash.length, 32, "the first block's app_hash is InitChain's");
    }
    // v2 bonded in block 2's EndBlock: block 2 was signed by v1 alone, block 3 by both (higher power first)
    assert.deepEqual((await hist(chain, 2n)).hist!.valset.map((v) => v.operatorAddress), [v1.valoper]);
    const set3 = (await hist(chain, 3n)).hist!.valset;
    assert.deepEqual(set3.map((v) => [v.operatorAddress, v.tokens, v.status]), [
      [v2.valoper, (20n * OPEN).toString(), 3],
      [v1.valoper, (10n * OPEN).toString(), 3],
    ]);
    assert.equal(set3[0]?.consensusPubkey?.typeUrl, "/cosmos.crypto.ed25519.PubKey");

    assert.deepEqual(await hist(chain, 4n), { code: "sdk:22", log: "rpc error: code = NotFound desc = historical info for height 4 not found: key not found" });
    assert.deepEqual(await hist(chain, -1n), { code: "sdk:18", log: "rpc error: code = InvalidArgument desc = height cannot be negative: invalid request" });

    // genesis export leaves historical info out (SDK)
    const state = await chain.app.exportGenesis();
    assert.doesNotMatch(JSON.stringify(state.staking), /historical_info|\bhist\b/);
  });

  it("a gov proposal lowering historical_entries prunes the excess at the next block; 0 keeps none", async () => {
    const chain = await setup();
    for (let i = 0; i < 3; i++) await chain.block([]);
    const params = QueryParamsResponse.decode(await chain.query("/cosmos.staking.v1beta1.Query/Params", QueryParamsRequest.encode({}).finish())).params!;
    assert.equal(params.historicalEntries, 10000);

    const propose = async (id: bigint, historicalEntries: number) => {
      const msg = MsgUpdateParams.fromPartial({ authority: accAddressToString(GOV_AUTHORITY), params: { ...params, historicalEntries } });
      const submit = govTx.MsgSubmitProposal.fromPartial({
        messages: [{ typeUrl: MsgUpdateParams.typeUrl, value: MsgUpdateParams.encode(msg).finish() }],
        initialDeposit: [{ denom: "uopen", amount: (10n * OPEN).toString() }],
        proposer: voter.bech32,
        metadata: "",
        title: `historical entries ${historicalEntries}`,
        summary: "staking params",
      });
      const s = await chain.block([chain.tx(voter, [{ typeUrl: govTx.MsgSubmitProposal.typeUrl, value: govTx.MsgSubmitProposal.encode(submit).finish() }])]);
      assert.equal(s.txResults[0]?.code, 0, s.txResults[0]?.log);
      const vote = govTx.MsgVote.fromPartial({ proposalId: id, voter: v1.key.bech32, option: 1, metadata: "" });
      const v = await chain.block([chain.tx(v1.key, [{ typeUrl: govTx.MsgVote.typeUrl, value: govTx.MsgVote.encode(vote).finish() }])]);
      assert.equal(v.txResults[0]?.code, 0, v.txResults[0]?.log);
      // voting period 10 s at 5 s a block: the proposal passes in a later block's EndBlock
      for (let i = 0; i < 10; i++) {
        const p = govQ.QueryProposalResponse.decode(await chain.query("/cosmos.gov.v1.Query/Proposal", govQ.QueryProposalRequest.encode({ proposalId: id }).finish())).proposal;
        if (p?.status === 3) return chain.height;
        assert.ok(p !== undefined && p.status <= 2, `proposal ${id}: status ${p?.status} ${p?.failedReason}`);
        await chain.block([]);
      }
      assert.fail(`proposal ${id} did not pass`);
    };

    const passedAt = await propose(1n, 2);
    assert.deepEqual(await kept(chain), Array.from({ length: Number(passedAt) }, (_, i) => BigInt(i + 1)), "nothing pruned while the limit was 10000");
    await chain.block([]);
    assert.deepEqual(await kept(chain), [chain.height - 1n, chain.height], "the next block keeps the last 2 only");
    await chain.block([]);
    assert.deepEqual(await kept(chain), [chain.height - 1n, chain.height]);

    await propose(2n, 0);
    await chain.block([]);
    assert.deepEqual(await kept(chain), [], "historical_entries 0: nothing kept, the old entries dropped");
    assert.equal((await hist(chain, chain.height)).code, "sdk:22");
  });
});
