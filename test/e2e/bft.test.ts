/**
 * Four real `openledgerd start` processes on 127.0.0.1 with a 4-validator genesis from gentxs
 * (bftNet.setupGentxNet: staking knows the validators, self-bond 10 power each) and persistent peers in
 * config.toml:
 *  1. blocks with identical hashes and app hashes on every node (the real app, vote extensions on: each
 *     block from height 2 starts with the previous height's extended commit);
 *  2. specs/consensus.md §8.4 S1 (1-minute baseline under signed-tx load: I1–I8, ≥ 1 block/s) with S15
 *     inside it: a fresh full node joins at height ≥ 30 (the spec says ≥ 200; 30 keeps CI time down),
 *     block-syncs, switches to consensus, is staked into the set with the real CLI (`tx staking
 *     create-validator`, funded by a bank send), signs precommits from H+2 (H = height of the
 *     create-validator tx) and proposes when its −1.125·P start priority has climbed (checked against
 *     the proposer sequence computed from the RPC's priorities, as CometBFT);
 *  3. kill -9 of one validator under signed-tx load → the others go on; restarted → it catches up to the
 *     same chain.
 * After 2 and 3 the shared checks (bftNet.ChainChecker: one block per height, identical app hashes,
 * every acknowledged tx committed once and indexed on every node).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fromBase64 } from "../../modules/core/bytes.ts";
import { decodeCommitVerdictsTx } from "../../modules/core/voteExtension.ts";
import { cleanup, cli, rpc, waitFor } from "./harness.ts";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { blockHash, CHAIN_ID, ChainChecker, type GentxProc, heightOf, kill, launch, type Proc, setupFullNode, setupGentxNet, teardown, waitHeight } from "./bftNet.ts";
import { genesisAccounts, makeAccounts, setAccountNumbers, TxLoad } from "./txLoad.ts";
import { ValidatorSet } from "../../node/types/validatorSet.ts";
import type { Validator } from "../../node/types/block.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** S1 window (the spec's 1-minute baseline). */
const BASELINE_MS = 60_000;
/** S15: the fresh node joins once the chain is at least this high (spec: 200; 30 keeps CI time down). */
const JOIN_HEIGHT = 30;
const JOIN_BOND = 10_000_000n; // 10 power, as each genesis validator

/** the RPC `validators` at height h as a ValidatorSet (set order, priorities as stored). */
async function validatorsAt(p: Proc, h: number): Promise<ValidatorSet> {
  const r = await rpc(p.rpcUrl, "validators", { height: String(h), per_page: "100" });
  const vals: Validator[] = r.validators.map((v: any) => ({
    address: Buffer.from(v.address, "hex"),
    pubKey: { type: "ed25519", value: Buffer.from(v.pub_key.value, "base64") },
    votingPower: BigInt(v.voting_power),
    proposerPriority: BigInt(v.proposer_priority),
  }));
  return new ValidatorSet(vals);
}

const setKey = (vs: ValidatorSet) => vs.validators.map((v) => `${Buffer.from(v.address).toString("hex").toUpperCase()}:${v.votingPower}:${v.proposerPriority}`).join(",");

