/**
 * Worker thread of SigVerifyPool: takes packed TxRaw bytes, and for each SIGN_MODE_DIRECT signature
 * whose signer's account number it has been told, builds the sign bytes (SignDoc{body, auth_info,
 * chain_id, account_number}), hashes them and verifies the signature with the native libsecp256k1
 * binding (low-S only, as the app's verifier). It answers with the (signature, sign-bytes hash, pubkey)
 * triples that verified; everything else (unknown signer, undecodable tx, bad signature) is left to the
 * main thread, which verifies as it would without the pool.
 *
 * Messages in:  {accounts: [pubkeyLatin1, accountNumberDecimal][]}  and
 *               {id, buf: ArrayBuffer, ends: Uint32Array}   (tx i = buf[ends[i-1] .. ends[i]))
 * Messages out: {id, out: ArrayBuffer}   (n × 129 bytes: sig64 ‖ hash32 ‖ pub33)
 */
import { hash } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import { createNativeSecp256k1Verifier } from "./secp256k1Native.ts";
import { parseTxForSigs, signDocFor } from "./txSigParse.ts";

export const TRIPLE_BYTES = 129;

const chainId = (workerData as { chainId: string }).chainId;
const chainIdUtf8 = new TextEncoder().encode(chainId);
const verifier = createNativeSecp256k1Verifier();
const accounts = new Map<string, bigint>();

function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
}

/**
 * appends the verified triples of one tx to `out`; returns the new write offset. The tx is read in place
 * (txSigParse.ts: no decoded objects; 5.5 against 15-19 µs of CPU per tx besides the verification itself,
 * with cosmjs-types decode + createHash).
 */
function verifyTx(raw: Uint8Array, out: Uint8Array, at: number): number {
  const tx = parseTxForSigs(raw);
  if (tx === null) return at;
  const n = Math.min(tx.directKeys.length, tx.signatures.length);
  for (let i = 0; i < n; i++) {
    const pub = tx.directKeys[i];
    const sig = tx.signatures[i] as Uint8Array;
    if (pub === null || pub === undefined || sig.length !== 64) continue;
    const accountNumber = accounts.get(latin1(pub));
    if (accountNumber === undefined) continue;
    const h = hash("sha256", signDocFor(tx.bodyBytes, tx.authInfoBytes, chainIdUtf8, accountNumber), "buffer");
    if (!verifier.verify(pub, h, sig)) continue;
    if (at + TRIPLE_BYTES > out.length) return at;
    out.set(sig, at);
    out.set(h, at + 64);
    out.set(pub, at + 96);
    at += TRIPLE_BYTES;
  }
  return at;
}

parentPort?.on("message", (m: { accounts?: [string, string][]; id?: number; buf?: ArrayBuffer; ends?: Uint32Array }) => {
  if (m.accounts !== undefined) {
    for (const [k, v] of m.accounts) accounts.set(k, BigInt(v));
    return;
  }
  if (m.id === undefined || m.buf === undefined || m.ends === undefined) return;
  const all = new Uint8Array(m.buf);
  // one signature per tx is the common case; a larger tx gets what fits (the rest verify on the main thread)
  const out = new Uint8Array(m.ends.length * TRIPLE_BYTES);
  let at = 0;
  let start = 0;
  for (let i = 0; i < m.ends.length; i++) {
    const end = m.ends[i] as number;
    at = verifyTx(all.subarray(start, end), out, at);
    start = end;
  }
  const res = out.buffer.slice(0, at);
  parentPort?.postMessage({ id: m.id, out: res }, [res]);
});
