import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { addMs, compareTimestamps, formatRfc3339Nano, msToTimestamp, parseRfc3339, timestampToMs, ZERO_TIME } from "./time.ts";

describe("types/time", () => {
  it("formats like Go's RFC3339Nano in UTC (trailing zeros trimmed)", () => {
    const cases: [bigint, number, string][] = [
      [1514170801n, 234_000_000, "2017-12-25T03:00:01.234Z"],
      [1570983284n, 0, "2019-10-13T16:14:44Z"],
      [1570983285n, 100_000_000, "2019-10-13T16:14:45.1Z"],
      [0n, 1, "1970-01-01T00:00:00.000000001Z"],
      [-1n, 999_999_999, "1969-12-31T23:59:59.999999999Z"],
      [951782400n, 0, "2000-02-29T00:00:00Z"],
      [-62135596800n, 0, "0001-01-01T00:00:00Z"],
    ];
    for (const [seconds, nanos, want] of cases) {
      assert.equal(formatRfc3339Nano({ seconds, nanos }), want, want);
      assert.deepEqual(parseRfc3339(want), { seconds, nanos }, want);
    }
    assert.equal(formatRfc3339Nano(ZERO_TIME), "0001-01-01T00:00:00Z");
  });

  it("parses offsets and rejects malformed times", () => {
    assert.deepEqual(parseRfc3339("2019-10-13T18:14:44.5+02:00"), { seconds: 1570983284n, nanos: 500_000_000 });
    for (const bad of ["2019-10-13 16:14:44Z", "2019-02-29T00:00:00Z", "2019-10-13T24:00:00Z", "2019-10-13T16:14:44", "2019-10-13T16:14:44.1234567891Z", ""]) {
      assert.throws(() => parseRfc3339(bad), Error, bad);
    }
  });

  it("converts to and from milliseconds and orders timestamps", () => {
    assert.deepEqual(msToTimestamp(-1), { seconds: -1n, nanos: 999_000_000 });
    assert.equal(timestampToMs({ seconds: 1n, nanos: 2_500_000 }), 1002);
    assert.equal(timestampToMs(msToTimestamp(1700000000123)), 1700000000123);
    assert.ok(compareTimestamps({ seconds: 1n, nanos: 0 }, { seconds: 1n, nanos: 1 }) < 0);
    assert.deepEqual(addMs({ seconds: 1n, nanos: 999_500_000 }, 1), { seconds: 2n, nanos: 500_000 });
    assert.deepEqual(addMs({ seconds: 0n, nanos: 0 }, -1), { seconds: -1n, nanos: 999_000_000 });
  });
});
