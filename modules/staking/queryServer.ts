/** cosmos.staking.v1beta1.Query: validators, delegations, unbondings, redelegations, historical info, pool, params. */
import {
  QueryDelegationRequest,
  QueryDelegationResponse,
  QueryDelegatorDelegationsRequest,
  QueryDelegatorDelegationsResponse,
  QueryDelegatorUnbondingDelegationsRequest,
  QueryDelegatorUnbondingDelegationsResponse,
  QueryDelegatorValidatorRequest,
  QueryDelegatorValidatorResponse,
  QueryDelegatorValidatorsRequest,
  QueryDelegatorValidatorsResponse,
  QueryHistoricalInfoRequest,
  QueryHistoricalInfoResponse,
  QueryParamsRequest,
  QueryParamsResponse,
  QueryPoolRequest,
  QueryPoolResponse,
  QueryRedelegationsRequest,
  QueryRedelegationsResponse,
  QueryUnbondingDelegationRequest,
  QueryUnbondingDelegationResponse,
  QueryValidatorDelegationsRequest,
  QueryValidatorDelegationsResponse,
  QueryValidatorRequest,
  QueryValidatorResponse,
  QueryValidatorUnbondingDelegationsRequest,
  QueryValidatorUnbondingDelegationsResponse,
  QueryValidatorsRequest,
  QueryValidatorsResponse,
} from "cosmjs-types/cosmos/staking/v1beta1/query";
import type { DelegationResponse, RedelegationResponse } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString, valAddressFromString } from "../core/address.ts";
import type { QueryContext } from "../core/context.ts";
import { AppError, grpcError } from "../core/errors.ts";
import { type QueryHandler, protoQuery } from "../core/module.ts";
import { paginate } from "../core/pagination.ts";
import { decodeHistoricalInfo } from "./historicalInfo.ts";
import type { StakingKeeper } from "./keeper.ts";
import { BONDED_POOL_NAME, MODULE_NAME, NOT_BONDED_POOL_NAME, PREFIX, delegationsByValPrefix, delegationsOfPrefix, redsOfPrefix, splitLp, ubdsByValPrefix, ubdsOfPrefix } from "./keys.ts";
import { BOND_STATUS_NAMES, type Del, type Val, decodeDel, decodeRed, decodeUbd, decodeVal, delToProto, redToProto, tokensFromSharesTruncInt, ubdToProto, valToProto } from "./types.ts";

const P = "/cosmos.staking.v1beta1.Query/";

function parseAcc(s: string, what = "delegator"): Bytes {
  if (s === "") throw grpcError("InvalidArgument", `${what} address cannot be empty`);
  try {
    return accAddressFromString(s);
  } catch (e: unknown) {
    throw grpcError("InvalidArgument", `invalid ${what} address: ${e instanceof AppError ? e.log : String(e)}`);
  }
}
function parseVal(s: string, what = "validator"): Bytes {
  if (s === "") throw grpcError("InvalidArgument", `${what} address cannot be empty`);
  try {
    return valAddressFromString(s);
  } catch (e: unknown) {
    throw grpcError("InvalidArgument", `invalid ${what} address: ${e instanceof AppError ? e.log : String(e)}`);
  }
}

