/**
 * Hand-written protobuf decoders for the hot tx shapes (TxRaw, TxBody, AuthInfo with its SignerInfo,
 * ModeInfo.Single, Fee, Coin and Any, and bank's MsgSend). Each returns exactly the object cosmjs-types'
 * decode returns (same fields, same key order, same values; bytes fields are views of the input instead
 * of a copy's) for the inputs it accepts, and null for anything else, where the caller runs cosmjs-types
 * (which then decodes or throws as it always did). Accepted: every field tag in its expected wire type,
 * one-byte tags, minimal-or-not varints of up to 4 bytes for lengths and enums and up to 7 bytes for
 * uint64s, every length inside its parent, singular fields at most once, ASCII strings only. Not
 * accepted (null): unknown fields, a second copy of a singular field, timeout timestamps, unordered,
 * extension options, tips, multisig mode infos, non-ASCII text, truncated input. Pure; fuzzed
 * against cosmjs-types in modules/runtime/fastDecode.test.ts.
 */
import type { Any } from "cosmjs-types/google/protobuf/any";
import type { AuthInfo, Fee, SignerInfo, TxBody } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import type { Coin } from "cosmjs-types/cosmos/base/v1beta1/coin";

/** stands for an absent bytes field while decoding; replaced by a fresh empty array before returning. */
const EMPTY_PLACEHOLDER = new Uint8Array();

/** the decoder's cursor (module state: each decode runs to completion synchronously). */
let pos = 0;

/** a varint of at most 4 bytes at `pos` before `end` (< 2^28), advancing `pos`; -1 when longer or truncated. */
function varint28(b: Uint8Array, end: number): number {
  let p = pos;
  if (p >= end) return -1;
  let c = b[p++] as number;
  let v = c & 0x7f;
  if (c < 0x80) {
    pos = p;
    return v;
  }
  for (let shift = 7; shift < 28; shift += 7) {
    if (p >= end) return -1;
    c = b[p++] as number;
    v |= (c & 0x7f) << shift;
    if (c < 0x80) {
      pos = p;
      return v;
    }
  }
  return -1;
}

/** a uint64 varint of at most 7 bytes (< 2^49, exact as a double) at `pos` before `end`; -1 when longer or truncated. */
function varint49(b: Uint8Array, end: number): number {
  let p = pos;
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 7; i++) {
    if (p >= end) return -1;
    const c = b[p++] as number;
    v += (c & 0x7f) * mul;
    if (c < 0x80) {
      pos = p;
      return v;
    }
    mul *= 128;
  }
  return -1;
}

/** the end of a length-delimited field whose length varint is at `pos` (inside `end`); -1 when it does not fit. */
function delimited(b: Uint8Array, end: number): number {
  const n = varint28(b, end);
  if (n < 0 || pos + n > end) return -1;
  return pos + n;
}

/**
 * Recently decoded short strings, by a hash of their bytes (direct-mapped): every tx repeats the same
 * type URLs, denoms and amounts, and senders recur, so a hit hands out the same string instead of a new
 * copy (decoded txs stay in the decode memo from CheckTx to FinalizeBlock). A string's value does not
 * depend on which copy is returned; a slot holds the last string that hashed to it.
 */
const INTERN_SLOTS = 1024;
const interned: string[] = new Array<string>(INTERN_SLOTS).fill("");

/** an ASCII string from [pos, e) (then pos = e); null when a byte is not ASCII. */
function ascii(b: Uint8Array, e: number): string | null {
  const p = pos;
  const n = e - p;
  if (n === 0) return "";
  let h = n;
  for (let i = p; i < e; i++) {
    const c = b[i] as number;
    if (c >= 0x80) return null;
    h = (Math.imul(h, 31) + c) | 0;
  }
  pos = e;
  if (n <= 64) {
    const slot = (h ^ (h >>> 12)) & (INTERN_SLOTS - 1);
    const hit = interned[slot] as string;
    if (hit.length === n) {
      let i = 0;
      while (i < n && hit.charCodeAt(i) === b[p + i]) i++;
      if (i === n) return hit;
    }
    const s = String.fromCharCode.apply(null, b.subarray(p, e) as unknown as number[]);
    interned[slot] = s;
    return s;
  }
  let s = "";
  for (let i = p; i < e; i += 64) s += String.fromCharCode.apply(null, b.subarray(i, Math.min(e, i + 64)) as unknown as number[]);
  return s;
}

