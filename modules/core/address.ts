/**
 * Bech32 addresses (BIP-173, not bech32m) with the OpenLedger prefixes, and module account addresses
 * (sha256(name)[0:20], cosmos-sdk types/address.Module for a plain name).
 */
import { bech32 } from "@scure/base";
import type { Bytes } from "./abci.ts";
import { ErrInvalidAddress } from "./errors.ts";
import { toKeyString } from "./bytes.ts";
import { sha256 } from "./hash.ts";

export const BECH32_PREFIX = Object.freeze({
  account: "open",
  validator: "openvaloper",
  consensus: "openvalcons",
});

/** SDK's address length bound. */
export const MAX_ADDR_LEN = 255;
const BECH32_LIMIT = 1023;

/**
 * Memo tables of the pure codec (a tx names the same few addresses many times: signers, events, keys).
 * Bounded: a full table is emptied and refilled. Only successful conversions are remembered; decoded
 * bytes are handed out as copies, so no caller can alter a cached value.
 */
const MEMO_MAX = 50_000;
const encodeMemo = new Map<string, Map<string, string>>();
const decodeMemo = new Map<string, Map<string, Bytes>>();

function memoOf<V>(tables: Map<string, Map<string, V>>, prefix: string): Map<string, V> {
  let t = tables.get(prefix);
  if (t === undefined) {
    t = new Map();
    tables.set(prefix, t);
  }
  if (t.size >= MEMO_MAX) t.clear();
  return t;
}

export function toBech32(prefix: string, bytes: Bytes): string {
  const t = memoOf(encodeMemo, prefix);
  const k = toKeyString(bytes);
  let s = t.get(k);
  if (s === undefined) {
    s = bech32.encode(prefix, bech32.toWords(bytes), BECH32_LIMIT);
    t.set(k, s);
  }
  return s;
}

/** decodes and checks the prefix; sdk:7 on any failure (bad checksum, mixed case, wrong prefix, empty). */
export function fromBech32(prefix: string, text: string): Bytes {
  const t = memoOf(decodeMemo, prefix);
  const hit = t.get(text);
  if (hit !== undefined) return hit.slice();
  const bytes = decodeBech32(prefix, text);
  t.set(text, bytes.slice());
  return bytes;
}

function decodeBech32(prefix: string, text: string): Bytes {
  if (text === "") throw ErrInvalidAddress.wrap("empty address string is not allowed");
  let dec: { prefix: string; words: number[] };
  try {
    dec = bech32.decode(text as `${string}1${string}`, BECH32_LIMIT);
  } catch (e: unknown) {
    throw ErrInvalidAddress.wrap(`decoding bech32 failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (dec.prefix !== prefix) throw ErrInvalidAddress.wrap(`invalid Bech32 prefix; expected ${prefix}, got ${dec.prefix}`);
  let bytes: Uint8Array;
  try {
    bytes = bech32.fromWords(dec.words);
  } catch (e: unknown) {
    throw ErrInvalidAddress.wrap(`decoding bech32 failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  verifyAddressFormat(bytes);
  return bytes;
}

/** SDK VerifyAddressFormat: 1..255 bytes. */
export function verifyAddressFormat(bytes: Bytes): void {
  if (bytes.length === 0) throw ErrInvalidAddress.wrap("addresses cannot be empty");
  if (bytes.length > MAX_ADDR_LEN) throw ErrInvalidAddress.wrap(`address max length is ${MAX_ADDR_LEN}, got ${bytes.length}`);
}

export function accAddressToString(bytes: Bytes): string {
  return toBech32(BECH32_PREFIX.account, bytes);
}

export function accAddressFromString(text: string): Bytes {
  return fromBech32(BECH32_PREFIX.account, text);
}

export function valAddressToString(bytes: Bytes): string {
  return toBech32(BECH32_PREFIX.validator, bytes);
}

export function valAddressFromString(text: string): Bytes {
  return fromBech32(BECH32_PREFIX.validator, text);
}

export function consAddressToString(bytes: Bytes): string {
  return toBech32(BECH32_PREFIX.consensus, bytes);
}

/** the address of a module account: sha256(name)[0:20] (SDK authtypes.NewModuleAddress). */
export function moduleAddress(name: string): Bytes {
  let a = moduleAddrMemo.get(name);
  if (a === undefined) {
    a = sha256(new TextEncoder().encode(name)).slice(0, 20);
    moduleAddrMemo.set(name, a);
  }
  return a.slice();
}
const moduleAddrMemo = new Map<string, Bytes>();
