/**
 * The node's phase timer (modules/core/abci.ts PhaseTracer): the runtime hands it to FinalizeBlock's
 * contexts and modules mark where a phase (e.g. the PoA engine, "poa") starts and ends; the clock is read
 * here, on the node's side, so the state machine stays clock-free and nothing it computes depends on it.
 * Nested or repeated marks of one phase within a block add up to the time spent inside the outermost
 * pairs; `take()` answers and resets the totals (node.ts calls it after each FinalizeBlock).
 */
import type { PhaseTracer } from "../../modules/core/abci.ts";

/** the PoA engine's phase (= modules/attribution/keeper.ts POA_PHASE; node/ sees modules/ only through types). */
export const POA_PHASE = "poa";
/** within it, loading a model's valuation (= keeper.ts POA_INDEX_PHASE). */
export const POA_INDEX_PHASE = "poa_index";

export interface PhaseTotals {
  /** seconds spent in the phase since the last take(). */
  seconds: number;
  /** outermost enter/exit pairs since the last take(). */
  spans: number;
}

export interface PhaseTimer {
  readonly tracer: PhaseTracer;
  /** totals per phase since the last call (phases never entered are absent). */
  take(): Map<string, PhaseTotals>;
}

export function createPhaseTimer(now: () => bigint = process.hrtime.bigint): PhaseTimer {
  const open = new Map<string, { depth: number; since: bigint }>();
  let totals = new Map<string, { ns: bigint; spans: number }>();
  return {
    tracer: {
      enter(phase) {
        const o = open.get(phase);
        if (o !== undefined && o.depth > 0) o.depth++;
        else open.set(phase, { depth: 1, since: now() });
      },
      exit(phase) {
        const o = open.get(phase);
        if (o === undefined || o.depth === 0) return;
        if (--o.depth > 0) return;
        const t = totals.get(phase) ?? { ns: 0n, spans: 0 };
        t.ns += now() - o.since;
        t.spans++;
        totals.set(phase, t);
      },
    },
    take() {
      const out = new Map<string, PhaseTotals>();
      for (const [p, t] of totals) out.set(p, { seconds: Number(t.ns) / 1e9, spans: t.spans });
      totals = new Map();
      return out;
    },
  };
}
