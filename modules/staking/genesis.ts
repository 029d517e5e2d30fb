/** staking genesis in the SDK 0.50 JSON shape (LegacyDec fields as "1.000000000000000000" strings). */
import type { Bytes, ValidatorUpdate } from "../core/abci.ts";
import { accAddressFromString, accAddressToString, valAddressFromString, valAddressToString } from "../core/address.ts";
import { fromBase64, toBase64 } from "../core/bytes.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import { formatDec, parseDecSigned } from "../core/dec.ts";
import { ErrInvalidGenesis } from "./errors.ts";
import type { StakingAccountKeeper, StakingBankKeeper, StakingHooks } from "./expectedKeepers.ts";
import type { StakingKeeper } from "./keeper.ts";
import { BONDED_POOL_NAME, NOT_BONDED_POOL_NAME } from "./keys.ts";
import { type StakingParams, defaultParams, validateParams } from "./params.ts";
import {
  BOND_STATUS,
  BOND_STATUS_NAMES,
  type BondStatusValue,
  type Del,
  ED25519_PUBKEY_TYPE_URL,
  type Red,
  type Ubd,
  type Val,
  consAddressOf,
  formatDuration,
  parseDuration,
  parseRfc3339,
  rfc3339,
} from "./types.ts";

export interface StakingGenesis {
  params: StakingParams;
  lastTotalPower: bigint;
  lastValidatorPowers: { operator: Bytes; power: bigint }[];
  validators: Val[];
  delegations: Del[];
  unbondingDelegations: Ubd[];
  redelegations: Red[];
  exported: boolean;
}

export function defaultGenesis(): StakingGenesis {
  return { params: defaultParams(), lastTotalPower: 0n, lastValidatorPowers: [], validators: [], delegations: [], unbondingDelegations: [], redelegations: [], exported: false };
}

export function validateGenesis(g: StakingGenesis): void {
  try {
    validateParams(g.params);
  } catch (e: unknown) {
    throw ErrInvalidGenesis.wrap(e instanceof Error ? e.message : String(e));
  }
  const ops = new Set<string>();
  const cons = new Set<string>();
  for (const v of g.validators) {
    const o = Buffer.from(v.operator).toString("hex");
    const c = Buffer.from(consAddressOf(v.consPubKey)).toString("hex");
    if (ops.has(o) || cons.has(c)) throw ErrInvalidGenesis.wrap(`duplicate validator in genesis: ${valAddressToString(v.operator)}`);
    ops.add(o);
    cons.add(c);
    if (v.consPubKey.length !== 32) throw ErrInvalidGenesis.wrap(`validator ${valAddressToString(v.operator)}: consensus key must be ed25519`);
    if (v.jailed && v.status === BOND_STATUS.bonded) throw ErrInvalidGenesis.wrap(`validator is bonded and jailed in genesis state: ${valAddressToString(v.operator)}`);
    if (v.delegatorShares === 0n && v.status !== BOND_STATUS.unbonding) throw ErrInvalidGenesis.wrap(`bonded/unbonded genesis validator cannot have zero delegator shares, validator: ${valAddressToString(v.operator)}`);
  }
}

export async function initGenesis(ctx: WriteContext, k: StakingKeeper, ak: StakingAccountKeeper, bk: StakingBankKeeper, hooks: { current: StakingHooks[] }, g: StakingGenesis): Promise<ValidatorUpdate[]> {
  k.setParams(ctx, g.params);
  k.setLastTotalPower(ctx, g.lastTotalPower);
  // the pool module accounts are created on first use (bank's sends), so an empty staking genesis adds no accounts
  let bonded = 0n;
  let notBonded = 0n;
  for (const v of g.validators) {
    k.saveValidator(ctx, v);
    await k.createValidatorIndexes(ctx, v, !g.exported);
    if (v.status === BOND_STATUS.unbonding) k.insertValidatorQueue(ctx, v);
    if (v.status === BOND_STATUS.bonded) bonded += v.tokens;
    else notBonded += v.tokens;
  }
  for (const d of g.delegations) {
    if (!g.exported) for (const h of hooks.current) await h.beforeDelegationCreated?.(ctx, d.delegator, d.validator);
    k.setDelegation(ctx, d);
    if (!g.exported) for (const h of hooks.current) await h.afterDelegationModified?.(ctx, d.delegator, d.validator);
  }
  for (const u of g.unbondingDelegations) {
    k.setUnbondingDelegation(ctx, u);
    for (const e of u.entries) {
      k.insertUbdQueue(ctx, e.completionTime, u.delegator, u.validator);
      notBonded += e.balance;
    }
  }
  for (const r of g.redelegations) {
    k.setRedelegation(ctx, r);
    for (const e of r.entries) k.insertRedQueue(ctx, e.completionTime, r.delegator, r.src, r.dst);
  }
  const denom = g.params.bondDenom;
  const bondedBal = bk.getBalance(ctx, ak.moduleAddress(BONDED_POOL_NAME), denom);
  const notBondedBal = bk.getBalance(ctx, ak.moduleAddress(NOT_BONDED_POOL_NAME), denom);
  if (bondedBal !== bonded) throw ErrInvalidGenesis.wrap(`bonded pool balance is different from bonded coins: ${bondedBal} vs ${bonded}`);
  if (notBondedBal !== notBonded) throw ErrInvalidGenesis.wrap(`not bonded pool balance is different from not bonded coins: ${notBondedBal} vs ${notBonded}`);
  if (g.exported) {
    const out: ValidatorUpdate[] = [];
    for (const lp of g.lastValidatorPowers) {
      k.setLastValidatorPower(ctx, lp.operator, lp.power);
      const v = k.getValidator(ctx, lp.operator);
      if (v === undefined) throw ErrInvalidGenesis.wrap(`last validator power of an unknown validator ${valAddressToString(lp.operator)}`);
      out.push({ pubKey: { type: "ed25519", bytes: v.consPubKey }, power: lp.power });
    }
    return out;
  }
  return k.applyAndReturnValidatorSetUpdates(ctx);
}

