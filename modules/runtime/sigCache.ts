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
}

export function createCachedSigVerifier(inner: SigVerifier, maxEntries = 100_000): CachedSigVerifier {
  const cache = new Map<string, true>();
  let hits = 0;
  return {
    get size() {
      return cache.size;
    },
    get hits() {
      return hits;
    },
    verify(pubkey33: Bytes, msgHash32: Bytes, sig64: Bytes): boolean {
      if (pubkey33.length !== 33 || msgHash32.length !== 32 || sig64.length !== 64) return false;
      const key = toKeyString(msgHash32) + toKeyString(pubkey33) + toKeyString(sig64);
      if (cache.has(key)) {
        hits++;
        return true;
      }
      const ok = inner.verify(pubkey33, msgHash32, sig64);
      if (ok) {
        if (cache.size >= maxEntries) {
          const oldest = cache.keys().next();
          if (!oldest.done) cache.delete(oldest.value);
        }
        cache.set(key, true);
      }
      return ok;
    },
  };
}
