import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseCoins } from "../util/coins.ts";
import { UserError } from "../util/errors.ts";
import { addGenesisAccount, BASE_ACCOUNT_TYPE, checkGenesis } from "./accounts.ts";
import type { GenesisFileJson } from "./genesisFile.ts";

const A = "open15yk64u7zc9g9k2yr2wmzeva5qgwxps6y3eah9f";
const B = "open10r6339aqu695eqdg65ss5fuy58exxp8xcxeqhn";

function genesis(): GenesisFileJson {
  return {
    genesis_time: "2026-01-01T00:00:00.000000000Z",
    chain_id: "test-1",
    initial_height: "1",
    app_hash: "",
    app_state: { auth: { params: {}, accounts: [] }, bank: { params: {}, balances: [], supply: [], denom_metadata: [] } },
    consensus: { params: {}, validators: [{ address: "AA", pub_key: { type: "tendermint/PubKeyEd25519", value: "" }, power: "10", name: "v" }] },
  };
}

describe("genesis/accounts", () => {
  it("adds BaseAccounts with consecutive numbers, balances and supply", () => {
    const g = genesis();
    assert.equal(addGenesisAccount(g, A, parseCoins("1000uopen")).accountNumber, 0n);
    assert.equal(addGenesisAccount(g, B, parseCoins("5ufoo,10uopen")).accountNumber, 1n);
    const auth = g.app_state.auth as { accounts: Record<string, unknown>[] };
    assert.deepEqual(auth.accounts[0], { "@type": BASE_ACCOUNT_TYPE, address: A, pub_key: null, account_number: "0", sequence: "0" });
    assert.equal(auth.accounts[1]?.account_number, "1");
    const bank = g.app_state.bank as { balances: unknown[]; supply: unknown[] };
    assert.deepEqual(bank.supply, [
      { denom: "ufoo", amount: "5" },
      { denom: "uopen", amount: "1010" },
    ]);
    assert.equal(bank.balances.length, 2);
    assert.deepEqual(checkGenesis(g), []);
  });

  it("refuses a duplicate account unless --append, which adds to its balance", () => {
    const g = genesis();
    addGenesisAccount(g, A, parseCoins("1000uopen"));
    assert.throws(() => addGenesisAccount(g, A, parseCoins("1uopen")), (e) => e instanceof UserError && /already exists/.test(e.message));
    addGenesisAccount(g, A, parseCoins("1uopen"), true);
    const bank = g.app_state.bank as { balances: { coins: unknown }[]; supply: unknown };
    assert.deepEqual(bank.balances[0]?.coins, [{ denom: "uopen", amount: "1001" }]);
    assert.deepEqual(bank.supply, [{ denom: "uopen", amount: "1001" }]);
    assert.equal((g.app_state.auth as { accounts: unknown[] }).accounts.length, 1);
  });

  it("rejects invalid addresses and coins", () => {
    const g = genesis();
    assert.throws(() => addGenesisAccount(g, "cosmos1qyqszqgpqyqszqgpqyqszqgpqyqszqgpjnp7du", parseCoins("1uopen")), /expected prefix open/);
    assert.throws(() => addGenesisAccount(g, `${A.slice(0, -1)}x`, parseCoins("1uopen")), /invalid address/);
    for (const bad of ["", "uopen", "10", "1.5uopen", "0uopen", "1uopen,2uopen", "-1uopen", "10u"]) {
      assert.throws(() => parseCoins(bad), UserError, `coins ${JSON.stringify(bad)}`);
    }
  });

  it("validate finds supply mismatches, duplicates, bad addresses and missing validators", () => {
    const g = genesis();
    addGenesisAccount(g, A, parseCoins("1000uopen"));
    (g.app_state.bank as { supply: unknown[] }).supply = [{ denom: "uopen", amount: "999" }];
    (g.app_state.auth as { accounts: unknown[] }).accounts.push({ "@type": BASE_ACCOUNT_TYPE, address: "open1bad", account_number: "0", sequence: "0" });
    g.consensus.validators = [];
    g.genesis_time = "yesterday";
    const problems = checkGenesis(g).join("\n");
    assert.match(problems, /supply of uopen is 999, but balances sum to 1000/);
    assert.match(problems, /duplicate account number 0/);
    assert.match(problems, /invalid account address "open1bad"/);
    assert.match(problems, /consensus\.validators is empty/);
    assert.match(problems, /genesis_time/);
  });
});
