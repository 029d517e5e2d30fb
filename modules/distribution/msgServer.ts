/** cosmos.distribution.v1beta1.Msg: SetWithdrawAddress, WithdrawDelegatorReward, WithdrawValidatorCommission, FundCommunityPool, UpdateParams, CommunityPoolSpend. */
import {
  MsgCommunityPoolSpend,
  MsgCommunityPoolSpendResponse,
  MsgFundCommunityPool,
  MsgFundCommunityPoolResponse,
  MsgSetWithdrawAddress,
  MsgSetWithdrawAddressResponse,
  MsgUpdateParams,
  MsgUpdateParamsResponse,
  MsgWithdrawDelegatorReward,
  MsgWithdrawDelegatorRewardResponse,
  MsgWithdrawValidatorCommission,
  MsgWithdrawValidatorCommissionResponse,
} from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString, accAddressToString, valAddressFromString } from "../core/address.ts";
import { equal } from "../core/bytes.ts";
import { coinsFromProto, coinsToProto, formatCoins } from "../core/coins.ts";
import { DEC_ONE } from "../core/dec.ts";
import { AppError, ErrInvalidAddress, ErrInvalidCoins, ErrInvalidRequest, ErrUnauthorized } from "../core/errors.ts";
import type { MsgHandler } from "../core/module.ts";
import { ErrNoValidatorExists } from "./errors.ts";
import type { DistrStakingKeeper } from "./expectedKeepers.ts";
import type { DistributionKeeper } from "./keeper.ts";

function acc(s: string, what: string): Bytes {
  try {
    return accAddressFromString(s);
  } catch (e: unknown) {
    throw ErrInvalidAddress.wrap(`invalid ${what} address: ${e instanceof AppError ? e.detail : String(e)}`);
  }
}
function val(s: string): Bytes {
  try {
    return valAddressFromString(s);
  } catch (e: unknown) {
    throw ErrInvalidAddress.wrap(`invalid validator address: ${e instanceof AppError ? e.detail : String(e)}`);
  }
}

