/**
 * payment channels through real blocks (invariants incl. supply = Σ balances and escrow = open deposits
 * after every block): open with a deposit, partial redeems of cumulative vouchers, close with a settle
 * window, dispute with a higher-nonce voucher, settlement refund; every attack refused with a
 * codespace:code and no state change: replayed, lower-nonce, over-deposit, forged, wrong-chain and
 * post-settlement vouchers, a voucher from the wrong payee, a pubkey that is not the payer's.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { accAddressToString, moduleAddress } from "../../../modules/core/address.ts";
import { sha256 } from "../../../modules/core/hash.ts";
import { utf8 } from "../../../modules/core/bytes.ts";
import { signVoucher, voucherSignBytes } from "../../../modules/paychan/index.ts";
import * as ptx from "../../../proto/gen/openledger/paychan/v1/tx.ts";
import * as pq from "../../../proto/gen/openledger/paychan/v1/query.ts";
import { ChannelStatus, type SignedVoucher } from "../../../proto/gen/openledger/paychan/v1/types.ts";
import { testKey } from "../../harness/txBuilder.ts";
import { type World, anyOf, createWorld, decodeResponse } from "../datanet/helpers.ts";

const P = "/openledger.paychan.v1.";
const pm = {
  open: (v: Partial<ptx.MsgOpenChannel>) => anyOf("MsgOpenChannel", ptx.MsgOpenChannel, v, P),
  topUp: (v: Partial<ptx.MsgTopUp>) => anyOf("MsgTopUp", ptx.MsgTopUp, v, P),
  redeem: (v: Partial<ptx.MsgRedeem>) => anyOf("MsgRedeem", ptx.MsgRedeem, v, P),
  close: (v: Partial<ptx.MsgCloseChannel>) => anyOf("MsgCloseChannel", ptx.MsgCloseChannel, v, P),
  dispute: (v: Partial<ptx.MsgDispute>) => anyOf("MsgDispute", ptx.MsgDispute, v, P),
};
const escrow = accAddressToString(moduleAddress("paychan"));
const root = (i: number) => sha256(utf8(`receipts:${i}`));

async function world() {
  const w = await createWorld({ epochBlocks: 100 });
  const alice = w.actors.alice!; // payer
  const bob = w.actors.bob!; // payee (a provider)
  const voucher = (channelId: bigint, nonce: bigint, amount: bigint, o: { key?: Uint8Array; chainId?: string } = {}): SignedVoucher => {
    const v = { channelId, nonce, amount: amount.toString(), receiptRoot: root(Number(nonce)) };
    return { voucher: v, signature: signVoucher(o.chainId ?? w.chain.chainId, v, o.key ?? alice.key.priv) };
  };
  await w.chain.block([]);
  // the signer's balance changes by the gas fee only (checked apart)
  const state = async (who: string) => JSON.stringify({ p: (await w.chain.app.exportGenesis()).paychan, a: who === "alice" ? "-" : await w.chain.balance(alice.address), b: who === "bob" ? "-" : await w.chain.balance(bob.address), e: await w.chain.balance(escrow) }, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  /** runs a tx that must fail with `code` and change no paychan state or balance (besides the signer's gas fee). */
  const refused = async (who: string, m: ReturnType<typeof pm.redeem>[], code: string, what: string) => {
    const before = await state(who);
    const bal = await w.chain.balance(w.actors[who]!.address);
    const r = await w.run(who, m);
    assert.equal(`${r.codespace}:${r.code}`, code, `${what}: ${r.log}`);
    assert.equal(await state(who), before, `${what}: a refused tx changed state`);
    const spent = bal - (await w.chain.balance(w.actors[who]!.address));
    assert.ok(spent === 10_000n || spent === 0n, `${what}: only the gas fee was taken (${spent})`);
    if (spent === 0n) w.actors[who]!.seq--; // refused before inclusion (CheckTx-level): the sequence is unused
  };
  const channel = async (id: bigint) => (await w.query(`${P}Query/Channel`, pq.QueryChannelRequest, { id }, pq.QueryChannelResponse)).channel!;
  return { w, alice, bob, voucher, refused, channel };
}

