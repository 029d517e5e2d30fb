import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { QueryHistoricalInfoRequest, QueryHistoricalInfoResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import { Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Bytes } from "../core/abci.ts";
import { utf8 } from "../core/bytes.ts";
import type { BlockHeader, QueryContext } from "../core/context.ts";
import { AppError } from "../core/errors.ts";
import { sha256 } from "../core/hash.ts";
import { makeTestContext } from "../core/testing/index.ts";
import { CacheKVStore } from "../core/store/cache.ts";
import { MemoryBackend } from "../core/store/memory.ts";
import { createStakingKeeper } from "./keeper.ts";
import { historicalInfoKey } from "./keys.ts";
import { createStakingQueries } from "./queryServer.ts";
import { defaultParams } from "./params.ts";
import { BOND_STATUS, type Val, consAddressOf, valToProto } from "./types.ts";

const noop = () => undefined;
function keeper() {
  return createStakingKeeper(
    {
      accountKeeper: { getModuleAccount: (_c, name) => ({ address: sha256(utf8(name)).slice(0, 20) }), moduleAddress: (name) => sha256(utf8(name)).slice(0, 20) },
      bankKeeper: { getBalance: () => 0n, sendCoinsFromAccountToModule: noop, sendCoinsFromModuleToAccount: noop, sendCoinsFromModuleToModule: noop, burnCoins: noop },
    },
    { current: [] },
  );
}

function val(n: number, tokens: bigint, status: Val["status"] = BOND_STATUS.bonded): Val {
  return {
    operator: sha256(utf8(`op/${n}`)).slice(0, 20),
    consPubKey: sha256(utf8(`cons/${n}`)),
    jailed: false,
    status,
    tokens,
    delegatorShares: tokens * 10n ** 18n,
    description: { moniker: `v${n}`, identity: "", website: "", securityContact: "", details: "" },
    unbondingHeight: 0n,
    unbondingTime: { seconds: 0n, nanos: 0 },
    commission: { rate: 10n ** 17n, maxRate: 2n * 10n ** 17n, maxChangeRate: 10n ** 16n, updateTime: { seconds: 0n, nanos: 0 } },
    minSelfDelegation: 1n,
  };
}

const blockAt = (h: bigint): Partial<BlockHeader> => ({
  height: h,
  time: { seconds: 1_700_000_000n + h * 5n, nanos: Number(h) * 1000 },
  chainId: "hist-1",
  proposer: new Uint8Array(20).fill(Number(h % 200n)),
  hash: new Uint8Array(32).fill(9),
  nextValidatorsHash: new Uint8Array(32).fill(Number(h % 200n) + 1),
  appHash: new Uint8Array(32).fill(Number(h % 200n) + 2),
});

function setup(historicalEntries: number, vals: Val[]) {
  const k = keeper();
  const base = new CacheKVStore(new MemoryBackend());
  const at = (h: bigint) => makeTestContext({ base, block: blockAt(h) });
  const g = at(0n);
  k.setParams(g, { ...defaultParams(), historicalEntries });
  for (const v of vals) {
    k.saveValidator(g, v);
    if (v.status === BOND_STATUS.bonded) k.setLastValidatorPower(g, v.operator, v.tokens / 1_000_000n);
  }
  const kept = () => {
    const out: bigint[] = [];
    for (let h = 0n; h <= 64n; h++) if (k.getHistoricalInfoBytes(g, h) !== undefined) out.push(h);
    return out;
  };
  const run = async (from: bigint, to: bigint) => {
    for (let h = from; h <= to; h++) await k.trackHistoricalInfo(at(h));
  };
  return { k, g, at, run, kept, base };
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => BigInt(a + i));

describe("staking HistoricalInfo (SDK 0.50 TrackHistoricalInfo)", () => {
  // powers 30, 30, 10, 5; v5 is unbonded (not in the last set)
  const vals = [val(1, 10_000_000n), val(2, 30_000_000n), val(3, 30_000_000n), val(4, 5_000_000n), val(5, 50_000_000n, BOND_STATUS.unbonded)];

  it("each block keeps its header and the last validator set, sorted by power then consensus address", async () => {
    const s = setup(100, vals);
    await s.run(1n, 5n);
    assert.deepEqual(s.kept(), range(1, 5));
    const q = createStakingQueries(s.k).find((h) => h.path === "/cosmos.staking.v1beta1.Query/HistoricalInfo")!;
    for (const h of range(1, 5)) {
      const raw = q.encode(await q.handle(s.g as QueryContext, QueryHistoricalInfoRequest.fromPartial({ height: h })));
      const hist = QueryHistoricalInfoResponse.decode(raw).hist!;
      const b = blockAt(h);
      assert.equal(hist.header.chainId, "hist-1");
      assert.equal(hist.header.height, h);
      assert.deepEqual(hist.header.time, b.time);
      assert.deepEqual(hist.header.proposerAddress, b.proposer);
      assert.deepEqual(hist.header.nextValidatorsHash, b.nextValidatorsHash);
      assert.deepEqual(hist.header.appHash, b.appHash);
      assert.deepEqual(hist.header.version, { block: 0n, app: 0n });
      assert.equal(hist.header.lastBlockId.hash.length, 0);
      assert.equal(hist.header.dataHash.length, 0);
      // v2 and v3 tie at 30: the lower consensus address first
      const tie = [vals[1]!, vals[2]!].sort((a, b) => Buffer.compare(consAddressOf(a.consPubKey), consAddressOf(b.consPubKey)));
      const want = [...tie, vals[0]!, vals[3]!];
      assert.deepEqual(hist.valset.map((v) => v.operatorAddress), want.map((v) => valToProto(v).operatorAddress));
      // each validator exactly as the Validator query encodes it
      assert.deepEqual(hist.valset.map((v) => Validator.encode(v).finish()), want.map((v) => Validator.encode(valToProto(v)).finish()));
    }
    // the stored bytes decode to the same entry the SDK's proto would (no unknown trailing data)
    const bytes = s.k.getHistoricalInfoBytes(s.g, 3n) as Bytes;
    assert.ok(bytes.length > 0);
    assert.deepEqual(s.base.get(new Uint8Array([...utf8("staking/"), ...historicalInfoKey(3n)])), bytes, "stored under staking/ 0x50 | u64be(height)");
  });

  it("keeps the last historical_entries heights: the oldest is pruned at the limit", async () => {
    const s = setup(3, vals);
    await s.run(1n, 3n);
    assert.deepEqual(s.kept(), range(1, 3));
    await s.run(4n, 4n);
    assert.deepEqual(s.kept(), range(2, 4));
    await s.run(5n, 10n);
    assert.deepEqual(s.kept(), range(8, 10));
  });

  it("a lower historical_entries (gov) prunes the whole excess at the next block; a higher one keeps more", async () => {
    const s = setup(6, vals);
    await s.run(1n, 10n);
    assert.deepEqual(s.kept(), range(5, 10));
    s.k.setParams(s.g, { ...defaultParams(), historicalEntries: 2 });
    await s.run(11n, 11n);
    assert.deepEqual(s.kept(), range(10, 11));
    s.k.setParams(s.g, { ...defaultParams(), historicalEntries: 4 });
    await s.run(12n, 16n);
    assert.deepEqual(s.kept(), range(13, 16));
  });

  it("historical_entries = 0 keeps nothing and drops what earlier blocks kept", async () => {
    const none = setup(0, vals);
    await none.run(1n, 5n);
    assert.deepEqual(none.kept(), []);
    const s = setup(4, vals);
    await s.run(1n, 6n);
    assert.deepEqual(s.kept(), range(3, 6));
    s.k.setParams(s.g, { ...defaultParams(), historicalEntries: 0 });
    await s.run(7n, 7n);
    assert.deepEqual(s.kept(), []);
    s.k.setParams(s.g, { ...defaultParams(), historicalEntries: 2 });
    await s.run(8n, 10n);
    assert.deepEqual(s.kept(), range(9, 10));
  });

  it("an empty last validator set is kept as an empty valset", async () => {
    const s = setup(5, []);
    await s.run(1n, 1n);
    const q = createStakingQueries(s.k).find((h) => h.path === "/cosmos.staking.v1beta1.Query/HistoricalInfo")!;
    const res = (await q.handle(s.g as QueryContext, { height: 1n })) as QueryHistoricalInfoResponse;
    assert.deepEqual(res.hist?.valset, []);
  });

  it("the query: a negative height is InvalidArgument, a height without an entry NotFound (SDK messages)", async () => {
    const s = setup(2, vals);
    await s.run(1n, 4n);
    const q = createStakingQueries(s.k).find((h) => h.path === "/cosmos.staking.v1beta1.Query/HistoricalInfo")!;
    const err = async (height: bigint) => {
      try {
        await q.handle(s.g as QueryContext, { height });
      } catch (e: unknown) {
        assert.ok(e instanceof AppError);
        return `${e.codespace}:${e.code} ${e.log}`;
      }
      assert.fail(`height ${height} answered`);
    };
    assert.match(await err(-1n), /^sdk:18 rpc error: code = InvalidArgument desc = height cannot be negative:/);
    for (const h of [0n, 1n, 2n, 5n]) assert.match(await err(h), new RegExp(`^sdk:22 rpc error: code = NotFound desc = historical info for height ${h} not found:`));
    const ok = (await q.handle(s.g as QueryContext, { height: 4n })) as QueryHistoricalInfoResponse;
    assert.equal(ok.hist?.header.height, 4n);
  });
});
