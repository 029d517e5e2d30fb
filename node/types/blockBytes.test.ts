import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { utf8 } from "../../modules/core/bytes.ts";
import { decodeBlock, encodeBlock } from "./encoding.ts";
import { blockId } from "./hash.ts";
import { blockBytes, memoBlockId } from "./blockBytes.ts";
import { decodeDataMessage, encodeDataMessage } from "../consensus/reactor.ts";
import { makeTestBlock } from "../consensus/testing.ts";

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

  it("a received proposal's txs are views into its frame, equal to the txs sent; the block and its id are unchanged", () => {
    const proposal = { type: 32 as const, height: 3n, round: 0, polRound: -1, blockId: blockId(block), timestamp: { seconds: 9n, nanos: 0 }, signature: new Uint8Array(64) };
    const frame = encodeDataMessage({ kind: "proposal", proposal, block });
    const m = decodeDataMessage(frame);
    assert.equal(m.kind, "proposal");
    if (m.kind !== "proposal") return;
    assert.deepEqual(m.block, decodeBlock(encodeBlock(block)));
    for (const tx of m.block.data.txs) assert.equal(tx.buffer, frame.buffer, "a view of the frame");
    assert.deepEqual(memoBlockId(m.block), blockId(block));
  });
});
