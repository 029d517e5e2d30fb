import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { rng } from "./store/testing/rng.ts";
import { fastDecodeAuthInfo, fastDecodeMsgSend, fastDecodeTxBody, fastDecodeTxRaw, fastEncodeTxMsgData } from "./protoFast.ts";

type R = ReturnType<typeof rng>;

/** the value with key order, bigints and bytes spelled out: equal texts = the same object shape and contents. */
function shape(v: unknown): string {
  if (v === undefined) return "undefined";
  if (typeof v === "bigint") return `${v}n`;
  if (v instanceof Uint8Array) return `bytes(${Buffer.from(v).toString("hex")})${v.constructor.name}`;
  if (Array.isArray(v)) return `[${v.map(shape).join(",")}]`;
  if (v !== null && typeof v === "object") return `{${Object.keys(v).map((k) => `${k}:${shape((v as Record<string, unknown>)[k])}`).join(",")}}`;
  return JSON.stringify(v);
}

const ASCII = "abcdefghijklmnopqrstuvwxyz0123456789/.";
function text(r: R, max: number): string {
  const n = r.int(max + 1);
  let s = "";
  for (let i = 0; i < n; i++) s += r.int(20) === 0 ? r.pick(["é", "€", "😀", "\u0000", "\u007f", "\u0080"]) : r.pick([...ASCII]);
  return s;
}
function u64(r: R): bigint {
  return r.pick([0n, 1n, 127n, 128n, 16383n, 16384n, BigInt(r.int(1 << 30)), 2n ** 31n, 2n ** 32n - 1n, 2n ** 48n + 5n, 2n ** 49n - 1n, 2n ** 49n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n]);
}
function coins(r: R) {
  return Array.from({ length: r.int(3) }, () => ({ denom: r.int(6) === 0 ? text(r, 8) : "uopen", amount: r.int(6) === 0 ? text(r, 5) : String(r.int(1_000_000)) }));
}
function any(r: R) {
  return { typeUrl: r.int(5) === 0 ? text(r, 30) : "/cosmos.bank.v1beta1.MsgSend", value: r.bytes(r.int(60)) };
}
function msgSendBytes(r: R): Uint8Array {
  return MsgSend.encode({ fromAddress: r.int(8) === 0 ? text(r, 45) : "open1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu", toAddress: text(r, 45), amount: coins(r) }).finish();
}
function bodyBytes(r: R): Uint8Array {
  const body = TxBody.fromPartial({
    messages: Array.from({ length: r.int(3) }, () => (r.int(3) === 0 ? any(r) : { typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: msgSendBytes(r) })),
    memo: r.int(3) === 0 ? text(r, 80) : "",
    timeoutHeight: r.int(3) === 0 ? u64(r) : 0n,
    ...(r.int(10) === 0 ? { unordered: true } : {}),
    ...(r.int(10) === 0 ? { timeoutTimestamp: { seconds: BigInt(r.int(1000)), nanos: r.int(1000) } } : {}),
    ...(r.int(10) === 0 ? { extensionOptions: [any(r)] } : {}),
    ...(r.int(10) === 0 ? { nonCriticalExtensionOptions: [any(r)] } : {}),
  });
  return TxBody.encode(body).finish();
}
function authInfoBytes(r: R): Uint8Array {
  const info = AuthInfo.fromPartial({
    signerInfos: Array.from({ length: r.int(3) + (r.int(4) === 0 ? 0 : 1) }, () => ({
      ...(r.int(6) !== 0 ? { publicKey: r.int(4) === 0 ? any(r) : { typeUrl: "/cosmos.crypto.secp256k1.PubKey", value: PubKey.encode({ key: r.bytes(33) }).finish() } } : {}),
      ...(r.int(8) !== 0 ? { modeInfo: r.int(8) === 0 ? { multi: { bitarray: { extraBitsStored: 1, elems: r.bytes(2) }, modeInfos: [] } } : { single: { mode: r.pick([0, 1, 2, 127, 128, 1 << 27, 2 ** 31 - 1, -1]) } } } : {}),
      sequence: u64(r),
    })),
    ...(r.int(8) !== 0 ? { fee: { amount: coins(r), gasLimit: u64(r), payer: r.int(4) === 0 ? text(r, 45) : "", granter: r.int(6) === 0 ? text(r, 45) : "" } } : {}),
    ...(r.int(12) === 0 ? { tip: { amount: coins(r), tipper: text(r, 10) } } : {}),
  });
  return AuthInfo.encode(info).finish();
}
function txRawBytes(r: R): Uint8Array {
  return TxRaw.encode({ bodyBytes: bodyBytes(r), authInfoBytes: authInfoBytes(r), signatures: Array.from({ length: r.int(3) }, () => r.bytes(r.pick([0, 64, 65]))) }).finish();
}

/** mutations of valid encodings: flipped, inserted, removed and truncated bytes, a field appended twice. */
function mutate(r: R, b: Uint8Array): Uint8Array {
  const a = [...b];
  const k = r.int(6);
  if (k === 0 && a.length > 0) a[r.int(a.length)] = r.int(256);
  else if (k === 1) a.splice(r.int(a.length + 1), 0, r.int(256));
  else if (k === 2 && a.length > 0) a.splice(r.int(a.length), 1);
  else if (k === 3) a.length = r.int(a.length + 1);
  else if (k === 4) a.push(...a.slice(0, r.int(a.length + 1)));
  else a.push(r.pick([0x0a, 0x12, 0x18, 0x1a, 0x20, 0x22, 0x2a, 0x08, 0x10, 0xfa, 0xff]), r.int(4), ...r.bytes(r.int(4)));
  return Uint8Array.from(a);
}

