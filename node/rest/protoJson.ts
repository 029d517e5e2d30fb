/**
 * gRPC-gateway JSON (gogoproto jsonpb with OrigName + EmitDefaults, specs/cosmjs-rpc.md §5.1) from the
 * generated codecs (cosmjs-types and proto/gen, both ts-proto shaped). The codecs' toJSON formats
 * values (enum names, RFC 3339 times, int64 strings, b64 bytes) but drops default fields and uses
 * camelCase; the decoded message has every field. protoJson walks both: keys snake_case, every
 * field present, unset messages null, Durations "Ns", Anys {"@type", ...inlined fields}.
 */
import * as authV1 from "cosmjs-types/cosmos/auth/v1beta1/auth";
import * as bankTx from "cosmjs-types/cosmos/bank/v1beta1/tx";
import * as ed25519 from "cosmjs-types/cosmos/crypto/ed25519/keys";
import * as multisig from "cosmjs-types/cosmos/crypto/multisig/keys";
import * as secp256k1 from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import * as distrTx from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import * as govV1Tx from "cosmjs-types/cosmos/gov/v1/tx";
import * as govV1beta1Tx from "cosmjs-types/cosmos/gov/v1beta1/tx";
import * as slashingTx from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import * as stakingTx from "cosmjs-types/cosmos/staking/v1beta1/tx";
import * as txV1 from "cosmjs-types/cosmos/tx/v1beta1/tx";
import * as vesting from "cosmjs-types/cosmos/vesting/v1beta1/vesting";
import { OPENLEDGER_MODULES } from "./openledgerModules.ts";
import { toBase64 } from "../../modules/core/bytes.ts";
import type { Json } from "../rpc/json.ts";

/** what both generators produce per message. */
export interface Codec<T = any> {
  encode(m: T): { finish(): Uint8Array };
  decode(b: Uint8Array): T;
  toJSON(m: T): unknown;
  fromJSON(o: any): T;
}

type Obj = { [k: string]: Json };

export function isCodec(v: unknown): v is Codec {
  if (typeof v !== "object" || v === null) return false;
  const c = v as Record<string, unknown>;
  return typeof c.encode === "function" && typeof c.decode === "function" && typeof c.toJSON === "function" && typeof c.fromJSON === "function";
}

/** type URL → codec, for Any. */
const ANY_TYPES = new Map<string, Codec>();

/** every type URL an Any may carry here (sorted). */
export function anyTypeUrls(): string[] {
  return [...ANY_TYPES.keys()].sort();
}

/** registers every codec exported by a generated module under "/<pkg>.<Name>" (or its own typeUrl). */
export function registerAnyTypes(pkg: string, mod: Record<string, unknown>): void {
  for (const [name, v] of Object.entries(mod)) {
    if (!isCodec(v)) continue;
    const url = typeof (v as { typeUrl?: unknown }).typeUrl === "string" ? (v as unknown as { typeUrl: string }).typeUrl : `/${pkg}.${name}`;
    ANY_TYPES.set(url, v);
  }
}

registerAnyTypes("cosmos.auth.v1beta1", authV1);
registerAnyTypes("cosmos.bank.v1beta1", bankTx);
registerAnyTypes("cosmos.crypto.ed25519", ed25519);
registerAnyTypes("cosmos.crypto.secp256k1", secp256k1);
registerAnyTypes("cosmos.crypto.multisig", multisig);
registerAnyTypes("cosmos.distribution.v1beta1", distrTx);
registerAnyTypes("cosmos.gov.v1", govV1Tx);
registerAnyTypes("cosmos.gov.v1beta1", govV1beta1Tx);
registerAnyTypes("cosmos.slashing.v1beta1", slashingTx);
registerAnyTypes("cosmos.staking.v1beta1", stakingTx);
registerAnyTypes("cosmos.tx.v1beta1", txV1);
registerAnyTypes("cosmos.vesting.v1beta1", vesting);
for (const m of OPENLEDGER_MODULES) for (const t of m.types) registerAnyTypes(m.pkg, t);

