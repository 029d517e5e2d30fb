/** Store layout of staking (namespace "staking/"). Variable parts are length-prefixed; numbers are never reused. */
import type { Bytes, Timestamp } from "../core/abci.ts";
import { concat, lengthPrefixed, u64be } from "../core/bytes.ts";

export const MODULE_NAME = "staking";
export const BONDED_POOL_NAME = "bonded_tokens_pool";
export const NOT_BONDED_POOL_NAME = "not_bonded_tokens_pool";

export const PREFIX = {
  /** 0x01 → Params (proto cosmos.staking.v1beta1.Params) */
  params: 0x01,
  /** 0x11 → last total power (decimal string) */
  lastTotalPower: 0x11,
  /** 0x12 | lp(val) → last validator power (decimal string): the set the last EndBlock returned */
  lastValidatorPower: 0x12,
  /** 0x21 | lp(val) → Validator (proto) */
  validators: 0x21,
  /** 0x22 | lp(cons) → val */
  validatorsByConsAddr: 0x22,
  /** 0x23 | u64be(MAX − power) | lp(val) → val: non-jailed validators, highest power first, then address */
  validatorsByPower: 0x23,
  /** 0x24 | time | lp(val) → empty: unbonding validators by unbonding time */
  validatorQueue: 0x24,
  /** 0x31 | lp(del) | lp(val) → Delegation (proto) */
  delegations: 0x31,
  /** 0x32 | lp(val) | lp(del) → empty */
  delegationsByValidator: 0x32,
  /** 0x41 | lp(del) | lp(val) → UnbondingDelegation (proto) */
  unbondingDelegations: 0x41,
  /** 0x42 | lp(val) | lp(del) → empty */
  unbondingDelegationsByValidator: 0x42,
  /** 0x43 | time | lp(del) | lp(val) → empty: unbonding queue */
  unbondingQueue: 0x43,
  /** 0x50 | u64be(height) → HistoricalInfo (proto cosmos.staking.v1beta1.HistoricalInfo), as SDK 0.50 (HistoricalInfoKey 0x50, collections Uint64Key) */
  historicalInfo: 0x50,
  /** 0x51 | lp(del) | lp(src) | lp(dst) → Redelegation (proto) */
  redelegations: 0x51,
  /** 0x52 | lp(src) | lp(del) | lp(dst) → empty */
  redelegationsBySrc: 0x52,
  /** 0x53 | lp(dst) | lp(del) | lp(src) → empty */
  redelegationsByDst: 0x53,
  /** 0x54 | time | lp(del) | lp(src) | lp(dst) → empty: redelegation queue */
  redelegationQueue: 0x54,
  /** 0x61 → u64be(last unbonding id) */
  unbondingId: 0x61,
} as const;

const p = (b: number) => Uint8Array.of(b);
export const PARAMS_KEY = p(PREFIX.params);
export const LAST_TOTAL_POWER_KEY = p(PREFIX.lastTotalPower);
export const UNBONDING_ID_KEY = p(PREFIX.unbondingId);

/** 12 bytes: u64be(seconds) | u32be(nanos); sorts by time. */
export function timeKey(t: Timestamp): Bytes {
  const out = new Uint8Array(12);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, t.seconds < 0n ? 0n : t.seconds);
  dv.setUint32(8, t.nanos);
  return out;
}

export function timeFromKey(b: Bytes): Timestamp {
  const dv = new DataView(b.buffer, b.byteOffset, 12);
  return { seconds: dv.getBigUint64(0), nanos: dv.getUint32(8) };
}

/** splits consecutive length-prefixed parts. */
export function splitLp(b: Bytes, n: number): Bytes[] {
  const out: Bytes[] = [];
  let o = 0;
  for (let i = 0; i < n; i++) {
    const len = b[o] as number;
    out.push(b.subarray(o + 1, o + 1 + len));
    o += 1 + len;
  }
  return out;
}

export const lastValidatorPowerKey = (val: Bytes) => concat(p(PREFIX.lastValidatorPower), lengthPrefixed(val));
export const validatorKey = (val: Bytes) => concat(p(PREFIX.validators), lengthPrefixed(val));
export const validatorByConsKey = (cons: Bytes) => concat(p(PREFIX.validatorsByConsAddr), lengthPrefixed(cons));
const MAX_U64 = 0xffffffffffffffffn;
export const validatorByPowerKey = (power: bigint, val: Bytes) => concat(p(PREFIX.validatorsByPower), u64be(MAX_U64 - (power > MAX_U64 ? MAX_U64 : power)), lengthPrefixed(val));
export const validatorQueueKey = (t: Timestamp, val: Bytes) => concat(p(PREFIX.validatorQueue), timeKey(t), lengthPrefixed(val));
export const delegationKey = (del: Bytes, val: Bytes) => concat(p(PREFIX.delegations), lengthPrefixed(del), lengthPrefixed(val));
export const delegationsOfPrefix = (del: Bytes) => concat(p(PREFIX.delegations), lengthPrefixed(del));
export const delegationByValKey = (val: Bytes, del: Bytes) => concat(p(PREFIX.delegationsByValidator), lengthPrefixed(val), lengthPrefixed(del));
export const delegationsByValPrefix = (val: Bytes) => concat(p(PREFIX.delegationsByValidator), lengthPrefixed(val));
export const ubdKey = (del: Bytes, val: Bytes) => concat(p(PREFIX.unbondingDelegations), lengthPrefixed(del), lengthPrefixed(val));
export const ubdsOfPrefix = (del: Bytes) => concat(p(PREFIX.unbondingDelegations), lengthPrefixed(del));
export const ubdByValKey = (val: Bytes, del: Bytes) => concat(p(PREFIX.unbondingDelegationsByValidator), lengthPrefixed(val), lengthPrefixed(del));
export const ubdsByValPrefix = (val: Bytes) => concat(p(PREFIX.unbondingDelegationsByValidator), lengthPrefixed(val));
export const ubdQueueKey = (t: Timestamp, del: Bytes, val: Bytes) => concat(p(PREFIX.unbondingQueue), timeKey(t), lengthPrefixed(del), lengthPrefixed(val));
export const redKey = (del: Bytes, src: Bytes, dst: Bytes) => concat(p(PREFIX.redelegations), lengthPrefixed(del), lengthPrefixed(src), lengthPrefixed(dst));
export const redsOfPrefix = (del: Bytes) => concat(p(PREFIX.redelegations), lengthPrefixed(del));
export const redBySrcKey = (src: Bytes, del: Bytes, dst: Bytes) => concat(p(PREFIX.redelegationsBySrc), lengthPrefixed(src), lengthPrefixed(del), lengthPrefixed(dst));
export const redsBySrcPrefix = (src: Bytes) => concat(p(PREFIX.redelegationsBySrc), lengthPrefixed(src));
export const redByDstKey = (dst: Bytes, del: Bytes, src: Bytes) => concat(p(PREFIX.redelegationsByDst), lengthPrefixed(dst), lengthPrefixed(del), lengthPrefixed(src));
export const redQueueKey = (t: Timestamp, del: Bytes, src: Bytes, dst: Bytes) => concat(p(PREFIX.redelegationQueue), timeKey(t), lengthPrefixed(del), lengthPrefixed(src), lengthPrefixed(dst));
export const historicalInfoKey = (height: bigint) => concat(p(PREFIX.historicalInfo), u64be(height));
