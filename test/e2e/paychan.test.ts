/**
 * Payment channels and treasury from a user's seat: one real node process, every step through the
 * `openledgerd` CLI (tx + query, --output json): open a channel, sign vouchers offline (no node), redeem
 * one partially, the replayed voucher refused with paychan:4 and nothing paid, a second redeem, close,
 * settlement refund after the window; treasury params and an (empty) earnings statement as CSV.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DEV_MNEMONIC, type NodeProc, cleanup, cli, initNode, startNode, waitHeight } from "./harness.ts";

const CHAIN_ID = "openledger-paychan-e2e";
const DEV = "open15yk64u7zc9g9k2yr2wmzeva5qgwxps6y3eah9f";

describe("e2e: payment channels and treasury through the CLI", () => {
  let node: NodeProc | undefined;
  let home = "";
  after(async () => {
    await node?.stop();
    if (home !== "") cleanup(home);
  });

  it("open → offline vouchers → partial redeems (replay refused) → close → settle with refund", async () => {
    // the payee's key first, so that its address can be funded at genesis
    const keyHome = (await import("./harness.ts")).tempHome("paychan-keys");
    const payee = JSON.parse(await cli(["keys", "add", "payee", "--keyring-backend", "test", "--home", keyHome, "--output", "json"]));
    home = await initNode("paychan", CHAIN_ID, [
      { address: DEV, coins: [{ denom: "uopen", amount: "100000000000" }] },
      { address: payee.address, coins: [{ denom: "uopen", amount: "10000000" }] },
    ]);
    await cli(["keys", "add", "dev", "--recover", "--keyring-backend", "test", "--home", home], { input: `${DEV_MNEMONIC}\n` });
    await cli(["keys", "add", "payee", "--recover", "--keyring-backend", "test", "--home", home], { input: `${payee.mnemonic}\n` });
    cleanup(keyHome);
    node = await startNode(home);
    const common = ["--home", home, "--node", node.rpcUrl, "--output", "json"];
    const tx = (args: string[]) => cli(["tx", ...args, "--yes", "--fees", "10000uopen", "--chain-id", CHAIN_ID, "--timeout", "60", "--keyring-backend", "test", ...common]);
    const q = async (args: string[]) => JSON.parse(await cli(["query", ...args, ...common]));
    const balance = async (a: string) => BigInt((await q(["bank", "balances", a])).balances.find((c: { denom: string }) => c.denom === "uopen")?.amount ?? "0");

    await tx(["paychan", "open", "dev", payee.address, "1000000uopen", "--settle-window", "3"]);
    const ch = (await q(["paychan", "channel", "1"])).channel;
    assert.equal(ch.payer, DEV);
    assert.equal(ch.payee, payee.address);
    assert.deepEqual(ch.deposit, { denom: "uopen", amount: "1000000" });

    // vouchers are signed offline: no --node
    const sign = async (nonce: number, amount: number) => {
      const out = await cli(["tx", "paychan", "voucher", "sign", "1", String(nonce), String(amount), "--from", "dev", "--chain-id", CHAIN_ID, "--receipt-root", "11".repeat(32), "--keyring-backend", "test", "--home", home]);
      const file = join(home, `voucher-${nonce}.json`);
      writeFileSync(file, out);
      return file;
    };
    const v1 = await sign(1, 300_000);
    const v2 = await sign(2, 450_000);
    const p0 = await balance(payee.address);
    await tx(["paychan", "redeem", "payee", v1]);
    assert.equal(await balance(payee.address), p0 + 300_000n - 10_000n);
    // the same voucher again: refused in its block with paychan:4, nothing paid
    await assert.rejects(tx(["paychan", "redeem", "payee", v1]), /codespace paychan code 4/);
    assert.equal(await balance(payee.address), p0 + 300_000n - 20_000n);
    await tx(["paychan", "redeem", "payee", v2]);
    assert.equal((await q(["paychan", "channel", "1"])).channel.redeemed, "450000");

    const d0 = await balance(DEV);
    await tx(["paychan", "close", "dev", "1"]);
    // (with 200 ms blocks the 3-block window may already have run out by the time this query answers)
    const closing = (await q(["paychan", "channel", "1"])).channel;
    assert.ok(["CHANNEL_STATUS_CLOSING", "CHANNEL_STATUS_SETTLED"].includes(closing.status), closing.status);
    await waitHeight(node.rpcUrl, Number(closing.settle_height) + 1, 60_000);
    const settled = (await q(["paychan", "channel", "1"])).channel;
    assert.equal(settled.status, "CHANNEL_STATUS_SETTLED");
    assert.equal(settled.refunded, "550000");
    assert.equal(await balance(DEV), d0 - 10_000n + 550_000n, "the rest of the deposit went back to the payer");
    const list = await q(["paychan", "channels", "--address", payee.address]);
    assert.equal(list.channels.length, 1);

    // treasury from the CLI: params, and a CSV statement (header only: nobody earned yet)
    const tp = await q(["treasury", "params"]);
    assert.equal(tp.params.default_policy.contributors_bps, 6000);
    const csv = await cli(["query", "treasury", "earnings", DEV, "--csv", "--home", home, "--node", node.rpcUrl]);
    assert.equal(csv.trim(), "address,epoch,denom,as_contributor,as_trainer,as_provider,claimed,clawed_back,splits");
  });
});
