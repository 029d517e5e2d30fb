/**
 * double_sign_check_height: the look-back over stored commits (unit), and on four in-process
 * validators: a validator restarted right after it signed refuses to sign once block sync caught it
 * up (its key is in the recent commits, as a second copy's would be), while one whose look-back is
 * shorter than its downtime starts and signs again.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Commit } from "../types/block.ts";
import { DoubleSignRiskError, checkDoubleSignRisk } from "./doubleSignCheck.ts";
import { createTestNetwork, type TestNetwork, waitUntil } from "./testing/network.ts";

const A = new Uint8Array(20).fill(0xaa);
const B = new Uint8Array(20).fill(0xbb);
const T = { seconds: 0n, nanos: 0 };

function store(signers: Record<number, { addr: Uint8Array; flag: 1 | 2 | 3 }[]>, tip: bigint, base = 1n) {
  return {
    height: () => tip,
    base: () => base,
    loadCommit: (h: bigint) => {
      const sigs = signers[Number(h)] ?? [];
      const commit: Commit = { height: h, round: 0, blockId: { hash: new Uint8Array(32), partSetHeader: { total: 1, hash: new Uint8Array(32) } }, signatures: sigs.map((s) => ({ blockIdFlag: s.flag, validatorAddress: s.addr, timestamp: T, signature: new Uint8Array(64) })) };
      return { commit, canonical: true };
    },
  };
}

describe("consensus/doubleSignCheck", () => {
  it("finds our COMMIT or NIL signature within the look-back, ignores ABSENT, older heights and other keys", () => {
    const s = store({ 10: [{ addr: B, flag: 2 }], 9: [{ addr: A, flag: 1 }, { addr: B, flag: 2 }], 7: [{ addr: A, flag: 3 }], 4: [{ addr: A, flag: 2 }] }, 10n);
    checkDoubleSignRisk(s, A, 0);
    checkDoubleSignRisk(s, A, 3); // heights 10, 9, 8: B only, A absent
    assert.throws(() => checkDoubleSignRisk(s, A, 4), (e) => e instanceof DoubleSignRiskError && e.height === 7n && /double_sign_check_height/.test(e.message));
    checkDoubleSignRisk(store({ 4: [{ addr: A, flag: 2 }] }, 10n, 5n), A, 100); // pruned below the base
    assert.throws(() => checkDoubleSignRisk(s, B, 1), DoubleSignRiskError);
  });
});

describe("consensus/doubleSignCheck on 4 validators", () => {
  let net: TestNetwork;
  before(async () => {
    net = await createTestNetwork(4);
    for (let i = 0; i < 4; i++) await net.start(i);
    for (let i = 0; i < 4; i++) await net.connect(i);
  });
  after(async () => {
    await net?.close();
  });

  it("a validator whose key signed recent commits refuses to sign after catching up; with a shorter look-back it rejoins", async () => {
    await waitUntil(() => net.running().every((n) => n.height() >= 3n), 60_000, "height 3");
    await net.stop(3);
    const h0 = net.vals[0]!.node!.height();
    await waitUntil(() => net.running().every((n) => n.height() >= h0 + 3n), 60_000, "3 heights without node 3");
    // look back far enough to see its own last signatures
    const n3 = await net.start(3, {}, { doubleSignCheckHeight: 1000 });
    await net.connect(3);
    const err = await Promise.race([n3.halted, new Promise((r) => setTimeout(() => r("no halt"), 60_000))]);
    assert.ok(err instanceof DoubleSignRiskError, `halted with DoubleSignRiskError, got ${String(err)}`);
    assert.equal(n3.bft!.driver.isRunning, false, "consensus never started");
    await net.stop(3);
    // look back only over blocks made without it. Its last signature is at the height the check reported
    // (h0, or h0 + 1 with a late precommit: node 0's h0 can lag the stopped node), and the restarted node
    // checks once block sync caught it up, at one below its best peer's height (≥ tip − 1) or higher
    const lastSigned = err.height;
    await waitUntil(() => net.vals[0]!.node!.height() >= lastSigned + 3n, 60_000, `height ${lastSigned + 3n}`);
    const tip = net.vals[0]!.node!.height();
    const look = Number(tip - 1n - lastSigned);
    assert.ok(look >= 1);
    const again = await net.start(3, {}, { doubleSignCheckHeight: look });
    await net.connect(3);
    const target = net.vals[0]!.node!.height() + 3n;
    await waitUntil(() => net.running().every((n) => n.height() >= target), 60_000, `height ${target} with node 3 back`);
    assert.equal(again.bft!.driver.isRunning, true);
    // and it signs again: its precommit in a commit after it rejoined
    const me = again.env.validatorInfo.address;
    await waitUntil(() => {
      const c = net.vals[0]!.node!.env.blockStore.loadCommit(net.vals[0]!.node!.height() - 1n)?.commit;
      return c?.signatures.some((s) => s.blockIdFlag === 2 && Buffer.from(s.validatorAddress).equals(Buffer.from(me))) === true;
    }, 60_000, "node 3 signing again");
  });
});
