import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadOrGenPrivValidatorKey } from "../crypto/keyFiles.ts";
import { startNode } from "../node.ts";
import { DEFAULT_NODE_OPTIONS, type NodeOptions } from "../options.ts";
import { testGenesis, TEST_CHAIN_ID } from "../testing/chain.ts";
import { KvApp } from "../testing/kvApp.ts";
import { MemPV } from "../testing/memStores.ts";
import { MemoryBackend } from "../../modules/core/store/memory.ts";
import { silentLogger } from "../util/logger.ts";

describe("rest/node", () => {
  it("a node with api.enable serves REST on its own port, next to the RPC", async () => {
    const home = mkdtempSync(join(tmpdir(), "openledgerd-rest-"));
    try {
      mkdirSync(join(home, "config"), { recursive: true });
      const key = loadOrGenPrivValidatorKey(join(home, "config", "priv_validator_key.json"));
      const genesis = {
        ...testGenesis(new MemPV()),
        validators: [{ address: key.address, pubKey: { type: "ed25519" as const, value: key.publicKey }, power: 10n, name: "v" }],
      };
      const opts: NodeOptions = {
        ...DEFAULT_NODE_OPTIONS,
        home,
        chainId: TEST_CHAIN_ID,
        rpc: { ...DEFAULT_NODE_OPTIONS.rpc, laddr: "127.0.0.1:0" },
        api: { enable: true, laddr: "127.0.0.1:0" },
        consensus: { blockIntervalMs: 20, createEmptyBlocks: true },
      };
      const node = await startNode(opts, { app: new KvApp({ backend: new MemoryBackend() }), logger: silentLogger(), genesis, genesisJson: "{}" });
      try {
        assert.ok(node.restPort > 0 && node.restPort !== node.rpcPort);
        const end = Date.now() + 30_000;
        while (node.height() < 2n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
        assert.ok(node.height() >= 2n, `height ${node.height()} after 30 s`);
        const ni = (await (await fetch(`http://127.0.0.1:${node.restPort}/cosmos/base/tendermint/v1beta1/node_info`)).json()) as any;
        assert.equal(ni.default_node_info.network, TEST_CHAIN_ID);
        const res = await fetch(`http://127.0.0.1:${node.restPort}/cosmos/base/tendermint/v1beta1/blocks/latest`);
        assert.equal(res.status, 200);
        const b = (await res.json()) as any;
        assert.ok(BigInt(b.block.header.height) >= 2n);
        assert.equal(b.block.last_commit.signatures[0].block_id_flag, "BLOCK_ID_FLAG_COMMIT");
        const vs = (await (await fetch(`http://127.0.0.1:${node.restPort}/cosmos/base/tendermint/v1beta1/validatorsets/latest`)).json()) as any;
        assert.equal(vs.validators[0].voting_power, "10");
      } finally {
        await node.stop();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
