/**
 * Installs a WebAssembly SHA-256 (hash-wasm, MIT) as modules/core/hash.ts's short-input SHA-256: about
 * half the CPU of node:crypto's one-shot for the 33-512 byte inputs that dominate block execution (the
 * state tree's leaf and inner nodes, key hashes, sign docs, tx hashes), and its digests are small on-heap
 * arrays instead of Buffers with external memory (less GC work). Before installing, it is checked against
 * node:crypto on every input length up to the short-input bound; on any mismatch or failure nothing is
 * installed and node:crypto keeps doing all hashing. Idempotent.
 */
import { createSHA256 } from "hash-wasm";
import type { Bytes } from "../../modules/core/abci.ts";
import { SHORT_SHA256_MAX, setShortSha256, sha256Crypto } from "../../modules/core/hash.ts";

let installed: Promise<boolean> | null = null;

function equalBytes(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** resolves true when the WebAssembly SHA-256 is installed (false: node:crypto stays, e.g. no WebAssembly). */
export function installWasmSha256(): Promise<boolean> {
  installed ??= (async () => {
    try {
      const h = await createSHA256();
      const fn = (data: Bytes): Bytes => {
        h.init();
        h.update(data);
        return h.digest("binary");
      };
      // self-check: every length up to the bound, deterministic contents, also through a view with an offset
      const buf = new Uint8Array(SHORT_SHA256_MAX + 7);
      for (let i = 0; i < buf.length; i++) buf[i] = (i * 131 + 7) & 0xff;
      for (let n = 0; n <= SHORT_SHA256_MAX; n++) {
        const m = buf.subarray(n % 7, (n % 7) + n);
        const got = fn(m);
        if (!(got instanceof Uint8Array) || got.constructor !== Uint8Array || !equalBytes(got, sha256Crypto(m))) return false;
      }
      setShortSha256(fn);
      return true;
    } catch {
      return false;
    }
  })();
  return installed;
}
