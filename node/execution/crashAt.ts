/**
 * TEST ONLY: `OPENLEDGER_TEST_CRASH_AT=<point>:<height>` makes the node SIGKILL itself the first time it
 * reaches that crash point at a height ≥ the given one (real-process crash tests: test/e2e/bftCrash.test.ts,
 * test/soak/). Points: the fail points of the commit sequence (FAIL_POINTS, consensus.md §4.4) and the
 * driver's signing-path point `afterPrivvalSign` (after the private validator signed and persisted, before
 * the signed message is logged to the WAL or leaves). Off unless set; logged at fatal level when armed;
 * never set it on a real network.
 */
import { writeSync } from "node:fs";
import type { Logger } from "pino";
import { FAIL_POINTS, type FailPointHook } from "./types.ts";

export const CRASH_AT_ENV = "OPENLEDGER_TEST_CRASH_AT";
export const CRASH_POINTS = ["afterPrivvalSign", ...FAIL_POINTS] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export interface CrashAt {
  point: CrashPoint;
  height: bigint;
}

/** parses `<point>:<height>`; throws on anything else (a typo must not silently disable the test). */
export function parseCrashAt(spec: string): CrashAt {
  const m = /^([A-Za-z]+):(\d+)$/.exec(spec.trim());
  if (m === null) throw new Error(`${CRASH_AT_ENV}: expected <point>:<height>, got "${spec}"`);
  const point = m[1] as CrashPoint;
  if (!CRASH_POINTS.includes(point)) throw new Error(`${CRASH_AT_ENV}: unknown point "${m[1]}" (${CRASH_POINTS.join(", ")})`);
  return { point, height: BigInt(m[2]!) };
}

export interface CrashHooks {
  /** for the block executor / producer fail points. */
  failPoint: FailPointHook;
  /** for the consensus driver's signing path (ConsensusDriver deps.crashPoint). */
  crashPoint: (point: "afterPrivvalSign", info: { vote?: { height: bigint }; proposal?: { height: bigint } }) => void;
}

/** hooks from the environment, or undefined when the variable is unset or empty. */
export function crashHooksFromEnv(log: Logger, env: NodeJS.ProcessEnv = process.env, kill: () => void = killSelf): CrashHooks | undefined {
  const spec = env[CRASH_AT_ENV];
  if (spec === undefined || spec === "") return undefined;
  const at = parseCrashAt(spec);
  log.fatal({ point: at.point, height: at.height.toString() }, `${CRASH_AT_ENV}: TEST-ONLY CRASH MODE, this node will SIGKILL itself at ${at.point} of the first height ≥ ${at.height}`);
  const hit = (point: string, height: bigint) => {
    if (point !== at.point || height < at.height) return;
    // pino may buffer: write the line synchronously, then die without any cleanup (kill -9)
    try {
      writeSync(2, `${JSON.stringify({ level: 60, time: Date.now(), msg: `${CRASH_AT_ENV}: crashing now (SIGKILL) at ${point} of height ${height}`, point, height: height.toString() })}\n`);
    } catch {
      // stderr closed: crash anyway
    }
    kill();
  };
  return {
    failPoint: (point, height) => hit(point, height),
    crashPoint: (point, info) => {
      const h = info.vote?.height ?? info.proposal?.height;
      if (h !== undefined) hit(point, h);
    },
  };
}

function killSelf(): void {
  process.kill(process.pid, "SIGKILL");
}
