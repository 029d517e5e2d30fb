import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { silentLogger } from "./logger.ts";
import { TEST_CLOCK_OFFSET_ENV, TEST_LIE_HEIGHT_ENV, testClockOffsetMs, testLieHeight } from "./testEnv.ts";

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
});