export function createStakingQueries(k: StakingKeeper): QueryHandler[] {
  const delResponse = (ctx: QueryContext, d: Del): DelegationResponse => {
    const v = k.getValidator(ctx, d.validator);
    const amount = v === undefined ? 0n : tokensFromSharesTruncInt(v, d.shares);
    return { delegation: delToProto(d), balance: { denom: k.bondDenom(ctx), amount: amount.toString() } };
  };
  const redResponse = (ctx: QueryContext, r: ReturnType<typeof decodeRed>): RedelegationResponse => {
    const dst = k.getValidator(ctx, r.dst);
    const p = redToProto(r);
    return { redelegation: p, entries: p.entries.map((e, i) => ({ redelegationEntry: e, balance: dst === undefined ? "0" : tokensFromSharesTruncInt(dst, r.entries[i]?.sharesDst ?? 0n).toString() })) };
  };
  const q: QueryHandler<any, any>[] = [
    protoQuery(`${P}Validators`, QueryValidatorsRequest, QueryValidatorsResponse, async (ctx, req) => {
      const status = req.status;
      if (status !== "" && !(BOND_STATUS_NAMES as readonly string[]).includes(status)) throw grpcError("InvalidArgument", `invalid validator status ${status}`);
      const page = await paginate(ctx.store(MODULE_NAME), Uint8Array.of(PREFIX.validators), req.pagination, (_k, v) => {
        const val = decodeVal(v);
        if (status !== "" && BOND_STATUS_NAMES[val.status] !== status) return null;
        return valToProto(val);
      });
      return { validators: page.items, pagination: page.pagination };
    }),
    protoQuery(`${P}Validator`, QueryValidatorRequest, QueryValidatorResponse, async (ctx, req) => {
      const v = k.getValidator(ctx, parseVal(req.validatorAddr));
      if (v === undefined) throw grpcError("NotFound", `validator ${req.validatorAddr} not found`);
      return { validator: valToProto(v) };
    }),
    protoQuery(`${P}ValidatorDelegations`, QueryValidatorDelegationsRequest, QueryValidatorDelegationsResponse, async (ctx, req) => {
      const val = parseVal(req.validatorAddr);
      const page = await paginate(ctx.store(MODULE_NAME), delegationsByValPrefix(val), req.pagination, (key) => {
        const d = k.getDelegation(ctx, splitLp(key, 1)[0] as Bytes, val);
        return d === undefined ? null : delResponse(ctx, d);
      });
      return { delegationResponses: page.items, pagination: page.pagination };
    }),
    protoQuery(`${P}ValidatorUnbondingDelegations`, QueryValidatorUnbondingDelegationsRequest, QueryValidatorUnbondingDelegationsResponse, async (ctx, req) => {
      const val = parseVal(req.validatorAddr);
      const page = await paginate(ctx.store(MODULE_NAME), ubdsByValPrefix(val), req.pagination, (key) => {
        const u = k.getUnbondingDelegation(ctx, splitLp(key, 1)[0] as Bytes, val);
        return u === undefined ? null : ubdToProto(u);
      });
      return { unbondingResponses: page.items, pagination: page.pagination };
    }),
    protoQuery(`${P}Delegation`, QueryDelegationRequest, QueryDelegationResponse, async (ctx, req) => {
      const d = k.getDelegation(ctx, parseAcc(req.delegatorAddr), parseVal(req.validatorAddr));
      if (d === undefined) throw grpcError("NotFound", `delegation with delegator ${req.delegatorAddr} not found for validator ${req.validatorAddr}`);
      return { delegationResponse: delResponse(ctx, d) };
    }),
    protoQuery(`${P}UnbondingDelegation`, QueryUnbondingDelegationRequest, QueryUnbondingDelegationResponse, async (ctx, req) => {
      const u = k.getUnbondingDelegation(ctx, parseAcc(req.delegatorAddr), parseVal(req.validatorAddr));
      if (u === undefined) throw grpcError("NotFound", `unbonding delegation with delegator ${req.delegatorAddr} not found for validator ${req.validatorAddr}`);
      return { unbond: ubdToProto(u) };
    }),
    protoQuery(`${P}DelegatorDelegations`, QueryDelegatorDelegationsRequest, QueryDelegatorDelegationsResponse, async (ctx, req) => {
      const page = await paginate(ctx.store(MODULE_NAME), delegationsOfPrefix(parseAcc(req.delegatorAddr)), req.pagination, (_k, v) => delResponse(ctx, decodeDel(v)));
      return { delegationResponses: page.items, pagination: page.pagination };
    }),
    protoQuery(`${P}DelegatorUnbondingDelegations`, QueryDelegatorUnbondingDelegationsRequest, QueryDelegatorUnbondingDelegationsResponse, async (ctx, req) => {
      const page = await paginate(ctx.store(MODULE_NAME), ubdsOfPrefix(parseAcc(req.delegatorAddr)), req.pagination, (_k, v) => ubdToProto(decodeUbd(v)));
      return { unbondingResponses: page.items, pagination: page.pagination };
    }),
    protoQuery(`${P}Redelegations`, QueryRedelegationsRequest, QueryRedelegationsResponse, async (ctx, req) => {
      if (req.delegatorAddr !== "" && req.srcValidatorAddr !== "" && req.dstValidatorAddr !== "") {
        const r = k.getRedelegation(ctx, parseAcc(req.delegatorAddr), parseVal(req.srcValidatorAddr), parseVal(req.dstValidatorAddr));
        if (r === undefined) throw grpcError("NotFound", `redelegation not found for delegator address ${req.delegatorAddr} from validator address ${req.srcValidatorAddr}`);
        return { redelegationResponses: [redResponse(ctx, r)] };
      }
      const prefix = req.delegatorAddr !== "" ? redsOfPrefix(parseAcc(req.delegatorAddr)) : Uint8Array.of(PREFIX.redelegations);
      const src = req.srcValidatorAddr !== "" ? parseVal(req.srcValidatorAddr) : undefined;
      const page = await paginate(ctx.store(MODULE_NAME), prefix, req.pagination, (_k, v) => {
        const r = decodeRed(v);
        if (src !== undefined && Buffer.compare(r.src, src) !== 0) return null;
        return redResponse(ctx, r);
      });
      return { redelegationResponses: page.items, pagination: page.pagination };
    }),
    protoQuery(`${P}DelegatorValidators`, QueryDelegatorValidatorsRequest, QueryDelegatorValidatorsResponse, async (ctx, req) => {
      const page = await paginate(ctx.store(MODULE_NAME), delegationsOfPrefix(parseAcc(req.delegatorAddr)), req.pagination, (_k, v) => {
        const val = k.getValidator(ctx, decodeDel(v).validator);
        return val === undefined ? null : valToProto(val);
      });
      return { validators: page.items, pagination: page.pagination };
    }),
    protoQuery(`${P}DelegatorValidator`, QueryDelegatorValidatorRequest, QueryDelegatorValidatorResponse, async (ctx, req) => {
      const val = parseVal(req.validatorAddr);
      if (k.getDelegation(ctx, parseAcc(req.delegatorAddr), val) === undefined) throw grpcError("NotFound", "no delegation for (address, validator) tuple");
      const v = k.getValidator(ctx, val) as Val;
      return { validator: valToProto(v) };
    }),
    // SDK 0.50: a negative height is InvalidArgument; a height with no entry (0, pruned, future, or
    // historical_entries 0) is NotFound
    protoQuery(`${P}HistoricalInfo`, QueryHistoricalInfoRequest, QueryHistoricalInfoResponse, async (ctx, req) => {
      if (req.height < 0n) throw grpcError("InvalidArgument", "height cannot be negative");
      const b = k.getHistoricalInfoBytes(ctx, req.height);
      if (b === undefined) throw grpcError("NotFound", `historical info for height ${req.height} not found`);
      return { hist: decodeHistoricalInfo(b) };
    }),
    protoQuery(`${P}Pool`, QueryPoolRequest, QueryPoolResponse, async (ctx) => ({ pool: { notBondedTokens: k.notBondedTokens(ctx).toString(), bondedTokens: k.totalBondedTokens(ctx).toString() } })),
    protoQuery(`${P}Params`, QueryParamsRequest, QueryParamsResponse, async (ctx) => {
      const p = k.getParams(ctx);
      return { params: { ...p, minCommissionRate: p.minCommissionRate.toString() } };
    }),
  ];
  void BONDED_POOL_NAME;
  void NOT_BONDED_POOL_NAME;
  return q;
}
