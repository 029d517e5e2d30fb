/**
 * Time formatting of the state machine without Date (deterministic, any year): RFC 3339 UTC ⇄ protobuf
 * Timestamp by Hinnant's civil-from-days / days-from-civil, and protobuf-JSON Durations ("1814400s").
 */

/** RFC 3339 UTC ("2026-01-01T00:00:00Z", fractional seconds trimmed), pure (no Date): Hinnant's civil_from_days. */
export function rfc3339(t: { seconds: bigint; nanos: number }): string {
  const secs = t.seconds;
  let days = secs / 86400n;
  let rem = secs % 86400n;
  if (rem < 0n) {
    rem += 86400n;
    days -= 1n;
  }
  const z = days + 719468n;
  const era = (z >= 0n ? z : z - 146096n) / 146097n;
  const doe = z - era * 146097n;
  const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const d = doy - (153n * mp + 2n) / 5n + 1n;
  const m = mp < 10n ? mp + 3n : mp - 9n;
  const y = yoe + era * 400n + (m <= 2n ? 1n : 0n);
  const p2 = (n: bigint) => n.toString().padStart(2, "0");
  const hh = rem / 3600n;
  const mm = (rem % 3600n) / 60n;
  const ss = rem % 60n;
  const frac = t.nanos === 0 ? "" : `.${t.nanos.toString().padStart(9, "0").replace(/0+$/, "")}`;
  return `${y.toString().padStart(4, "0")}-${p2(m)}-${p2(d)}T${p2(hh)}:${p2(mm)}:${p2(ss)}${frac}Z`;
}

/** parses RFC 3339 UTC ("…Z" or "+00:00"); pure. */
export function parseRfc3339(s: string): { seconds: bigint; nanos: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (m === null) throw new RangeError(`invalid RFC 3339 time ${JSON.stringify(s.slice(0, 40))}`);
  let y = BigInt(m[1] as string);
  const mo = BigInt(m[2] as string);
  const d = BigInt(m[3] as string);
  y -= mo <= 2n ? 1n : 0n;
  const era = (y >= 0n ? y : y - 399n) / 400n;
  const yoe = y - era * 400n;
  const doy = (153n * (mo > 2n ? mo - 3n : mo + 9n) + 2n) / 5n + d - 1n;
  const doe = yoe * 365n + yoe / 4n - yoe / 100n + doy;
  const days = era * 146097n + doe - 719468n;
  let seconds = days * 86400n + BigInt(m[4] as string) * 3600n + BigInt(m[5] as string) * 60n + BigInt(m[6] as string);
  const tz = m[8] as string;
  if (tz !== "Z") {
    const sign = tz[0] === "-" ? -1n : 1n;
    seconds -= sign * (BigInt(tz.slice(1, 3)) * 3600n + BigInt(tz.slice(4, 6)) * 60n);
  }
  return { seconds, nanos: m[7] === undefined ? 0 : Number((m[7] as string).padEnd(9, "0")) };
}

/** "1814400s" / "1.5s" ⇄ Duration. */
export function formatDuration(d: { seconds: bigint; nanos: number }): string {
  return d.nanos === 0 ? `${d.seconds}s` : `${d.seconds}.${d.nanos.toString().padStart(9, "0").replace(/0+$/, "")}s`;
}
export function parseDuration(s: string): { seconds: bigint; nanos: number } {
  const m = /^([0-9]+)(?:\.([0-9]{1,9}))?s$/.exec(s);
  if (m === null) throw new RangeError(`invalid duration ${JSON.stringify(s.slice(0, 40))}`);
  return { seconds: BigInt(m[1] as string), nanos: m[2] === undefined ? 0 : Number((m[2] as string).padEnd(9, "0")) };
}