export async function exportGenesis(ctx: ReadContext, k: StakingKeeper): Promise<StakingGenesis> {
  const validators: Val[] = [];
  for await (const v of k.iterateValidators(ctx)) validators.push(v);
  const delegations: Del[] = [];
  for await (const d of k.iterateAllDelegations(ctx)) delegations.push(d);
  const unbondingDelegations: Ubd[] = [];
  for await (const u of k.iterateAllUnbondingDelegations(ctx)) unbondingDelegations.push(u);
  const redelegations: Red[] = [];
  for await (const r of k.iterateAllRedelegations(ctx)) redelegations.push(r);
  return { params: k.getParams(ctx), lastTotalPower: k.getLastTotalPower(ctx), lastValidatorPowers: await k.getLastValidatorPowers(ctx), validators, delegations, unbondingDelegations, redelegations, exported: true };
}

// ---- JSON (proto-JSON of the SDK: 64-bit ints as strings, LegacyDec as "x.y" with 18 decimals) ----

const dec = (d: bigint) => formatDec(d);
const pdec = (s: unknown, what: string) => {
  try {
    return parseDecSigned(String(s ?? "0"));
  } catch {
    throw ErrInvalidGenesis.wrap(`invalid decimal ${what}: ${JSON.stringify(s)}`);
  }
};
const pint = (s: unknown, what: string) => {
  const t = String(s ?? "0");
  if (!/^[0-9]+$/.test(t)) throw ErrInvalidGenesis.wrap(`invalid integer ${what}: ${JSON.stringify(s)}`);
  return BigInt(t);
};
const ptime = (s: unknown) => (s === undefined || s === null || s === "" ? { seconds: 0n, nanos: 0 } : parseRfc3339(String(s)));

export function validatorToJson(v: Val): Record<string, unknown> {
  return {
    operator_address: valAddressToString(v.operator),
    consensus_pubkey: { "@type": ED25519_PUBKEY_TYPE_URL, key: toBase64(v.consPubKey) },
    jailed: v.jailed,
    status: BOND_STATUS_NAMES[v.status],
    tokens: v.tokens.toString(),
    delegator_shares: dec(v.delegatorShares),
    description: { moniker: v.description.moniker, identity: v.description.identity, website: v.description.website, security_contact: v.description.securityContact, details: v.description.details },
    unbonding_height: v.unbondingHeight.toString(),
    unbonding_time: rfc3339(v.unbondingTime),
    commission: {
      commission_rates: { rate: dec(v.commission.rate), max_rate: dec(v.commission.maxRate), max_change_rate: dec(v.commission.maxChangeRate) },
      update_time: rfc3339(v.commission.updateTime),
    },
    min_self_delegation: v.minSelfDelegation.toString(),
    unbonding_on_hold_ref_count: "0",
    unbonding_ids: [],
  };
}

export function validatorFromJson(j: Record<string, any>): Val {
  const pk = j.consensus_pubkey ?? {};
  if (pk["@type"] !== ED25519_PUBKEY_TYPE_URL) throw ErrInvalidGenesis.wrap(`unsupported consensus pubkey type ${pk["@type"]}`);
  const st = BOND_STATUS_NAMES.indexOf(j.status);
  if (st < 1) throw ErrInvalidGenesis.wrap(`invalid validator status ${j.status}`);
  const d = j.description ?? {};
  const c = j.commission ?? {};
  const cr = c.commission_rates ?? {};
  return {
    operator: valAddressFromString(String(j.operator_address ?? "")),
    consPubKey: fromBase64(String(pk.key ?? "")),
    jailed: j.jailed === true,
    status: st as BondStatusValue,
    tokens: pint(j.tokens, "tokens"),
    delegatorShares: pdec(j.delegator_shares, "delegator_shares"),
    description: { moniker: String(d.moniker ?? ""), identity: String(d.identity ?? ""), website: String(d.website ?? ""), securityContact: String(d.security_contact ?? ""), details: String(d.details ?? "") },
    unbondingHeight: pint(j.unbonding_height, "unbonding_height"),
    unbondingTime: ptime(j.unbonding_time),
    commission: { rate: pdec(cr.rate, "rate"), maxRate: pdec(cr.max_rate, "max_rate"), maxChangeRate: pdec(cr.max_change_rate, "max_change_rate"), updateTime: ptime(c.update_time) },
    minSelfDelegation: pint(j.min_self_delegation ?? "1", "min_self_delegation"),
  };
}

