/** Bad input at CheckTx: each rejected with a Cosmos codespace + code, and no state changes. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { utf8 } from "../../../modules/core/bytes.ts";
import { type TestChain, createTestChain } from "../../harness/app.ts";
import { type BuildTxOptions, buildTx, msgSend, testKey, toHighS } from "../../harness/txBuilder.ts";

const alice = testKey(1);
const bob = testKey(2);
const FUNDS = 10_000_000n;

async function fresh(): Promise<TestChain> {
  return createTestChain({ funded: [{ key: alice, coins: [{ denom: "uopen", amount: FUNDS.toString() }] }, { key: bob, coins: [{ denom: "uopen", amount: "1000000" }] }] });
}

function send(chain: TestChain, over: Partial<BuildTxOptions> = {}) {
  return buildTx({ key: alice, msgs: [msgSend(alice.bech32, bob.bech32, [{ denom: "uopen", amount: "100" }])], chainId: chain.chainId, accountNumber: 0n, sequence: 0n, ...over }).raw;
}

interface Case {
  name: string;
  tx: (c: TestChain) => Uint8Array;
  codespace: string;
  code: number;
  log?: RegExp;
}

const CASES: Case[] = [
  { name: "malformed bytes", tx: () => Uint8Array.of(0xff, 0xff, 0x01, 0x02, 0x03), codespace: "sdk", code: 2 },
  { name: "empty bytes", tx: () => new Uint8Array(0), codespace: "sdk", code: 2 },
  { name: "wrong chain id", tx: (c) => send(c, { chainId: "other-chain-1" }), codespace: "sdk", code: 4, log: /signature verification failed/ },
  { name: "bad signature", tx: (c) => send(c, { mutateSignature: (s) => { const b = Uint8Array.from(s); b[10] = (b[10] as number) ^ 0x40; return b; } }), codespace: "sdk", code: 4 },
  { name: "high-S signature", tx: (c) => send(c, { mutateSignature: toHighS }), codespace: "sdk", code: 4 },
  { name: "DER-length signature", tx: (c) => send(c, { mutateSignature: (s) => Uint8Array.of(0x30, ...s) }), codespace: "sdk", code: 4 },
  { name: "wrong account number", tx: (c) => send(c, { accountNumber: 7n }), codespace: "sdk", code: 4, log: /account number \(0\)/ },
  { name: "future sequence", tx: (c) => send(c, { sequence: 5n }), codespace: "sdk", code: 32, log: /^account sequence mismatch, expected 0, got 5: incorrect account sequence$/ },
  { name: "fee below the minimum gas price", tx: (c) => send(c, { fee: [{ denom: "uopen", amount: "499" }], gasLimit: 200000n }), codespace: "sdk", code: 13 },
  { name: "fee in another denom", tx: (c) => send(c, { fee: [{ denom: "ufoo", amount: "1000000" }] }), codespace: "sdk", code: 13 },
  { name: "fee beyond the balance", tx: (c) => send(c, { fee: [{ denom: "uopen", amount: (FUNDS + 1n).toString() }] }), codespace: "sdk", code: 5 },
  { name: "oversize tx (> 1 MiB)", tx: (c) => send(c, { memo: "x".repeat(1024 * 1024) }), codespace: "sdk", code: 21 },
  { name: "memo too large", tx: (c) => send(c, { memo: "m".repeat(257) }), codespace: "sdk", code: 12 },
  { name: "unknown message type", tx: (c) => send(c, { msgs: [{ typeUrl: "/openledger.nothing.v1.MsgNothing", value: utf8("zz") }] }), codespace: "sdk", code: 2, log: /unable to resolve type URL/ },
  { name: "invalid bech32 recipient", tx: (c) => send(c, { msgs: [msgSend(alice.bech32, "open1qyqszqgpqyqszqgpqyqszqgpqyqszqgp9cnx3x", [{ denom: "uopen", amount: "1" }])] }), codespace: "sdk", code: 7 },
  { name: "invalid bech32 sender", tx: (c) => send(c, { msgs: [msgSend("cosmos1pkptre7fdkl6gfrzlesjjvhxhlc3r4gm5f0xsj", bob.bech32, [{ denom: "uopen", amount: "1" }])] }), codespace: "sdk", code: 7 },
  { name: "zero amount", tx: (c) => send(c, { msgs: [msgSend(alice.bech32, bob.bech32, [{ denom: "uopen", amount: "0" }])] }), codespace: "sdk", code: 10 },
  { name: "signer is not the sender", tx: (c) => send(c, { msgs: [msgSend(bob.bech32, alice.bech32, [{ denom: "uopen", amount: "1" }])], accountNumber: 1n }), codespace: "sdk", code: 8 },
  { name: "extension options", tx: (c) => send(c, { extensionOptions: [{ typeUrl: "/foo.Ext", value: new Uint8Array(0) }] }), codespace: "sdk", code: 31 },
  { name: "timeout height passed", tx: (c) => send(c, { timeoutHeight: 1n }), codespace: "sdk", code: 30 },
  { name: "sign mode amino", tx: (c) => send(c, { signMode: 127 }), codespace: "sdk", code: 4 },
  { name: "no pubkey on a fresh account", tx: (c) => send(c, { includePubKey: false }), codespace: "sdk", code: 8 },
  { name: "no signatures", tx: (c) => { const t = TxRaw.decode(send(c)); return TxRaw.encode({ ...t, signatures: [] }).finish(); }, codespace: "sdk", code: 15 },
];

describe("runtime/checkTx bad input", () => {
  for (const c of CASES) {
    it(`${c.name} is rejected with ${c.codespace}:${c.code} and changes nothing`, async () => {
      const chain = await fresh();
      await chain.block([]); // height 1 (so that timeout height 1 has passed for the check at height 2)
      const before = { hash: (await chain.app.info({ version: "", blockVersion: 0n, p2pVersion: 0n, abciVersion: "" })).lastBlockAppHash, alice: await chain.balance(alice.bech32), bob: await chain.balance(bob.bech32) };
      const r = await chain.checkTx(c.tx(chain));
      assert.equal(`${r.codespace}:${r.code}`, `${c.codespace}:${c.code}`, `${c.name}: ${r.log}`);
      if (c.log) assert.match(r.log, c.log, c.name);
      assert.deepEqual(r.events, [], `${c.name}: no events`);
      const info = await chain.app.info({ version: "", blockVersion: 0n, p2pVersion: 0n, abciVersion: "" });
      assert.deepEqual(info.lastBlockAppHash, before.hash, c.name);
      assert.equal(await chain.balance(alice.bech32), before.alice, c.name);
      assert.equal(await chain.balance(bob.bech32), before.bob, c.name);
      // the check state kept alice's sequence (0) and balance: a good tx still passes
      const good = await chain.checkTx(send(chain, { fee: [{ denom: "uopen", amount: (FUNDS - 100n).toString() }] }));
      assert.equal(good.code, 0, `${c.name}: follow-up ${good.log}`);
    });
  }

  it("a replayed (committed) tx is rejected with sdk:32 and the exact SDK log", async () => {
    const chain = await fresh();
    const tx = send(chain);
    assert.equal((await chain.checkTx(tx)).code, 0);
    const res = await chain.block([tx]);
    assert.equal(res.txResults[0]?.code, 0);
    const hash = chain.appHash;
    const r = await chain.checkTx(tx);
    assert.equal(`${r.codespace}:${r.code}`, "sdk:32");
    assert.equal(r.log, "account sequence mismatch, expected 1, got 0: incorrect account sequence");
    assert.deepEqual(chain.appHash, hash);
  });

  it("CheckTx applies the ante to the check state: the same tx twice is a sequence mismatch", async () => {
    const chain = await fresh();
    const tx = send(chain);
    assert.equal((await chain.checkTx(tx)).code, 0);
    const again = await chain.checkTx(tx);
    assert.equal(again.code, 32);
    const next = await chain.checkTx(send(chain, { sequence: 1n }));
    assert.equal(next.code, 0, next.log);
    assert.equal(next.sequence, 1n);
  });

  it("RECHECK does not verify signatures (SDK 0.50), but still checks the sequence and the fee, with the same gas as CheckTx NEW", async () => {
    const chain = await fresh();
    const good = send(chain);
    const neu = await chain.checkTx(good);
    assert.equal(neu.code, 0, neu.log);
    // a fresh check state (as after Commit): the recheck of the pooled tx passes with CheckTx's gas
    await chain.block([]);
    const re = await chain.app.checkTx({ tx: good, type: "recheck" });
    assert.equal(re.code, 0, re.log);
    assert.equal(re.gasUsed, neu.gasUsed);
    // bytes whose signature NEW refuses pass RECHECK: a tx reaches recheck only after NEW verified it
    await chain.block([]);
    const forged = send(chain, { mutateSignature: (s) => { const b = Uint8Array.from(s); b[10] = (b[10] as number) ^ 0x40; return b; } });
    assert.equal((await chain.app.checkTx({ tx: forged, type: "new" })).code, 4);
    assert.equal((await chain.app.checkTx({ tx: forged, type: "recheck" })).code, 0);
    // the sequence and the fee are still checked on recheck
    const stale = await chain.app.checkTx({ tx: send(chain, { sequence: 3n }), type: "recheck" });
    assert.equal(`${stale.codespace}:${stale.code}`, "sdk:32", stale.log);
    const broke = await chain.app.checkTx({ tx: send(chain, { sequence: 1n, fee: [{ denom: "uopen", amount: (FUNDS + 1n).toString() }] }), type: "recheck" });
    assert.equal(`${broke.codespace}:${broke.code}`, "sdk:5", broke.log);
  });

  it("an INVALID tx in a block gets its code, consumes nothing and leaves state as an empty block would", async () => {
    const a = await fresh();
    const b = await fresh();
    const bad = send(a, { accountNumber: 9n });
    const ra = await a.block([bad]);
    await b.block([]);
    assert.equal(ra.txResults[0]?.code, 4);
    assert.deepEqual(a.appHash, b.appHash);
  });
});