/** a length-delimited string field's value; null when malformed or not ASCII. */
function stringField(b: Uint8Array, end: number): string | null {
  const e = delimited(b, end);
  return e < 0 ? null : ascii(b, e);
}

/** a length-delimited bytes field's value as a plain Uint8Array view of `b` (also when `b` is a Buffer); null when malformed. */
function bytesField(b: Uint8Array, end: number): Uint8Array | null {
  const e = delimited(b, end);
  if (e < 0) return null;
  const v = new Uint8Array(b.buffer, b.byteOffset + pos, e - pos);
  pos = e;
  return v;
}

/**
 * `a` with `v` appended, as a new array of exactly that length: a repeated field holds one or a few
 * entries, and an array grown by push from [] gets a 17-slot backing store (decoded txs stay in the
 * decode memo from CheckTx to FinalizeBlock).
 */
function appended<T>(a: T[], v: T): T[] {
  const n = a.length;
  if (n === 0) return [v];
  const out = new Array<T>(n + 1);
  for (let i = 0; i < n; i++) out[i] = a[i] as T;
  out[n] = v;
  return out;
}

function decodeAny(b: Uint8Array, end: number): Any | null {
  const m: Any = { typeUrl: "", value: EMPTY_PLACEHOLDER };
  let seen = 0;
  while (pos < end) {
    const tag = b[pos++];
    if (tag === 0x0a && (seen & 1) === 0) {
      const s = stringField(b, end);
      if (s === null) return null;
      m.typeUrl = s;
      seen |= 1;
    } else if (tag === 0x12 && (seen & 2) === 0) {
      const v = bytesField(b, end);
      if (v === null) return null;
      m.value = v;
      seen |= 2;
    } else return null;
  }
  if (pos !== end) return null;
  // an absent value is a fresh empty array, as cosmjs-types' (the placeholder only avoids allocating one per Any)
  if (m.value === EMPTY_PLACEHOLDER) m.value = new Uint8Array();
  return m;
}

function decodeCoin(b: Uint8Array, end: number): Coin | null {
  const m: Coin = { denom: "", amount: "" };
  let seen = 0;
  while (pos < end) {
    const tag = b[pos++];
    if (tag === 0x0a && (seen & 1) === 0) {
      const s = stringField(b, end);
      if (s === null) return null;
      m.denom = s;
      seen |= 1;
    } else if (tag === 0x12 && (seen & 2) === 0) {
      const s = stringField(b, end);
      if (s === null) return null;
      m.amount = s;
      seen |= 2;
    } else return null;
  }
  return pos === end ? m : null;
}

/** an embedded message at `pos` (its length first), decoded by `f` to exactly its end; null otherwise. */
function embedded<T>(b: Uint8Array, end: number, f: (b: Uint8Array, end: number) => T | null): T | null {
  const e = delimited(b, end);
  if (e < 0) return null;
  const m = f(b, e);
  return m !== null && pos === e ? m : null;
}

/** TxRaw → its three fields (bodyBytes, authInfoBytes, signatures), as cosmjs-types' TxRaw.decode; null: use it. */
export function fastDecodeTxRaw(b: Uint8Array): { bodyBytes: Uint8Array; authInfoBytes: Uint8Array; signatures: Uint8Array[] } | null {
  pos = 0;
  const end = b.length;
  const m: { bodyBytes: Uint8Array; authInfoBytes: Uint8Array; signatures: Uint8Array[] } = { bodyBytes: EMPTY_PLACEHOLDER, authInfoBytes: EMPTY_PLACEHOLDER, signatures: [] };
  let seen = 0;
  while (pos < end) {
    const tag = b[pos++];
    if (tag === 0x0a && (seen & 1) === 0) {
      const v = bytesField(b, end);
      if (v === null) return null;
      m.bodyBytes = v;
      seen |= 1;
    } else if (tag === 0x12 && (seen & 2) === 0) {
      const v = bytesField(b, end);
      if (v === null) return null;
      m.authInfoBytes = v;
      seen |= 2;
    } else if (tag === 0x1a) {
      const v = bytesField(b, end);
      if (v === null) return null;
      m.signatures = appended(m.signatures, v);
    } else return null;
  }
  if (m.bodyBytes === EMPTY_PLACEHOLDER) m.bodyBytes = new Uint8Array();
  if (m.authInfoBytes === EMPTY_PLACEHOLDER) m.authInfoBytes = new Uint8Array();
  return m;
}

