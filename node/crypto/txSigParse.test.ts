import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, SignDoc, type SignerInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { parseTxForSigs, signDocFor } from "./txSigParse.ts";

const SECP = "/cosmos.crypto.secp256k1.PubKey";
const utf8 = (s: string) => new TextEncoder().encode(s);
const key = (n: number) => Uint8Array.from({ length: 33 }, (_, i) => (i === 0 ? 2 : (n * 31 + i) & 0xff));

function info(o: { typeUrl?: string; key?: Uint8Array; mode?: SignMode; multi?: boolean; noPub?: boolean; seq?: bigint }): Partial<SignerInfo> {
  return {
    ...(o.noPub === true ? {} : { publicKey: { typeUrl: o.typeUrl ?? SECP, value: PubKey.encode({ key: o.key ?? key(1) }).finish() } }),
    modeInfo: o.multi === true ? { multi: { bitarray: { extraBitsStored: 0, elems: new Uint8Array(0) }, modeInfos: [] } } : { single: { mode: o.mode ?? SignMode.SIGN_MODE_DIRECT } },
    sequence: o.seq ?? 3n,
  };
}

function tx(infos: Partial<SignerInfo>[], sigs: Uint8Array[], memo = "m"): Uint8Array {
  const bodyBytes = TxBody.encode(TxBody.fromPartial({ memo })).finish();
  const authInfoBytes = AuthInfo.encode(AuthInfo.fromPartial({ signerInfos: infos, fee: { amount: [{ denom: "uopen", amount: "5" }], gasLimit: 200000n } })).finish();
  return TxRaw.encode({ bodyBytes, authInfoBytes, signatures: sigs }).finish();
}

/** what the worker used to read with cosmjs-types: the DIRECT + secp256k1 key per signer info, or null. */
function reference(raw: Uint8Array) {
  const t = TxRaw.decode(raw);
  const a = AuthInfo.decode(t.authInfoBytes);
  return {
    bodyBytes: t.bodyBytes,
    authInfoBytes: t.authInfoBytes,
    signatures: t.signatures,
    directKeys: a.signerInfos.map((si) => {
      if (si.modeInfo?.single?.mode !== SignMode.SIGN_MODE_DIRECT || si.publicKey?.typeUrl !== SECP) return null;
      const k = PubKey.decode(si.publicKey.value).key;
      return k.length === 33 ? k : null;
    }),
  };
}

const sig = (n: number) => new Uint8Array(64).fill(n);

describe("crypto/txSigParse", () => {
  it("reads what cosmjs-types decodes: keys of DIRECT secp256k1 signers, null for the others", () => {
    const cases = [
      tx([info({})], [sig(1)]),
      tx([info({ key: key(2) }), info({ key: key(3), seq: 0n })], [sig(2), sig(3)], "two signers"),
      tx([info({ mode: SignMode.SIGN_MODE_LEGACY_AMINO_JSON })], [sig(4)]),
      tx([info({ typeUrl: "/cosmos.crypto.ed25519.PubKey" })], [sig(5)]),
      tx([info({ multi: true })], [sig(6)]),
      tx([info({ noPub: true })], [sig(7)]),
      tx([info({ key: new Uint8Array(65).fill(4) })], [sig(8)]),
      tx([info({})], [], ""),
      tx([], [sig(9)]),
      tx([info({ key: key(4) })], [new Uint8Array(70).fill(1)], "x".repeat(300)),
    ];
    for (const raw of cases) {
      const got = parseTxForSigs(raw);
      assert.ok(got !== null);
      assert.deepEqual(
        { bodyBytes: [...got.bodyBytes], authInfoBytes: [...got.authInfoBytes], signatures: got.signatures.map((s) => [...s]), directKeys: got.directKeys.map((k) => (k === null ? null : [...k])) },
        (({ bodyBytes, authInfoBytes, signatures, directKeys }) => ({ bodyBytes: [...bodyBytes], authInfoBytes: [...authInfoBytes], signatures: signatures.map((s) => [...s]), directKeys: directKeys.map((k) => (k === null ? null : [...k])) }))(reference(raw)),
      );
    }
  });

  it("writes SignDoc exactly as cosmjs-types (defaults left out, any account number)", () => {
    const body = utf8("body bytes");
    const auth = new Uint8Array(200).fill(7);
    for (const chainId of ["openledger-localnet-1", "", "ü-chain"]) {
      for (const n of [0n, 1n, 127n, 128n, 300n, 2n ** 32n, 2n ** 63n - 1n, 2n ** 64n - 1n]) {
        for (const [b, a] of [[body, auth], [new Uint8Array(0), auth], [body, new Uint8Array(0)]] as const) {
          assert.deepEqual([...signDocFor(b, a, utf8(chainId), n)], [...SignDoc.encode({ bodyBytes: b, authInfoBytes: a, chainId, accountNumber: n }).finish()], `${chainId} ${n}`);
        }
      }
    }
  });

  it("gives null (never throws) on truncated or malformed bytes", () => {
    const raw = tx([info({ key: key(5) }), info({ key: key(6) })], [sig(1), sig(2)]);
    for (let n = 0; n < raw.length; n++) {
      const r = parseTxForSigs(raw.subarray(0, n));
      if (r !== null) assert.ok(r.signatures.every((s) => s.length <= 64));
    }
    assert.equal(parseTxForSigs(Uint8Array.of(0x0a, 0x05, 0x01)), null);
    assert.equal(parseTxForSigs(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)), null);
    assert.equal(parseTxForSigs(Uint8Array.of(0x0b)), null); // wire type 3 (groups) is not read
    let seed = 1;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    for (let i = 0; i < 2000; i++) {
      const junk = Uint8Array.from({ length: 1 + (i % 97) }, rnd);
      parseTxForSigs(junk); // must not throw
    }
  });
});
