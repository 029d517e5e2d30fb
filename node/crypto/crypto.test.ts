import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { secp256k1 as noble } from "@noble/curves/secp256k1.js";
import { ed25519 as nobleEd } from "@noble/curves/ed25519.js";
import { fromHex, toBase64, toHex, utf8 } from "../../modules/core/bytes.ts";
import { ed25519Address, ed25519FromSeed, generateEd25519, signEd25519, verifyEd25519 } from "./ed25519.ts";
import {
  loadNodeKey,
  loadOrGenNodeKey,
  loadOrGenPrivValidatorKey,
  loadPrivValidatorKey,
  nodeIdFromPubKey,
  privValidatorKeyFromJson,
  privValidatorKeyToJson,
  savePrivValidatorKey,
} from "./keyFiles.ts";
import { createNativeSecp256k1Verifier, isLowS, measureVerifyRate } from "./secp256k1Native.ts";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe("crypto/ed25519", () => {
  it("signs per RFC 8032 test vector 1 and verifies", () => {
    const key = ed25519FromSeed(fromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
    assert.equal(toHex(key.publicKey), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    const sig = signEd25519(key, new Uint8Array(0));
    assert.equal(
      toHex(sig),
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    );
    assert.ok(verifyEd25519(key.publicKey, new Uint8Array(0), sig));
    assert.ok(!verifyEd25519(key.publicKey, utf8("x"), sig));
    assert.ok(!verifyEd25519(key.publicKey.subarray(1), new Uint8Array(0), sig));
    assert.ok(!verifyEd25519(new Uint8Array(32).fill(0xff), new Uint8Array(0), sig)); // not a point: false, no throw
  });

  it("a signature verified (or made) before answers the same, and only for the same key and message", () => {
    const key = generateEd25519();
    const other = generateEd25519();
    const msg = utf8("vote sign bytes");
    const sig = signEd25519(key, msg); // remembered as verified
    for (let i = 0; i < 3; i++) {
      assert.ok(verifyEd25519(key.publicKey, msg, sig));
      assert.ok(verifyEd25519(Uint8Array.from(key.publicKey), Uint8Array.from(msg), Uint8Array.from(sig)));
      assert.ok(!verifyEd25519(other.publicKey, msg, sig));
      assert.ok(!verifyEd25519(key.publicKey, utf8("vote sign bytez"), sig));
      assert.ok(!verifyEd25519(key.publicKey, msg.subarray(1), sig));
      const flipped = Uint8Array.from(sig);
      flipped[5]! ^= 1;
      assert.ok(!verifyEd25519(key.publicKey, msg, flipped));
    }
    // the caller reusing its buffers does not change a remembered verdict
    const buf = Uint8Array.from(msg);
    const sig2 = signEd25519(other, buf);
    assert.ok(verifyEd25519(other.publicKey, buf, sig2));
    buf[0]! ^= 1;
    assert.ok(!verifyEd25519(other.publicKey, buf, sig2));
    // a signature by another key over the same message, checked first by a verifier that never signed
    const third = generateEd25519();
    const sig3 = new Uint8Array(nobleEd.sign(msg, third.seed));
    assert.ok(!verifyEd25519(key.publicKey, msg, sig3));
    assert.ok(verifyEd25519(third.publicKey, msg, sig3));
    assert.ok(!verifyEd25519(key.publicKey, msg, sig3));
  });

  it("accepts a non-canonical R encoding (ZIP-215), which strict RFC 8032 rejects", () => {
    // A = identity (small order), R = the identity encoded with y = p + 1 (non-canonical), S = 0:
    // ZIP-215 accepts non-canonical encodings (cofactored equation holds), RFC 8032 strict mode does not.
    const nonCanonicalIdentity = fromHex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"); // y = p + 1 ≡ 1
    const canonicalIdentity = fromHex("0100000000000000000000000000000000000000000000000000000000000000");
    const sig = new Uint8Array([...nonCanonicalIdentity, ...new Uint8Array(32)]);
    assert.equal(verifyEd25519(canonicalIdentity, utf8("msg"), sig), true);
    assert.equal(nobleEd.verify(sig, utf8("msg"), canonicalIdentity, { zip215: false }), false);
  });

  it("the OpenSSL fast path and ZIP-215 (@noble/curves) agree on random valid, tampered and foreign signatures", () => {
    for (let i = 0; i < 200; i++) {
      const k = generateEd25519();
      const msg = new Uint8Array(randomBytes(1 + (i % 150)));
      const sig = signEd25519(k, msg);
      assert.deepEqual(sig, nobleEd.sign(msg, k.seed)); // OpenSSL's signature is RFC 8032's, byte for byte
      const bad = Uint8Array.from(sig);
      bad[i % 64]! ^= 1 << (i % 8);
      const other = generateEd25519().publicKey;
      for (const [pk, m, sg] of [[k.publicKey, msg, sig], [k.publicKey, msg, bad], [other, msg, sig]] as const) {
        assert.equal(verifyEd25519(pk, m, sg), nobleEd.verify(sg, m, pk, { zip215: true }));
      }
      assert.equal(verifyEd25519(k.publicKey, msg, sig), true);
    }
  });

  it("address is SHA-256(pubkey)[0:20]", () => {
    const k = generateEd25519();
    assert.deepEqual(ed25519Address(k.publicKey), new Uint8Array(createHash("sha256").update(k.publicKey).digest()).subarray(0, 20));
  });
});

describe("crypto/keyFiles", () => {
  it("priv_validator_key.json round-trips, is mode 0600 and is cross-checked", () => {
    const dir = mkdtempSync(join(tmpdir(), "keys-"));
    try {
      const path = join(dir, "priv_validator_key.json");
      const k = loadOrGenPrivValidatorKey(path);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      const again = loadPrivValidatorKey(path);
      assert.deepEqual(again, k);
      assert.deepEqual(loadOrGenPrivValidatorKey(path), k, "existing key is kept");
      const json = JSON.parse(readFileSync(path, "utf8"));
      assert.match(json.address, /^[0-9A-F]{40}$/);
      assert.equal(json.pub_key.type, "tendermint/PubKeyEd25519");
      assert.equal(json.priv_key.type, "tendermint/PrivKeyEd25519");
      assert.equal(json.priv_key.value, toBase64(new Uint8Array([...k.seed, ...k.publicKey])));
      // tampered documents are rejected
      const bad = { ...json, address: "00".repeat(20) };
      assert.throws(() => privValidatorKeyFromJson(bad), /address must be/);
      assert.throws(() => privValidatorKeyFromJson({ ...json, pub_key: { ...json.pub_key, value: toBase64(new Uint8Array(32)) } }), /does not match/);
      writeFileSync(path, "{");
      assert.throws(() => loadOrGenPrivValidatorKey(path), SyntaxError, "a corrupt key file is never replaced");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a CometBFT-generated key file loads (seed ‖ pub)", () => {
    const seed = fromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    const k = ed25519FromSeed(seed);
    const json = privValidatorKeyToJson(k);
    assert.equal(json.pub_key.value, "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    assert.deepEqual(privValidatorKeyFromJson(json).seed, seed);
  });

  it("node_key.json round-trips and the node id is lowercase hex of SHA-256(pub)[0:20]", () => {
    const dir = mkdtempSync(join(tmpdir(), "keys-"));
    try {
      const path = join(dir, "node_key.json");
      const k = loadOrGenNodeKey(path);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.deepEqual(loadNodeKey(path), k);
      assert.match(k.id, /^[0-9a-f]{40}$/);
      assert.equal(k.id, nodeIdFromPubKey(k.publicKey));
      assert.deepEqual(Object.keys(JSON.parse(readFileSync(path, "utf8"))), ["priv_key"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("crypto/secp256k1Native", () => {
  const priv = new Uint8Array(32).fill(0x11);
  const pub = noble.getPublicKey(priv, true);
  const hash = new Uint8Array(createHash("sha256").update("tx").digest());
  const sig = noble.sign(hash, priv, { prehash: false, lowS: true, format: "compact" });

  it("loads the native addon", () => {
    assert.equal(createNativeSecp256k1Verifier().native, true);
  });

  it("verifies low-S signatures and rejects the high-S twin, wrong hashes and junk", () => {
    const v = createNativeSecp256k1Verifier();
    assert.ok(isLowS(sig));
    assert.equal(v.verify(pub, hash, sig), true);
    const s = BigInt(`0x${toHex(sig.subarray(32))}`);
    const highS = new Uint8Array([...sig.subarray(0, 32), ...fromHex((N - s).toString(16).padStart(64, "0"))]);
    assert.ok(!isLowS(highS));
    // the high-S twin is mathematically valid (noble without lowS accepts it) …
    assert.equal(noble.verify(highS, hash, pub, { prehash: false, lowS: false, format: "compact" }), true);
    // … and must be rejected
    assert.equal(v.verify(pub, hash, highS), false);
    assert.equal(v.verify(pub, new Uint8Array(32), sig), false);
    assert.equal(v.verify(new Uint8Array(33), hash, sig), false);
    assert.equal(v.verify(pub, hash, new Uint8Array(64)), false);
    assert.equal(v.verify(pub, hash, sig.subarray(1)), false);
  });

  it("measureVerifyRate returns a positive rate", () => {
    const r = measureVerifyRate(100);
    assert.ok(r > 100, String(r));
  });
});
