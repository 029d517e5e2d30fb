/**
 * config/genesis.json as a JSON document (Cosmos SDK 0.50 shape): written by `init`, edited by
 * `genesis add-account`. Parsing into a GenesisDoc is node/types/genesisJson.ts's job.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { defaultConsensusParams, genesisToJson } from "../../node/types/genesisJson.ts";
import { errorMessage, UserError } from "../util/errors.ts";
import type { PrivValidatorKeyJson } from "./keys.ts";

export interface GenesisValidatorJson {
  address: string;
  pub_key: { type: string; value: string };
  power: string;
  name: string;
}

export interface GenesisFileJson {
  app_name?: string;
  app_version?: string;
  genesis_time: string;
  chain_id: string;
  initial_height: string | number;
  app_hash: string | null;
  app_state: Record<string, unknown>;
  consensus: { params: Record<string, unknown>; validators: GenesisValidatorJson[] };
}

export const CHAIN_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/;

export function validateChainId(id: string): void {
  if (!CHAIN_ID_RE.test(id)) throw new UserError(`invalid chain-id "${id}": 1-50 letters, digits, '.', '_' or '-'`);
}

/**
 * A new chain's genesis: now, initial height 1, node/types/genesisJson.ts's default consensus params
 * (vote extensions from height 1), the one validator with power 10, the app's default app_state.
 */
export function buildGenesis(opts: {
  chainId: string;
  moniker: string;
  appState: Record<string, unknown>;
  validator: PrivValidatorKeyJson;
  now?: Date;
  appVersion: string;
}): GenesisFileJson {
  const ms = (opts.now ?? new Date()).getTime();
  const j = genesisToJson({
    genesisTime: { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 },
    chainId: opts.chainId,
    initialHeight: 1n,
    consensusParams: defaultConsensusParams(1n),
    validators: [
      {
        address: new Uint8Array(Buffer.from(opts.validator.address, "hex")),
        pubKey: { type: "ed25519", value: new Uint8Array(Buffer.from(opts.validator.pub_key.value, "base64")) },
        power: 10n,
        name: opts.moniker,
      },
    ],
    appHash: new Uint8Array(0),
    appState: opts.appState,
  }) as unknown as GenesisFileJson;
  return { ...j, app_version: opts.appVersion };
}

export function readGenesisFile(file: string): GenesisFileJson {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UserError(`cannot read genesis ${file}: ${errorMessage(e)} (run \`openledgerd init\` first)`);
  }
  let g: unknown;
  try {
    g = JSON.parse(text);
  } catch (e) {
    throw new UserError(`genesis ${file} is not valid JSON: ${errorMessage(e)}`);
  }
  if (g === null || typeof g !== "object" || Array.isArray(g)) throw new UserError(`genesis ${file} is not a JSON object`);
  const o = g as Partial<GenesisFileJson>;
  if (o.app_state === null || typeof o.app_state !== "object") throw new UserError(`genesis ${file} has no app_state object`);
  return o as GenesisFileJson;
}

export function writeGenesisFile(file: string, g: GenesisFileJson): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(g, null, 2)}\n`);
  renameSync(tmp, file);
}
