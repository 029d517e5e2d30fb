/**
 * `genesis gentx` and `genesis collect-gentxs` (cosmos-sdk x/genutil client): a MsgCreateValidator with
 * the home's consensus key, signed by a keyring key (SIGN_MODE_DIRECT, account number 0, sequence 0, no
 * fee, as gentxs are delivered at InitChain), written to config/gentx/gentx-<node id>.json; collected
 * into app_state.genutil.gen_txs.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { SignDoc } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { loadNodeKey, loadPrivValidatorKey } from "../../node/crypto/keyFiles.ts";
import { homePaths } from "../config/paths.ts";
import type { Keyring } from "../keyring/keyring.ts";
import { parseCoins } from "../util/coins.ts";
import { errorMessage, UserError } from "../util/errors.ts";
import { readGenesisFile, writeGenesisFile } from "./genesisFile.ts";

export interface GentxOptions {
  chainId?: string | undefined;
  moniker?: string | undefined;
  commissionRate?: string | undefined;
  commissionMaxRate?: string | undefined;
  commissionMaxChangeRate?: string | undefined;
  minSelfDelegation?: string | undefined;
  details?: string | undefined;
  website?: string | undefined;
  identity?: string | undefined;
  securityContact?: string | undefined;
  ip?: string | undefined;
  p2pPort?: string | undefined;
  outputDocument?: string | undefined;
}

const DEC_RE = /^[0-9]+(\.[0-9]{1,18})?$/;

function dec(s: string, what: string): string {
  if (!DEC_RE.test(s)) throw new UserError(`invalid ${what} "${s}": a decimal such as 0.10`);
  const [i, f = ""] = s.split(".");
  return `${i}.${f.padEnd(18, "0")}`;
}

async function modulesOf() {
  const [genutil, address] = await Promise.all([import("../../modules/genutil/index.ts"), import("../../modules/core/address.ts")]);
  return { genutil, address };
}

/** builds and signs the gentx; returns the file written and the JSON. */
export async function createGentx(home: string, kr: Keyring, keyName: string, amountText: string, o: GentxOptions): Promise<{ file: string; json: Record<string, any>; nodeId: string; validatorAddress: string }> {
  const paths = homePaths(home);
  const { genutil, address } = await modulesOf();
  const key = kr.resolve(keyName);
  const coins = parseCoins(amountText);
  if (coins.length !== 1) throw new UserError(`gentx amount must be one coin, e.g. 10000000uopen (got "${amountText}")`);
  const amount = coins[0] as { denom: string; amount: bigint };
  let chainId = o.chainId;
  let genesis: ReturnType<typeof readGenesisFile> | undefined;
  if (existsSync(paths.genesis)) {
    genesis = readGenesisFile(paths.genesis);
    chainId ??= genesis.chain_id;
    if (o.chainId !== undefined && o.chainId !== genesis.chain_id) throw new UserError(`--chain-id ${o.chainId} differs from the genesis chain id ${genesis.chain_id}`);
    const bank = genesis.app_state.bank as { balances?: { address: string; coins: { denom: string; amount: string }[] }[] } | undefined;
    const bal = bank?.balances?.find((b) => b.address === key.address)?.coins.find((c) => c.denom === amount.denom)?.amount ?? "0";
    if (BigInt(bal) < amount.amount) throw new UserError(`account ${key.address} has ${bal}${amount.denom} in genesis, less than the self-delegation ${amountText} (run genesis add-account first)`);
  }
  if (chainId === undefined) throw new UserError("--chain-id is required when the home has no genesis.json");
  let pvPub: Uint8Array;
  let nodeId: string;
  try {
    pvPub = loadPrivValidatorKey(paths.privValidatorKey).publicKey;
    nodeId = loadNodeKey(paths.nodeKey).id;
  } catch (e) {
    throw new UserError(`cannot read the validator or node key of ${home}: ${errorMessage(e)} (run openledgerd init first)`);
  }
  const valoper = address.valAddressToString(address.accAddressFromString(key.address));
  const privkey = await kr.privkey(key.name);
  const pub = secp256k1.getPublicKey(privkey, true);
  const moniker = o.moniker ?? nodeId.slice(0, 8);
  const memo = `${nodeId}@${o.ip ?? "127.0.0.1"}:${o.p2pPort ?? "26656"}`;
  const json: Record<string, any> = {
    body: {
      messages: [
        {
          "@type": genutil.MSG_CREATE_VALIDATOR_URL,
          description: { moniker, identity: o.identity ?? "", website: o.website ?? "", security_contact: o.securityContact ?? "", details: o.details ?? "" },
          commission: { rate: dec(o.commissionRate ?? "0.10", "--commission-rate"), max_rate: dec(o.commissionMaxRate ?? "0.20", "--commission-max-rate"), max_change_rate: dec(o.commissionMaxChangeRate ?? "0.01", "--commission-max-change-rate") },
          min_self_delegation: o.minSelfDelegation ?? "1",
          delegator_address: "",
          validator_address: valoper,
          pubkey: { "@type": "/cosmos.crypto.ed25519.PubKey", key: Buffer.from(pvPub).toString("base64") },
          value: { denom: amount.denom, amount: amount.amount.toString() },
        },
      ],
      memo,
      timeout_height: "0",
      extension_options: [],
      non_critical_extension_options: [],
    },
    auth_info: {
      signer_infos: [{ public_key: { "@type": "/cosmos.crypto.secp256k1.PubKey", key: Buffer.from(pub).toString("base64") }, mode_info: { single: { mode: "SIGN_MODE_DIRECT" } }, sequence: "0" }],
      fee: { amount: [], gas_limit: "200000", payer: "", granter: "" },
      tip: null,
    },
    signatures: [],
  };
  const bodyBytes = genutil.gentxBodyBytes(json);
  const authInfoBytes = genutil.gentxAuthInfoBytes(json);
  // genesis transactions sign account number 0 (SDK)
  const signBytes = SignDoc.encode({ bodyBytes, authInfoBytes, chainId, accountNumber: 0n }).finish();
  const sig = secp256k1.sign(sha256(signBytes), privkey, { prehash: false, lowS: true, format: "compact" });
  json.signatures = [Buffer.from(sig).toString("base64")];
  // normalise through the module's own encoder (what InitChain will decode)
  const normalized = genutil.gentxToJson(genutil.gentxFromJson(json));
  const file = o.outputDocument !== undefined ? resolve(o.outputDocument) : join(paths.configDir, "gentx", `gentx-${nodeId}.json`);
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, `${JSON.stringify(normalized, null, 2)}\n`);
  return { file, json: normalized, nodeId, validatorAddress: valoper };
}

