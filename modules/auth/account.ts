/**
 * Accounts: BaseAccount (users) and ModuleAccount (module-owned), stored as the Any the SDK stores,
 * so that `/cosmos.auth.v1beta1.Query/Account` returns exactly what CosmJS's accountFromAny decodes.
 */
import { BaseAccount, ModuleAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { Any } from "cosmjs-types/google/protobuf/any";
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString, accAddressToString } from "../core/address.ts";
import { fromBase64, toBase64 } from "../core/bytes.ts";
import { ErrInvalidPubKey, ErrUnpackAny } from "../core/errors.ts";

export const BASE_ACCOUNT_TYPE_URL = "/cosmos.auth.v1beta1.BaseAccount";
export const MODULE_ACCOUNT_TYPE_URL = "/cosmos.auth.v1beta1.ModuleAccount";
export const SECP256K1_PUBKEY_TYPE_URL = "/cosmos.crypto.secp256k1.PubKey";

export const PERMISSION = { minter: "minter", burner: "burner", staking: "staking" } as const;

export interface Account {
  readonly address: Bytes;
  /** 33-byte compressed secp256k1 key, or null until the account has signed. */
  readonly pubKey: Bytes | null;
  readonly accountNumber: bigint;
  readonly sequence: bigint;
  /** set for module accounts. */
  readonly module?: { readonly name: string; readonly permissions: readonly string[] };
}

export function pubKeyToAny(pk: Bytes): Any {
  return { typeUrl: SECP256K1_PUBKEY_TYPE_URL, value: Secp256k1PubKey.encode({ key: pk }).finish() };
}

/** Any → 33-byte secp256k1 key; an absent/empty Any → null; other types → sdk:8. */
export function pubKeyFromAny(a: Any | undefined): Bytes | null {
  if (a === undefined || (a.typeUrl === "" && a.value.length === 0)) return null;
  // (the ante decodes a tx's signer keys once per decoded tx: auth/ante.ts signerPubKey)
  return decodePubKeyAny(a);
}

function decodePubKeyAny(a: Any): Bytes {
  if (a.typeUrl !== SECP256K1_PUBKEY_TYPE_URL) throw ErrInvalidPubKey.wrap(`unsupported pubkey type ${a.typeUrl}`);
  let key: Bytes;
  try {
    key = Secp256k1PubKey.decode(a.value).key;
  } catch {
    throw ErrInvalidPubKey.wrap("malformed secp256k1 pubkey");
  }
  if (key.length !== 33 || (key[0] !== 2 && key[0] !== 3)) throw ErrInvalidPubKey.wrap(`invalid secp256k1 pubkey length ${key.length}`);
  return key;
}

function toBase(a: Account): BaseAccount {
  const b: BaseAccount = { address: accAddressToString(a.address), accountNumber: a.accountNumber, sequence: a.sequence };
  if (a.pubKey !== null) b.pubKey = pubKeyToAny(a.pubKey);
  return b;
}

export function accountToAny(a: Account): Any {
  if (a.module !== undefined) {
    return { typeUrl: MODULE_ACCOUNT_TYPE_URL, value: ModuleAccount.encode({ baseAccount: toBase(a), name: a.module.name, permissions: [...a.module.permissions] }).finish() };
  }
  return { typeUrl: BASE_ACCOUNT_TYPE_URL, value: BaseAccount.encode(toBase(a)).finish() };
}

function fromBase(b: BaseAccount | undefined): Omit<Account, "module"> {
  if (b === undefined) throw ErrUnpackAny.wrap("module account without base account");
  return { address: accAddressFromString(b.address), pubKey: pubKeyFromAny(b.pubKey), accountNumber: b.accountNumber, sequence: b.sequence };
}

export function accountFromAny(a: Any): Account {
  if (a.typeUrl === BASE_ACCOUNT_TYPE_URL) return fromBase(BaseAccount.decode(a.value));
  if (a.typeUrl === MODULE_ACCOUNT_TYPE_URL) {
    const m = ModuleAccount.decode(a.value);
    return { ...fromBase(m.baseAccount), module: { name: m.name, permissions: [...m.permissions] } };
  }
  throw ErrUnpackAny.wrap(`unsupported account type ${a.typeUrl}`);
}

/**
 * cosmjs-types 0.11 writes a uint64 whose low 32 bits have bit 31 set and whose high bits are zero
 * ([2^31, 2^32)) as zero bytes (writeVarint64 compares a signed low word); values up to 2^31 − 1 are
 * written correctly, so the direct encoder covers those and leaves the rest to cosmjs-types, whose
 * bytes (right or wrong) are what the store has always held.
 */
const MAX_DIRECT = 2n ** 31n - 1n;

