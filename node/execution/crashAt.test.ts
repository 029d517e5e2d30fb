import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { silentLogger } from "../util/logger.ts";
import { CRASH_AT_ENV, crashHooksFromEnv, parseCrashAt } from "./crashAt.ts";

describe("OPENLEDGER_TEST_CRASH_AT (test-only crash hook)", () => {
  it("parses <point>:<height> and rejects typos", () => {
    assert.deepEqual(parseCrashAt("afterCommit:12"), { point: "afterCommit", height: 12n });
    assert.deepEqual(parseCrashAt("afterPrivvalSign:3"), { point: "afterPrivvalSign", height: 3n });
    assert.throws(() => parseCrashAt("afterComit:12"), /unknown point/);
    assert.throws(() => parseCrashAt("afterCommit"), /<point>:<height>/);
    assert.throws(() => parseCrashAt("afterCommit:-1"), /<point>:<height>/);
  });

  it("is off unless set; fires only at the named point, from the given height on", () => {
    assert.equal(crashHooksFromEnv(silentLogger(), {}), undefined);
    assert.equal(crashHooksFromEnv(silentLogger(), { [CRASH_AT_ENV]: "" }), undefined);
    const kills: string[] = [];
    const hooks = crashHooksFromEnv(silentLogger(), { [CRASH_AT_ENV]: "afterFinalize:5" }, () => kills.push("kill"));
    assert.ok(hooks !== undefined);
    hooks.failPoint("afterFinalize", 4n);
    hooks.failPoint("afterCommit", 5n);
    hooks.crashPoint("afterPrivvalSign", { vote: { height: 5n } });
    assert.equal(kills.length, 0);
    hooks.failPoint("afterFinalize", 6n);
    assert.equal(kills.length, 1);
    const signHooks = crashHooksFromEnv(silentLogger(), { [CRASH_AT_ENV]: "afterPrivvalSign:7" }, () => kills.push("kill"));
    signHooks!.crashPoint("afterPrivvalSign", { proposal: { height: 7n } });
    assert.equal(kills.length, 2);
  });
});