/** puts every config/gentx/*.json into app_state.genutil.gen_txs (sorted by file name); InitChain returns the validator set, so consensus.validators is emptied. */
export async function collectGentxs(home: string, dir?: string): Promise<{ genesis: string; count: number; files: string[] }> {
  const paths = homePaths(home);
  const gdir = dir !== undefined ? resolve(dir) : join(paths.configDir, "gentx");
  if (!existsSync(gdir)) throw new UserError(`gentx directory not found: ${gdir}`);
  const { genutil } = await modulesOf();
  const files = readdirSync(gdir).filter((f) => f.endsWith(".json")).sort();
  if (files.length === 0) throw new UserError(`no gentx files (*.json) in ${gdir}`);
  const txs: unknown[] = [];
  for (const f of files) {
    let j: unknown;
    try {
      j = JSON.parse(readFileSync(join(gdir, f), "utf8"));
      genutil.gentxFromJson(j);
    } catch (e) {
      throw new UserError(`invalid gentx ${f}: ${errorMessage(e)}`);
    }
    txs.push(j);
  }
  const g = readGenesisFile(paths.genesis);
  g.app_state.genutil = { gen_txs: txs };
  g.consensus = { ...g.consensus, validators: [] };
  writeGenesisFile(paths.genesis, g);
  return { genesis: paths.genesis, count: txs.length, files };
}
