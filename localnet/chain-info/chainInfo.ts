/**
 * Chain metadata for wallets and explorers: chain-registry `chain.json` + `assetlist.json` and a Keplr
 * chain-info (experimentalSuggestChain) for the dev chain (`openledgerd dev`) and the localnet (4 nodes,
 * ports + 100·i). Written to localnet/chain-info/<dev|localnet>/ by `node localnet/chain-info/generate.ts`;
 * test/integration/chainInfo.test.ts checks the committed files against this and against the node
 * defaults, test/e2e/apis.test.ts against a running node (bech32 prefix, bond/fee denom).
 */
import { DEV_CHAIN_ID } from "../../cli/cmds/dev/handler.ts";
import { DEFAULT_NODE_OPTIONS } from "../../node/options.ts";
import { CHAIN_ID as LOCALNET_CHAIN_ID, portsFor } from "../localnet.ts";

export const PREFIX = "open";
export const BASE_DENOM = "uopen";
export const DISPLAY_DENOM = "open";
export const SYMBOL = "OPEN";
export const DECIMALS = 6;
export const COIN_TYPE = 118;
/** the node's default minimum gas price (app.toml minimum-gas-prices). */
export const MIN_GAS_PRICE = Number(DEFAULT_NODE_OPTIONS.app.minimumGasPrices.replace(BASE_DENOM, ""));
const GAS = { low: MIN_GAS_PRICE, average: 0.025, high: 0.04 };

export interface Endpoints {
  rpc: string[];
  rest: string[];
  grpc: string[];
}

export interface ChainFlavour {
  dir: "dev" | "localnet";
  chainName: string;
  prettyName: string;
  chainId: string;
  endpoints: Endpoints;
}

const hostPort = (laddr: string) => laddr.replace(/^tcp:\/\//, "");

export function flavours(): ChainFlavour[] {
  const d = DEFAULT_NODE_OPTIONS;
  const local = [0, 1, 2, 3].map(portsFor);
  return [
    {
      dir: "dev",
      chainName: "openledgerdev",
      prettyName: "OpenLedger dev chain",
      chainId: DEV_CHAIN_ID,
      endpoints: {
        rpc: [`http://${hostPort(d.rpc.laddr)}`],
        rest: [`http://${hostPort(d.api?.laddr ?? "127.0.0.1:1317")}`],
        grpc: [hostPort(d.grpc?.laddr ?? "127.0.0.1:9090")],
      },
    },
    {
      dir: "localnet",
      chainName: "openledgerlocalnet",
      prettyName: "OpenLedger localnet",
      chainId: LOCALNET_CHAIN_ID,
      endpoints: {
        rpc: local.map((p) => `http://127.0.0.1:${p.rpc}`),
        rest: local.map((p) => `http://127.0.0.1:${p.rest}`),
        grpc: local.map((p) => `127.0.0.1:${p.grpc}`),
      },
    },
  ];
}

export function chainJson(f: ChainFlavour): Record<string, unknown> {
  return {
    $schema: "../../chain.schema.json",
    chain_name: f.chainName,
    status: "live",
    network_type: "devnet",
    pretty_name: f.prettyName,
    chain_type: "cosmos",
    chain_id: f.chainId,
    bech32_prefix: PREFIX,
    daemon_name: "openledgerd",
    node_home: f.dir === "dev" ? ".openledger-dev" : ".localnet/node0",
    key_algos: ["secp256k1"],
    slip44: COIN_TYPE,
    fees: { fee_tokens: [{ denom: BASE_DENOM, fixed_min_gas_price: GAS.low, low_gas_price: GAS.low, average_gas_price: GAS.average, high_gas_price: GAS.high }] },
    staking: { staking_tokens: [{ denom: BASE_DENOM }] },
    codebase: {
      recommended_version: "v0.1.0",
      compatible_versions: ["v0.1.0"],
      consensus: { type: "cometbft", version: "0.38.17" },
      sdk: { type: "cosmos", version: "0.50.10" },
    },
    apis: {
      rpc: f.endpoints.rpc.map((address, i) => ({ address, provider: `${f.dir} node${i}` })),
      rest: f.endpoints.rest.map((address, i) => ({ address, provider: `${f.dir} node${i}` })),
      grpc: f.endpoints.grpc.map((address, i) => ({ address, provider: `${f.dir} node${i}` })),
    },
    explorers: f.endpoints.rest.slice(0, 1).map((r) => ({ kind: "openledgerd built-in", url: `${r}/explorer`, tx_page: `${r}/explorer#/tx/\${txHash}`, account_page: `${r}/explorer#/account/\${accountAddress}` })),
  };
}

export function assetListJson(f: ChainFlavour): Record<string, unknown> {
  return {
    $schema: "../../assetlist.schema.json",
    chain_name: f.chainName,
    assets: [
      {
        description: "The native token of OpenLedger: fees, staking, inference payments and contributor rewards.",
        denom_units: [
          { denom: BASE_DENOM, exponent: 0 },
          { denom: DISPLAY_DENOM, exponent: DECIMALS },
        ],
        base: BASE_DENOM,
        name: "OpenLedger",
        display: DISPLAY_DENOM,
        symbol: SYMBOL,
        type_asset: "sdk.coin",
      },
    ],
  };
}

export function keplrJson(f: ChainFlavour): Record<string, unknown> {
  const currency = { coinDenom: SYMBOL, coinMinimalDenom: BASE_DENOM, coinDecimals: DECIMALS };
  return {
    chainId: f.chainId,
    chainName: f.prettyName,
    rpc: f.endpoints.rpc[0],
    rest: f.endpoints.rest[0],
    bip44: { coinType: COIN_TYPE },
    bech32Config: {
      bech32PrefixAccAddr: PREFIX,
      bech32PrefixAccPub: `${PREFIX}pub`,
      bech32PrefixValAddr: `${PREFIX}valoper`,
      bech32PrefixValPub: `${PREFIX}valoperpub`,
      bech32PrefixConsAddr: `${PREFIX}valcons`,
      bech32PrefixConsPub: `${PREFIX}valconspub`,
    },
    currencies: [currency],
    feeCurrencies: [{ ...currency, gasPriceStep: { low: GAS.low, average: GAS.average, high: GAS.high } }],
    stakeCurrency: currency,
    features: [],
  };
}

/** relative path → file text, for every flavour. */
export function chainInfoFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flavours()) {
    out[`${f.dir}/chain.json`] = `${JSON.stringify(chainJson(f), null, 2)}\n`;
    out[`${f.dir}/assetlist.json`] = `${JSON.stringify(assetListJson(f), null, 2)}\n`;
    out[`${f.dir}/keplr.json`] = `${JSON.stringify(keplrJson(f), null, 2)}\n`;
  }
  return out;
}
