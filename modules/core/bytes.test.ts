import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bigintFromDecimalBytes, decimalBytes, fromKeyString, fromUtf8, toKeyString, utf8, utf8Length } from "./bytes.ts";

describe("core/bytes decimal and length helpers", () => {
  it("decimalBytes is utf8(n.toString()) and bigintFromDecimalBytes is BigInt(fromUtf8(b))", () => {
    const values = [0n, 1n, 9n, 10n, 12345n, 999_999_999_999_999n, 1_000_000_000_000_000n, 2n ** 64n, 2n ** 255n, -1n, -123456789n];
    for (const v of values) {
      assert.deepEqual(decimalBytes(v), utf8(v.toString()));
      assert.equal(bigintFromDecimalBytes(decimalBytes(v)), v);
    }
    // leading zeros, whitespace, and malformed input behave as BigInt(fromUtf8(b))
    for (const s of ["007", " 12", "12 ", "", "0x1f", "-5"]) assert.equal(bigintFromDecimalBytes(utf8(s)), BigInt(s));
    assert.throws(() => bigintFromDecimalBytes(utf8("12a")), SyntaxError);
    assert.throws(() => fromUtf8(Uint8Array.of(0xff)));
    assert.throws(() => bigintFromDecimalBytes(Uint8Array.of(0xff)));
  });
  it("utf8Length is utf8(s).length", () => {
    for (const s of ["", "abc", "héllo", "😀", "\ud800", "a\udc00b", "x".repeat(1000)]) assert.equal(utf8Length(s), utf8(s).length);
  });
  it("toKeyString is one char per byte (also for views with an offset and long keys) and fromKeyString inverts it", () => {
    let seed = 3;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (let n = 0; n <= 200; n++) {
      const big = Uint8Array.from({ length: n + 3 }, rnd);
      const b = big.subarray(3);
      const s = toKeyString(b);
      assert.equal(s, Array.from(b, (x) => String.fromCharCode(x)).join(""));
      assert.deepEqual(fromKeyString(s), Uint8Array.from(b));
    }
  });
});
