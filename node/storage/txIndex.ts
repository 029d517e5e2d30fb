/**
 * TxIndex: the tx indexer behind `tx`, `tx_search` and cosmjs's getTx/searchTx (CometBFT state/txindex/kv).
 *
 * Keys inside the bucket (all integers big-endian, so byte order = numeric order):
 *   0x01 | hash(32)                                          → record (height, index, tx), its result read from
 *                                                              the FinalizeBlock response stored for the height
 *                                                              (version 2); older records hold the ExecTxResult (1)
 *   0x02 | height u64 | index u32                            → hash
 *   0x04 | u16 len | "type.key" | u16 len | value | height u64             → index u32, index u32, …
 *   0x05 | u16 len | address | height u64   → (u16 len | "type.key" | u16 n | n × index u32)…
 *   0x03 | u16 len | "type.key" | u16 len | value | height u64 | index u32 → hash   (read only: older nodes)
 *
 * One 0x04 key per distinct (event attribute with index=true, value) per block, listing the positions
 * of the block's txs that carry it (ascending); failed txs are indexed too, with whatever events they
 * carry. A block's txs share many of them (message.action, message.module, fee, amounts, msg_index):
 * with one key per tx (0x03, CometBFT's layout, still read) a bank send wrote ~23 keys and 2.1 KB,
 * most of the node database's writes.
 *
 * Attribute values shaped like bech32 addresses (`isAddressLike`) go under 0x05 instead, one key per
 * (address, block) listing every attribute that carries it. A bank send names its sender under four
 * attributes (tx.fee_payer, coin_spent.spender, transfer.sender, message.sender) and its recipient under
 * two, each value unique in its block: six 0x04 keys per tx, two 0x05 keys. An exact match on any
 * attribute scans both prefixes (a seek each); EXISTS and CONTAINS on an attribute scan its 0x04 keys and
 * every 0x05 key (the address entries of all attributes, ~2 per tx: the same order of work as the
 * attribute's own entries); number, DATE and TIME conditions never match an address (it starts with a
 * letter), so they skip 0x05. A position's hash is read from 0x02. `tx.height` is answered
 * from 0x02 and `tx.hash` from 0x01. Search picks candidates from
 * the index (hash lookup, the intersection of every event-key clause's scan, or a height range), then
 * filters anything the index could not decide on the record itself, sorts by (height, index), and pages.
 */
import type { ExecTxResult } from "../../modules/core/abci.ts";
import { concat, fromHex, fromKeyString, prefixEnd, readU64be, toHex, toKeyString, u64be, utf8 } from "../../modules/core/bytes.ts";
import { sha256 } from "../../modules/core/hash.ts";
import { txHash } from "../types/hash.ts";
import type { TxIndexReader, TxRecord, TxSearchOptions } from "../rpc/env.ts";
import { type Condition, matches, parseQuery, type Query, valueMatches } from "../types/query.ts";
import type { Batch, Bucket } from "./types.ts";

const P_RECORD = 0x01;
const P_POSITION = 0x02;
/** one key per tx and attribute, value = hash (written by older nodes; still read). */
const P_EVENT = 0x03;
/** one key per block and attribute, value = the positions (u32 each) of the txs that carry it. */
const P_EVENT_BLOCK = 0x04;
/** one key per block and address-like value, value = the attributes that carry it, each with its positions. */
const P_EVENT_ADDR = 0x05;

/**
 * A bech32 address's shape (human-readable part, "1", 38+ data characters): such values are indexed
 * by value first (P_EVENT_ADDR). Only a shape: the checksum is not verified, and nothing depends on
 * the value being a real address.
 */
const ADDRESS_LIKE = /^[a-z]{1,20}1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{38,90}$/;
export function isAddressLike(value: string): boolean {
  return value.length >= 40 && value.length <= 111 && ADDRESS_LIKE.test(value);
}

/** the attributes of one address in one block: "type.key" → positions (ascending, distinct). */
type AddrGroup = Map<string, number[]>;

export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 100;

