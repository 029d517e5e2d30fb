/**
 * The CometBFT pubsub query language (libs/pubsub/query, v0.38): conditions joined by AND,
 *
 *   tm.event='Tx' AND transfer.recipient='open1…' AND tx.height>=5 AND coin.amount CONTAINS 'uopen'
 *   message.sender EXISTS AND block.time<=TIME 2026-01-02T03:04:05Z AND day>DATE 2026-01-02
 *
 * Operands: single-quoted strings (no escapes; a string cannot contain `'`), unquoted numbers
 * (integers or decimals, optionally negative), `DATE yyyy-mm-dd` and `TIME <RFC3339>`.
 * A condition holds for an event map when ANY value of its composite key satisfies it. Numeric
 * comparisons read the leading number of an attribute value ("100uopen" compares as 100), as CometBFT does.
 */

export type Operator = "=" | "<" | "<=" | ">" | ">=" | "CONTAINS" | "EXISTS";

export type Operand =
  | { kind: "string"; value: string }
  /** exact decimal: value = int / 10^scale. */
  | { kind: "number"; int: bigint; scale: number; text: string }
  | { kind: "date"; ms: number; text: string }
  | { kind: "time"; ms: number; nanos: number; text: string };

export interface Condition {
  /** composite key "type.key" (or "tm.event", "tx.hash", "tx.height"). */
  key: string;
  op: Operator;
  /** absent for EXISTS. */
  operand?: Operand;
}

export interface Query {
  /** the text that was parsed. */
  source: string;
  conditions: Condition[];
}

export class QueryParseError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(`failed to parse query: ${message} at position ${position}`);
    this.name = "QueryParseError";
    this.position = position;
  }
}

const MAX_QUERY_LENGTH = 512;

function isTagChar(c: string): boolean {
  return /[\p{L}\p{N}_.\-/:]/u.test(c);
}

/** parses a CometBFT query; throws QueryParseError with a readable message. An empty query has no conditions. */
export function parseQuery(source: string): Query {
  if (typeof source !== "string") throw new QueryParseError("query must be a string", 0);
  if (source.length > MAX_QUERY_LENGTH)
    throw new QueryParseError(`query is longer than ${MAX_QUERY_LENGTH} characters`, MAX_QUERY_LENGTH);
  const s = source;
  let i = 0;
  const conditions: Condition[] = [];
  const skipWs = (): void => {
    while (i < s.length && /\s/.test(s[i] as string)) i++;
  };
  const word = (): string => {
    const start = i;
    while (i < s.length && /[A-Z]/.test(s[i] as string)) i++;
    return s.slice(start, i);
  };

  skipWs();
  if (i >= s.length) return { source, conditions };
  for (;;) {
    skipWs();
    // tag
    const tagStart = i;
    while (i < s.length && isTagChar(s[i] as string)) i++;
    const key = s.slice(tagStart, i);
    if (key === "") throw new QueryParseError(`expected an attribute name, found ${describe(s, i)}`, i);
    if (!/^[\p{L}_]/u.test(key)) throw new QueryParseError(`attribute name ${JSON.stringify(key)} must start with a letter`, tagStart);
    skipWs();
    // operator
    let op: Operator;
    const c = s[i];
    if (c === "=") {
      op = "=";
      i++;
    } else if (c === "<" || c === ">") {
      i++;
      if (s[i] === "=") {
        i++;
        op = c === "<" ? "<=" : ">=";
      } else op = c;
    } else {
      const opStart = i;
      const w = word();
      if (w === "CONTAINS") op = "CONTAINS";
      else if (w === "EXISTS") op = "EXISTS";
      else throw new QueryParseError(`expected an operator (=, <, <=, >, >=, CONTAINS, EXISTS) after ${JSON.stringify(key)}, found ${describe(s, opStart)}`, opStart);
    }
    skipWs();
    let operand: Operand | undefined;
    if (op !== "EXISTS") {
      const parsed = parseOperand(s, i);
      i = parsed.end;
      operand = parsed.operand;
      if (op === "CONTAINS" && operand.kind !== "string")
        throw new QueryParseError(`CONTAINS needs a quoted string operand`, i);
      if (op !== "=" && op !== "CONTAINS" && operand.kind === "string")
        throw new QueryParseError(`operator ${op} needs a number, DATE or TIME operand, not a string`, i);
    }
    conditions.push(operand === undefined ? { key, op } : { key, op, operand });
    skipWs();
    if (i >= s.length) break;
    const andStart = i;
    const w = word();
    if (w !== "AND") throw new QueryParseError(`expected AND or end of query, found ${describe(s, andStart)}`, andStart);
    if (i < s.length && !/\s/.test(s[i] as string)) throw new QueryParseError("expected whitespace after AND", i);
  }
  return { source, conditions };
}

function describe(s: string, i: number): string {
  if (i >= s.length) return "end of query";
  return JSON.stringify(s.slice(i, i + 12));
}

