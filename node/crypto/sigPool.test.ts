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

  it("keeps at most maxVerified pre-verified triples, dropping the oldest first (a hit or a drop never changes a verdict)", async () => {
    const small = new SigVerifyPool({ chainId: CHAIN, workers: 1, maxVerified: 3 });
    try {
      const txs = Array.from({ length: 5 }, (_, i) => signedTx(`evict-${i}`, 9n));
      for (const t of txs) small.verifier.noteAccount(t.pub, 9n);
      // 0, 1, 2 verified; 1 used (a hit removes it); then 3 and 4 arrive: the map holds 0, 2, 3 before 4,
      // so the oldest live one (0) is dropped, not the used one again
      for (const t of txs.slice(0, 3)) await small.preverify(t.raw);
      assert.equal(small.verifier.verify(txs[1]!.pub, txs[1]!.hash, txs[1]!.sig), true);
      assert.equal(small.hits, 1);
      for (const t of txs.slice(3)) await small.preverify(t.raw);
      for (const i of [2, 3, 4]) assert.equal(small.verifier.verify(txs[i]!.pub, txs[i]!.hash, txs[i]!.sig), true);
      assert.equal(small.hits, 4, "2, 3 and 4 answered from the pre-verified set");
      assert.equal(small.verifier.verify(txs[0]!.pub, txs[0]!.hash, txs[0]!.sig), true, "0 was dropped: verified on the main thread");
      assert.equal(small.hits, 4);
      // many more than the bound: the newest stay
      const more = Array.from({ length: 40 }, (_, i) => signedTx(`evict-more-${i}`, 9n));
      for (const t of more) small.verifier.noteAccount(t.pub, 9n);
      for (const t of more) await small.preverify(t.raw);
      for (const t of more.slice(-3)) assert.equal(small.verifier.verify(t.pub, t.hash, t.sig), true);
      assert.equal(small.hits, 7);
      assert.equal(small.verifier.verify(more[0]!.pub, more[0]!.hash, more[0]!.sig), true);
      assert.equal(small.hits, 7);
    } finally {
      small.close();
    }
  });
});
