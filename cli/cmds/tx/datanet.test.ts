import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toHex } from "../../../modules/core/bytes.ts";
import { sha256 } from "../../../modules/core/hash.ts";
import { encodePointV1, featuresToBytes } from "../../../modules/datanet/point.ts";
import { assertUserError, cli } from "../../testing/cliHarness.ts";
import { parseInlinePoint, parsePointsCsv } from "./datanet.ts";
import { openledgerRegistry } from "./broadcast.ts";
import { parseEmbeddingCsv, parseFeePolicy } from "./attribution.ts";

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
    for (const args of [["tx", "datanet", "--help"], ["tx", "datanet", "contribute", "--help"], ["tx", "datanet", "update", "--help"], ["tx", "datanet", "set-gating", "--help"], ["tx", "attribution", "register-model", "--help"], ["tx", "attribution", "set-index", "--help"], ["tx", "attribution", "audit-model", "--help"], ["query", "datanet", "--help"], ["query", "attribution", "receipts", "--help"], ["query", "attribution", "reputation", "--help"]]) {
      const r = await cli(args);
      assert.equal(r.code, 0, args.join(" "));
      assert.match(r.stdout, /Usage: openledgerd/);
    }
    assertUserError(await cli(["query", "attribution", "receipts"]), /exactly one of --model/, "receipts needs a filter");
    assertUserError(await cli(["query", "datanet", "datanet", "x"]), /invalid datanet id/, "bad id");
    assertUserError(await cli(["query", "datanet", "contribution-by-hash", "1", "abc"]), /64 hex/, "bad hash");
    assertUserError(await cli(["tx", "datanet", "update", "dev", "1", "--yes"]), /nothing to update/, "empty update");
    assertUserError(await cli(["tx", "datanet", "contribute", "dev", "1", "/nonexistent/points.csv", "--yes"]), /cannot read \/nonexistent\/points\.csv/, "FILE argument as a points CSV");
    assertUserError(await cli(["tx", "datanet", "contribute", "dev", "1", "a.csv", "--file", "b.csv", "--yes"]), /either as the FILE argument or as --file/, "FILE and --file");
    assertUserError(await cli(["tx", "datanet", "set-gating", "dev", "1", "sometimes", "--yes"]), /open, allowlist or curated/, "bad gating");
    assertUserError(await cli(["tx", "attribution", "register-model", "dev", "1", "--name", "m", "--embedding-dim", "4", "--yes"]), /exactly one of --onnx/, "no artifact");
    assertUserError(await cli(["tx", "attribution", "audit-model", "dev", "x", "--yes"]), /invalid model id/, "bad model id");
  });

  it("attribution CLI parsers: fee policy in basis points, int16 embedding CSV", () => {
    assert.deepEqual(parseFeePolicy("data=7000,trainer=2000, provider=500,community=500"), { dataBps: 7000, trainerBps: 2000, providerBps: 500, communityBps: 500, burnBps: 0 });
    assert.throws(() => parseFeePolicy("data=7000"), /sum to 7000/);
    assert.throws(() => parseFeePolicy("data=10000,miner=0"), /invalid --fee-policy part/);
    assert.deepEqual(Array.from(parseEmbeddingCsv("e0,e1\n1,-2\n300,4\n", "e.csv", 2)), [1, -2, 300, 4]);
    assert.deepEqual(Array.from(parseEmbeddingCsv("5,6\n", "e.csv", 2)), [5, 6]);
    assert.throws(() => parseEmbeddingCsv("1,2,3\n", "e.csv", 2), /3 values/);
    assert.throws(() => parseEmbeddingCsv("1,40000\n", "e.csv", 2), /int16/);
  });
});
