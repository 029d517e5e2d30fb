/** Durations as in CometBFT config ("1s", "500ms", "1m30s") or a bare number of milliseconds. */
import { UserError } from "../util/errors.ts";

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDurationMs(v: string | number, what = "duration"): number {
  if (typeof v === "number") {
    if (!Number.isFinite(v) || v < 0) throw new UserError(`invalid ${what} ${v}`);
    return v;
  }
  const s = v.trim();
  if (/^[0-9]+$/.test(s)) return Number(s);
  const re = /([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (const m of s.matchAll(re)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? 0);
    matched += m[0].length;
  }
  if (s === "" || matched !== s.length) throw new UserError(`invalid ${what} "${v}": use milliseconds (1000) or a duration like 1s, 500ms`);
  return Math.round(total);
}

export function formatDurationMs(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
