/** paychan store layout (module namespace "paychan/"). ids and heights are u64 big-endian. */
import type { Bytes } from "../core/abci.ts";
import { concat, lengthPrefixed, u64be } from "../core/bytes.ts";

export const MODULE_NAME = "paychan";
/** the module account holding every channel's unredeemed deposit. */
export const ESCROW_ACCOUNT = MODULE_NAME;

export const PREFIX = {
  /** 0x00 → Params */
  params: 0x00,
  /** 0x01 | u64 id → Channel */
  channel: 0x01,
  /** 0x02 | lp(address) | u64 id → ∅ (channels of a payer or payee) */
  byAddress: 0x02,
  /** 0x03 | u64 settle height | u64 id → ∅ (closing channels, settled at the end of that block) */
  settleQueue: 0x03,
  /** 0x04 → u64 next channel id */
  sequence: 0x04,
} as const;

const p = (b: number) => Uint8Array.of(b);
export const PARAMS_KEY: Bytes = p(PREFIX.params);
export const SEQUENCE_KEY: Bytes = p(PREFIX.sequence);
export const channelKey = (id: bigint): Bytes => concat(p(PREFIX.channel), u64be(id));
export const byAddressPrefix = (a: Bytes): Bytes => concat(p(PREFIX.byAddress), lengthPrefixed(a));
export const byAddressKey = (a: Bytes, id: bigint): Bytes => concat(byAddressPrefix(a), u64be(id));
export const settleQueueKey = (h: bigint, id: bigint): Bytes => concat(p(PREFIX.settleQueue), u64be(h), u64be(id));
