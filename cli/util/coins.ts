/** Cosmos coin strings: "1000uopen", "5uatom,10uopen" (amount then denom, as in sdk.ParseCoinsNormalized). */
import { UserError } from "./errors.ts";

export interface Coin {
  denom: string;
  amount: bigint;
}

const DENOM = "[a-zA-Z][a-zA-Z0-9/:._-]{2,127}";
const COIN_RE = new RegExp(`^([0-9]+)(${DENOM})$`);
const DEC_COIN_RE = new RegExp(`^([0-9]+(?:\\.[0-9]+)?)(${DENOM})$`);

export function parseCoin(s: string): Coin {
  const m = COIN_RE.exec(s.trim());
  if (!m || m[1] === undefined || m[2] === undefined) {
    throw new UserError(`invalid coin "${s}": expected <amount><denom>, e.g. 1000uopen`);
  }
  return { amount: BigInt(m[1]), denom: m[2] };
}

/** Comma-separated coins; sorted by denom, duplicates rejected, zero amounts rejected. */
export function parseCoins(s: string): Coin[] {
  const text = s.trim();
  if (text === "") throw new UserError("invalid coins: empty string");
  const coins = text.split(",").map(parseCoin);
  const seen = new Set<string>();
  for (const c of coins) {
    if (c.amount === 0n) throw new UserError(`invalid coins "${s}": zero amount for ${c.denom}`);
    if (seen.has(c.denom)) throw new UserError(`invalid coins "${s}": duplicate denom ${c.denom}`);
    seen.add(c.denom);
  }
  return coins.sort((a, b) => (a.denom < b.denom ? -1 : a.denom > b.denom ? 1 : 0));
}

export function formatCoins(coins: readonly Coin[] | readonly { denom: string; amount: string }[]): string {
  return coins.map((c) => `${c.amount.toString()}${c.denom}`).join(",");
}

/** A decimal gas price "0.0025uopen" (validated; returned as its text for GasPrice.fromString). */
export function parseGasPrice(s: string): { amount: string; denom: string } {
  const m = DEC_COIN_RE.exec(s.trim());
  if (!m || m[1] === undefined || m[2] === undefined) {
    throw new UserError(`invalid gas price "${s}": expected <decimal><denom>, e.g. 0.0025uopen`);
  }
  return { amount: m[1], denom: m[2] };
}

/** Comma-separated decimal coins ("" allowed: no minimum). */
export function parseMinGasPrices(s: string): { amount: string; denom: string }[] {
  if (s.trim() === "") return [];
  return s.split(",").map(parseGasPrice);
}

/** Adds `add` into `into` (both sorted by denom), returning a new sorted list. */
export function addCoins(into: readonly Coin[], add: readonly Coin[]): Coin[] {
  const m = new Map<string, bigint>();
  for (const c of [...into, ...add]) m.set(c.denom, (m.get(c.denom) ?? 0n) + c.amount);
  return [...m.entries()]
    .map(([denom, amount]) => ({ denom, amount }))
    .sort((a, b) => (a.denom < b.denom ? -1 : a.denom > b.denom ? 1 : 0));
}