/** TxBody as cosmjs-types decodes it (messages, memo, timeout height only); null: use cosmjs-types. */
export function fastDecodeTxBody(b: Uint8Array): TxBody | null {
  pos = 0;
  const end = b.length;
  // the keys cosmjs-types' createBaseTxBody sets, in its order (absent messages are present as undefined there too)
  const m = { messages: [], memo: "", timeoutHeight: BigInt(0), unordered: false, timeoutTimestamp: undefined, extensionOptions: [], nonCriticalExtensionOptions: [] } as unknown as TxBody;
  let seen = 0;
  while (pos < end) {
    const tag = b[pos++];
    if (tag === 0x0a) {
      const a = embedded(b, end, decodeAny);
      if (a === null) return null;
      m.messages = appended(m.messages, a);
    } else if (tag === 0x12 && (seen & 1) === 0) {
      const s = stringField(b, end);
      if (s === null) return null;
      m.memo = s;
      seen |= 1;
    } else if (tag === 0x18 && (seen & 2) === 0) {
      const v = varint49(b, end);
      if (v < 0) return null;
      m.timeoutHeight = BigInt(v);
      seen |= 2;
    } else return null;
  }
  return m;
}

function decodeSingle(b: Uint8Array, end: number): { mode: number } | null {
  const m = { mode: 0 };
  let seen = false;
  while (pos < end) {
    const tag = b[pos++];
    if (tag !== 0x08 || seen) return null;
    const v = varint28(b, end);
    if (v < 0) return null;
    m.mode = v;
    seen = true;
  }
  return m;
}

function decodeModeInfo(b: Uint8Array, end: number): NonNullable<SignerInfo["modeInfo"]> | null {
  const m = { single: undefined, multi: undefined } as unknown as NonNullable<SignerInfo["modeInfo"]>;
  let seen = false;
  while (pos < end) {
    const tag = b[pos++];
    if (tag !== 0x0a || seen) return null;
    const s = embedded(b, end, decodeSingle);
    if (s === null) return null;
    m.single = s;
    seen = true;
  }
  return m;
}

function decodeSignerInfo(b: Uint8Array, end: number): SignerInfo | null {
  const m = { publicKey: undefined, modeInfo: undefined, sequence: BigInt(0) } as unknown as SignerInfo;
  let seen = 0;
  while (pos < end) {
    const tag = b[pos++];
    if (tag === 0x0a && (seen & 1) === 0) {
      const a = embedded(b, end, decodeAny);
      if (a === null) return null;
      m.publicKey = a;
      seen |= 1;
    } else if (tag === 0x12 && (seen & 2) === 0) {
      const mi = embedded(b, end, decodeModeInfo);
      if (mi === null) return null;
      m.modeInfo = mi;
      seen |= 2;
    } else if (tag === 0x18 && (seen & 4) === 0) {
      const v = varint49(b, end);
      if (v < 0) return null;
      m.sequence = BigInt(v);
      seen |= 4;
    } else return null;
  }
  return m;
}

function decodeFee(b: Uint8Array, end: number): Fee | null {
  const m: Fee = { amount: [], gasLimit: BigInt(0), payer: "", granter: "" };
  let seen = 0;
  while (pos < end) {
    const tag = b[pos++];
    if (tag === 0x0a) {
      const c = embedded(b, end, decodeCoin);
      if (c === null) return null;
      m.amount = appended(m.amount, c);
    } else if (tag === 0x10 && (seen & 1) === 0) {
      const v = varint49(b, end);
      if (v < 0) return null;
      m.gasLimit = BigInt(v);
      seen |= 1;
    } else if (tag === 0x1a && (seen & 2) === 0) {
      const s = stringField(b, end);
      if (s === null) return null;
      m.payer = s;
      seen |= 2;
    } else if (tag === 0x22 && (seen & 4) === 0) {
      const s = stringField(b, end);
      if (s === null) return null;
      m.granter = s;
      seen |= 4;
    } else return null;
  }
  return m;
}

