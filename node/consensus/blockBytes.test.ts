import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { utf8 } from "../../modules/core/bytes.ts";
import { decodeBlock, encodeBlock } from "../types/encoding.ts";
import { blockId } from "../types/hash.ts";
import { blockBytes, memoBlockId } from "./blockBytes.ts";
import { makeTestBlock } from "./testing.ts";

describe("consensus/blockBytes", () => {
  const block = makeTestBlock({ chainId: "c", height: 3n, time: { seconds: 9n, nanos: 1 }, proposer: new Uint8Array(20).fill(1), txs: [utf8("x"), utf8("yy")] });

  it("gives encodeBlock's bytes and blockId's id, computed once per block object", () => {
    const b = blockBytes(block);
    assert.deepEqual(b, encodeBlock(block));
    assert.equal(blockBytes(block), b, "the same bytes object the second time");
    const id = memoBlockId(block);
    assert.deepEqual(id, blockId(block));
    assert.equal(memoBlockId(block), id);
  });

  it("a decoded block gets its id from our own encoding, not from the bytes it came in", () => {
    const wire = encodeBlock(block);
    const decoded = decodeBlock(wire);
    assert.deepEqual(memoBlockId(decoded), blockId(block));
    assert.notEqual(blockBytes(decoded), wire);
  });
});
