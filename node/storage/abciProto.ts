/**
 * Hand-written protobuf encoding of the part of tendermint.abci.ResponseFinalizeBlock that grows with the
 * block (events, tx_results: ExecTxResult, Event, EventAttribute), byte-for-byte what cosmjs-types
 * writes (proto3 defaults omitted, fields in number order, minimal varints). Sizes are computed first,
 * then everything is written once into one buffer: the generic writer forked a sub-writer per nested
 * message and allocated per field, which cost more than the rest of saving a block's results.
 */
import type { AbciEvent, ExecTxResult } from "../../modules/core/abci.ts";

function varintLen(n: number): number {
  // n: unsigned 32-bit
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  return 5;
}

function int64Len(v: bigint): number {
  let u = BigInt.asUintN(64, v);
  if (u < 0x100000000n) return varintLen(Number(u));
  let n = 0;
  while (u >= 0x80n) {
    u >>= 7n;
    n++;
  }
  return n + 1;
}

/** thrown when a string holds a lone surrogate: cosmjs-types writes those its own way, so the caller falls back to it. */
export class NotWellFormed extends Error {}

/** UTF-8 byte length (ASCII fast path). */
function strLen(s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) >= 0x80) {
      if (!(s as unknown as { isWellFormed(): boolean }).isWellFormed()) throw new NotWellFormed();
      return Buffer.byteLength(s, "utf8");
    }
  }
  return n;
}

function ldLen(n: number): number {
  return varintLen(n) + n;
}

function attrSize(key: string, value: string, index: boolean, kl: number, vl: number): number {
  return (key !== "" ? 1 + ldLen(kl) : 0) + (value !== "" ? 1 + ldLen(vl) : 0) + (index ? 2 : 0);
}

/** per-message sizes, computed once and consumed in the same order by the writer. */
class Sizes {
  /** the sizes, in a buffer kept across calls (a block's results need tens of thousands). */
  a: Uint32Array = shared;
  len = 0;
  i = 0;
  push(n: number): number {
    if (this.len === this.a.length) {
      const next = new Uint32Array(this.a.length * 2);
      next.set(this.a);
      this.a = next;
      shared = next;
    }
    this.a[this.len++] = n;
    return n;
  }
  next(): number {
    return this.a[this.i++] as number;
  }
}
let shared = new Uint32Array(1 << 14);

function eventSize(ev: AbciEvent, s: Sizes): number {
  const slot = s.len;
  s.push(0); // event size placeholder
  let n = 0;
  if (ev.type !== "") n += 1 + ldLen(s.push(strLen(ev.type)));
  for (const a of ev.attributes) {
    const at = s.len;
    s.push(0);
    const kl = a.key !== "" ? s.push(strLen(a.key)) : 0;
    const vl = a.value !== "" ? s.push(strLen(a.value)) : 0;
    const m = attrSize(a.key, a.value, a.index, kl, vl);
    s.a[at] = m;
    n += 1 + ldLen(m);
  }
  s.a[slot] = n;
  return n;
}

function resultSize(r: ExecTxResult, s: Sizes): number {
  const slot = s.len;
  s.push(0);
  let n = 0;
  if (r.code !== 0) n += 1 + varintLen(r.code >>> 0);
  if (r.data.length !== 0) n += 1 + ldLen(r.data.length);
  if (r.log !== "") n += 1 + ldLen(s.push(strLen(r.log)));
  if (r.info !== "") n += 1 + ldLen(s.push(strLen(r.info)));
  if (r.gasWanted !== 0n) n += 1 + int64Len(r.gasWanted);
  if (r.gasUsed !== 0n) n += 1 + int64Len(r.gasUsed);
  for (const ev of r.events) n += 1 + ldLen(eventSize(ev, s));
  if (r.codespace !== "") n += 1 + ldLen(s.push(strLen(r.codespace)));
  s.a[slot] = n;
  return n;
}

class Out {
  readonly b: Buffer;
  o = 0;
  constructor(n: number) {
    this.b = Buffer.allocUnsafeSlow(n);
  }
  byte(v: number): void {
    this.b[this.o++] = v;
  }
  varint(n: number): void {
    const b = this.b;
    while (n >= 0x80) {
      b[this.o++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    b[this.o++] = n;
  }
  int64(v: bigint): void {
    let u = BigInt.asUintN(64, v);
    if (u < 0x100000000n) {
      this.varint(Number(u));
      return;
    }
    const b = this.b;
    while (u >= 0x80n) {
      b[this.o++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    b[this.o++] = Number(u);
  }
  str(s: string, len: number): void {
    this.varint(len);
    if (len === s.length) {
      const b = this.b;
      let o = this.o;
      for (let i = 0; i < len; i++) b[o++] = s.charCodeAt(i);
      this.o = o;
    } else {
      this.o += this.b.write(s, this.o, len, "utf8");
    }
  }
  bytes(v: Uint8Array): void {
    this.varint(v.length);
    this.b.set(v, this.o);
    this.o += v.length;
  }
}

function writeEvent(ev: AbciEvent, s: Sizes, w: Out): void {
  w.varint(s.next());
  if (ev.type !== "") {
    w.byte(10);
    w.str(ev.type, s.next());
  }
  for (const a of ev.attributes) {
    w.byte(18);
    w.varint(s.next());
    if (a.key !== "") {
      w.byte(10);
      w.str(a.key, s.next());
    }
    if (a.value !== "") {
      w.byte(18);
      w.str(a.value, s.next());
    }
    if (a.index) {
      w.byte(24);
      w.byte(1);
    }
  }
}

function writeResult(r: ExecTxResult, s: Sizes, w: Out): void {
  w.varint(s.next());
  if (r.code !== 0) {
    w.byte(8);
    w.varint(r.code >>> 0);
  }
  if (r.data.length !== 0) {
    w.byte(18);
    w.bytes(r.data);
  }
  if (r.log !== "") {
    w.byte(26);
    w.str(r.log, s.next());
  }
  if (r.info !== "") {
    w.byte(34);
    w.str(r.info, s.next());
  }
  if (r.gasWanted !== 0n) {
    w.byte(40);
    w.int64(r.gasWanted);
  }
  if (r.gasUsed !== 0n) {
    w.byte(48);
    w.int64(r.gasUsed);
  }
  for (const ev of r.events) {
    w.byte(58);
    writeEvent(ev, s, w);
  }
  if (r.codespace !== "") {
    w.byte(66);
    w.str(r.codespace, s.next());
  }
}

/** fields 1 (events) and 2 (tx_results) of ResponseFinalizeBlock, encoded; throws NotWellFormed (see there). */
export function encodeEventsAndTxResults(events: readonly AbciEvent[], txResults: readonly ExecTxResult[]): Uint8Array {
  const s = new Sizes();
  let n = 0;
  // indexed loops: once per block over every result (for-of allocates per item before optimization)
  for (let i = 0; i < events.length; i++) n += 1 + ldLen(eventSize(events[i] as AbciEvent, s));
  for (let i = 0; i < txResults.length; i++) n += 1 + ldLen(resultSize(txResults[i] as ExecTxResult, s));
  const w = new Out(n);
  for (let i = 0; i < events.length; i++) {
    w.byte(10);
    writeEvent(events[i] as AbciEvent, s, w);
  }
  for (let i = 0; i < txResults.length; i++) {
    w.byte(18);
    writeResult(txResults[i] as ExecTxResult, s, w);
  }
  if (w.o !== n) throw new Error(`encodeEventsAndTxResults: wrote ${w.o} bytes, sized ${n}`);
  return new Uint8Array(w.b.buffer, w.b.byteOffset, n);
}
