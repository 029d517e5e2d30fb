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
    assert.equal(g.consensus.validators[0].name, "dev");
    assert.deepEqual(g.app_state.bank.balances, [{ address: DEV_ADDRESS, coins: [{ denom: "uopen", amount: "1000000000000" }] }]);
    assert.equal((await cli(["keys", "show", "dev", "-a", "--home", h])).stdout.trim(), DEV_ADDRESS);
    const validate = await cli(["genesis", "validate", "--home", h]);
    assert.equal(validate.code, 0, validate.stderr);

    const second = await ensureDevHome(h, false);
    assert.equal(second.created, false);
    assert.equal(readFileSync(join(h, "config/genesis.json"), "utf8"), JSON.stringify(g, null, 2) + "\n", "genesis untouched");

    const reset = await ensureDevHome(h, true);
    assert.equal(reset.created, true);
    assert.notEqual(JSON.parse(readFileSync(join(h, "config/genesis.json"), "utf8")).consensus.validators[0].address, g.consensus.validators[0].address, "new validator key after --reset");
  });
});
