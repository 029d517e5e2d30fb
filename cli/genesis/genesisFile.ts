/**
 * config/genesis.json as a JSON document (Cosmos SDK 0.50 shape): written by `init`, edited by
 * `genesis add-account`. Parsing into a GenesisDoc is node/types/genesisJson.ts's job.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
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

/** Consensus params (DESIGN.md: max block 4 MiB; CometBFT defaults elsewhere). */
export function defaultConsensusParams(): Record<string, unknown> {
  return {
    block: { max_bytes: String(4 * 1024 * 1024), max_gas: "-1" },
    evidence: { max_age_num_blocks: "100000", max_age_duration: "172800000000000", max_bytes: "1048576" },
    validator: { pub_key_types: ["ed25519"] },
    version: { app: "0" },
    abci: { vote_extensions_enable_height: "0" },
  };
}

export const CHAIN_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/;

export function validateChainId(id: string): void {
  if (!CHAIN_ID_RE.test(id)) throw new UserError(`invalid chain-id "${id}": 1-50 letters, digits, '.', '_' or '-'`);
}

/** RFC 3339 with nanoseconds, as CometBFT writes times. */
export function rfc3339Now(now = new Date()): string {
  return now.toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
}

export function buildGenesis(opts: {
  chainId: string;
  moniker: string;
  appState: Record<string, unknown>;
  validator: PrivValidatorKeyJson;
  genesisTime?: string;
  appVersion: string;
}): GenesisFileJson {
  return {
    app_name: "openledgerd",
    app_version: opts.appVersion,
    genesis_time: opts.genesisTime ?? rfc3339Now(),
    chain_id: opts.chainId,
    initial_height: "1",
    app_hash: "",
    app_state: opts.appState,
    consensus: {
      params: defaultConsensusParams(),
      validators: [{ address: opts.validator.address, pub_key: opts.validator.pub_key, power: "10", name: opts.moniker }],
    },
  };
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