/** fast must give null or exactly what cosmjs gives (never a value where cosmjs throws). */
function check<T>(name: string, fast: (b: Uint8Array) => T | null, ref: (b: Uint8Array) => T, b: Uint8Array, counts: { fast: number; all: number }): void {
  counts.all++;
  const f = fast(b);
  if (f === null) return;
  counts.fast++;
  let want: T;
  try {
    want = ref(b);
  } catch (e) {
    assert.fail(`${name}: fast decoded ${Buffer.from(b).toString("hex")} where cosmjs-types throws ${String(e)}`);
  }
  assert.equal(shape(f), shape(want), `${name} of ${Buffer.from(b).toString("hex")}`);
}

const cases = [
  { name: "TxRaw", fast: fastDecodeTxRaw, ref: (b: Uint8Array) => TxRaw.decode(b), gen: txRawBytes },
  { name: "TxBody", fast: fastDecodeTxBody, ref: (b: Uint8Array) => TxBody.decode(b), gen: bodyBytes },
  { name: "AuthInfo", fast: fastDecodeAuthInfo, ref: (b: Uint8Array) => AuthInfo.decode(b), gen: authInfoBytes },
  { name: "MsgSend", fast: fastDecodeMsgSend, ref: (b: Uint8Array) => MsgSend.decode(b), gen: msgSendBytes },
] as const;

describe("core/protoFast", () => {
  for (const c of cases) {
    it(`${c.name}: decodes what cosmjs-types encodes exactly as cosmjs-types does, or declines (4,000 random messages)`, () => {
      const r = rng(0x5eed + c.name.length);
      const counts = { fast: 0, all: 0 };
      for (let i = 0; i < 4_000; i++) check(c.name, c.fast as (b: Uint8Array) => unknown, c.ref, c.gen(r), counts);
      // the usual shapes take the fast path
      assert.ok(counts.fast > counts.all / 10, `${c.name}: only ${counts.fast} of ${counts.all} decoded by the fast path`);
    });
    it(`${c.name}: never decodes what cosmjs-types refuses, never differs on damaged input (8,000 mutations)`, () => {
      const r = rng(0xbad + c.name.length);
      const counts = { fast: 0, all: 0 };
      for (let i = 0; i < 8_000; i++) {
        let b = c.gen(r);
        for (let j = r.int(3); j >= 0; j--) b = mutate(r, b);
        check(c.name, c.fast as (b: Uint8Array) => unknown, c.ref, b, counts);
      }
      assert.ok(counts.fast > 0);
    });
  }

  it("accepts a typical signed bank send whole, with views of the input for its bytes fields", () => {
    const body = TxBody.encode(TxBody.fromPartial({ messages: [{ typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: MsgSend.encode({ fromAddress: "open1a", toAddress: "open1b", amount: [{ denom: "uopen", amount: "1" }] }).finish() }] })).finish();
    const auth = AuthInfo.encode(AuthInfo.fromPartial({ signerInfos: [{ publicKey: { typeUrl: "/cosmos.crypto.secp256k1.PubKey", value: PubKey.encode({ key: new Uint8Array(33).fill(2) }).finish() }, modeInfo: { single: { mode: 1 } }, sequence: 7n }], fee: { amount: [{ denom: "uopen", amount: "500" }], gasLimit: 200000n } })).finish();
    const raw = TxRaw.encode({ bodyBytes: body, authInfoBytes: auth, signatures: [new Uint8Array(64).fill(9)] }).finish();
    const t = fastDecodeTxRaw(raw);
    assert.ok(t !== null);
    assert.equal(shape(t), shape(TxRaw.decode(raw)));
    assert.equal(t.bodyBytes.buffer, raw.buffer);
    const b = fastDecodeTxBody(t.bodyBytes);
    const a = fastDecodeAuthInfo(t.authInfoBytes);
    assert.ok(b !== null && a !== null);
    assert.equal(shape(b), shape(TxBody.decode(body)));
    assert.equal(shape(a), shape(AuthInfo.decode(auth)));
    const m = fastDecodeMsgSend((b.messages[0] as { value: Uint8Array }).value);
    assert.deepEqual(m, { fromAddress: "open1a", toAddress: "open1b", amount: [{ denom: "uopen", amount: "1" }] });
  });

  it("TxMsgData: encodes exactly what cosmjs-types encodes, or declines (1,500 random response lists)", () => {
    const r = rng(0x7d);
    let fast = 0;
    for (let i = 0; i < 1_500; i++) {
      const responses = Array.from({ length: r.int(4) }, () => ({ typeUrl: r.int(4) === 0 ? text(r, 200) : "/cosmos.bank.v1beta1.MsgSendResponse", value: r.bytes(r.pick([0, 0, 1, 127, 128, 300, 17_000])) }));
      const got = fastEncodeTxMsgData(responses);
      if (got === null) continue;
      fast++;
      assert.deepEqual(got, TxMsgData.encode({ data: [], msgResponses: responses }).finish());
    }
    assert.ok(fast > 500);
    assert.deepEqual(fastEncodeTxMsgData([]), new Uint8Array(0));
  });
});
