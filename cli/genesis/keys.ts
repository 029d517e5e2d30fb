/**
 * The CometBFT key files `init` creates, through node/crypto (CometBFT JSON encodings):
 * config/priv_validator_key.json, config/node_key.json, and data/priv_validator_state.json.
 * Existing key files are kept, as CometBFT's init does.
 */
import { existsSync, writeFileSync } from "node:fs";
import { loadOrGenNodeKey, loadOrGenPrivValidatorKey, type PrivValidatorKeyJson, privValidatorKeyToJson } from "../../node/crypto/keyFiles.ts";
import { errorMessage, UserError } from "../util/errors.ts";

export type { PrivValidatorKeyJson };

/** Loads priv_validator_key.json, or creates it when missing; returns its JSON form. */
export function loadOrCreatePrivValidatorKey(file: string): PrivValidatorKeyJson {
  try {
    return privValidatorKeyToJson(loadOrGenPrivValidatorKey(file));
  } catch (e) {
    throw new UserError(`cannot load the validator key: ${errorMessage(e)}`);
  }
}

/** Loads node_key.json, or creates it when missing; returns the node ID (lower hex). */
export function loadOrCreateNodeKey(file: string): string {
  try {
    return loadOrGenNodeKey(file).id;
  } catch (e) {
    throw new UserError(`cannot load the node key: ${errorMessage(e)}`);
  }
}

/** Writes data/priv_validator_state.json at height 0 unless it exists (never rewinds a signer). */
export function ensurePrivValidatorState(file: string): void {
  if (existsSync(file)) return;
  writeFileSync(file, `${JSON.stringify({ height: "0", round: 0, step: 0 }, null, 2)}\n`, { mode: 0o600 });
}