export function createDistributionMsgHandlers(k: DistributionKeeper, sk: DistrStakingKeeper, authority: Bytes): MsgHandler[] {
  const checkAuthority = (a: string) => {
    if (!equal(acc(a, "authority"), authority)) throw ErrUnauthorized.wrap(`invalid authority; expected ${accAddressToString(authority)}, got ${a}`);
  };
  const setWithdraw: MsgHandler<MsgSetWithdrawAddress, MsgSetWithdrawAddressResponse> = {
    typeUrl: MsgSetWithdrawAddress.typeUrl,
    responseTypeUrl: MsgSetWithdrawAddressResponse.typeUrl,
    decode: (b) => MsgSetWithdrawAddress.decode(b),
    encodeResponse: (r) => MsgSetWithdrawAddressResponse.encode(r).finish(),
    signers: (m) => [acc(m.delegatorAddress, "delegator")],
    validateBasic(m) {
      acc(m.delegatorAddress, "delegator");
      acc(m.withdrawAddress, "withdraw");
    },
    async handle(ctx, m) {
      k.setWithdrawAddr(ctx, acc(m.delegatorAddress, "delegator"), acc(m.withdrawAddress, "withdraw"));
      return {};
    },
  };
  const withdrawReward: MsgHandler<MsgWithdrawDelegatorReward, MsgWithdrawDelegatorRewardResponse> = {
    typeUrl: MsgWithdrawDelegatorReward.typeUrl,
    responseTypeUrl: MsgWithdrawDelegatorRewardResponse.typeUrl,
    decode: (b) => MsgWithdrawDelegatorReward.decode(b),
    encodeResponse: (r) => MsgWithdrawDelegatorRewardResponse.encode(r).finish(),
    signers: (m) => [acc(m.delegatorAddress, "delegator")],
    validateBasic(m) {
      acc(m.delegatorAddress, "delegator");
      val(m.validatorAddress);
    },
    async handle(ctx, m) {
      const coins = await k.withdrawDelegationRewards(ctx, val(m.validatorAddress), acc(m.delegatorAddress, "delegator"));
      // the delegation's starting info is re-created for the next period (SDK: AfterDelegationModified)
      k.initializeDelegation(ctx, val(m.validatorAddress), acc(m.delegatorAddress, "delegator"));
      return { amount: coinsToProto(coins) };
    },
  };
  const withdrawCommission: MsgHandler<MsgWithdrawValidatorCommission, MsgWithdrawValidatorCommissionResponse> = {
    typeUrl: MsgWithdrawValidatorCommission.typeUrl,
    responseTypeUrl: MsgWithdrawValidatorCommissionResponse.typeUrl,
    decode: (b) => MsgWithdrawValidatorCommission.decode(b),
    encodeResponse: (r) => MsgWithdrawValidatorCommissionResponse.encode(r).finish(),
    signers: (m) => [val(m.validatorAddress)],
    validateBasic: (m) => void val(m.validatorAddress),
    async handle(ctx, m) {
      const v = val(m.validatorAddress);
      if (sk.getValidator(ctx, v) === undefined) throw ErrNoValidatorExists.wrap();
      return { amount: coinsToProto(k.withdrawValidatorCommission(ctx, v)) };
    },
  };
  const fund: MsgHandler<MsgFundCommunityPool, MsgFundCommunityPoolResponse> = {
    typeUrl: MsgFundCommunityPool.typeUrl,
    responseTypeUrl: MsgFundCommunityPoolResponse.typeUrl,
    decode: (b) => MsgFundCommunityPool.decode(b),
    encodeResponse: (r) => MsgFundCommunityPoolResponse.encode(r).finish(),
    signers: (m) => [acc(m.depositor, "depositor")],
    validateBasic(m) {
      acc(m.depositor, "depositor");
      if (coinsFromProto(m.amount).length === 0) throw ErrInvalidCoins.wrap("amount must be positive");
    },
    async handle(ctx, m) {
      const coins = coinsFromProto(m.amount);
      k.fundCommunityPool(ctx, acc(m.depositor, "depositor"), coins);
      ctx.events.emit("fund_community_pool", { depositor: m.depositor, amount: formatCoins(coins) });
      return {};
    },
  };
  const updateParams: MsgHandler<MsgUpdateParams, MsgUpdateParamsResponse> = {
    typeUrl: MsgUpdateParams.typeUrl,
    responseTypeUrl: MsgUpdateParamsResponse.typeUrl,
    decode: (b) => MsgUpdateParams.decode(b),
    encodeResponse: (r) => MsgUpdateParamsResponse.encode(r).finish(),
    signers: (m) => [acc(m.authority, "authority")],
    async handle(ctx, m) {
      checkAuthority(m.authority);
      const tax = BigInt(m.params.communityTax || "0");
      if (tax < 0n || tax > DEC_ONE) throw ErrInvalidRequest.wrap("community tax must be in [0, 1]");
      k.setParams(ctx, { communityTax: tax, baseProposerReward: 0n, bonusProposerReward: 0n, withdrawAddrEnabled: m.params.withdrawAddrEnabled });
      return {};
    },
  };
  const spend: MsgHandler<MsgCommunityPoolSpend, MsgCommunityPoolSpendResponse> = {
    typeUrl: MsgCommunityPoolSpend.typeUrl,
    responseTypeUrl: MsgCommunityPoolSpendResponse.typeUrl,
    decode: (b) => MsgCommunityPoolSpend.decode(b),
    encodeResponse: (r) => MsgCommunityPoolSpendResponse.encode(r).finish(),
    signers: (m) => [acc(m.authority, "authority")],
    async handle(ctx, m) {
      checkAuthority(m.authority);
      k.distributeFromCommunityPool(ctx, acc(m.recipient, "recipient"), coinsFromProto(m.amount));
      return {};
    },
  };
  return [setWithdraw, withdrawReward, withdrawCommission, fund, updateParams, spend] as MsgHandler[];
}
