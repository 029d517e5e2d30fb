/**
 * paychan keeper: unidirectional payment channels for streams of inferences. The payer deposits into
 * the "paychan" module account and signs cumulative vouchers off-chain; the payee redeems the part of
 * a voucher above what it already redeemed (nonce strictly increasing); a close starts a settle window
 * in which the payee may still redeem or dispute with a higher-nonce voucher; at the end of the window
 * the rest of the deposit goes back to the payer and every later voucher is refused.
 */
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString, accAddressToString, moduleAddress } from "../core/address.ts";
import { equal, readU64be, toHex, u64be } from "../core/bytes.ts";
import { type Coin, addCoins, isValidDenom } from "../core/coins.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import { addressFromSecp256k1 } from "../core/hash.ts";
import { Channel, ChannelStatus, Params, type SignedVoucher } from "../../proto/gen/openledger/paychan/v1/types.ts";
import {
  ErrAmountDecreased,
  ErrChannelClosing,
  ErrChannelNotClosing,
  ErrChannelNotFound,
  ErrChannelSettled,
  ErrExceedsDeposit,
  ErrInvalidField,
  ErrInvalidSignature,
  ErrNotPayee,
  ErrNotPayer,
  ErrPubkeyMismatch,
  ErrStaleVoucher,
  ErrVoucherReplayed,
} from "./errors.ts";
import type { PaychanBankKeeper } from "./expectedKeepers.ts";
import { ESCROW_ACCOUNT, MODULE_NAME, PARAMS_KEY, PREFIX, SEQUENCE_KEY, byAddressKey, channelKey, settleQueueKey } from "./keys.ts";
import { defaultParams } from "./params.ts";
import { isCanonicalAmount, verifyVoucher } from "./voucher.ts";

export interface OpenInput {
  payer: Bytes;
  payee: Bytes;
  payerPubkey: Bytes;
  deposit: Coin;
  settleWindow: bigint;
}

export interface PaychanKeeper {
  getParams(ctx: ReadContext): Params;
  setParams(ctx: WriteContext, p: Params): void;
  getChannel(ctx: ReadContext, id: bigint): Channel | undefined;
  /** writes a channel and its address indexes (and its settle-queue entry when closing). */
  setChannel(ctx: WriteContext, c: Channel): void;
  nextId(ctx: ReadContext): bigint;
  setNextId(ctx: WriteContext, id: bigint): void;
  open(ctx: WriteContext, o: OpenInput): bigint;
  topUp(ctx: WriteContext, payer: Bytes, id: bigint, amount: Coin): Channel;
  /** redeems a voucher (OPEN or CLOSING); returns what was paid to the payee. */
  redeem(ctx: WriteContext, payee: Bytes, sv: SignedVoucher | undefined, mode: "redeem" | "dispute"): Coin;
  close(ctx: WriteContext, sender: Bytes, id: bigint, sv: SignedVoucher | undefined): bigint;
  /** settles every channel whose window ends at this height (EndBlock). */
  settleDue(ctx: WriteContext): Promise<void>;
  /** Σ deposit − redeemed of unsettled channels, per denom. */
  escrowLiabilities(ctx: ReadContext): Promise<Coin[]>;
  escrowAddress(): Bytes;
}

const coinOf = (c: { denom: string; amount: string } | undefined): Coin => ({ denom: c?.denom ?? "", amount: BigInt(c?.amount ?? "0") });
const pc = (c: Coin) => ({ denom: c.denom, amount: c.amount.toString() });

