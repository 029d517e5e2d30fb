import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { silentLogger } from "./logger.ts";
import { clockPatternOffsetMs, parseClockPattern, TEST_CLOCK_OFFSET_ENV, TEST_CLOCK_PATTERN_ENV, TEST_LIE_HEIGHT_ENV, testClock, testClockOffsetMs, testLieHeight } from "./testEnv.ts";

describe("util/testEnv (test-only fault settings)", () => {
  it("is inert when unset, parses when set on a test chain, and is refused elsewhere", () => {
    const log = silentLogger();
    assert.equal(testClockOffsetMs({}, "openledger-1", log), 0);
    assert.equal(testLieHeight({}, "openledger-1", log), undefined);
    assert.equal(testClockOffsetMs({ [TEST_CLOCK_OFFSET_ENV]: "-600000" }, "openledger-localnet-1", log), -600_000);
    assert.equal(testLieHeight({ [TEST_LIE_HEIGHT_ENV]: "1000000000" }, "openledger-localnet-1", log), 1_000_000_000n);
    assert.throws(() => testClockOffsetMs({ [TEST_CLOCK_OFFSET_ENV]: "5" }, "openledger-1", log), /refused on chain id/);
    assert.throws(() => testLieHeight({ [TEST_LIE_HEIGHT_ENV]: "5" }, "openledger-1", log), /refused on chain id/);
    assert.throws(() => testClockOffsetMs({ [TEST_CLOCK_OFFSET_ENV]: "1.5" }, "test-1", log), /not an integer/);
    assert.throws(() => testLieHeight({ [TEST_LIE_HEIGHT_ENV]: "-3" }, "test-1", log), /not a height/);
  });

  it("clock patterns: strobe flips the offset every period, bump jumps once; both on top of the constant offset", () => {
    const log = silentLogger();
    assert.equal(testClock({}, "openledger-1", log), undefined);
    assert.throws(() => testClock({ [TEST_CLOCK_PATTERN_ENV]: "strobe:1000:200" }, "openledger-1", log), /refused on chain id/);
    for (const bad of ["strobe:1000:0", "bump:-1:5", "wobble:1:2", "strobe:1.5:3", "bump:1"]) assert.throws(() => parseClockPattern(bad), new RegExp(TEST_CLOCK_PATTERN_ENV));
    const strobe = parseClockPattern("strobe:-600000:250");
    assert.deepEqual([0, 249, 250, 499, 500, 750, 1001].map((t) => clockPatternOffsetMs(strobe, t)), [0, 0, -600_000, -600_000, 0, -600_000, 0]);
    const bump = parseClockPattern("bump:5000:3600000");
    assert.deepEqual([0, 4999, 5000, 99_999].map((t) => clockPatternOffsetMs(bump, t)), [0, 0, 3_600_000, 3_600_000]);
    let mono = 1000;
    const now = testClock({ [TEST_CLOCK_OFFSET_ENV]: "7", [TEST_CLOCK_PATTERN_ENV]: "bump:100:-60000" }, "test-1", log, () => 1_000_000, () => mono)!;
    assert.equal(now(), 1_000_007);
    mono += 100;
    assert.equal(now(), 1_000_007 - 60_000);
    assert.equal(testClock({ [TEST_CLOCK_OFFSET_ENV]: "5" }, "test-1", log, () => 10)!(), 15);
  });
});
