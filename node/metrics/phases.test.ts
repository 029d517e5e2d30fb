import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { POA_INDEX_PHASE as KEEPER_POA_INDEX_PHASE, POA_PHASE as KEEPER_POA_PHASE } from "../../modules/attribution/keeper.ts";
import { POA_INDEX_PHASE, POA_PHASE, createPhaseTimer } from "./phases.ts";

describe("node/metrics/phases: the node's phase timer", () => {
  it("adds up the outermost enter/exit pairs of a phase; take() answers and resets", () => {
    let t = 0n;
    const timer = createPhaseTimer(() => t);
    const { tracer } = timer;
    tracer.enter("poa");
    t += 1_000_000n;
    tracer.enter("poa"); // nested: counted once, in the outer pair
    t += 2_000_000n;
    tracer.exit("poa");
    t += 1_000_000n;
    tracer.exit("poa");
    t += 50_000_000n; // outside any span
    tracer.enter("poa");
    t += 500_000n;
    tracer.exit("poa");
    tracer.exit("poa"); // an unmatched exit is ignored
    tracer.enter("other");
    t += 1n;
    tracer.exit("other");
    const got = timer.take();
    assert.deepEqual(got.get("poa"), { seconds: 0.0045, spans: 2 });
    assert.equal(got.get("other")?.spans, 1);
    assert.equal(timer.take().size, 0, "reset");
  });

  it("the node's PoA phase name is the attribution keeper's", () => {
    assert.equal(POA_PHASE, KEEPER_POA_PHASE);
    assert.equal(POA_INDEX_PHASE, KEEPER_POA_INDEX_PHASE);
  });
});
