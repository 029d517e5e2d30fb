/** distribution through real blocks: fees and inflation → commission + delegator rewards (F1), withdraw, community pool. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  QueryCommunityPoolRequest,
  QueryCommunityPoolResponse,
  QueryDelegationRewardsRequest,
  QueryDelegationRewardsResponse,
  QueryValidatorCommissionRequest,
  QueryValidatorCommissionResponse,
} from "cosmjs-types/cosmos/distribution/v1beta1/query";
import { MsgFundCommunityPool, MsgSetWithdrawAddress, MsgWithdrawDelegatorReward, MsgWithdrawValidatorCommission } from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import { QueryBalanceRequest, QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { MsgDelegate } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { msgSend, testKey } from "../../harness/txBuilder.ts";
import { type ValChain, createValChain, testValidator } from "../staking/chain.ts";

const v1 = testValidator(21);
const del = testKey(621);
const payer = testKey(622);
const sink = testKey(623);
const OPEN = 1_000_000n;
const E18 = 10n ** 18n;

async function setup(inflation = "0"): Promise<ValChain> {
  return createValChain({
    funded: [
      { key: v1.key, amount: 100n * OPEN },
      { key: del, amount: 100n * OPEN },
      { key: payer, amount: 100n * OPEN },
    ],
    gentxs: [{ v: v1, amount: 10n * OPEN }],
    edit: (g) => {
      g.distribution.mint.inflation = inflation;
    },
  });
}

const balance = async (c: ValChain, a: string) => BigInt(QueryBalanceResponse.decode(await c.query("/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address: a, denom: "uopen" }).finish())).balance?.amount ?? "0");
const rewards = async (c: ValChain, d: string, v: string) =>
  QueryDelegationRewardsResponse.decode(await c.query("/cosmos.distribution.v1beta1.Query/DelegationRewards", QueryDelegationRewardsRequest.encode({ delegatorAddress: d, validatorAddress: v }).finish())).rewards;
const pool = async (c: ValChain) => QueryCommunityPoolResponse.decode(await c.query("/cosmos.distribution.v1beta1.Query/CommunityPool", QueryCommunityPoolRequest.encode({}).finish())).pool;
const commission = async (c: ValChain, v: string) =>
  QueryValidatorCommissionResponse.decode(await c.query("/cosmos.distribution.v1beta1.Query/ValidatorCommission", QueryValidatorCommissionRequest.encode({ validatorAddress: v }).finish())).commission?.commission ?? [];

describe("distribution through blocks", () => {
  it("fees of a block are split in the next: 2% community tax, 10% commission, the rest to delegators by stake (F1)", async () => {
    const chain = await setup();
    const vote = { votes: [{ v: v1, power: 10n }] };
    // del delegates 10 OPEN: the validator now has 20 OPEN, half of it del's
    await chain.block([chain.tx(del, [{ typeUrl: MsgDelegate.typeUrl, value: MsgDelegate.encode({ delegatorAddress: del.bech32, validatorAddress: v1.valoper, amount: { denom: "uopen", amount: (10n * OPEN).toString() } }).finish() }])], vote);
    // a send paying a 100,000uopen fee
    await chain.block([chain.tx(payer, [msgSend(payer.bech32, sink.bech32, [{ denom: "uopen", amount: "1" }])], { fee: 100_000n })], vote);
    await chain.block([], { votes: [{ v: v1, power: 20n }] });
    // 100,000 → community 2,000; validator 98,000 → commission 9,800, delegators 88,200 (half each)
    assert.deepEqual(await pool(chain), [{ denom: "uopen", amount: (2000n * E18).toString() }]);
    assert.deepEqual(await commission(chain, v1.valoper), [{ denom: "uopen", amount: (9800n * E18).toString() }]);
    assert.deepEqual(await rewards(chain, del.bech32, v1.valoper), [{ denom: "uopen", amount: (44100n * E18).toString() }]);
    const before = await balance(chain, del.bech32);
    const w = await chain.block([chain.tx(del, [{ typeUrl: MsgWithdrawDelegatorReward.typeUrl, value: MsgWithdrawDelegatorReward.encode({ delegatorAddress: del.bech32, validatorAddress: v1.valoper }).finish() }])], vote);
    assert.equal(w.txResults[0]?.code, 0, w.txResults[0]?.log);
    assert.deepEqual(TxMsgData.decode(w.txResults[0]?.data ?? new Uint8Array()).msgResponses.map((r) => r.typeUrl), ["/cosmos.distribution.v1beta1.MsgWithdrawDelegatorRewardResponse"]);
    assert.equal(await balance(chain, del.bech32), before + 44100n);
    assert.deepEqual(await rewards(chain, del.bech32, v1.valoper), []);
    // commission to the operator's withdraw address
    await chain.block([chain.tx(v1.key, [{ typeUrl: MsgSetWithdrawAddress.typeUrl, value: MsgSetWithdrawAddress.encode({ delegatorAddress: v1.key.bech32, withdrawAddress: sink.bech32 }).finish() }])], vote);
    const sinkBefore = await balance(chain, sink.bech32);
    const c = await chain.block([chain.tx(v1.key, [{ typeUrl: MsgWithdrawValidatorCommission.typeUrl, value: MsgWithdrawValidatorCommission.encode({ validatorAddress: v1.valoper }).finish() }])], vote);
    assert.equal(c.txResults[0]?.code, 0, c.txResults[0]?.log);
    assert.equal(await balance(chain, sink.bech32), sinkBefore + 9800n);
    const again = await chain.block([chain.tx(v1.key, [{ typeUrl: MsgWithdrawValidatorCommission.typeUrl, value: MsgWithdrawValidatorCommission.encode({ validatorAddress: v1.valoper }).finish() }])], vote);
    assert.equal(`${again.txResults[0]?.codespace}:${again.txResults[0]?.code}`, "distribution:7");
  });

  it("inflation mints each block into the fee collector and accrues to delegators; fund-community-pool adds to the pool", async () => {
    const chain = await setup("0.100000000000000000");
    const supply0 = 300n * OPEN;
    const r = await chain.block([], { votes: [{ v: v1, power: 10n }] });
    const minted = (supply0 * 10n) / 100n / 6311520n;
    assert.ok(r.events.some((e) => e.type === "mint" && e.attributes.some((a) => a.key === "amount" && a.value === minted.toString())));
    await chain.block([], { votes: [{ v: v1, power: 10n }] });
    await chain.block([], { votes: [{ v: v1, power: 10n }] });
    const self = await rewards(chain, v1.key.bech32, v1.valoper);
    assert.ok(BigInt(self[0]?.amount ?? "0") > 0n, "the self-delegation earns block rewards");
    const f = await chain.block([chain.tx(payer, [{ typeUrl: MsgFundCommunityPool.typeUrl, value: MsgFundCommunityPool.encode({ depositor: payer.bech32, amount: [{ denom: "uopen", amount: "777" }] }).finish() }])]);
    assert.equal(f.txResults[0]?.code, 0, f.txResults[0]?.log);
    assert.ok(BigInt((await pool(chain))[0]?.amount ?? "0") >= 777n * E18);
  });

  it("votes of unsigned (absent) validators earn nothing; with no signer the fees go to the community pool", async () => {
    const chain = await setup();
    await chain.block([chain.tx(payer, [msgSend(payer.bech32, sink.bech32, [{ denom: "uopen", amount: "1" }])], { fee: 50_000n })]);
    await chain.block([], { votes: [{ v: v1, power: 10n, flag: 1 }] });
    assert.deepEqual(await pool(chain), [{ denom: "uopen", amount: (50_000n * E18).toString() }]);
    assert.deepEqual(await commission(chain, v1.valoper), []);
  });
});
