/**
 * Ed25519 for consensus keys. Signing is RFC 8032 (deterministic); verification is pinned to ZIP-215
 * semantics (as CometBFT's curve25519-voi: non-canonical point encodings accepted, cofactored
 * equation), through @noble/curves with `zip215: true` passed explicitly, so that every node agrees
 * on validity whatever the library's default (OpenSSL's stricter RFC 8032 check first, as a fast path
 * whose "valid" ZIP-215 agrees with). Addresses are SHA-256(pubkey)[0:20].
 */
import { type KeyObject, createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify, randomBytes } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";
import type { Bytes } from "../../modules/core/abci.ts";
import { sha256 } from "../../modules/core/hash.ts";

export const ED25519_PUBKEY_SIZE = 32;
export const ED25519_SIGNATURE_SIZE = 64;
/** a CometBFT ed25519 private key is seed(32) ‖ pubkey(32). */
export const ED25519_PRIVKEY_SIZE = 64;

export interface Ed25519Key {
  /** the 32-byte seed (RFC 8032 secret key). */
  seed: Bytes;
  publicKey: Bytes;
}

export function ed25519FromSeed(seed: Bytes): Ed25519Key {
  if (seed.length !== 32) throw new Error(`ed25519 seed must be 32 bytes, got ${seed.length}`);
  return { seed: Uint8Array.from(seed), publicKey: ed25519.getPublicKey(seed) };
}

export function generateEd25519(): Ed25519Key {
  return ed25519FromSeed(new Uint8Array(randomBytes(32)));
}

/** CometBFT's 64-byte private key encoding: seed ‖ pubkey. */
export function ed25519PrivKeyBytes(key: Ed25519Key): Bytes {
  const out = new Uint8Array(64);
  out.set(key.seed, 0);
  out.set(key.publicKey, 32);
  return out;
}

/** parses seed ‖ pubkey, checking that the public half matches the seed. */
export function ed25519FromPrivKeyBytes(priv: Bytes): Ed25519Key {
  if (priv.length !== ED25519_PRIVKEY_SIZE) throw new Error(`ed25519 private key must be 64 bytes, got ${priv.length}`);
  const key = ed25519FromSeed(priv.subarray(0, 32));
  const pub = priv.subarray(32);
  if (!key.publicKey.every((v, i) => v === pub[i])) throw new Error("ed25519 private key: public half does not match the seed");
  return key;
}

const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
/** OpenSSL private-key objects by seed (the few keys a node signs with), with their public keys. */
const privateKeys = new Map<string, { key: KeyObject; publicKey: Bytes }>();

/**
 * RFC 8032 signature. Ed25519 is deterministic, so OpenSSL's signature (native, ~100× cheaper than
 * @noble/curves' in JS: a vote is signed on the consensus critical path) is the same bytes as noble's.
 * The signature is remembered as verified (it is valid under the key's public key: our own precommit
 * and its extension come back in the next block's commit and extended commit).
 */
export function signEd25519(key: Pick<Ed25519Key, "seed">, msg: Bytes): Bytes {
  if (key.seed.length !== 32) throw new Error(`ed25519 seed must be 32 bytes, got ${key.seed.length}`);
  const id = Buffer.from(key.seed.buffer, key.seed.byteOffset, key.seed.byteLength).toString("latin1");
  let pk = privateKeys.get(id);
  if (pk === undefined) {
    const k = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, key.seed]), format: "der", type: "pkcs8" });
    const spki = createPublicKey(k).export({ format: "der", type: "spki" });
    pk = { key: k, publicKey: Uint8Array.from(spki.subarray(spki.length - ED25519_PUBKEY_SIZE)) };
    if (privateKeys.size >= 64) privateKeys.clear();
    privateKeys.set(id, pk);
  }
  const sig = new Uint8Array(cryptoSign(null, msg, pk.key));
  rememberVerified(sig, pk.publicKey, msg);
  return sig;
}

/**
 * Triples (signature → its public key and message) that verified, so that the same signature checked
 * again costs a lookup: a validator's precommit is verified when the vote arrives, then again in the
 * next block's last commit (validateProposedBlock), and its extension signature again in that block's
 * injected extended commit (the runtime's ProcessProposal), and our own signatures (remembered when
 * signed) come back the same way: on an idle 4-validator localnet 5.8 of the 15.4 checks per block
 * and node are answered here. Verification is a pure function of the triple, so a hit (all
 * three byte-equal) is the same verdict; only successes are kept (a failure is not asked again, and
 * keeping failures would let anyone fill the map), at most VERIFIED_MAX, dropped together when full.
 */
const verified = new Map<string, { publicKey: Bytes; msg: Bytes }>();
const VERIFIED_MAX = 4096;

function sameBytes(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** ZIP-215 verification; false (never a throw) for malformed keys or signatures. */
export function verifyEd25519(publicKey: Bytes, msg: Bytes, sig: Bytes): boolean {
  if (publicKey.length !== ED25519_PUBKEY_SIZE || sig.length !== ED25519_SIGNATURE_SIZE) return false;
  const id = Buffer.from(sig.buffer, sig.byteOffset, sig.byteLength).toString("latin1");
  const hit = verified.get(id);
  if (hit !== undefined && sameBytes(hit.publicKey, publicKey) && sameBytes(hit.msg, msg)) return true;
  if (!verifyUncached(publicKey, msg, sig)) return false;
  rememberVerified(sig, publicKey, msg, id);
  return true;
}

function rememberVerified(sig: Bytes, publicKey: Bytes, msg: Bytes, id?: string): void {
  if (verified.size >= VERIFIED_MAX) verified.clear();
  // copies: the caller's buffers may be reused
  verified.set(id ?? Buffer.from(sig.buffer, sig.byteOffset, sig.byteLength).toString("latin1"), { publicKey: Uint8Array.from(publicKey), msg: Uint8Array.from(msg) });
}

function verifyUncached(publicKey: Bytes, msg: Bytes, sig: Bytes): boolean {
  // fast path: OpenSSL's RFC 8032 check (canonical encodings, S < L, cofactorless equation). Whatever it
  // accepts, ZIP-215 accepts too (same canonical-S rule, the cofactorless equation implies the
  // cofactored one, and the hash uses the given bytes either way), so a true here is ZIP-215's verdict;
  // anything else gets the ZIP-215 check itself (non-canonical encodings, small-order edge cases).
  if (opensslVerify(publicKey, msg, sig)) return true;
  try {
    return ed25519.verify(sig, msg, publicKey, { zip215: true });
  } catch {
    return false;
  }
}

const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const keyObjects = new Map<string, KeyObject | null>();

function opensslVerify(publicKey: Bytes, msg: Bytes, sig: Bytes): boolean {
  const hex = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString("hex");
  let key = keyObjects.get(hex);
  if (key === undefined) {
    try {
      key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: "der", type: "spki" });
    } catch {
      key = null;
    }
    if (keyObjects.size >= 4096) keyObjects.clear();
    keyObjects.set(hex, key);
  }
  if (key === null) return false;
  try {
    return cryptoVerify(null, msg, key, sig);
  } catch {
    return false;
  }
}

/** CometBFT address of an ed25519 public key: SHA-256(pubkey)[0:20]. */
export function ed25519Address(publicKey: Bytes): Bytes {
  return sha256(publicKey).subarray(0, 20);
}
