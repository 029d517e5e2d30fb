/**
 * Two per-message costs of @chainsafe/libp2p-noise 17 on the receive and send paths, cut without
 * changing a byte on the wire:
 *
 * 1. `noiseCrypto`: ChaCha20-Poly1305 through node:crypto with the session key as a cached KeyObject.
 *    noise's default crypto calls `createCipheriv(…, k, …)` with the raw 32-byte key for every message
 *    of ≥ 1,200 bytes (a WebAssembly implementation below that), and importing a raw key costs more than
 *    encrypting a small message: one process, Node 24, per call, default → cached KeyObject: 1,200 B
 *    49 → 17 µs (decrypt 52 → 17), 4,000 B 62 → 23, 16,000 B 72 → 46; at 800 B the two are equal
 *    (13 µs), below it the WebAssembly one stays faster and is kept. A session's key never changes
 *    (no rekey in libp2p's noise); the cache is keyed by the key's Uint8Array and checks its bytes.
 *    Output and errors are node:crypto's, as noise's own node path gives them.
 * 2. `installNoiseDecoderNoThrow()`: noise splits the byte stream into frames with @libp2p/utils'
 *    LengthPrefixedDecoder, which learns that its buffer is used up from the length decoder throwing a
 *    RangeError; noise's `uint16BEDecode` builds a fresh one, with its stack trace, at the end of every
 *    chunk read from the socket (`uint16BEDecode` was the top libp2p self-time function of a loaded
 *    validator, ~0.5% of its main thread). The patch hands the decoder a length decoder that throws one
 *    preallocated RangeError for an empty buffer (same control flow: the decoder catches RangeError and
 *    waits for more bytes) and calls the original otherwise.
 *
 * node/p2p/host.ts installs both. Revisit on a @chainsafe/libp2p-noise or @libp2p/utils upgrade, like
 * yamuxWindow.ts and tcpCork.ts.
 */
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from "node:crypto";
import type { ICryptoInterface } from "@chainsafe/libp2p-noise";
import { defaultCrypto } from "@chainsafe/libp2p-noise/crypto";
import { LengthPrefixedDecoder } from "@libp2p/utils";
import { Uint8ArrayList } from "uint8arraylist";

/** messages from this size go through node:crypto with the cached key (below: noise's default). */
export const NODE_CIPHER_MIN_BYTES = 800;
const CHACHA = "chacha20-poly1305";
const TAG_BYTES = 16;

const keyObjects = new WeakMap<Uint8Array, { raw: Uint8Array; key: KeyObject }>();

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function keyObject(k: Uint8Array): KeyObject {
  const e = keyObjects.get(k);
  if (e !== undefined && sameBytes(e.raw, k)) return e.key;
  const key = createSecretKey(k);
  keyObjects.set(k, { raw: k.slice(), key });
  return key;
}

type Data = Uint8Array | Uint8ArrayList;

function encrypt(plaintext: Data, nonce: Uint8Array, ad: Uint8Array, k: Uint8Array): Data {
  if (plaintext.byteLength < NODE_CIPHER_MIN_BYTES) return defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k);
  const cipher = createCipheriv(CHACHA, keyObject(k), nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(ad, { plaintextLength: plaintext.byteLength });
  if (plaintext instanceof Uint8Array) {
    const updated = cipher.update(plaintext);
    const final = cipher.final();
    const tag = cipher.getAuthTag();
    return Buffer.concat([updated, final, tag], updated.byteLength + final.byteLength + tag.byteLength);
  }
  const output = new Uint8ArrayList();
  for (const buf of plaintext) output.append(cipher.update(buf));
  const final = cipher.final();
  if (final.byteLength > 0) output.append(final);
  output.append(cipher.getAuthTag());
  return output;
}

function decrypt(ciphertext: Data, nonce: Uint8Array, ad: Uint8Array, k: Uint8Array, dst?: Uint8Array): Data {
  if (ciphertext.byteLength < NODE_CIPHER_MIN_BYTES) return defaultCrypto.chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst);
  const authTag = ciphertext.subarray(ciphertext.length - TAG_BYTES);
  const decipher = createDecipheriv(CHACHA, keyObject(k), nonce, { authTagLength: TAG_BYTES });
  const text = ciphertext instanceof Uint8Array ? ciphertext.subarray(0, ciphertext.length - TAG_BYTES) : ciphertext.sublist(0, ciphertext.length - TAG_BYTES);
  decipher.setAAD(ad, { plaintextLength: text.byteLength });
  decipher.setAuthTag(authTag);
  if (text instanceof Uint8Array) {
    const output = decipher.update(text);
    const final = decipher.final();
    return final.byteLength > 0 ? Buffer.concat([output, final], output.byteLength + final.byteLength) : output;
  }
  const output = new Uint8ArrayList();
  for (const buf of text) output.append(decipher.update(buf));
  const final = decipher.final();
  if (final.byteLength > 0) output.append(final);
  return output;
}

/** noise's default crypto with ChaCha20-Poly1305 from `NODE_CIPHER_MIN_BYTES` through a cached KeyObject. */
export const noiseCrypto: ICryptoInterface = {
  ...defaultCrypto,
  chaCha20Poly1305Encrypt: encrypt,
  chaCha20Poly1305Decrypt: decrypt,
};

const PATCHED = Symbol.for("openledger.noiseDecoderNoThrow");
const WRAPPED = Symbol.for("openledger.noiseDecoderNoThrow.wrapped");
/** thrown (never built anew) for "no bytes to read a length from": the decoder catches any RangeError. */
const NEED_BYTES = new RangeError("no bytes to decode a length from");

type LengthDecoder = (data: Uint8ArrayList | Uint8Array) => number;
interface DecoderFields {
  lengthDecoder: LengthDecoder;
  [WRAPPED]?: true;
}

/** patches LengthPrefixedDecoder.prototype.decode once (idempotent); see the file comment. */
export function installNoiseDecoderNoThrow(): void {
  const proto = LengthPrefixedDecoder.prototype as unknown as Record<symbol | string, unknown>;
  if (proto[PATCHED] === true) return;
  const original = proto["decode"] as (this: DecoderFields, buf: Uint8Array | Uint8ArrayList) => Generator<Uint8Array | Uint8ArrayList>;
  proto["decode"] = function decode(this: DecoderFields, buf: Uint8Array | Uint8ArrayList): Generator<Uint8Array | Uint8ArrayList> {
    if (this[WRAPPED] !== true) {
      const inner = this.lengthDecoder;
      this.lengthDecoder = (data) => {
        if (data.byteLength === 0) throw NEED_BYTES;
        return inner(data);
      };
      this[WRAPPED] = true;
    }
    return original.call(this, buf);
  };
  proto[PATCHED] = true;
}
