/** cosmos.staking.v1beta1.Msg: CreateValidator, EditValidator, Delegate, Undelegate, BeginRedelegate, CancelUnbondingDelegation, UpdateParams. */
import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import type { Description } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import {
  MsgBeginRedelegate,
  MsgBeginRedelegateResponse,
  MsgCancelUnbondingDelegation,
  MsgCancelUnbondingDelegationResponse,
  MsgCreateValidator,
  MsgCreateValidatorResponse,
  MsgDelegate,
  MsgDelegateResponse,
  MsgEditValidator,
  MsgEditValidatorResponse,
  MsgUndelegate,
  MsgUndelegateResponse,
  MsgUpdateParams,
  MsgUpdateParamsResponse,
} from "cosmjs-types/cosmos/staking/v1beta1/tx";
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString, accAddressToString, valAddressFromString, valAddressToString } from "../core/address.ts";
import { equal } from "../core/bytes.ts";
import { parseAmount } from "../core/coins.ts";
import { DEC_ONE, type Dec, formatDec } from "../core/dec.ts";
import { AppError, ErrInvalidAddress, ErrInvalidCoins, ErrInvalidRequest, ErrUnauthorized } from "../core/errors.ts";
import type { MsgHandler } from "../core/module.ts";
import {
  ErrCommissionChangeRateGTMaxRate,
  ErrCommissionChangeRateNegative,
  ErrCommissionGTMaxChangeRate,
  ErrCommissionGTMaxRate,
  ErrCommissionHuge,
  ErrCommissionLTMinRate,
  ErrCommissionNegative,
  ErrCommissionUpdateTime,
  ErrEmptyValidatorPubKey,
  ErrMinSelfDelegationDecreased,
  ErrNoValidatorFound,
  ErrSelfDelegationBelowMinimum,
  ErrValidatorOwnerExists,
  ErrValidatorPubKeyExists,
  ErrValidatorPubKeyTypeNotSupported,
} from "./errors.ts";
import type { StakingKeeper } from "./keeper.ts";
import { validateParams } from "./params.ts";
import { BOND_STATUS, ED25519_PUBKEY_TYPE_URL, type Val, consAddressOf, isBonded, rfc3339 } from "./types.ts";

export const DO_NOT_MODIFY = "[do-not-modify]";
const DAY_SECONDS = 86400n;

function acc(s: string, what: string): Bytes {
  try {
    return accAddressFromString(s);
  } catch (e: unknown) {
    throw ErrInvalidAddress.wrap(`invalid ${what} address: ${e instanceof AppError ? e.detail : String(e)}`);
  }
}

function valAddr(s: string): Bytes {
  try {
    return valAddressFromString(s);
  } catch (e: unknown) {
    throw ErrInvalidAddress.wrap(`invalid validator address: ${e instanceof AppError ? e.detail : String(e)}`);
  }
}

/** a LegacyDec as carried in proto (the 10^18-scaled integer). */
export function protoDec(s: string, what: string): Dec {
  if (!/^-?[0-9]+$/.test(s)) throw ErrInvalidRequest.wrap(`invalid ${what}: ${JSON.stringify(s.slice(0, 40))}`);
  return BigInt(s);
}

function positiveAmount(c: { denom: string; amount: string } | undefined, what: string): bigint {
  if (c === undefined) throw ErrInvalidCoins.wrap(`invalid ${what} amount`);
  const a = parseAmount(c.amount);
  if (a <= 0n) throw ErrInvalidCoins.wrap(`invalid ${what} amount`);
  return a;
}

function checkDescription(d: Description | undefined): Description {
  const x = d ?? { moniker: "", identity: "", website: "", securityContact: "", details: "" };
  const lim: [keyof Description, number][] = [
    ["moniker", 70],
    ["identity", 3000],
    ["website", 140],
    ["securityContact", 140],
    ["details", 280],
  ];
  for (const [k, n] of lim) if ([...x[k]].length > n) throw ErrInvalidRequest.wrap(`invalid ${k} length; got: ${[...x[k]].length}, max: ${n}`);
  return x;
}

export function validateCommission(rate: Dec, maxRate: Dec, maxChangeRate: Dec): void {
  if (maxRate < 0n) throw ErrCommissionNegative.wrap();
  if (maxRate > DEC_ONE) throw ErrCommissionHuge.wrap();
  if (rate < 0n) throw ErrCommissionNegative.wrap();
  if (rate > maxRate) throw ErrCommissionGTMaxRate.wrap();
  if (maxChangeRate < 0n) throw ErrCommissionChangeRateNegative.wrap();
  if (maxChangeRate > maxRate) throw ErrCommissionChangeRateGTMaxRate.wrap();
}

