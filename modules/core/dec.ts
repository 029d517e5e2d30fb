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
