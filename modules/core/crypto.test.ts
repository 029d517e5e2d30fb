import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { nobleSigVerifier } from "./crypto.ts";
import { sha256 } from "./hash.ts";

describe("core/crypto", () => {
  const priv = sha256(Uint8Array.of(7));
  const pub = secp256k1.getPublicKey(priv, true);
  const h = sha256(Uint8Array.of(1, 2, 3));
  const sig = secp256k1.sign(h, priv, { prehash: false, lowS: true });
  it("accepts low-S r||s over a digest", () => assert.equal(nobleSigVerifier.verify(pub, h, sig), true));
  it("rejects the high-S twin", () => {
    const n = secp256k1.Point.CURVE().n;
    const s = BigInt(`0x${Buffer.from(sig.subarray(32)).toString("hex")}`);
    const hs = Buffer.from((n - s).toString(16).padStart(64, "0"), "hex");
    const high = Uint8Array.from([...sig.subarray(0, 32), ...hs]);
    assert.equal(secp256k1.verify(high, h, pub, { prehash: false, lowS: false }), true, "valid ECDSA");
    assert.equal(nobleSigVerifier.verify(pub, h, high), false);
  });
  it("rejects wrong lengths and other messages", () => {
    assert.equal(nobleSigVerifier.verify(pub, h, sig.subarray(0, 63)), false);
    assert.equal(nobleSigVerifier.verify(pub.subarray(1), h, sig), false);
    assert.equal(nobleSigVerifier.verify(pub, sha256(h), sig), false);
  });
});
