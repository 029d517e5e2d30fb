import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrInsufficientFunds, ErrInvalidCoins } from "./errors.ts";
import { addCoins, formatCoins, isAllGte, isAnyGte, parseCoins, subCoins, validateCoins } from "./coins.ts";
import { assertAppError } from "./testing/index.ts";

describe("core/coins", () => {
  it("parses, sorts and formats", () => {
    const c = parseCoins("5foo,1000uopen");
    assert.deepEqual(c, [{ denom: "foo", amount: 5n }, { denom: "uopen", amount: 1000n }]);
    assert.equal(formatCoins(c), "5foo,1000uopen");
    assert.deepEqual(parseCoins(""), []);
    assert.deepEqual(parseCoins("0uopen"), []);
  });
  it("rejects bad text, duplicates and bad denoms with sdk:10", async () => {
    for (const bad of ["1.5uopen", "uopen", "-1uopen", "1uopen,2uopen", "1ab", "1 9abc", "1uo pen"]) await assertAppError(() => parseCoins(bad), ErrInvalidCoins, bad);
    await assertAppError(() => validateCoins([{ denom: "zzz", amount: 1n }, { denom: "aaa", amount: 1n }]), ErrInvalidCoins, "unsorted");
    await assertAppError(() => validateCoins([{ denom: "aaa", amount: 0n }]), ErrInvalidCoins, "zero");
    await assertAppError(() => parseCoins(`${(1n << 256n).toString()}uopen`), ErrInvalidCoins, "overflow");
  });
  it("adds, subtracts and compares", async () => {
    const a = parseCoins("10uopen,3foo");
    assert.deepEqual(addCoins(a, parseCoins("5uopen,1bar")), parseCoins("1bar,3foo,15uopen"));
    assert.deepEqual(subCoins(a, parseCoins("10uopen")), parseCoins("3foo"));
    await assertAppError(() => subCoins(a, parseCoins("11uopen")), ErrInsufficientFunds);
    assert.equal(isAllGte(a, parseCoins("3foo,10uopen")), true);
    assert.equal(isAllGte(a, parseCoins("4foo")), false);
    assert.equal(isAnyGte(a, parseCoins("4foo,1uopen")), true);
    assert.equal(isAnyGte(a, []), false);
  });
});
