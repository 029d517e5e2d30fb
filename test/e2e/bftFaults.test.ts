/**
 * Fault scenarios on four real `openledgerd start` processes (issue 3 item 5, specs/consensus.md §8.4,
 * short CI versions), sharing one 4-validator network (bftNet.ts):
 *  1. SIGSTOP one validator for a few seconds → the other three keep committing (bank sends included);
 *     SIGCONT → it catches up to the same chain.
 *  2. two of four stopped (SIGTERM) → no new block on the remaining two, no fork; one restarted →
 *     blocks resume (a send broadcast during the halt is committed); the other restarted → catches up.
 *     S5/S6 through RPC consensus_state: the survivors wait on the next height holding each other's votes
 *     (20/40), report their round's timeouts (min(cap, base + round·delta)) and, holding no +2/3 of
 *     anything, stay in that round (Algorithm 1 and CometBFT end a round only after +2/3 of some votes or
 *     on f+1 of a higher round, so a halted chain's rounds and timeouts stand still: there is no round
 *     jump for the restarted one to make); the restarted validator's precommit is in the resumed height's commit.
 *  3. all four killed at once (SIGKILL, somewhere inside a round) and restarted together (§8.4 S7) →
 *     the chain resumes from the WALs, nobody double-signs (no evidence), same chain.
 * After each scenario (bftNet.ChainChecker): one block hash per height across all nodes, identical app
 * hashes (headers and abci_info), and every acknowledged tx committed once and indexed on every node.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cli, DEV_MNEMONIC, rpc, waitFor } from "./harness.ts";
import { assertNoFork, CHAIN_ID, ChainChecker, heightOf, kill, launch, type Proc, readRpc, settledHeights, setupNet, signal, teardown, waitHeight } from "./bftNet.ts";
import { readConfig } from "../../cli/config/config.ts";
import { DEFAULT_TIMEOUTS, timeoutDuration, type TimeoutParams } from "../../node/consensus/state.ts";

const DEV_ADDRESS = "open15yk64u7zc9g9k2yr2wmzeva5qgwxps6y3eah9f";
const RECIPIENT = "open1qyqszqgpqyqszqgpqyqszqgpqyqszqgp9cnx3t";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** what `consensus_state` says of a node: height, round, CometBFT step, the round's vote powers and bits, the reported timeouts. */
interface RoundView {
  height: number;
  round: number;
  step: number;
  prevotes: { bits: string; power: number; total: number };
  precommits: { bits: string; power: number; total: number };
  timeouts: { round: number; propose: number; prevote: number; precommit: number; cap: number };
}

function parseVoteBits(s: string): { bits: string; power: number; total: number } {
  const m = /^BA\{\d+:([x_]*)\} (\d+)\/(\d+) = /.exec(s);
  assert.ok(m !== null, `bit array ${s}`);
  return { bits: m[1]!, power: Number(m[2]), total: Number(m[3]) };
}

async function roundOf(p: Proc): Promise<RoundView> {
  const r = await readRpc(p.rpcUrl, "consensus_state");
  const [h, round, step] = (r.round_state["height/round/step"] as string).split("/").map(Number) as [number, number, number];
  const votes = (r.round_state.height_vote_set as { round: number; prevotes_bit_array: string; precommits_bit_array: string }[]).find((v) => v.round === round)!;
  const t = r.timeouts;
  return {
    height: h,
    round,
    step,
    prevotes: parseVoteBits(votes.prevotes_bit_array),
    precommits: parseVoteBits(votes.precommits_bit_array),
    timeouts: { round: t.round, propose: Number(t.propose_ms), prevote: Number(t.prevote_ms), precommit: Number(t.precommit_ms), cap: Number(t.cap_ms) },
  };
}

