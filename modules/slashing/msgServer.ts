/** cosmos.slashing.v1beta1.Msg: Unjail, UpdateParams (gov authority). */
import { MsgUnjail, MsgUnjailResponse, MsgUpdateParams, MsgUpdateParamsResponse } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString, accAddressToString, valAddressFromString } from "../core/address.ts";
import { equal, fromUtf8 } from "../core/bytes.ts";
import { AppError, ErrInvalidAddress, ErrUnauthorized } from "../core/errors.ts";
import type { MsgHandler } from "../core/module.ts";
import { ErrMissingSelfDelegation, ErrNoValidatorForAddress, ErrSelfDelegationTooLowToUnjail, ErrValidatorJailed, ErrValidatorNotJailed } from "./errors.ts";
import type { SlashingStakingKeeper } from "./expectedKeepers.ts";
import type { SlashingKeeper } from "./keeper.ts";
import { validateParams } from "./params.ts";
import { sha256 } from "../core/hash.ts";

function valAddr(s: string): Bytes {
  try {
    return valAddressFromString(s);
  } catch (e: unknown) {
    throw ErrInvalidAddress.wrap(`validator input address: ${e instanceof AppError ? e.detail : String(e)}`);
  }
}

export function createSlashingMsgHandlers(k: SlashingKeeper, sk: SlashingStakingKeeper, authority: Bytes): MsgHandler[] {
  const unjail: MsgHandler<MsgUnjail, MsgUnjailResponse> = {
    typeUrl: MsgUnjail.typeUrl,
    responseTypeUrl: MsgUnjailResponse.typeUrl,
    decode: (b) => MsgUnjail.decode(b),
    encodeResponse: (r) => MsgUnjailResponse.encode(r).finish(),
    signers: (m) => [valAddr(m.validatorAddr)],
    validateBasic: (m) => void valAddr(m.validatorAddr),
    async handle(ctx, m) {
      const op = valAddr(m.validatorAddr);
      const v = sk.getValidator(ctx, op);
      if (v === undefined) throw ErrNoValidatorForAddress.wrap();
      const self = sk.getDelegation(ctx, op, op);
      if (self === undefined) throw ErrMissingSelfDelegation.wrap();
      const tokens = v.delegatorShares === 0n ? 0n : (self.shares * v.tokens) / v.delegatorShares;
      if (tokens < v.minSelfDelegation) throw ErrSelfDelegationTooLowToUnjail.wrap(`${tokens} less than ${v.minSelfDelegation}`);
      if (!v.jailed) throw ErrValidatorNotJailed.wrap();
      const cons = sha256(v.consPubKey).slice(0, 20);
      const info = k.getSigningInfo(ctx, cons);
      if (info !== undefined) {
        if (info.tombstoned) throw ErrValidatorJailed.wrap("cannot unjail a tombstoned validator");
        const t = ctx.block.time;
        const u = info.jailedUntil;
        if (t.seconds < u.seconds || (t.seconds === u.seconds && t.nanos < u.nanos)) throw ErrValidatorJailed.wrap();
      }
      sk.unjail(ctx, cons);
      ctx.events.emit("unjail", { sender: m.validatorAddr });
      return {};
    },
  };
  const updateParams: MsgHandler<MsgUpdateParams, MsgUpdateParamsResponse> = {
    typeUrl: MsgUpdateParams.typeUrl,
    responseTypeUrl: MsgUpdateParamsResponse.typeUrl,
    decode: (b) => MsgUpdateParams.decode(b),
    encodeResponse: (r) => MsgUpdateParamsResponse.encode(r).finish(),
    signers: (m) => [accAddressFromString(m.authority)],
    async handle(ctx, m) {
      if (!equal(accAddressFromString(m.authority), authority)) throw ErrUnauthorized.wrap(`invalid authority; expected ${accAddressToString(authority)}, got ${m.authority}`);
      const d = (b: Uint8Array) => (b.length === 0 ? 0n : BigInt(fromUtf8(b)));
      const p = { signedBlocksWindow: m.params.signedBlocksWindow, minSignedPerWindow: d(m.params.minSignedPerWindow), downtimeJailDuration: m.params.downtimeJailDuration, slashFractionDoubleSign: d(m.params.slashFractionDoubleSign), slashFractionDowntime: d(m.params.slashFractionDowntime) };
      validateParams(p);
      k.setParams(ctx, p);
      return {};
    },
  };
  return [unjail, updateParams] as MsgHandler[];
}
