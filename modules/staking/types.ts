/** staking's in-memory records (bigint amounts, 18-decimal Dec shares) and their proto forms. */
import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { Delegation, type Description, Redelegation, UnbondingDelegation, Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Bytes, Timestamp } from "../core/abci.ts";
import { accAddressFromString, accAddressToString, valAddressFromString, valAddressToString } from "../core/address.ts";
import type { Dec } from "../core/dec.ts";
import { sha256 } from "../core/hash.ts";

export const BOND_STATUS = { unspecified: 0, unbonded: 1, unbonding: 2, bonded: 3 } as const;
export type BondStatusValue = (typeof BOND_STATUS)[keyof typeof BOND_STATUS];
export const BOND_STATUS_NAMES = ["BOND_STATUS_UNSPECIFIED", "BOND_STATUS_UNBONDED", "BOND_STATUS_UNBONDING", "BOND_STATUS_BONDED"] as const;

export const ED25519_PUBKEY_TYPE_URL = "/cosmos.crypto.ed25519.PubKey";

export interface CommissionState {
  rate: Dec;
  maxRate: Dec;
  maxChangeRate: Dec;
  updateTime: Timestamp;
}

export interface Val {
  operator: Bytes;
  /** ed25519, 32 bytes. */
  consPubKey: Bytes;
  jailed: boolean;
  status: BondStatusValue;
  tokens: bigint;
  delegatorShares: Dec;
  description: Description;
  unbondingHeight: bigint;
  unbondingTime: Timestamp;
  commission: CommissionState;
  minSelfDelegation: bigint;
}

export interface Del {
  delegator: Bytes;
  validator: Bytes;
  shares: Dec;
}

export interface UbdEntry {
  creationHeight: bigint;
  completionTime: Timestamp;
  initialBalance: bigint;
  balance: bigint;
  unbondingId: bigint;
}

export interface Ubd {
  delegator: Bytes;
  validator: Bytes;
  entries: UbdEntry[];
}

export interface RedEntry {
  creationHeight: bigint;
  completionTime: Timestamp;
  initialBalance: bigint;
  sharesDst: Dec;
  unbondingId: bigint;
}

export interface Red {
  delegator: Bytes;
  src: Bytes;
  dst: Bytes;
  entries: RedEntry[];
}

/** CometBFT address of an ed25519 key: sha256(pubkey)[0:20]. */
export function consAddressOf(pub: Bytes): Bytes {
  return sha256(pub).slice(0, 20);
}

export function isBonded(v: Val): boolean {
  return v.status === BOND_STATUS.bonded;
}

export function ed25519PubKeyAny(pub: Bytes): { typeUrl: string; value: Bytes } {
  return { typeUrl: ED25519_PUBKEY_TYPE_URL, value: Ed25519PubKey.encode({ key: pub }).finish() };
}

export function valToProto(v: Val): Validator {
  return {
    operatorAddress: valAddressToString(v.operator),
    consensusPubkey: ed25519PubKeyAny(v.consPubKey),
    jailed: v.jailed,
    status: v.status as number,
    tokens: v.tokens.toString(),
    delegatorShares: v.delegatorShares.toString(),
    description: v.description,
    unbondingHeight: v.unbondingHeight,
    unbondingTime: v.unbondingTime,
    commission: { commissionRates: { rate: v.commission.rate.toString(), maxRate: v.commission.maxRate.toString(), maxChangeRate: v.commission.maxChangeRate.toString() }, updateTime: v.commission.updateTime },
    minSelfDelegation: v.minSelfDelegation.toString(),
    unbondingOnHoldRefCount: 0n,
    unbondingIds: [],
  };
}

export function valFromProto(p: Validator): Val {
  const any = p.consensusPubkey;
  const pub = any === undefined ? new Uint8Array(0) : Ed25519PubKey.decode(any.value).key;
  return {
    operator: valAddressFromString(p.operatorAddress),
    consPubKey: pub,
    jailed: p.jailed,
    status: p.status as BondStatusValue,
    tokens: BigInt(p.tokens || "0"),
    delegatorShares: BigInt(p.delegatorShares || "0"),
    description: p.description,
    unbondingHeight: p.unbondingHeight,
    unbondingTime: p.unbondingTime,
    commission: {
      rate: BigInt(p.commission.commissionRates.rate || "0"),
      maxRate: BigInt(p.commission.commissionRates.maxRate || "0"),
      maxChangeRate: BigInt(p.commission.commissionRates.maxChangeRate || "0"),
      updateTime: p.commission.updateTime,
    },
    minSelfDelegation: BigInt(p.minSelfDelegation || "0"),
  };
}