describe("e2e: 4 validators, real processes (BFT over libp2p)", { timeout: 1_200_000 }, () => {
  const procs: GentxProc[] = [];
  let fifth: Proc | undefined;
  const accounts = makeAccounts("bft", 2);

  before(async () => {
    procs.push(...(await setupGentxNet("bft", genesisAccounts(accounts))));
    setAccountNumbers(accounts, join(procs[0]!.home, "config/genesis.json"));
    for (const p of procs) launch(p);
  });

  after(async () => {
    if (fifth !== undefined) {
      await kill(fifth, "SIGTERM");
      cleanup(fifth.home);
    }
    await teardown(procs);
  });

  it("commits identical blocks on all four nodes", async () => {
    for (const p of procs) await waitFor(`node ${p.rpcPort} at height 3`, async () => ((await heightOf(p)) >= 3 ? true : undefined), 180_000, 250); // includes the processes' start
    for (let h = 1; h <= 3; h++) {
      const hashes = new Set(await Promise.all(procs.map((p) => blockHash(p, h))));
      assert.equal(hashes.size, 1, `height ${h}`);
    }
    // vote extensions (on from height 1): block h ≥ 2 starts with the extended commit of h−1, signed by > 2/3
    for (let h = 2; h <= 3; h++) {
      const blk = await rpc(procs[0]!.rpcUrl, "block", { height: String(h) });
      const cv = decodeCommitVerdictsTx(fromBase64(blk.block.data.txs[0]));
      assert.ok(cv !== null, `block ${h}: first tx is the extended commit`);
      assert.equal(cv.height, BigInt(h - 1));
      assert.ok(cv.votes.filter((v) => v.blockIdFlag === 2 && v.extensionSignature.length === 64).length >= 3);
      const res = await rpc(procs[0]!.rpcUrl, "block_results", { height: String(h) });
      assert.equal(res.txs_results[0].code, 0);
    }
    const st = await rpc(procs[0]!.rpcUrl, "status");
    assert.equal(st.sync_info.catching_up, false);
    const ni = await rpc(procs[0]!.rpcUrl, "net_info");
    assert.equal(Number(ni.n_peers), 3);
  });

  it("S1 1-minute baseline under load (I1–I8, ≥ 1 block/s) with S15 inside: a new node joins at height ≥ 30, block-syncs, is staked into the set, signs from H+2 and proposes", { timeout: 420_000 }, async () => {
    const up = (p: Proc) => p.proc !== undefined && p.proc.exitCode === null && p.proc.signalCode === null;
    const load = new TxLoad({ chainId: CHAIN_ID, accounts, targets: () => procs.filter(up).map((p) => p.rpcUrl), pauseMs: 300 });
    const startMs = Date.now();
    const startHeight = await heightOf(procs[0]!);
    // S15 runs inside the S1 window: its heights (launch of the fifth node → its first proposal seen) are
    // reported separately, and the load's end is recorded (blocks after it are the checker's wait)
    let joinFromHeight = 0;
    let joinToHeight = 0;
    let loadEndHeight = 0;
    load.start();
    try {
      // ---- S15: join at height ≥ JOIN_HEIGHT, block sync, switch to consensus
      await waitHeight(procs[0]!, JOIN_HEIGHT, 90_000);
      joinFromHeight = await heightOf(procs[0]!);
      const node = await setupFullNode(procs, "bft5");
      fifth = node;
      launch(node);
      const syncTarget = (await heightOf(procs[0]!)) + 1;
      await waitFor("fifth node caught up by block sync", async () => {
        const st = await rpc(node.rpcUrl, "status").catch(() => undefined);
        return st !== undefined && st.sync_info.catching_up === false && Number(st.sync_info.latest_block_height) >= syncTarget ? true : undefined;
      }, 150_000, 250); // includes the process start, slow on a loaded machine
      // consensus now: it keeps following new heights
      await waitHeight(node, (await heightOf(procs[0]!)) + 2, 60_000);

      // ---- staked with the real CLI: fund an operator key, create-validator with the node's consensus key
      const joiner = JSON.parse(await cli(["keys", "add", "joiner", "--keyring-backend", "test", "--home", node.home, "--output", "json"]));
      const fund = JSON.parse(await cli([
        "tx", "bank", "send", "val", joiner.address, `${JOIN_BOND * 2n}uopen`, "--fees", "5000uopen", "--yes", "--chain-id", CHAIN_ID,
        "--keyring-backend", "test", "--home", procs[0]!.home, "--output", "json", "--node", procs[0]!.rpcUrl, "--timeout", "60",
      ], { timeoutMs: 70_000 }));
      assert.equal(fund.code, 0, JSON.stringify(fund));
      const cv = JSON.parse(await cli([
        "tx", "staking", "create-validator", "--from", "joiner", "--amount", `${JOIN_BOND}uopen`, "--moniker", "joiner", "--fees", "5000uopen", "--yes",
        "--chain-id", CHAIN_ID, "--keyring-backend", "test", "--home", node.home, "--output", "json", "--node", procs[1]!.rpcUrl, "--timeout", "60",
      ], { timeoutMs: 70_000 }));
      assert.equal(cv.code, 0, JSON.stringify(cv));
      const H = Number(cv.height);
      const me = JSON.parse(readFileSync(join(node.home, "config/priv_validator_key.json"), "utf8"));
      const myAddr = (me.address as string).toUpperCase();

      // validator-set +2 rule (I6): not in the sets of H and H+1, in the set of H+2 with the priority
      // CometBFT gives a new validator: the H+1 set, updated (start at −(P' + P'/8)), incremented once
      await waitHeight(procs[0]!, H + 3, 30_000);
      const setH1 = await validatorsAt(procs[0]!, H + 1);
      assert.equal(setH1.size, 4);
      assert.ok(!setH1.validators.some((v) => Buffer.from(v.address).toString("hex").toUpperCase() === myAddr), "not a validator at H+1");
      const setH2 = await validatorsAt(procs[0]!, H + 2);
      assert.equal(setH2.size, 5, "in the set from H+2");
      const expected = setH1.copy();
      expected.applyUpdates([{ pubKey: { type: "ed25519", bytes: Buffer.from(me.pub_key.value, "base64") }, power: JOIN_BOND / 1_000_000n }]);
      expected.incrementProposerPriority(1);
      assert.equal(setKey(setH2), setKey(expected), "the H+2 set and priorities follow CometBFT's update + increment");
      const mine = setH2.getByAddress(Buffer.from(myAddr, "hex"))!.validator;
      assert.ok(mine.proposerPriority < 0n, `starts behind: priority ${mine.proposerPriority}`);

      // signs precommits from H+2: absent from the commit of H+1 (4 entries), present in the commit of H+2
      const commitOf = async (h: number) => (await rpc(procs[0]!.rpcUrl, "block", { height: String(h + 1) })).block.last_commit;
      const c1 = await commitOf(H + 1);
      assert.equal(c1.signatures.length, 4);
      const signedBy = (c: any) => c.signatures.some((s: any) => (s.validator_address ?? "").toUpperCase() === myAddr && s.block_id_flag === 2);
      const c2 = await commitOf(H + 2);
      assert.equal(c2.signatures.length, 5);
      assert.ok(signedBy(c2), `the new validator's precommit is in the commit of H+2 = ${H + 2}`);

      // first proposal: the round-0 proposer sequence from the H+2 set (one increment per height)
      const seq = setH2.copy();
      let predicted = -1;
      for (let h = H + 2; h < H + 2 + 50; h++) {
        if (Buffer.from(seq.getProposer().address).toString("hex").toUpperCase() === myAddr) {
          predicted = h;
          break;
        }
        seq.incrementProposerPriority(1);
      }
      assert.ok(predicted > H + 2, `not the proposer at once (predicted first round-0 proposal at ${predicted})`);
      await waitHeight(procs[0]!, predicted + 1, 60_000);
      let proposedAt = -1;
      for (let h = H + 2; h <= predicted; h++) {
        const blk = await rpc(procs[0]!.rpcUrl, "block", { height: String(h) });
        const round = (await commitOf(h)).round;
        const byMe = (blk.block.header.proposer_address as string).toUpperCase() === myAddr;
        if (round === 0 && h < predicted) assert.ok(!byMe, `height ${h} (round 0) proposed by the new validator before its turn ${predicted}`);
        if (round === 0 && h === predicted) assert.ok(byMe, `height ${predicted} (round 0) proposed by the new validator`);
        if (byMe && proposedAt < 0) proposedAt = h;
      }
      if (proposedAt < 0) {
        // the predicted height took more than one round: it proposes later
        proposedAt = await waitFor("a block proposed by the new validator", async () => {
          const top = await heightOf(procs[0]!);
          for (let h = predicted + 1; h <= top; h++) {
            const blk = await rpc(procs[0]!.rpcUrl, "block", { height: String(h) });
            if ((blk.block.header.proposer_address as string).toUpperCase() === myAddr) return h;
          }
          return undefined;
        }, 60_000, 500);
      }
      console.log(`S15: joined at ${syncTarget - 1}, create-validator at H=${H}, in the set from ${H + 2} (priority ${mine.proposerPriority}), predicted first proposal ${predicted}, proposed ${proposedAt}`);
      joinToHeight = Math.max(proposedAt, await heightOf(procs[0]!));

      // ---- rest of the S1 window
      await sleep(Math.max(0, BASELINE_MS - (Date.now() - startMs)));
    } finally {
      await load.stop();
      loadEndHeight = await heightOf(procs[0]!).catch(() => 0);
    }
    const all = [...procs, fifth!];
    assert.ok(load.acked.length > 0, "txs acknowledged");
    // I1, I3, I4 on all five nodes
    const r = await new ChainChecker().check(all, load.acked.map((a) => a.hash), { timeoutMs: 60_000 });
    const clockMs = Date.now(); // blocks committed while the checker waited are later than the load stopped
    // I5 (no evidence: nobody double-signed), I7 (times strictly increase, within the honest clocks),
    // I8 (no gap > 15 s), ≥ 1 block/s and I6 (each genesis validator proposes and signs) over the window
    const proposers = new Map<string, number>();
    const signers = new Map<string, number>();
    let prevMs = 0;
    let maxGapMs = 0;
    let firstMs = 0;
    let lastMs = 0;
    const from = Math.max(2, startHeight + 1);
    const timeAt = new Map<number, number>();
    for (let h = from; h <= r.height; h++) {
      const blk = (await rpc(procs[0]!.rpcUrl, "block", { height: String(h) })).block;
      assert.equal((blk.evidence?.evidence ?? []).length, 0, `I5: no evidence at ${h}`);
      const t = Date.parse(blk.header.time);
      timeAt.set(h, t);
      assert.ok(t > prevMs || prevMs === 0, `I7: block time at ${h} increases`);
      assert.ok(t >= startMs - 60_000 && t <= clockMs + 1_000, `I7: block time at ${h} within the nodes' clocks`);
      if (prevMs !== 0) maxGapMs = Math.max(maxGapMs, t - prevMs);
      if (firstMs === 0) firstMs = t;
      lastMs = t;
      prevMs = t;
      const pa = (blk.header.proposer_address as string).toUpperCase();
      proposers.set(pa, (proposers.get(pa) ?? 0) + 1);
      for (const s of blk.last_commit.signatures) if (s.block_id_flag === 2) signers.set((s.validator_address as string).toUpperCase(), (signers.get((s.validator_address as string).toUpperCase()) ?? 0) + 1);
    }
    const blocks = r.height - from + 1;
    const perSec = (blocks - 1) / ((lastMs - firstMs) / 1000);
    console.log(`S1: ${blocks} blocks (${from}..${r.height}) in ${((lastMs - firstMs) / 1000).toFixed(1)} s of block time = ${perSec.toFixed(2)} blocks/s, max gap ${maxGapMs} ms, ${load.acked.length} acknowledged txs, proposers ${JSON.stringify(Object.fromEntries(proposers))}`);
    const seg = (a: number, b: number) => {
      const ta = timeAt.get(Math.max(a, from));
      const tb = timeAt.get(Math.min(b, r.height));
      return ta === undefined || tb === undefined || tb <= ta ? "n/a" : `${Math.min(b, r.height) - Math.max(a, from)} blocks in ${((tb - ta) / 1000).toFixed(1)} s = ${((Math.min(b, r.height) - Math.max(a, from)) / ((tb - ta) / 1000)).toFixed(2)} blocks/s`;
    };
    console.log(`S1 phases: before the join ${from}..${joinFromHeight}: ${seg(from, joinFromHeight)}; S15 ${joinFromHeight}..${joinToHeight}: ${seg(joinFromHeight, joinToHeight)}; after it, under load ${joinToHeight}..${loadEndHeight}: ${seg(joinToHeight, loadEndHeight)}; checker's wait ${loadEndHeight}..${r.height}: ${seg(loadEndHeight, r.height)}`);
    assert.ok(lastMs - firstMs >= BASELINE_MS / 2, "the window covers the baseline");
    assert.ok(perSec >= 1, `≥ 1 block/s: ${perSec.toFixed(2)}`);
    assert.ok(maxGapMs <= 15_000, `I8: max gap between blocks ${maxGapMs} ms`);
    for (const p of procs) {
      const key = JSON.parse(readFileSync(join(p.home, "config/priv_validator_key.json"), "utf8"));
      const a = (key.address as string).toUpperCase();
      assert.ok((proposers.get(a) ?? 0) >= blocks / 10, `I6: validator ${a} proposed ${proposers.get(a) ?? 0} of ${blocks} blocks`);
      assert.ok((signers.get(a) ?? 0) >= blocks / 2, `I6: validator ${a} signed ${signers.get(a) ?? 0} of ${blocks} commits`);
    }
  });

  it("survives kill -9 of one validator, which restarts and catches up", async () => {
    const up = (p: Proc) => p.proc !== undefined && p.proc.exitCode === null && p.proc.signalCode === null;
    const load = new TxLoad({ chainId: CHAIN_ID, accounts, targets: () => procs.filter(up).map((p) => p.rpcUrl), pauseMs: 300 });
    load.start();
    let target: number;
    try {
      await new Promise((r) => setTimeout(r, 1000));
      await kill(procs[3]!, "SIGKILL");
      const h0 = await heightOf(procs[0]!);
      for (const p of procs.slice(0, 3)) await waitFor(`height ${h0 + 2}`, async () => ((await heightOf(p)) >= h0 + 2 ? true : undefined), 60_000, 250);
      launch(procs[3]!);
      target = (await heightOf(procs[0]!)) + 1;
      await waitFor(`restarted node at ${target}`, async () => ((await heightOf(procs[3]!)) >= target ? true : undefined), 120_000, 250); // includes its process start
    } finally {
      await load.stop(); // also on a failure: a load left running keeps this test file from ever exiting
    }
    assert.ok(load.acked.length > 0, "txs acknowledged around the kill");
    const r = await new ChainChecker().check(procs, load.acked.map((a) => a.hash), { timeoutMs: 60_000 });
    assert.ok(r.height >= target);
  });
});
