/** cosmos.distribution.v1beta1.Query, plus cosmos.mint.v1beta1.Query for the block-reward step. */
import {
  QueryCommunityPoolRequest,
  QueryCommunityPoolResponse,
  QueryDelegationRewardsRequest,
  QueryDelegationRewardsResponse,
  QueryDelegationTotalRewardsRequest,
  QueryDelegationTotalRewardsResponse,
  QueryDelegatorValidatorsRequest,
  QueryDelegatorValidatorsResponse,
  QueryDelegatorWithdrawAddressRequest,
  QueryDelegatorWithdrawAddressResponse,
  QueryParamsRequest,
  QueryParamsResponse,
  QueryValidatorCommissionRequest,
  QueryValidatorCommissionResponse,
  QueryValidatorDistributionInfoRequest,
  QueryValidatorDistributionInfoResponse,
  QueryValidatorOutstandingRewardsRequest,
  QueryValidatorOutstandingRewardsResponse,
  QueryValidatorSlashesRequest,
  QueryValidatorSlashesResponse,
} from "cosmjs-types/cosmos/distribution/v1beta1/query";
import {
  QueryAnnualProvisionsRequest,
  QueryAnnualProvisionsResponse,
  QueryInflationRequest,
  QueryInflationResponse,
  QueryParamsRequest as MintParamsRequest,
  QueryParamsResponse as MintParamsResponse,
} from "cosmjs-types/cosmos/mint/v1beta1/query";
import { ValidatorSlashEvent } from "cosmjs-types/cosmos/distribution/v1beta1/distribution";
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString, accAddressToString, valAddressFromString, valAddressToString } from "../core/address.ts";
import { concat, lengthPrefixed, utf8 } from "../core/bytes.ts";
import { DEC_ONE, addDecCoins, decCoinsToProto, decMulTruncate } from "../core/dec.ts";
import { AppError, grpcError } from "../core/errors.ts";
import { type QueryHandler, protoQuery } from "../core/module.ts";
import { paginate } from "../core/pagination.ts";
import type { DistrBankKeeper, DistrStakingKeeper } from "./expectedKeepers.ts";
import { type DistributionKeeper, MODULE_NAME, PREFIX } from "./keeper.ts";

const P = "/cosmos.distribution.v1beta1.Query/";
const M = "/cosmos.mint.v1beta1.Query/";

function pacc(s: string): Bytes {
  if (s === "") throw grpcError("InvalidArgument", "empty delegator address");
  try {
    return accAddressFromString(s);
  } catch (e: unknown) {
    throw grpcError("InvalidArgument", e instanceof AppError ? e.log : String(e));
  }
}
function pval(s: string): Bytes {
  if (s === "") throw grpcError("InvalidArgument", "empty validator address");
  try {
    return valAddressFromString(s);
  } catch (e: unknown) {
    throw grpcError("InvalidArgument", e instanceof AppError ? e.log : String(e));
  }
}

