import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { assertUserError, cli, DEV_ADDRESS, DEV_MNEMONIC, ROOT, tempHomes } from "../../testing/cliHarness.ts";

const { home, cleanup } = tempHomes();
after(cleanup);
const HAVE_APP = existsSync(join(ROOT, "modules/app.ts"));

describe("cli/init", { skip: !HAVE_APP && "modules/app.ts not in this tree" }, () => {
  it("creates the DESIGN.md home layout and a Cosmos SDK 0.50-shaped genesis; refuses to overwrite", async () => {
    const h = home();
    const r = await cli(["init", "my-node", "--chain-id", "test-chain-1", "--home", h, "-o", "json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.match(out.node_id, /^[0-9a-f]{40}$/);
    for (const f of ["config/config.toml", "config/app.toml", "config/genesis.json", "config/node_key.json", "config/priv_validator_key.json", "data/priv_validator_state.json"]) {
      assert.ok(existsSync(join(h, f)), `${f} exists`);
    }
    assert.equal(statSync(join(h, "config/priv_validator_key.json")).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(join(h, "data/priv_validator_state.json"), "utf8")), { height: "0", round: 0, step: 0 });
    assert.match(readFileSync(join(h, "config/config.toml"), "utf8"), /moniker = "my-node"/);
    const g = JSON.parse(readFileSync(join(h, "config/genesis.json"), "utf8"));
    assert.equal(g.chain_id, "test-chain-1");
    assert.equal(g.initial_height, "1");
    assert.equal(g.app_hash, "");
    assert.ok(!Number.isNaN(Date.parse(g.genesis_time)));
    assert.ok(g.app_state.auth && g.app_state.bank, "app_state has auth and bank");
    assert.ok(g.consensus.params.block, "consensus.params");
    const pv = JSON.parse(readFileSync(join(h, "config/priv_validator_key.json"), "utf8"));
    assert.deepEqual(g.consensus.validators, [{ address: pv.address, pub_key: pv.pub_key, power: "10", name: "my-node" }]);
    assert.equal(out.validator_address, pv.address);

    assertUserError(await cli(["init", "my-node", "--chain-id", "test-chain-1", "--home", h]), /already exists.*--overwrite/, "second init");
    const again = await cli(["init", "other", "--chain-id", "test-chain-2", "--home", h, "--overwrite"]);
    assert.equal(again.code, 0, again.stderr);
    const g2 = JSON.parse(readFileSync(join(h, "config/genesis.json"), "utf8"));
    assert.equal(g2.chain_id, "test-chain-2");
    assert.equal(JSON.parse(readFileSync(join(h, "config/priv_validator_key.json"), "utf8")).address, pv.address, "keys kept");
    assertUserError(await cli(["init", "x", "--chain-id", "bad chain id", "--home", home()]), /invalid chain-id/, "bad chain id");
  });
});

