/** slashing through real blocks: downtime jail + slash + unjail, double-sign slash + tombstone (unbonding entries since the infraction included). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { QuerySigningInfoRequest, QuerySigningInfoResponse } from "cosmjs-types/cosmos/slashing/v1beta1/query";
import { MsgUnjail } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { QueryUnbondingDelegationRequest, QueryUnbondingDelegationResponse, QueryValidatorRequest, QueryValidatorResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import { MsgUndelegate } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { consAddressToString } from "../../../modules/core/address.ts";
import { testKey } from "../../harness/txBuilder.ts";
import { type ValChain, createValChain, testValidator } from "../staking/chain.ts";

const v1 = testValidator(11);
const v2 = testValidator(12);
const del = testKey(611);
const OPEN = 1_000_000n;

async function setup(): Promise<ValChain> {
  return createValChain({
    funded: [
      { key: v1.key, amount: 100n * OPEN },
      { key: v2.key, amount: 100n * OPEN },
      { key: del, amount: 100n * OPEN },
    ],
    gentxs: [
      { v: v1, amount: 50n * OPEN },
      { v: v2, amount: 10n * OPEN },
    ],
    edit: (g) => {
      g.slashing.params.signed_blocks_window = "10";
      g.slashing.params.min_signed_per_window = "0.500000000000000000";
      g.slashing.params.downtime_jail_duration = "60s";
      g.staking.params.unbonding_time = "1000s";
      g.distribution.mint.inflation = "0";
    },
  });
}

const validator = async (chain: ValChain, valoper: string) => QueryValidatorResponse.decode(await chain.query("/cosmos.staking.v1beta1.Query/Validator", QueryValidatorRequest.encode({ validatorAddr: valoper }).finish())).validator;
const signingInfo = async (chain: ValChain, cons: Uint8Array) =>
  QuerySigningInfoResponse.decode(await chain.query("/cosmos.slashing.v1beta1.Query/SigningInfo", QuerySigningInfoRequest.encode({ consAddress: consAddressToString(cons) }).finish())).valSigningInfo;
const unjail = (valoper: string) => ({ typeUrl: MsgUnjail.typeUrl, value: MsgUnjail.encode({ validatorAddr: valoper }).finish() });

describe("slashing through blocks", () => {
  it("missing more than the window allows jails and slashes the validator; unjail works after the jail time", async () => {
    const chain = await setup();
    let jailedAt = -1n;
    let update: bigint | undefined;
    for (let i = 0; i < 20 && jailedAt < 0n; i++) {
      const r = await chain.block([], { votes: [{ v: v1, power: 50n }, { v: v2, power: 10n, flag: 1 }] });
      if (r.events.some((e) => e.type === "slash" && e.attributes.some((a) => a.key === "reason" && a.value === "missing_signature"))) {
        jailedAt = chain.height;
        update = r.validatorUpdates.find((u) => Buffer.from(u.pubKey.bytes).equals(Buffer.from(v2.consPub)))?.power;
      }
    }
    // window 10, min signed 50% → max 5 missed; the first check is at height > start(1) + window
    assert.equal(jailedAt, 12n);
    assert.equal(update, 0n, "EndBlock of the jailing block removes it from the set");
    const v = await validator(chain, v2.valoper);
    assert.equal(v?.jailed, true);
    assert.equal(v?.tokens, (10n * OPEN - (10n * OPEN) / 100n).toString(), "1% downtime slash");
    const info = await signingInfo(chain, v2.cons);
    assert.equal(info?.missedBlocksCounter, 0n);
    // too early
    const early = await chain.block([chain.tx(v2.key, [unjail(v2.valoper)])], { votes: [{ v: v1, power: 50n }] });
    assert.equal(`${early.txResults[0]?.codespace}:${early.txResults[0]?.code}`, "slashing:4");
    await chain.block([], { votes: [{ v: v1, power: 50n }], advance: 60n });
    const ok = await chain.block([chain.tx(v2.key, [unjail(v2.valoper)])], { votes: [{ v: v1, power: 50n }] });
    assert.equal(ok.txResults[0]?.code, 0, ok.txResults[0]?.log);
    assert.deepEqual(ok.validatorUpdates.map((u) => u.power), [9n], "back in the set with its slashed power");
    assert.equal((await validator(chain, v2.valoper))?.status, 3);
  });

  it("duplicate-vote evidence slashes 5%, jails forever and tombstones", async () => {
    const chain = await setup();
    await chain.block([], { votes: [{ v: v1, power: 50n }, { v: v2, power: 10n }] });
    const infraction = chain.height; // 1
    await chain.block([]);
    const r = await chain.block([], {
      votes: [{ v: v1, power: 50n }, { v: v2, power: 10n }],
      misbehavior: [{ type: "duplicate_vote", validator: { address: v2.cons, power: 10n }, height: infraction + 1n, time: { seconds: chain.time, nanos: 0 }, totalVotingPower: 60n }],
    });
    assert.ok(r.events.some((e) => e.type === "slash" && e.attributes.some((a) => a.value === "double_sign")));
    assert.deepEqual(r.validatorUpdates.map((u) => u.power), [0n]);
    const v = await validator(chain, v2.valoper);
    assert.equal(v?.jailed, true);
    assert.equal(v?.tokens, (10n * OPEN - (10n * OPEN * 5n) / 100n).toString());
    const info = await signingInfo(chain, v2.cons);
    assert.equal(info?.tombstoned, true);
    assert.equal(info?.jailedUntil.seconds, 253402300799n);
    // a second piece of evidence does nothing more
    const again = await chain.block([], { misbehavior: [{ type: "duplicate_vote", validator: { address: v2.cons, power: 10n }, height: infraction + 1n, time: { seconds: chain.time, nanos: 0 }, totalVotingPower: 60n }] });
    assert.ok(!again.events.some((e) => e.type === "slash"));
    // tombstoned validators never unjail
    const u = await chain.block([chain.tx(v2.key, [unjail(v2.valoper)])], { advance: 100000n });
    assert.equal(`${u.txResults[0]?.codespace}:${u.txResults[0]?.code}`, "slashing:4");
  });

  it("light-client-attack misbehavior is handled like a duplicate vote (SDK 0.50 x/evidence): slash 5%, jail forever, tombstone", async () => {
    const chain = await setup();
    await chain.block([], { votes: [{ v: v1, power: 50n }, { v: v2, power: 10n }] });
    const common = chain.height;
    await chain.block([]);
    const r = await chain.block([], {
      votes: [{ v: v1, power: 50n }, { v: v2, power: 10n }],
      misbehavior: [{ type: "light_client_attack", validator: { address: v2.cons, power: 10n }, height: common + 1n, time: { seconds: chain.time, nanos: 0 }, totalVotingPower: 60n }],
    });
    assert.ok(r.events.some((e) => e.type === "slash" && e.attributes.some((a) => a.value === "double_sign")));
    assert.deepEqual(r.validatorUpdates.map((u) => u.power), [0n]);
    const v = await validator(chain, v2.valoper);
    assert.equal(v?.jailed, true);
    assert.equal(v?.tokens, (10n * OPEN - (10n * OPEN * 5n) / 100n).toString());
    assert.equal((await signingInfo(chain, v2.cons))?.tombstoned, true);
    assert.equal((await validator(chain, v1.valoper))?.jailed, false, "only the listed validator");
  });

  it("an unbonding delegation created after the infraction height is slashed by the double-sign fraction", async () => {
    const chain = await setup();
    const { MsgDelegate } = await import("cosmjs-types/cosmos/staking/v1beta1/tx");
    await chain.block([chain.tx(del, [{ typeUrl: MsgDelegate.typeUrl, value: MsgDelegate.encode({ delegatorAddress: del.bech32, validatorAddress: v2.valoper, amount: { denom: "uopen", amount: (10n * OPEN).toString() } }).finish() }])]);
    const infraction = chain.height + 1n;
    await chain.block([]);
    await chain.block([chain.tx(del, [{ typeUrl: MsgUndelegate.typeUrl, value: MsgUndelegate.encode({ delegatorAddress: del.bech32, validatorAddress: v2.valoper, amount: { denom: "uopen", amount: (4n * OPEN).toString() } }).finish() }])]);
    await chain.block([], { misbehavior: [{ type: "duplicate_vote", validator: { address: v2.cons, power: 20n }, height: infraction, time: { seconds: chain.time, nanos: 0 }, totalVotingPower: 70n }] });
    const ubd = QueryUnbondingDelegationResponse.decode(await chain.query("/cosmos.staking.v1beta1.Query/UnbondingDelegation", QueryUnbondingDelegationRequest.encode({ delegatorAddr: del.bech32, validatorAddr: v2.valoper }).finish())).unbond;
    assert.equal(ubd?.entries[0]?.balance, (4n * OPEN - (4n * OPEN * 5n) / 100n).toString());
    // the validator loses the rest of the 5% of 20 power: 1,000,000 − 200,000 from the unbonding
    const v = await validator(chain, v2.valoper);
    assert.equal(v?.tokens, (16n * OPEN - (20n * OPEN * 5n) / 100n + (4n * OPEN * 5n) / 100n).toString());
  });
});
