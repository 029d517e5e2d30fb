/**
 * CometBFT key files: config/priv_validator_key.json and config/node_key.json (Amino-JSON shapes),
 * written with mode 0600 atomically (temp file, fsync, rename, fsync dir).
 *
 *   priv_validator_key.json {"address": UPPERHEX, "pub_key": {"type": "tendermint/PubKeyEd25519", "value": b64},
 *                            "priv_key": {"type": "tendermint/PrivKeyEd25519", "value": b64(seed ‖ pub)}}
 *   node_key.json           {"priv_key": {"type": "tendermint/PrivKeyEd25519", "value": b64(seed ‖ pub)}}
 *
 * The node id is lowercase hex of SHA-256(pubkey)[0:20] (p2p.PubKeyToID).
 */
import { readFileSync } from "node:fs";
import type { Bytes } from "../../modules/core/abci.ts";
import { fromBase64, fromHex, toBase64, toHex } from "../../modules/core/bytes.ts";
import { writeFileAtomicSync } from "./atomicFile.ts";
import { ed25519Address, ed25519FromPrivKeyBytes, ed25519PrivKeyBytes, generateEd25519, type Ed25519Key } from "./ed25519.ts";

export const PUBKEY_ED25519_TYPE = "tendermint/PubKeyEd25519";
export const PRIVKEY_ED25519_TYPE = "tendermint/PrivKeyEd25519";

export interface PrivValidatorKey extends Ed25519Key {
  address: Bytes;
}

export interface PrivValidatorKeyJson {
  address: string;
  pub_key: { type: string; value: string };
  priv_key: { type: string; value: string };
}

export function privValidatorKeyToJson(key: Ed25519Key): PrivValidatorKeyJson {
  return {
    address: toHex(ed25519Address(key.publicKey)).toUpperCase(),
    pub_key: { type: PUBKEY_ED25519_TYPE, value: toBase64(key.publicKey) },
    priv_key: { type: PRIVKEY_ED25519_TYPE, value: toBase64(ed25519PrivKeyBytes(key)) },
  };
}

function fail(file: string, msg: string): never {
  throw new Error(`${file}: ${msg}`);
}

function obj(v: unknown, file: string, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(file, `${what} must be an object`);
  return v as Record<string, unknown>;
}

function typedValue(v: unknown, type: string, file: string, what: string): Bytes {
  const o = obj(v, file, what);
  if (o.type !== type) fail(file, `${what}.type must be ${JSON.stringify(type)}, got ${JSON.stringify(o.type)}`);
  if (typeof o.value !== "string") fail(file, `${what}.value must be a base64 string`);
  try {
    return fromBase64(o.value);
  } catch {
    return fail(file, `${what}.value is not valid base64`);
  }
}

/** parses and cross-checks a priv_validator_key.json document (address and pub_key must match priv_key). */
export function privValidatorKeyFromJson(json: unknown, file = "priv_validator_key.json"): PrivValidatorKey {
  const o = obj(json, file, "document");
  const priv = typedValue(o.priv_key, PRIVKEY_ED25519_TYPE, file, "priv_key");
  let key: Ed25519Key;
  try {
    key = ed25519FromPrivKeyBytes(priv);
  } catch (e) {
    return fail(file, (e as Error).message);
  }
  const pub = typedValue(o.pub_key, PUBKEY_ED25519_TYPE, file, "pub_key");
  if (toHex(pub) !== toHex(key.publicKey)) fail(file, "pub_key does not match priv_key");
  const address = ed25519Address(key.publicKey);
  if (typeof o.address !== "string" || !/^[0-9A-Fa-f]{40}$/.test(o.address) || toHex(fromHex(o.address)) !== toHex(address)) {
    fail(file, `address must be ${toHex(address).toUpperCase()} (SHA-256(pub_key)[0:20])`);
  }
  return { ...key, address };
}

export function savePrivValidatorKey(path: string, key: Ed25519Key): void {
  writeFileAtomicSync(path, `${JSON.stringify(privValidatorKeyToJson(key), null, 2)}\n`, 0o600);
}

export function loadPrivValidatorKey(path: string): PrivValidatorKey {
  return privValidatorKeyFromJson(JSON.parse(readFileSync(path, "utf8")) as unknown, path);
}

/** loads the key file, or generates and saves a new key when the file does not exist. */
export function loadOrGenPrivValidatorKey(path: string): PrivValidatorKey {
  try {
    return loadPrivValidatorKey(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const key = generateEd25519();
  savePrivValidatorKey(path, key);
  return { ...key, address: ed25519Address(key.publicKey) };
}

/** p2p node id: lowercase hex of SHA-256(pubkey)[0:20]. */
export function nodeIdFromPubKey(publicKey: Bytes): string {
  return toHex(ed25519Address(publicKey));
}

export interface NodeKey extends Ed25519Key {
  id: string;
}

export function nodeKeyToJson(key: Ed25519Key): { priv_key: { type: string; value: string } } {
  return { priv_key: { type: PRIVKEY_ED25519_TYPE, value: toBase64(ed25519PrivKeyBytes(key)) } };
}

export function nodeKeyFromJson(json: unknown, file = "node_key.json"): NodeKey {
  const o = obj(json, file, "document");
  const priv = typedValue(o.priv_key, PRIVKEY_ED25519_TYPE, file, "priv_key");
  let key: Ed25519Key;
  try {
    key = ed25519FromPrivKeyBytes(priv);
  } catch (e) {
    return fail(file, (e as Error).message);
  }
  return { ...key, id: nodeIdFromPubKey(key.publicKey) };
}

export function saveNodeKey(path: string, key: Ed25519Key): void {
  writeFileAtomicSync(path, `${JSON.stringify(nodeKeyToJson(key))}\n`, 0o600);
}

export function loadNodeKey(path: string): NodeKey {
  return nodeKeyFromJson(JSON.parse(readFileSync(path, "utf8")) as unknown, path);
}

export function loadOrGenNodeKey(path: string): NodeKey {
  try {
    return loadNodeKey(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const key = generateEd25519();
  saveNodeKey(path, key);
  return { ...key, id: nodeIdFromPubKey(key.publicKey) };
}
