/**
 * Hash functions of the state machine. node:crypto's one-shot hashes are deterministic pure functions
 * (OpenSSL); this file is the only place in modules/ that may import node:crypto (test/architecture).
 */
import { hash } from "node:crypto";
import type { Bytes } from "./abci.ts";

function view(b: Bytes): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** a plain Uint8Array over a digest Buffer: no copy when the Buffer owns its exact-size ArrayBuffer (one-shot digests do), else a copy (never a view into a shared pool). */
function plain(b: Buffer): Bytes {
  return b.byteOffset === 0 && b.buffer.byteLength === b.byteLength ? new Uint8Array(b.buffer, 0, b.byteLength) : new Uint8Array(b);
}

export function sha256(data: Bytes): Bytes {
  return plain(hash("sha256", data, "buffer"));
}

export function ripemd160(data: Bytes): Bytes {
  return plain(hash("ripemd160", data, "buffer"));
}

/** Cosmos account address bytes of a secp256k1 compressed public key. */
export function addressFromSecp256k1(pubkey33: Bytes): Bytes {
  const k = view(pubkey33).toString("latin1");
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