/** thrown by search: kind "query" (the text does not parse) or "page" (beyond the last page). */
export class TxSearchError extends Error {
  readonly kind: "query" | "page";
  constructor(kind: "query" | "page", message: string) {
    super(message);
    this.name = "TxSearchError";
    this.kind = kind;
  }
}

const dec = new TextDecoder();

// ---------------------------------------------------------------- record codec

/**
 * A slab writer: each value (`begin()` … `take()`) is written in place into a 64 KiB slab and handed out
 * as a view of it; a value that does not fit moves to a fresh slab. Written bytes are never overwritten,
 * so views stay valid (a slab lives as long as any view of it). One allocation per slab instead of a part
 * per field (each a fresh Uint8Array behind a DataView, which cost more than the rest of indexing).
 * Integers are big-endian; strings are UTF-8.
 */
const SLAB = 1 << 16;
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

class Writer {
  private buf: Buffer = Buffer.allocUnsafeSlow(SLAB);
  private start = 0;
  o = 0;
  private ensure(n: number): void {
    if (this.o + n <= this.buf.length) return;
    const len = this.o - this.start;
    const next = Buffer.allocUnsafeSlow(Math.max(SLAB, 2 * (len + n)));
    this.buf.copy(next, 0, this.start, this.o);
    this.buf = next;
    this.start = 0;
    this.o = len;
  }
  /** starts a new value. */
  begin(): void {
    this.start = this.o;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.o++] = v & 0xff;
  }
  u16(v: number): void {
    this.ensure(2);
    const b = this.buf;
    b[this.o] = (v >>> 8) & 0xff;
    b[this.o + 1] = v & 0xff;
    this.o += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.o);
    this.o += 4;
  }
  i64(v: bigint): void {
    if (v >= 0n && v <= MAX_SAFE_BIG) return this.u64(v);
    this.ensure(8);
    this.buf.writeBigInt64BE(BigInt.asIntN(64, v), this.o);
    this.o += 8;
  }
  /** u64 big-endian of a non-negative integer (below 2^53, every height and gas figure, without BigInt arithmetic). */
  u64(v: bigint): void {
    this.ensure(8);
    if (v <= MAX_SAFE_BIG) {
      const n = Number(v);
      const hi = Math.floor(n / 4294967296);
      this.buf.writeUInt32BE(hi, this.o);
      this.buf.writeUInt32BE(n - hi * 4294967296, this.o + 4);
    } else this.buf.writeBigUInt64BE(v, this.o);
    this.o += 8;
  }
  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.o);
    this.o += b.length;
  }
  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.raw(b);
  }
  /** the UTF-8 bytes of `s` (no length); returns their count. */
  utf8(s: string): number {
    const n = s.length;
    this.ensure(n * 3);
    const b = this.buf;
    const start = this.o;
    let o = start;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        // non-ASCII: let the runtime encode the rest (WHATWG replacement of lone surrogates, as TextEncoder)
        o += b.write(s.slice(i), o, "utf8");
        this.o = o;
        return o - start;
      }
      b[o++] = c;
    }
    this.o = o;
    return o - start;
  }
  str(s: string): void {
    this.ensure(4);
    // relative to the value's start: utf8() may move the value to a fresh slab
    const at = this.o - this.start;
    this.o += 4;
    const n = this.utf8(s);
    this.buf.writeUInt32BE(n, this.start + at);
  }
  /** writes a u16 length placeholder and the UTF-8 of `s`; returns the byte count (the caller checks the limit). */
  lp16str(s: string): number {
    this.ensure(2);
    // relative to the value's start: utf8() may move the value to a fresh slab
    const rel = this.o - this.start;
    this.o += 2;
    const n = this.utf8(s);
    if (n <= 0xffff) {
      const at = this.start + rel;
      this.buf[at] = n >>> 8;
      this.buf[at + 1] = n & 0xff;
    }
    return n;
  }
  /**
   * lp16str(`${type}.${key}`) without building the string: written part by part when both are ASCII
   * (the same bytes), else from the joined string (a surrogate pair split across the two parts encodes
   * differently from its halves).
   */
  lp16composite(type: string, key: string): number {
    this.ensure(2);
    const rel = this.o - this.start;
    this.o += 2;
    const n1 = this.utf8(type);
    let n = -1;
    if (n1 === type.length) {
      this.u8(0x2e);
      const n2 = this.utf8(key);
      if (n2 === key.length) n = n1 + 1 + n2;
    }
    if (n < 0) {
      // non-ASCII: start over from the joined string
      this.o = this.start + rel + 2;
      n = this.utf8(`${type}.${key}`);
    }
    if (n <= 0xffff) {
      const at = this.start + rel;
      this.buf[at] = n >>> 8;
      this.buf[at + 1] = n & 0xff;
    }
    return n;
  }
  /** forgets the value written since `begin()` (its bytes are reused by the next one). */
  discard(): void {
    this.o = this.start;
  }
  /** FNV-1a (32 bits) of the value written since `begin()`. */
  fnv1a(): number {
    const b = this.buf;
    const end = this.o;
    // an int32 from the start (0x811c9dc5 itself is not a small integer: V8 would loop on doubles)
    let h = 0x811c9dc5 | 0;
    for (let i = this.start; i < end; i++) h = Math.imul(h ^ (b[i] as number), 0x01000193);
    return h;
  }
  /** whether the value written since `begin()` equals `k`. */
  equals(k: Uint8Array): boolean {
    const n = this.o - this.start;
    if (k.length !== n) return false;
    const b = this.buf;
    const s = this.start;
    for (let i = 0; i < n; i++) if (b[s + i] !== k[i]) return false;
    return true;
  }
  /** the value written since `begin()`, as a plain Uint8Array view of the slab. */
  take(): Uint8Array {
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset + this.start, this.o - this.start);
  }
}

