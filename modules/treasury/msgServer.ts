/** openledger.treasury.v1.Msg: SetFeePolicy (model owner or gov), Claim, UpdateParams (gov). */
import type { Bytes } from "../core/abci.ts";
import { accAddressToString } from "../core/address.ts";
import { equal } from "../core/bytes.ts";
import { ErrUnauthorized } from "../core/errors.ts";
import type { MsgHandler } from "../core/module.ts";
import { MsgClaim, MsgClaimResponse, MsgSetFeePolicy, MsgSetFeePolicyResponse, MsgUpdateParams, MsgUpdateParamsResponse } from "../../proto/gen/openledger/treasury/v1/tx.ts";
import { ErrInvalidField, ErrInvalidParams } from "./errors.ts";
import type { TreasuryKeeper } from "./keeper.ts";
import { validateParams, validatePolicy } from "./params.ts";
import { msgAddress, msgHandlerFactory } from "../core/protoHandlers.ts";

export const TYPE_PREFIX = "/openledger.treasury.v1.";
const handler = msgHandlerFactory(TYPE_PREFIX);

export const addr = msgAddress;



export function createTreasuryMsgHandlers(k: TreasuryKeeper, authority: Bytes): MsgHandler[] {
  const setPolicy = handler("MsgSetFeePolicy", MsgSetFeePolicy, MsgSetFeePolicyResponse, {
    signers: (m) => [addr(m.authority, "authority")],
    validateBasic(m) {
      addr(m.authority, "authority");
      if (m.modelId <= 0n) throw ErrInvalidField.wrap("model_id must be positive");
      validatePolicy(m.policy);
    },
    async handle(ctx, m) {
      const who = addr(m.authority, "authority");
      k.setFeePolicy(ctx, who, equal(who, authority), m.modelId, m.policy);
      return {};
    },
  });
  const claim = handler("MsgClaim", MsgClaim, MsgClaimResponse, {
    signers: (m) => [addr(m.claimant, "claimant")],
    validateBasic(m) {
      addr(m.claimant, "claimant");
    },
    async handle(ctx, m) {
      const paid = await k.claim(ctx, addr(m.claimant, "claimant"));
      return { amount: paid.map((c) => ({ denom: c.denom, amount: c.amount.toString() })) };
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
      const p = m.params;
      if (p === undefined) throw ErrInvalidParams.wrap("params must be set");
      validateParams(p);
      k.setParams(ctx, p);
      return {};
    },
  });
  return [setPolicy, claim, updateParams] as MsgHandler[];
}
