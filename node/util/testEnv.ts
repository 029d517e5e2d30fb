/**
 * TEST ONLY settings read from the environment by node.ts, for the fault scenarios of
 * specs/consensus.md §8.4 on real processes (test/e2e, test/soak). Each is inert when its variable is
 * unset, and refused (the node does not start) on a chain id that is not a test network's
 * (TEST_CHAIN_ID_RE): they exist to make a node misbehave.
 *
 *   OPENLEDGER_TEST_CLOCK_OFFSET_MS=<±ms>   this node's consensus clock (vote and proposal times, BFT
 *                                           time inputs) runs that far from the host clock (S14)
 *   OPENLEDGER_TEST_LIE_HEIGHT=<height>     block sync status answers claim this height (a lying
 *                                           peer, S18); the blocks served stay the real ones
 * The network fault file (OPENLEDGER_TEST_PARTITION_FILE) is in node/p2p/testFaults.ts.
 */
import type { Logger } from "pino";
import { TEST_CHAIN_ID_RE } from "../p2p/testFaults.ts";

export const TEST_CLOCK_OFFSET_ENV = "OPENLEDGER_TEST_CLOCK_OFFSET_MS";
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

/** the height block sync should claim (undefined when unset). */
export function testLieHeight(env: NodeJS.ProcessEnv, chainId: string, logger: Logger): bigint | undefined {
  const v = raw(env, TEST_LIE_HEIGHT_ENV, chainId);
  if (v === undefined) return undefined;
  if (!/^[0-9]+$/.test(v)) throw new Error(`${TEST_LIE_HEIGHT_ENV}: not a height: "${v}"`);
  logger.warn({ height: v }, `${TEST_LIE_HEIGHT_ENV} set: TEST-ONLY lying block sync status on this node`);
  return BigInt(v);
}
