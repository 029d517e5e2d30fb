import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, describe, it } from "node:test";
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, SignDoc, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { loadNativeSecp256k1 } from "./secp256k1Native.ts";
import { SigVerifyPool } from "./sigPool.ts";

const CHAIN = "sigpool-test-1";
const sha256 = (b: Uint8Array) => new Uint8Array(createHash("sha256").update(b).digest());
const lib = loadNativeSecp256k1();

function signedTx(seed: string, accountNumber: bigint, chainId = CHAIN) {
  if (lib === null) throw new Error("native secp256k1 missing");
  const priv = sha256(new TextEncoder().encode(seed));
  const pub = lib.publicKeyCreate(priv, true);
  const bodyBytes = TxBody.encode(TxBody.fromPartial({ memo: seed })).finish();
  const authInfoBytes = AuthInfo.encode(
    AuthInfo.fromPartial({
      signerInfos: [{ publicKey: { typeUrl: "/cosmos.crypto.secp256k1.PubKey", value: PubKey.encode({ key: pub }).finish() }, modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } }, sequence: 0n }],
      fee: { amount: [], gasLimit: 100000n },
    }),
  ).finish();
  const hash = sha256(SignDoc.encode({ bodyBytes, authInfoBytes, chainId, accountNumber }).finish());
  const sig = lib.ecdsaSign(hash, priv).signature;
  return { pub, hash, sig, raw: TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [sig] }).finish() };
}

describe("crypto/sigPool", { skip: lib === null ? "no native secp256k1" : false }, () => {
  const pool = new SigVerifyPool({ chainId: CHAIN, workers: 1 });
  after(() => pool.close());

  it("answers from the worker-verified set once the signer's account number is known, with the same verdicts", async () => {
    const a = signedTx("alice", 7n);
    // unknown account number: nothing pre-verified, the main thread verifies
    await pool.preverify(a.raw);
    assert.equal(pool.verifier.verify(a.pub, a.hash, a.sig), true);
    assert.equal(pool.hits, 0);
    pool.verifier.noteAccount(a.pub, 7n);
    const b = signedTx("alice", 7n);
    const b2 = { ...signedTx("alice2", 7n) };
    await pool.preverify(b.raw);
    assert.equal(pool.verifier.verify(b.pub, b.hash, b.sig), true);
    assert.equal(pool.hits, 1);
    // a pre-verified signature never answers for another hash or key
    await pool.preverify(b.raw);
    assert.equal(pool.verifier.verify(b.pub, b2.hash, b.sig), false);
    assert.equal(pool.verifier.verify(b2.pub, b.hash, b.sig), false);
  });

  it("does not pre-verify a signature over another chain id or account number", async () => {
    const c = signedTx("carol", 3n, "other-chain");
    pool.verifier.noteAccount(c.pub, 3n);
    const hits = pool.hits;
    await pool.preverify(c.raw);
    assert.equal(pool.verifier.verify(c.pub, c.hash, c.sig), true, "main-thread verification of the triple itself");
    assert.equal(pool.hits, hits);
    await pool.preverify(new Uint8Array([1, 2, 3]));
    const d = signedTx("dave", 4n);
    pool.verifier.noteAccount(d.pub, 5n);
    await pool.preverify(d.raw);
    assert.equal(pool.verifier.verify(d.pub, d.hash, d.sig), true);
    assert.equal(pool.hits, hits);
  });
});
