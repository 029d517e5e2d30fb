/**
 * Optional payload encryption for datanet contributions: AES-256-GCM, a random 96-bit nonce per
 * payload, the datanet id bound as associated data (a ciphertext moved to another datanet fails to
 * open). Keys are held by the datanet's curators in a key file; the chain never sees a key: the
 * contribution records `encrypted = true` and the SHA-256 of the ciphertext envelope, which is also
 * the blob's name in the store.
 *
 * Envelope: "OLE1" (4 bytes) ‖ nonce (12) ‖ ciphertext (= plaintext length) ‖ GCM tag (16).
 * Associated data: utf8("openledger.datanet.payload.v1") ‖ 0x00 ‖ u64be(datanet id).
 *
 * Key file (JSON, written 0600):
 *   { "type": "openledger/datanet-key/v1", "datanet_id": "7", "key": "<base64 of 32 bytes>" }
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { concat, fromBase64, toBase64, u64be, utf8 } from "../../modules/core/bytes.ts";

export const ENVELOPE_MAGIC = utf8("OLE1");
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const KEY_BYTES = 32;
export const ENVELOPE_OVERHEAD = ENVELOPE_MAGIC.length + NONCE_BYTES + TAG_BYTES;
export const KEY_FILE_TYPE = "openledger/datanet-key/v1";
const AAD_DOMAIN = utf8("openledger.datanet.payload.v1");

export class PayloadCryptoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PayloadCryptoError";
  }
}

export interface DatanetKey {
  datanetId: bigint;
  key: Uint8Array;
}

export function payloadAad(datanetId: bigint): Uint8Array {
  return concat(AAD_DOMAIN, new Uint8Array([0]), u64be(datanetId));
}

function checkKey(key: Uint8Array): void {
  if (key.length !== KEY_BYTES) throw new PayloadCryptoError(`an AES-256-GCM key is ${KEY_BYTES} bytes, got ${key.length}`);
}

/** encrypts `plaintext` for `datanetId`; a fresh random nonce each call. */
export function encryptPayload(key: Uint8Array, datanetId: bigint, plaintext: Uint8Array, nonce: Uint8Array = randomBytes(NONCE_BYTES)): Uint8Array {
  checkKey(key);
  if (nonce.length !== NONCE_BYTES) throw new PayloadCryptoError(`nonce must be ${NONCE_BYTES} bytes`);
  const c = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
  c.setAAD(payloadAad(datanetId));
  const body = concat(new Uint8Array(c.update(plaintext)), new Uint8Array(c.final()));
  return concat(ENVELOPE_MAGIC, nonce, body, new Uint8Array(c.getAuthTag()));
}

/** opens an envelope; PayloadCryptoError when it is malformed, the key or datanet is wrong, or it was tampered with. */
export function decryptPayload(key: Uint8Array, datanetId: bigint, envelope: Uint8Array): Uint8Array {
  checkKey(key);
  if (!isEncryptedEnvelope(envelope)) throw new PayloadCryptoError("not an encrypted payload envelope (OLE1)");
  const m = ENVELOPE_MAGIC.length;
  const nonce = envelope.subarray(m, m + NONCE_BYTES);
  const body = envelope.subarray(m + NONCE_BYTES, envelope.length - TAG_BYTES);
  const tag = envelope.subarray(envelope.length - TAG_BYTES);
  const d = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
  d.setAAD(payloadAad(datanetId));
  d.setAuthTag(tag);
  try {
    return concat(new Uint8Array(d.update(body)), new Uint8Array(d.final()));
  } catch {
    throw new PayloadCryptoError("payload authentication failed: wrong key or datanet, or the ciphertext was tampered with");
  }
}

export function isEncryptedEnvelope(b: Uint8Array): boolean {
  if (b.length < ENVELOPE_OVERHEAD) return false;
  for (let i = 0; i < ENVELOPE_MAGIC.length; i++) if (b[i] !== ENVELOPE_MAGIC[i]) return false;
  return true;
}

export function generateDatanetKey(datanetId: bigint): DatanetKey {
  return { datanetId, key: new Uint8Array(randomBytes(KEY_BYTES)) };
}

export function encodeKeyFile(k: DatanetKey): string {
  return `${JSON.stringify({ type: KEY_FILE_TYPE, datanet_id: k.datanetId.toString(), key: toBase64(k.key) }, null, 2)}\n`;
}

export function parseKeyFile(text: string, where = "key file"): DatanetKey {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e: unknown) {
    throw new PayloadCryptoError(`${where}: not JSON (${(e as Error).message})`);
  }
  const o = j as { type?: unknown; datanet_id?: unknown; key?: unknown };
  if (typeof o !== "object" || o === null || o.type !== KEY_FILE_TYPE) throw new PayloadCryptoError(`${where}: type must be "${KEY_FILE_TYPE}"`);
  if (typeof o.datanet_id !== "string" || !/^[0-9]{1,19}$/.test(o.datanet_id)) throw new PayloadCryptoError(`${where}: datanet_id must be a decimal string`);
  if (typeof o.key !== "string") throw new PayloadCryptoError(`${where}: key must be base64`);
  let key: Uint8Array;
  try {
    key = fromBase64(o.key);
  } catch {
    throw new PayloadCryptoError(`${where}: key must be base64`);
  }
  checkKey(key);
  return { datanetId: BigInt(o.datanet_id), key };
}

export function writeKeyFile(path: string, k: DatanetKey): void {
  writeFileSync(path, encodeKeyFile(k), { mode: 0o600, flag: "wx" });
}

export function readKeyFile(path: string): DatanetKey {
  return parseKeyFile(readFileSync(path, "utf8"), path);
}
