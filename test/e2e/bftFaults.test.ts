/**
 * Fault scenarios on four real `openledgerd start` processes (issue 3 item 5, specs/consensus.md §8.4,
 * short CI versions), sharing one 4-validator network (bftNet.ts):
 *  1. SIGSTOP one validator for a few seconds → the other three keep committing (bank sends included);
 *     SIGCONT → it catches up to the same chain.
 *  2. two of four stopped (SIGTERM) → no new block on the remaining two, no fork; one restarted →
 *     blocks resume (a send broadcast during the halt is committed); the other restarted → catches up.
 *  3. all four killed at once (SIGKILL, somewhere inside a round) and restarted together (§8.4 S7) →
 *     the chain resumes from the WALs, nobody double-signs (no evidence), same chain.
 * After each scenario (bftNet.ChainChecker): one block hash per height across all nodes, identical app
 * hashes (headers and abci_info), and every acknowledged tx committed once and indexed on every node.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { cli, DEV_MNEMONIC, rpc, waitFor } from "./harness.ts";
import { assertNoFork, CHAIN_ID, ChainChecker, heightOf, kill, launch, type Proc, settledHeights, setupNet, signal, teardown, waitHeight } from "./bftNet.ts";

const DEV_ADDRESS = "open15yk64u7zc9g9k2yr2wmzeva5qgwxps6y3eah9f";
const RECIPIENT = "open1qyqszqgpqyqszqgpqyqszqgpqyqszqgp9cnx3t";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
    await sleep(4_000);
    assert.equal(await heightOf(a), halted, "no block with 20 of 40 power");
    assert.equal(await heightOf(b), halted, "no block with 20 of 40 power");
    await assertNoFork([a, b], halted);

    launch(c);
    for (const p of [a, b, c]) await waitHeight(p, halted + 2, 120_000); // includes c's process start
    const late = await pending;
    assert.ok(late.height > halted, `the tx sent during the halt committed after it (${late.height} > ${halted})`);
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