export function ed25519FromAny(any: { typeUrl: string; value: Bytes } | undefined): Bytes {
  if (any === undefined) throw ErrEmptyValidatorPubKey.wrap();
  if (any.typeUrl !== ED25519_PUBKEY_TYPE_URL) throw ErrValidatorPubKeyTypeNotSupported.wrap(`got: ${any.typeUrl}, expected: [ed25519]`);
  let key: Bytes;
  try {
    key = Ed25519PubKey.decode(any.value).key;
  } catch {
    throw ErrValidatorPubKeyTypeNotSupported.wrap("undecodable ed25519 key");
  }
  if (key.length !== 32) throw ErrValidatorPubKeyTypeNotSupported.wrap(`ed25519 key must be 32 bytes, got ${key.length}`);
  return key;
}

export function createStakingMsgHandlers(k: StakingKeeper, authority: Bytes): MsgHandler[] {
  const bondCoin = (ctx: Parameters<StakingKeeper["bondDenom"]>[0], c: { denom: string; amount: string } | undefined, what: string) => {
    const amt = positiveAmount(c, what);
    const bd = k.bondDenom(ctx);
    if (c?.denom !== bd) throw ErrInvalidRequest.wrap(`invalid coin denomination: got ${c?.denom}, expected ${bd}`);
    return amt;
  };

  const createValidator: MsgHandler<MsgCreateValidator, MsgCreateValidatorResponse> = {
    typeUrl: MsgCreateValidator.typeUrl,
    responseTypeUrl: MsgCreateValidatorResponse.typeUrl,
    decode: (b) => MsgCreateValidator.decode(b),
    encodeResponse: (r) => MsgCreateValidatorResponse.encode(r).finish(),
    signers: (m) => [valAddr(m.validatorAddress)],
    validateBasic(m) {
      valAddr(m.validatorAddress);
      if (m.delegatorAddress !== "" && !equal(acc(m.delegatorAddress, "delegator"), valAddr(m.validatorAddress))) throw ErrInvalidRequest.wrap("delegator address must be the validator's account (or empty)");
      ed25519FromAny(m.pubkey);
      const amt = positiveAmount(m.value, "delegation");
      if (m.description === undefined || m.description.moniker === "") throw ErrInvalidRequest.wrap("empty description");
      checkDescription(m.description);
      if (m.commission === undefined) throw ErrInvalidRequest.wrap("empty commission");
      validateCommission(protoDec(m.commission.rate, "rate"), protoDec(m.commission.maxRate, "max rate"), protoDec(m.commission.maxChangeRate, "max change rate"));
      const msd = parseAmount(m.minSelfDelegation || "0");
      if (msd <= 0n) throw ErrInvalidRequest.wrap("minimum self delegation must be a positive integer");
      if (amt < msd) throw ErrSelfDelegationBelowMinimum.wrap();
    },
    async handle(ctx, m) {
      const op = valAddr(m.validatorAddress);
      if (k.getValidator(ctx, op) !== undefined) throw ErrValidatorOwnerExists.wrap();
      const pub = ed25519FromAny(m.pubkey);
      if (k.getValidatorByConsAddr(ctx, consAddressOf(pub)) !== undefined) throw ErrValidatorPubKeyExists.wrap();
      const amount = bondCoin(ctx, m.value, "delegation");
      const rate = protoDec(m.commission.rate, "rate");
      if (rate < k.getParams(ctx).minCommissionRate) throw ErrCommissionLTMinRate.wrap(`cannot set validator commission to less than minimum rate of ${formatDec(k.getParams(ctx).minCommissionRate)}`);
      const v: Val = {
        operator: op,
        consPubKey: pub,
        jailed: false,
        status: BOND_STATUS.unbonded,
        tokens: 0n,
        delegatorShares: 0n,
        description: checkDescription(m.description),
        unbondingHeight: 0n,
        unbondingTime: { seconds: 0n, nanos: 0 },
        commission: { rate, maxRate: protoDec(m.commission.maxRate, "max rate"), maxChangeRate: protoDec(m.commission.maxChangeRate, "max change rate"), updateTime: ctx.block.time },
        minSelfDelegation: parseAmount(m.minSelfDelegation),
      };
      await k.createValidator(ctx, v);
      await k.delegate(ctx, op, amount, BOND_STATUS.unbonded, v, true);
      ctx.events.emit("create_validator", { validator: m.validatorAddress, amount: `${amount}${m.value.denom}` });
      return {};
    },
  };

  const editValidator: MsgHandler<MsgEditValidator, MsgEditValidatorResponse> = {
    typeUrl: MsgEditValidator.typeUrl,
    responseTypeUrl: MsgEditValidatorResponse.typeUrl,
    decode: (b) => MsgEditValidator.decode(b),
    encodeResponse: (r) => MsgEditValidatorResponse.encode(r).finish(),
    signers: (m) => [valAddr(m.validatorAddress)],
    validateBasic(m) {
      valAddr(m.validatorAddress);
      if (m.description === undefined) throw ErrInvalidRequest.wrap("empty description");
      if (m.minSelfDelegation !== "" && parseAmount(m.minSelfDelegation) <= 0n) throw ErrInvalidRequest.wrap("minimum self delegation must be a positive integer");
      if (m.commissionRate !== "") {
        const r = protoDec(m.commissionRate, "commission rate");
        if (r < 0n || r > DEC_ONE) throw ErrInvalidRequest.wrap("commission rate must be between 0 and 1 (inclusive)");
      }
    },
    async handle(ctx, m) {
      const op = valAddr(m.validatorAddress);
      const v = k.getValidator(ctx, op);
      if (v === undefined) throw ErrNoValidatorFound.wrap();
      const d = m.description;
      const pick = (nv: string, old: string) => (nv === DO_NOT_MODIFY ? old : nv);
      const description = checkDescription({
        moniker: pick(d.moniker, v.description.moniker),
        identity: pick(d.identity, v.description.identity),
        website: pick(d.website, v.description.website),
        securityContact: pick(d.securityContact, v.description.securityContact),
        details: pick(d.details, v.description.details),
      });
      const nv: Val = { ...v, description };
      if (m.commissionRate !== "") {
        const rate = protoDec(m.commissionRate, "commission rate");
        const c = v.commission;
        if (ctx.block.time.seconds - c.updateTime.seconds < DAY_SECONDS) throw ErrCommissionUpdateTime.wrap();
        if (rate < 0n) throw ErrCommissionNegative.wrap();
        if (rate > c.maxRate) throw ErrCommissionGTMaxRate.wrap();
        const diff = rate > c.rate ? rate - c.rate : c.rate - rate;
        if (diff > c.maxChangeRate) throw ErrCommissionGTMaxChangeRate.wrap();
        if (rate < k.getParams(ctx).minCommissionRate) throw ErrCommissionLTMinRate.wrap();
        nv.commission = { ...c, rate, updateTime: ctx.block.time };
      }
      if (m.minSelfDelegation !== "") {
        const msd = parseAmount(m.minSelfDelegation);
        if (msd <= v.minSelfDelegation) throw ErrMinSelfDelegationDecreased.wrap();
        if (msd > v.tokens) throw ErrSelfDelegationBelowMinimum.wrap();
        nv.minSelfDelegation = msd;
      }
      k.saveValidator(ctx, nv);
      ctx.events.emit("edit_validator", { commission_rate: formatDec(nv.commission.rate), min_self_delegation: nv.minSelfDelegation.toString() });
      return {};
    },
  };

  const delegate: MsgHandler<MsgDelegate, MsgDelegateResponse> = {
    typeUrl: MsgDelegate.typeUrl,
    responseTypeUrl: MsgDelegateResponse.typeUrl,
    decode: (b) => MsgDelegate.decode(b),
    encodeResponse: (r) => MsgDelegateResponse.encode(r).finish(),
    signers: (m) => [acc(m.delegatorAddress, "delegator")],
    validateBasic(m) {
      acc(m.delegatorAddress, "delegator");
      valAddr(m.validatorAddress);
      positiveAmount(m.amount, "delegation");
    },
    async handle(ctx, m) {
      const del = acc(m.delegatorAddress, "delegator");
      const v = k.getValidator(ctx, valAddr(m.validatorAddress));
      if (v === undefined) throw ErrNoValidatorFound.wrap();
      const amount = bondCoin(ctx, m.amount, "delegation");
      const shares = await k.delegate(ctx, del, amount, BOND_STATUS.unbonded, v, true);
      ctx.events.emit("delegate", { validator: m.validatorAddress, delegator: m.delegatorAddress, amount: `${amount}${m.amount.denom}`, new_shares: formatDec(shares) });
      return {};
    },
  };

  const undelegate: MsgHandler<MsgUndelegate, MsgUndelegateResponse> = {
    typeUrl: MsgUndelegate.typeUrl,
    responseTypeUrl: MsgUndelegateResponse.typeUrl,
    decode: (b) => MsgUndelegate.decode(b),
    encodeResponse: (r) => MsgUndelegateResponse.encode(r).finish(),
    signers: (m) => [acc(m.delegatorAddress, "delegator")],
    validateBasic(m) {
      acc(m.delegatorAddress, "delegator");
      valAddr(m.validatorAddress);
      positiveAmount(m.amount, "shares");
    },
    async handle(ctx, m) {
      const del = acc(m.delegatorAddress, "delegator");
      const val = valAddr(m.validatorAddress);
      const amount = bondCoin(ctx, m.amount, "shares");
      const shares = k.validateUnbondAmount(ctx, del, val, amount);
      const r = await k.undelegate(ctx, del, val, shares);
      ctx.events.emit("unbond", { validator: m.validatorAddress, delegator: m.delegatorAddress, amount: `${r.amount}${m.amount.denom}`, completion_time: rfc3339(r.completionTime) });
      return { completionTime: r.completionTime, amount: { denom: m.amount.denom, amount: r.amount.toString() } };
    },
  };

  const redelegate: MsgHandler<MsgBeginRedelegate, MsgBeginRedelegateResponse> = {
    typeUrl: MsgBeginRedelegate.typeUrl,
    responseTypeUrl: MsgBeginRedelegateResponse.typeUrl,
    decode: (b) => MsgBeginRedelegate.decode(b),
    encodeResponse: (r) => MsgBeginRedelegateResponse.encode(r).finish(),
    signers: (m) => [acc(m.delegatorAddress, "delegator")],
    validateBasic(m) {
      acc(m.delegatorAddress, "delegator");
      valAddr(m.validatorSrcAddress);
      valAddr(m.validatorDstAddress);
      positiveAmount(m.amount, "shares");
    },
    async handle(ctx, m) {
      const del = acc(m.delegatorAddress, "delegator");
      const src = valAddr(m.validatorSrcAddress);
      const dst = valAddr(m.validatorDstAddress);
      const amount = bondCoin(ctx, m.amount, "shares");
      const shares = k.validateUnbondAmount(ctx, del, src, amount);
      const t = await k.beginRedelegation(ctx, del, src, dst, shares);
      ctx.events.emit("redelegate", { source_validator: m.validatorSrcAddress, destination_validator: m.validatorDstAddress, delegator: m.delegatorAddress, amount: `${amount}${m.amount.denom}`, completion_time: rfc3339(t) });
      return { completionTime: t };
    },
  };

  const cancelUnbonding: MsgHandler<MsgCancelUnbondingDelegation, MsgCancelUnbondingDelegationResponse> = {
    typeUrl: MsgCancelUnbondingDelegation.typeUrl,
    responseTypeUrl: MsgCancelUnbondingDelegationResponse.typeUrl,
    decode: (b) => MsgCancelUnbondingDelegation.decode(b),
    encodeResponse: (r) => MsgCancelUnbondingDelegationResponse.encode(r).finish(),
    signers: (m) => [acc(m.delegatorAddress, "delegator")],
    validateBasic(m) {
      acc(m.delegatorAddress, "delegator");
      valAddr(m.validatorAddress);
      positiveAmount(m.amount, "amount");
      if (m.creationHeight <= 0n) throw ErrInvalidRequest.wrap("invalid height");
    },
    async handle(ctx, m) {
      const amount = bondCoin(ctx, m.amount, "amount");
      await k.cancelUnbonding(ctx, acc(m.delegatorAddress, "delegator"), valAddr(m.validatorAddress), m.creationHeight, amount);
      ctx.events.emit("cancel_unbonding_delegation", { amount: `${amount}${m.amount.denom}`, validator: m.validatorAddress, delegator: m.delegatorAddress, creation_height: m.creationHeight.toString() });
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
      if (!equal(acc(m.authority, "authority"), authority)) throw ErrUnauthorized.wrap(`invalid authority; expected ${accAddressToString(authority)}, got ${m.authority}`);
      const p = { ...m.params, minCommissionRate: protoDec(m.params.minCommissionRate || "0", "min commission rate") };
      validateParams(p);
      k.setParams(ctx, p);
      return {};
    },
  };

  void isBonded;
  void valAddressToString;
  return [createValidator, editValidator, delegate, undelegate, redelegate, cancelUnbonding, updateParams] as MsgHandler[];
}

