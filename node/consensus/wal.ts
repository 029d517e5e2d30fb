/**
 * The consensus write-ahead log (specs/consensus.md §4.3, §4.6).
 *
 * Every consensus input is logged in processing order with the `nowMs` it was handled at, together
 * with this node's own signed proposals and votes and an `EndHeight(h)` marker once block h is saved.
 * On restart the driver starts height S+1 from the stored state and feeds the state machine the
 * inputs logged after `EndHeight(S)`; because the machine is deterministic it re-derives its locks,
 * valid value and votes, and the own-message records give back the exact signatures it broadcast.
 *
 * File format: a sequence of records `crc32c(payload) ‖ length ‖ payload` (big-endian u32s; crc32c =
 * Castagnoli, table-driven below; 1 ≤ length ≤ WAL_MAX_RECORD_BYTES).
 *
 * Durability: `write` appends to an in-memory buffer (peer messages, timeouts); `writeSync` appends,
 * writes the buffer and fsyncs (own signed messages, EndHeight); `flushAndSync` is what the signer
 * wrapper calls before the private validator signs, so nothing signed leaves before its causes are
 * durable. The buffer is also written when it grows past `flushThresholdBytes`.
 *
 * Recovery on open: a short record at the end of the file, or a final record whose CRC fails, or a
 * zero-filled tail is a torn write: the file is copied to `<path>.torn.<n>` and truncated to the last
 * good record. A bad record followed by more data is corruption before the tail: `WalCorruptionError`,
 * and the operator must decide (restore, or cut the file by hand after the backup).
 */