class Reader {
  private o = 0;
  private readonly dv: DataView;
  private readonly b: Uint8Array;
  constructor(b: Uint8Array) {
    this.b = b;
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  u8(): number {
    return this.dv.getUint8(this.o++);
  }
  u32(): number {
    const v = this.dv.getUint32(this.o);
    this.o += 4;
    return v;
  }
  i64(): bigint {
    const v = this.dv.getBigInt64(this.o);
    this.o += 8;
    return v;
  }
  bytes(): Uint8Array {
    const n = this.u32();
    if (this.o + n > this.b.length) throw new Error("tx index record truncated");
    const v = this.b.slice(this.o, this.o + n);
    this.o += n;
    return v;
  }
  str(): string {
    return dec.decode(this.bytes());
  }
}

/** one block-level event key being built: its bytes, the positions of the txs carrying it, the next key with the same hash. */
interface EventGroup {
  key: Uint8Array;
  positions: number[];
  next: EventGroup | undefined;
}

/** record: height, index, tx and the whole ExecTxResult (older nodes; a TxIndex without a result source). */
const RECORD_VERSION = 1;
/** record: height, index and tx; the result is the one in the FinalizeBlock response stored for that height. */
const RECORD_VERSION_REF = 2;

/** the stored result of the tx at (height, index): StateStore.loadTxResult. */
export type TxResultSource = (height: bigint, index: number) => ExecTxResult | undefined;

const scratch = new Writer();

function encodeTxRecordRef(r: TxRecord): Uint8Array {
  const w = scratch;
  w.begin();
  w.u8(RECORD_VERSION_REF);
  w.i64(r.height);
  w.u32(r.index);
  w.bytes(r.tx);
  return w.take();
}

export function encodeTxRecord(r: TxRecord): Uint8Array {
  const w = scratch;
  w.begin();
  w.u8(RECORD_VERSION);
  w.i64(r.height);
  w.u32(r.index);
  w.bytes(r.tx);
  const x = r.result;
  w.u32(x.code);
  w.bytes(x.data);
  w.str(x.log);
  w.str(x.info);
  w.i64(x.gasWanted);
  w.i64(x.gasUsed);
  w.str(x.codespace);
  w.u32(x.events.length);
  for (const ev of x.events) {
    w.str(ev.type);
    w.u32(ev.attributes.length);
    for (const a of ev.attributes) {
      w.str(a.key);
      w.str(a.value);
      w.u8(a.index ? 1 : 0);
    }
  }
  return w.take();
}

/**
 * A record of either version; a version-2 record takes its result from `results` (undefined when that
 * has none: not a usable record). Throws on bytes that are not a record.
 */
export function decodeTxRecord(b: Uint8Array, results?: TxResultSource): TxRecord | undefined {
  const r = new Reader(b);
  const v = r.u8();
  if (v !== RECORD_VERSION && v !== RECORD_VERSION_REF) throw new Error(`unknown tx index record version ${v}`);
  const height = r.i64();
  const index = r.u32();
  const tx = r.bytes();
  if (v === RECORD_VERSION_REF) {
    if (results === undefined) throw new Error("tx index record of version 2 without a result source");
    const result = results(height, index);
    return result === undefined ? undefined : { height, index, tx, hash: sha256(tx), result };
  }
  const code = r.u32();
  const data = r.bytes();
  const log = r.str();
  const info = r.str();
  const gasWanted = r.i64();
  const gasUsed = r.i64();
  const codespace = r.str();
  const nEvents = r.u32();
  const events: ExecTxResult["events"] = [];
  for (let i = 0; i < nEvents; i++) {
    const type = r.str();
    const nAttrs = r.u32();
    const attributes = [];
    for (let j = 0; j < nAttrs; j++) attributes.push({ key: r.str(), value: r.str(), index: r.u8() === 1 });
    events.push({ type, attributes });
  }
  return { height, index, tx, hash: sha256(tx), result: { code, data, log, info, gasWanted, gasUsed, events, codespace } };
}

// ---------------------------------------------------------------- keys

function u32be(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0);
  return b;
}

