import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toHex } from "../../../modules/core/bytes.ts";
import { ed25519Scheme, makeValidatorSet, testKeys } from "../testing.ts";
import { defaultSimOptions, randomSchedule, runSimulation, type SimOptions, type SimResult } from "./simulator.ts";

const SCHEDULES = Number(process.env.SIM_SCHEDULES ?? 1000);
const SEED_BASE = Number(process.env.SIM_SEED_BASE ?? 1);

function describeFailure(r: SimResult, o: SimOptions): string {
  const opts = JSON.stringify({ ...o, scheme: o.scheme.name }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  return `seed ${r.seed}: ${r.violations.slice(0, 3).join("; ")}\n  options ${opts}\n  reproduce: SIM_SEED_BASE=${r.seed} SIM_SCHEDULES=1 node --test node/consensus/sim/simulator.test.ts`;
}

function expectOk(o: SimOptions): SimResult {
  const r = runSimulation(o);
  assert.ok(r.ok, describeFailure(r, o));
  return r;
}

describe("consensus/sim randomized schedules", () => {
  it(`${SCHEDULES} randomized schedules keep agreement, validity, no double signs, and decide after GST`, () => {
    const failures: string[] = [];
    const stats = { events: 0, messages: 0, crashes: 0, evidence: 0, byz: 0, maxRound: 0, heights: 0n };
    const t0 = performance.now();
    for (let s = SEED_BASE; s < SEED_BASE + SCHEDULES; s++) {
      const o = randomSchedule(s);
      const r = runSimulation(o);
      if (!r.ok) failures.push(describeFailure(r, o));
      stats.events += r.events;
      stats.messages += r.messages;
      stats.crashes += r.crashes;
      stats.evidence += r.evidence.length;
      stats.byz += o.byzantine.length > 0 ? 1 : 0;
      stats.maxRound = Math.max(stats.maxRound, r.maxRound);
      stats.heights += o.targetHeight;
    }
    const ms = performance.now() - t0;
    console.log(
      `sim: ${SCHEDULES} schedules (seeds ${SEED_BASE}..${SEED_BASE + SCHEDULES - 1}) in ${(ms / 1000).toFixed(1)} s: ${stats.heights} heights, ${stats.events} events, ${stats.messages} messages, ${stats.crashes} crashes, ${stats.byz} with byzantine validators, ${stats.evidence} evidence reports, max round ${stats.maxRound}`,
    );
    assert.equal(failures.length, 0, `failing seeds:\n${failures.slice(0, 10).join("\n")}`);
  });
});

describe("consensus/sim targeted", () => {
  it("is deterministic: one seed, one history", () => {
    const a = runSimulation(randomSchedule(4242));
    const b = runSimulation(randomSchedule(4242));
    assert.deepEqual({ ...a, trace: [] }, { ...b, trace: [] });
  });

  it("an equivocating validator is reported with duplicate-vote evidence, only it, and the chain goes on", () => {
    let reports = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const r = expectOk({ ...defaultSimOptions(seed), byzantine: [0], byzantineMode: "equivocate", targetHeight: 3n });
      const byz = new Set(r.evidence.map((e) => e.validator));
      assert.ok(byz.size <= 1, `seed ${seed}: evidence against ${[...byz].join(",")}`);
      reports += r.evidence.length;
    }
    assert.ok(reports > 0, "equivocation was detected");
  });

  it("double proposals and invalid proposals by a byzantine proposer do not break safety or liveness", () => {
    for (const mode of ["doubleProposal", "invalidProposal"] as const) {
      for (let seed = 1; seed <= 8; seed++) {
        expectOk({ ...defaultSimOptions(seed), powers: [10n, 10n, 10n, 10n, 10n], byzantine: [seed % 5], byzantineMode: mode, targetHeight: 4n, dropRate: 0.1, gstMs: 800 });
      }
    }
  });

  it("crashed validators restart from the block store and the WAL (binary codec) without double signing", () => {
    let crashes = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const r = expectOk({ ...defaultSimOptions(seed), powers: [10n, 10n, 10n, 10n, 10n], crashes: true, gstMs: 2500, walCodec: true, dropRate: 0.1, maxDelayPreGstMs: 200, targetHeight: 4n });
      crashes += r.crashes;
    }
    assert.ok(crashes >= 25);
  });

  it("partitions that heal: no fork while split, decisions after healing", () => {
    for (let seed = 1; seed <= 10; seed++) {
      expectOk({ ...defaultSimOptions(seed), powers: [10n, 10n, 10n, 10n], partitions: true, gstMs: 3000, maxDelayPreGstMs: 100, byzantine: [1], byzantineMode: "mixed" });
    }
  });

  it("two of four down: no decision (without +2/3 precommits no round ends, as in CometBFT); both back: the chain resumes", () => {
    const r = expectOk({
      ...defaultSimOptions(11),
      targetHeight: 3n,
      gstMs: 12_000,
      outages: [
        { node: 0, fromMs: 50, toMs: 12_000 },
        { node: 1, fromMs: 50, toMs: 12_000 },
      ],
    });
    assert.ok(r.simMs > 12_000, "nothing was decided while half the power was down");
    assert.equal(r.decisions.length, 3);
  });

  it("ValidBlock / VoteSetMaj23 alone bring back a node that missed the proposals and votes (status gossip off)", () => {
    // node 3 hears nothing for 1.5 s: the other three (30 of 40) decide without it; then, with the
    // status-driven gossip and catch-up off, only the new messages can bring it the votes and blocks
    const base = { ...defaultSimOptions(5), targetHeight: 4n, statusGossip: false, deaf: [{ node: 3, fromMs: 0, toMs: 1500 }], gstMs: 1500 };
    const r = expectOk(base);
    assert.ok(r.maj23.claims > 0 && r.maj23.bitsReplies > 0 && r.maj23.votesFromBits > 0, `maj23 traffic ${JSON.stringify(r.maj23)}`);
    assert.ok(r.maj23.validBlocks > 0, "valid blocks announced");
    // control: without them the deaf node never catches up (liveness fails), so they are what recovered it
    const without = runSimulation({ ...base, maj23Gossip: false, livenessBoundMs: 20_000 });
    assert.ok(!without.ok && without.violations.some((v) => v.includes("liveness")), `expected a liveness failure without the messages: ${without.violations.join("; ")}`);
    // and at one height: two of four need the deaf one (one validator is down), so the others wait for it
    const r2 = expectOk({ ...defaultSimOptions(6), targetHeight: 3n, statusGossip: false, deaf: [{ node: 3, fromMs: 0, toMs: 900 }], outages: [{ node: 0, fromMs: 0, toMs: 600 }], gstMs: 900 });
    assert.ok(r2.maj23.votesFromBits > 0, `maj23 traffic ${JSON.stringify(r2.maj23)}`);
  });

  it("with equivocators, ValidBlock / VoteSetMaj23 as the only catch-up keep safety and liveness", () => {
    for (let seed = 1; seed <= 20; seed++) {
      expectOk({ ...defaultSimOptions(seed), powers: [10n, 10n, 10n, 10n, 10n], byzantine: [seed % 5], byzantineMode: "equivocate", statusGossip: false, deaf: [{ node: (seed + 1) % 5, fromMs: 0, toMs: 800 }], gstMs: 800, targetHeight: 3n });
    }
  });

  it("the real ed25519 signature path", () => {
    expectOk({ ...defaultSimOptions(7), scheme: ed25519Scheme, powers: [10n, 20n, 10n, 10n], byzantine: [2], byzantineMode: "equivocate", dropRate: 0.1, gstMs: 600, voteExtensions: true, targetHeight: 2n });
  });

  it("rotates proposers by power (weighted round-robin per height)", () => {
    const powers = [1n, 3n];
    const r = expectOk({ ...defaultSimOptions(3), powers, targetHeight: 8n });
    assert.ok(r.decisions.every((d) => d.round === 0), "no faults: every height decides in round 0");
    const vals = makeValidatorSet(testKeys(2, defaultSimOptions(3).scheme, "sim3"), powers);
    const expected: number[] = [];
    const vs = vals.copy();
    for (let h = 1; h <= 8; h++) {
      expected.push(vs.getByAddress(vs.getProposer().address)!.index);
      vs.incrementProposerPriority(1);
    }
    assert.deepEqual(r.decisions.map((d) => d.proposer), expected);
    const heavy = vals.validators.findIndex((v) => v.votingPower === 3n);
    assert.equal(expected.filter((i) => i === heavy).length, 6, `proposers ${expected.join("")} (${toHex(vals.validators[heavy]!.address).slice(0, 6)} heavy)`);
  });
});