export function createPaychanKeeper(deps: { bank: PaychanBankKeeper }): PaychanKeeper {
  const rs = (ctx: ReadContext) => ctx.store(MODULE_NAME);
  const ws = (ctx: WriteContext) => ctx.store(MODULE_NAME);
  const escrowAddr = moduleAddress(ESCROW_ACCOUNT);

  const must = (ctx: ReadContext, id: bigint): Channel => {
    const c = k.getChannel(ctx, id);
    if (c === undefined) throw ErrChannelNotFound.wrap(`channel ${id}`);
    return c;
  };
  const notSettled = (c: Channel) => {
    if (c.status === ChannelStatus.CHANNEL_STATUS_SETTLED) throw ErrChannelSettled.wrap(`channel ${c.id} settled at height ${c.settleHeight}`);
  };
  const emit = (ctx: WriteContext, name: string, attrs: Record<string, string>) => ctx.events.emit(`openledger.paychan.v1.${name}`, Object.entries(attrs).map(([a, v]) => [a, JSON.stringify(v)] as [string, string]));

  /** every check of a voucher against a channel; throws without writing anything. */
  const checkVoucher = (ctx: ReadContext & { block: { chainId: string } }, c: Channel, sv: SignedVoucher): bigint => {
    const v = sv.voucher;
    if (v === undefined) throw ErrInvalidField.wrap("voucher is required");
    if (!isCanonicalAmount(v.amount)) throw ErrInvalidField.wrap(`voucher amount ${JSON.stringify(v.amount.slice(0, 80))} is not a canonical integer`);
    if (v.receiptRoot.length !== 32) throw ErrInvalidField.wrap("receipt_root must be 32 bytes");
    if (sv.signature.length !== 64 || !verifyVoucher(ctx.block.chainId, v, sv.signature, c.payerPubkey)) throw ErrInvalidSignature.wrap(`voucher ${v.channelId}/${v.nonce} is not signed by ${c.payer}`);
    if (v.nonce === c.nonce) throw ErrVoucherReplayed.wrap(`nonce ${v.nonce} already redeemed on channel ${c.id}`);
    if (v.nonce < c.nonce) throw ErrStaleVoucher.wrap(`nonce ${v.nonce} < channel nonce ${c.nonce}`);
    const amount = BigInt(v.amount);
    const redeemed = BigInt(c.redeemed);
    if (amount < redeemed) throw ErrAmountDecreased.wrap(`cumulative ${amount} < redeemed ${redeemed}`);
    const deposit = coinOf(c.deposit).amount;
    if (amount > deposit) throw ErrExceedsDeposit.wrap(`cumulative ${amount} > deposit ${deposit}`);
    return amount;
  };

  const k: PaychanKeeper = {
    getParams(ctx) {
      const b = rs(ctx).get(PARAMS_KEY);
      return b === undefined ? defaultParams() : Params.decode(b);
    },
    setParams(ctx, p) {
      ws(ctx).set(PARAMS_KEY, Params.encode(p).finish());
    },
    getChannel(ctx, id) {
      const b = rs(ctx).get(channelKey(id));
      return b === undefined ? undefined : Channel.decode(b);
    },
    setChannel(ctx, c) {
      const st = ws(ctx);
      st.set(channelKey(c.id), Channel.encode(c).finish());
      st.set(byAddressKey(accAddressFromString(c.payer), c.id), new Uint8Array(0));
      st.set(byAddressKey(accAddressFromString(c.payee), c.id), new Uint8Array(0));
      if (c.status === ChannelStatus.CHANNEL_STATUS_CLOSING) st.set(settleQueueKey(BigInt(c.settleHeight), c.id), new Uint8Array(0));
    },
    nextId(ctx) {
      const b = rs(ctx).get(SEQUENCE_KEY);
      return b === undefined ? 1n : readU64be(b);
    },
    setNextId(ctx, id) {
      ws(ctx).set(SEQUENCE_KEY, u64be(id));
    },

    open(ctx, o) {
      const params = k.getParams(ctx);
      if (!equal(addressFromSecp256k1(o.payerPubkey), o.payer)) throw ErrPubkeyMismatch.wrap(`the key does not hash to ${accAddressToString(o.payer)}`);
      if (equal(o.payer, o.payee)) throw ErrInvalidField.wrap("payer and payee must differ");
      if (!isValidDenom(o.deposit.denom) || o.deposit.amount <= 0n) throw ErrInvalidField.wrap("deposit must be a positive coin");
      if (o.settleWindow < params.minSettleWindow || o.settleWindow > params.maxSettleWindow) throw ErrInvalidField.wrap(`settle_window ${o.settleWindow} not in [${params.minSettleWindow}, ${params.maxSettleWindow}]`);
      const id = k.nextId(ctx);
      k.setNextId(ctx, id + 1n);
      deps.bank.sendCoinsFromAccountToModule(ctx, o.payer, ESCROW_ACCOUNT, [o.deposit]);
      const c: Channel = {
        id,
        payer: accAddressToString(o.payer),
        payee: accAddressToString(o.payee),
        payerPubkey: Uint8Array.from(o.payerPubkey),
        deposit: pc(o.deposit),
        redeemed: "0",
        nonce: 0n,
        receiptRoot: new Uint8Array(0),
        status: ChannelStatus.CHANNEL_STATUS_OPEN,
        settleWindow: o.settleWindow,
        settleHeight: 0n,
        openedHeight: ctx.block.height,
        refunded: "0",
      };
      k.setChannel(ctx, c);
      emit(ctx, "EventChannelOpened", { channel_id: id.toString(), payer: c.payer, payee: c.payee, deposit: `${o.deposit.amount}${o.deposit.denom}` });
      return id;
    },

    topUp(ctx, payer, id, amount) {
      const c = must(ctx, id);
      notSettled(c);
      if (c.payer !== accAddressToString(payer)) throw ErrNotPayer.wrap(`${accAddressToString(payer)} is not the payer of channel ${id}`);
      if (c.status === ChannelStatus.CHANNEL_STATUS_CLOSING) throw ErrChannelClosing.wrap(`channel ${id} settles at ${c.settleHeight}`);
      const dep = coinOf(c.deposit);
      if (amount.denom !== dep.denom || amount.amount <= 0n) throw ErrInvalidField.wrap(`top-up must be a positive amount of ${dep.denom}`);
      deps.bank.sendCoinsFromAccountToModule(ctx, payer, ESCROW_ACCOUNT, [amount]);
      const next = { ...c, deposit: pc({ denom: dep.denom, amount: dep.amount + amount.amount }) };
      k.setChannel(ctx, next);
      emit(ctx, "EventChannelToppedUp", { channel_id: id.toString(), amount: `${amount.amount}${amount.denom}` });
      return next;
    },

    redeem(ctx, payee, sv, mode) {
      if (sv?.voucher === undefined) throw ErrInvalidField.wrap("voucher is required");
      const c = must(ctx, sv.voucher.channelId);
      notSettled(c);
      if (c.payee !== accAddressToString(payee)) throw ErrNotPayee.wrap(`${accAddressToString(payee)} is not the payee of channel ${c.id}`);
      if (mode === "dispute" && c.status !== ChannelStatus.CHANNEL_STATUS_CLOSING) throw ErrChannelNotClosing.wrap(`channel ${c.id} is open: redeem instead`);
      const amount = checkVoucher(ctx, c, sv);
      const delta = amount - BigInt(c.redeemed);
      const denom = coinOf(c.deposit).denom;
      if (delta > 0n) deps.bank.sendCoinsFromModuleToAccount(ctx, ESCROW_ACCOUNT, payee, [{ denom, amount: delta }]);
      const v = sv.voucher;
      k.setChannel(ctx, { ...c, redeemed: amount.toString(), nonce: v.nonce, receiptRoot: Uint8Array.from(v.receiptRoot) });
      emit(ctx, mode === "dispute" ? "EventVoucherDisputed" : "EventVoucherRedeemed", { channel_id: c.id.toString(), nonce: v.nonce.toString(), cumulative: v.amount, paid: `${delta}${denom}`, receipt_root: toHex(v.receiptRoot) });
      return { denom, amount: delta };
    },

    close(ctx, sender, id, sv) {
      const c = must(ctx, id);
      notSettled(c);
      const who = accAddressToString(sender);
      if (who !== c.payer && who !== c.payee) throw ErrNotPayer.wrap(`${who} is neither payer nor payee of channel ${id}`);
      if (c.status === ChannelStatus.CHANNEL_STATUS_CLOSING) throw ErrChannelClosing.wrap(`channel ${id} already settles at ${c.settleHeight}`);
      if (sv !== undefined) {
        if (who !== c.payee) throw ErrNotPayee.wrap("only the payee may attach a voucher");
        if (sv.voucher?.channelId !== id) throw ErrInvalidField.wrap("the voucher is for another channel");
        k.redeem(ctx, sender, sv, "redeem");
      }
      const cur = must(ctx, id);
      const settleHeight = ctx.block.height + cur.settleWindow;
      k.setChannel(ctx, { ...cur, status: ChannelStatus.CHANNEL_STATUS_CLOSING, settleHeight });
      emit(ctx, "EventChannelClosing", { channel_id: id.toString(), sender: who, settle_height: settleHeight.toString() });
      return settleHeight;
    },

    async settleDue(ctx) {
      const h = ctx.block.height;
      const due: bigint[] = [];
      for await (const [key] of rs(ctx).iterate({ prefix: Uint8Array.of(PREFIX.settleQueue), lt: settleQueueKey(h + 1n, 0n) })) due.push(readU64be(key, 9));
      for (const id of due) {
        const c = must(ctx, id);
        ws(ctx).delete(settleQueueKey(BigInt(c.settleHeight), id));
        if (c.status !== ChannelStatus.CHANNEL_STATUS_CLOSING) continue;
        const dep = coinOf(c.deposit);
        const refund = dep.amount - BigInt(c.redeemed);
        if (refund > 0n) deps.bank.sendCoinsFromModuleToAccount(ctx, ESCROW_ACCOUNT, accAddressFromString(c.payer), [{ denom: dep.denom, amount: refund }]);
        k.setChannel(ctx, { ...c, status: ChannelStatus.CHANNEL_STATUS_SETTLED, refunded: refund.toString(), settleHeight: h });
        emit(ctx, "EventChannelSettled", { channel_id: id.toString(), redeemed: c.redeemed, refunded: `${refund}${dep.denom}` });
      }
    },

    async escrowLiabilities(ctx) {
      let owed: Coin[] = [];
      for await (const [, v] of rs(ctx).iterate({ prefix: Uint8Array.of(PREFIX.channel) })) {
        const c = Channel.decode(v);
        if (c.status === ChannelStatus.CHANNEL_STATUS_SETTLED) continue;
        const d = coinOf(c.deposit);
        const left = d.amount - BigInt(c.redeemed);
        if (left > 0n) owed = addCoins(owed, [{ denom: d.denom, amount: left }]);
      }
      return owed;
    },
    escrowAddress: () => escrowAddr.slice(),
  };
  return Object.freeze(k);
}