function lp16(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length + 2);
  new DataView(out.buffer).setUint16(0, b.length);
  out.set(b, 2);
  return out;
}

const MAX_PART = 0xffff;

function recordKey(hash: Uint8Array): Uint8Array {
  const k = new Uint8Array(1 + hash.length);
  k[0] = P_RECORD;
  k.set(hash, 1);
  return k;
}

function positionKey(height: bigint, index: number): Uint8Array {
  const k = Buffer.allocUnsafeSlow(13);
  k[0] = P_POSITION;
  k.writeBigUInt64BE(height, 1);
  k.writeUInt32BE(index >>> 0, 9);
  return new Uint8Array(k.buffer, 0, 13);
}

/** 12 bytes height|index, as a latin1 string whose `<` order is (height, index) order. */
type Pos = string;

function posOf(height: bigint, index: number): Pos {
  return toKeyString(concat(u64be(height), u32be(index)));
}

function posHeight(p: Pos): bigint {
  return readU64be(fromKeyString(p), 0);
}

/** the event map CometBFT's indexer matches against: indexed attributes plus tm.event, tx.hash and tx.height. */
export function txEventMap(r: TxRecord): Record<string, string[]> {
  const m: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  m["tm.event"] = ["Tx"];
  m["tx.hash"] = [toHex(r.hash).toUpperCase()];
  m["tx.height"] = [r.height.toString()];
  for (const ev of r.result.events) {
    for (const a of ev.attributes) {
      if (!a.index || ev.type === "" || a.key === "") continue;
      const k = `${ev.type}.${a.key}`;
      (m[k] ??= []).push(a.value);
    }
  }
  return m;
}

interface HeightRange {
  lo: bigint;
  hi: bigint;
}

/** the integer height range implied by numeric tx.height conditions (undefined when a condition is not numeric). */
function heightRange(conds: Condition[]): HeightRange | undefined {
  let lo = 0n;
  let hi = (1n << 63n) - 1n;
  for (const c of conds) {
    const o = c.operand;
    if (c.op === "EXISTS") continue;
    if (o === undefined || o.kind !== "number") return undefined;
    const p = 10n ** BigInt(o.scale);
    // floor and ceil of o.int / p
    const fl = o.int >= 0n ? o.int / p : -((-o.int + p - 1n) / p);
    const exact = o.int % p === 0n;
    const ce = exact ? fl : fl + 1n;
    switch (c.op) {
      case "=":
        if (!exact) return { lo: 1n, hi: 0n };
        lo = lo > fl ? lo : fl;
        hi = hi < fl ? hi : fl;
        break;
      case ">":
        lo = lo > fl + 1n ? lo : fl + 1n;
        break;
      case ">=":
        lo = lo > ce ? lo : ce;
        break;
      case "<":
        hi = hi < ce - 1n ? hi : ce - 1n;
        break;
      case "<=":
        hi = hi < fl ? hi : fl;
        break;
      default:
        return undefined;
    }
  }
  return { lo: lo < 0n ? 0n : lo, hi };
}