/**
 * Decoded accounts by the identity of their stored bytes. Store layers hand back the very object that
 * was set (or read once from the backend), and stored values are never mutated, so the same object
 * always holds the same bytes and maps to the same (readonly) Account: a pure memo, correct across
 * branches. Two generations of strong maps (a hit in the old one is promoted; a full young one retires
 * the old) rather than a WeakMap: every account write and read-miss made an entry, and each WeakMap
 * entry is an ephemeron that every mark-compact has to trace; here a superseded entry is simply dropped
 * a generation after its last use.
 */
const ACCOUNT_MEMO_GENERATION = 4096;
let decodedYoung = new Map<Bytes, Account>();
let decodedOld = new Map<Bytes, Account>();
const decoded = {
  get(b: Bytes): Account | undefined {
    const a = decodedYoung.get(b);
    if (a !== undefined) return a;
    const o = decodedOld.get(b);
    if (o !== undefined) decoded.set(b, o);
    return o;
  },
  set(b: Bytes, a: Account): void {
    if (decodedYoung.size >= ACCOUNT_MEMO_GENERATION) {
      decodedOld = decodedYoung;
      decodedYoung = new Map();
    }
    decodedYoung.set(b, a);
  },
};

/**
 * The last few accounts the memo handed out (decodeAccount) or took in (encodeAccount). Their arrays
 * belong to the memo and are already shared, read-only, with every reader, so an account built from
 * one of them (the ante's `{ ...acc, sequence: acc.sequence + 1n }` right after getAccount, in CheckTx,
 * recheck and FinalizeBlock) keeps them instead of copying: two fewer 20/33-byte arrays per sequence
 * bump, each alive as long as the account's stored bytes (the check state until commit, the committed
 * memo after it). Any other array is copied as before.
 */
const RECENT = 8;
const recent: (Account | null)[] = new Array<Account | null>(RECENT).fill(null);
let recentAt = 0;
function remember(a: Account): void {
  recent[recentAt] = a;
  recentAt = (recentAt + 1) & (RECENT - 1);
}
function memoOwned(b: Bytes): boolean {
  for (let i = 0; i < RECENT; i++) {
    const r = recent[i];
    if (r !== null && r !== undefined && (r.address === b || r.pubKey === b)) return true;
  }
  return false;
}

/** an independent copy of `a` in exactly the shape decodeAccount returns, or null when decoding its encoding would fail. */
function canonical(a: Account): Account | null {
  if (a.address.length === 0 || a.address.length > 255) return null;
  if (a.pubKey !== null && (a.pubKey.length !== 33 || (a.pubKey[0] !== 2 && a.pubKey[0] !== 3))) return null;
  // only where the encoding round-trips (see MAX_DIRECT)
  if (a.accountNumber < 0n || a.accountNumber > MAX_DIRECT || a.sequence < 0n || a.sequence > MAX_DIRECT) return null;
  const address = memoOwned(a.address) ? a.address : a.address.slice();
  const pubKey = a.pubKey === null ? null : memoOwned(a.pubKey) ? a.pubKey : a.pubKey.slice();
  const base = { address, pubKey, accountNumber: a.accountNumber, sequence: a.sequence };
  return a.module === undefined ? base : { ...base, module: { name: a.module.name, permissions: [...a.module.permissions] } };
}


