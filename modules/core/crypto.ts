/**
 * Signature verification as a service (DESIGN.md: the node injects a native libsecp256k1 verifier; the
 * default here is @noble/curves). Both must give the same verdicts: 64-byte r||s, low-S only, over a
 * 32-byte SHA-256 digest, 33-byte compressed public key.
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import type { Bytes } from "./abci.ts";

export interface SigVerifier {
  /** pure: true iff `sig64` is a valid low-S ECDSA signature of `msgHash32` by `pubkey33`. */
  verify(pubkey33: Bytes, msgHash32: Bytes, sig64: Bytes): boolean;
  /**
   * optional hint from CheckTx: the signer with this key has this account number (a node may use it to
   * verify the signer's later txs ahead of time, e.g. on another thread). Never changes a verdict.
   */
  noteAccount?(pubkey33: Bytes, accountNumber: bigint): void;
}

export const SECP256K1_HALF_N = secp256k1.Point.CURVE().n >> 1n;

function isLowS(sig64: Bytes): boolean {
  let s = 0n;
  for (let i = 32; i < 64; i++) s = (s << 8n) | BigInt(sig64[i] as number);
  return s > 0n && s <= SECP256K1_HALF_N;
}

export const nobleSigVerifier: SigVerifier = Object.freeze({
  verify(pubkey33: Bytes, msgHash32: Bytes, sig64: Bytes): boolean {
    if (pubkey33.length !== 33 || msgHash32.length !== 32 || sig64.length !== 64) return false;
    if (!isLowS(sig64)) return false;
    try {
      return secp256k1.verify(sig64, msgHash32, pubkey33, { prehash: false, lowS: true, format: "compact" });
    } catch {
      return false;
    }
  },
});

/** whether the 64-byte signature's s is in the lower half of the order (SDK rejects the others). */
export { isLowS };
