/**
 * CometBFT key files written by `init`: config/priv_validator_key.json, config/node_key.json and
 * data/priv_validator_state.json, in CometBFT's JSON encoding (amino type names, base64 keys;
 * priv_key = 32-byte seed || 32-byte public key). Existing files are kept, as CometBFT's init does.
 */
import { createHash, generateKeyPairSync } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { errorMessage, UserError } from "../util/errors.ts";

export interface Ed25519Key {
  seed: Uint8Array;
  pubkey: Uint8Array;
}

export interface PrivValidatorKeyJson {
  address: string;
  pub_key: { type: "tendermint/PubKeyEd25519"; value: string };
  priv_key: { type: "tendermint/PrivKeyEd25519"; value: string };
}

export function generateEd25519(): Ed25519Key {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const d = privateKey.export({ format: "jwk" }).d;
  const x = publicKey.export({ format: "jwk" }).x;
  if (d === undefined || x === undefined) throw new Error("ed25519 key export failed");
  return { seed: new Uint8Array(Buffer.from(d, "base64url")), pubkey: new Uint8Array(Buffer.from(x, "base64url")) };
}

/** CometBFT address / node ID: the first 20 bytes of sha256(pubkey), upper hex (node IDs are lower hex). */
export function ed25519Address(pubkey: Uint8Array): string {
  return createHash("sha256").update(pubkey).digest().subarray(0, 20).toString("hex").toUpperCase();
}

function privKeyValue(k: Ed25519Key): string {
  return Buffer.concat([k.seed, k.pubkey]).toString("base64");
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as unknown;
  } catch (e) {
    throw new UserError(`cannot read ${file}: ${errorMessage(e)}`);
  }
}

/** Loads priv_validator_key.json, or creates it when missing. */
export function loadOrCreatePrivValidatorKey(file: string): PrivValidatorKeyJson {
  if (existsSync(file)) {
    const j = readJson(file) as PrivValidatorKeyJson;
    if (j?.pub_key?.type !== "tendermint/PubKeyEd25519" || typeof j.pub_key.value !== "string") {
      throw new UserError(`${file}: not an ed25519 priv_validator_key.json`);
    }
    return j;
  }
  const k = generateEd25519();
  const j: PrivValidatorKeyJson = {
    address: ed25519Address(k.pubkey),
    pub_key: { type: "tendermint/PubKeyEd25519", value: Buffer.from(k.pubkey).toString("base64") },
    priv_key: { type: "tendermint/PrivKeyEd25519", value: privKeyValue(k) },
  };
  writeFileSync(file, `${JSON.stringify(j, null, 2)}\n`, { mode: 0o600 });
  return j;
}

/** Loads node_key.json, or creates it when missing; returns the node ID (lower hex). */
export function loadOrCreateNodeKey(file: string): string {
  let value: string;
  if (existsSync(file)) {
    const j = readJson(file) as { priv_key?: { value?: string } };
    if (typeof j?.priv_key?.value !== "string") throw new UserError(`${file}: not a node_key.json`);
    value = j.priv_key.value;
  } else {
    const k = generateEd25519();
    value = privKeyValue(k);
    writeFileSync(file, `${JSON.stringify({ priv_key: { type: "tendermint/PrivKeyEd25519", value } }, null, 2)}\n`, { mode: 0o600 });
  }
  const raw = Buffer.from(value, "base64");
  if (raw.length !== 64) throw new UserError(`${file}: ed25519 private key must be 64 bytes`);
  return ed25519Address(raw.subarray(32)).toLowerCase();
}

/** Writes data/priv_validator_state.json at height 0 unless it exists (never rewinds a signer). */
export function ensurePrivValidatorState(file: string): void {
  if (existsSync(file)) return;
  writeFileSync(file, `${JSON.stringify({ height: "0", round: 0, step: 0 }, null, 2)}\n`, { mode: 0o600 });
}
