/**
 * A bounded cache of positive signature verdicts keyed by (sign-bytes hash, pubkey, signature), so that
 * FinalizeBlock does not re-verify what CheckTx verified. Deterministic: verification is a pure function,
 * so a hit returns exactly what a fresh verification would.
 */
import type { Bytes } from "../core/abci.ts";
import { toKeyString } from "../core/bytes.ts";
import type { SigVerifier } from "../core/crypto.ts";

export interface CachedSigVerifier extends SigVerifier {
  readonly size: number;
  readonly hits: number;
  /** drops the verdict for this signature (FinalizeBlock ran its tx: it is not checked again). */
  forget(sig64: Bytes): void;
}

/** 32 hash bytes then 33 key bytes as one latin1 string (a cache entry: no typed arrays per entry). */
const scratch = new Array<number>(65).fill(0);
function entryString(msgHash32: Bytes, pubkey33: Bytes): string {
  for (let i = 0; i < 32; i++) scratch[i] = msgHash32[i] as number;
  for (let i = 0; i < 33; i++) scratch[32 + i] = pubkey33[i] as number;
  return String.fromCharCode.apply(null, scratch);
}
function sameEntry(e: string, msgHash32: Bytes, pubkey33: Bytes): boolean {
  for (let i = 0; i < 32; i++) if (e.charCodeAt(i) !== msgHash32[i]) return false;
  for (let i = 0; i < 33; i++) if (e.charCodeAt(32 + i) !== pubkey33[i]) return false;
  return true;
}

export function createCachedSigVerifier(inner: SigVerifier, maxEntries = 100_000): CachedSigVerifier {
  // keyed by the signature; a hit also needs the same message hash and public key. Entries are strings
  // (signature -> hash ‖ key, one char per byte): they live from CheckTx to FinalizeBlock, and two
  // copied typed arrays and an object per entry cost ~4x the bytes (and GC work) of one short string
  const cache = new Map<string, string>();
  let hits = 0;
  const note = inner.noteAccount?.bind(inner);
  return {
    ...(note !== undefined ? { noteAccount: note } : {}),
    get size() {
      return cache.size;
    },
    get hits() {
      return hits;
    },
    forget(sig64: Bytes): void {
      if (sig64.length === 64) cache.delete(toKeyString(sig64));
    },
    verify(pubkey33: Bytes, msgHash32: Bytes, sig64: Bytes): boolean {
      if (pubkey33.length !== 33 || msgHash32.length !== 32 || sig64.length !== 64) return false;
      const key = toKeyString(sig64);
      const hit = cache.get(key);
      if (hit !== undefined && sameEntry(hit, msgHash32, pubkey33)) {
        hits++;
        return true;
      }
      const ok = inner.verify(pubkey33, msgHash32, sig64);
      if (ok) {
        if (cache.size >= maxEntries) {
          const oldest = cache.keys().next();
          if (!oldest.done) cache.delete(oldest.value);
        }
        cache.set(key, entryString(msgHash32, pubkey33));
      }
      return ok;
    },
  };
}