describe("e2e: BFT fault scenarios on 4 real validator processes", { timeout: 600_000 }, () => {
  const procs: Proc[] = [];
  const acked: string[] = [];

  /** a bank send through the CLI against `via`; it waits for inclusion, so a returned hash is acknowledged. */
  async function send(via: Proc, amount: number): Promise<{ hash: string; height: number }> {
    const out = await cli([
      "tx", "bank", "send", "dev", RECIPIENT, `${amount}uopen`, "--fees", "5000uopen", "--yes", "--chain-id", CHAIN_ID,
      "--keyring-backend", "test", "--home", procs[0]!.home, "--output", "json", "--node", via.rpcUrl, "--timeout", "180",
    ], { timeoutMs: 200_000 }); // the tx sent during the halt waits for a restarted validator (its process start included)
    const res = JSON.parse(out);
    assert.equal(res.code, 0, out);
    acked.push(res.txhash as string);
    return { hash: res.txhash as string, height: Number(res.height) };
  }

  const checker = new ChainChecker();
  /** no fork, same app hashes, every acknowledged tx on every node (all given nodes must be running). */
  async function checkAll(nodes: Proc[], restarted: Proc[] = []): Promise<void> {
    await checker.check(nodes, acked, { timeoutMs: 30_000, restarted });
  }

  before(async () => {
    procs.push(...(await setupNet("bftf", [{ address: DEV_ADDRESS, coins: [{ denom: "uopen", amount: "1000000000000" }] }])));
    await cli(["keys", "add", "dev", "--recover", "--keyring-backend", "test", "--home", procs[0]!.home], { input: `${DEV_MNEMONIC}\n` });
    for (const p of procs) launch(p);
    for (const p of procs) await waitHeight(p, 2, 180_000); // includes the processes' start, slow on a loaded machine
  });

  after(async () => {
    await teardown(procs);
  });

  it("SIGSTOP one validator: the other three keep committing; SIGCONT: it catches up", { timeout: 180_000 }, async () => {
    const [a, , , d] = procs as [Proc, Proc, Proc, Proc];
    signal(d, "SIGSTOP");
    const stoppedAt = Date.now();
    try {
      const h0 = await heightOf(a);
      await send(a, 1);
      await send(procs[1]!, 2);
      for (const p of procs.slice(0, 3)) await waitHeight(p, h0 + 3, 60_000);
      const stuck = await heightOf(a);
      assert.ok(stuck >= h0 + 3);
      await sleep(Math.max(0, 4_000 - (Date.now() - stoppedAt))); // stopped for at least 4 s
    } finally {
      signal(d, "SIGCONT");
    }
    const target = (await heightOf(a)) + 1;
    await waitHeight(d, target, 60_000);
    await send(d, 3);
    await checkAll(procs);
  });

  it("two of four down: no new block and no fork; one back: blocks resume; both back: same chain", { timeout: 240_000 }, async () => {
    const [a, b, c, d] = procs as [Proc, Proc, Proc, Proc];
    await Promise.all([kill(c, "SIGTERM"), kill(d, "SIGTERM")]);
    // a block already decided may still be finishing: wait until both heights stay put
    const halted = Math.max(...(await settledHeights([a, b])));
    // broadcast during the halt: accepted into the mempool, committed only once a third validator is back
    const pending = send(a, 4);
    const haltSeenAt = Date.now();
    // S5 on consensus_state: both survivors work on the next height and each shows both survivors' votes
    // in its current round (the index of a validator is its place in the set, sorted by address at equal power)
    const cfg: TimeoutParams = { ...DEFAULT_TIMEOUTS, ...readConfig(a.home).consensus.timeouts };
    const views = new Map<Proc, RoundView>();
    for (const p of [a, b]) {
      views.set(p, await waitFor(`node ${p.rpcPort} at height ${halted + 1} with two voters in its round`, async () => {
        const v = await roundOf(p);
        return v.height === halted + 1 && v.prevotes.bits.split("").filter((x) => x === "x").length >= 2 ? v : undefined;
      }, 60_000, 250));
    }
    for (const [p, v] of views) {
      // the reported timeouts are the round's: min(cap, base + round·delta) with the config's values
      assert.deepEqual(v.timeouts, {
        round: v.round,
        propose: timeoutDuration(cfg, "propose", v.round),
        prevote: timeoutDuration(cfg, "prevote", v.round),
        precommit: timeoutDuration(cfg, "precommit", v.round),
        cap: cfg.capMs,
      }, `node ${p.rpcPort} timeouts`);
      assert.equal(v.prevotes.total, 40);
    }
    // halted for at least 4 s, and watched for longer than the survivors' round could last if it could end
    const viewsAt = Date.now();
    const roundMs = Math.max(...[...views.values()].map((v) => v.timeouts.propose + v.timeouts.prevote + v.timeouts.precommit));
    await sleep(Math.max(4_000 - (viewsAt - haltSeenAt), roundMs + 500));
    assert.equal(await heightOf(a), halted, "no block with 20 of 40 power");
    assert.equal(await heightOf(b), halted, "no block with 20 of 40 power");
    await assertNoFork([a, b], halted);
    // Algorithm 1 ends a round only on timeouts scheduled after +2/3 of any prevotes / precommits, or on
    // f+1 votes of a higher round. When both survivors are in the same round and hold only each other's
    // votes there (the same two bits), no live node holds a vote that could make +2/3 or f+1, so neither
    // leaves that round while the other two are down (as in CometBFT: the halted chain's rounds stand still,
    // and so do its timeouts). Otherwise (a vote of c or d from before the kill) the round may still move once.
    const [va, vb] = [views.get(a)!, views.get(b)!];
    const twoBits = (v: RoundView) => v.prevotes.bits.split("").filter((x) => x === "x").length === 2;
    const within = (sub: string, sup: string) => sub.split("").every((x, i) => x === "_" || sup[i] === "x");
    const onlySurvivors = va.round === vb.round && va.prevotes.bits === vb.prevotes.bits && twoBits(va)
      && within(va.precommits.bits, va.prevotes.bits) && within(vb.precommits.bits, va.prevotes.bits);
    const survivorRound = new Map<Proc, number>();
    for (const p of [a, b]) {
      const now = await roundOf(p);
      assert.equal(now.height, halted + 1, `node ${p.rpcPort} still on height ${halted + 1}`);
      if (onlySurvivors) assert.equal(now.round, views.get(p)!.round, `node ${p.rpcPort}: only the two survivors' votes in round ${views.get(p)!.round}, so the round does not end`);
      survivorRound.set(p, now.round);
      process.stderr.write(`[bftFaults] halt: node ${p.rpcPort} at ${now.height}/${now.round}/${now.step}, prevotes ${now.prevotes.bits} ${now.prevotes.power}/${now.prevotes.total}, precommits ${now.precommits.bits}, timeouts ${JSON.stringify(now.timeouts)}\n`);
    }
    const haltRound = Math.max(...survivorRound.values());

    launch(c);
    for (const p of [a, b, c]) await waitHeight(p, halted + 2, 120_000); // includes c's process start
    const late = await pending;
    assert.ok(late.height > halted, `the tx sent during the halt committed after it (${late.height} > ${halted})`);
    // S6: the restarted validator rejoined consensus at the halted height: 20 of 40 could not decide it, so its
    // precommit is in the commit (not only a later block sync); the decision round is logged
    const commit = await readRpc(a.rpcUrl, "commit", { height: String(halted + 1) });
    const commitRound = Number(commit.signed_header.commit.round);
    const cAddress = (JSON.parse(readFileSync(join(c.home, "config/priv_validator_key.json"), "utf8")).address as string).toUpperCase();
    const sigs = commit.signed_header.commit.signatures as { block_id_flag: number; validator_address: string }[];
    assert.ok(sigs.some((x) => x.block_id_flag === 2 && x.validator_address === cAddress), `the restarted validator's precommit is in the commit of ${halted + 1}`);
    process.stderr.write(`[bftFaults] resume: height ${halted + 1} decided in round ${commitRound} (survivors were in round ${haltRound}), signed by ${sigs.filter((x) => x.block_id_flag === 2).length} of 4\n`);

    launch(d);
    await waitHeight(d, (await heightOf(a)) + 1, 120_000); // includes d's process start
    await checkAll(procs, [c, d]);
  });

  it("all four killed at once mid-round and restarted together: the chain resumes, no double sign, same chain", { timeout: 240_000 }, async () => {
    const before = Math.max(...(await Promise.all(procs.map(heightOf))));
    await sleep(300); // inside the next height's rounds
    await Promise.all(procs.map((p) => kill(p, "SIGKILL")));
    for (const p of procs) launch(p);
    for (const p of procs) await waitHeight(p, before + 2, 180_000); // includes the processes' start
    await send(procs[2]!, 5);
    const top = Math.min(...(await Promise.all(procs.map(heightOf))));
    for (let h = 1; h <= top; h++) {
      const blk = await rpc(procs[0]!.rpcUrl, "block", { height: String(h) });
      assert.equal((blk.block.evidence?.evidence ?? []).length, 0, `no duplicate-vote evidence at ${h}: nobody double-signed across the restart`);
    }
    await checkAll(procs, procs);
  });
});
