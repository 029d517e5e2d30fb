/** cosmos.bank.v1beta1.Msg: Send, MultiSend, UpdateParams, SetSendEnabled (the last two: gov authority only). */
import { MsgMultiSend, MsgMultiSendResponse, MsgSend, MsgSendResponse, MsgSetSendEnabled, MsgSetSendEnabledResponse, MsgUpdateParams, MsgUpdateParamsResponse } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString, accAddressToString } from "../core/address.ts";
import { equal } from "../core/bytes.ts";
import { type Coin, addCoins, coinsEqual, coinsFromProto, formatCoins, validateDenom } from "../core/coins.ts";
import { AppError, ErrInvalidAddress, ErrInvalidCoins, ErrInvalidRequest, ErrUnauthorized } from "../core/errors.ts";
import type { MsgHandler } from "../core/module.ts";
import { fastDecodeMsgSend } from "../core/protoFast.ts";
import { ErrDuplicateEntry, ErrInputOutputMismatch, ErrMultipleSenders, ErrNoInputs, ErrNoOutputs } from "./errors.ts";
import type { BankKeeper } from "./keeper.ts";

function addr(s: string, what: string): Bytes {
  try {
    return accAddressFromString(s);
  } catch (e: unknown) {
    throw ErrInvalidAddress.wrap(`invalid ${what} address: ${e instanceof AppError ? e.detail : String(e)}`);
  }
}

function positiveCoins(cs: readonly { denom: string; amount: string }[]): Coin[] {
  const coins = coinsFromProto(cs);
  if (coins.length === 0) throw ErrInvalidCoins.wrap("send amount must be positive");
  return coins;
}

export function createBankMsgHandlers(k: BankKeeper, authority: Bytes): MsgHandler[] {
  const send: MsgHandler<MsgSend, MsgSendResponse> = {
    typeUrl: MsgSend.typeUrl,
    responseTypeUrl: MsgSendResponse.typeUrl,
    // hand-written for the usual shape (the same object); anything else through cosmjs-types
    decode: (b) => fastDecodeMsgSend(b) ?? MsgSend.decode(b),
    // MsgSendResponse has no fields: its encoding is always empty
    encodeResponse: () => new Uint8Array(0),
    signers: (m) => [addr(m.fromAddress, "from")],
    validateBasic(m) {
      addr(m.fromAddress, "from");
      addr(m.toAddress, "to");
      positiveCoins(m.amount);
    },
    async handle(ctx, m) {
      const coins = positiveCoins(m.amount);
      const from = addr(m.fromAddress, "from");
      const to = addr(m.toAddress, "to");
      k.assertSendEnabled(ctx, coins);
      if (k.isBlockedAddr(to)) throw ErrUnauthorized.wrap(`${m.toAddress} is not allowed to receive funds`);
      k.sendCoins(ctx, from, to, coins);
      return {};
    },
  };

  const multiSend: MsgHandler<MsgMultiSend, MsgMultiSendResponse> = {
    typeUrl: MsgMultiSend.typeUrl,
    responseTypeUrl: MsgMultiSendResponse.typeUrl,
    decode: (b) => MsgMultiSend.decode(b),
    encodeResponse: (r) => MsgMultiSendResponse.encode(r).finish(),
    signers: (m) => m.inputs.map((i) => addr(i.address, "input")),
    validateBasic(m) {
      if (m.inputs.length === 0) throw ErrNoInputs.wrap();
      if (m.inputs.length !== 1) throw ErrMultipleSenders.wrap();
      if (m.outputs.length === 0) throw ErrNoOutputs.wrap();
      let inSum: Coin[] = [];
      for (const i of m.inputs) {
        addr(i.address, "input");
        inSum = addCoins(inSum, positiveCoins(i.coins));
      }
      let outSum: Coin[] = [];
      for (const o of m.outputs) {
        addr(o.address, "output");
        outSum = addCoins(outSum, positiveCoins(o.coins));
      }
      if (!coinsEqual(inSum, outSum)) throw ErrInputOutputMismatch.wrap(`${formatCoins(inSum)} != ${formatCoins(outSum)}`);
    },
    async handle(ctx, m) {
      const input = m.inputs[0];
      if (input === undefined || m.inputs.length !== 1) throw ErrMultipleSenders.wrap();
      const from = addr(input.address, "input");
      const inCoins = positiveCoins(input.coins);
      k.assertSendEnabled(ctx, inCoins);
      const outs = m.outputs.map((o) => {
        const to = addr(o.address, "output");
        if (k.isBlockedAddr(to)) throw ErrUnauthorized.wrap(`${o.address} is not allowed to receive funds`);
        return { to, coins: positiveCoins(o.coins) };
      });
      k.inputOutputCoins(ctx, from, inCoins, outs);
      return {};
    },
  };

  const checkAuthority = (a: string) => {
    if (!equal(addr(a, "authority"), authority)) throw ErrUnauthorized.wrap(`invalid authority; expected ${accAddressToString(authority)}, got ${a}`);
  };

  const updateParams: MsgHandler<MsgUpdateParams, MsgUpdateParamsResponse> = {
    typeUrl: MsgUpdateParams.typeUrl,
    responseTypeUrl: MsgUpdateParamsResponse.typeUrl,
    decode: (b) => MsgUpdateParams.decode(b),
    encodeResponse: (r) => MsgUpdateParamsResponse.encode(r).finish(),
    signers: (m) => [addr(m.authority, "authority")],
    validateBasic(m) {
      addr(m.authority, "authority");
      if (m.params === undefined) throw ErrInvalidRequest.wrap("params must be set");
      if (m.params.sendEnabled.length > 0) throw ErrInvalidRequest.wrap("use of send_enabled in params is no longer supported");
    },
    async handle(ctx, m) {
      checkAuthority(m.authority);
      k.setParams(ctx, { defaultSendEnabled: m.params?.defaultSendEnabled ?? false });
      return {};
    },
  };

  const setSendEnabled: MsgHandler<MsgSetSendEnabled, MsgSetSendEnabledResponse> = {
    typeUrl: MsgSetSendEnabled.typeUrl,
    responseTypeUrl: MsgSetSendEnabledResponse.typeUrl,
    decode: (b) => MsgSetSendEnabled.decode(b),
    encodeResponse: (r) => MsgSetSendEnabledResponse.encode(r).finish(),
    signers: (m) => [addr(m.authority, "authority")],
    validateBasic(m) {
      addr(m.authority, "authority");
      const seen = new Set<string>();
      for (const e of m.sendEnabled) {
        validateDenom(e.denom);
        if (seen.has(e.denom)) throw ErrDuplicateEntry.wrap(`duplicate denom entries found for ${JSON.stringify(e.denom)}`);
        seen.add(e.denom);
      }
      for (const d of m.useDefaultFor) {
        validateDenom(d);
        if (seen.has(d)) throw ErrInvalidRequest.wrap(`denom ${JSON.stringify(d)} is both in send_enabled and use_default_for`);
      }
    },
    async handle(ctx, m) {
      checkAuthority(m.authority);
      for (const e of m.sendEnabled) k.setSendEnabled(ctx, e.denom, e.enabled);
      for (const d of m.useDefaultFor) k.deleteSendEnabled(ctx, d);
      return {};
    },
  };

  return [send, multiSend, updateParams, setSendEnabled] as MsgHandler[];
}
