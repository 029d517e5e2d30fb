/**
 * kill -9 at each step of the commit sequence (issue 3 item 5, specs/consensus.md §4.4 and §8.4 S3, short
 * CI version) on four real `openledgerd start` processes under signed-tx load: for each crash point a
 * validator is restarted with the test-only OPENLEDGER_TEST_CRASH_AT=<point>:<height> and SIGKILLs itself
 * there (after the private validator signed; after the block + seen commit are saved; after the WAL
 * EndHeight; after FinalizeBlock; after the state + FinalizeBlock response are saved; after the app's
 * Commit; after the mempool update). Restarted without the flag it must replay/handshake back onto the
 * chain: afterwards no fork, the same app hash on every node and every acknowledged tx (broadcast_tx_sync
 * code 0, broadcast_tx_commit committed) present exactly once on every node (bftNet.checkAfter).
 * The victim rotates over the four validators; the others keep committing meanwhile (3 of 4 > 2/3).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CRASH_AT_ENV } from "../../node/execution/crashAt.ts";
import { ChainChecker, heightOf, kill, launch, type Proc, setupNet, teardown, waitHeight } from "./bftNet.ts";
import { CHAIN_ID } from "./bftNet.ts";
import { genesisAccounts, makeAccounts, setAccountNumbers, TxLoad } from "./txLoad.ts";

/** the crash points a BFT validator passes, in commit-sequence order (afterSign is the single-validator producer's). */
const ALL_POINTS = ["afterPrivvalSign", "afterSaveBlock", "afterEndHeight", "afterFinalize", "afterSaveState", "afterCommit", "afterMempoolUpdate"] as const;
/** CRASH_POINTS=a,b runs only those (debugging). */
const POINTS = process.env["CRASH_POINTS"] ? ALL_POINTS.filter((p) => process.env["CRASH_POINTS"]!.split(",").includes(p)) : ALL_POINTS;

const up = (p: Proc) => p.proc !== undefined && p.proc.exitCode === null && p.proc.signalCode === null;
const t0 = Date.now();
const note = (m: string) => process.stderr.write(`[bftCrash +${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}\n`);

describe("e2e: kill -9 at each step of the commit sequence (4 real validators, tx load)", { timeout: 1_800_000 }, () => {
  const procs: Proc[] = [];
  const accounts = makeAccounts("bftcrash", 3);
  const checker = new ChainChecker();
  let load: TxLoad | undefined;

  before(async () => {
    procs.push(...(await setupNet("bftc", genesisAccounts(accounts))));
    setAccountNumbers(accounts, join(procs[0]!.home, "config/genesis.json"));
    for (const p of procs) launch(p);
    for (const p of procs) await waitHeight(p, 2, 180_000); // includes the processes' start, slow on a loaded machine
    load = new TxLoad({ chainId: CHAIN_ID, accounts, targets: () => procs.filter(up).map((p) => p.rpcUrl), pauseMs: 600, commitAccounts: 1 });
    load.start();
    note("net up, load started");
  });

  after(async () => {
    await load?.stop();
    note(`load: ${JSON.stringify(load?.stats)}`);
    await teardown(procs);
  });

  for (const point of POINTS) {
    it(`crash at ${point}: the node restarts onto the same chain and app hash; no acknowledged tx lost`, { timeout: 300_000 }, async () => {
      const victim = procs[ALL_POINTS.indexOf(point) % procs.length]!;
      const others = procs.filter((p) => p !== victim);
      await kill(victim, "SIGTERM");
      const at = Math.max(...(await Promise.all(others.map(heightOf)))) + 2;
      launch(victim, { [CRASH_AT_ENV]: `${point}:${at}` });
      note(`${point}: node ${procs.indexOf(victim)} armed for height ≥ ${at}`);
      const proc = victim.proc!;
      const sig = await new Promise<NodeJS.Signals | null>((res) => proc.once("exit", (_code, s) => res(s)));
      victim.proc = undefined;
      assert.equal(sig, "SIGKILL", `the node killed itself at ${point}`);
      const log = readFileSync(join(victim.home, "node.log"), "utf8");
      const m = new RegExp(`crashing now \\(SIGKILL\\) at ${point} of height (\\d+)`).exec(log);
      assert.ok(m !== null, `the log says it crashed at ${point}`);
      note(`${point}: crashed at height ${m[1]}`);
      const ackedBefore = load!.stats.acked;

      // the other three go on while it is down
      const h0 = Math.max(...(await Promise.all(others.map(heightOf))));
      for (const p of others) await waitHeight(p, h0 + 1, 60_000);

      launch(victim);
      await waitHeight(victim, Math.max(...(await Promise.all(others.map(heightOf)))) + 1, 150_000); // includes its process start
      note(`${point}: restarted node caught up`);
      const r = await checker.check(procs, load!.acked.map((a) => a.hash), { timeoutMs: 60_000, restarted: [victim] }).catch((e: unknown) => {
        note(`${point}: check failed: ${String(e)}`);
        throw e;
      });
      note(`${point}: checked to height ${r.height}, ${r.txs} acknowledged txs`);
      assert.ok(load!.stats.acked > ackedBefore, "txs were acknowledged during the scenario");
    });
  }
});
