/** cosmos.auth.v1beta1.Msg: UpdateParams (gov authority only). */
import { MsgUpdateParams, MsgUpdateParamsResponse } from "cosmjs-types/cosmos/auth/v1beta1/tx";
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString, accAddressToString } from "../core/address.ts";
import { equal } from "../core/bytes.ts";
import { ErrInvalidRequest, ErrUnauthorized } from "../core/errors.ts";
import type { MsgHandler } from "../core/module.ts";
import type { AuthKeeper } from "./keeper.ts";
import { type AuthParams, validateParams } from "./params.ts";

export function createAuthMsgHandlers(k: AuthKeeper, authority: Bytes): MsgHandler[] {
  const updateParams: MsgHandler<MsgUpdateParams, MsgUpdateParamsResponse> = {
    typeUrl: MsgUpdateParams.typeUrl,
    responseTypeUrl: MsgUpdateParamsResponse.typeUrl,
    decode: (b) => MsgUpdateParams.decode(b),
    encodeResponse: (r) => MsgUpdateParamsResponse.encode(r).finish(),
    signers: (m) => [accAddressFromString(m.authority)],
    validateBasic(m) {
      accAddressFromString(m.authority);
      if (m.params === undefined) throw ErrInvalidRequest.wrap("params must be set");
      validateParams({ ...m.params } as AuthParams);
    },
    async handle(ctx, m) {
      if (!equal(accAddressFromString(m.authority), authority)) {
        throw ErrUnauthorized.wrap(`invalid authority; expected ${accAddressToString(authority)}, got ${m.authority}`);
      }
      k.setParams(ctx, { ...(m.params as AuthParams) });
      return {};
    },
  };
  return [updateParams as MsgHandler];
}
