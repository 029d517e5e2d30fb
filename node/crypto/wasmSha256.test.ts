import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { SHORT_SHA256_MAX, sha256 } from "../../modules/core/hash.ts";
import { installWasmSha256 } from "./wasmSha256.ts";

const ref = (b: Uint8Array) => new Uint8Array(createHash("sha256").update(b).digest());

describe("crypto/wasmSha256", () => {
  it("installs, and sha256 then gives node:crypto's digests (fresh plain arrays) for short and long inputs", async () => {
    assert.equal(await installWasmSha256(), true);
    assert.equal(await installWasmSha256(), true);
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    const seen: Uint8Array[] = [];
    const want: Uint8Array[] = [];
    for (const n of [0, 1, 31, 32, 33, 55, 56, 63, 64, 65, 119, 120, 200, SHORT_SHA256_MAX - 1, SHORT_SHA256_MAX, SHORT_SHA256_MAX + 1, 4096]) {
      const big = Uint8Array.from({ length: n + 5 }, rnd);
      const m = big.subarray(5);
      const d = sha256(m);
      assert.equal(d.constructor, Uint8Array);
      assert.deepEqual(d, ref(m));
      seen.push(d);
      want.push(ref(m));
    }
    // earlier digests are not overwritten by later calls (no views into the WebAssembly memory)
    sha256(Uint8Array.of(1, 2, 3));
    assert.deepEqual(seen, want);
  });
});
