/** Store layout of auth (namespace "auth/"). Numbers are never reused. */
import type { Bytes } from "../core/abci.ts";
import { u64be } from "../core/bytes.ts";

export const MODULE_NAME = "auth";
export const FEE_COLLECTOR_NAME = "fee_collector";

export const PREFIX = {
  /** 0x00 → Params (proto cosmos.auth.v1beta1.Params) */
  params: 0x00,
  /** 0x01 | len(addr) | addr → Any(BaseAccount | ModuleAccount) */
  accounts: 0x01,
  /** 0x02 | u64be(account_number) → addr */
  accountNumbers: 0x02,
  /** 0x03 → u64be(next global account number) */
  globalAccountNumber: 0x03,
} as const;

export const PARAMS_KEY: Bytes = Uint8Array.of(PREFIX.params);
export const GLOBAL_ACCOUNT_NUMBER_KEY: Bytes = Uint8Array.of(PREFIX.globalAccountNumber);
export const ACCOUNTS_PREFIX: Bytes = Uint8Array.of(PREFIX.accounts);

export function accountKey(addr: Bytes): Bytes {
  if (addr.length > 255) throw new RangeError("key part longer than 255 bytes");
  const out = new Uint8Array(2 + addr.length);
  out[0] = PREFIX.accounts;
  out[1] = addr.length;
  out.set(addr, 2);
  return out;
}

export function accountNumberKey(n: bigint): Bytes {
  // prefix byte then u64be(n), in one array (concat of two fresh arrays cost three allocations)
  const be = u64be(n);
  const out = new Uint8Array(9);
  out[0] = PREFIX.accountNumbers;
  out.set(be, 1);
  return out;
}