export function paramsToJson(p: StakingParams): Record<string, unknown> {
  return { unbonding_time: formatDuration(p.unbondingTime), max_validators: p.maxValidators, max_entries: p.maxEntries, historical_entries: p.historicalEntries, bond_denom: p.bondDenom, min_commission_rate: dec(p.minCommissionRate) };
}

export function paramsFromJson(j: Record<string, any> | undefined): StakingParams {
  const d = defaultParams();
  if (j === undefined) return d;
  return {
    unbondingTime: j.unbonding_time === undefined ? d.unbondingTime : parseDuration(String(j.unbonding_time)),
    maxValidators: j.max_validators === undefined ? d.maxValidators : Number(j.max_validators),
    maxEntries: j.max_entries === undefined ? d.maxEntries : Number(j.max_entries),
    historicalEntries: j.historical_entries === undefined ? d.historicalEntries : Number(j.historical_entries),
    bondDenom: j.bond_denom === undefined ? d.bondDenom : String(j.bond_denom),
    minCommissionRate: j.min_commission_rate === undefined ? d.minCommissionRate : pdec(j.min_commission_rate, "min_commission_rate"),
  };
}

export function genesisToJson(g: StakingGenesis): unknown {
  return {
    params: paramsToJson(g.params),
    last_total_power: g.lastTotalPower.toString(),
    last_validator_powers: g.lastValidatorPowers.map((p) => ({ address: valAddressToString(p.operator), power: p.power.toString() })),
    validators: g.validators.map(validatorToJson),
    delegations: g.delegations.map((d) => ({ delegator_address: accAddressToString(d.delegator), validator_address: valAddressToString(d.validator), shares: dec(d.shares) })),
    unbonding_delegations: g.unbondingDelegations.map((u) => ({
      delegator_address: accAddressToString(u.delegator),
      validator_address: valAddressToString(u.validator),
      entries: u.entries.map((e) => ({ creation_height: e.creationHeight.toString(), completion_time: rfc3339(e.completionTime), initial_balance: e.initialBalance.toString(), balance: e.balance.toString(), unbonding_id: e.unbondingId.toString(), unbonding_on_hold_ref_count: "0" })),
    })),
    redelegations: g.redelegations.map((r) => ({
      delegator_address: accAddressToString(r.delegator),
      validator_src_address: valAddressToString(r.src),
      validator_dst_address: valAddressToString(r.dst),
      entries: r.entries.map((e) => ({ creation_height: e.creationHeight.toString(), completion_time: rfc3339(e.completionTime), initial_balance: e.initialBalance.toString(), shares_dst: dec(e.sharesDst), unbonding_id: e.unbondingId.toString(), unbonding_on_hold_ref_count: "0" })),
    })),
    exported: g.exported,
  };
}

export function genesisFromJson(j: unknown): StakingGenesis {
  const o = (j ?? {}) as Record<string, any>;
  const arr = (x: unknown): Record<string, any>[] => (Array.isArray(x) ? x : []);
  return {
    params: paramsFromJson(o.params),
    lastTotalPower: pint(o.last_total_power ?? "0", "last_total_power"),
    lastValidatorPowers: arr(o.last_validator_powers).map((p) => ({ operator: valAddressFromString(String(p.address)), power: pint(p.power, "power") })),
    validators: arr(o.validators).map(validatorFromJson),
    delegations: arr(o.delegations).map((d) => ({ delegator: accAddressFromString(String(d.delegator_address)), validator: valAddressFromString(String(d.validator_address)), shares: pdec(d.shares, "shares") })),
    unbondingDelegations: arr(o.unbonding_delegations).map((u) => ({
      delegator: accAddressFromString(String(u.delegator_address)),
      validator: valAddressFromString(String(u.validator_address)),
      entries: arr(u.entries).map((e) => ({ creationHeight: pint(e.creation_height, "creation_height"), completionTime: ptime(e.completion_time), initialBalance: pint(e.initial_balance, "initial_balance"), balance: pint(e.balance, "balance"), unbondingId: pint(e.unbonding_id ?? "0", "unbonding_id") })),
    })),
    redelegations: arr(o.redelegations).map((r) => ({
      delegator: accAddressFromString(String(r.delegator_address)),
      src: valAddressFromString(String(r.validator_src_address)),
      dst: valAddressFromString(String(r.validator_dst_address)),
      entries: arr(r.entries).map((e) => ({ creationHeight: pint(e.creation_height, "creation_height"), completionTime: ptime(e.completion_time), initialBalance: pint(e.initial_balance, "initial_balance"), sharesDst: pdec(e.shares_dst, "shares_dst"), unbondingId: pint(e.unbonding_id ?? "0", "unbonding_id") })),
    })),
    exported: o.exported === true,
  };
}
