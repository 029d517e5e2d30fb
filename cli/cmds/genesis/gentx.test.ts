import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { cli, DEV_ADDRESS, DEV_MNEMONIC, tempHomes } from "../../testing/cliHarness.ts";
import { MemoryBackend } from "../../../modules/core/store/memory.ts";
import { createOpenLedgerApp } from "../../../modules/app.ts";
import { parseGenesisDoc } from "../../node.ts";

const { home, cleanup } = tempHomes();
after(cleanup);

describe("cli/genesis gentx", () => {
  it("gentx writes an SDK-shaped signed MsgCreateValidator; collect-gentxs puts it into genutil; InitChain returns the validator", async () => {
    const h = home();
    assert.equal((await cli(["init", "node0", "--chain-id", "gentx-test-1", "--home", h])).code, 0);
    assert.equal((await cli(["keys", "add", "val", "--recover", "--home", h], [DEV_MNEMONIC])).code, 0);
    assert.equal((await cli(["genesis", "add-account", "val", "100000000uopen", "--home", h])).code, 0);
    const low = await cli(["genesis", "gentx", "val", "200000000uopen", "--home", h]);
    assert.notEqual(low.code, 0, "more than the genesis balance is refused");
    const r = await cli(["genesis", "gentx", "val", "10000000uopen", "--moniker", "node0", "--home", h, "-o", "json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    const files = readdirSync(join(h, "config/gentx"));
    assert.deepEqual(files, [`gentx-${out.node_id}.json`]);
    const tx = JSON.parse(readFileSync(join(h, "config/gentx", files[0] as string), "utf8"));
    const m = tx.body.messages[0];
    assert.equal(m["@type"], "/cosmos.staking.v1beta1.MsgCreateValidator");
    assert.equal(m.description.moniker, "node0");
    assert.equal(m.commission.rate, "0.100000000000000000");
    assert.equal(m.pubkey["@type"], "/cosmos.crypto.ed25519.PubKey");
    assert.equal(m.value.amount, "10000000");
    assert.match(tx.body.memo, new RegExp(`^${out.node_id}@127\\.0\\.0\\.1:26656$`));
    assert.equal(tx.auth_info.signer_infos[0].sequence, "0");
    assert.equal(tx.signatures.length, 1);
    const pv = JSON.parse(readFileSync(join(h, "config/priv_validator_key.json"), "utf8"));
    assert.equal(m.pubkey.key, pv.pub_key.value);

    const c = await cli(["genesis", "collect-gentxs", "--home", h, "-o", "json"]);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(JSON.parse(c.stdout).gen_txs, 1);
    const text = readFileSync(join(h, "config/genesis.json"), "utf8");
    const g = JSON.parse(text);
    assert.equal(g.app_state.genutil.gen_txs.length, 1);
    assert.deepEqual(g.consensus.validators, []);
    const val = await cli(["genesis", "validate", "--home", h]);
    assert.equal(val.code, 0, val.stderr);

    const doc = await parseGenesisDoc(text, "genesis.json");
    const app = await createOpenLedgerApp({ backend: new MemoryBackend() });
    const init = await app.initChain({ time: doc.genesisTime, chainId: doc.chainId, consensusParams: doc.consensusParams, validators: [], appStateBytes: new TextEncoder().encode(JSON.stringify(doc.appState)), initialHeight: doc.initialHeight });
    assert.deepEqual(init.validators.map((v) => [Buffer.from(v.pubKey.bytes).toString("base64"), v.power]), [[pv.pub_key.value, 10n]]);
    await app.close();
    void DEV_ADDRESS;
  });

  it("collect-gentxs without gentx files is a clear error", async () => {
    const h = home();
    await cli(["init", "node0", "--chain-id", "gentx-test-2", "--home", h]);
    const r = await cli(["genesis", "collect-gentxs", "--home", h]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /gentx directory not found|no gentx files/);
  });
});
