/** localnet/chain-info: the committed chain-registry / Keplr files are what chainInfo.ts generates, and agree with the node defaults. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DEV_CHAIN_ID } from "../../../cli/cmds/dev/handler.ts";
import { CHAIN_ID as LOCALNET_CHAIN_ID } from "../../../localnet/localnet.ts";
import { chainInfoFiles } from "../../../localnet/chain-info/chainInfo.ts";
import { DEFAULT_NODE_OPTIONS } from "../../../node/options.ts";

const DIR = join(import.meta.dirname, "../../../localnet/chain-info");

describe("chain-info (chain-registry chain.json + assetlist.json, Keplr chain info)", () => {
  it("the committed files are up to date (node localnet/chain-info/generate.ts)", () => {
    for (const [rel, text] of Object.entries(chainInfoFiles())) assert.equal(readFileSync(join(DIR, rel), "utf8"), text, `${rel} is stale`);
  });

  it("dev: chain id, default ports, fee token at the node's minimum gas price", () => {
    const chain = JSON.parse(readFileSync(join(DIR, "dev/chain.json"), "utf8"));
    const keplr = JSON.parse(readFileSync(join(DIR, "dev/keplr.json"), "utf8"));
    const assets = JSON.parse(readFileSync(join(DIR, "dev/assetlist.json"), "utf8"));
    assert.equal(chain.chain_id, DEV_CHAIN_ID);
    assert.equal(keplr.chainId, DEV_CHAIN_ID);
    assert.equal(chain.chain_name, assets.chain_name);
    assert.equal(chain.apis.rpc[0].address, `http://${DEFAULT_NODE_OPTIONS.rpc.laddr}`);
    assert.equal(chain.apis.rest[0].address, "http://127.0.0.1:1317");
    assert.equal(chain.apis.grpc[0].address, "127.0.0.1:9090");
    assert.equal(`${chain.fees.fee_tokens[0].fixed_min_gas_price}${chain.fees.fee_tokens[0].denom}`, DEFAULT_NODE_OPTIONS.app.minimumGasPrices);
    assert.equal(keplr.feeCurrencies[0].gasPriceStep.low, chain.fees.fee_tokens[0].low_gas_price);
    const a = assets.assets[0];
    assert.equal(a.base, "uopen");
    assert.deepEqual(a.denom_units.map((u: any) => u.exponent), [0, 6]);
    assert.equal(keplr.currencies[0].coinDecimals, 6);
    assert.equal(keplr.bech32Config.bech32PrefixValAddr, "openvaloper");
  });

  it("localnet: node i on 26657/1317/9090 + 100·i", () => {
    const chain = JSON.parse(readFileSync(join(DIR, "localnet/chain.json"), "utf8"));
    assert.equal(chain.chain_id, LOCALNET_CHAIN_ID);
    assert.deepEqual(chain.apis.rpc.map((x: any) => x.address), [0, 1, 2, 3].map((i) => `http://127.0.0.1:${26657 + 100 * i}`));
    assert.deepEqual(chain.apis.rest.map((x: any) => x.address), [0, 1, 2, 3].map((i) => `http://127.0.0.1:${1317 + 100 * i}`));
    assert.deepEqual(chain.apis.grpc.map((x: any) => x.address), [0, 1, 2, 3].map((i) => `127.0.0.1:${9090 + 100 * i}`));
  });
});
