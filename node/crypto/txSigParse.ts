/**
 * What the signature workers need of a TxRaw, read straight from its protobuf bytes without building
 * cosmjs-types objects: the body and auth-info bytes (views into the tx), the signatures, and per signer
 * info whether it is SIGN_MODE_DIRECT with a secp256k1 key (and that key), plus the SIGN_MODE_DIRECT
 * sign bytes (SignDoc, proto3 with defaults left out, byte-identical to cosmjs-types SignDoc.encode and
 * so to the app's signDocBytes).
 *
 * A hint only: the worker's verdict counts on the main thread only for the exact (signature, sign-bytes
 * hash, key) triple the app computes itself, so a tx this reader gets wrong costs a main-thread
 * verification, never a wrong verdict. Malformed input gives null.
 */

const SECP256K1_PUBKEY = "/cosmos.crypto.secp256k1.PubKey";
const SIGN_MODE_DIRECT = 1;

export interface SigParse {
  bodyBytes: Uint8Array;
  authInfoBytes: Uint8Array;
  signatures: Uint8Array[];
  /** per signer info: its 33-byte secp256k1 key when it signs with SIGN_MODE_DIRECT, else null. */
  directKeys: (Uint8Array | null)[];
}

class Reader {
  pos: number;
  readonly end: number;
  readonly buf: Uint8Array;
  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }
  /** a varint as a number (≤ 2^53; longer or unterminated → throws). */
  varint(): number {
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) throw new Error("truncated varint");
      const b = this.buf[this.pos++] as number;
      x += (b & 0x7f) * mul;
      if (b < 0x80) return x;
      mul *= 128;
    }
    throw new Error("varint too long");
  }
  /** skips a varint of any length (≤ 10 bytes). */
  skipVarint(): void {
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error("truncated varint");
      if ((this.buf[this.pos++] as number) < 0x80) return;
    }
    throw new Error("varint too long");
  }
  /** a length-delimited field's bounds [start, end). */
  span(): [number, number] {
    const n = this.varint();
    const start = this.pos;
    if (n > this.end - start) throw new Error("truncated field");
    this.pos = start + n;
    return [start, start + n];
  }
  skip(wireType: number): void {
    if (wireType === 0) this.skipVarint();
    else if (wireType === 2) this.span();
    else if (wireType === 1) this.advance(8);
    else if (wireType === 5) this.advance(4);
    else throw new Error(`wire type ${wireType}`);
  }
  private advance(n: number): void {
    if (n > this.end - this.pos) throw new Error("truncated field");
    this.pos += n;
  }
}

const typeUrlBytes = new TextEncoder().encode(SECP256K1_PUBKEY);

function sameBytes(buf: Uint8Array, start: number, end: number, want: Uint8Array): boolean {
  if (end - start !== want.length) return false;
  for (let i = 0; i < want.length; i++) if (buf[start + i] !== want[i]) return false;
  return true;
}

/** SignerInfo{public_key: Any = 1, mode_info: ModeInfo = 2, sequence = 3} → its key if DIRECT + secp256k1. */
function directKey(buf: Uint8Array, start: number, end: number): Uint8Array | null {
  const r = new Reader(buf, start, end);
  let isSecp = false;
  let key: Uint8Array | null = null;
  let mode = -1;
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wt = tag & 7;
    if (field === 1 && wt === 2) {
      const [as, ae] = r.span();
      const a = new Reader(buf, as, ae);
      isSecp = false;
      key = null;
      while (a.pos < a.end) {
        const t = a.varint();
        if (t === 0x0a) {
          const [us, ue] = a.span();
          isSecp = sameBytes(buf, us, ue, typeUrlBytes);
        } else if (t === 0x12) {
          const [vs, ve] = a.span();
          // PubKey{key = 1}
          const p = new Reader(buf, vs, ve);
          key = null;
          while (p.pos < p.end) {
            const pt = p.varint();
            if (pt === 0x0a) {
              const [ks, ke] = p.span();
              key = buf.subarray(ks, ke);
            } else p.skip(pt & 7);
          }
        } else a.skip(t & 7);
      }
    } else if (field === 2 && wt === 2) {
      const [ms, me] = r.span();
      // ModeInfo{single: Single{mode = 1} = 1, multi = 2}
      const m = new Reader(buf, ms, me);
      mode = -1;
      while (m.pos < m.end) {
        const t = m.varint();
        if (t === 0x0a) {
          const [ss, se] = m.span();
          const s = new Reader(buf, ss, se);
          mode = 0;
          while (s.pos < s.end) {
            const st = s.varint();
            if (st === 0x08) mode = s.varint();
            else s.skip(st & 7);
          }
        } else m.skip(t & 7);
      }
    } else r.skip(wt);
  }
  return isSecp && mode === SIGN_MODE_DIRECT && key !== null && key.length === 33 ? key : null;
}

