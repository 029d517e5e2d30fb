/**
 * A bounded cache of positive signature verdicts keyed by (sign-bytes hash, pubkey, signature), so that
 * FinalizeBlock does not re-verify what CheckTx verified. Deterministic: verification is a pure function,
 * so a hit returns exactly what a fresh verification would.
 */
import type { Bytes } from "../core/abci.ts";
import { equal, toKeyString } from "../core/bytes.ts";
import type { SigVerifier } from "../core/crypto.ts";

export interface CachedSigVerifier extends SigVerifier {
  readonly size: number;
  readonly hits: number;
  /** drops the verdict for this signature (FinalizeBlock ran its tx: it is not checked again). */
  forget(sig64: Bytes): void;
}

export function createCachedSigVerifier(inner: SigVerifier, maxEntries = 100_000): CachedSigVerifier {
  // keyed by the signature; a hit also needs the same message hash and public key
  const cache = new Map<string, { msgHash: Bytes; pubkey: Bytes }>();
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
      if (hit !== undefined && equal(hit.msgHash, msgHash32) && equal(hit.pubkey, pubkey33)) {
        hits++;
        return true;
      }
      const ok = inner.verify(pubkey33, msgHash32, sig64);
      if (ok) {
        if (cache.size >= maxEntries) {
          const oldest = cache.keys().next();
          if (!oldest.done) cache.delete(oldest.value);
        }
        cache.set(key, { msgHash: msgHash32.slice(), pubkey: pubkey33.slice() });
      }
      return ok;
    },
  };
}
