import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { toBase64 } from "../../modules/core/bytes.ts";
import { ed25519FromSeed } from "../crypto/ed25519.ts";
import { defaultConsensusParams, GenesisError, parseGenesis, serializeGenesis } from "./genesisJson.ts";

const key = ed25519FromSeed(new Uint8Array(32).fill(7));

function doc(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    genesis_time: "2026-01-02T03:04:05.1Z",
    chain_id: "openledger-dev-1",
    initial_height: "1",
    app_hash: "",
    app_state: { bank: { balances: [] } },
    consensus: {
      params: {
        block: { max_bytes: "4194304", max_gas: "-1" },
        evidence: { max_age_num_blocks: "100000", max_age_duration: "172800000000000", max_bytes: "1048576" },
        validator: { pub_key_types: ["ed25519"] },
        version: { app: "0" },
        abci: { vote_extensions_enable_height: "1" },
      },
      validators: [{ address: "", pub_key: { type: "tendermint/PubKeyEd25519", value: toBase64(key.publicKey) }, power: "10", name: "val0" }],
    },
    ...over,
  };
}

describe("types/genesisJson", () => {
  it("parses the SDK 0.50 shape and round-trips through serializeGenesis", () => {
    const g = parseGenesis(JSON.stringify(doc()));
    assert.equal(g.chainId, "openledger-dev-1");
    assert.equal(g.initialHeight, 1n);
    assert.deepEqual(g.genesisTime, { seconds: 1767323045n, nanos: 100_000_000 });
    assert.deepEqual(g.consensusParams, defaultConsensusParams(1n));
    assert.equal(g.validators[0]!.power, 10n);
    assert.equal(g.validators[0]!.address.length, 20);
    const text = serializeGenesis(g);
    assert.match(text, /"genesis_time": "2026-01-02T03:04:05.1Z"/);
    assert.match(text, /"initial_height": "1"/);
    assert.deepEqual(parseGenesis(text), g);
  });

  it("accepts CometBFT's top-level consensus_params and validators, numbers as JSON integers, and defaults", () => {
    const d = doc();
    const c = d.consensus as Record<string, unknown>;
    delete d.consensus;
    const g = parseGenesis({ ...d, initial_height: 5, consensus_params: c.params, validators: c.validators });
    assert.equal(g.initialHeight, 5n);
    assert.equal(g.validators.length, 1);
    const bare = parseGenesis({ genesis_time: "2026-01-02T03:04:05Z", chain_id: "x" });
    assert.deepEqual(bare.consensusParams, defaultConsensusParams(1n));
    assert.deepEqual(bare.appState, {});
  });

  it("rejects invalid documents with the field named", () => {
    const cases: [string, unknown, RegExp][] = [
      ["json", "{", /not valid JSON/],
      ["chain id missing", doc({ chain_id: "" }), /chain_id is required/],
      ["chain id long", doc({ chain_id: "x".repeat(51) }), /chain_id is too long/],
      ["time", doc({ genesis_time: "yesterday" }), /genesis_time/],
      ["height", doc({ initial_height: "-1" }), /initial_height/],
      ["app hash", doc({ app_hash: "zz" }), /app_hash/],
      ["max bytes", doc({ consensus: { params: { block: { max_bytes: "0" } } } }), /max_bytes cannot be 0/],
      ["max gas", doc({ consensus: { params: { block: { max_gas: "-2" } } } }), /max_gas/],
      ["key type", doc({ consensus: { params: { validator: { pub_key_types: ["secp256k1"] } } } }), /unsupported key type/],
      ["power", doc({ consensus: { validators: [{ pub_key: { type: "tendermint/PubKeyEd25519", value: toBase64(key.publicKey) }, power: "0" }] } }), /validators\[0\]\.power/],
      ["address", doc({ consensus: { validators: [{ address: "00".repeat(20), pub_key: { type: "tendermint/PubKeyEd25519", value: toBase64(key.publicKey) }, power: "1" }] } }), /does not match/],
      ["pubkey type", doc({ consensus: { validators: [{ pub_key: { type: "x", value: "" }, power: "1" }] } }), /pub_key.type/],
    ];
    for (const [name, input, re] of cases) {
      assert.throws(() => parseGenesis(typeof input === "string" ? input : JSON.stringify(input)), (e: unknown) => e instanceof GenesisError && re.test(e.message), name);
    }
  });
});
