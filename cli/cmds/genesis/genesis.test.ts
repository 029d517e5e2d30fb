import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { assertUserError, cli, DEV_ADDRESS, DEV_MNEMONIC, ROOT, tempHomes } from "../../testing/cliHarness.ts";

const { home, cleanup } = tempHomes();
after(cleanup);
const HAVE_APP = existsSync(join(ROOT, "modules/app.ts"));
const HAVE_GENESIS_PARSER = existsSync(join(ROOT, "node/types/genesisJson.ts"));

/** A minimal genesis.json (what init writes, without needing the app). */
function writeGenesis(h: string): string {
  mkdirSync(join(h, "config"), { recursive: true });
  const file = join(h, "config/genesis.json");
  writeFileSync(
    file,
    JSON.stringify({
      genesis_time: "2026-01-01T00:00:00.000000000Z",
      chain_id: "cli-test-1",
      initial_height: "1",
      app_hash: "",
      app_state: { auth: { accounts: [] }, bank: { balances: [], supply: [] } },
      consensus: { params: {}, validators: [{ address: "AA", pub_key: { type: "tendermint/PubKeyEd25519", value: "" }, power: "10", name: "v" }] },
    }),
  );
  return file;
}

describe("cli/genesis", () => {
  it("add-account by address and by key name, then validate's own checks", async () => {
    const h = home();
    const file = writeGenesis(h);
    await cli(["keys", "add", "dev", "--recover", "--home", h], [DEV_MNEMONIC]);
    const a = await cli(["genesis", "add-account", "dev", "1000000000000uopen", "--home", h]);
    assert.equal(a.code, 0, a.stderr);
    const b = await cli(["genesis", "add-account", "open10r6339aqu695eqdg65ss5fuy58exxp8xcxeqhn", "5uopen,7ufoo", "--home", h, "-o", "json"]);
    assert.equal(JSON.parse(b.stdout).account_number, "1");
    const g = JSON.parse(readFileSync(file, "utf8"));
    assert.equal(g.app_state.auth.accounts[0].address, DEV_ADDRESS);
    assert.equal(g.app_state.auth.accounts[0]["@type"], "/cosmos.auth.v1beta1.BaseAccount");
    assert.deepEqual(g.app_state.bank.supply, [
      { denom: "ufoo", amount: "7" },
      { denom: "uopen", amount: "1000000000005" },
    ]);
    assertUserError(await cli(["genesis", "add-account", "dev", "1uopen", "--home", h]), /already exists in genesis/, "duplicate account");

    g.app_state.bank.supply = [{ denom: "uopen", amount: "1" }];
    const bad = join(h, "bad.json");
    writeFileSync(bad, JSON.stringify(g));
    assertUserError(await cli(["genesis", "validate", bad, "--home", h]), /is invalid:[\s\S]*supply of uopen is 1/, "validate: supply");
    writeFileSync(bad, "{not json");
    assertUserError(await cli(["genesis", "validate", bad]), /not valid JSON/, "validate: JSON");
    assertUserError(await cli(["genesis", "validate", join(h, "missing.json")]), /not found/, "validate: missing file");
  });

  it("bad input: invalid bech32, wrong prefix, bad coins, unknown key", async () => {
    const h = home();
    writeGenesis(h);
    const cases: [string[], RegExp][] = [
      [["open15yk64u7zc9g9k2yr2wmzeva5qgwxps6y3eah9x", "1uopen"], /invalid address "open15yk64u7zc9g9k2yr2wmzeva5qgwxps6y3eah9x"/],
      [["cosmos1qyqszqgpqyqszqgpqyqszqgpqyqszqgpjnp7du", "1uopen"], /expected prefix open/],
      [[DEV_ADDRESS, "lots"], /invalid coin "lots"/],
      [[DEV_ADDRESS, "0uopen"], /zero amount/],
      [[DEV_ADDRESS, "1uopen,1uopen"], /duplicate denom/],
      [["nosuchkey", "1uopen"], /neither a valid open1… address nor a key/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(["genesis", "add-account", ...args, "--home", h])));
    results.forEach((r, i) => assertUserError(r, cases[i]?.[1] ?? /x/, `add-account ${cases[i]?.[0].join(" ")}`));
  });

  it("validate accepts an init'ed genesis", { skip: !(HAVE_APP && HAVE_GENESIS_PARSER) && "modules/app.ts or node/types/genesisJson.ts not in this tree" }, async () => {
    const h = home();
    assert.equal((await cli(["init", "v", "--chain-id", "val-1", "--home", h])).code, 0);
    assert.equal((await cli(["genesis", "add-account", DEV_ADDRESS, "10uopen", "--home", h])).code, 0);
    const r = await cli(["genesis", "validate", "--home", h]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /valid genesis file/);
  });
});