function parseOperand(s: string, start: number): { operand: Operand; end: number } {
  let i = start;
  const c = s[i];
  if (c === "'") {
    const close = s.indexOf("'", i + 1);
    if (close < 0) throw new QueryParseError("unterminated string", start);
    return { operand: { kind: "string", value: s.slice(i + 1, close) }, end: close + 1 };
  }
  if (c !== undefined && /[-0-9]/.test(c)) {
    const m = /^-?[0-9]+(\.[0-9]+)?/.exec(s.slice(i));
    if (m === null) throw new QueryParseError(`invalid number ${describe(s, i)}`, i);
    i += m[0].length;
    if (i < s.length && isTagChar(s[i] as string))
      throw new QueryParseError(`invalid number ${describe(s, start)}`, start);
    const n = parseNumber(m[0]);
    if (n === undefined) throw new QueryParseError(`invalid number ${describe(s, start)}`, start);
    return { operand: { kind: "number", ...n, text: m[0] }, end: i };
  }
  const w = /^(DATE|TIME)\s+/.exec(s.slice(i));
  if (w !== null) {
    i += w[0].length;
    const m = /^[0-9TZ:.+\-]+/.exec(s.slice(i));
    const text = m === null ? "" : m[0];
    if (w[1] === "DATE") {
      const ms = parseDate(text);
      if (ms === undefined) throw new QueryParseError(`invalid DATE ${JSON.stringify(text)} (want yyyy-mm-dd)`, i);
      return { operand: { kind: "date", ms, text }, end: i + text.length };
    }
    const t = parseTime(text);
    if (t === undefined) throw new QueryParseError(`invalid TIME ${JSON.stringify(text)} (want RFC 3339)`, i);
    return { operand: { kind: "time", ...t, text }, end: i + text.length };
  }
  throw new QueryParseError(`expected a quoted string, number, DATE or TIME, found ${describe(s, i)}`, i);
}

function parseNumber(text: string): { int: bigint; scale: number } | undefined {
  const m = /^(-?)([0-9]+)(?:\.([0-9]+))?$/.exec(text);
  if (m === null) return undefined;
  const frac = m[3] ?? "";
  const int = BigInt(m[2]! + frac) * (m[1] === "-" ? -1n : 1n);
  return { int, scale: frac.length };
}

function parseDate(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m === null) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const d = new Date(ms);
  if (d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) return undefined;
  return ms;
}

/** RFC 3339 with optional fraction (up to 9 digits) and Z or ±hh:mm. */
function parseTime(text: string): { ms: number; nanos: number } | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (m === null) return undefined;
  const day = parseDate(m[1]!);
  if (day === undefined) return undefined;
  const [hh, mm, ss] = [Number(m[2]), Number(m[3]), Number(m[4])];
  if (hh > 23 || mm > 59 || ss > 60) return undefined;
  let offsetMin = 0;
  const z = m[6]!;
  if (z !== "Z") {
    const sign = z[0] === "-" ? -1 : 1;
    offsetMin = sign * (Number(z.slice(1, 3)) * 60 + Number(z.slice(4, 6)));
  }
  const nanos = Number((m[5] ?? "").padEnd(9, "0"));
  const ms = day + ((hh * 60 + mm - offsetMin) * 60 + ss) * 1000;
  return { ms, nanos };
}

/** compares a/10^sa with b/10^sb exactly. */
function cmpDecimal(a: bigint, sa: number, b: bigint, sb: number): number {
  const s = Math.max(sa, sb);
  const x = a * 10n ** BigInt(s - sa);
  const y = b * 10n ** BigInt(s - sb);
  return x < y ? -1 : x > y ? 1 : 0;
}

function cmpOp(op: Operator, c: number): boolean {
  switch (op) {
    case "=":
      return c === 0;
    case "<":
      return c < 0;
    case "<=":
      return c <= 0;
    case ">":
      return c > 0;
    case ">=":
      return c >= 0;
    default:
      return false;
  }
}

const LEADING_NUMBER = /^-?\d+(\.\d+)?/;

/** whether one attribute value satisfies a condition. */
export function valueMatches(cond: Condition, value: string): boolean {
  const o = cond.operand;
  if (cond.op === "EXISTS") return true;
  if (o === undefined) return false;
  switch (o.kind) {
    case "string":
      return cond.op === "CONTAINS" ? value.includes(o.value) : value === o.value;
    case "number": {
      const m = LEADING_NUMBER.exec(value);
      if (m === null) return false;
      const n = parseNumber(m[0]);
      if (n === undefined) return false;
      return cmpOp(cond.op, cmpDecimal(n.int, n.scale, o.int, o.scale));
    }
    case "date": {
      const d = parseDate(value.slice(0, 10));
      const t = d === undefined ? parseTime(value) : undefined;
      const ms = d ?? t?.ms;
      if (ms === undefined) return false;
      const day = Math.floor(ms / 86_400_000) * 86_400_000;
      return cmpOp(cond.op, Math.sign(day - o.ms));
    }
    case "time": {
      const t = parseTime(value);
      if (t === undefined) return false;
      const c = t.ms !== o.ms ? Math.sign(t.ms - o.ms) : Math.sign(t.nanos - o.nanos);
      return cmpOp(cond.op, c);
    }
  }
}

/** whether an event map ("type.key" → values) satisfies every condition of the query. */
export function matches(query: Query, events: Record<string, string[]>): boolean {
  for (const cond of query.conditions) {
    const values = Object.hasOwn(events, cond.key) ? events[cond.key] : undefined;
    if (values === undefined || values.length === 0) return false;
    if (!values.some((v) => valueMatches(cond, v))) return false;
  }
  return true;
}

/** the canonical text of a condition (for logs and errors). */
export function conditionToString(c: Condition): string {
  if (c.op === "EXISTS" || c.operand === undefined) return `${c.key} EXISTS`;
  const o = c.operand;
  const v =
    o.kind === "string" ? `'${o.value}'` : o.kind === "number" ? o.text : o.kind === "date" ? `DATE ${o.text}` : `TIME ${o.text}`;
  return `${c.key}${c.op === "CONTAINS" ? " CONTAINS " : c.op}${v}`;
}
