import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { cli, DEV_ADDRESS, tempHomes } from "../../testing/cliHarness.ts";
import { DEV_CHAIN_ID, ensureDevHome } from "./handler.ts";

const { home, cleanup } = tempHomes();
after(cleanup);

describe("cli/dev", () => {
  it("first run creates the dev home with the funded dev key; later runs keep it; --reset starts over", async () => {
    const h = join(home(), ".openledger-dev");
    const first = await ensureDevHome(h, false);
    assert.equal(first.created, true);
    assert.equal(first.address, DEV_ADDRESS);
    const g = JSON.parse(readFileSync(join(h, "config/genesis.json"), "utf8"));
    assert.equal(g.chain_id, DEV_CHAIN_ID);
    // the validator is a gentx of the dev key (staking knows it); InitChain returns the validator set
    assert.equal(g.app_state.genutil.gen_txs.length, 1);
    const gentx = g.app_state.genutil.gen_txs[0];
    assert.equal(gentx.body.messages[0].description.moniker, "dev");
    assert.equal(gentx.body.messages[0].value.amount, "100000000");
    assert.deepEqual(g.app_state.bank.balances, [{ address: DEV_ADDRESS, coins: [{ denom: "uopen", amount: "1000000000000" }] }]);
    assert.equal((await cli(["keys", "show", "dev", "-a", "--home", h])).stdout.trim(), DEV_ADDRESS);
    const validate = await cli(["genesis", "validate", "--home", h]);
    assert.equal(validate.code, 0, validate.stderr);

    const second = await ensureDevHome(h, false);
    assert.equal(second.created, false);
    assert.equal(readFileSync(join(h, "config/genesis.json"), "utf8"), JSON.stringify(g, null, 2) + "\n", "genesis untouched");

    const reset = await ensureDevHome(h, true);
    assert.equal(reset.created, true);
    const pubkeyOf = (gen: any) => gen.app_state.genutil.gen_txs[0].body.messages[0].pubkey.key;
    assert.notEqual(pubkeyOf(JSON.parse(readFileSync(join(h, "config/genesis.json"), "utf8"))), pubkeyOf(g), "new validator key after --reset");
  });
});
