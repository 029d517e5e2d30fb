import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toHex } from "../../../modules/core/bytes.ts";
import { sha256 } from "../../../modules/core/hash.ts";
import { encodePointV1, featuresToBytes } from "../../../modules/datanet/point.ts";
import { assertUserError, cli } from "../../testing/cliHarness.ts";
import { parseInlinePoint, parsePointsCsv } from "./datanet.ts";
import { openledgerRegistry } from "./broadcast.ts";

describe("cli/tx datanet", () => {
  it("parses a points CSV: label, stake, parents and int16 feature columns; the default payload hash is the canonical point's", () => {
    const items = parsePointsCsv("f0,f1,label,stake,parents\n1,-2,0,1500,\n3,4,1,,1;2\n", { stake: "1000" });
    assert.equal(items.length, 2);
    assert.deepEqual(items.map((i) => [i.point?.label, i.stake, i.parents]), [[0, "1500", []], [1, "1000", [1n, 2n]]]);
    const enc = encodePointV1({ features: featuresToBytes([1, -2]), label: 0 });
    assert.equal(toHex(items[0]!.contentHash), toHex(sha256(enc)));
    assert.equal(items[0]!.size, BigInt(enc.length));
    assert.deepEqual(parseInlinePoint("5,6:2", { stake: "7" }).point?.features, featuresToBytes([5, 6]));
    assert.throws(() => parsePointsCsv("f0,f1\n1,2\n", { stake: "1" }), /label column/);
    assert.throws(() => parsePointsCsv("f0,label\n40000,1\n", { stake: "1" }), /int16/);
    assert.throws(() => parseInlinePoint("1,2", { stake: "1" }), /f1,f2/);
  });

  it("registers every openledger Msg with CosmJS", () => {
    const r = openledgerRegistry();
    for (const t of ["/openledger.datanet.v1.MsgContribute", "/openledger.datanet.v1.MsgSnapshot", "/openledger.attribution.v1.MsgRegisterModel", "/cosmos.bank.v1beta1.MsgSend"]) assert.ok(r.lookupType(t), t);
    const bytes = r.encode({ typeUrl: "/openledger.datanet.v1.MsgSnapshot", value: { creator: "x", datanetId: 3n } });
    assert.ok(bytes.length > 0);
  });

  it("help and user errors of the datanet and attribution commands", async () => {
    for (const args of [["tx", "datanet", "--help"], ["tx", "datanet", "contribute", "--help"], ["query", "datanet", "--help"], ["query", "attribution", "receipts", "--help"]]) {
      const r = await cli(args);
      assert.equal(r.code, 0, args.join(" "));
      assert.match(r.stdout, /Usage: openledgerd/);
    }
    assertUserError(await cli(["query", "attribution", "receipts"]), /exactly one of --model/, "receipts needs a filter");
    assertUserError(await cli(["query", "datanet", "datanet", "x"]), /invalid datanet id/, "bad id");
    assertUserError(await cli(["query", "datanet", "contribution-by-hash", "1", "abc"]), /64 hex/, "bad hash");
  });
});
