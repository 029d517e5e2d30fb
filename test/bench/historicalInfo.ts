/**
 * Per-block cost of staking's HistoricalInfo (BeginBlock TrackHistoricalInfo: one prune, one entry of
 * the header and the validator set per block) as an A/B in one process: two openledgerd apps over
 * LevelDB with the same N gentx validators, one with historical_entries 0 (the baseline: one absent-key
 * read per block) and one with a small historical_entries (so the measured window prunes as well as
 * stores), run in alternating chunks of empty blocks (FinalizeBlock + Commit, the validators' votes in
 * the last commit). Prints µs per block of each and the difference (wall and process CPU, all threads).
 * Run: node test/bench/historicalInfo.ts [--validators N] [--blocks B] [--rounds R] [--entries E]
 *
 * --micro: the same A/B on the staking keeper alone over a LevelDB commit store (no other module, one
 * counter key written per block in both arms): the cost of TrackHistoricalInfo itself, its two keys'
 * tree update and their LevelDB write, without the noise of a whole block (an upper bound per key:
 * a real block's other writes share the tree paths).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { QueryHistoricalInfoRequest } from "cosmjs-types/cosmos/staking/v1beta1/query";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createOpenLedgerApp } from "../../modules/app.ts";
import { createWriteContext } from "../../modules/core/context.ts";
import { createCommitStore } from "../../modules/core/store/commitStore.ts";
import { u64be } from "../../modules/core/bytes.ts";
import { createStakingKeeper } from "../../modules/staking/keeper.ts";
import { defaultParams } from "../../modules/staking/params.ts";
import { utf8 } from "../../modules/core/bytes.ts";
import { sha256 } from "../../modules/core/hash.ts";
import { gentxToJson } from "../../modules/genutil/index.ts";
import type { RuntimeApplication } from "../../modules/runtime/index.ts";
import { openLevelBackend } from "../../node/storage/levelBackend.ts";
import { installWasmSha256 } from "../../node/crypto/wasmSha256.ts";
import { TEST_CHAIN_ID, TEST_CONSENSUS_PARAMS, genesisWithFunds } from "../harness/app.ts";
import { buildTx } from "../harness/txBuilder.ts";
import { msgCreateValidator, testValidator } from "../integration/staking/chain.ts";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const N = arg("validators", 4);
const BLOCKS = arg("blocks", 200);
const ROUNDS = arg("rounds", 6);
const ENTRIES = arg("entries", 100);
const T0 = 1_700_000_000n;

interface Chain {
  app: RuntimeApplication;
  height: bigint;
  dir: string;
  close(): Promise<void>;
}

async function chain(entries: number): Promise<Chain> {
  const dir = mkdtempSync(join(tmpdir(), "olhist-bench-"));
  const backend = await openLevelBackend(dir);
  const app = await createOpenLedgerApp({ backend, minGasPrices: "0uopen" });
  const vals = Array.from({ length: N }, (_, i) => testValidator(900 + i));
  const g = genesisWithFunds(vals.map((v) => ({ key: v.key, coins: [{ denom: "uopen", amount: "100000000000" }] })));
  g.staking.params.historical_entries = entries;
  g.genutil = { gen_txs: vals.map((v, i) => gentxToJson(buildTx({ key: v.key, msgs: [msgCreateValidator(v, BigInt(10 + i) * 1_000_000n)], chainId: TEST_CHAIN_ID, accountNumber: 0n, sequence: 0n, fee: [] }).raw)) };
  const init = await app.initChain({ time: { seconds: T0, nanos: 0 }, chainId: TEST_CHAIN_ID, consensusParams: TEST_CONSENSUS_PARAMS, validators: [], appStateBytes: utf8(JSON.stringify(g)), initialHeight: 1n });
  if (init.validators.length !== N) throw new Error(`${init.validators.length} genesis validators, want ${N}`);
  const votes = vals.map((v, i) => ({ validator: { address: v.cons, power: BigInt(10 + i) }, blockIdFlag: 2 }));
  const c: Chain = {
    app,
    height: 0n,
    dir,
    async close() {
      await backend.close?.();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  (c as Chain & { votes: typeof votes }).votes = votes;
  return c;
}

async function blocks(c: Chain, n: number): Promise<{ wall: number; cpu: number }> {
  const votes = (c as Chain & { votes: { validator: { address: Uint8Array; power: bigint }; blockIdFlag: number }[] }).votes;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const h = ++c.height;
    await c.app.finalizeBlock({ txs: [], misbehavior: [], height: h, time: { seconds: T0 + 5n * h, nanos: 0 }, nextValidatorsHash: sha256(utf8(`nvh/${h}`)), proposerAddress: votes[Number(h) % votes.length]!.validator.address, decidedLastCommit: { round: 0, votes: h === 1n ? [] : (votes as never) }, hash: sha256(utf8(`h/${h}`)) } as never);
    await c.app.commit();
  }
  const wall = performance.now() - t0;
  const cu = process.cpuUsage(cpu0);
  return { wall: (wall * 1000) / n, cpu: (cu.user + cu.system) / n };
}

async function micro(entries: number) {
  const dir = mkdtempSync(join(tmpdir(), "olhist-micro-"));
  const backend = await openLevelBackend(dir);
  const store = await createCommitStore(backend);
  const noop = () => undefined;
  const k = createStakingKeeper(
    {
      accountKeeper: { getModuleAccount: () => ({ address: new Uint8Array(20) }), moduleAddress: () => new Uint8Array(20) },
      bankKeeper: { getBalance: () => 0n, sendCoinsFromAccountToModule: noop, sendCoinsFromModuleToAccount: noop, sendCoinsFromModuleToModule: noop, burnCoins: noop },
    },
    { current: [] },
  );
  const block = (h: bigint) => ({ height: h, time: { seconds: T0 + 5n * h, nanos: 0 }, chainId: TEST_CHAIN_ID, proposer: new Uint8Array(20), hash: sha256(u64be(h)), nextValidatorsHash: sha256(u64be(h + 1n)), appHash: store.root });
  const g = createWriteContext({ base: store.working(), block: block(1n), mode: "finalize" });
  k.setParams(g, { ...defaultParams(), historicalEntries: entries });
  for (let i = 0; i < N; i++) {
    const v = testValidator(900 + i);
    const tokens = BigInt(10 + i) * 1_000_000n;
    k.saveValidator(g, {
      operator: v.key.address,
      consPubKey: v.consPub,
      jailed: false,
      status: 3,
      tokens,
      delegatorShares: tokens * 10n ** 18n,
      description: { moniker: `v${i}`, identity: "", website: "", securityContact: "", details: "" },
      unbondingHeight: 0n,
      unbondingTime: { seconds: 0n, nanos: 0 },
      commission: { rate: 10n ** 17n, maxRate: 2n * 10n ** 17n, maxChangeRate: 10n ** 16n, updateTime: { seconds: 0n, nanos: 0 } },
      minSelfDelegation: 1n,
    });
    k.setLastValidatorPower(g, v.key.address, tokens / 1_000_000n);
  }
  store.workingRoot();
  await store.commit(1n);
  let h = 1n;
  return {
    async blocks(n: number, track: boolean): Promise<{ wall: number; cpu: number }> {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        h++;
        const ctx = createWriteContext({ base: store.working(), block: block(h), mode: "finalize" });
        ctx.store("bench").set(Uint8Array.of(1), u64be(h));
        if (track) await k.trackHistoricalInfo(ctx);
        store.workingRoot();
        await store.commit(h);
      }
      const wall = performance.now() - t0;
      const cu = process.cpuUsage(cpu0);
      return { wall: (wall * 1000) / n, cpu: (cu.user + cu.system) / n };
    },
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function mainMicro() {
  const a = await micro(0);
  const b = await micro(ENTRIES);
  await a.blocks(ENTRIES + 20, false);
  await b.blocks(ENTRIES + 20, true);
  const sum = { a: { wall: 0, cpu: 0 }, b: { wall: 0, cpu: 0 } };
  for (let r = 0; r < ROUNDS; r++) {
    for (const key of r % 2 === 0 ? (["a", "b"] as const) : (["b", "a"] as const)) {
      const m = await (key === "a" ? a.blocks(BLOCKS, false) : b.blocks(BLOCKS, true));
      sum[key].wall += m.wall / ROUNDS;
      sum[key].cpu += m.cpu / ROUNDS;
    }
  }
  console.log(
    `BENCH ${JSON.stringify({ bench: "historicalInfo-micro", validators: N, blocksPerChunk: BLOCKS, rounds: ROUNDS, entries: ENTRIES, baseline_us_per_block: { wall: +sum.a.wall.toFixed(1), cpu: +sum.a.cpu.toFixed(1) }, with_us_per_block: { wall: +sum.b.wall.toFixed(1), cpu: +sum.b.cpu.toFixed(1) }, cost_us_per_block: { wall: +(sum.b.wall - sum.a.wall).toFixed(1), cpu: +(sum.b.cpu - sum.a.cpu).toFixed(1) } })}`,
  );
  await a.close();
  await b.close();
}

async function main() {
  if (!(await installWasmSha256())) throw new Error("WebAssembly SHA-256 unavailable");
  if (process.argv.includes("--micro")) return mainMicro();
  const a = await chain(0);
  const b = await chain(ENTRIES);
  // warm-up: past the first `ENTRIES` blocks, so B prunes one entry per block in the measured window
  await blocks(a, ENTRIES + 20);
  await blocks(b, ENTRIES + 20);
  const sum = { a: { wall: 0, cpu: 0 }, b: { wall: 0, cpu: 0 } };
  const diffs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const [first, second] = r % 2 === 0 ? (["a", "b"] as const) : (["b", "a"] as const);
    const round = { a: 0, b: 0 };
    for (const k of [first, second]) {
      const m = await blocks(k === "a" ? a : b, BLOCKS);
      round[k] = m.cpu;
      sum[k].wall += m.wall / ROUNDS;
      sum[k].cpu += m.cpu / ROUNDS;
      console.log(`round ${r} ${k === "a" ? "entries=0    " : `entries=${ENTRIES}`}: ${m.wall.toFixed(1)} µs/block wall, ${m.cpu.toFixed(1)} µs/block cpu`);
    }
    diffs.push(round.b - round.a);
  }
  const q = await b.app.query({ path: "/cosmos.staking.v1beta1.Query/HistoricalInfo", data: QueryHistoricalInfoRequest.encode({ height: b.height }).finish(), height: 0n, prove: false });
  if (q.code !== 0 && ENTRIES > 0) throw new Error(`HistoricalInfo ${b.height}: ${q.codespace}:${q.code} ${q.log}`);
  console.log(`B keeps an entry: code ${q.code}, ${q.value.length} bytes (${N} validators)`);
  console.log(
    `BENCH ${JSON.stringify({ bench: "historicalInfo", validators: N, blocksPerChunk: BLOCKS, rounds: ROUNDS, entries: ENTRIES, baseline_us_per_block: { wall: +sum.a.wall.toFixed(1), cpu: +sum.a.cpu.toFixed(1) }, with_us_per_block: { wall: +sum.b.wall.toFixed(1), cpu: +sum.b.cpu.toFixed(1) }, cost_us_per_block: { wall: +(sum.b.wall - sum.a.wall).toFixed(1), cpu: +(sum.b.cpu - sum.a.cpu).toFixed(1), cpu_median_of_rounds: +([...diffs].sort((x, y) => x - y)[Math.floor(diffs.length / 2)] ?? 0).toFixed(1) } })}`,
  );
  await a.close();
  await b.close();
}

await main();