export function createDistributionQueries(k: DistributionKeeper, sk: DistrStakingKeeper, bk: DistrBankKeeper): QueryHandler[] {
  const annual = (ctx: Parameters<DistributionKeeper["getMintParams"]>[0]) => decMulTruncate(bk.getSupply(ctx, sk.bondDenom(ctx)) * DEC_ONE, k.getMintParams(ctx).inflation);
  return [
    protoQuery(`${P}Params`, QueryParamsRequest, QueryParamsResponse, async (ctx) => {
      const p = k.getParams(ctx);
      return { params: { communityTax: p.communityTax.toString(), baseProposerReward: p.baseProposerReward.toString(), bonusProposerReward: p.bonusProposerReward.toString(), withdrawAddrEnabled: p.withdrawAddrEnabled } };
    }),
    protoQuery(`${P}ValidatorDistributionInfo`, QueryValidatorDistributionInfoRequest, QueryValidatorDistributionInfoResponse, async (ctx, req) => {
      const v = pval(req.validatorAddress);
      if (sk.getValidator(ctx, v) === undefined) throw grpcError("NotFound", "validator does not exist");
      const self = sk.getDelegation(ctx, v, v);
      const rewards = self === undefined ? [] : await k.queryDelegationRewards(ctx, v, v);
      return { operatorAddress: accAddressToString(v), selfBondRewards: decCoinsToProto(rewards), commission: decCoinsToProto(k.getCommission(ctx, v)) };
    }),
    protoQuery(`${P}ValidatorOutstandingRewards`, QueryValidatorOutstandingRewardsRequest, QueryValidatorOutstandingRewardsResponse, async (ctx, req) => {
      const v = pval(req.validatorAddress);
      if (sk.getValidator(ctx, v) === undefined) throw grpcError("InvalidArgument", `validator does not exist for address ${req.validatorAddress}`);
      return { rewards: { rewards: decCoinsToProto(k.getOutstanding(ctx, v)) } };
    }),
    protoQuery(`${P}ValidatorCommission`, QueryValidatorCommissionRequest, QueryValidatorCommissionResponse, async (ctx, req) => {
      const v = pval(req.validatorAddress);
      if (sk.getValidator(ctx, v) === undefined) throw grpcError("InvalidArgument", `validator does not exist for address ${req.validatorAddress}`);
      return { commission: { commission: decCoinsToProto(k.getCommission(ctx, v)) } };
    }),
    protoQuery(`${P}ValidatorSlashes`, QueryValidatorSlashesRequest, QueryValidatorSlashesResponse, async (ctx, req) => {
      const v = pval(req.validatorAddress);
      const prefix = concat(Uint8Array.of(PREFIX.slashEvents), lengthPrefixed(v));
      const page = await paginate(ctx.store(MODULE_NAME), prefix, req.pagination, (key, val) => {
        const h = new DataView(key.buffer, key.byteOffset, 8).getBigUint64(0);
        if ((req.startingHeight > 0n && h < req.startingHeight) || (req.endingHeight > 0n && h > req.endingHeight)) return null;
        return ValidatorSlashEvent.decode(val);
      });
      return { slashes: page.items, pagination: page.pagination };
    }),
    protoQuery(`${P}DelegationRewards`, QueryDelegationRewardsRequest, QueryDelegationRewardsResponse, async (ctx, req) => {
      const del = pacc(req.delegatorAddress);
      const v = pval(req.validatorAddress);
      if (sk.getValidator(ctx, v) === undefined) throw grpcError("InvalidArgument", "validator does not exist");
      if (sk.getDelegation(ctx, del, v) === undefined) throw grpcError("NotFound", "delegation does not exist");
      return { rewards: decCoinsToProto(await k.queryDelegationRewards(ctx, v, del)) };
    }),
    protoQuery(`${P}DelegationTotalRewards`, QueryDelegationTotalRewardsRequest, QueryDelegationTotalRewardsResponse, async (ctx, req) => {
      const del = pacc(req.delegatorAddress);
      const rewards: { validatorAddress: string; reward: { denom: string; amount: string }[] }[] = [];
      let total: ReturnType<typeof addDecCoins> = [];
      for await (const d of sk.iterateDelegatorDelegations(ctx, del)) {
        const r = await k.queryDelegationRewards(ctx, d.validator, del);
        rewards.push({ validatorAddress: valAddressToString(d.validator), reward: decCoinsToProto(r) });
        total = addDecCoins(total, r);
      }
      return { rewards, total: decCoinsToProto(total) };
    }),
    protoQuery(`${P}DelegatorValidators`, QueryDelegatorValidatorsRequest, QueryDelegatorValidatorsResponse, async (ctx, req) => {
      const validators: string[] = [];
      for await (const d of sk.iterateDelegatorDelegations(ctx, pacc(req.delegatorAddress))) validators.push(valAddressToString(d.validator));
      return { validators };
    }),
    protoQuery(`${P}DelegatorWithdrawAddress`, QueryDelegatorWithdrawAddressRequest, QueryDelegatorWithdrawAddressResponse, async (ctx, req) => ({
      withdrawAddress: accAddressToString(k.getWithdrawAddr(ctx, pacc(req.delegatorAddress))),
    })),
    protoQuery(`${P}CommunityPool`, QueryCommunityPoolRequest, QueryCommunityPoolResponse, async (ctx) => ({ pool: decCoinsToProto(k.getCommunityPool(ctx)) })),
    protoQuery(`${M}Params`, MintParamsRequest, MintParamsResponse, async (ctx) => {
      const mp = k.getMintParams(ctx);
      const r = mp.inflation.toString();
      return { params: { mintDenom: sk.bondDenom(ctx), inflationRateChange: "0", inflationMax: r, inflationMin: r, goalBonded: "0", blocksPerYear: mp.blocksPerYear } };
    }),
    protoQuery(`${M}Inflation`, QueryInflationRequest, QueryInflationResponse, async (ctx) => ({ inflation: utf8(k.getMintParams(ctx).inflation.toString()) })),
    protoQuery(`${M}AnnualProvisions`, QueryAnnualProvisionsRequest, QueryAnnualProvisionsResponse, async (ctx) => ({ annualProvisions: utf8(annual(ctx).toString()) })),
  ] as QueryHandler[];
}