/** AuthInfo as cosmjs-types decodes it (signer infos and fee; no tip); null: use cosmjs-types. */
export function fastDecodeAuthInfo(b: Uint8Array): AuthInfo | null {
  pos = 0;
  const end = b.length;
  const m = { signerInfos: [], fee: undefined, tip: undefined } as unknown as AuthInfo;
  let seen = false;
  while (pos < end) {
    const tag = b[pos++];
    if (tag === 0x0a) {
      const si = embedded(b, end, decodeSignerInfo);
      if (si === null) return null;
      m.signerInfos = appended(m.signerInfos, si);
    } else if (tag === 0x12 && !seen) {
      const f = embedded(b, end, decodeFee);
      if (f === null) return null;
      m.fee = f;
      seen = true;
    } else return null;
  }
  return m;
}

/** bank MsgSend as cosmjs-types decodes it; null: use cosmjs-types. */
export function fastDecodeMsgSend(b: Uint8Array): MsgSend | null {
  pos = 0;
  const end = b.length;
  const m: MsgSend = { fromAddress: "", toAddress: "", amount: [] };
  let seen = 0;
  while (pos < end) {
    const tag = b[pos++];
    if (tag === 0x0a && (seen & 1) === 0) {
      const s = stringField(b, end);
      if (s === null) return null;
      m.fromAddress = s;
      seen |= 1;
    } else if (tag === 0x12 && (seen & 2) === 0) {
      const s = stringField(b, end);
      if (s === null) return null;
      m.toAddress = s;
      seen |= 2;
    } else if (tag === 0x1a) {
      const c = embedded(b, end, decodeCoin);
      if (c === null) return null;
      m.amount = appended(m.amount, c);
    } else return null;
  }
  return m;
}

function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

function putVarint(out: Uint8Array, p: number, n: number): number {
  while (n >= 0x80) {
    out[p++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[p++] = n;
  return p;
}

/**
 * TxMsgData{msg_responses} (no deprecated data entries), the bytes cosmjs-types' TxMsgData.encode writes
 * (each Any: type URL then value, empty ones left out), or null when a type URL is not ASCII or a size
 * reaches 2^28 (the caller encodes with cosmjs-types then). Tested against cosmjs-types in protoFast.test.ts.
 */
export function fastEncodeTxMsgData(responses: readonly Any[]): Uint8Array | null {
  let total = 0;
  for (const r of responses) {
    const u = r.typeUrl;
    for (let i = 0; i < u.length; i++) if (u.charCodeAt(i) >= 0x80) return null;
    const anyLen = (u.length > 0 ? 1 + varintSize(u.length) + u.length : 0) + (r.value.length > 0 ? 1 + varintSize(r.value.length) + r.value.length : 0);
    if (anyLen >= 0x10000000) return null;
    total += 1 + varintSize(anyLen) + anyLen;
  }
  const out = new Uint8Array(total);
  let p = 0;
  for (const r of responses) {
    const u = r.typeUrl;
    const v = r.value;
    const anyLen = (u.length > 0 ? 1 + varintSize(u.length) + u.length : 0) + (v.length > 0 ? 1 + varintSize(v.length) + v.length : 0);
    out[p++] = 0x12;
    p = putVarint(out, p, anyLen);
    if (u.length > 0) {
      out[p++] = 0x0a;
      p = putVarint(out, p, u.length);
      for (let i = 0; i < u.length; i++) out[p++] = u.charCodeAt(i);
    }
    if (v.length > 0) {
      out[p++] = 0x12;
      p = putVarint(out, p, v.length);
      out.set(v, p);
      p += v.length;
    }
  }
  return out;
}
