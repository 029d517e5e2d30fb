/**
 * Voucher sign bytes (canonical, documented in README.md) and signing/verification helpers. Pure.
 *
 *   sign_bytes = "openledger.paychan.voucher.v1" ‖ 0x00
 *              ‖ u8(len(chain_id)) ‖ chain_id
 *              ‖ u64be(channel_id) ‖ u64be(nonce)
 *              ‖ u8(len(amount)) ‖ amount (decimal ASCII, no leading zeros)
 *              ‖ receipt_root (32 bytes)
 *   signature  = secp256k1 ECDSA over sha256(sign_bytes), 64-byte r‖s, low-S (as Cosmos txs)
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import type { Bytes } from "../core/abci.ts";
import { concat, u64be, utf8 } from "../core/bytes.ts";
import { nobleSigVerifier } from "../core/crypto.ts";
import { sha256 } from "../core/hash.ts";
import type { Voucher } from "../../proto/gen/openledger/paychan/v1/types.ts";

export const VOUCHER_DOMAIN = "openledger.paychan.voucher.v1";
const AMOUNT_RE = /^(0|[1-9][0-9]{0,77})$/;

export function isCanonicalAmount(s: string): boolean {
  return AMOUNT_RE.test(s);
}

export function voucherSignBytes(chainId: string, v: Voucher): Bytes {
  const chain = utf8(chainId);
  const amount = utf8(v.amount);
  if (chain.length > 255) throw new RangeError("chain id longer than 255 bytes");
  if (!isCanonicalAmount(v.amount)) throw new RangeError(`amount ${JSON.stringify(v.amount)} is not a canonical decimal integer`);
  if (v.receiptRoot.length !== 32) throw new RangeError("receipt_root must be 32 bytes");
  return concat(utf8(VOUCHER_DOMAIN), Uint8Array.of(0, chain.length), chain, u64be(v.channelId), u64be(v.nonce), Uint8Array.of(amount.length), amount, v.receiptRoot);
}

export function voucherDigest(chainId: string, v: Voucher): Bytes {
  return sha256(voucherSignBytes(chainId, v));
}

/** signs offline (CLI `tx paychan voucher sign`, tests): 64-byte low-S r‖s. */
export function signVoucher(chainId: string, v: Voucher, privKey32: Bytes): Bytes {
  return secp256k1.sign(voucherDigest(chainId, v), privKey32, { prehash: false, lowS: true, format: "compact" });
}

export function verifyVoucher(chainId: string, v: Voucher, sig: Bytes, pubkey33: Bytes): boolean {
  let digest: Bytes;
  try {
    digest = voucherDigest(chainId, v);
  } catch {
    return false;
  }
  return nobleSigVerifier.verify(pubkey33, digest, sig);
}
