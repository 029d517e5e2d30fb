/**
 * treasury through real blocks (invariants, supply = Σ balances included, checked after every block):
 * split conservation for random policies and fees (balances, community pool through distribution's
 * query, supply change = burn), policy authority and validation, vesting over epochs + claim +
 * clawback on an upheld datanet challenge, earnings statements, genesis round trip.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { accAddressFromString } from "../../../modules/core/address.ts";
import * as tq from "../../../proto/gen/openledger/treasury/v1/query.ts";
import * as ttx from "../../../proto/gen/openledger/treasury/v1/tx.ts";
import { decodeResponse, msgs } from "../datanet/helpers.ts";
import { T, attrs, communityPool, earnings, freshAddr, rng, setupModel, supplyOf, tmsg, treasuryAddr, vesting } from "./helpers.ts";

const EV = "openledger.treasury.v1.EventFeeSplit";

describe("treasury through blocks", () => {
  it("splits random fees under random policies with no unit lost or created (balances, community pool, supply)", async () => {
    const { w, queue, modelId } = await setupModel();
    const a = w.actors;
    const bob = a.bob!.address;
    const provider = freshAddr(1);
    const trainer = freshAddr(2);
    const payer = a.alice!.address;
    const next = rng(20261122);
    // the policy registered with the model applies until treasury has one
    const p0 = await w.query(`${T}Query/FeePolicy`, tq.QueryFeePolicyRequest, { modelId }, tq.QueryFeePolicyResponse);
    assert.equal(p0.source, "model");
    assert.deepEqual(p0.policy, { contributorsBps: 7000, trainerBps: 1000, providerBps: 1000, communityBps: 1000, burnBps: 0 });

    for (let round = 0; round < 6; round++) {
      // a random policy: five cuts of 10000
      const cuts = [0, 10_000, ...Array.from({ length: 4 }, () => next() % 10_001)].sort((x, y) => x - y);
      const parts = cuts.slice(1).map((c, i) => c - (cuts[i] as number));
      const policy = { contributorsBps: parts[0]!, trainerBps: parts[1]!, providerBps: parts[2]!, communityBps: parts[3]!, burnBps: parts[4]! };
      await w.ok("bob", [tmsg.setPolicy({ authority: bob, modelId, policy })]);
      await w.chain.block([]); // no gas fees in the fee collector when the measured block starts
      const before = {
        payer: await w.chain.balance(payer),
        provider: await w.chain.balance(provider),
        trainer: await w.chain.balance(trainer),
        vesting: await w.chain.balance(treasuryAddr),
        pool: await communityPool(w),
        supply: await supplyOf(w),
        contributors: await Promise.all(["carol", "dave", "erin"].map((n) => w.chain.balance(a[n]!.address))),
      };
      const fees: bigint[] = [];
      const n = 1 + (next() % 5);
      for (let i = 0; i < n; i++) {
        const fee = BigInt(next() % 100_000) * (i === 0 ? 1n : BigInt(1 + (next() % 3)));
        fees.push(fee);
        const q = [next() % 1200, next() % 1200, next() % 1200, 0];
        queue.push({ payer: accAddressFromString(payer), provider: accAddressFromString(provider), trainer: accAddressFromString(trainer), modelId, queryEmbedding: Int16Array.from(q), label: next() % 3, fee: { denom: "uopen", amount: fee } });
      }
      const res = await w.chain.block([]);
      const splits = res.events.filter((e) => e.type === EV).map(attrs);
      assert.equal(splits.length, n);
      const sum = { c: 0n, t: 0n, p: 0n, pool: 0n, burn: 0n };
      splits.forEach((s, i) => {
        const parts = [s.contributors, s.trainer, s.provider, s.community, s.burned].map((x: string) => BigInt(x));
        assert.equal(parts.reduce((x, y) => x + y, 0n), fees[i], `round ${round} split ${i}: the parts sum to the fee`);
        assert.equal(BigInt(s.fee), fees[i]);
        // each part is within one unit of its exact share (largest remainder), except an unassignable contributor part
        const exact = (bps: number) => (fees[i]! * BigInt(bps)) / 10_000n;
        for (const [got, bps] of [[parts[1], policy.trainerBps], [parts[2], policy.providerBps], [parts[4], policy.burnBps]] as [bigint, number][]) assert.ok(got! - exact(bps) >= 0n && got! - exact(bps) <= 1n, `part ${got} vs ${bps} bps of ${fees[i]}`);
        sum.c += parts[0]!;
        sum.t += parts[1]!;
        sum.p += parts[2]!;
        sum.pool += parts[3]!;
        sum.burn += parts[4]!;
      });
      const total = fees.reduce((x, y) => x + y, 0n);
      assert.equal(await w.chain.balance(payer), before.payer - total, "the payer paid the fees");
      assert.equal(await w.chain.balance(provider), before.provider + sum.p);
      assert.equal(await w.chain.balance(trainer), before.trainer + sum.t);
      assert.equal(await w.chain.balance(treasuryAddr), before.vesting + sum.c, "contributor rewards vest in the treasury account");
      assert.equal(await communityPool(w), before.pool + sum.pool, "distribution's community pool received the community part");
      assert.equal(await supplyOf(w), before.supply - sum.burn, "supply changed only by the burn");
      // contributors are not paid before vesting
      const after = await Promise.all(["carol", "dave", "erin"].map((nm) => w.chain.balance(a[nm]!.address)));
      assert.deepEqual(after, before.contributors);
    }
    // genesis round trip keeps treasury state
    const g = await w.chain.app.exportGenesis();
    assert.ok(Array.isArray((g.treasury as any).vesting) && (g.treasury as any).vesting.length > 0);
    assert.ok((g.treasury as any).policies.length === 1);
  });

  it("only the model owner or gov sets a policy; parts must sum to 10000; no state change on refusal", async () => {
    const { w, modelId } = await setupModel();
    const carol = w.actors.carol!.address;
    const bob = w.actors.bob!.address;
    const good = { contributorsBps: 5000, trainerBps: 2000, providerBps: 2000, communityBps: 500, burnBps: 500 };
    const state = async () => JSON.stringify((await w.chain.app.exportGenesis()).treasury);
    const s0 = await state();
    const r1 = await w.run("carol", [tmsg.setPolicy({ authority: carol, modelId, policy: good })]);
    assert.equal(`${r1.codespace}:${r1.code}`, "treasury:4");
    const r2 = await w.run("bob", [tmsg.setPolicy({ authority: bob, modelId, policy: { ...good, burnBps: 400 } })]);
    assert.equal(`${r2.codespace}:${r2.code}`, "treasury:2");
    w.actors.bob!.seq--; // refused by validateBasic: never included, the sequence is not used
    const r3 = await w.run("bob", [tmsg.setPolicy({ authority: bob, modelId: 99n, policy: good })]);
    assert.equal(`${r3.codespace}:${r3.code}`, "treasury:3");
    const r4 = await w.run("carol", [tmsg.updateParams({ authority: carol, params: { defaultPolicy: good, vestingEpochs: 1n } })]);
    assert.equal(`${r4.codespace}:${r4.code}`, "sdk:4");
    assert.equal(await state(), s0, "refused txs changed no treasury state");
    await w.ok("bob", [tmsg.setPolicy({ authority: bob, modelId, policy: good })]);
    const p = await w.query(`${T}Query/FeePolicy`, tq.QueryFeePolicyRequest, { modelId }, tq.QueryFeePolicyResponse);
    assert.equal(p.source, "treasury");
    assert.equal(p.setBy, bob);
    assert.deepEqual(p.policy, good);
  });

  it("contributor rewards vest over epochs; claim pays the vested part; an upheld challenge claws back the unvested rest to the community pool", async () => {
    // epochs of 5 blocks, rewards vest over 4 epochs
    const { w, queue, modelId } = await setupModel({ epochBlocks: 5, vestingEpochs: 4 });
    const a = w.actors;
    const provider = freshAddr(3);
    const carol = a.carol!.address;
    // the query sits on carol's points
    for (let i = 0; i < 4; i++) queue.push({ payer: accAddressFromString(a.alice!.address), provider: accAddressFromString(provider), modelId, queryEmbedding: Int16Array.from([1000, 50, 0, 0]), label: 0, fee: { denom: "uopen", amount: 100_000n } });
    const res = await w.chain.block([]);
    const splitEpoch = (w.chain.height - 1n) / 5n;
    assert.equal(res.events.filter((e) => e.type === EV).length, 4);
    const v0 = await vesting(w, carol);
    assert.equal(v0.entries.length, 1);
    const earned = BigInt(v0.entries[0]!.total);
    assert.ok(earned > 0n, "carol earned as a contributor");
    assert.deepEqual(v0.claimable, []);

    // same epoch: nothing to claim, the claim succeeds with nothing
    const c0 = decodeResponse(await w.ok("carol", [tmsg.claim({ claimant: carol })]), ttx.MsgClaimResponse);
    assert.deepEqual(c0.amount, []);

    // two epochs later: half vested
    await w.advanceTo((splitEpoch + 2n) * 5n + 1n);
    const v1 = await vesting(w, carol);
    assert.equal(v1.currentEpoch, splitEpoch + 2n);
    const half = (earned * 2n) / 4n;
    assert.deepEqual(v1.claimable, [{ denom: "uopen", amount: half.toString() }]);
    const bal0 = await w.chain.balance(carol);
    const c1 = decodeResponse(await w.ok("carol", [tmsg.claim({ claimant: carol })]), ttx.MsgClaimResponse);
    assert.deepEqual(c1.amount, [{ denom: "uopen", amount: half.toString() }]);
    assert.equal(await w.chain.balance(carol), bal0 + half - 10_000n, "paid the vested half (minus the tx fee)");

    // one more epoch: another quarter vests but is not claimed; then fraud is proven
    await w.advanceTo((splitEpoch + 3n) * 5n + 1n);
    await w.ok("dave", [msgs.challenge({ challenger: a.dave!.address, contributionId: 1n, reason: "flipped labels" })]);
    await w.chain.block([]);
    const pool0 = await communityPool(w);
    const vested3 = (earned * 3n) / 4n;
    const res2 = await w.ok("alice", [msgs.resolve({ authority: a.alice!.address, challengeId: 1n, uphold: true })]);
    const claw = res2.events.find((e) => e.type === "openledger.treasury.v1.EventClawback");
    assert.ok(claw, "clawback event");
    assert.equal(attrs(claw).amount, `${earned - vested3}uopen`);
    // the unvested quarter went to the pool (plus the slashed stake if datanet routes it there)
    assert.ok((await communityPool(w)) - pool0 >= earned - vested3);
    const v2 = await vesting(w, carol);
    assert.deepEqual(v2.unvested, []);
    assert.deepEqual(v2.claimable, [{ denom: "uopen", amount: (vested3 - half).toString() }], "what had vested stays claimable");
    // later epochs vest nothing more
    await w.advanceTo((splitEpoch + 6n) * 5n + 1n);
    const c2 = decodeResponse(await w.ok("carol", [tmsg.claim({ claimant: carol })]), ttx.MsgClaimResponse);
    assert.deepEqual(c2.amount, [{ denom: "uopen", amount: (vested3 - half).toString() }]);
    assert.equal((await vesting(w, carol)).entries.length, 0);

    // the earnings statement: earned in the split epoch, claimed and clawed back later
    const rows = await earnings(w, carol);
    const byEpoch = new Map(rows.map((r) => [r.epoch, r]));
    assert.equal(byEpoch.get(splitEpoch)?.asContributor, earned.toString());
    assert.equal(byEpoch.get(splitEpoch)?.splits, 4n);
    assert.equal(byEpoch.get(splitEpoch + 2n)?.claimed, half.toString());
    assert.equal(byEpoch.get(splitEpoch + 3n)?.clawedBack, (earned - vested3).toString());
    const sumClaimed = rows.reduce((s, r) => s + BigInt(r.claimed), 0n);
    assert.equal(sumClaimed + rows.reduce((s, r) => s + BigInt(r.clawedBack), 0n), earned, "claimed + clawed back = earned");
    // the provider's statement
    const prow = await earnings(w, provider);
    assert.equal(prow.length, 1);
    assert.equal(prow[0]!.splits, 4n);

    // the slashed point is no longer paid: its value (the receipt's remainder) goes to the community pool, not to the others
    queue.push({ payer: accAddressFromString(a.alice!.address), provider: accAddressFromString(provider), modelId, queryEmbedding: Int16Array.from([1000, 50, 0, 0]), label: 0, fee: { denom: "uopen", amount: 100_000n } });
    const res3 = await w.chain.block([]);
    const s3 = attrs(res3.events.find((e) => e.type === EV)!);
    const receipt = res3.events.find((e) => e.type === "openledger.attribution.v1.EventInferenceAttributed");
    assert.ok(receipt);
    assert.equal(BigInt(s3.contributors) + BigInt(s3.trainer) + BigInt(s3.provider) + BigInt(s3.community) + BigInt(s3.burned), 100_000n);
    assert.ok(BigInt(s3.community) > 10_000n, `the slashed point's value went to the pool (community ${s3.community})`);
  });
});