export const encodeVal = (v: Val): Bytes => Validator.encode(valToProto(v)).finish();
export const decodeVal = (b: Bytes): Val => valFromProto(Validator.decode(b));

export function delToProto(d: Del): Delegation {
  return { delegatorAddress: accAddressToString(d.delegator), validatorAddress: valAddressToString(d.validator), shares: d.shares.toString() };
}
export function delFromProto(p: Delegation): Del {
  return { delegator: accAddressFromString(p.delegatorAddress), validator: valAddressFromString(p.validatorAddress), shares: BigInt(p.shares || "0") };
}

export function ubdToProto(u: Ubd): UnbondingDelegation {
  return {
    delegatorAddress: accAddressToString(u.delegator),
    validatorAddress: valAddressToString(u.validator),
    entries: u.entries.map((e) => ({ creationHeight: e.creationHeight, completionTime: e.completionTime, initialBalance: e.initialBalance.toString(), balance: e.balance.toString(), unbondingId: e.unbondingId, unbondingOnHoldRefCount: 0n })),
  };
}
export function ubdFromProto(p: UnbondingDelegation): Ubd {
  return {
    delegator: accAddressFromString(p.delegatorAddress),
    validator: valAddressFromString(p.validatorAddress),
    entries: p.entries.map((e) => ({ creationHeight: e.creationHeight, completionTime: e.completionTime, initialBalance: BigInt(e.initialBalance || "0"), balance: BigInt(e.balance || "0"), unbondingId: e.unbondingId })),
  };
}

export function redToProto(r: Red): Redelegation {
  return {
    delegatorAddress: accAddressToString(r.delegator),
    validatorSrcAddress: valAddressToString(r.src),
    validatorDstAddress: valAddressToString(r.dst),
    entries: r.entries.map((e) => ({ creationHeight: e.creationHeight, completionTime: e.completionTime, initialBalance: e.initialBalance.toString(), sharesDst: e.sharesDst.toString(), unbondingId: e.unbondingId, unbondingOnHoldRefCount: 0n })),
  };
}
export function redFromProto(p: Redelegation): Red {
  return {
    delegator: accAddressFromString(p.delegatorAddress),
    src: valAddressFromString(p.validatorSrcAddress),
    dst: valAddressFromString(p.validatorDstAddress),
    entries: p.entries.map((e) => ({ creationHeight: e.creationHeight, completionTime: e.completionTime, initialBalance: BigInt(e.initialBalance || "0"), sharesDst: BigInt(e.sharesDst || "0"), unbondingId: e.unbondingId })),
  };
}

export const encodeDel = (d: Del): Bytes => Delegation.encode(delToProto(d)).finish();
export const decodeDel = (b: Bytes): Del => delFromProto(Delegation.decode(b));
export const encodeUbd = (u: Ubd): Bytes => UnbondingDelegation.encode(ubdToProto(u)).finish();
export const decodeUbd = (b: Bytes): Ubd => ubdFromProto(UnbondingDelegation.decode(b));
export const encodeRed = (r: Red): Bytes => Redelegation.encode(redToProto(r)).finish();
export const decodeRed = (b: Bytes): Red => redFromProto(Redelegation.decode(b));

export function cmpTime(a: Timestamp, b: Timestamp): number {
  if (a.seconds !== b.seconds) return a.seconds < b.seconds ? -1 : 1;
  return a.nanos - b.nanos;
}

export function addDuration(t: Timestamp, d: { seconds: bigint; nanos: number }): Timestamp {
  let seconds = t.seconds + d.seconds;
  let nanos = t.nanos + d.nanos;
  if (nanos >= 1_000_000_000) {
    seconds += 1n;
    nanos -= 1_000_000_000;
  }
  return { seconds, nanos };
}

/** shares issued for `amount` tokens (SDK Validator.AddTokensFromDel). */
export function sharesFromTokens(v: Val, amount: bigint): Dec {
  if (v.tokens === 0n) throw new RangeError("zero-token validator");
  return (v.delegatorShares * amount) / v.tokens;
}

/** tokens of `shares`, truncated (SDK TokensFromSharesTruncated(...).TruncateInt()). */
export function tokensFromSharesTruncInt(v: Val, shares: Dec): bigint {
  if (v.delegatorShares === 0n) return 0n;
  return (shares * v.tokens) / v.delegatorShares;
}

export { formatDuration, parseDuration, parseRfc3339, rfc3339 } from "../core/time.ts";
