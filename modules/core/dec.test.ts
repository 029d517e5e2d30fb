import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEC_ONE, decMulIntCeil, formatDec, parseDec, parseDecCoins, requiredFees } from "./dec.ts";

describe("core/dec", () => {
  it("parses and formats 18-decimal fixed point", () => {
    assert.equal(parseDec("1"), DEC_ONE);
    assert.equal(parseDec("0.0025"), 2_500_000_000_000_000n);
    assert.equal(formatDec(parseDec("12.5")), "12.500000000000000000");
    assert.throws(() => parseDec("1e5"));
    assert.throws(() => parseDec("0.1234567890123456789"));
  });
  it("fee = ceil(price × gas)", () => {
    assert.equal(decMulIntCeil(parseDec("0.0025"), 200000n), 500n);
    assert.equal(decMulIntCeil(parseDec("0.0025"), 200001n), 501n);
    assert.deepEqual(requiredFees(parseDecCoins("0.025uopen"), 100n), [{ denom: "uopen", amount: 3n }]);
    assert.deepEqual(parseDecCoins("0uopen"), []);
  });
});
