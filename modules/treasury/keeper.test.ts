import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { accAddressToString } from "../core/address.ts";
import { utf8 } from "../core/bytes.ts";
import type { Coin } from "../core/coins.ts";
import { sha256 } from "../core/hash.ts";
import { makeTestContext } from "../core/testing/index.ts";
import { createTreasuryKeeper } from "./keeper.ts";
import { largestRemainder } from "./split.ts";

const addr = (n: string) => sha256(utf8(n)).slice(0, 20);
const owner = accAddressToString(addr("owner"));

function keeper() {
  const moves: string[] = [];
  const k = createTreasuryKeeper({
    bank: {
      sendCoinsFromModuleToModule: (_c, f, t, cs: readonly Coin[]) => void moves.push(`${f}->${t}:${cs[0]?.amount}`),
      sendCoinsFromModuleToAccount: (_c, f, _to, cs: readonly Coin[]) => void moves.push(`${f}->acct:${cs[0]?.amount}`),
      sendCoinsFromAccountToModule: () => undefined,
      burnCoins: (_c, m, cs: readonly Coin[]) => void moves.push(`burn ${m}:${cs[0]?.amount}`),
      getAllBalances: async () => [],
    },
    communityPool: { fundCommunityPool: (_c, _f, cs: readonly Coin[]) => void moves.push(`pool:${cs[0]?.amount}`) },
    models: { getModel: (_c, id) => (id === 1n ? { id: 1n, owner, datanetId: 7n, feePolicy: undefined } : undefined) },
  });
  return { k, moves };
}

describe("treasury keeper", () => {
  it("largest remainder: no unit lost or created, each part within one unit of its exact share, ties to the earlier part", () => {
    let x = 12345;
    const next = () => ((x = (x * 1103515245 + 12345) % 2147483648), x);
    for (let t = 0; t < 2000; t++) {
      const n = 1 + (next() % 7);
      const w = Array.from({ length: n }, () => BigInt(next() % 1000));
      const total = BigInt(next() % 1_000_000);
      const out = largestRemainder(total, w);
      const W = w.reduce((a, b) => a + b, 0n);
      const sum = out.reduce((a, b) => a + b, 0n);
      assert.equal(sum, W === 0n ? 0n : total);
      out.forEach((o, i) => {
        if (W === 0n) return assert.equal(o, 0n);
        const exact = (total * (w[i] as bigint)) / W;
        assert.ok(o === exact || o === exact + 1n, `${o} vs ${exact}`);
        if (w[i] === 0n) assert.equal(o, 0n);
      });
    }
    assert.deepEqual(largestRemainder(1n, [1n, 1n]), [1n, 0n]);
    assert.deepEqual(largestRemainder(5n, [1n, 1n, 1n]), [2n, 2n, 1n]);
  });

  it("the gov authority may set any model's policy; others only their own; the default policy applies to a model without one", async () => {
    const { k } = keeper();
    const ctx = makeTestContext();
    assert.equal(k.effectivePolicy(ctx, 1n).source, "default");
    const p = { contributorsBps: 1, trainerBps: 2, providerBps: 3, communityBps: 4, burnBps: 9990 };
    assert.throws(() => k.setFeePolicy(ctx, addr("stranger"), false, 1n, p), /treasury|owner/);
    k.setFeePolicy(ctx, addr("gov"), true, 1n, p);
    assert.equal(k.effectivePolicy(ctx, 1n).source, "treasury");
    assert.equal(k.effectivePolicy(ctx, 1n).setBy, accAddressToString(addr("gov")));
    k.setFeePolicy(ctx, addr("owner"), false, 1n, { ...p, burnBps: 9989, communityBps: 5 });
    assert.equal(k.effectivePolicy(ctx, 1n).policy.communityBps, 5);
  });

  it("a split with no contributor weight pools the contributors' part; the burn part is burned", async () => {
    const { k, moves } = keeper();
    const ctx = makeTestContext({ block: { height: 5n } });
    k.setFeePolicy(ctx, addr("gov"), true, 1n, { contributorsBps: 5000, trainerBps: 2000, providerBps: 2000, communityBps: 500, burnBps: 500 });
    const r = await k.split(ctx, { modelId: 1n, fee: { denom: "uopen", amount: 1001n }, fromModule: "compute", shares: [], provider: addr("prov") });
    assert.equal(r.contributors + r.trainer + r.provider + r.community + r.burned, 1001n);
    assert.equal(r.contributors, 0n);
    assert.equal(r.community, 501n + 50n);
    assert.deepEqual(moves, ["compute->treasury:1001", "treasury->acct:200", "treasury->acct:200", "pool:551", "burn treasury:50"]);
  });
});
