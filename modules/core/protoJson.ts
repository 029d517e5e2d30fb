/**
 * ts-proto's `toJSON` writes camelCase keys; genesis files and the gateway JSON use proto field names
 * (snake_case). Shared by every openledger module's genesis export (it was copied into seven files).
 */
export function snakeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, x] of Object.entries(v as Record<string, unknown>)) out[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = snakeKeys(x);
    return out;
  }
  return v;
}