async function open(w: World, deposit = 1_000_000n, settleWindow = 3n) {
  const alice = w.actors.alice!;
  const r = await w.ok("alice", [pm.open({ payer: alice.address, payee: w.actors.bob!.address, payerPubkey: alice.key.pub, deposit: { denom: "uopen", amount: deposit.toString() }, settleWindow })]);
  return decodeResponse(r, ptx.MsgOpenChannelResponse).channelId;
}

describe("payment channels through blocks", () => {
  it("open → partial redeems → payer closes → payee disputes with a higher nonce → settle refunds the rest", async () => {
    const { w, alice, bob, voucher, channel } = await world();
    const a0 = await w.chain.balance(alice.address);
    const id = await open(w);
    assert.equal(await w.chain.balance(escrow), 1_000_000n);
    assert.equal(await w.chain.balance(alice.address), a0 - 1_000_000n - 10_000n);
    const b0 = await w.chain.balance(bob.address);
    const r1 = decodeResponse(await w.ok("bob", [pm.redeem({ payee: bob.address, voucher: voucher(id, 1n, 100_000n) })]), ptx.MsgRedeemResponse);
    assert.deepEqual(r1.paid, { denom: "uopen", amount: "100000" });
    // a later voucher is cumulative: only the difference is paid
    const r2 = decodeResponse(await w.ok("bob", [pm.redeem({ payee: bob.address, voucher: voucher(id, 5n, 250_000n) })]), ptx.MsgRedeemResponse);
    assert.deepEqual(r2.paid, { denom: "uopen", amount: "150000" });
    assert.equal(await w.chain.balance(bob.address), b0 + 250_000n - 20_000n);
    await w.ok("alice", [pm.topUp({ payer: alice.address, channelId: id, amount: { denom: "uopen", amount: "500000" } })]);
    const c1 = await channel(id);
    assert.equal(c1.redeemed, "250000");
    assert.equal(c1.nonce, 5n);
    assert.deepEqual(c1.deposit, { denom: "uopen", amount: "1500000" });
    // the payer closes: the settle window starts; the payee answers with its newest voucher
    const close = decodeResponse(await w.ok("alice", [pm.close({ sender: alice.address, channelId: id })]), ptx.MsgCloseChannelResponse);
    assert.equal(close.settleHeight, w.chain.height + 3n);
    const d = decodeResponse(await w.ok("bob", [pm.dispute({ payee: bob.address, voucher: voucher(id, 9n, 900_000n) })]), ptx.MsgDisputeResponse);
    assert.deepEqual(d.paid, { denom: "uopen", amount: "650000" });
    assert.equal((await channel(id)).status, ChannelStatus.CHANNEL_STATUS_CLOSING);
    const aBefore = await w.chain.balance(alice.address);
    await w.advanceTo(close.settleHeight);
    const c2 = await channel(id);
    assert.equal(c2.status, ChannelStatus.CHANNEL_STATUS_SETTLED);
    assert.equal(c2.refunded, "600000");
    assert.equal(await w.chain.balance(alice.address), aBefore + 600_000n, "the rest of the deposit went back to the payer");
    assert.equal(await w.chain.balance(escrow), 0n);
    const list = await w.query(`${P}Query/Channels`, pq.QueryChannelsRequest, { address: bob.address }, pq.QueryChannelsResponse);
    assert.deepEqual(list.channels.map((c) => c.id), [id]);
  });

  it("refuses every voucher attack with a code and no state change", async () => {
    const { w, alice, bob, voucher, refused } = await world();
    const id = await open(w, 1_000_000n, 2n);
    await w.ok("bob", [pm.redeem({ payee: bob.address, voucher: voucher(id, 3n, 300_000n) })]);

    // replayed: the same voucher again
    await refused("bob", [pm.redeem({ payee: bob.address, voucher: voucher(id, 3n, 300_000n) })], "paychan:4", "replayed voucher");
    // lower nonce (even with a higher amount)
    await refused("bob", [pm.redeem({ payee: bob.address, voucher: voucher(id, 2n, 400_000n) })], "paychan:5", "lower-nonce voucher");
    // over-deposit
    await refused("bob", [pm.redeem({ payee: bob.address, voucher: voucher(id, 4n, 1_000_001n) })], "paychan:6", "over-deposit voucher");
    // forged: signed by someone else, or a valid signature over other fields, or for another chain
    await refused("bob", [pm.redeem({ payee: bob.address, voucher: voucher(id, 4n, 500_000n, { key: bob.key.priv }) })], "paychan:3", "voucher signed by the payee");
    const good = voucher(id, 4n, 500_000n);
    await refused("bob", [pm.redeem({ payee: bob.address, voucher: { ...good, voucher: { ...good.voucher!, amount: "900000" } } })], "paychan:3", "amount changed after signing");
    await refused("bob", [pm.redeem({ payee: bob.address, voucher: voucher(id, 4n, 500_000n, { chainId: "other-chain-1" }) })], "paychan:3", "voucher for another chain");
    const flipped = Uint8Array.from(good.signature);
    flipped[10] = (flipped[10] as number) ^ 1;
    await refused("bob", [pm.redeem({ payee: bob.address, voucher: { ...good, signature: flipped } })], "paychan:3", "corrupted signature");
    // the cumulative amount never goes down
    await refused("bob", [pm.redeem({ payee: bob.address, voucher: voucher(id, 6n, 200_000n) })], "paychan:13", "decreasing cumulative amount");
    // only the payee redeems
    await refused("carol", [pm.redeem({ payee: w.actors.carol!.address, voucher: good })], "paychan:9", "a third party redeems");
    // dispute is for closing channels only
    await refused("bob", [pm.dispute({ payee: bob.address, voucher: good })], "paychan:11", "dispute while open");
    // a channel whose key is not the payer's
    await refused("alice", [pm.open({ payer: alice.address, payee: bob.address, payerPubkey: bob.key.pub, deposit: { denom: "uopen", amount: "10" }, settleWindow: 2n })], "paychan:12", "someone else's key");

    // the good voucher still works after all that
    await w.ok("bob", [pm.redeem({ payee: bob.address, voucher: good })]);
    // close, let it settle, then every voucher is refused
    await w.ok("bob", [pm.close({ sender: bob.address, channelId: id })]);
    await w.chain.block([]);
    await w.chain.block([]);
    await refused("bob", [pm.redeem({ payee: bob.address, voucher: voucher(id, 7n, 600_000n) })], "paychan:7", "post-settlement voucher");
    await refused("bob", [pm.dispute({ payee: bob.address, voucher: voucher(id, 8n, 600_000n) })], "paychan:7", "post-settlement dispute");
    await refused("alice", [pm.topUp({ payer: alice.address, channelId: id, amount: { denom: "uopen", amount: "5" } })], "paychan:7", "top-up after settlement");
    await refused("bob", [pm.redeem({ payee: bob.address, voucher: voucher(99n, 1n, 1n) })], "paychan:2", "unknown channel");
  });

  it("documents the canonical sign bytes", () => {
    const b = voucherSignBytes("openledger-dev-1", { channelId: 7n, nonce: 2n, amount: "1500", receiptRoot: new Uint8Array(32).fill(0xab) });
    const hex = Buffer.from(b).toString("hex");
    assert.equal(hex, Buffer.from("openledger.paychan.voucher.v1").toString("hex") + "00" + "10" + Buffer.from("openledger-dev-1").toString("hex") + "0000000000000007" + "0000000000000002" + "04" + Buffer.from("1500").toString("hex") + "ab".repeat(32));
    void testKey;
  });
});
