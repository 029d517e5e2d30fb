/**
 * secp256k1 ECDSA verification through the native libsecp256k1 binding (npm `secp256k1`, its N-API
 * addon loaded directly from `secp256k1/bindings`, never the package's elliptic JS fallback). Where the
 * addon cannot load, @noble/curves gives the same verdicts (native: false).
 *
 * Verdicts: 33-byte compressed key, 32-byte message hash, 64-byte compact (r ‖ s) signature; high-S
 * signatures (s > n/2) are rejected (Cosmos low-S rule), as are r or s of zero or ≥ n.
 */
import { createRequire } from "node:module";
import { randomBytes, createHash } from "node:crypto";
import { secp256k1 as nobleSecp } from "@noble/curves/secp256k1.js";
import type { Bytes } from "../../modules/core/abci.ts";

export interface Secp256k1Verifier {
  verify(pub33: Bytes, hash32: Bytes, sig64: Bytes): boolean;
  /** true when the native libsecp256k1 addon does the work. */
  native: boolean;
}

interface NativeLib {
  ecdsaVerify(sig: Uint8Array, msg32: Uint8Array, pub: Uint8Array): boolean;
  ecdsaSign(msg32: Uint8Array, priv: Uint8Array): { signature: Uint8Array; recid: number };
  publicKeyCreate(priv: Uint8Array, compressed?: boolean): Uint8Array;
}

/** n/2 of secp256k1, big-endian. */
const HALF_N = Uint8Array.from(Buffer.from("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0", "hex"));

/** s (bytes 32..64 of the compact signature) ≤ n/2. */
export function isLowS(sig64: Bytes): boolean {
  for (let i = 0; i < 32; i++) {
    const a = sig64[32 + i] as number;
    const b = HALF_N[i] as number;
    if (a !== b) return a < b;
  }
  return true;
}

let cached: NativeLib | null | undefined;

/** the native binding, or null when its addon cannot be loaded. */
export function loadNativeSecp256k1(): NativeLib | null {
  if (cached !== undefined) return cached;
  try {
    const require = createRequire(import.meta.url);
    cached = require("secp256k1/bindings") as NativeLib;
  } catch {
    cached = null;
  }
  return cached;
}

export function createNativeSecp256k1Verifier(): Secp256k1Verifier {
  const lib = loadNativeSecp256k1();
  if (lib !== null) {
    return {
      native: true,
      verify(pub33, hash32, sig64) {
        if (pub33.length !== 33 || hash32.length !== 32 || sig64.length !== 64 || !isLowS(sig64)) return false;
        try {
          return lib.ecdsaVerify(sig64, hash32, pub33);
        } catch {
          return false; // unparsable key or signature
        }
      },
    };
  }
  return {
    native: false,
    verify(pub33, hash32, sig64) {
      if (pub33.length !== 33 || hash32.length !== 32 || sig64.length !== 64 || !isLowS(sig64)) return false;
      try {
        return nobleSecp.verify(sig64, hash32, pub33, { prehash: false, lowS: true, format: "compact" });
      } catch {
        return false;
      }
    },
  };
}

/**
 * One-core verifications per second over `ms` milliseconds (after a short warm-up), with distinct
 * keys, messages and signatures (the benchmark baseline of DESIGN.md).
 */
export function measureVerifyRate(ms: number, verifier: Secp256k1Verifier = createNativeSecp256k1Verifier()): number {
  const N = 64;
  const items: { pub: Bytes; hash: Bytes; sig: Bytes }[] = [];
  const lib = loadNativeSecp256k1();
  for (let i = 0; i < N; i++) {
    let priv: Uint8Array;
    do priv = new Uint8Array(randomBytes(32));
    while (!nobleSecp.utils.isValidSecretKey(priv));
    const hash = new Uint8Array(createHash("sha256").update(priv).update(String(i)).digest());
    const pub = lib !== null ? lib.publicKeyCreate(priv, true) : nobleSecp.getPublicKey(priv, true);
    const sig = lib !== null ? lib.ecdsaSign(hash, priv).signature : nobleSecp.sign(hash, priv, { prehash: false, lowS: true, format: "compact" });
    if (!verifier.verify(pub, hash, sig)) throw new Error("measureVerifyRate: self-check failed");
    items.push({ pub, hash, sig });
  }
  const warm = performance.now() + Math.min(200, ms / 5);
  let i = 0;
  while (performance.now() < warm) {
    const it = items[i++ % N]!;
    verifier.verify(it.pub, it.hash, it.sig);
  }
  let count = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let k = 0; k < 256; k++) {
      const it = items[(count + k) % N]!;
      if (!verifier.verify(it.pub, it.hash, it.sig)) throw new Error("measureVerifyRate: verification failed");
    }
    count += 256;
    t = performance.now();
  }
  return (count * 1000) / (t - t0);
}
