/**
 * Error codes are protocol (STYLE §7.8): test/fixtures/errorCodes.json is a golden dump of every registered
 * (codespace, code, description). Regenerate with UPDATE_FIXTURES=1 only for intentional additions.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import "../../modules/app.ts";
import { registeredErrors } from "../../modules/core/errors.ts";

const FILE = new URL("../fixtures/errorCodes.json", import.meta.url);

describe("errors/golden", () => {
  it("every registered error matches test/fixtures/errorCodes.json", () => {
    const now = registeredErrors().map((e) => ({ codespace: e.codespace, code: e.code, description: e.description }));
    if (process.env.UPDATE_FIXTURES === "1") writeFileSync(FILE, `${JSON.stringify(now, null, 2)}\n`);
    const golden = JSON.parse(readFileSync(FILE, "utf8")) as typeof now;
    // renumbering or removing is a protocol break; additions need a fixture update
    assert.deepEqual(now, golden);
  });

  it("the root codespace keeps the Cosmos SDK numbers", () => {
    const sdk = new Map(registeredErrors().filter((e) => e.codespace === "sdk").map((e) => [e.code, e.description]));
    assert.equal(sdk.get(2), "tx parse error");
    assert.equal(sdk.get(5), "insufficient funds");
    assert.equal(sdk.get(11), "out of gas");
    assert.equal(sdk.get(22), "key not found");
    assert.equal(sdk.get(32), "incorrect account sequence");
  });
});