function clampPerPage(n: number): number {
  if (!Number.isFinite(n) || n < 1) return DEFAULT_PER_PAGE;
  return Math.min(Math.floor(n), MAX_PER_PAGE);
}

export class TxIndex implements TxIndexReader {
  private readonly bucket: Bucket;
  private readonly results: TxResultSource | undefined;

  /**
   * With `results` (the node: the FinalizeBlock responses saved in the same batch as the index), a
   * record holds no copy of its result (1.5 KB of a bank send's 1.8 KB record); without, whole records.
   */
  constructor(bucket: Bucket, results?: TxResultSource) {
    this.bucket = bucket;
    this.results = results;
  }

  /** stages the records and index keys of one block's txs into `batch`. */
  indexBlock(batch: Batch, height: bigint, txs: readonly Uint8Array[], results: readonly ExecTxResult[]): void {
    if (txs.length !== results.length) throw new Error(`indexBlock: ${txs.length} txs but ${results.length} results`);
    const groups = new Map<number, EventGroup>();
    const order: EventGroup[] = [];
    const addrs = new Map<string, AddrGroup>();
    const heightBytes = u64be(height);
    for (let i = 0; i < txs.length; i++) {
      const tx = txs[i] as Uint8Array;
      const result = results[i] as ExecTxResult;
      const hash = txHash(tx);
      // as CometBFT: a failed re-inclusion of a tx never hides its earlier successful record
      if (result.code !== 0) {
        const prev = this.bucket.get(recordKey(hash));
        if (prev !== undefined) {
          try {
            if (decodeTxRecord(prev, this.results)?.result.code === 0) continue;
          } catch {
            // unreadable old record: overwrite it
          }
        }
      }
      this.indexTx(batch, { height, index: i, tx, hash, result }, heightBytes, groups, order, addrs);
    }
    // the block's event keys, each with the positions of its txs (u32 each, ascending)
    const w = scratch;
    for (const g of order) {
      w.begin();
      for (const p of g.positions) w.u32(p);
      batch.put(g.key, w.take());
    }
    // the block's address keys: bucket | P_EVENT_ADDR | lp16 address | height → per attribute:
    // lp16 "type.key" | u32 n | n × u32 (an address is ASCII; "type.key" was kept under MAX_PART)
    for (const [addr, attrs] of addrs) {
      w.begin();
      w.u8(this.bucket.id);
      w.u8(P_EVENT_ADDR);
      w.lp16str(addr);
      w.raw(heightBytes);
      const key = w.take();
      w.begin();
      for (const [composite, positions] of attrs) {
        w.lp16str(composite);
        w.u32(positions.length);
        for (const p of positions) w.u32(p);
      }
      batch.put(key, w.take());
    }
  }

