import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { defaultCrypto } from "@chainsafe/libp2p-noise/crypto";
import { LengthPrefixedDecoder } from "@libp2p/utils";
import { Uint8ArrayList } from "uint8arraylist";
import { installNoiseDecoderNoThrow, NODE_CIPHER_MIN_BYTES, noiseCrypto } from "./noiseFast.ts";

const bytesOf = (d: Uint8Array | Uint8ArrayList): Uint8Array => (d instanceof Uint8Array ? new Uint8Array(d) : d.subarray());

/** noise's uint16BEDecode (throws RangeError when fewer than 2 bytes are buffered). */
type LengthDecoder = NonNullable<NonNullable<ConstructorParameters<typeof LengthPrefixedDecoder>[0]>["lengthDecoder"]>;
const uint16BE: LengthDecoder = (data) => {
  if (data.length < 2) throw new RangeError("Could not decode int16BE");
  return data instanceof Uint8Array ? (data[0]! << 8) + data[1]! : data.getUint16(0);
};

describe("p2p/noiseFast", () => {
  it("encrypts and decrypts byte-identically to noise's default crypto, arrays and lists, around the threshold", () => {
    const k = randomBytes(32);
    const ad = randomBytes(7);
    for (const size of [0, 1, 100, NODE_CIPHER_MIN_BYTES - 1, NODE_CIPHER_MIN_BYTES, 1199, 1200, 4000, 65519]) {
      const nonce = randomBytes(12);
      const p = new Uint8Array(randomBytes(size));
      const want = bytesOf(defaultCrypto.chaCha20Poly1305Encrypt(p, nonce, ad, k));
      assert.deepEqual(bytesOf(noiseCrypto.chaCha20Poly1305Encrypt(p, nonce, ad, k)), want, `encrypt ${size}`);
      const list = new Uint8ArrayList(p.subarray(0, size >> 1), p.subarray(size >> 1));
      assert.deepEqual(bytesOf(noiseCrypto.chaCha20Poly1305Encrypt(list, nonce, ad, k)), want, `encrypt list ${size}`);
      assert.deepEqual(bytesOf(noiseCrypto.chaCha20Poly1305Decrypt(want, nonce, ad, k)), p, `decrypt ${size}`);
      const ctList = new Uint8ArrayList(want.subarray(0, 3), want.subarray(3));
      assert.deepEqual(bytesOf(noiseCrypto.chaCha20Poly1305Decrypt(ctList, nonce, ad, k)), p, `decrypt list ${size}`);
      const bad = want.slice();
      bad[0] = (bad[0] ?? 0) ^ 1;
      assert.throws(() => noiseCrypto.chaCha20Poly1305Decrypt(bad, nonce, ad, k), `tampered ${size}`);
    }
  });

  it("the cached key follows the key's bytes (another session's key, a key changed in place)", () => {
    const nonce = new Uint8Array(12);
    const p = new Uint8Array(randomBytes(2000));
    const k = new Uint8Array(randomBytes(32));
    const first = bytesOf(noiseCrypto.chaCha20Poly1305Encrypt(p, nonce, new Uint8Array(0), k));
    k[5] = (k[5] ?? 0) ^ 0xff;
    assert.deepEqual(bytesOf(noiseCrypto.chaCha20Poly1305Encrypt(p, nonce, new Uint8Array(0), k)), bytesOf(defaultCrypto.chaCha20Poly1305Encrypt(p, nonce, new Uint8Array(0), k)));
    assert.notDeepEqual(bytesOf(noiseCrypto.chaCha20Poly1305Encrypt(p, nonce, new Uint8Array(0), k)), first);
    const other = new Uint8Array(randomBytes(32));
    assert.deepEqual(bytesOf(noiseCrypto.chaCha20Poly1305Decrypt(defaultCrypto.chaCha20Poly1305Encrypt(p, nonce, new Uint8Array(0), other), nonce, new Uint8Array(0), other)), p);
  });

  it("the patched length-prefixed decoder yields the same frames for every split of the stream, without throwing", () => {
    installNoiseDecoderNoThrow();
    installNoiseDecoderNoThrow(); // idempotent
    const frames = [randomBytes(5), randomBytes(1), randomBytes(300), randomBytes(2), randomBytes(70)].map((b) => new Uint8Array(b));
    const stream = new Uint8Array(frames.reduce((n, f) => n + 2 + f.length, 0));
    let at = 0;
    for (const f of frames) {
      stream[at] = f.length >> 8;
      stream[at + 1] = f.length & 0xff;
      stream.set(f, at + 2);
      at += 2 + f.length;
    }
    for (let cut = 0; cut <= stream.length; cut += 7) {
      for (const cut2 of [cut, Math.min(stream.length, cut + 1), Math.min(stream.length, cut + 3)]) {
        const d = new LengthPrefixedDecoder({ lengthDecoder: uint16BE, encodingLength: () => 2 });
        const got: Uint8Array[] = [];
        for (const part of [stream.subarray(0, cut), stream.subarray(cut, cut2), stream.subarray(cut2)]) {
          for (const f of d.decode(part)) got.push(f instanceof Uint8Array ? new Uint8Array(f) : f.subarray());
        }
        assert.deepEqual(got, frames, `split at ${cut}/${cut2}`);
      }
    }
  });
});
