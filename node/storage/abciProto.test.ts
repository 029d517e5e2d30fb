import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import type { FinalizeBlockResponse } from "../../modules/core/abci.ts";
import { decodeFinalizeBlockResponse, encodeFinalizeBlockResponse } from "./stateStore.ts";

describe("storage/abciProto", () => {
  it("encodes FinalizeBlock responses to the same bytes as cosmjs-types", () => {
    let seed = 7;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const strs = ["", "a", "transfer", "héllo ✓", "\ud800x", "x".repeat(200), "日本語".repeat(50), "open1qqqqqqqqqqqqqq"];
    const ints = [0n, 1n, 127n, 128n, 200000n, 2n ** 32n, 2n ** 53n + 3n, -1n, -(2n ** 40n), 2n ** 63n - 1n];
    const ev = () => ({
      type: pick(strs),
      attributes: Array.from({ length: Math.floor(rnd() * 4) }, () => ({ key: pick(strs), value: pick(strs), index: rnd() < 0.5 })),
    });
    for (let t = 0; t < 500; t++) {
      const res: FinalizeBlockResponse = {
        events: Array.from({ length: Math.floor(rnd() * 3) }, ev),
        txResults: Array.from({ length: Math.floor(rnd() * 4) }, () => ({
          code: pick([0, 1, 5, 300, 2 ** 31 + 5]),
          data: new Uint8Array(Math.floor(rnd() * 3) * 100).fill(3),
          log: pick(strs),
          info: pick(strs),
          gasWanted: pick(ints),
          gasUsed: pick(ints),
          events: Array.from({ length: Math.floor(rnd() * 4) }, ev),
          codespace: pick(strs),
        })),
        validatorUpdates: rnd() < 0.2 ? [{ pubKey: { type: "ed25519", bytes: new Uint8Array(32).fill(1) }, power: 10n }] : [],
        consensusParamUpdates: null,
        appHash: rnd() < 0.8 ? new Uint8Array(32).fill(9) : new Uint8Array(0),
      };
      const want = ResponseFinalizeBlock.encode({
        events: res.events,
        txResults: res.txResults,
        validatorUpdates: res.validatorUpdates.map((u) => ({ pubKey: { ed25519: u.pubKey.bytes }, power: u.power })),
        appHash: res.appHash,
      }).finish();
      const got = encodeFinalizeBlockResponse(res);
      assert.deepEqual(Buffer.from(got), Buffer.from(want), `case ${t}`);
      assert.equal(decodeFinalizeBlockResponse(got).txResults.length, res.txResults.length);
    }
  });
});