/** camelCase (ts-proto field name) → proto snake_case name. */
export function snake(k: string): string {
  return k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** proto snake_case → ts-proto camelCase. */
export function camel(k: string): string {
  return k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function isDurationJson(j: unknown): j is { seconds: string; nanos: number } {
  if (typeof j !== "object" || j === null || Array.isArray(j)) return false;
  const keys = Object.keys(j);
  return keys.length === 2 && typeof (j as { seconds?: unknown }).seconds === "string" && typeof (j as { nanos?: unknown }).nanos === "number";
}

function durationText(d: { seconds: string; nanos: number }): string {
  if (d.nanos === 0) return `${d.seconds}s`;
  const frac = String(Math.abs(d.nanos)).padStart(9, "0").replace(/0+$/, "");
  return `${d.seconds}.${frac}s`;
}

function isAnyValue(v: unknown): v is { typeUrl: string; value: Uint8Array } {
  if (typeof v !== "object" || v === null) return false;
  const keys = Object.keys(v);
  return keys.length === 2 && typeof (v as { typeUrl?: unknown }).typeUrl === "string" && (v as { value?: unknown }).value instanceof Uint8Array;
}

/** Any → {"@type", ...fields}; an unknown type gives {"@type", "value": b64}. */
export function anyJson(a: { typeUrl: string; value: Uint8Array }): Obj {
  const codec = ANY_TYPES.get(a.typeUrl);
  if (codec !== undefined) {
    try {
      return { "@type": a.typeUrl, ...protoJson(codec, codec.decode(a.value)) };
    } catch {
      // fall through: undecodable inner bytes
    }
  }
  return { "@type": a.typeUrl, value: toBase64(a.value) };
}

/** merges a decoded value (every field) with its toJSON form (formatted values). */
function merge(decoded: unknown, formatted: unknown): Json {
  if (decoded === undefined || decoded === null) return null;
  if (isAnyValue(decoded)) return anyJson(decoded);
  if (decoded instanceof Uint8Array) return decoded.length === 0 ? null : toBase64(decoded);
  if (Array.isArray(decoded)) {
    const f = Array.isArray(formatted) ? formatted : [];
    return decoded.map((d, i) => merge(d, f[i]));
  }
  if (decoded instanceof Date) return typeof formatted === "string" ? formatted : decoded.toISOString();
  if (typeof decoded === "bigint") return typeof formatted === "string" ? formatted : decoded.toString();
  if (typeof decoded === "object") {
    if (isDurationJson(formatted)) return durationText(formatted);
    if (typeof formatted === "string") return formatted; // Timestamp as RFC 3339
    const f = typeof formatted === "object" && formatted !== null ? (formatted as Record<string, unknown>) : {};
    const out: Obj = {};
    for (const [k, v] of Object.entries(decoded as Record<string, unknown>)) out[snake(k)] = merge(v, f[k]);
    return out;
  }
  // string, number, boolean: the formatted value carries enum names
  if (formatted !== undefined && formatted !== null && (typeof formatted === "string" || typeof formatted === "number" || typeof formatted === "boolean")) {
    return formatted;
  }
  return decoded as Json;
}

/** gateway JSON of one decoded message. */
export function protoJson<T>(codec: Codec<T>, msg: T): Obj {
  const j = merge(msg, codec.toJSON(msg));
  return j !== null && typeof j === "object" && !Array.isArray(j) ? j : {};
}

/**
 * gateway request object (flat dotted snake_case keys from the query string and path) → the
 * codec's fromJSON input: nested camelCase, "true"/"false" → booleans, short digit strings → numbers
 * (so that enum numbers resolve), everything else as given.
 */
export function requestFromParams(codec: Codec, params: Record<string, string>, all?: Record<string, string[]>): unknown {
  const root: Record<string, unknown> = {};
  // repeated top-level fields take every value of their key (`denoms=a&denoms=b`), as the gateway does
  const defaults = all === undefined ? {} : (codec.fromJSON({}) as Record<string, unknown>);
  for (const [key, raw] of Object.entries(params)) {
    const values = all?.[key];
    if (values !== undefined && !key.includes(".") && Array.isArray(defaults[camel(key)])) {
      root[camel(key)] = values;
      continue;
    }
    const parts = key.split(".").filter((p) => p !== "").map(camel);
    if (parts.length === 0) continue;
    let o = root;
    for (const p of parts.slice(0, -1)) {
      const next = o[p];
      if (typeof next !== "object" || next === null) o[p] = {};
      o = o[p] as Record<string, unknown>;
    }
    const v: unknown = raw === "true" ? true : raw === "false" ? false : /^\d{1,15}$/.test(raw) ? Number(raw) : raw;
    o[parts[parts.length - 1] as string] = v;
  }
  return codec.fromJSON(root);
}
