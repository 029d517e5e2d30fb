/**
 * Coins: bigint amounts, denoms validated by the SDK regex, kept sorted by denom with no duplicates and
 * no zero amounts (cosmos-sdk types/coin.go). Text form "1234uopen,5foo".
 */
import { ErrInvalidCoins, ErrInsufficientFunds } from "./errors.ts";

export interface Coin {
  readonly denom: string;
  readonly amount: bigint;
}

/** Coin as protobuf carries it (cosmjs-types `Coin`): decimal string amount. */
export interface ProtoCoin {
  denom: string;
  amount: string;
}

const DENOM_RE = /^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/;
const AMOUNT_RE = /^[0-9]+$/;
/** sdkmath.Int is bounded to 256 bits. */
export const MAX_AMOUNT = (1n << 256n) - 1n;

export function isValidDenom(denom: string): boolean {
  return DENOM_RE.test(denom);
}

export function validateDenom(denom: string): void {
  if (!isValidDenom(denom)) throw ErrInvalidCoins.wrap(`invalid denom: ${denom}`);
}

/** decimal string → bigint, or sdk:10. */
export function parseAmount(s: string): bigint {
  if (!AMOUNT_RE.test(s) || s.length > 78) throw ErrInvalidCoins.wrap(`invalid amount: ${JSON.stringify(s.slice(0, 80))}`);
  const v = BigInt(s);
  if (v > MAX_AMOUNT) throw ErrInvalidCoins.wrap("amount exceeds 256 bits");
  return v;
}

function cmpDenom(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** sorted by denom, no duplicates, every amount > 0 (SDK Coins.Validate). Empty is valid. */
export function validateCoins(coins: readonly Coin[]): void {
  for (let i = 0; i < coins.length; i++) {
    const c = coins[i] as Coin;
    validateDenom(c.denom);
    if (c.amount <= 0n) throw ErrInvalidCoins.wrap(`coin ${c.amount}${c.denom} amount is not positive`);
    if (c.amount > MAX_AMOUNT) throw ErrInvalidCoins.wrap("amount exceeds 256 bits");
    if (i > 0) {
      const d = cmpDenom((coins[i - 1] as Coin).denom, c.denom);
      if (d === 0) throw ErrInvalidCoins.wrap(`duplicate denomination ${c.denom}`);
      if (d > 0) throw ErrInvalidCoins.wrap(`denomination ${c.denom} is not sorted`);
    }
  }
}

/** sorts, merges duplicates and drops zeros (SDK NewCoins without the panic). */
export function normalizeCoins(coins: readonly Coin[]): Coin[] {
  const m = new Map<string, bigint>();
  for (const c of coins) {
    validateDenom(c.denom);
    if (c.amount < 0n) throw ErrInvalidCoins.wrap(`negative coin amount ${c.amount}${c.denom}`);
    m.set(c.denom, (m.get(c.denom) ?? 0n) + c.amount);
  }
  return [...m.entries()]
    .filter(([, a]) => a > 0n)
    .sort((a, b) => cmpDenom(a[0], b[0]))
    .map(([denom, amount]) => ({ denom, amount }));
}

/** "1000uopen,5foo" → sorted coins (zeros dropped); sdk:10 on bad text, duplicates or bad denoms. */
export function parseCoins(text: string): Coin[] {
  const t = text.trim();
  if (t === "") return [];
  const out: Coin[] = [];
  const seen = new Set<string>();
  for (const part of t.split(",")) {
    const m = /^([0-9]+)\s*([a-zA-Z][a-zA-Z0-9/:._-]{2,127})$/.exec(part.trim());
    if (m === null) throw ErrInvalidCoins.wrap(`invalid coin expression: ${part.trim().slice(0, 140)}`);
    const denom = m[2] as string;
    if (seen.has(denom)) throw ErrInvalidCoins.wrap(`duplicate denomination ${denom}`);
    seen.add(denom);
    out.push({ denom, amount: parseAmount(m[1] as string) });
  }
  return normalizeCoins(out);
}

/** "1234uopen,5foo" (SDK Coins.String); "" for no coins. */
export function formatCoins(coins: readonly Coin[]): string {
  if (coins.length === 1) {
    const c = coins[0] as Coin;
    return `${c.amount}${c.denom}`;
  }
  return coins.map((c) => `${c.amount}${c.denom}`).join(",");
}

export function coinFromProto(c: ProtoCoin): Coin {
  validateDenom(c.denom);
  return { denom: c.denom, amount: parseAmount(c.amount) };
}

/** proto coins → validated Coins (sorted, no dup, positive), as a message's ValidateBasic requires. */
export function coinsFromProto(cs: readonly ProtoCoin[]): Coin[] {
  const coins = cs.map(coinFromProto);
  validateCoins(coins);
  return coins;
}

export function coinsToProto(coins: readonly Coin[]): ProtoCoin[] {
  return coins.map((c) => ({ denom: c.denom, amount: c.amount.toString() }));
}

export function amountOf(coins: readonly Coin[], denom: string): bigint {
  for (const c of coins) if (c.denom === denom) return c.amount;
  return 0n;
}

export function addCoins(a: readonly Coin[], b: readonly Coin[]): Coin[] {
  return normalizeCoins([...a, ...b]);
}

/** a − b; sdk:5 when any denom would go negative. */
export function subCoins(a: readonly Coin[], b: readonly Coin[]): Coin[] {
  const m = new Map<string, bigint>();
  for (const c of a) m.set(c.denom, (m.get(c.denom) ?? 0n) + c.amount);
  for (const c of b) {
    const v = (m.get(c.denom) ?? 0n) - c.amount;
    if (v < 0n) throw ErrInsufficientFunds.wrap(`${formatCoins(a)} is smaller than ${formatCoins(b)}`);
    m.set(c.denom, v);
  }
  return normalizeCoins([...m.entries()].map(([denom, amount]) => ({ denom, amount })));
}

/** every denom of b is covered by a (SDK IsAllGTE). */
export function isAllGte(a: readonly Coin[], b: readonly Coin[]): boolean {
  for (const c of b) if (amountOf(a, c.denom) < c.amount) return false;
  return true;
}

/** some denom of b is covered by a (SDK IsAnyGTE); false when b is empty. */
export function isAnyGte(a: readonly Coin[], b: readonly Coin[]): boolean {
  for (const c of b) if (amountOf(a, c.denom) >= c.amount) return true;
  return false;
}

export function coinsEqual(a: readonly Coin[], b: readonly Coin[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as Coin;
    const y = b[i] as Coin;
    if (x.denom !== y.denom || x.amount !== y.amount) return false;
  }
  return true;
}
