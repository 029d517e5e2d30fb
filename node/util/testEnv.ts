/**
 * TEST ONLY settings read from the environment by node.ts, for the fault scenarios of
 * specs/consensus.md §8.4 on real processes (test/e2e, test/soak). Each is inert when its variable is
 * unset, and refused (the node does not start) on a chain id that is not a test network's
 * (TEST_CHAIN_ID_RE): they exist to make a node misbehave.
 *
 *   OPENLEDGER_TEST_CLOCK_OFFSET_MS=<±ms>   this node's consensus clock (vote and proposal times, BFT
 *                                           time inputs) runs that far from the host clock (S14)
 *   OPENLEDGER_TEST_CLOCK_PATTERN=<p>       on top of that offset, a clock that moves (S14, Jepsen's clock
 *                                           nemeses): `strobe:<deltaMs>:<periodMs>` flips the offset
 *                                           between +0 and +delta every period (from the node's start);
 *                                           `bump:<afterMs>:<deltaMs>` jumps it by delta once, afterMs
 *                                           after the start (forward or backward)
 *   OPENLEDGER_TEST_LIE_HEIGHT=<height>     block sync status answers claim this height (a lying
 *                                           peer, S18); the blocks served stay the real ones
 * The network fault file (OPENLEDGER_TEST_PARTITION_FILE) is in node/p2p/testFaults.ts.
 */
import type { Logger } from "pino";
import { TEST_CHAIN_ID_RE } from "../p2p/testFaults.ts";

export const TEST_CLOCK_OFFSET_ENV = "OPENLEDGER_TEST_CLOCK_OFFSET_MS";
export const TEST_CLOCK_PATTERN_ENV = "OPENLEDGER_TEST_CLOCK_PATTERN";
export const TEST_LIE_HEIGHT_ENV = "OPENLEDGER_TEST_LIE_HEIGHT";

function raw(env: NodeJS.ProcessEnv, name: string, chainId: string): string | undefined {
  const v = env[name];
  if (v === undefined || v.trim() === "") return undefined;
  if (!TEST_CHAIN_ID_RE.test(chainId)) throw new Error(`${name} is test-only and is refused on chain id "${chainId}" (allowed: ${TEST_CHAIN_ID_RE.source})`);
  return v.trim();
}

/** the consensus clock offset in ms (0 when unset). */
export function testClockOffsetMs(env: NodeJS.ProcessEnv, chainId: string, logger: Logger): number {
  const v = raw(env, TEST_CLOCK_OFFSET_ENV, chainId);
  if (v === undefined) return 0;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`${TEST_CLOCK_OFFSET_ENV}: not an integer number of ms: "${v}"`);
  logger.warn({ offsetMs: n }, `${TEST_CLOCK_OFFSET_ENV} set: TEST-ONLY clock skew on this node's consensus clock`);
  return n;
}

export type ClockPattern = { kind: "strobe"; deltaMs: number; periodMs: number } | { kind: "bump"; afterMs: number; deltaMs: number };

export function parseClockPattern(v: string): ClockPattern {
  const m = /^(strobe|bump):(-?[0-9]+):(-?[0-9]+)$/.exec(v);
  if (m === null) throw new Error(`${TEST_CLOCK_PATTERN_ENV}: expected strobe:<deltaMs>:<periodMs> or bump:<afterMs>:<deltaMs>, got "${v}"`);
  const a = Number(m[2]);
  const b = Number(m[3]);
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) throw new Error(`${TEST_CLOCK_PATTERN_ENV}: numbers out of range: "${v}"`);
  if (m[1] === "strobe") {
    if (b <= 0) throw new Error(`${TEST_CLOCK_PATTERN_ENV}: the strobe period must be > 0 ms: "${v}"`);
    return { kind: "strobe", deltaMs: a, periodMs: b };
  }
  if (a < 0) throw new Error(`${TEST_CLOCK_PATTERN_ENV}: the bump delay must be ≥ 0 ms: "${v}"`);
  return { kind: "bump", afterMs: a, deltaMs: b };
}

/** the extra offset of `p` at `sinceStartMs` after the clock was made. */
export function clockPatternOffsetMs(p: ClockPattern, sinceStartMs: number): number {
  if (p.kind === "strobe") return Math.floor(sinceStartMs / p.periodMs) % 2 === 1 ? p.deltaMs : 0;
  return sinceStartMs >= p.afterMs ? p.deltaMs : 0;
}

/**
 * this node's consensus clock under the test-only settings (OPENLEDGER_TEST_CLOCK_OFFSET_MS plus
 * OPENLEDGER_TEST_CLOCK_PATTERN), or undefined when neither is set (the host clock). `wall` and
 * `mono` (for tests) default to Date.now and performance.now; the pattern runs on the monotonic clock.
 */
export function testClock(env: NodeJS.ProcessEnv, chainId: string, logger: Logger, wall: () => number = Date.now, mono: () => number = () => performance.now()): (() => number) | undefined {
  const offset = testClockOffsetMs(env, chainId, logger);
  const v = raw(env, TEST_CLOCK_PATTERN_ENV, chainId);
  if (v === undefined) return offset === 0 ? undefined : () => wall() + offset;
  const p = parseClockPattern(v);
  logger.warn({ pattern: p, offsetMs: offset }, `${TEST_CLOCK_PATTERN_ENV} set: TEST-ONLY moving clock on this node's consensus clock`);
  const t0 = mono();
  return () => wall() + offset + clockPatternOffsetMs(p, mono() - t0);
}

/** the height block sync should claim (undefined when unset). */
export function testLieHeight(env: NodeJS.ProcessEnv, chainId: string, logger: Logger): bigint | undefined {
  const v = raw(env, TEST_LIE_HEIGHT_ENV, chainId);
  if (v === undefined) return undefined;
  if (!/^[0-9]+$/.test(v)) throw new Error(`${TEST_LIE_HEIGHT_ENV}: not a height: "${v}"`);
  logger.warn({ height: v }, `${TEST_LIE_HEIGHT_ENV} set: TEST-ONLY lying block sync status on this node`);
  return BigInt(v);
}
