/**
 * Dec: 18-decimal fixed point held in a bigint (cosmos-sdk LegacyDec), for gas prices and rates.
 * `1.5` is 1_500000000000000000n.
 */
import { ErrInvalidCoins, ErrInvalidRequest } from "./errors.ts";
import { type Coin, isValidDenom } from "./coins.ts";

export const DEC_PRECISION = 18;
export const DEC_ONE = 10n ** 18n;

export type Dec = bigint;

/** "0.0025" → Dec; at most 18 fractional digits; no sign, no exponent. */
export function parseDec(s: string): Dec {
  const m = /^([0-9]+)(?:\.([0-9]{1,18}))?$/.exec(s);
  if (m === null) throw ErrInvalidRequest.wrap(`invalid decimal: ${JSON.stringify(s.slice(0, 40))}`);
  const frac = (m[2] ?? "").padEnd(DEC_PRECISION, "0");
  return BigInt(m[1] as string) * DEC_ONE + BigInt(frac);
}

/** Dec → "0.002500000000000000" (SDK LegacyDec.String, always 18 decimals). */
export function formatDec(d: Dec): string {
  const neg = d < 0n;
  const a = neg ? -d : d;
  const int = a / DEC_ONE;
  const frac = (a % DEC_ONE).toString().padStart(DEC_PRECISION, "0");
  return `${neg ? "-" : ""}${int}.${frac}`;
}

export function decFromInt(n: bigint): Dec {
  return n * DEC_ONE;
}

/** ceil(d × n) as an integer (SDK: fee = ceil(gasPrice × gasLimit)). */
export function decMulIntCeil(d: Dec, n: bigint): bigint {
  const p = d * n;
  const q = p / DEC_ONE;
  return p % DEC_ONE === 0n || p < 0n ? q : q + 1n;
}

/** floor(d × n) as an integer. */
export function decMulIntFloor(d: Dec, n: bigint): bigint {
  return (d * n) / DEC_ONE;
}

export interface DecCoin {
  readonly denom: string;
  readonly amount: Dec;
}

/** "0.0025uopen,1foo" → sorted DecCoins (zero prices dropped). */
export function parseDecCoins(text: string): DecCoin[] {
  const t = text.trim();
  if (t === "") return [];
  const out: DecCoin[] = [];
  for (const part of t.split(",")) {
    const m = /^([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z][a-zA-Z0-9/:._-]{2,127})$/.exec(part.trim());
    if (m === null || !isValidDenom(m[2] as string)) throw ErrInvalidCoins.wrap(`invalid decimal coin expression: ${part.trim().slice(0, 140)}`);
    const denom = m[2] as string;
    if (out.some((c) => c.denom === denom)) throw ErrInvalidCoins.wrap(`duplicate denomination ${denom}`);
    out.push({ denom, amount: parseDec(m[1] as string) });
  }
  return out.filter((c) => c.amount > 0n).sort((a, b) => (a.denom < b.denom ? -1 : a.denom > b.denom ? 1 : 0));
}

/** the fee each min gas price requires for `gasLimit` (SDK: ceil(price × gas) per denom). */
export function requiredFees(minGasPrices: readonly DecCoin[], gasLimit: bigint): Coin[] {
  return minGasPrices.map((p) => ({ denom: p.denom, amount: decMulIntCeil(p.amount, gasLimit) })).filter((c) => c.amount > 0n);
}

// ---- LegacyDec arithmetic (cosmossdk.io/math legacy_dec.go): round half to even on Mul/Quo ----

/** chopPrecisionAndRound: x / 10^18 rounded half to even (x may be negative). */
function chopRound(x: bigint): bigint {
  const neg = x < 0n;
  const a = neg ? -x : x;
  const q = a / DEC_ONE;
  const r = a % DEC_ONE;
  const half = DEC_ONE / 2n;
  let out = q;
  if (r > half || (r === half && q % 2n === 1n)) out = q + 1n;
  return neg ? -out : out;
}

/** a × b, rounded half to even (LegacyDec.Mul). */
export function decMul(a: Dec, b: Dec): Dec {
  return chopRound(a * b);
}

/** a × b, truncated toward zero (LegacyDec.MulTruncate). */
export function decMulTruncate(a: Dec, b: Dec): Dec {
  return (a * b) / DEC_ONE;
}

/** a ÷ b, rounded half to even (LegacyDec.Quo). */
export function decQuo(a: Dec, b: Dec): Dec {
  if (b === 0n) throw new RangeError("division by zero");
  const mul = a * DEC_ONE * DEC_ONE;
  const q = mul / b;
  return chopRound(q);
}

/** a ÷ b, truncated toward zero (LegacyDec.QuoTruncate). */
export function decQuoTruncate(a: Dec, b: Dec): Dec {
  if (b === 0n) throw new RangeError("division by zero");
  return (a * DEC_ONE) / b;
}

