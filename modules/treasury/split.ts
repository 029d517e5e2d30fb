/**
 * Largest-remainder integer split (Hamilton): no unit lost or created. Pure; bigint only.
 * base_i = ⌊total·w_i / W⌋; the total − Σ base leftover units (fewer than the number of parts) go one
 * each to the largest remainders total·w_i mod W, ties to the lowest index. W = 0 → all zeros (the
 * caller decides where an unassignable total goes).
 */
export function largestRemainder(total: bigint, weights: readonly bigint[]): bigint[] {
  if (total < 0n) throw new RangeError(`treasury: total ${total} must not be negative`);
  let W = 0n;
  for (const w of weights) {
    if (w < 0n) throw new RangeError(`treasury: weight ${w} must not be negative`);
    W += w;
  }
  const out = weights.map(() => 0n);
  if (W === 0n || total === 0n) return out;
  const rems: bigint[] = new Array(weights.length);
  let assigned = 0n;
  for (let i = 0; i < weights.length; i++) {
    const p = total * (weights[i] as bigint);
    out[i] = p / W;
    rems[i] = p % W;
    assigned += out[i] as bigint;
  }
  let left = total - assigned;
  if (left === 0n) return out;
  const order = weights.map((_, i) => i).sort((a, b) => {
    const ra = rems[a] as bigint;
    const rb = rems[b] as bigint;
    return ra > rb ? -1 : ra < rb ? 1 : a - b;
  });
  for (let t = 0; t < order.length && left > 0n; t++) {
    const i = order[t] as number;
    if ((weights[i] as bigint) === 0n) continue;
    out[i] = (out[i] as bigint) + 1n;
    left--;
  }
  return out;
}
