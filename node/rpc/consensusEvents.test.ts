/**
 * CometBFT consensus events over the RPC WebSocket of a BFT node: four validators in one process over
 * real libp2p (consensus/testing/network.ts), a real WebSocket client subscribed to NewRound,
 * NewRoundStep, CompleteProposal and Vote on node 0; the events of whole heights are checked against
 * what CometBFT 0.38 sends (types, JSON shapes, order within a height, who voted) and against the
 * blocks the node stored.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { WebSocket } from "ws";
import { toHex } from "../../modules/core/bytes.ts";
import { createTestNetwork, type TestNetwork, waitUntil } from "../consensus/testing/network.ts";
import { RoundStep } from "../consensus/state.ts";
import { stepName } from "./consensusEvents.ts";

interface Ev {
  query: string;
  type: string;
  value: Record<string, any>;
  events: Record<string, string[]>;
}

describe("rpc: consensus events over WebSocket (4 validators, real libp2p)", () => {
  let net: TestNetwork;
  let ws: WebSocket | undefined;

  before(async () => {
    net = await createTestNetwork(4);
    for (let i = 0; i < 4; i++) await net.start(i);
    for (let i = 0; i < 4; i++) await net.connect(i);
  });

  after(async () => {
    ws?.close();
    await net?.close();
  });

  it("NewRound, NewRoundStep, CompleteProposal and Vote arrive for every height, in CometBFT's shapes and order", async () => {
    await waitUntil(() => net.running().every((n) => n.height() >= 2n), 60_000, "height 2 on all nodes");
    const n0 = net.vals[0]!.node!;
    ws = new WebSocket(`ws://127.0.0.1:${n0.rpcPort}/websocket`);
    await new Promise<void>((res, rej) => {
      ws!.once("open", () => res());
      ws!.once("error", rej);
    });
    const evs: Ev[] = [];
    const answers = new Map<number, any>();
    ws.on("message", (data) => {
      const m = JSON.parse(String(data));
      if (m.result?.query !== undefined) evs.push({ query: m.result.query, type: m.result.data.type, value: m.result.data.value, events: m.result.events });
      else answers.set(m.id, m);
    });
    const queries = ["NewRound", "NewRoundStep", "CompleteProposal", "Vote"].map((t) => `tm.event='${t}'`);
    queries.forEach((query, i) => ws!.send(JSON.stringify({ jsonrpc: "2.0", id: i + 1, method: "subscribe", params: { query } })));
    await waitUntil(() => queries.every((_, i) => answers.has(i + 1)), 10_000, "subscribe answers");
    for (let i = 1; i <= queries.length; i++) assert.deepEqual(answers.get(i).result, {}, `subscribe ${i} answered ${JSON.stringify(answers.get(i))}`);

    // whole heights: from the first height that started after the subscriptions, three more
    const first = n0.height() + 2n;
    await waitUntil(() => n0.height() >= first + 3n, 60_000, `height ${first + 3n}`);
    // the set in CometBFT's order (power descending, then address ascending): the validator indexes
    const vals = [...net.genesis.validators]
      .sort((a, b) => (a.power !== b.power ? (b.power > a.power ? 1 : -1) : toHex(a.address) < toHex(b.address) ? -1 : 1))
      .map((v) => toHex(v.address).toUpperCase());

    for (let h = first; h < first + 3n; h++) {
      const of = (type: string) =>
        evs.filter((e) => e.query === `tm.event='${type}'` && (type === "Vote" ? e.value.Vote.height : e.value.height) === h.toString());
      const meta = n0.env.blockStore.loadBlockMeta(h)!;
      const commitRound = n0.env.blockStore.loadCommit(h)!.commit.round;

      // NewRound: one per round up to the commit round, each naming a validator of the set as proposer
      const rounds = of("NewRound");
      assert.deepEqual(rounds.map((e) => e.value.round), Array.from({ length: commitRound + 1 }, (_, r) => r), `height ${h}: NewRound per round`);
      for (const e of rounds) {
        assert.equal(e.type, "tendermint/event/NewRound");
        assert.equal(e.value.step, "RoundStepNewRound");
        assert.ok(vals.includes(e.value.proposer.address), `proposer ${e.value.proposer.address} is a validator`);
        assert.equal(vals[e.value.proposer.index], e.value.proposer.address, "proposer index is its place in the set");
        assert.deepEqual(e.events["tm.event"], ["NewRound"]);
      }
      const last = rounds[rounds.length - 1]!;
      assert.equal(last.value.proposer.address, toHex(meta.header.proposerAddress).toUpperCase(), `height ${h}: the commit round's proposer proposed the block`);

      // NewRoundStep: in the commit round, NewRound → Propose → Prevote(Wait) → Precommit(Wait) → Commit, in that order
      const steps = of("NewRoundStep").filter((e) => e.value.round === commitRound).map((e) => e.value.step as string);
      for (const e of of("NewRoundStep")) assert.equal(e.type, "tendermint/event/RoundState");
      const order = ["RoundStepNewRound", "RoundStepPropose", "RoundStepPrevote", "RoundStepPrecommit", "RoundStepCommit"];
      let at = -1;
      for (const want of order) {
        const k = steps.findIndex((s, i) => i > at && (s === want || s === `${want}Wait`));
        assert.ok(k > at, `height ${h}: ${want} after ${steps[at] ?? "start"} in ${steps.join(",")}`);
        at = k;
      }
      assert.equal(steps.filter((s) => s === "RoundStepCommit").length, 1, "one Commit step");

      // CompleteProposal: the stored block's id
      const props = of("CompleteProposal").filter((e) => e.value.round === commitRound);
      assert.equal(props.length, 1, `height ${h}: one CompleteProposal in the commit round`);
      assert.equal(props[0]!.type, "tendermint/event/CompleteProposal");
      assert.equal(props[0]!.value.block_id.hash, toHex(meta.blockId.hash).toUpperCase());
      assert.equal(props[0]!.value.block_id.parts.total, meta.blockId.partSetHeader.total);

      // Vote: prevotes and precommits for the block from at least 3 of the 4 validators, no validator twice per type
      const votes = of("Vote").map((e) => e.value.Vote).filter((v) => v.round === commitRound);
      for (const type of [1, 2]) {
        const forBlock = votes.filter((v) => v.type === type && v.block_id.hash === toHex(meta.blockId.hash).toUpperCase());
        const who = forBlock.map((v) => v.validator_address as string);
        assert.ok(new Set(who).size >= 3, `height ${h}: ${type === 1 ? "prevotes" : "precommits"} from ${new Set(who).size} validators`);
        assert.equal(new Set(who).size, who.length, `each validator's vote once: ${JSON.stringify(forBlock.map((v) => [v.validator_index, v.timestamp, v.signature.slice(0, 8)]))}`);
        for (const v of forBlock) {
          assert.equal(vals[v.validator_index], v.validator_address, "validator_index is its place in the set");
          assert.match(v.signature, /^[A-Za-z0-9+/]{86}==$/, "64-byte signature, base64");
          assert.match(v.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
        }
      }
    }

    // unsubscribing stops them
    ws.send(JSON.stringify({ jsonrpc: "2.0", id: 50, method: "unsubscribe_all", params: {} }));
    await waitUntil(() => answers.has(50), 10_000, "unsubscribe_all answer");
    const count = evs.length;
    const h1 = n0.height();
    await waitUntil(() => n0.height() >= h1 + 2n, 60_000, "two more heights");
    assert.equal(evs.length, count, "no consensus event after unsubscribe_all");
  });

  it("step names are CometBFT's", () => {
    assert.equal(stepName(RoundStep.newHeight, false, false), "RoundStepNewHeight");
    assert.equal(stepName(RoundStep.propose, false, false), "RoundStepPropose");
    assert.equal(stepName(RoundStep.prevote, false, false), "RoundStepPrevote");
    assert.equal(stepName(RoundStep.prevote, true, false), "RoundStepPrevoteWait");
    assert.equal(stepName(RoundStep.precommit, false, false), "RoundStepPrecommit");
    assert.equal(stepName(RoundStep.precommit, false, true), "RoundStepPrecommitWait");
    assert.equal(stepName(RoundStep.commit, false, false), "RoundStepCommit");
  });
});
