import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeStateMessage, encodeStateMessage, type StateMessage } from "./reactor.ts";

const id = { hash: new Uint8Array(32).fill(7), partSetHeader: { total: 1, hash: new Uint8Array(32).fill(9) } };
const nil = { hash: new Uint8Array(0), partSetHeader: { total: 0, hash: new Uint8Array(0) } };

describe("consensus/reactor state messages", () => {
  it("round-trips ValidBlock, VoteSetMaj23 (block and nil) and VoteSetBits", () => {
    const msgs: StateMessage[] = [
      { kind: "validBlock", height: 7n, round: 2, blockId: id, isCommit: true },
      { kind: "validBlock", height: 7n, round: 0, blockId: id, isCommit: false },
      { kind: "maj23", height: 9n, round: 1, type: 1, blockId: id },
      { kind: "maj23", height: 9n, round: 3, type: 2, blockId: nil },
      { kind: "voteSetBits", height: 9n, round: 1, type: 2, blockId: id, bits: Uint8Array.of(0b1011, 1) },
    ];
    for (const m of msgs) assert.deepEqual(decodeStateMessage(encodeStateMessage(m)), m);
  });

  it("refuses a bad vote type, a short block hash, a ValidBlock without a block, oversize bits and trailing bytes", () => {
    assert.throws(() => decodeStateMessage(encodeStateMessage({ kind: "maj23", height: 1n, round: 0, type: 3, blockId: id })));
    assert.throws(() => decodeStateMessage(encodeStateMessage({ kind: "maj23", height: 1n, round: 0, type: 1, blockId: { ...id, hash: new Uint8Array(5) } })));
    assert.throws(() => decodeStateMessage(encodeStateMessage({ kind: "validBlock", height: 1n, round: 0, blockId: nil, isCommit: false })));
    assert.throws(() => decodeStateMessage(encodeStateMessage({ kind: "voteSetBits", height: 1n, round: 0, type: 1, blockId: id, bits: new Uint8Array(2000) })));
    const b = encodeStateMessage({ kind: "maj23", height: 1n, round: 0, type: 1, blockId: id });
    assert.throws(() => decodeStateMessage(Uint8Array.from([...b, 0])));
  });
});
