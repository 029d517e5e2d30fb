/**
 * Hash functions of the state machine. node:crypto's one-shot hashes are deterministic pure functions
 * (OpenSSL); this file is the only place in modules/ that may import node:crypto (test/architecture).
 */
import { hash } from "node:crypto";
import type { Bytes } from "./abci.ts";
import { toKeyString } from "./bytes.ts";

/** a plain Uint8Array over a digest Buffer: no copy when the Buffer owns its exact-size ArrayBuffer (one-shot digests do), else a copy (never a view into a shared pool). */
function plain(b: Buffer): Bytes {
  return b.byteOffset === 0 && b.buffer.byteLength === b.byteLength ? new Uint8Array(b.buffer, 0, b.byteLength) : new Uint8Array(b);
}

/**
 * An alternative SHA-256 for short inputs, installed by the node at start (node/crypto/wasmSha256.ts: a
 * WebAssembly SHA-256, checked against node:crypto before it is installed). node:crypto's one-shot costs
 * ~1-2 µs of call overhead per hash, twice the WebAssembly one for the 33-200 byte inputs of the state
 * tree (leaf and inner nodes, key hashes), sign docs and txs. SHA-256 is SHA-256: the bytes are the same,
 * so state and consensus do not depend on which one runs. It must return a fresh plain Uint8Array.
 */
let shortSha256: ((data: Bytes) => Bytes) | null = null;
/** inputs up to this many bytes go to the installed short-input SHA-256. */
export const SHORT_SHA256_MAX = 512;

/** installs (or with null removes) the short-input SHA-256. */
export function setShortSha256(fn: ((data: Bytes) => Bytes) | null): void {
  shortSha256 = fn;
}

export function sha256(data: Bytes): Bytes {
  if (shortSha256 !== null && data.length <= SHORT_SHA256_MAX) return shortSha256(data);
  return plain(hash("sha256", data, "buffer"));
}

/** SHA-256 through node:crypto, whatever is installed (the reference the installer checks against). */
export function sha256Crypto(data: Bytes): Bytes {
  return plain(hash("sha256", data, "buffer"));
}

export function ripemd160(data: Bytes): Bytes {
  return plain(hash("ripemd160", data, "buffer"));
}

/** Cosmos account address bytes of a secp256k1 compressed public key. */
export function addressFromSecp256k1(pubkey33: Bytes): Bytes {
  const k = toKeyString(pubkey33);
  let a = addressMemo.get(k);
  if (a === undefined) {
    a = ripemd160(sha256(pubkey33));
    if (addressMemo.size >= 50_000) addressMemo.clear();
    addressMemo.set(k, a);
  }
  return a.slice();
}
/** pubkey → address (pure; bounded, emptied when full; copies handed out). */
const addressMemo = new Map<string, Bytes>();
