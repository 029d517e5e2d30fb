import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defineModule, type AppModule } from "../core/module.ts";
import { ErrTxDecode, ErrTxTooLarge } from "../core/errors.ts";
import { assertAppError } from "../core/testing/index.ts";
import { createModuleManager } from "./moduleManager.ts";
import { createCachedSigVerifier } from "./sigCache.ts";
import { createTxDecoder, decodeTx } from "./decode.ts";
import { TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { createRouters, moduleNameFromTypeUrl } from "./router.ts";

const genesis = { defaultGenesis: () => ({}), validateGenesis() {}, async initGenesis() {}, async exportGenesis() { return {}; }, fromJson: (j: unknown) => j, toJson: (g: unknown) => g };
const mod = (name: string, extra: Partial<AppModule> = {}): AppModule => defineModule({ name, consensusVersion: 1, msgs: [], queries: [], genesis, ...extra });

describe("runtime/moduleManager", () => {
  it("requires every module with a hook in the matching order array", () => {
    const a = mod("alpha", { async beginBlock() {} });
    const b = mod("beta");
    assert.throws(() => createModuleManager([a, b], { beginBlock: [], endBlock: [], initGenesis: ["alpha", "beta"] }), /missing from the beginBlock order/);
    assert.throws(() => createModuleManager([a, b], { beginBlock: ["alpha"], endBlock: [], initGenesis: ["alpha"] }), /missing from the initGenesis order/);
    assert.throws(() => createModuleManager([a, b], { beginBlock: ["alpha", "gamma"], endBlock: [], initGenesis: ["alpha", "beta"] }), /unknown module gamma/);
    assert.ok(createModuleManager([a, b], { beginBlock: ["alpha"], endBlock: [], initGenesis: ["alpha", "beta"] }));
  });
  it("defineModule refuses bad and reserved names", () => {
    assert.throws(() => mod("Bad"));
    assert.throws(() => mod("runtime"));
  });
});

describe("runtime/sigCache", () => {
  it("caches positive verdicts only, bounded", () => {
    let calls = 0;
    const v = createCachedSigVerifier({ verify: (_p, h) => { calls++; return h[0] === 1; } }, 2);
    const pk = new Uint8Array(33);
    const sig = new Uint8Array(64);
    const good = new Uint8Array(32).fill(1);
    const bad = new Uint8Array(32).fill(2);
    assert.equal(v.verify(pk, good, sig), true);
    assert.equal(v.verify(pk, good, sig), true);
    assert.equal(calls, 1);
    assert.equal(v.hits, 1);
    assert.equal(v.verify(pk, bad, sig), false);
    assert.equal(v.verify(pk, bad, sig), false);
    assert.equal(calls, 3);
    for (let i = 0; i < 5; i++) v.verify(pk, Uint8Array.from({ length: 32 }, (_, j) => (j === 0 ? 1 : i + 10)), sig);
    assert.ok(v.size <= 2);
    assert.equal(v.verify(pk, good, new Uint8Array(63)), false);
  });
  it("forget drops a verdict (FinalizeBlock ran the tx): the next verify calls the verifier again", () => {
    let calls = 0;
    const v = createCachedSigVerifier({ verify: () => { calls++; return true; } });
    const pk = new Uint8Array(33);
    const h = new Uint8Array(32).fill(1);
    const sig = new Uint8Array(64).fill(7);
    assert.equal(v.verify(pk, h, sig), true);
    assert.equal(v.size, 1);
    v.forget(sig);
    assert.equal(v.size, 0);
    assert.equal(v.verify(pk, h, sig), true);
    assert.equal(calls, 2);
  });
});

describe("runtime/decode", () => {
  const routers = createRouters([]);
  it("size first, then parse errors", async () => {
    await assertAppError(() => decodeTx(new Uint8Array(11), routers, 10n), ErrTxTooLarge);
    await assertAppError(() => decodeTx(Uint8Array.of(0x0a, 0x05, 1), routers, 100n), ErrTxDecode);
    await assertAppError(() => decodeTx(new Uint8Array(0), routers, 100n), ErrTxDecode);
  });
  it("the memo returns the decode of the very same bytes, also for txs that share their tail", () => {
    const ping = {
      typeUrl: "/test.v1.MsgPing",
      responseTypeUrl: "/test.v1.MsgPingResponse",
      decode: (b: Uint8Array) => ({ n: b[0] ?? 0 }),
      encodeResponse: () => new Uint8Array(0),
      signers: () => [new Uint8Array(20).fill(9)],
      async handle() {
        return {};
      },
    };
    const decode = createTxDecoder(createRouters([mod("ping", { msgs: [ping] })]), 2);
    const sig = new Uint8Array(64).fill(5);
    const raw = (n: number, memo: string) =>
      TxRaw.encode({ bodyBytes: TxBody.encode(TxBody.fromPartial({ messages: [{ typeUrl: ping.typeUrl, value: Uint8Array.of(n) }], memo })).finish(), authInfoBytes: new Uint8Array(0), signatures: [sig] }).finish();
    const a = raw(1, "a");
    const b = raw(2, "b");
    assert.deepEqual(a.subarray(a.length - 32), b.subarray(b.length - 32));
    const da = decode(a, 1000n);
    assert.equal(decode(Uint8Array.from(a), 1000n), da, "a copy of the bytes hits");
    const db = decode(b, 1000n);
    assert.notEqual(db, da);
    assert.equal((db.msgs[0]?.msg as { n: number }).n, 2);
    assert.equal((decode(a, 1000n).msgs[0]?.msg as { n: number }).n, 1);
    decode.forget(b);
    assert.equal(decode(a, 1000n).body.memo, "a");
    // many more txs than two generations: still right
    for (let i = 0; i < 10; i++) assert.equal((decode(raw(i, `m${i}`), 1000n).msgs[0]?.msg as { n: number }).n, i);
  });
  it("module name from type URL (SDK rule)", () => {
    assert.equal(moduleNameFromTypeUrl("/cosmos.bank.v1beta1.MsgSend"), "bank");
    assert.equal(moduleNameFromTypeUrl("/openledger.datanet.v1.MsgCreateDatanet"), "datanet");
  });
});
