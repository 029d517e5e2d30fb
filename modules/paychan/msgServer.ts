/** openledger.paychan.v1.Msg: OpenChannel, TopUp, Redeem, CloseChannel, Dispute, UpdateParams. */
import type { Bytes } from "../core/abci.ts";
import { accAddressToString } from "../core/address.ts";
import { equal } from "../core/bytes.ts";
import { ErrUnauthorized } from "../core/errors.ts";
import type { MsgHandler } from "../core/module.ts";
import {
  MsgCloseChannel,
  MsgCloseChannelResponse,
  MsgDispute,
  MsgDisputeResponse,
  MsgOpenChannel,
  MsgOpenChannelResponse,
  MsgRedeem,
  MsgRedeemResponse,
  MsgTopUp,
  MsgTopUpResponse,
  MsgUpdateParams,
  MsgUpdateParamsResponse,
} from "../../proto/gen/openledger/paychan/v1/tx.ts";
import type { SignedVoucher } from "../../proto/gen/openledger/paychan/v1/types.ts";
import { ErrInvalidField, ErrInvalidParams } from "./errors.ts";
import type { PaychanKeeper } from "./keeper.ts";
import { validateParams } from "./params.ts";
import { isCanonicalAmount } from "./voucher.ts";
import { msgAddress, msgHandlerFactory } from "../core/protoHandlers.ts";

export const TYPE_PREFIX = "/openledger.paychan.v1.";
const handler = msgHandlerFactory(TYPE_PREFIX);

const addr = msgAddress;



const coinIn = (c: { denom: string; amount: string } | undefined, what: string) => {
  if (c === undefined || !isCanonicalAmount(c.amount)) throw ErrInvalidField.wrap(`${what} must be a coin with an integer amount`);
  return { denom: c.denom, amount: BigInt(c.amount) };
};
const coinOut = (c: { denom: string; amount: bigint }) => ({ denom: c.denom, amount: c.amount.toString() });

function basicVoucher(sv: SignedVoucher | undefined): void {
  const v = sv?.voucher;
  if (sv === undefined || v === undefined) throw ErrInvalidField.wrap("voucher is required");
  if (v.channelId <= 0n) throw ErrInvalidField.wrap("voucher channel_id must be positive");
  if (!isCanonicalAmount(v.amount)) throw ErrInvalidField.wrap("voucher amount must be a canonical integer");
  if (v.receiptRoot.length !== 32) throw ErrInvalidField.wrap("voucher receipt_root must be 32 bytes");
  if (sv.signature.length !== 64) throw ErrInvalidField.wrap("voucher signature must be 64 bytes (r‖s)");
}

export function createPaychanMsgHandlers(k: PaychanKeeper, authority: Bytes): MsgHandler[] {
  const open = handler("MsgOpenChannel", MsgOpenChannel, MsgOpenChannelResponse, {
    signers: (m) => [addr(m.payer, "payer")],
    validateBasic(m) {
      addr(m.payer, "payer");
      addr(m.payee, "payee");
      if (m.payerPubkey.length !== 33) throw ErrInvalidField.wrap("payer_pubkey must be a 33-byte compressed secp256k1 key");
      coinIn(m.deposit, "deposit");
    },
    async handle(ctx, m) {
      const id = k.open(ctx, { payer: addr(m.payer, "payer"), payee: addr(m.payee, "payee"), payerPubkey: m.payerPubkey, deposit: coinIn(m.deposit, "deposit"), settleWindow: m.settleWindow });
      return { channelId: id };
    },
  });
  const topUp = handler("MsgTopUp", MsgTopUp, MsgTopUpResponse, {
    signers: (m) => [addr(m.payer, "payer")],
    validateBasic(m) {
      addr(m.payer, "payer");
      coinIn(m.amount, "amount");
    },
    async handle(ctx, m) {
      k.topUp(ctx, addr(m.payer, "payer"), m.channelId, coinIn(m.amount, "amount"));
      return {};
    },
  });
  const redeem = handler("MsgRedeem", MsgRedeem, MsgRedeemResponse, {
    signers: (m) => [addr(m.payee, "payee")],
    validateBasic(m) {
      addr(m.payee, "payee");
      basicVoucher(m.voucher);
    },
    async handle(ctx, m) {
      return { paid: coinOut(k.redeem(ctx, addr(m.payee, "payee"), m.voucher, "redeem")) };
    },
  });
  const dispute = handler("MsgDispute", MsgDispute, MsgDisputeResponse, {
    signers: (m) => [addr(m.payee, "payee")],
    validateBasic(m) {
      addr(m.payee, "payee");
      basicVoucher(m.voucher);
    },
    async handle(ctx, m) {
      return { paid: coinOut(k.redeem(ctx, addr(m.payee, "payee"), m.voucher, "dispute")) };
    },
  });
  const close = handler("MsgCloseChannel", MsgCloseChannel, MsgCloseChannelResponse, {
    signers: (m) => [addr(m.sender, "sender")],
    validateBasic(m) {
      addr(m.sender, "sender");
      if (m.channelId <= 0n) throw ErrInvalidField.wrap("channel_id must be positive");
      if (m.voucher !== undefined) basicVoucher(m.voucher);
    },
    async handle(ctx, m) {
      return { settleHeight: k.close(ctx, addr(m.sender, "sender"), m.channelId, m.voucher) };
    },
  });
  const updateParams = handler("MsgUpdateParams", MsgUpdateParams, MsgUpdateParamsResponse, {
    signers: (m) => [addr(m.authority, "authority")],
    validateBasic(m) {
      addr(m.authority, "authority");
      if (m.params === undefined) throw ErrInvalidParams.wrap("params must be set");
      validateParams(m.params);
    },
    async handle(ctx, m) {
      if (!equal(addr(m.authority, "authority"), authority)) throw ErrUnauthorized.wrap(`invalid authority; expected ${accAddressToString(authority)}, got ${m.authority}`);
      if (m.params === undefined) throw ErrInvalidParams.wrap("params must be set");
      validateParams(m.params);
      k.setParams(ctx, m.params);
      return {};
    },
  });
  return [open, topUp, redeem, dispute, close, updateParams] as MsgHandler[];
}