  private indexTx(
    batch: Batch,
    r: TxRecord,
    heightBytes: Uint8Array,
    groups: Map<number, EventGroup>,
    order: EventGroup[],
    addrs: Map<string, AddrGroup>,
  ): void {
    this.bucket.put(batch, recordKey(r.hash), this.results === undefined ? encodeTxRecord(r) : encodeTxRecordRef(r));
    this.bucket.put(batch, positionKey(r.height, r.index), r.hash);
    // event keys, each built in place with the bucket byte (bucket.put would copy it again):
    // bucket | P_EVENT_BLOCK | lp16 "type.key" | lp16 value | height
    const w = scratch;
    const bucketId = this.bucket.id;
    for (const ev of r.result.events) {
      if (ev.type === "") continue;
      for (const a of ev.attributes) {
        if (!a.index || a.key === "") continue;
        // a "type.key" of under 10,000 UTF-16 units is under MAX_PART bytes
        if (isAddressLike(a.value) && ev.type.length + a.key.length < 10_000) {
          let g = addrs.get(a.value);
          if (g === undefined) addrs.set(a.value, (g = new Map()));
          const composite = `${ev.type}.${a.key}`;
          const ps = g.get(composite);
          if (ps === undefined) g.set(composite, [r.index]);
          else if (ps[ps.length - 1] !== r.index) ps.push(r.index);
          continue;
        }
        w.begin();
        w.u8(bucketId);
        w.u8(P_EVENT_BLOCK);
        if (w.lp16composite(ev.type, a.key) > MAX_PART || w.lp16str(a.value) > MAX_PART) {
          w.discard();
          continue;
        }
        w.raw(heightBytes);
        // compared as bytes (in place: no view unless it is a new key), by a 32-bit hash first
        const h = w.fnv1a();
        let g = groups.get(h);
        while (g !== undefined && !w.equals(g.key)) g = g.next;
        if (g === undefined) {
          order.push((g = { key: w.take(), positions: [r.index], next: groups.get(h) }));
          groups.set(h, g);
        } else {
          // the group holds these bytes already: reuse them for the next key
          w.discard();
          // the same (key, value) twice in one tx is one position
          if (g.positions[g.positions.length - 1] !== r.index) g.positions.push(r.index);
        }
      }
    }
  }

  /** the hash of the tx indexed at a position (P_POSITION). */
  private hashAt(pos: Pos): Uint8Array | undefined {
    const k = new Uint8Array(13);
    k[0] = P_POSITION;
    for (let i = 0; i < 12; i++) k[i + 1] = pos.charCodeAt(i);
    return this.bucket.get(k);
  }

  getByHash(hash: Uint8Array): TxRecord | undefined {
    if (hash.length !== 32) return undefined;
    const v = this.bucket.get(recordKey(hash));
    return v === undefined ? undefined : decodeTxRecord(v, this.results);
  }

  /** the tx at (height, index), if indexed. */
  getByPosition(height: bigint, index: number): TxRecord | undefined {
    const h = this.bucket.get(positionKey(height, index));
    return h === undefined ? undefined : this.getByHash(h);
  }

  async search(queryText: string, opts: Partial<TxSearchOptions> = {}): Promise<{ total: number; txs: TxRecord[] }> {
    let query: Query;
    try {
      query = parseQuery(queryText);
    } catch (e) {
      throw new TxSearchError("query", e instanceof Error ? e.message : String(e));
    }
    const page = opts.page ?? 1;
    const perPage = clampPerPage(opts.perPage ?? DEFAULT_PER_PAGE);
    const desc = opts.orderBy === "desc";

    const { positions, needsFilter } = await this.candidates(query);
    let hits: { pos: Pos; hash: Uint8Array | undefined; rec?: TxRecord }[] = [];
    if (needsFilter) {
      for (const [pos, known] of positions) {
        const hash = known ?? this.hashAt(pos);
        const rec = hash === undefined ? undefined : this.getByHash(hash);
        if (rec === undefined || posOf(rec.height, rec.index) !== pos) continue;
        if (matches(query, txEventMap(rec))) hits.push({ pos, hash, rec });
      }
    } else {
      for (const [pos, hash] of positions) hits.push({ pos, hash });
    }
    hits.sort((a, b) => (a.pos < b.pos ? -1 : a.pos > b.pos ? 1 : 0));
    if (desc) hits.reverse();
    const total = hits.length;
    const pages = Math.max(1, Math.ceil(total / perPage));
    if (!Number.isInteger(page) || page < 1 || page > pages) {
      throw new TxSearchError("page", `page should be within [1, ${pages}] range, given ${page}`);
    }
    hits = hits.slice((page - 1) * perPage, page * perPage);
    const txs: TxRecord[] = [];
    for (const h of hits) {
      const hash = h.hash ?? this.hashAt(h.pos);
      const rec = h.rec ?? (hash === undefined ? undefined : this.getByHash(hash));
      if (rec !== undefined) txs.push(rec);
    }
    return { total, txs };
  }

