/** abci_query routes: auth/bank queries, NotFound mapping, store keys with proofs, heights. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { QueryAccountRequest, QueryModuleAccountByNameRequest, QueryModuleAccountByNameResponse, QueryAccountsRequest, QueryAccountsResponse, Bech32PrefixRequest, Bech32PrefixResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { QueryBalanceRequest, QueryBalanceResponse, QueryDenomMetadataRequest, QueryDenomMetadataResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { fromUtf8, utf8 } from "../../../modules/core/bytes.ts";
import { authAccountStoreKey, bankBalanceStoreKey } from "../../../modules/app.ts";
import { verifyMembership, verifyNonMembership } from "../../../modules/core/store/ics23.ts";
import { createTestChain } from "../../harness/app.ts";
import { buildTx, msgSend, testKey } from "../../harness/txBuilder.ts";

const alice = testKey(21);
const nobody = testKey(22);

describe("runtime/query", () => {
  it("Account of an unknown address: sdk:22 with the text cosmjs expects", async () => {
    const chain = await createTestChain({ funded: [{ key: alice, coins: [{ denom: "uopen", amount: "100" }] }] });
    await chain.block([]);
    const r = await chain.query("/cosmos.auth.v1beta1.Query/Account", QueryAccountRequest.encode({ address: nobody.bech32 }).finish());
    assert.equal(r.code, 22);
    assert.equal(r.codespace, "sdk");
    assert.equal(r.log, `rpc error: code = NotFound desc = account ${nobody.bech32} not found: key not found`);
    assert.equal(r.height, 1n);
    const bad = await chain.query("/cosmos.auth.v1beta1.Query/Account", QueryAccountRequest.encode({ address: "open1xyz" }).finish());
    assert.equal(bad.code, 18);
  });

  it("Balance always returns a coin; unknown paths are sdk:6; future heights sdk:18", async () => {
    const chain = await createTestChain({ funded: [{ key: alice, coins: [{ denom: "uopen", amount: "100" }] }] });
    await chain.block([]);
    const r = await chain.query("/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address: nobody.bech32, denom: "ufoo" }).finish());
    assert.equal(r.code, 0);
    assert.deepEqual(QueryBalanceResponse.decode(r.value).balance, { denom: "ufoo", amount: "0" });
    assert.equal((await chain.query("/cosmos.nothing.v1.Query/X", new Uint8Array(0))).code, 6);
    assert.equal((await chain.query("/cosmos.bank.v1beta1.Query/Balance", new Uint8Array(0), 99n)).code, 18);
    assert.equal(fromUtf8((await chain.query("/app/version", new Uint8Array(0))).value), "0.1.0");
  });

  it("module accounts, denom metadata and bech32 prefix", async () => {
    const chain = await createTestChain();
    await chain.block([]);
    const m = await chain.query("/cosmos.auth.v1beta1.Query/ModuleAccountByName", QueryModuleAccountByNameRequest.encode({ name: "fee_collector" }).finish());
    assert.equal(m.code, 0, m.log);
    assert.equal(QueryModuleAccountByNameResponse.decode(m.value).account?.typeUrl, "/cosmos.auth.v1beta1.ModuleAccount");
    const md = await chain.query("/cosmos.bank.v1beta1.Query/DenomMetadata", QueryDenomMetadataRequest.encode({ denom: "uopen" }).finish());
    assert.equal(QueryDenomMetadataResponse.decode(md.value).metadata?.symbol, "OPEN");
    const p = await chain.query("/cosmos.auth.v1beta1.Query/Bech32Prefix", Bech32PrefixRequest.encode({}).finish());
    assert.equal(Bech32PrefixResponse.decode(p.value).bech32Prefix, "open");
  });

  it("Accounts paginates with next_key", async () => {
    const keys = [1, 2, 3, 4, 5].map((i) => testKey(100 + i));
    const chain = await createTestChain({ funded: keys.map((key) => ({ key, coins: [{ denom: "uopen", amount: "1" }] })) });
    await chain.block([]);
    const seen: string[] = [];
    let next: Uint8Array = new Uint8Array(0);
    for (let page = 0; page < 5; page++) {
      const r = await chain.query("/cosmos.auth.v1beta1.Query/Accounts", QueryAccountsRequest.encode({ pagination: { key: next, offset: 0n, limit: 2n, countTotal: false, reverse: false } }).finish());
      const res = QueryAccountsResponse.decode(r.value);
      seen.push(...res.accounts.map((a) => a.typeUrl));
      next = res.pagination?.nextKey ?? new Uint8Array(0);
      if (next.length === 0) break;
    }
    assert.equal(seen.length, 5);
  });

  it("/store/<module>/key with prove=true returns an ICS-23 proof that verifies against the app hash", async () => {
    const chain = await createTestChain({ funded: [{ key: alice, coins: [{ denom: "uopen", amount: "100000" }] }] });
    await chain.block([buildTx({ key: alice, msgs: [msgSend(alice.bech32, nobody.bech32, [{ denom: "uopen", amount: "9" }])], chainId: chain.chainId, accountNumber: 0n, sequence: 0n }).raw]);
    const key = bankBalanceStoreKey(nobody.address, "uopen");
    const r = await chain.app.query({ path: "/store/bank/key", data: key, height: 0n, prove: true });
    assert.equal(r.code, 0, r.log);
    assert.equal(fromUtf8(r.value), "9");
    const op = r.proofOps?.ops[0];
    assert.equal(op?.type, "ics23:smt");
    assert.ok(verifyMembership(chain.appHash, op?.data ?? new Uint8Array(0), key, r.value));
    const missing = bankBalanceStoreKey(nobody.address, "ufoo");
    const n = await chain.app.query({ path: "/store/bank/key", data: missing, height: 0n, prove: true });
    assert.equal(n.value.length, 0);
    assert.ok(verifyNonMembership(chain.appHash, n.proofOps?.ops[0]?.data ?? new Uint8Array(0), missing));
    const acc = await chain.app.query({ path: "/store/auth/key", data: authAccountStoreKey(alice.bech32), height: 0n, prove: false });
    assert.ok(acc.value.length > 0);
    const wrong = await chain.app.query({ path: "/store/auth/key", data: utf8("bank/x"), height: 0n, prove: false });
    assert.equal(wrong.code, 18);
  });

  it("point queries at an older height read that version; iteration there is refused", async () => {
    const chain = await createTestChain({ funded: [{ key: alice, coins: [{ denom: "uopen", amount: "100000" }] }] });
    await chain.block([]);
    await chain.block([buildTx({ key: alice, msgs: [msgSend(alice.bech32, nobody.bech32, [{ denom: "uopen", amount: "9" }])], chainId: chain.chainId, accountNumber: 0n, sequence: 0n }).raw]);
    const old = await chain.query("/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address: nobody.bech32, denom: "uopen" }).finish(), 1n);
    assert.equal(old.height, 1n);
    assert.equal(QueryBalanceResponse.decode(old.value).balance?.amount, "0");
    assert.equal(await chain.balance(nobody.bech32), 9n);
    const it = await chain.query("/cosmos.auth.v1beta1.Query/Accounts", QueryAccountsRequest.encode({}).finish(), 1n);
    assert.equal(it.code, 18);
  });
});
