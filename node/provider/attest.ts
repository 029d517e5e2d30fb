/**
 * The provider's attestation: its signature over the canonical result's sign bytes. The bytes are
 * modules/compute/signBytes.ts's (node/ sees modules/ only through types, so they are written here
 * again; test/integration/compute/provider.test.ts checks that both agree).
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { concat, lengthPrefixed, u64be, utf8 } from "../../modules/core/bytes.ts";
import { sha256 } from "../../modules/core/hash.ts";
import { CanonicalResult } from "../../proto/gen/openledger/compute/v1/types.ts";

const RESULT_DOMAIN = concat(utf8("openledger.compute.v1.result"), Uint8Array.of(0));
const OUTPUT_DOMAIN = concat(utf8("openledger.compute.v1.inference-output"), Uint8Array.of(0));

export function resultDigest(chainId: string, jobId: bigint, r: CanonicalResult): Uint8Array {
  return sha256(concat(RESULT_DOMAIN, lengthPrefixed(utf8(chainId)), u64be(jobId), CanonicalResult.encode(r).finish()));
}

export function inferenceOutputHash(queryEmbedding: Uint8Array, label: number): Uint8Array {
  const l = new Uint8Array(4);
  new DataView(l.buffer).setUint32(0, label >>> 0, true);
  return sha256(concat(OUTPUT_DOMAIN, queryEmbedding, l));
}

export type AttestationKeyType = "secp256k1" | "ed25519";

export interface AttestationKey {
  type: AttestationKeyType;
  priv: Uint8Array;
  pub: Uint8Array;
}

export function attestationKey(type: AttestationKeyType, priv: Uint8Array): AttestationKey {
  if (priv.length !== 32) throw new RangeError("an attestation private key is 32 bytes");
  return { type, priv, pub: type === "secp256k1" ? secp256k1.getPublicKey(priv, true) : ed25519.getPublicKey(priv) };
}

export function signDigest(k: AttestationKey, digest: Uint8Array): Uint8Array {
  return k.type === "secp256k1" ? secp256k1.sign(digest, k.priv, { prehash: false, lowS: true, format: "compact" }) : ed25519.sign(digest, k.priv);
}
