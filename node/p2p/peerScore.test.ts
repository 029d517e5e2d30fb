import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PeerScore } from "./peerScore.ts";

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("p2p/peerScore", () => {
  it("ignore and accept cost nothing; reject costs lowTolerance", () => {
    const s = new PeerScore({ now: clock().now });
    assert.equal(s.report("a", "ignore", "dup"), "healthy");
    assert.equal(s.report("a", "accept", "ok"), "healthy");
    assert.equal(s.score("a"), 0);
    assert.equal(s.report("a", "reject", "bad"), "healthy");
    assert.equal(s.score("a"), -10);
  });

  it("disconnects below −20 and refuses until the score decays back", () => {
    const c = clock();
    const s = new PeerScore({ now: c.now, halfLifeMs: 1000 });
    const events: string[] = [];
    s.onStateChange((p, st, r) => events.push(`${p}:${st}:${r}`));
    s.apply("a", "lowTolerance", "x");
    s.apply("a", "lowTolerance", "x");
    assert.equal(s.apply("a", "highTolerance", "y"), "disconnected");
    assert.deepEqual(events, ["a:disconnected:y"]);
    assert.equal(s.isRefused("a"), true);
    c.advance(200); // −21 · 2^−0.2 ≈ −18.3
    assert.equal(s.isRefused("a"), false);
    assert.ok(s.score("a") > -20 && s.score("a") < -18);
  });

  it("bans below −50 for banDurationMs even when the score decays", () => {
    const c = clock();
    const s = new PeerScore({ now: c.now, halfLifeMs: 100, banDurationMs: 5000 });
    const table: { name: string; actions: ("fatal" | "lowTolerance" | "midTolerance")[] }[] = [
      { name: "fatal", actions: ["fatal"] },
      { name: "5 × low", actions: ["lowTolerance", "lowTolerance", "lowTolerance", "lowTolerance", "lowTolerance"] },
      { name: "10 × mid", actions: Array(10).fill("midTolerance") },
    ];
    for (const tc of table) {
      let st = "healthy";
      for (const a of tc.actions) st = s.apply(tc.name, a, "bad");
      assert.equal(st, "banned", tc.name);
      c.advance(4000);
      assert.equal(s.state(tc.name), "banned", tc.name);
      c.advance(1001);
      assert.equal(s.state(tc.name), "healthy", tc.name);
    }
  });

  it("explicit ban and unban", () => {
    const s = new PeerScore();
    s.ban("a", "test", 60_000);
    assert.equal(s.isRefused("a"), true);
    s.unban("a");
    assert.equal(s.isRefused("a"), false);
  });

  it("remembers a bounded number of peers, keeping banned ones", () => {
    const s = new PeerScore({ maxPeers: 3 });
    s.apply("banned", "fatal", "x");
    for (const p of ["b", "c", "d", "e"]) s.apply(p, "highTolerance", "x");
    assert.equal(s.state("banned"), "banned");
    assert.equal(s.score("b"), 0); // forgotten
    assert.equal(s.score("e"), -1);
  });
});
