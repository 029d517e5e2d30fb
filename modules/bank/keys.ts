/** Store layout of bank (namespace "bank/"), numbered as cosmos-sdk x/bank/types/keys.go. */
import type { Bytes } from "../core/abci.ts";
import { concat, lengthPrefixed, utf8 } from "../core/bytes.ts";

export const MODULE_NAME = "bank";

export const PREFIX = {
  /** 0x00 | denom → total supply (decimal string) */
  supply: 0x00,
  /** 0x01 | denom → Metadata (proto) */
  denomMetadata: 0x01,
  /** 0x02 | len(addr) | addr | denom → balance (decimal string) */
  balances: 0x02,
  /** 0x04 | denom → 0x01 enabled / 0x00 disabled */
  sendEnabled: 0x04,
  /** 0x05 → Params (proto; default_send_enabled) */
  params: 0x05,
} as const;

export const PARAMS_KEY: Bytes = Uint8Array.of(PREFIX.params);
export const SUPPLY_PREFIX: Bytes = Uint8Array.of(PREFIX.supply);
export const BALANCES_PREFIX: Bytes = Uint8Array.of(PREFIX.balances);
export const DENOM_METADATA_PREFIX: Bytes = Uint8Array.of(PREFIX.denomMetadata);
export const SEND_ENABLED_PREFIX: Bytes = Uint8Array.of(PREFIX.sendEnabled);

export function balancesPrefix(addr: Bytes): Bytes {
  return concat(BALANCES_PREFIX, lengthPrefixed(addr));
}

/** the module-relative key of addr's balance of denom (the full tree key is "bank/" + this). */
export function balanceKey(addr: Bytes, denom: string): Bytes {
  if (addr.length > 255) throw new RangeError("key part longer than 255 bytes");
  const d = denomBytes(denom);
  const out = new Uint8Array(2 + addr.length + d.length);
  out[0] = PREFIX.balances;
  out[1] = addr.length;
  out.set(addr, 2);
  out.set(d, 2 + addr.length);
  return out;
}

/** utf8(denom), memoized (a handful of denoms; bounded anyway). Callers only copy from it. */
const denomMemo = new Map<string, Bytes>();
function denomBytes(denom: string): Bytes {
  let b = denomMemo.get(denom);
  if (b === undefined) {
    b = utf8(denom);
    if (denomMemo.size >= 1024) denomMemo.clear();
    denomMemo.set(denom, b);
  }
  return b;
}

/** splits a key under BALANCES_PREFIX (with the prefix) into address and denom. */
export function parseBalanceKey(key: Bytes): { address: Bytes; denom: string } {
  const n = key[1] as number;
  return { address: key.subarray(2, 2 + n), denom: new TextDecoder().decode(key.subarray(2 + n)) };
}

export function supplyKey(denom: string): Bytes {
  return concat(SUPPLY_PREFIX, utf8(denom));
}

export function denomMetadataKey(denom: string): Bytes {
  return concat(DENOM_METADATA_PREFIX, utf8(denom));
}

export function sendEnabledKey(denom: string): Bytes {
  return concat(SEND_ENABLED_PREFIX, utf8(denom));
}
