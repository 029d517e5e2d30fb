/** cosmjs-rpc.md §3.8: the harness reproduces the cosmjs test vector bit for bit, and the runtime verifies it. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DirectSecp256k1HdWallet, makeAuthInfoBytes, makeSignDoc, encodePubkey } from "@cosmjs/proto-signing";
import { encodeSecp256k1Pubkey } from "@cosmjs/amino";
import { fromHex, toHex, toBase64 } from "../../../modules/core/bytes.ts";
import { sha256 } from "../../../modules/core/hash.ts";
import { nobleSigVerifier } from "../../../modules/core/crypto.ts";
import { accAddressToString } from "../../../modules/core/address.ts";
import { buildTx, keyFromMnemonic, msgSend } from "../../harness/txBuilder.ts";
import { createTestChain } from "../../harness/app.ts";

const MNEMONIC = "economy stock theory fatal elder harbor betray wasp final emotion task crumble siren bottom lizard educate guess current outdoor pair theory focus wife stone";
const V = {
  pubkey: "034f04181eeba35391b858633a765c4a0c189697b40d216354d50890d350c70290",
  address: "open1pkptre7fdkl6gfrzlesjjvhxhlc3r4gmva4mvd",
  recipient: "open1qyqszqgpqyqszqgpqyqszqgpqyqszqgp9cnx3t",
  body: "0a89010a1c2f636f736d6f732e62616e6b2e763162657461312e4d736753656e6412690a2b6f70656e31706b707472653766646b6c366766727a6c65736a6a766878686c63337234676d7661346d7664122b6f70656e31717971737a716770717971737a716770717971737a716770717971737a71677039636e7833741a0d0a05756f70656e120431323334",
  authInfo: "0a4e0a460a1f2f636f736d6f732e63727970746f2e736563703235366b312e5075624b657912230a21034f04181eeba35391b858633a765c4a0c189697b40d216354d50890d350c7029012040a02080112130a0d0a05756f70656e12043530303010c09a0c",
  signHash: "2e97cc965e8f5444e1998ae73997f5e698ac3c386469d70deaf4fc86d05f8583",
  signature: "81aad631c42f34b0cd8ef14a0e95df2a478b35efb6cfa7ebc96188974c4f462474002e9646240cff458a67d0a0ad0b31dbe169868d229103c27aaba0464db89a",
  txB64:
    "CowBCokBChwvY29zbW9zLmJhbmsudjFiZXRhMS5Nc2dTZW5kEmkKK29wZW4xcGtwdHJlN2Zka2w2Z2Zyemxlc2pqdmh4aGxjM3I0Z212YTRtdmQSK29wZW4xcXlxc3pxZ3BxeXFzenFncHF5cXN6cWdwcXlxc3pxZ3A5Y254M3QaDQoFdW9wZW4SBDEyMzQSZQpOCkYKHy9jb3Ntb3MuY3J5cHRvLnNlY3AyNTZrMS5QdWJLZXkSIwohA08EGB7ro1ORuFhjOnZcSgwYlpe0DSFjVNUIkNNQxwKQEgQKAggBEhMKDQoFdW9wZW4SBDUwMDAQwJoMGkCBqtYxxC80sM2O8UoOld8qR4s177bPp+vJYYiXTE9GJHQALpZGJAz/RYpn0KCtCzHb4WmGjSKRA8J6q6BGTbia",
  txhash: "99E0FE425763ABAACDD45879EEB2148487D92F5473064313F5F746D647958A78",
};

async function vectorTx() {
  const key = await keyFromMnemonic(MNEMONIC);
  return { key, tx: buildTx({ key, msgs: [msgSend(key.bech32, V.recipient, [{ denom: "uopen", amount: "1234" }])], chainId: "open-localnet-1", accountNumber: 0n, sequence: 0n, fee: [{ denom: "uopen", amount: "5000" }], gasLimit: 200000n }) };
}

describe("harness/txBuilder (cosmjs-rpc.md §3.8 vector)", () => {
  it("reproduces every intermediate and the tx bytes bit for bit", async () => {
    const { key, tx } = await vectorTx();
    assert.equal(toHex(key.pub), V.pubkey);
    assert.equal(key.bech32, V.address);
    assert.equal(accAddressToString(new Uint8Array(20).fill(1)), V.recipient);
    assert.equal(toHex(tx.bodyBytes), V.body);
    assert.equal(toHex(tx.authInfoBytes), V.authInfo);
    assert.equal(toHex(sha256(tx.signBytes)), V.signHash);
    assert.equal(toHex(tx.signature), V.signature);
    assert.equal(toBase64(tx.raw), V.txB64);
    assert.equal(toHex(sha256(tx.raw)).toUpperCase(), V.txhash);
  });

  it("agrees with @cosmjs/proto-signing's DirectSecp256k1HdWallet", async () => {
    const { tx } = await vectorTx();
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(MNEMONIC, { prefix: "open" });
    const [acc] = await wallet.getAccounts();
    assert.ok(acc);
    const authInfoBytes = makeAuthInfoBytes([{ pubkey: encodePubkey(encodeSecp256k1Pubkey(acc.pubkey)), sequence: 0 }], [{ denom: "uopen", amount: "5000" }], 200000, undefined, undefined);
    assert.equal(toHex(authInfoBytes), V.authInfo);
    const { signature } = await wallet.signDirect(acc.address, makeSignDoc(tx.bodyBytes, authInfoBytes, "open-localnet-1", 0));
    assert.equal(Buffer.from(signature.signature, "base64").toString("hex"), toHex(tx.signature));
  });

  it("the default verifier accepts the vector signature and refuses a flipped bit", () => {
    const pub = fromHex(V.pubkey);
    const h = fromHex(V.signHash);
    assert.equal(nobleSigVerifier.verify(pub, h, fromHex(V.signature)), true);
    const bad = fromHex(V.signature);
    bad[5] = (bad[5] as number) ^ 1;
    assert.equal(nobleSigVerifier.verify(pub, h, bad), false);
  });

  it("the runtime verifies the vector tx with chain id open-localnet-1 (CheckTx and FinalizeBlock)", async () => {
    const { key, tx } = await vectorTx();
    const chain = await createTestChain({ chainId: "open-localnet-1", funded: [{ key, coins: [{ denom: "uopen", amount: "1000000" }] }] });
    const ct = await chain.checkTx(tx.raw);
    assert.equal(ct.code, 0, ct.log);
    assert.equal(ct.sender, V.address);
    const res = await chain.block([tx.raw]);
    assert.equal(res.txResults[0]?.code, 0, res.txResults[0]?.log);
    assert.equal(await chain.balance(V.recipient), 1234n);
    assert.equal(await chain.balance(V.address), 1000000n - 1234n - 5000n);
    assert.ok(chain.app.sigVerifier.hits >= 1, "FinalizeBlock reused CheckTx's verification");
  });
});