/** a ÷ b, rounded up (LegacyDec.QuoRoundUp) for non-negative operands. */
export function decQuoRoundUp(a: Dec, b: Dec): Dec {
  if (b === 0n) throw new RangeError("division by zero");
  const n = a * DEC_ONE;
  const q = n / b;
  return n % b === 0n ? q : q + 1n;
}

/** the integer part, toward zero (LegacyDec.TruncateInt). */
export function decTruncateInt(d: Dec): bigint {
  return d / DEC_ONE;
}

/** rounded half to even to an integer (LegacyDec.RoundInt). */
export function decRoundInt(d: Dec): bigint {
  return chopRound(d);
}

// ---- DecCoins (sorted by denom, no zero amounts) ----

function cmpDenom(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function normDecCoins(m: Map<string, Dec>): DecCoin[] {
  return [...m.entries()]
    .filter(([, a]) => a !== 0n)
    .sort((x, y) => cmpDenom(x[0], y[0]))
    .map(([denom, amount]) => ({ denom, amount }));
}

export function decCoinsFromCoins(coins: readonly Coin[]): DecCoin[] {
  return normDecCoins(new Map(coins.map((c) => [c.denom, c.amount * DEC_ONE])));
}

export function addDecCoins(a: readonly DecCoin[], b: readonly DecCoin[]): DecCoin[] {
  const m = new Map<string, Dec>();
  for (const c of a) m.set(c.denom, (m.get(c.denom) ?? 0n) + c.amount);
  for (const c of b) m.set(c.denom, (m.get(c.denom) ?? 0n) + c.amount);
  return normDecCoins(m);
}

/** a − b per denom; may yield negative amounts (callers check with isAnyNegative). */
export function subDecCoins(a: readonly DecCoin[], b: readonly DecCoin[]): DecCoin[] {
  const m = new Map<string, Dec>();
  for (const c of a) m.set(c.denom, (m.get(c.denom) ?? 0n) + c.amount);
  for (const c of b) m.set(c.denom, (m.get(c.denom) ?? 0n) - c.amount);
  return normDecCoins(m);
}

export function mulDecCoinsTruncate(a: readonly DecCoin[], d: Dec): DecCoin[] {
  return normDecCoins(new Map(a.map((c) => [c.denom, decMulTruncate(c.amount, d)])));
}

export function mulDecCoins(a: readonly DecCoin[], d: Dec): DecCoin[] {
  return normDecCoins(new Map(a.map((c) => [c.denom, decMul(c.amount, d)])));
}

export function quoDecCoinsTruncate(a: readonly DecCoin[], d: Dec): DecCoin[] {
  return normDecCoins(new Map(a.map((c) => [c.denom, decQuoTruncate(c.amount, d)])));
}

/** per denom min of a and b (DecCoins.Intersect). */
export function intersectDecCoins(a: readonly DecCoin[], b: readonly DecCoin[]): DecCoin[] {
  const bm = new Map(b.map((c) => [c.denom, c.amount]));
  return normDecCoins(new Map(a.map((c) => [c.denom, c.amount < (bm.get(c.denom) ?? 0n) ? c.amount : (bm.get(c.denom) ?? 0n)])));
}

/** (integer coins, decimal remainder) (DecCoins.TruncateDecimal). */
export function truncateDecCoins(a: readonly DecCoin[]): { coins: Coin[]; remainder: DecCoin[] } {
  const coins: Coin[] = [];
  const rem = new Map<string, Dec>();
  for (const c of a) {
    const i = c.amount / DEC_ONE;
    if (i > 0n) coins.push({ denom: c.denom, amount: i });
    rem.set(c.denom, c.amount - i * DEC_ONE);
  }
  return { coins, remainder: normDecCoins(rem) };
}

export function isAnyNegativeDecCoins(a: readonly DecCoin[]): boolean {
  return a.some((c) => c.amount < 0n);
}

/** proto DecCoin (amount = the 10^18-scaled integer as a string, the SDK's binary LegacyDec form). */
export function decCoinsToProto(a: readonly DecCoin[]): { denom: string; amount: string }[] {
  return a.map((c) => ({ denom: c.denom, amount: c.amount.toString() }));
}

export function decCoinsFromProto(a: readonly { denom: string; amount: string }[]): DecCoin[] {
  return normDecCoins(new Map(a.map((c) => [c.denom, c.amount === "" ? 0n : BigInt(c.amount)])));
}

/** "1.5uopen,2.000000000000000000ufoo" (SDK DecCoins.String). */
export function formatDecCoins(a: readonly DecCoin[]): string {
  return a.map((c) => `${formatDec(c.amount)}${c.denom}`).join(",");
}

/** JSON form of a LegacyDec: "0.100000000000000000"; accepts "0.1" too. */
export function parseDecSigned(s: string): Dec {
  return s.startsWith("-") ? -parseDec(s.slice(1)) : parseDec(s);
}
