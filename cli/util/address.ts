/** Bech32 addresses with the chain's prefixes (DESIGN.md: open, openvaloper, openvalcons). */
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { errorMessage, UserError } from "./errors.ts";

export const ACC_PREFIX = "open";
export const VAL_PREFIX = "openvaloper";
export const CONS_PREFIX = "openvalcons";

/** Decodes and checks the prefix; throws a UserError naming the offending input. */
export function parseAddress(addr: string, prefix: string = ACC_PREFIX, what = "address"): Uint8Array {
  let decoded: { prefix: string; data: Uint8Array };
  try {
    decoded = fromBech32(addr, 90);
  } catch (e) {
    throw new UserError(`invalid ${what} "${addr}": ${errorMessage(e)}`);
  }
  if (decoded.prefix !== prefix) {
    throw new UserError(`invalid ${what} "${addr}": expected prefix ${prefix}, got ${decoded.prefix}`);
  }
  if (decoded.data.length !== 20 && decoded.data.length !== 32) {
    throw new UserError(`invalid ${what} "${addr}": ${decoded.data.length}-byte payload (expected 20 or 32)`);
  }
  return decoded.data;
}

export function isBech32(s: string, prefix: string = ACC_PREFIX): boolean {
  try {
    return fromBech32(s, 90).prefix === prefix;
  } catch {
    return false;
  }
}

export function encodeAddress(bytes: Uint8Array, prefix: string = ACC_PREFIX): string {
  return toBech32(prefix, bytes);
}