/** the parts of a TxRaw the signature workers use, or null when the bytes do not parse. */
export function parseTxForSigs(raw: Uint8Array): SigParse | null {
  try {
    const r = new Reader(raw);
    let body: [number, number] = [0, 0];
    let auth: [number, number] = [0, 0];
    const signatures: Uint8Array[] = [];
    while (r.pos < r.end) {
      const tag = r.varint();
      const field = Math.floor(tag / 8);
      const wt = tag & 7;
      if (wt === 2 && field >= 1 && field <= 3) {
        const s = r.span();
        if (field === 1) body = s;
        else if (field === 2) auth = s;
        else signatures.push(raw.subarray(s[0], s[1]));
      } else r.skip(wt);
    }
    const directKeys: (Uint8Array | null)[] = [];
    const a = new Reader(raw, auth[0], auth[1]);
    while (a.pos < a.end) {
      const tag = a.varint();
      if (tag === 0x0a) {
        const [s, e] = a.span();
        directKeys.push(directKey(raw, s, e));
      } else a.skip(tag & 7);
    }
    return { bodyBytes: raw.subarray(body[0], body[1]), authInfoBytes: raw.subarray(auth[0], auth[1]), signatures, directKeys };
  } catch {
    return null;
  }
}

function varintSize(n: number | bigint): number {
  let x = BigInt(n);
  let s = 1;
  while (x >= 0x80n) {
    x >>= 7n;
    s++;
  }
  return s;
}

function putVarint(out: Uint8Array, at: number, n: number | bigint): number {
  let x = BigInt(n);
  while (x >= 0x80n) {
    out[at++] = Number(x & 0x7fn) | 0x80;
    x >>= 7n;
  }
  out[at++] = Number(x);
  return at;
}

/**
 * SignDoc{body_bytes = 1, auth_info_bytes = 2, chain_id = 3, account_number = 4} as proto3 writes it
 * (empty fields and account number 0 left out); `chainIdUtf8` is the chain id's UTF-8 bytes.
 */
export function signDocFor(bodyBytes: Uint8Array, authInfoBytes: Uint8Array, chainIdUtf8: Uint8Array, accountNumber: bigint): Uint8Array {
  let size = 0;
  if (bodyBytes.length > 0) size += 1 + varintSize(bodyBytes.length) + bodyBytes.length;
  if (authInfoBytes.length > 0) size += 1 + varintSize(authInfoBytes.length) + authInfoBytes.length;
  if (chainIdUtf8.length > 0) size += 1 + varintSize(chainIdUtf8.length) + chainIdUtf8.length;
  if (accountNumber !== 0n) size += 1 + varintSize(accountNumber);
  const out = new Uint8Array(size);
  let at = 0;
  if (bodyBytes.length > 0) {
    out[at++] = 0x0a;
    at = putVarint(out, at, bodyBytes.length);
    out.set(bodyBytes, at);
    at += bodyBytes.length;
  }
  if (authInfoBytes.length > 0) {
    out[at++] = 0x12;
    at = putVarint(out, at, authInfoBytes.length);
    out.set(authInfoBytes, at);
    at += authInfoBytes.length;
  }
  if (chainIdUtf8.length > 0) {
    out[at++] = 0x1a;
    at = putVarint(out, at, chainIdUtf8.length);
    out.set(chainIdUtf8, at);
    at += chainIdUtf8.length;
  }
  if (accountNumber !== 0n) {
    out[at++] = 0x20;
    at = putVarint(out, at, accountNumber);
  }
  return out;
}
