/** A seeded PRNG (xorshift32) for the store and decoder fuzz tests: deterministic, prints nothing. */
export function rng(seed: number): { int(n: number): number; bytes(n: number): Uint8Array; pick<T>(xs: readonly T[]): T } {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return {
    int: (n) => next() % n,
    bytes: (n) => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = next() & 255;
      return out;
    },
    pick: <T>(xs: readonly T[]): T => xs[next() % xs.length] as T,
  };
}
