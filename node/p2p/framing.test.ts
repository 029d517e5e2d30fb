import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Uint8ArrayList } from "uint8arraylist";
import { encodeFrame, FrameDecoder, FrameError } from "./framing.ts";

function payload(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

describe("p2p/framing", () => {
  it("round-trips frames of many sizes split at every chunk size", () => {
    const sizes = [0, 1, 127, 128, 300, 16_383, 16_384, 70_000];
    const frames = sizes.map((n, i) => payload(n, i));
    const wire = new Uint8ArrayList(...frames.map(encodeFrame)).subarray();
    for (const chunk of [1, 2, 3, 7, 64, 1000, 65_536, wire.length]) {
      const d = new FrameDecoder(100_000);
      const got: Uint8Array[] = [];
      for (let i = 0; i < wire.length; i += chunk) got.push(...d.push(wire.subarray(i, i + chunk)));
      assert.equal(got.length, frames.length, `chunk ${chunk}`);
      got.forEach((g, i) => assert.deepEqual(g, frames[i], `chunk ${chunk} frame ${i}`));
      assert.equal(d.buffered, 0);
    }
  });

  it("accepts Uint8ArrayList chunks", () => {
    const d = new FrameDecoder(10);
    const f = encodeFrame(new Uint8Array([1, 2, 3]));
    const got = d.push(new Uint8ArrayList(f.subarray(0, 2), f.subarray(2)));
    assert.deepEqual(got, [new Uint8Array([1, 2, 3])]);
  });

  it("rejects an oversize frame from its length prefix alone, then stays poisoned", () => {
    const d = new FrameDecoder(1000);
    const f = encodeFrame(new Uint8Array(1001));
    assert.throws(() => d.push(f.subarray(0, 2)), (e: unknown) => e instanceof FrameError && e.kind === "oversize" && e.size === 1001);
    assert.throws(() => d.push(new Uint8Array([0])), FrameError);
  });

  it("rejects an over-long length prefix early (≥ max before the last byte)", () => {
    const d = new FrameDecoder(1 << 20);
    assert.throws(() => d.push(new Uint8Array([0xff, 0xff, 0xff])), (e: unknown) => e instanceof FrameError && e.kind === "oversize");
    const d2 = new FrameDecoder(Number.MAX_SAFE_INTEGER);
    assert.throws(() => d2.push(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])), (e: unknown) => e instanceof FrameError && e.kind === "malformed");
  });
});
