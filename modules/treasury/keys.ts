/**
 * treasury store layout (module namespace "treasury/"). Numbers are never reused; variable-length parts
 * are length-prefixed; ids and epochs are u64 big-endian so that keys sort numerically.
 */
import type { Bytes } from "../core/abci.ts";
import { concat, lengthPrefixed, u64be, utf8 } from "../core/bytes.ts";

export const MODULE_NAME = "treasury";
/** the module account that holds vesting contributor rewards (and fees in transit during a split). */
export const VESTING_ACCOUNT = MODULE_NAME;

export const PREFIX = {
  /** 0x00 → Params (proto) */
  params: 0x00,
  /** 0x01 | u64 model id → ModelPolicy */
  policy: 0x01,
  /** 0x02 | lp(address) | u64 datanet id | u64 epoch | lp(denom) → VestingEntry */
  vesting: 0x02,
  /** 0x03 | lp(address) | u64 epoch | lp(denom) → EpochEarnings */
  earnings: 0x03,
} as const;

const p = (b: number) => Uint8Array.of(b);
const lpStr = (s: string) => lengthPrefixed(utf8(s));

export const PARAMS_KEY: Bytes = p(PREFIX.params);
export const policyKey = (modelId: bigint): Bytes => concat(p(PREFIX.policy), u64be(modelId));
export const vestingAddrPrefix = (addr: Bytes): Bytes => concat(p(PREFIX.vesting), lengthPrefixed(addr));
export const vestingDatanetPrefix = (addr: Bytes, datanetId: bigint): Bytes => concat(vestingAddrPrefix(addr), u64be(datanetId));
export const vestingKey = (addr: Bytes, datanetId: bigint, epoch: bigint, denom: string): Bytes => concat(vestingDatanetPrefix(addr, datanetId), u64be(epoch), lpStr(denom));
export const earningsAddrPrefix = (addr: Bytes): Bytes => concat(p(PREFIX.earnings), lengthPrefixed(addr));
export const earningsEpochPrefix = (addr: Bytes, epoch: bigint): Bytes => concat(earningsAddrPrefix(addr), u64be(epoch));
export const earningsKey = (addr: Bytes, epoch: bigint, denom: string): Bytes => concat(earningsEpochPrefix(addr, epoch), lpStr(denom));
