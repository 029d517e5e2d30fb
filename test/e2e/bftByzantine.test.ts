/**
 * Byzantine scenarios on four real `openledgerd start` processes (issue 3 item 5), with a gentx-based
 * genesis (bftNet.ts setupGentxNet) so staking and slashing know the validators:
 *  1. one validator runs with the test-only OPENLEDGER_TEST_BYZANTINE=double-sign (it also broadcasts a
 *     conflicting nil prevote for each block it prevotes) → duplicate-vote evidence is committed in a
 *     block present on every node; slashing tombstones it, staking jails it with fewer tokens; the
 *     other three keep committing; no fork, identical app hashes.
 *  2. a fresh fifth (non-validator) node with the same genesis and persistent peers block-syncs to the
 *     others' height and reaches the same block and app hashes.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { cleanup, cli, rpc, waitFor } from "./harness.ts";
import { ChainChecker, type GentxProc, heightOf, kill, launch, type Proc, setupFullNode, setupGentxNet, teardown, waitHeight } from "./bftNet.ts";

const SELF_BOND = 10_000_000n;

describe("e2e: byzantine validator (double-sign) on 4 real processes", { timeout: 480_000 }, () => {
  const procs: GentxProc[] = [];
  let fifth: Proc | undefined;

  async function query(via: Proc, args: string[]): Promise<any> {
    return JSON.parse(await cli(["query", ...args, "--node", via.rpcUrl, "--output", "json"]));
  }

  before(async () => {
    procs.push(...(await setupGentxNet("bftz", [], `${SELF_BOND}uopen`)));
    for (const [i, p] of procs.entries()) launch(p, i === 3 ? { OPENLEDGER_TEST_BYZANTINE: "double-sign" } : {});
    for (const p of procs) await waitHeight(p, 2, 180_000); // includes the processes' start, slow on a loaded machine
  });

  after(async () => {
    if (fifth !== undefined) {
      await kill(fifth, "SIGTERM");
      cleanup(fifth.home);
    }
    await teardown(procs);
  });

  it("double-sign → evidence committed on every node; tombstoned, jailed, slashed; chain goes on, no fork", { timeout: 240_000 }, async () => {
    const [a, b, c, byz] = procs as [GentxProc, GentxProc, GentxProc, GentxProc];
    // the first block carrying evidence (found on node a)
    let scanned = 0;
    const evHeight = await waitFor("a block with duplicate-vote evidence", async () => {
      const top = await heightOf(a);
      for (let h = scanned + 1; h <= top; h++) {
        const blk = await rpc(a.rpcUrl, "block", { height: String(h) });
        if ((blk.block.evidence?.evidence ?? []).length > 0) return h;
        scanned = h;
      }
      return undefined;
    }, 45_000, 250);
    for (const p of procs) {
      await waitHeight(p, evHeight, 30_000);
      const blk = await rpc(p.rpcUrl, "block", { height: String(evHeight) });
      assert.ok(blk.block.evidence.evidence.length > 0, `evidence at ${evHeight} on node ${p.rpcPort}`);
    }

    await waitFor("byzantine validator tombstoned and jailed", async () => {
      const si = await query(a, ["slashing", "signing-info", byz.consAddress]);
      const v = await query(a, ["staking", "validator", byz.valoper]);
      const info = si.val_signing_info ?? si.valSigningInfo;
      const val = v.validator;
      return info?.tombstoned === true && val?.jailed === true ? { info, val } : undefined;
    }, 30_000, 500).then(({ val }) => {
      assert.ok(BigInt(val.tokens) < SELF_BOND, `slashed: ${val.tokens} < ${SELF_BOND}`);
    });
    for (const p of [b, c]) {
      const si = await query(p, ["slashing", "signing-info", byz.consAddress]);
      assert.equal((si.val_signing_info ?? si.valSigningInfo).tombstoned, true);
    }

    const h0 = await heightOf(a);
    for (const p of [a, b, c]) await waitHeight(p, h0 + 3, 30_000);
    await waitHeight(byz, h0 + 3, 30_000); // still follows the chain
    await new ChainChecker().check(procs, [], { timeoutMs: 30_000 }); // no fork, same app hashes (headers, abci_info)
  });

  it("a fresh fifth node block-syncs to the same chain and app hash", { timeout: 240_000 }, async () => {
    fifth = await setupFullNode(procs, "bftz5");
    launch(fifth);
    const target = (await heightOf(procs[0]!)) + 1;
    await waitHeight(fifth, target, 150_000); // includes the process start, slow on a loaded machine (as bft.test.ts S15)
    const top = Math.min(...(await Promise.all([...procs, fifth].map(heightOf))));
    await new ChainChecker().check([...procs, fifth], [], { timeoutMs: 30_000 }); // no fork, same app hashes (headers, abci_info)
    const mine = await rpc(fifth.rpcUrl, "block", { height: String(top) });
    const theirs = await rpc(procs[0]!.rpcUrl, "block", { height: String(top) });
    assert.equal(mine.block.header.app_hash, theirs.block.header.app_hash);
  });
});
