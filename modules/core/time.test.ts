import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatDuration, parseDuration, parseRfc3339, rfc3339 } from "./time.ts";

describe("core/time", () => {
  it("formats known instants like RFC 3339 UTC with trimmed fractions", () => {
    assert.equal(rfc3339({ seconds: 0n, nanos: 0 }), "1970-01-01T00:00:00Z");
    assert.equal(rfc3339({ seconds: 951782400n, nanos: 0 }), "2000-02-29T00:00:00Z");
    assert.equal(rfc3339({ seconds: 1795307352n, nanos: 781000000 }), "2026-11-22T00:29:12.781Z");
    assert.equal(rfc3339({ seconds: -62135596800n, nanos: 0 }), "0001-01-01T00:00:00Z");
  });

  it("parses what it formats for years 1..9999, and offsets", () => {
    let x = 12345n;
    for (let i = 0; i < 2000; i++) {
      x = (x * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
      const t = { seconds: -62135596800n + (x % 315537897600n), nanos: Number(x % 1_000_000_000n) };
      assert.deepEqual(parseRfc3339(rfc3339(t)), t, `case ${i}`);
    }
    assert.deepEqual(parseRfc3339("2026-11-22T02:29:12+02:00"), parseRfc3339("2026-11-22T00:29:12Z"));
    assert.throws(() => parseRfc3339("2026-11-22 00:29"), RangeError);
  });

  it("round-trips durations", () => {
    assert.equal(formatDuration({ seconds: 1814400n, nanos: 0 }), "1814400s");
    assert.deepEqual(parseDuration("1.5s"), { seconds: 1n, nanos: 500_000_000 });
    assert.throws(() => parseDuration("5m"), RangeError);
  });
});