function varintLen(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function putVarint(out: Uint8Array, pos: number, v: number): number {
  while (v >= 128) {
    out[pos++] = (v % 128) | 128;
    v = Math.floor(v / 128);
  }
  out[pos++] = v;
  return pos;
}

function putAscii(out: Uint8Array, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[pos++] = s.charCodeAt(i);
  return pos;
}

/**
 * Any(BaseAccount) written directly: the same bytes as cosmjs-types' Any.encode(accountToAny(a))
 * (proto3: default fields left out, field order 1..4), without its writer's per-field objects. Covers
 * the hot case (a user account whose numbers are below 2^31); the rest goes through cosmjs-types.
 * Tested byte for byte against cosmjs-types in modules/auth/account.test.ts.
 */
export function encodeBaseAccountFast(a: Account): Bytes | null {
  if (a.module !== undefined || a.accountNumber < 0n || a.accountNumber > MAX_DIRECT || a.sequence < 0n || a.sequence > MAX_DIRECT) return null;
  const address = accAddressToString(a.address); // bech32: ASCII
  const accNum = Number(a.accountNumber);
  const seq = Number(a.sequence);
  const pk = a.pubKey;
  // PubKey{key} and Any{type_url, value}
  const pkLen = pk === null || pk.length === 0 ? 0 : 1 + varintLen(pk.length) + pk.length;
  const pkAnyLen = pk === null ? -1 : 1 + varintLen(SECP256K1_PUBKEY_TYPE_URL.length) + SECP256K1_PUBKEY_TYPE_URL.length + (pkLen === 0 ? 0 : 1 + varintLen(pkLen) + pkLen);
  let inner = 0;
  if (address.length > 0) inner += 1 + varintLen(address.length) + address.length;
  if (pkAnyLen >= 0) inner += 1 + varintLen(pkAnyLen) + pkAnyLen;
  if (accNum !== 0) inner += 1 + varintLen(accNum);
  if (seq !== 0) inner += 1 + varintLen(seq);
  const total = 1 + varintLen(BASE_ACCOUNT_TYPE_URL.length) + BASE_ACCOUNT_TYPE_URL.length + (inner === 0 ? 0 : 1 + varintLen(inner) + inner);
  const out = new Uint8Array(total);
  let p = 0;
  out[p++] = 0x0a;
  p = putVarint(out, p, BASE_ACCOUNT_TYPE_URL.length);
  p = putAscii(out, p, BASE_ACCOUNT_TYPE_URL);
  if (inner === 0) return out;
  out[p++] = 0x12;
  p = putVarint(out, p, inner);
  if (address.length > 0) {
    out[p++] = 0x0a;
    p = putVarint(out, p, address.length);
    p = putAscii(out, p, address);
  }
  if (pk !== null) {
    out[p++] = 0x12;
    p = putVarint(out, p, pkAnyLen);
    out[p++] = 0x0a;
    p = putVarint(out, p, SECP256K1_PUBKEY_TYPE_URL.length);
    p = putAscii(out, p, SECP256K1_PUBKEY_TYPE_URL);
    if (pkLen > 0) {
      out[p++] = 0x12;
      p = putVarint(out, p, pkLen);
      out[p++] = 0x0a;
      p = putVarint(out, p, pk.length);
      out.set(pk, p);
      p += pk.length;
    }
  }
  if (accNum !== 0) {
    out[p++] = 0x18;
    p = putVarint(out, p, accNum);
  }
  if (seq !== 0) {
    out[p++] = 0x20;
    p = putVarint(out, p, seq);
  }
  return out;
}

export function encodeAccount(a: Account): Bytes {
  const b = encodeBaseAccountFast(a) ?? Any.encode(accountToAny(a)).finish();
  const c = canonical(a);
  if (c !== null) {
    decoded.set(b, c);
    remember(c);
  }
  return b;
}

export function decodeAccount(b: Bytes): Account {
  let a = decoded.get(b);
  if (a === undefined) {
    a = accountFromAny(Any.decode(b));
    decoded.set(b, a);
  }
  remember(a);
  return a;
}

/** SDK genesis JSON of an account ({"@type": …}). */
export function accountToJson(a: Account): Record<string, unknown> {
  const base = {
    address: accAddressToString(a.address),
    pub_key: a.pubKey === null ? null : { "@type": SECP256K1_PUBKEY_TYPE_URL, key: toBase64(a.pubKey) },
    account_number: a.accountNumber.toString(),
    sequence: a.sequence.toString(),
  };
  if (a.module !== undefined) return { "@type": MODULE_ACCOUNT_TYPE_URL, base_account: base, name: a.module.name, permissions: [...a.module.permissions] };
  return { "@type": BASE_ACCOUNT_TYPE_URL, ...base };
}

function u64(v: unknown, what: string): bigint {
  const s = v === undefined || v === null ? "0" : String(v);
  if (!/^[0-9]+$/.test(s)) throw ErrUnpackAny.wrap(`${what}: not an unsigned integer`);
  return BigInt(s);
}

function baseFromJson(o: Record<string, unknown>): Omit<Account, "module"> {
  const pk = o.pub_key as Record<string, unknown> | null | undefined;
  let pubKey: Bytes | null = null;
  if (pk !== null && pk !== undefined) {
    if (pk["@type"] !== SECP256K1_PUBKEY_TYPE_URL) throw ErrInvalidPubKey.wrap(`unsupported pubkey type ${String(pk["@type"])}`);
    pubKey = pubKeyFromAny(pubKeyToAny(fromBase64(String(pk.key))));
  }
  return { address: accAddressFromString(String(o.address ?? "")), pubKey, accountNumber: u64(o.account_number, "account_number"), sequence: u64(o.sequence, "sequence") };
}

export function accountFromJson(j: unknown): Account {
  const o = (j ?? {}) as Record<string, unknown>;
  const t = o["@type"];
  if (t === BASE_ACCOUNT_TYPE_URL) return baseFromJson(o);
  if (t === MODULE_ACCOUNT_TYPE_URL) {
    const perms = Array.isArray(o.permissions) ? o.permissions.map(String) : [];
    return { ...baseFromJson((o.base_account ?? {}) as Record<string, unknown>), module: { name: String(o.name ?? ""), permissions: perms } };
  }
  throw ErrUnpackAny.wrap(`unsupported account type ${String(t)}`);
}