  /**
   * candidate positions → hash (undefined: read from P_POSITION when needed). `needsFilter` is false
   * when the index scans alone decided every condition (then no record has to be read to count the total).
   */
  private async candidates(query: Query): Promise<{ positions: Map<Pos, Uint8Array | undefined>; needsFilter: boolean }> {
    const empty = { positions: new Map<Pos, Uint8Array | undefined>(), needsFilter: false };
    const eventConds: Condition[] = [];
    const heightConds: Condition[] = [];
    let hashCond: Condition | undefined;
    let needsFilter = false;
    for (const c of query.conditions) {
      if (c.key === "tm.event") {
        // tx_search looks only at Tx events
        if (c.op === "EXISTS") continue;
        if (c.op === "=" && c.operand?.kind === "string" && c.operand.value === "Tx") continue;
        if (c.op === "CONTAINS" && c.operand?.kind === "string" && "Tx".includes(c.operand.value)) continue;
        return empty;
      }
      if (c.key === "tx.hash") {
        if (c.op === "=" && c.operand?.kind === "string" && hashCond === undefined) hashCond = c;
        else needsFilter = true;
        continue;
      }
      if (c.key === "tx.height") {
        heightConds.push(c);
        continue;
      }
      eventConds.push(c);
    }
    const range = heightConds.length > 0 ? heightRange(heightConds) : undefined;
    if (heightConds.length > 0 && range === undefined) needsFilter = true;
    if (range !== undefined && range.lo > range.hi) return empty;
    const inRange = (p: Pos): boolean => {
      if (range === undefined) return true;
      const h = posHeight(p);
      return h >= range.lo && h <= range.hi;
    };

    // 1. by hash
    if (hashCond !== undefined) {
      const text = (hashCond.operand as { value: string }).value;
      let hash: Uint8Array;
      try {
        hash = fromHex(text);
      } catch {
        return empty;
      }
      const rec = this.getByHash(hash);
      const positions = new Map<Pos, Uint8Array | undefined>();
      if (rec !== undefined) positions.set(posOf(rec.height, rec.index), rec.hash);
      // every other condition is checked on the record
      return { positions, needsFilter: query.conditions.length > 1 };
    }

    // 2. every event-key condition from its own index scan, smallest first, intersected
    if (eventConds.length > 0) {
      // equality on a string first (exact prefix scans are the cheapest and most selective)
      const ordered = [...eventConds].sort((a, b) => rank(a) - rank(b));
      let acc: Map<Pos, Uint8Array | undefined> | undefined;
      for (const c of ordered) {
        // each scan is restricted to the survivors of the previous ones
        acc = await this.scanCondition(c, inRange, acc);
        if (acc.size === 0) return { positions: acc, needsFilter: false };
      }
      return { positions: acc ?? new Map(), needsFilter };
    }

    // 3. by height range (or everything)
    const lo = range?.lo ?? 0n;
    const hi = range?.hi ?? (1n << 63n) - 1n;
    const positions = new Map<Pos, Uint8Array | undefined>();
    const gte = concat(Uint8Array.of(P_POSITION), u64be(lo));
    const lt = hi >= 0xffffffffffffffffn ? prefixEnd(Uint8Array.of(P_POSITION)) : concat(Uint8Array.of(P_POSITION), u64be(hi + 1n));
    const opts = lt === undefined ? { gte } : { gte, lt };
    for await (const [k, v] of this.bucket.iterate(opts)) {
      if (k[0] !== P_POSITION || k.length !== 13) continue;
      positions.set(toKeyString(k.subarray(1)), v);
    }
    return { positions, needsFilter };
  }

