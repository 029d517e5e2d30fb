/**
 * Test tx builder/signer: keys (deterministic test keys or BIP39 mnemonics), SIGN_MODE_DIRECT txs built
 * with cosmjs-types and signed with @noble/curves (RFC 6979, low-S), exactly as cosmjs does.
 */
import { Bip39, EnglishMnemonic, Slip10, Slip10Curve, stringToPath } from "@cosmjs/crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { MsgMultiSend, MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import type { Bytes } from "../../modules/core/abci.ts";
import { accAddressToString } from "../../modules/core/address.ts";
import { utf8 } from "../../modules/core/bytes.ts";
import { addressFromSecp256k1, sha256 } from "../../modules/core/hash.ts";
import { signDocBytes } from "../../modules/core/tx.ts";

export interface TestKey {
  priv: Bytes;
  pub: Bytes;
  address: Bytes;
  bech32: string;
}

export function keyFromPriv(priv: Bytes): TestKey {
  const pub = secp256k1.getPublicKey(priv, true);
  const address = addressFromSecp256k1(pub);
  return { priv, pub, address, bech32: accAddressToString(address) };
}

/** a deterministic test key: priv = sha256("openledger-test-key/<n>"). */
export function testKey(n: number): TestKey {
  return keyFromPriv(sha256(utf8(`openledger-test-key/${n}`)));
}

export async function keyFromMnemonic(mnemonic: string, path = "m/44'/118'/0'/0/0"): Promise<TestKey> {
  const seed = await Bip39.mnemonicToSeed(new EnglishMnemonic(mnemonic));
  const { privkey } = Slip10.derivePath(Slip10Curve.Secp256k1, seed, stringToPath(path));
  return keyFromPriv(privkey);
}

/** 64-byte r||s low-S signature of sha256(signBytes). */
export function signDirect(priv: Bytes, signBytes: Bytes): Bytes {
  return secp256k1.sign(sha256(signBytes), priv, { prehash: false, lowS: true, format: "compact" });
}

/** the high-S twin of a low-S signature (s' = n − s): valid ECDSA, refused by the SDK rule. */
export function toHighS(sig: Bytes): Bytes {
  const n = secp256k1.Point.CURVE().n;
  let s = 0n;
  for (let i = 32; i < 64; i++) s = (s << 8n) | BigInt(sig[i] as number);
  let hs = n - s;
  const out = Uint8Array.from(sig);
  for (let i = 63; i >= 32; i--) {
    out[i] = Number(hs & 0xffn);
    hs >>= 8n;
  }
  return out;
}

export interface CoinLike {
  denom: string;
  amount: string | bigint;
}

const protoCoins = (cs: readonly CoinLike[]) => cs.map((c) => ({ denom: c.denom, amount: c.amount.toString() }));

export function msgSend(from: string, to: string, amount: readonly CoinLike[]): Any {
  return { typeUrl: MsgSend.typeUrl, value: MsgSend.encode({ fromAddress: from, toAddress: to, amount: protoCoins(amount) }).finish() };
}

export function msgMultiSend(from: string, outputs: { address: string; coins: readonly CoinLike[] }[]): Any {
  const total = new Map<string, bigint>();
  for (const o of outputs) for (const c of o.coins) total.set(c.denom, (total.get(c.denom) ?? 0n) + BigInt(c.amount));
  const inCoins = [...total.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([denom, amount]) => ({ denom, amount: amount.toString() }));
  return {
    typeUrl: MsgMultiSend.typeUrl,
    value: MsgMultiSend.encode({ inputs: [{ address: from, coins: inCoins }], outputs: outputs.map((o) => ({ address: o.address, coins: protoCoins(o.coins) })) }).finish(),
  };
}

export interface BuildTxOptions {
  key: TestKey;
  msgs: Any[];
  chainId: string;
  accountNumber: bigint;
  sequence: bigint;
  fee?: readonly CoinLike[];
  gasLimit?: bigint;
  memo?: string;
  timeoutHeight?: bigint;
  extensionOptions?: Any[];
  /** default SIGN_MODE_DIRECT. */
  signMode?: SignMode;
  /** include the pubkey in the signer info (default true). */
  includePubKey?: boolean;
  /** transforms the signature before it goes into the TxRaw. */
  mutateSignature?: (sig: Bytes) => Bytes;
}

export interface BuiltTx {
  raw: Bytes;
  bodyBytes: Bytes;
  authInfoBytes: Bytes;
  signBytes: Bytes;
  signature: Bytes;
}

export function buildTx(o: BuildTxOptions): BuiltTx {
  const bodyBytes = TxBody.encode(
    TxBody.fromPartial({ messages: o.msgs, memo: o.memo ?? "", timeoutHeight: o.timeoutHeight ?? 0n, extensionOptions: o.extensionOptions ?? [] }),
  ).finish();
  const authInfoBytes = AuthInfo.encode(
    AuthInfo.fromPartial({
      signerInfos: [
        {
          ...(o.includePubKey === false ? {} : { publicKey: { typeUrl: "/cosmos.crypto.secp256k1.PubKey", value: PubKey.encode({ key: o.key.pub }).finish() } }),
          modeInfo: { single: { mode: o.signMode ?? SignMode.SIGN_MODE_DIRECT } },
          sequence: o.sequence,
        },
      ],
      fee: { amount: protoCoins(o.fee ?? [{ denom: "uopen", amount: "5000" }]), gasLimit: o.gasLimit ?? 200000n, payer: "", granter: "" },
    }),
  ).finish();
  const signBytes = signDocBytes(bodyBytes, authInfoBytes, o.chainId, o.accountNumber);
  const sig = signDirect(o.key.priv, signBytes);
  const signature = o.mutateSignature ? o.mutateSignature(sig) : sig;
  const raw = TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [signature] }).finish();
  return { raw, bodyBytes, authInfoBytes, signBytes, signature };
}

/** the tx cosmjs sends to Simulate: mode UNSPECIFIED, empty fee, one empty signature. */
export function buildSimulateTx(o: { key: TestKey; msgs: Any[]; sequence: bigint; memo?: string }): Bytes {
  const bodyBytes = TxBody.encode(TxBody.fromPartial({ messages: o.msgs, memo: o.memo ?? "" })).finish();
  const authInfoBytes = AuthInfo.encode(
    AuthInfo.fromPartial({
      signerInfos: [{ publicKey: { typeUrl: "/cosmos.crypto.secp256k1.PubKey", value: PubKey.encode({ key: o.key.pub }).finish() }, modeInfo: { single: { mode: SignMode.SIGN_MODE_UNSPECIFIED } }, sequence: o.sequence }],
      fee: {},
    }),
  ).finish();
  return TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [new Uint8Array(0)] }).finish();
}
