/**
 * Parameter decoding for the three request forms CometBFT accepts: JSON-RPC named params (object),
 * JSON-RPC positional params (array, in route order) and URI query strings (`GET /block?height=5`,
 * strings double-quoted, bytes as 0x-hex). Every failure is an RpcError -32602 with a readable `data`,
 * so that invalid input never reaches a handler.
 */
import { fromBase64, fromHex, utf8 } from "../../modules/core/bytes.ts";
import { invalidParams } from "./errors.ts";

export type ParamType =
  /** int64 ≥ 0: JSON number or string-int. */
  | "int"
  /** any string. */
  | "string"
  | "bool"
  /** []byte: base64 in JSON (tx bytes). */
  | "b64bytes"
  /** HexBytes: hex in JSON (abci_query data). */
  | "hexbytes"
  /** a 32-byte hash: hex (64 chars) or base64 (cosmjs sends `tx.hash` as base64). */
  | "hash"
  /** any JSON value (broadcast_evidence's evidence), kept as its JSON text; in a URI, the JSON text itself. */
  | "json";

export interface ParamSpec {
  name: string;
  type: ParamType;
}

export type ParamValue = bigint | string | boolean | Uint8Array;
export type Args = Record<string, ParamValue | undefined>;

const MAX_INT = (1n << 63n) - 1n;

function parseIntText(name: string, s: string): bigint {
  if (!/^-?[0-9]{1,19}$/.test(s)) throw invalidParams(`${name}: expected an integer, got ${JSON.stringify(s.slice(0, 40))}`);
  const v = BigInt(s);
  if (v < 0n) throw invalidParams(`${name}: must not be negative, got ${s}`);
  if (v > MAX_INT) throw invalidParams(`${name}: out of range`);
  return v;
}

function parseHash(name: string, s: string): Uint8Array {
  const t = s.startsWith("0x") || s.startsWith("0X") ? s.slice(2) : s;
  if (/^[0-9a-fA-F]{64}$/.test(t)) return fromHex(t);
  try {
    const b = fromBase64(s);
    if (b.length === 32) return b;
  } catch {
    // fall through
  }
  throw invalidParams(`${name}: expected a 32-byte hash as hex or base64, got ${JSON.stringify(s.slice(0, 80))}`);
}

/** decodes one JSON value; null and undefined mean "absent". */
export function fromJsonValue(spec: ParamSpec, v: unknown): ParamValue | undefined {
  if (v === undefined || v === null) return undefined;
  const { name, type } = spec;
  switch (type) {
    case "int":
      if (typeof v === "number") {
        if (!Number.isSafeInteger(v)) throw invalidParams(`${name}: expected an integer, got ${v}`);
        return parseIntText(name, String(v));
      }
      if (typeof v === "string") return v === "" ? undefined : parseIntText(name, v);
      throw invalidParams(`${name}: expected an integer (number or string), got ${typeof v}`);
    case "string":
      if (typeof v !== "string") throw invalidParams(`${name}: expected a string, got ${typeof v}`);
      return v;
    case "bool":
      if (typeof v === "boolean") return v;
      if (v === "true" || v === "false") return v === "true";
      throw invalidParams(`${name}: expected a boolean, got ${JSON.stringify(v)}`);
    case "b64bytes":
      if (typeof v !== "string") throw invalidParams(`${name}: expected base64 bytes, got ${typeof v}`);
      try {
        return fromBase64(v);
      } catch {
        throw invalidParams(`${name}: invalid base64 (standard alphabet, padded)`);
      }
    case "hexbytes": {
      if (typeof v !== "string") throw invalidParams(`${name}: expected hex bytes, got ${typeof v}`);
      const t = v.startsWith("0x") || v.startsWith("0X") ? v.slice(2) : v;
      try {
        return fromHex(t);
      } catch {
        throw invalidParams(`${name}: invalid hex`);
      }
    }
    case "hash":
      if (typeof v !== "string") throw invalidParams(`${name}: expected a hash string, got ${typeof v}`);
      return parseHash(name, v);
    case "json":
      return JSON.stringify(v);
  }
}

/** decodes one URI query value (`"quoted"` strings, 0x-hex bytes, bare numbers and booleans). */
export function fromUriValue(spec: ParamSpec, raw: string): ParamValue | undefined {
  const { name, type } = spec;
  const quoted = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"');
  let unq = raw;
  if (quoted) {
    try {
      unq = JSON.parse(raw) as string;
    } catch {
      throw invalidParams(`${name}: invalid quoted string`);
    }
  }
  if (raw === "") return undefined;
  switch (type) {
    case "json":
      try {
        return JSON.stringify(JSON.parse(raw));
      } catch {
        throw invalidParams(`${name}: invalid JSON`);
      }
    case "int":
      return parseIntText(name, unq);
    case "string":
      return unq;
    case "bool":
      if (unq === "true" || unq === "false") return unq === "true";
      throw invalidParams(`${name}: expected true or false, got ${JSON.stringify(raw.slice(0, 40))}`);
    case "b64bytes":
    case "hexbytes":
    case "hash": {
      if (!quoted && (raw.startsWith("0x") || raw.startsWith("0X"))) {
        try {
          const b = fromHex(raw.slice(2));
          if (type === "hash" && b.length !== 32) throw new Error("length");
          return b;
        } catch {
          throw invalidParams(`${name}: invalid 0x-hex`);
        }
      }
      if (type === "hash") return parseHash(name, unq);
      if (quoted) return utf8(unq);
      return fromJsonValue(spec, raw);
    }
  }
}

/** named or positional JSON params → Args (unknown names are ignored, as CometBFT does). */
export function argsFromJson(specs: readonly ParamSpec[], params: unknown): Args {
  const out: Args = {};
  if (params === undefined || params === null) return out;
  if (Array.isArray(params)) {
    if (params.length > specs.length) throw invalidParams(`expected at most ${specs.length} params, got ${params.length}`);
    params.forEach((v, i) => {
      const spec = specs[i] as ParamSpec;
      out[spec.name] = fromJsonValue(spec, v);
    });
    return out;
  }
  if (typeof params !== "object") throw invalidParams("params must be an object or an array");
  const obj = params as Record<string, unknown>;
  for (const spec of specs) {
    if (Object.hasOwn(obj, spec.name)) out[spec.name] = fromJsonValue(spec, obj[spec.name]);
  }
  return out;
}

export function argsFromUri(specs: readonly ParamSpec[], query: URLSearchParams): Args {
  const out: Args = {};
  for (const spec of specs) {
    const raw = query.get(spec.name);
    if (raw !== null) out[spec.name] = fromUriValue(spec, raw);
  }
  return out;
}
