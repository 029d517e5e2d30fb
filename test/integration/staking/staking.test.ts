/** staking through real blocks: gentx genesis, create/delegate/undelegate/redelegate, validator updates, FAILED txs, genesis round trip. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { QueryDelegationRequest, QueryDelegationResponse, QueryPoolRequest, QueryPoolResponse, QueryUnbondingDelegationRequest, QueryValidatorRequest, QueryValidatorResponse, QueryValidatorsRequest, QueryValidatorsResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import { MsgBeginRedelegate, MsgDelegate, MsgUndelegate } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { QueryBalanceRequest, QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { utf8 } from "../../../modules/core/bytes.ts";
import { msgSend, testKey } from "../../harness/txBuilder.ts";
import { createValChain, msgCreateValidator, testValidator } from "./chain.ts";

const v1 = testValidator(1);
const v2 = testValidator(2);
const del = testKey(601);
const OPEN = 1_000_000n;

const delegate = (d: string, val: string, amount: bigint) => ({ typeUrl: MsgDelegate.typeUrl, value: MsgDelegate.encode({ delegatorAddress: d, validatorAddress: val, amount: { denom: "uopen", amount: amount.toString() } }).finish() });
const undelegate = (d: string, val: string, amount: bigint) => ({ typeUrl: MsgUndelegate.typeUrl, value: MsgUndelegate.encode({ delegatorAddress: d, validatorAddress: val, amount: { denom: "uopen", amount: amount.toString() } }).finish() });
const redelegate = (d: string, src: string, dst: string, amount: bigint) => ({
  typeUrl: MsgBeginRedelegate.typeUrl,
  value: MsgBeginRedelegate.encode({ delegatorAddress: d, validatorSrcAddress: src, validatorDstAddress: dst, amount: { denom: "uopen", amount: amount.toString() } }).finish(),
});

async function setup() {
  return createValChain({
    funded: [
      { key: v1.key, amount: 100n * OPEN },
      { key: v2.key, amount: 100n * OPEN },
      { key: del, amount: 100n * OPEN },
    ].map((f) => ({ key: f.key, amount: f.amount })),
    gentxs: [{ v: v1, amount: 10n * OPEN }],
    edit: (g) => {
      g.staking.params.unbonding_time = "30s";
      g.distribution.mint.inflation = "0.000000000000000000";
    },
  });
}

export async function balance(chain: Awaited<ReturnType<typeof setup>>, addr: string): Promise<bigint> {
  return BigInt(QueryBalanceResponse.decode(await chain.query("/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address: addr, denom: "uopen" }).finish())).balance?.amount ?? "0");
}

describe("staking through blocks", () => {
  it("a gentx genesis bonds its validator and InitChain returns it", async () => {
    const chain = await setup();
    assert.deepEqual(chain.initValidators.map((u) => [Buffer.from(u.pubKey.bytes).toString("hex"), u.pubKey.type, u.power]), [[Buffer.from(v1.consPub).toString("hex"), "ed25519", 10n]]);
    const r = await chain.block([]);
    assert.deepEqual(r.validatorUpdates, [], "no change, no update");
    const vals = QueryValidatorsResponse.decode(await chain.query("/cosmos.staking.v1beta1.Query/Validators", QueryValidatorsRequest.encode({ status: "BOND_STATUS_BONDED" }).finish()));
    assert.equal(vals.validators.length, 1);
    assert.equal(vals.validators[0]?.tokens, (10n * OPEN).toString());
    assert.equal(vals.validators[0]?.delegatorShares, (10n * OPEN * 10n ** 18n).toString(), "shares are LegacyDec: 10^18-scaled on the wire");
    const pool = QueryPoolResponse.decode(await chain.query("/cosmos.staking.v1beta1.Query/Pool", QueryPoolRequest.encode({}).finish())).pool;
    assert.deepEqual(pool, { bondedTokens: "10000000", notBondedTokens: "0" });
  });

  it("create-validator and delegate return validator updates in the same block's EndBlock", async () => {
    const chain = await setup();
    const r1 = await chain.block([chain.tx(v2.key, [msgCreateValidator(v2, 5n * OPEN)])]);
    assert.equal(r1.txResults[0]?.code, 0, r1.txResults[0]?.log);
    assert.deepEqual(r1.validatorUpdates.map((u) => u.power), [5n]);
    assert.ok(r1.events.some((e) => e.type === "complete_unbonding") === false);
    const r2 = await chain.block([chain.tx(del, [delegate(del.bech32, v2.valoper, 7n * OPEN)])]);
    assert.equal(r2.txResults[0]?.code, 0, r2.txResults[0]?.log);
    assert.deepEqual(r2.validatorUpdates.map((u) => [Buffer.from(u.pubKey.bytes).toString("hex"), u.power]), [[Buffer.from(v2.consPub).toString("hex"), 12n]]);
    const d = QueryDelegationResponse.decode(await chain.query("/cosmos.staking.v1beta1.Query/Delegation", QueryDelegationRequest.encode({ delegatorAddr: del.bech32, validatorAddr: v2.valoper }).finish()));
    assert.equal(d.delegationResponse?.balance.amount, (7n * OPEN).toString());
    // a second create-validator with the same operator is FAILED: staking:4
    const r3 = await chain.block([chain.tx(v2.key, [msgCreateValidator(v2, 1n * OPEN)])]);
    assert.equal(`${r3.txResults[0]?.codespace}:${r3.txResults[0]?.code}`, "staking:4");
  });

  it("max_validators keeps the top by power; the one that falls out gets power 0", async () => {
    const chain = await createValChain({
      funded: [{ key: v1.key, amount: 100n * OPEN }, { key: v2.key, amount: 100n * OPEN }],
      gentxs: [{ v: v1, amount: 10n * OPEN }],
      edit: (g) => {
        g.staking.params.max_validators = 1;
        g.distribution.mint.inflation = "0";
      },
    });
    const r = await chain.block([chain.tx(v2.key, [msgCreateValidator(v2, 20n * OPEN)])]);
    const byKey = Object.fromEntries(r.validatorUpdates.map((u) => [Buffer.from(u.pubKey.bytes).toString("hex"), u.power]));
    assert.deepEqual(byKey, { [Buffer.from(v2.consPub).toString("hex")]: 20n, [Buffer.from(v1.consPub).toString("hex")]: 0n });
    const v = QueryValidatorResponse.decode(await chain.query("/cosmos.staking.v1beta1.Query/Validator", QueryValidatorRequest.encode({ validatorAddr: v1.valoper }).finish()));
    assert.equal(v.validator?.status, 2, "unbonding");
  });

  it("undelegate matures after the unbonding time, in EndBlock, and pays the delegator", async () => {
    const chain = await setup();
    await chain.block([chain.tx(del, [delegate(del.bech32, v1.valoper, 4n * OPEN)])]);
    const before = await balance(chain, del.bech32);
    const r = await chain.block([chain.tx(del, [undelegate(del.bech32, v1.valoper, 3n * OPEN)])]);
    assert.equal(r.txResults[0]?.code, 0, r.txResults[0]?.log);
    assert.deepEqual(r.validatorUpdates.map((u) => u.power), [11n]);
    const ubd = await chain.queryRaw("/cosmos.staking.v1beta1.Query/UnbondingDelegation", QueryUnbondingDelegationRequest.encode({ delegatorAddr: del.bech32, validatorAddr: v1.valoper }).finish());
    assert.equal(ubd.code, 0);
    await chain.block([], { advance: 20n });
    assert.equal(await balance(chain, del.bech32), before, "not yet mature");
    const done = await chain.block([], { advance: 10n });
    assert.ok(done.events.some((e) => e.type === "complete_unbonding"));
    assert.equal(await balance(chain, del.bech32), before + 3n * OPEN);
    const gone = await chain.queryRaw("/cosmos.staking.v1beta1.Query/UnbondingDelegation", QueryUnbondingDelegationRequest.encode({ delegatorAddr: del.bech32, validatorAddr: v1.valoper }).finish());
    assert.equal(gone.code, 22);
  });

  it("redelegate moves stake between validators at once; a transitive redelegation is refused", async () => {
    const chain = await setup();
    await chain.block([chain.tx(v2.key, [msgCreateValidator(v2, 5n * OPEN)]), chain.tx(del, [delegate(del.bech32, v1.valoper, 4n * OPEN)])]);
    const r = await chain.block([chain.tx(del, [redelegate(del.bech32, v1.valoper, v2.valoper, 2n * OPEN)])]);
    assert.equal(r.txResults[0]?.code, 0, r.txResults[0]?.log);
    const powers = Object.fromEntries(r.validatorUpdates.map((u) => [Buffer.from(u.pubKey.bytes).toString("hex"), u.power]));
    assert.deepEqual(powers, { [Buffer.from(v1.consPub).toString("hex")]: 12n, [Buffer.from(v2.consPub).toString("hex")]: 7n });
    const t = await chain.block([chain.tx(del, [redelegate(del.bech32, v2.valoper, v1.valoper, 1n * OPEN)])]);
    assert.equal(`${t.txResults[0]?.codespace}:${t.txResults[0]?.code}`, "staking:32");
  });

  it("a FAILED tx leaves no partial state: a send before a bad delegate is discarded", async () => {
    const chain = await setup();
    const other = testKey(602);
    const r = await chain.block([chain.tx(del, [msgSend(del.bech32, other.bech32, [{ denom: "uopen", amount: "5" }]), delegate(del.bech32, v2.valoper, OPEN)])]);
    assert.equal(`${r.txResults[0]?.codespace}:${r.txResults[0]?.code}`, "staking:3");
    assert.equal(await balance(chain, other.bech32), 0n);
    const over = await chain.block([chain.tx(del, [delegate(del.bech32, v1.valoper, 1000n * OPEN)])]);
    assert.equal(`${over.txResults[0]?.codespace}:${over.txResults[0]?.code}`, "sdk:5");
    const d = await chain.queryRaw("/cosmos.staking.v1beta1.Query/Delegation", QueryDelegationRequest.encode({ delegatorAddr: del.bech32, validatorAddr: v1.valoper }).finish());
    assert.equal(d.code, 22);
    assert.match(d.log, /key not found/, "cosmjs reads 'key not found' as no delegation");
  });

  it("genesis export(init(export)) round trips staking, distribution and slashing after activity", async () => {
    const chain = await setup();
    await chain.block([chain.tx(v2.key, [msgCreateValidator(v2, 5n * OPEN)]), chain.tx(del, [delegate(del.bech32, v1.valoper, 4n * OPEN)])], { votes: [{ v: v1, power: 10n }] });
    await chain.block([chain.tx(del, [undelegate(del.bech32, v1.valoper, OPEN)], { fee: 5000n })], { votes: [{ v: v1, power: 14n }, { v: v2, power: 5n }] });
    await chain.block([], { votes: [{ v: v1, power: 13n }, { v: v2, power: 5n }] });
    const exported = await chain.app.exportGenesis();
    const again = await createValChain({ funded: [], edit: (g) => Object.assign(g, JSON.parse(JSON.stringify(exported))) });
    assert.deepEqual(again.initValidators.map((u) => u.power).sort(), [13n, 5n].sort());
    await again.block([]);
    const re = await again.app.exportGenesis();
    for (const m of ["staking", "distribution", "slashing", "bank", "auth"]) assert.deepEqual(re[m], exported[m], m);
    void utf8;
  });
});
