/**
 * Protobuf Timestamps as CometBFT writes them: RFC3339Nano in UTC with trailing zeros of the fraction
 * trimmed (Go's time.RFC3339Nano: "2017-12-25T03:00:01.234Z", "2019-10-13T16:14:44Z"), and Go's zero
 * time (0001-01-01T00:00:00Z, seconds = -62135596800) as the "no time" value of absent commit sigs.
 */
import type { Timestamp } from "../../modules/core/abci.ts";

/** Go's time.Time{} as a protobuf Timestamp: what CometBFT puts in absent CommitSigs and empty votes. */
export const ZERO_TIME: Timestamp = Object.freeze({ seconds: -62135596800n, nanos: 0 }) as Timestamp;

/** Unix seconds of 0001-01-01T00:00:00Z and of 9999-12-31T23:59:59Z (protobuf Timestamp range). */
const MIN_SECONDS = -62135596800n;
const MAX_SECONDS = 253402300799n;

export function isZeroTime(t: Timestamp): boolean {
  return t.seconds === ZERO_TIME.seconds && t.nanos === 0;
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, "0");
}

/** days since 1970-01-01 → civil date (proleptic Gregorian; Howard Hinnant's algorithm). */
function civilFromDays(z0: bigint): { y: bigint; m: number; d: number } {
  const z = z0 + 719468n;
  const era = (z >= 0n ? z : z - 146096n) / 146097n;
  const doe = z - era * 146097n;
  const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
  const y = yoe + era * 400n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const d = Number(doy - (153n * mp + 2n) / 5n + 1n);
  const m = Number(mp < 10n ? mp + 3n : mp - 9n);
  return { y: m <= 2 ? y + 1n : y, m, d };
}

function daysFromCivil(y0: bigint, m: number, d: number): bigint {
  const y = m <= 2 ? y0 - 1n : y0;
  const era = (y >= 0n ? y : y - 399n) / 400n;
  const yoe = y - era * 400n;
  const mm = BigInt(m);
  const doy = (153n * (mm > 2n ? mm - 3n : mm + 9n) + 2n) / 5n + BigInt(d) - 1n;
  const doe = yoe * 365n + yoe / 4n - yoe / 100n + doy;
  return era * 146097n + doe - 719468n;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** RFC3339Nano, UTC, fraction without trailing zeros (Go's `t.UTC().Format(time.RFC3339Nano)`). */
export function formatRfc3339Nano(t: Timestamp): string {
  if (!Number.isInteger(t.nanos) || t.nanos < 0 || t.nanos > 999_999_999) throw new RangeError(`invalid nanos ${t.nanos}`);
  const days = floorDiv(t.seconds, 86400n);
  const sod = Number(t.seconds - days * 86400n);
  const { y, m, d } = civilFromDays(days);
  if (y < 0n || y > 9999n) throw new RangeError(`year out of range: ${y}`);
  let s = `${pad(Number(y), 4)}-${pad(m, 2)}-${pad(d, 2)}T${pad(Math.floor(sod / 3600), 2)}:${pad(Math.floor((sod % 3600) / 60), 2)}:${pad(sod % 60, 2)}`;
  if (t.nanos !== 0) s += `.${pad(t.nanos, 9).replace(/0+$/, "")}`;
  return `${s}Z`;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** parses RFC3339 with optional fraction (≤ 9 digits) and Z or ±hh:mm offset; throws on anything else. */
export function parseRfc3339(s: string): Timestamp {
  const m = RFC3339.exec(s);
  if (m === null) throw new Error(`invalid RFC3339 time: ${JSON.stringify(s)}`);
  const [, ys, mos, ds, hs, mis, ss, frac, , sign, oh, om] = m;
  const y = BigInt(ys!);
  const mo = Number(mos);
  const d = Number(ds);
  const h = Number(hs);
  const mi = Number(mis);
  const sec = Number(ss);
  const leap = (y % 4n === 0n && y % 100n !== 0n) || y % 400n === 0n;
  const mdays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  if (mdays === undefined || d < 1 || d > mdays || h > 23 || mi > 59 || sec > 59) {
    throw new Error(`invalid RFC3339 time: ${JSON.stringify(s)}`);
  }
  let seconds = daysFromCivil(y, mo, d) * 86400n + BigInt(h * 3600 + mi * 60 + sec);
  if (sign !== undefined) {
    const off = BigInt(Number(oh) * 3600 + Number(om) * 60);
    if (Number(oh) > 23 || Number(om) > 59) throw new Error(`invalid RFC3339 offset: ${JSON.stringify(s)}`);
    seconds = sign === "+" ? seconds - off : seconds + off;
  }
  const nanos = frac === undefined ? 0 : Number(frac.padEnd(9, "0"));
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) throw new RangeError(`time out of range: ${s}`);
  return { seconds, nanos };
}

/** milliseconds since the Unix epoch (nanos below 1 ms are truncated). */
export function timestampToMs(t: Timestamp): number {
  return Number(t.seconds) * 1000 + Math.floor(t.nanos / 1_000_000);
}

export function msToTimestamp(ms: number): Timestamp {
  if (!Number.isSafeInteger(ms)) throw new RangeError(`ms must be a safe integer: ${ms}`);
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

/** total order on timestamps: negative, zero or positive. */
export function compareTimestamps(a: Timestamp, b: Timestamp): number {
  if (a.seconds !== b.seconds) return a.seconds < b.seconds ? -1 : 1;
  return a.nanos - b.nanos;
}

/** a + ms (ms may be negative). */
export function addMs(t: Timestamp, ms: number): Timestamp {
  const total = t.seconds * 1_000_000_000n + BigInt(t.nanos) + BigInt(ms) * 1_000_000n;
  const seconds = floorDiv(total, 1_000_000_000n);
  return { seconds, nanos: Number(total - seconds * 1_000_000_000n) };
}

/** Date.now() as a Timestamp (wall clock; node/ only). */
export function nowTimestamp(): Timestamp {
  return msToTimestamp(Date.now());
}
