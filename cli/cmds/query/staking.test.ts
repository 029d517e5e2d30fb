import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decToProto } from "../tx/staking.ts";
import { decFields, formatProtoDec } from "./staking.ts";
import { cli } from "../../testing/cliHarness.ts";

describe("cli/staking, slashing, distribution commands", () => {
  it("LegacyDec: CLI decimals ⇄ proto 10^18-scaled integers", () => {
    assert.equal(decToProto("0.10", "rate"), "100000000000000000");
    assert.equal(decToProto("1", "rate"), "1000000000000000000");
    assert.throws(() => decToProto("0.1x", "rate"));
    assert.equal(formatProtoDec("100000000000000000"), "0.100000000000000000");
    assert.equal(formatProtoDec("10000000000000000000000000"), "10000000.000000000000000000");
    assert.equal(formatProtoDec("0"), "0.000000000000000000");
    assert.deepEqual(decFields({ validators: [{ delegator_shares: "1000000000000000000", tokens: "1" }] }, new Set(["delegator_shares"])), { validators: [{ delegator_shares: "1.000000000000000000", tokens: "1" }] });
    assert.deepEqual(decFields({ p: Buffer.from("500000000000000000").toString("base64") }, new Set(), new Set(["p"])), { p: "0.500000000000000000" });
  });

  it("every new subcommand has --help", async () => {
    for (const args of [
      ["tx", "staking", "create-validator"],
      ["tx", "staking", "edit-validator"],
      ["tx", "staking", "delegate"],
      ["tx", "staking", "unbond"],
      ["tx", "staking", "redelegate"],
      ["tx", "slashing", "unjail"],
      ["tx", "distribution", "withdraw-rewards"],
      ["tx", "distribution", "fund-community-pool"],
      ["query", "staking", "validators"],
      ["query", "staking", "delegation"],
      ["query", "staking", "unbonding-delegations"],
      ["query", "staking", "pool"],
      ["query", "staking", "historical-info"],
      ["query", "slashing", "signing-infos"],
      ["query", "distribution", "rewards"],
      ["query", "distribution", "community-pool"],
      ["genesis", "gentx"],
      ["genesis", "collect-gentxs"],
    ]) {
      const r = await cli([...args, "--help"]);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stdout, /--output|Usage/, args.join(" "));
    }
  });

  it("bad addresses are user errors before any RPC", async () => {
    const r = await cli(["query", "staking", "validator", "open1notavaloper", "--node", "http://127.0.0.1:1"]);
    assert.notEqual(r.code, 0);
  });

  it("historical-info: a height that is not a non-negative integer is a user error before any RPC", async () => {
    for (const h of ["-1", "1.5", "x", "9223372036854775808"]) {
      const r = await cli(["query", "staking", "historical-info", "--node", "http://127.0.0.1:1", "--", h]);
      assert.notEqual(r.code, 0, h);
      assert.match(r.stderr, /non-negative-integer/, h);
    }
  });
});
