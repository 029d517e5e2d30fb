import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChannelFactory } from "../p2p/mempoolReactor.ts";
import type { BlockID, Vote } from "../types/block.ts";
import { silentLogger } from "../util/logger.ts";
import type { ConsensusDriver } from "./driver.ts";
import { ConsensusReactor } from "./reactor.ts";

const H = 7n;
const BID: BlockID = { hash: new Uint8Array(32).fill(0xab), partSetHeader: { total: 1, hash: new Uint8Array(32).fill(0xcd) } };

/** a reactor at height H over a host that records what each channel sends, with a clock the test sets. */
function setup(opts: { voteRelayDelayMs?: number } = {}) {
  const handlers = new Map<string, (peer: string, m: unknown) => unknown>();
  const sent: { channel: string; peer: string; msg: unknown }[] = [];
  const host = {
    channel: (spec: { name: string }) => ({
      onMessage: (h: (peer: string, m: unknown) => unknown) => handlers.set(spec.name, h),
      onPeer: () => () => {},
      send: (peer: string, msg: unknown) => {
        sent.push({ channel: spec.name, peer, msg });
        return true;
      },
      broadcast: () => 0,
      report: () => {},
    }),
  } as unknown as ChannelFactory;
  const held: Vote[] = [];
  const driver = {
    sm: { view: () => ({ height: H, round: 0, step: 3 }), heightMessages: () => ({ proposals: [], votes: held }), majorities: () => [], votesFor: () => [] },
    addListener: () => () => {},
    start: async () => {},
    push: (x: { kind: string; vote?: Vote }) => {
      if (x.kind === "vote" && x.vote !== undefined) held.push(x.vote);
      return true;
    },
  } as unknown as ConsensusDriver;
  const blockStore = { loadBlock: () => undefined, loadBlockMeta: () => undefined, loadSeenCommit: () => undefined, loadExtendedCommit: () => undefined, height: () => H - 1n, base: () => 1n };
  let now = 10_000;
  const r = new ConsensusReactor({ statusIntervalMs: 3_600_000, ...opts }, { host, driver, blockStore, logger: silentLogger(), now: () => now } as never);
  const status = (peer: string, bits: Uint8Array) =>
    handlers.get("consensus-state")!(peer, { kind: "status", height: H, round: 0, step: 3, proposals: [], votes: [{ round: 0, type: 1, bits }] });
  const voteSends = (peer: string) => sent.filter((s) => s.channel === "consensus-votes" && s.peer === peer).length;
  return {
    r,
    handlers,
    status,
    voteSends,
    setNow: (t: number) => {
      now = t;
    },
    tick: () => (r as unknown as { tick(): void }).tick(),
  };
}

const vote = (validatorIndex: number): Vote =>
  ({ type: 1, height: H, round: 0, blockId: BID, timestamp: { seconds: 0n, nanos: 0 }, validatorAddress: new Uint8Array(20), validatorIndex, signature: new Uint8Array(64), extension: new Uint8Array(0), extensionSignature: new Uint8Array(0) }) as Vote;

describe("consensus reactor: vote relays", () => {
  it("relays a peer's vote to a peer whose status lacks it only after voteRelayDelayMs, once; never back to its sender or to a peer that shows it", async () => {
    const t = setup({ voteRelayDelayMs: 250 });
    await t.r.switchToConsensus();
    try {
      t.status("peer-b", new Uint8Array(1));
      t.status("peer-c", new Uint8Array(1));
      t.status("peer-d", new Uint8Array([0b10])); // shows validator 1's prevote
      t.handlers.get("consensus-votes")!("peer-b", vote(1));
      // a status that crosses the vote on the wire (peer-c has not reported it yet): no relay while it is fresh
      t.setNow(10_100);
      t.status("peer-c", new Uint8Array(1));
      t.tick();
      assert.equal(t.voteSends("peer-c"), 0, "held 100 ms < 250 ms: not relayed");
      t.setNow(10_260);
      t.tick();
      assert.equal(t.voteSends("peer-c"), 1, "held 260 ms and peer-c's status still lacks it: relayed");
      t.setNow(10_600);
      t.tick();
      assert.equal(t.voteSends("peer-c"), 1, "sent once within resendMs");
      assert.equal(t.voteSends("peer-b"), 0, "its sender holds it");
      assert.equal(t.voteSends("peer-d"), 0, "peer-d's status shows it");
    } finally {
      t.r.stop();
    }
  });

  it("with voteRelayDelayMs 0 a status lacking the vote gets it at once (the old behaviour)", async () => {
    const t = setup({ voteRelayDelayMs: 0 });
    await t.r.switchToConsensus();
    try {
      t.status("peer-c", new Uint8Array(1));
      t.handlers.get("consensus-votes")!("peer-b", vote(2));
      t.status("peer-c", new Uint8Array(1));
      assert.equal(t.voteSends("peer-c"), 1);
    } finally {
      t.r.stop();
    }
  });
});