import { closeSync, copyFileSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { Bytes } from "../../modules/core/abci.ts";
import type { Block, Proposal, Vote } from "../types/block.ts";
import { decodeBlock, decodeProposal, decodeVote, encodeProposal, encodeVote } from "../types/encoding.ts";
import { blockBytes } from "../types/blockBytes.ts";
import type { ConsensusInput, TimeoutStep } from "./state.ts";

// ---------------------------------------------------------------------------------------------
// crc32c (Castagnoli, reflected polynomial 0x82F63B78)

/**
 * Slicing-by-8 tables (T[k·256 + b]: the crc of byte b followed by k zero bytes), as int32 so the loop
 * stays in small-integer arithmetic: ~4× the byte-at-a-time loop, which cost ~1.1 ms per 250 KB proposal
 * record on every validator at every height.
 */
const CRC32C_TABLES = (() => {
  const t = new Int32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c;
  }
  for (let i = 0; i < 256; i++) {
    let c = t[i]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + i] = c;
    }
  }
  return t;
})();

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** crc32c of `data`, continuing from `crc` (crc32c(b, crc32c(a)) = crc32c(a ‖ b)). */
export function crc32c(data: Bytes, crc = 0): number {
  const t = CRC32C_TABLES;
  let c = ~crc | 0;
  let i = 0;
  const n = data.length;
  if (LITTLE_ENDIAN && n >= 64) {
    // 8 bytes per step, read as two aligned little-endian words
    while (((data.byteOffset + i) & 3) !== 0) c = t[(c ^ data[i++]!) & 0xff]! ^ (c >>> 8);
    const pairs = (n - i) >>> 3;
    const w = new Int32Array(data.buffer, data.byteOffset + i, pairs * 2);
    for (let j = 0; j < w.length; j += 2) {
      const a = c ^ w[j]!;
      const b = w[j + 1]!;
      c =
        t[1792 + (a & 0xff)]! ^
        t[1536 + ((a >>> 8) & 0xff)]! ^
        t[1280 + ((a >>> 16) & 0xff)]! ^
        t[1024 + (a >>> 24)]! ^
        t[768 + (b & 0xff)]! ^
        t[512 + ((b >>> 8) & 0xff)]! ^
        t[256 + ((b >>> 16) & 0xff)]! ^
        t[b >>> 24]!;
    }
    i += pairs * 8;
  }
  for (; i < n; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

// ---------------------------------------------------------------------------------------------
// messages

/** 4 MiB blocks + proposal and framing headroom. */
export const WAL_MAX_RECORD_BYTES = 8 * 1024 * 1024;
const HEADER = 8;

/** the inputs the WAL logs (startHeight is rebuilt from the stored state on restart). */
export type WalInput = Exclude<ConsensusInput, { kind: "startHeight" }>;

export type WalMessage =
  | { kind: "input"; nowMs: number; input: WalInput }
  | { kind: "ownVote"; vote: Vote }
  | { kind: "ownProposal"; proposal: Proposal }
  | { kind: "endHeight"; height: bigint };

const TAG = { input: 1, ownVote: 2, ownProposal: 3, endHeight: 4 } as const;
const IN = { proposal: 1, vote: 2, block: 3, timeout: 4, value: 5, verdict: 6 } as const;
const STEPS: readonly TimeoutStep[] = ["newHeight", "propose", "prevote", "precommit"];

class Writer {
  private parts: Bytes[] = [];
  private len = 0;
  u8(v: number): this {
    return this.raw(Uint8Array.of(v));
  }
  u32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v);
    return this.raw(b);
  }
  i32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, v);
    return this.raw(b);
  }
  u64(v: bigint): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v);
    return this.raw(b);
  }
  f64(v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v);
    return this.raw(b);
  }
  bytes(b: Bytes): this {
    return this.u32(b.length).raw(b);
  }
  raw(b: Bytes): this {
    this.parts.push(b);
    this.len += b.length;
    return this;
  }
  /** the encoded message as the parts written (a block's bytes are not copied) and its length. */
  output(): { parts: Bytes[]; len: number } {
    return { parts: this.parts, len: this.len };
  }
  finish(): Bytes {
    const out = new Uint8Array(this.len);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

class Reader {
  private o = 0;
  private readonly dv: DataView;
  private readonly b: Bytes;
  constructor(b: Bytes) {
    this.b = b;
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  private need(n: number): void {
    if (this.o + n > this.b.length) throw new Error("WAL message truncated");
  }
  u8(): number {
    this.need(1);
    return this.b[this.o++]!;
  }
  u32(): number {
    this.need(4);
    const v = this.dv.getUint32(this.o);
    this.o += 4;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.dv.getInt32(this.o);
    this.o += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.dv.getBigUint64(this.o);
    this.o += 8;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.dv.getFloat64(this.o);
    this.o += 8;
    return v;
  }
  bytes(): Bytes {
    const n = this.u32();
    this.need(n);
    const v = new Uint8Array(n);
    v.set(this.b.subarray(this.o, this.o + n));
    this.o += n;
    return v;
  }
  end(): void {
    if (this.o !== this.b.length) throw new Error("WAL message has trailing bytes");
  }
}

export function encodeWalMessage(m: WalMessage): Bytes {
  return walWriter(m).finish();
}

/** a block's bytes come from blockBytes: encoded once per block object, shared with the BlockID and the reactor. */
function walWriter(m: WalMessage): Writer {
  const w = new Writer();
  switch (m.kind) {
    case "ownVote":
      return w.u8(TAG.ownVote).bytes(encodeVote(m.vote));
    case "ownProposal":
      return w.u8(TAG.ownProposal).bytes(encodeProposal(m.proposal));
    case "endHeight":
      return w.u8(TAG.endHeight).u64(m.height);
    case "input":
      break;
  }
  w.u8(TAG.input).f64(m.nowMs);
  const i = m.input;
  switch (i.kind) {
    case "proposal":
      w.u8(IN.proposal).bytes(encodeProposal(i.proposal)).bytes(blockBytes(i.block));
      break;
    case "vote":
      w.u8(IN.vote).bytes(encodeVote(i.vote));
      break;
    case "block":
      w.u8(IN.block).u64(i.height).bytes(blockBytes(i.block));
      break;
    case "timeout":
      w.u8(IN.timeout).u8(STEPS.indexOf(i.timeout.step)).u64(i.timeout.height).i32(i.timeout.round);
      break;
    case "value":
      w.u8(IN.value).u64(i.height).i32(i.round).bytes(blockBytes(i.block));
      break;
    case "verdict":
      w.u8(IN.verdict).u64(i.height).bytes(i.blockHash).u8(i.valid ? 1 : 0);
      break;
  }
  return w;
}

export function decodeWalMessage(b: Bytes): WalMessage {
  const r = new Reader(b);
  const tag = r.u8();
  let m: WalMessage;
  if (tag === TAG.ownVote) m = { kind: "ownVote", vote: decodeVote(r.bytes()) };
  else if (tag === TAG.ownProposal) m = { kind: "ownProposal", proposal: decodeProposal(r.bytes()) };
  else if (tag === TAG.endHeight) m = { kind: "endHeight", height: r.u64() };
  else if (tag === TAG.input) {
    const nowMs = r.f64();
    const k = r.u8();
    let input: WalInput;
    if (k === IN.proposal) {
      const proposal = decodeProposal(r.bytes());
      input = { kind: "proposal", proposal, block: decodeBlock(r.bytes()) };
    } else if (k === IN.vote) input = { kind: "vote", vote: decodeVote(r.bytes()) };
    else if (k === IN.block) {
      const height = r.u64();
      input = { kind: "block", height, block: decodeBlock(r.bytes()) as Block };
    } else if (k === IN.timeout) {
      const step = STEPS[r.u8()];
      if (step === undefined) throw new Error("WAL timeout with an unknown step");
      const height = r.u64();
      input = { kind: "timeout", timeout: { step, height, round: r.i32() } };
    } else if (k === IN.value) {
      const height = r.u64();
      const round = r.i32();
      input = { kind: "value", height, round, block: decodeBlock(r.bytes()) };
    } else if (k === IN.verdict) {
      const height = r.u64();
      const blockHash = r.bytes();
      input = { kind: "verdict", height, blockHash, valid: r.u8() === 1 };
    } else throw new Error(`WAL input of unknown kind ${k}`);
    m = { kind: "input", nowMs, input };
  } else throw new Error(`WAL message of unknown tag ${tag}`);
  r.end();
  return m;
}

/** crc32c(payload) ‖ length ‖ payload. */
export function frameRecord(payload: Bytes): Bytes {
  const head = recordHeader([payload], payload.length);
  const out = new Uint8Array(HEADER + payload.length);
  out.set(head, 0);
  out.set(payload, HEADER);
  return out;
}

/** crc32c ‖ length of a record whose payload is `parts` concatenated (`len` bytes). */
function recordHeader(parts: readonly Bytes[], len: number): Bytes {
  if (len === 0 || len > WAL_MAX_RECORD_BYTES) throw new Error(`WAL record of ${len} bytes (1..${WAL_MAX_RECORD_BYTES})`);
  let crc = 0;
  for (const p of parts) crc = crc32c(p, crc);
  const out = new Uint8Array(HEADER);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, crc);
  dv.setUint32(4, len);
  return out;
}

// ---------------------------------------------------------------------------------------------
// reading and recovery

export class WalCorruptionError extends Error {
  readonly path: string;
  readonly offset: number;
  constructor(path: string, offset: number, why: string) {
    super(`consensus WAL ${path} is corrupted at byte ${offset} (${why}), before its tail: operator action required (restore the node, or back the file up and cut it at this offset by hand)`);
    this.name = "WalCorruptionError";
    this.path = path;
    this.offset = offset;
  }
}

export interface WalScan {
  /** the record payloads that passed their checks, in order. */
  payloads: Bytes[];
  /** bytes up to the end of the last good record. */
  validBytes: number;
  /** true when bytes after validBytes form a torn write (to truncate). */
  tornTail: boolean;
}

function allZero(b: Bytes, from: number): boolean {
  for (let i = from; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** scans framed records; throws WalCorruptionError for damage before the tail. */
export function scanWal(buf: Bytes, path = "<wal>"): WalScan {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const payloads: Bytes[] = [];
  let o = 0;
  while (o < buf.length) {
    if (buf.length - o < HEADER) return { payloads, validBytes: o, tornTail: true };
    const crc = dv.getUint32(o);
    const len = dv.getUint32(o + 4);
    const end = o + HEADER + len;
    if (end > buf.length) return { payloads, validBytes: o, tornTail: true };
    if (len === 0 || len > WAL_MAX_RECORD_BYTES) {
      if (allZero(buf, o)) return { payloads, validBytes: o, tornTail: true };
      throw new WalCorruptionError(path, o, len === 0 ? "empty record" : `record length ${len} exceeds ${WAL_MAX_RECORD_BYTES}`);
    }
    const payload = buf.subarray(o + HEADER, end);
    if (crc32c(payload) !== crc) {
      if (end === buf.length || allZero(buf, o)) return { payloads, validBytes: o, tornTail: true };
      throw new WalCorruptionError(path, o, "checksum mismatch");
    }
    payloads.push(payload);
    o = end;
  }
  return { payloads, validBytes: o, tornTail: false };
}

export function readWalMessages(path: string): WalMessage[] {
  if (!existsSync(path)) return [];
  const scan = scanWal(readFileSync(path), path);
  return scan.payloads.map((p, i) => {
    try {
      return decodeWalMessage(p);
    } catch (e: unknown) {
      throw new WalCorruptionError(path, -1, `record ${i} does not decode: ${String(e)}`);
    }
  });
}

/**
 * The messages logged after `EndHeight(height)` (CometBFT SearchForEndHeight). `found` is false when
 * the marker is absent (for the first height of a chain the whole log is the answer).
 */
export function messagesAfterEndHeight(msgs: readonly WalMessage[], height: bigint): { found: boolean; messages: WalMessage[] } {
  let at = -1;
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    if (m.kind === "endHeight" && m.height === height) at = i;
  }
  return { found: at >= 0, messages: msgs.slice(at + 1) };
}

/**
 * What to replay when the stored state is at height `stateHeight` (the machine starts
 * stateHeight+1): the messages after `EndHeight(stateHeight − 1)`. They start one height early
 * because the machine keeps next-height messages that arrive before its decision and processes them
 * when the height starts; those were logged before `EndHeight(stateHeight)`. The machine ignores the
 * rest of height stateHeight (except late precommits, which it adds to the last commit). Throws when
 * the WAL already holds `EndHeight(stateHeight + 1)`: the state store is behind the WAL, which the
 * handshake must fix first.
 */
export function messagesForReplay(msgs: readonly WalMessage[], stateHeight: bigint): WalMessage[] {
  for (const m of msgs) {
    if (m.kind === "endHeight" && m.height > stateHeight) throw new Error(`WAL holds EndHeight(${m.height}) while starting height ${stateHeight + 1n}`);
  }
  return messagesAfterEndHeight(msgs, stateHeight - 1n).messages;
}

// ---------------------------------------------------------------------------------------------
// the writer

export interface WalOptions {
  /** buffered bytes that force a write (not an fsync); default 64 KiB. */
  flushThresholdBytes?: number;
  /** called after a torn tail was backed up and cut (for a log line). */
  onRepair?: (info: { path: string; backup: string; validBytes: number; droppedBytes: number }) => void;
}

export class ConsensusWal {
  readonly path: string;
  private fd: number;
  private buffer: Bytes[] = [];
  private buffered = 0;
  private readonly threshold: number;
  private closed = false;

  private constructor(path: string, fd: number, threshold: number) {
    this.path = path;
    this.fd = fd;
    this.threshold = threshold;
  }

  /** opens (creating it and its directory) for appending, after cutting a torn tail (backed up first). */
  static open(path: string, opts: WalOptions = {}): ConsensusWal {
    mkdirSync(dirname(path), { recursive: true });
    if (existsSync(path)) {
      const buf = readFileSync(path);
      const scan = scanWal(buf, path);
      if (scan.tornTail) {
        let n = 1;
        while (existsSync(`${path}.torn.${n}`)) n++;
        const backup = `${path}.torn.${n}`;
        copyFileSync(path, backup);
        const fd = openSync(path, "r+");
        try {
          ftruncateSync(fd, scan.validBytes);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        opts.onRepair?.({ path, backup, validBytes: scan.validBytes, droppedBytes: buf.length - scan.validBytes });
      }
    }
    const fd = openSync(path, "a");
    fsyncDir(dirname(path));
    return new ConsensusWal(path, fd, opts.flushThresholdBytes ?? 64 * 1024);
  }

  /** buffered append (peer messages, timeouts, app answers). */
  write(m: WalMessage): void {
    const { parts, len } = walWriter(m).output();
    this.append(parts, len);
  }

  writePayload(payload: Bytes): void {
    this.append([payload], payload.length);
  }

  /** buffers one record (header, then the payload's parts: copied once, into the write in flush). */
  private append(parts: readonly Bytes[], len: number): void {
    if (this.closed) throw new Error("consensus WAL is closed");
    this.buffer.push(recordHeader(parts, len));
    for (const p of parts) this.buffer.push(p);
    this.buffered += HEADER + len;
    if (this.buffered >= this.threshold) this.flush();
  }

  /** append, write everything buffered, fsync (own signed messages, EndHeight). */
  writeSync(m: WalMessage): void {
    this.write(m);
    this.flushAndSync();
  }

  /** writes the buffer to the file (no fsync). */
  flush(): void {
    if (this.buffered === 0) return;
    const all = new Uint8Array(this.buffered);
    let o = 0;
    for (const b of this.buffer) {
      all.set(b, o);
      o += b.length;
    }
    this.buffer = [];
    this.buffered = 0;
    let w = 0;
    while (w < all.length) w += writeSync(this.fd, all, w, all.length - w);
  }

  flushAndSync(): void {
    if (this.closed) return;
    this.flush();
    fsyncSync(this.fd);
  }

  size(): number {
    return fstatSync(this.fd).size + this.buffered;
  }

  close(): void {
    if (this.closed) return;
    this.flushAndSync();
    closeSync(this.fd);
    this.closed = true;
  }

  /**
   * Drops everything before `EndHeight(height)` (keeping the marker): rewrites to a temp file,
   * fsyncs, renames over the WAL and fsyncs the directory. Safe once height+2 is decided and saved
   * (replay reads from `EndHeight(stateHeight − 1)`).
   */
  compactBefore(height: bigint): void {
    this.flushAndSync();
    const scan = scanWal(readFileSync(this.path), this.path);
    let at = -1;
    scan.payloads.forEach((p, i) => {
      const m = decodeWalMessage(p);
      if (m.kind === "endHeight" && m.height === height) at = i;
    });
    if (at < 0) return;
    const keep = scan.payloads.slice(at).map(frameRecord);
    const tmp = `${this.path}.compact`;
    const fd = openSync(tmp, "w");
    try {
      for (const r of keep) {
        let w = 0;
        while (w < r.length) w += writeSync(fd, r, w, r.length - w);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    closeSync(this.fd);
    renameSync(tmp, this.path);
    fsyncDir(dirname(this.path));
    this.fd = openSync(this.path, "a");
  }
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // some filesystems refuse directory fsync; the rename is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
