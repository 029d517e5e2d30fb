/**
 * The real node process driven by the unmodified CosmJS client (SigningStargateClient) and by the CLI.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient, StargateClient, assertIsDeliverTxSuccess } from "@cosmjs/stargate";
import { stringToPath } from "@cosmjs/crypto";
import { DEV_MNEMONIC, cleanup, cli, initNode, rpc, startNode, waitHeight, type NodeProc } from "./harness.ts";

const CHAIN_ID = "openledger-e2e-1";
const RECIPIENT_MNEMONIC =
  "economy stock theory fatal elder harbor betray wasp final emotion task crumble siren bottom lizard educate guess current outdoor pair theory focus wife stone";

async function wallet(mnemonic: string) {
  return await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: "open", hdPaths: [stringToPath("m/44'/118'/0'/0/0")] });
}

describe("e2e/cosmjs: single validator driven by SigningStargateClient and the CLI", () => {
  let node: NodeProc;
  let home: string;
  let dev: string;
  let recipient: string;
  let client: SigningStargateClient;

  before(async () => {
    const w = await wallet(DEV_MNEMONIC);
    dev = (await w.getAccounts())[0]!.address;
    recipient = (await (await wallet(RECIPIENT_MNEMONIC)).getAccounts())[0]!.address;
    home = await initNode("cosmjs", CHAIN_ID, [{ address: dev, coins: [{ denom: "uopen", amount: "1000000000000" }] }]);
    node = await startNode(home);
    client = await SigningStargateClient.connectWithSigner(node.rpcUrl, w, {
      gasPrice: GasPrice.fromString("0.025uopen"),
      broadcastPollIntervalMs: 200,
      broadcastTimeoutMs: 30_000,
    });
  });

  after(async () => {
    client?.disconnect();
    await node?.stop();
    if (home) cleanup(home);
  });

  it("reports the chain id and height", async () => {
    assert.equal(await client.getChainId(), CHAIN_ID);
    assert.ok((await client.getHeight()) >= 1);
  });

  it("sendTokens with an explicit fee is committed, searchable and moves the balance", async () => {
    const fee = { amount: [{ denom: "uopen", amount: "5000" }], gas: "200000" };
    const res = await client.sendTokens(dev, recipient, [{ denom: "uopen", amount: "1234" }], fee, "first send");
    assertIsDeliverTxSuccess(res);
    assert.equal(res.gasWanted, 200000n);
    assert.ok(res.gasUsed > 0n && res.gasUsed <= 200000n, `gasUsed ${res.gasUsed}`);
    assert.equal(res.msgResponses[0]?.typeUrl, "/cosmos.bank.v1beta1.MsgSendResponse");
    const bal = await client.getBalance(recipient, "uopen");
    assert.equal(bal.amount, "1234");
    const tx = await client.getTx(res.transactionHash);
    assert.ok(tx, "getTx found the tx");
    assert.equal(tx.height, res.height);
    assert.equal(tx.code, 0);
    const found = await client.searchTx(`message.sender='${dev}'`);
    assert.ok(found.some((t) => t.hash === res.transactionHash), "searchTx by sender finds it");
    const byRecipient = await client.searchTx(`transfer.recipient='${recipient}'`);
    assert.ok(byRecipient.some((t) => t.hash === res.transactionHash), "searchTx by recipient finds it");
    const block = await client.getBlock(res.height);
    assert.equal(block.header.height, res.height);
    assert.equal(block.header.chainId, CHAIN_ID);
    assert.equal(block.txs.length >= 1, true);
    const acct = await client.getAccount(dev);
    assert.ok(acct);
    assert.equal(acct.sequence, 1);
    assert.ok(acct.pubkey, "pubkey set after the first signature");
  });

  it("sendTokens with fee \"auto\" simulates, then commits", async () => {
    const before = BigInt((await client.getBalance(recipient, "uopen")).amount);
    const res = await client.sendTokens(dev, recipient, [{ denom: "uopen", amount: "1000" }], "auto");
    assertIsDeliverTxSuccess(res);
    assert.ok(res.gasUsed <= res.gasWanted, `auto gas ${res.gasUsed} <= ${res.gasWanted}`);
    const afterBal = BigInt((await client.getBalance(recipient, "uopen")).amount);
    assert.equal(afterBal - before, 1000n);
  });

  it("a send beyond the balance is FAILED in its block: fee and sequence consumed, nothing else", async () => {
    const rw = await wallet(RECIPIENT_MNEMONIC);
    const rc = await SigningStargateClient.connectWithSigner(node.rpcUrl, rw, { broadcastPollIntervalMs: 200 });
    try {
      const balBefore = BigInt((await rc.getBalance(recipient, "uopen")).amount);
      const devBefore = BigInt((await rc.getBalance(dev, "uopen")).amount);
      const fee = { amount: [{ denom: "uopen", amount: "500" }], gas: "100000" };
      const res = await rc.sendTokens(recipient, dev, [{ denom: "uopen", amount: "999999999" }], fee);
      assert.equal(res.code, 5, `code ${res.code} log ${res.rawLog}`);
      const balAfter = BigInt((await rc.getBalance(recipient, "uopen")).amount);
      assert.equal(balBefore - balAfter, 500n, "only the fee left the account");
      assert.equal(BigInt((await rc.getBalance(dev, "uopen")).amount), devBefore, "recipient unchanged");
      const acct = await rc.getAccount(recipient);
      assert.equal(acct?.sequence, 1, "sequence consumed");
      const tx = await rc.getTx(res.transactionHash);
      assert.equal(tx?.code, 5, "failed tx is indexed");
    } finally {
      rc.disconnect();
    }
  });

  it("getAccount of an unknown address is null and its balance is zero", async () => {
    const unknown = "open1qyqszqgpqyqszqgpqyqszqgpqyqszqgp9cnx3t";
    assert.equal(await client.getAccount(unknown), null);
    assert.equal((await client.getBalance(unknown, "uopen")).amount, "0");
  });

  it("the CLI sends, queries with --output json and verifies a --prove query", async () => {
    await cli(["keys", "add", "dev", "--recover", "--keyring-backend", "test", "--home", home], { input: `${DEV_MNEMONIC}\n` });
    const node_ = ["--node", node.rpcUrl];
    const out = await cli(["tx", "bank", "send", "dev", recipient, "777uopen", "--fees", "5000uopen", "--yes", "--chain-id", CHAIN_ID, "--keyring-backend", "test", "--home", home, "--output", "json", ...node_]);
    const res = JSON.parse(out);
    assert.equal(res.code, 0, out);
    assert.match(res.txhash, /^[0-9A-F]{64}$/);
    const q = JSON.parse(await cli(["query", "bank", "balances", recipient, "--output", "json", ...node_]));
    const uopen = q.balances.find((c: { denom: string }) => c.denom === "uopen");
    assert.ok(uopen, JSON.stringify(q));
    const viaClient = (await client.getBalance(recipient, "uopen")).amount;
    assert.equal(uopen.amount, viaClient);
    const proved = await cli(["query", "bank", "balances", recipient, "--denom", "uopen", "--prove", "--output", "json", ...node_]);
    assert.match(proved, /verified/i);
    const txq = JSON.parse(await cli(["query", "tx", res.txhash, "--output", "json", ...node_]));
    assert.equal(String(txq.height ?? txq.tx_response?.height), String(res.height));
    const st = JSON.parse(await cli(["status", "--output", "json", ...node_]));
    assert.equal(st.node_info?.network ?? st.NodeInfo?.network, CHAIN_ID);
  });

  it("restarts at the same height and app hash, and keeps producing blocks", async () => {
    const s1 = await rpc(node.rpcUrl, "status");
    const code = await node.stop("SIGTERM");
    assert.equal(code, 0, "graceful exit");
    const h1 = Number(s1.sync_info.latest_block_height);
    const b1 = await (async () => s1.sync_info.latest_block_hash)();
    node = await startNode(home);
    const blk = await rpc(node.rpcUrl, "block", { height: String(h1) });
    assert.equal(blk.block_id.hash, b1, "committed block unchanged after restart");
    await waitHeight(node.rpcUrl, h1 + 2);
    const bal = (await StargateClient.connect(node.rpcUrl).then(async (c) => {
      const b = await c.getBalance(recipient, "uopen");
      c.disconnect();
      return b;
    })).amount;
    assert.ok(BigInt(bal) > 0n);
  });

  it("survives kill -9: no committed block is lost", async () => {
    const h = Number((await rpc(node.rpcUrl, "status")).sync_info.latest_block_height);
    const hash = (await rpc(node.rpcUrl, "block", { height: String(h) })).block_id.hash;
    await node.stop("SIGKILL");
    node = await startNode(home);
    const again = await rpc(node.rpcUrl, "block", { height: String(h) });
    assert.equal(again.block_id.hash, hash);
    await waitHeight(node.rpcUrl, h + 2);
  });

  it("replaying every stored block from genesis into a fresh app reproduces every app hash", async () => {
    const s = await rpc(node.rpcUrl, "status");
    const h = Number(s.sync_info.latest_block_height);
    assert.equal(await node.stop("SIGTERM"), 0);
    const out = JSON.parse(await cli(["replay", "--home", home, "--output", "json"], { timeoutMs: 120_000 }));
    assert.equal(out.verified, true);
    assert.ok(out.blocks >= h, `replayed ${out.blocks} blocks, chain had ${h}`);
    node = await startNode(home);
  });
});
