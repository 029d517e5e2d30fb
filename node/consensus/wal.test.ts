import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { utf8 } from "../../modules/core/bytes.ts";
import { blockId as computeBlockId } from "../types/hash.ts";
import { makeTestBlock, signedProposal, signedVote, ed25519Scheme, makeValidatorSet, testKeys } from "./testing.ts";
import {
  ConsensusWal,
  crc32c,
  decodeWalMessage,
  encodeWalMessage,
  frameRecord,
  messagesAfterEndHeight,
  messagesForReplay,
  readWalMessages,
  scanWal,
  WAL_MAX_RECORD_BYTES,
  WalCorruptionError,
  type WalMessage,
} from "./wal.ts";

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "olwal-"));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const CHAIN = "openledger-test-1";
const keys = testKeys(3, ed25519Scheme);
const vals = makeValidatorSet(keys, [10n, 10n, 10n]);
const block = makeTestBlock({ chainId: CHAIN, height: 1n, time: { seconds: 1_700_000_000n, nanos: 5 }, proposer: keys[0]!.address, txs: [utf8("a"), utf8("b")] });
const bid = computeBlockId(block);
const vote = signedVote(keys[1]!, ed25519Scheme, CHAIN, vals, { type: 2, height: 1n, round: 2, blockId: bid, extension: utf8("ext") });
const proposal = signedProposal(keys[0]!, ed25519Scheme, CHAIN, { height: 1n, round: 0, polRound: -1, blockId: bid });

const SAMPLES: WalMessage[] = [
  { kind: "input", nowMs: 1_700_000_000_123, input: { kind: "proposal", proposal, block } },
  { kind: "input", nowMs: 5, input: { kind: "vote", vote } },
  { kind: "input", nowMs: 6, input: { kind: "block", height: 1n, block } },
  { kind: "input", nowMs: 7, input: { kind: "timeout", timeout: { step: "precommit", height: 1n, round: 3 } } },
  { kind: "input", nowMs: 8, input: { kind: "value", height: 1n, round: 0, block } },
  { kind: "input", nowMs: 9, input: { kind: "verdict", height: 1n, blockHash: bid.hash, valid: true } },
  { kind: "ownVote", vote },
  { kind: "ownProposal", proposal },
  { kind: "endHeight", height: 1n },
];