  /** positions whose indexed attribute satisfies `c` (restricted to `within` when given): per-block keys, then older per-tx keys. */
  private async scanCondition(
    c: Condition,
    inRange: (p: Pos) => boolean,
    within: Map<Pos, Uint8Array | undefined> | undefined,
  ): Promise<Map<Pos, Uint8Array | undefined>> {
    const out = new Map<Pos, Uint8Array | undefined>();
    const exact = c.op === "=" && c.operand?.kind === "string";
    const composite = lp16(utf8(c.key));
    const valuePart = exact ? lp16(utf8((c.operand as { value: string }).value)) : new Uint8Array(0);
    // the attribute's value, for the conditions the key prefix alone does not decide
    const valueMatches = (k: Uint8Array): boolean => {
      if (exact) return true;
      const at = 1 + composite.length;
      const vlen = (k[at]! << 8) | k[at + 1]!;
      const value = dec.decode(k.subarray(at + 2, at + 2 + vlen));
      return matches({ source: "", conditions: [c] }, { [c.key]: [value] });
    };
    for await (const [k, v] of this.bucket.iterate({ prefix: concat(Uint8Array.of(P_EVENT_BLOCK), composite, valuePart) })) {
      if (k.length < 1 + composite.length + 2 + 8 || v.length % 4 !== 0) continue;
      const height = toKeyString(k.subarray(k.length - 8));
      if (!inRange(height + "\0\0\0\0")) continue;
      if (!valueMatches(k)) continue;
      for (let o = 0; o < v.length; o += 4) {
        const p = height + String.fromCharCode(v[o]!, v[o + 1]!, v[o + 2]!, v[o + 3]!);
        if (within !== undefined && !within.has(p)) continue;
        out.set(p, within === undefined ? undefined : within.get(p));
      }
    }
    for await (const [k, v] of this.bucket.iterate({ prefix: concat(Uint8Array.of(P_EVENT), composite, valuePart) })) {
      if (k.length < 1 + composite.length + 2 + 12) continue;
      const p = toKeyString(k.subarray(k.length - 12));
      if (within !== undefined && !within.has(p)) continue;
      if (!inRange(p)) continue;
      if (!valueMatches(k)) continue;
      out.set(p, v);
    }
    // address-like values: an exact match seeks its address; EXISTS and CONTAINS read every address key;
    // a number, DATE or TIME never matches an address
    if (c.op === "EXISTS" || c.operand?.kind === "string") await this.scanAddresses(c, exact ? valuePart : new Uint8Array(0), inRange, within, out);
    return out;
  }

  /** the P_EVENT_ADDR part of scanCondition: positions where attribute `c.key` holds an address satisfying `c`. */
  private async scanAddresses(
    c: Condition,
    valuePart: Uint8Array,
    inRange: (p: Pos) => boolean,
    within: Map<Pos, Uint8Array | undefined> | undefined,
    out: Map<Pos, Uint8Array | undefined>,
  ): Promise<void> {
    const want = c.key;
    const exact = valuePart.length > 0;
    for await (const [k, v] of this.bucket.iterate({ prefix: concat(Uint8Array.of(P_EVENT_ADDR), valuePart) })) {
      if (k.length < 1 + 2 + 8) continue;
      const vlen = (k[1]! << 8) | k[2]!;
      if (k.length !== 1 + 2 + vlen + 8) continue;
      const height = toKeyString(k.subarray(k.length - 8));
      if (!inRange(height + "\0\0\0\0")) continue;
      if (!exact && !valueMatches(c, dec.decode(k.subarray(3, 3 + vlen)))) continue;
      const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
      for (let o = 0; o + 2 <= v.length; ) {
        const clen = dv.getUint16(o);
        const composite = dec.decode(v.subarray(o + 2, o + 2 + clen));
        o += 2 + clen;
        if (o + 4 > v.length) break;
        const n = dv.getUint32(o);
        o += 4;
        if (composite === want) {
          for (let j = 0; j < n && o + 4 * j + 4 <= v.length; j++) {
            const q = o + 4 * j;
            const p = height + String.fromCharCode(v[q]!, v[q + 1]!, v[q + 2]!, v[q + 3]!);
            if (within !== undefined && !within.has(p)) continue;
            out.set(p, within === undefined ? undefined : within.get(p));
          }
        }
        o += 4 * n;
      }
    }
  }
}

function rank(c: Condition): number {
  if (c.op === "=" && c.operand?.kind === "string") return 0;
  if (c.op === "=") return 1;
  if (c.op === "EXISTS") return 3;
  return 2;
}