describe("consensus/wal", () => {
  it("crc32c matches the Castagnoli check values", () => {
    const cases: [string, number][] = [
      ["", 0],
      ["123456789", 0xe3069283],
      ["a", 0xc1d04330],
      ["The quick brown fox jumps over the lazy dog", 0x22620404],
    ];
    for (const [s, want] of cases) assert.equal(crc32c(utf8(s)), want, JSON.stringify(s));
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa, "32 zero bytes (RFC 3720)");
    assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43, "32 0xff bytes (RFC 3720)");
  });

  it("crc32c's 8-bytes-at-a-time path agrees with the bitwise definition at every length, offset and continuation", () => {
    const bitwise = (b: Uint8Array, crc = 0): number => {
      let c = ~crc >>> 0;
      for (const x of b) {
        c ^= x;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      }
      return ~c >>> 0;
    };
    const buf = new Uint8Array(400);
    let s = 7;
    for (let i = 0; i < buf.length; i++) buf[i] = s = (s * 1103515245 + 12345) & 0xff;
    for (let off = 0; off < 4; off++) {
      for (let n = 0; n + off <= buf.length; n += 13) {
        const b = buf.subarray(off, off + n);
        assert.equal(crc32c(b), bitwise(b), `offset ${off}, length ${n}`);
        const k = n >> 1;
        assert.equal(crc32c(b.subarray(k), crc32c(b.subarray(0, k))), bitwise(b), `split at ${k}`);
      }
    }
    assert.equal(crc32c(new Uint8Array(100_000).fill(0xa5)), bitwise(new Uint8Array(100_000).fill(0xa5)));
  });

  it("round-trips every message kind", () => {
    for (const m of SAMPLES) {
      const back = decodeWalMessage(encodeWalMessage(m));
      assert.deepEqual(back, m, m.kind === "input" ? m.input.kind : m.kind);
    }
  });

  it("refuses records that are empty or over the maximum size", () => {
    assert.throws(() => frameRecord(new Uint8Array(0)));
    assert.throws(() => frameRecord(new Uint8Array(WAL_MAX_RECORD_BYTES + 1)));
  });

  it("writes, reopens and replays from the last EndHeight", () => {
    const path = join(tmp(), "cs.wal", "wal");
    const w = ConsensusWal.open(path);
    w.write(SAMPLES[1]!);
    w.writeSync({ kind: "endHeight", height: 1n });
    w.write(SAMPLES[3]!);
    w.writeSync({ kind: "ownVote", vote });
    w.write(SAMPLES[5]!);
    w.close();
    const msgs = readWalMessages(path);
    assert.equal(msgs.length, 5);
    const r = messagesAfterEndHeight(msgs, 1n);
    assert.equal(r.found, true);
    assert.deepEqual(r.messages.map((m) => m.kind), ["input", "ownVote", "input"]);
    assert.equal(messagesAfterEndHeight(msgs, 7n).found, false);
    assert.equal(messagesForReplay(msgs, 1n).length, 5, "state at 1: replay from the start (EndHeight(0) absent)");
    assert.throws(() => messagesForReplay(msgs, 0n), /EndHeight\(1\)/);
    // appending after reopen keeps the old records
    const w2 = ConsensusWal.open(path);
    w2.writeSync({ kind: "endHeight", height: 2n });
    w2.close();
    assert.equal(readWalMessages(path).length, 6);
  });

  it("buffered writes reach the file only on flush/fsync or past the threshold", () => {
    const path = join(tmp(), "wal");
    const w = ConsensusWal.open(path, { flushThresholdBytes: 1 << 20 });
    w.write(SAMPLES[3]!);
    assert.equal(statSync(path).size, 0, "buffered");
    w.flushAndSync();
    assert.ok(statSync(path).size > 0);
    w.close();
  });

  it("write() puts exactly frameRecord(encodeWalMessage(m)) on disk for every kind (blocks framed from their shared bytes)", () => {
    const path = join(tmp(), "wal");
    const w = ConsensusWal.open(path);
    for (const m of SAMPLES) w.write(m);
    w.close();
    assert.deepEqual(new Uint8Array(readFileSync(path)), new Uint8Array(Buffer.concat(SAMPLES.map((m) => frameRecord(encodeWalMessage(m))))));
  });

  it("cuts a torn tail after backing the file up", () => {
    for (const cut of [1, 4, 9, 16]) {
      const path = join(tmp(), "wal");
      const w = ConsensusWal.open(path);
      for (const m of SAMPLES) w.write(m);
      w.close();
      const full = statSync(path).size;
      truncateSync(path, full - cut);
      const repairs: number[] = [];
      const w2 = ConsensusWal.open(path, { onRepair: (i) => repairs.push(i.droppedBytes) });
      w2.close();
      assert.equal(repairs.length, 1, `cut ${cut}`);
      assert.ok(existsSync(`${path}.torn.1`));
      assert.equal(statSync(`${path}.torn.1`).size, full - cut);
      const msgs = readWalMessages(path);
      assert.equal(msgs.length, SAMPLES.length - 1, `cut ${cut}: the last record is dropped`);
      assert.deepEqual(msgs, SAMPLES.slice(0, -1));
    }
  });

  it("treats a zero-filled tail and a bad-CRC final record as torn", () => {
    const path = join(tmp(), "wal");
    const good = Buffer.concat(SAMPLES.slice(0, 3).map((m) => frameRecord(encodeWalMessage(m))));
    writeFileSync(path, Buffer.concat([good, Buffer.alloc(4096)]));
    assert.equal(scanWal(readFileSync(path)).tornTail, true);
    ConsensusWal.open(path).close();
    assert.equal(readWalMessages(path).length, 3);
    const last = frameRecord(encodeWalMessage(SAMPLES[3]!));
    last[last.length - 1] = last[last.length - 1]! ^ 0xff;
    writeFileSync(path, Buffer.concat([good, last]));
    ConsensusWal.open(path).close();
    assert.equal(readWalMessages(path).length, 3);
  });

  it("refuses to open a WAL corrupted before its tail", () => {
    const path = join(tmp(), "wal");
    const recs = SAMPLES.map((m) => frameRecord(encodeWalMessage(m)));
    const buf = Buffer.concat(recs);
    const off = recs[0]!.length + recs[1]!.length + 12; // inside the third record's payload
    buf[off] = buf[off]! ^ 0x01;
    writeFileSync(path, buf);
    assert.throws(() => ConsensusWal.open(path), (e: unknown) => e instanceof WalCorruptionError && e.offset === recs[0]!.length + recs[1]!.length);
    assert.throws(() => readWalMessages(path), WalCorruptionError);
    // an absurd length in the middle is corruption too
    const buf2 = Buffer.concat(recs);
    buf2.writeUInt32BE(0x7fffffff, recs[0]!.length + 4);
    writeFileSync(path, Buffer.concat([buf2, Buffer.alloc(0x100)]));
    assert.ok(scanWal(readFileSync(path)).tornTail, "a length past EOF reads as a torn tail");
    const buf3 = Buffer.concat(recs);
    buf3.writeUInt32BE(0, recs[0]!.length + 4);
    writeFileSync(path, buf3);
    assert.throws(() => scanWal(readFileSync(path)), WalCorruptionError, "an empty record followed by data");
  });

  it("compacts everything before an EndHeight", () => {
    const path = join(tmp(), "wal");
    const w = ConsensusWal.open(path);
    w.write(SAMPLES[1]!);
    w.writeSync({ kind: "endHeight", height: 1n });
    w.write(SAMPLES[3]!);
    w.writeSync({ kind: "endHeight", height: 2n });
    w.write(SAMPLES[5]!);
    w.compactBefore(2n);
    w.writeSync({ kind: "endHeight", height: 3n });
    w.close();
    const msgs = readWalMessages(path);
    assert.deepEqual(msgs.map((m) => m.kind), ["endHeight", "input", "endHeight"]);
  });
});
