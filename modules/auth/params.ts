/** auth params (cosmos.auth.v1beta1.Params) with the SDK defaults. */
import { ErrInvalidParams } from "./errors.ts";

export interface AuthParams {
  readonly maxMemoCharacters: bigint;
  readonly txSigLimit: bigint;
  readonly txSizeCostPerByte: bigint;
  readonly sigVerifyCostEd25519: bigint;
  readonly sigVerifyCostSecp256k1: bigint;
}

export function defaultParams(): AuthParams {
  return { maxMemoCharacters: 256n, txSigLimit: 7n, txSizeCostPerByte: 10n, sigVerifyCostEd25519: 590n, sigVerifyCostSecp256k1: 1000n };
}

export function validateParams(p: AuthParams): void {
  for (const [k, v] of Object.entries(p)) if (typeof v !== "bigint" || v <= 0n) throw ErrInvalidParams.wrap(`${k} must be positive: ${String(v)}`);
}

export function paramsToJson(p: AuthParams): Record<string, string> {
  return {
    max_memo_characters: p.maxMemoCharacters.toString(),
    tx_sig_limit: p.txSigLimit.toString(),
    tx_size_cost_per_byte: p.txSizeCostPerByte.toString(),
    sig_verify_cost_ed25519: p.sigVerifyCostEd25519.toString(),
    sig_verify_cost_secp256k1: p.sigVerifyCostSecp256k1.toString(),
  };
}

export function paramsFromJson(j: unknown): AuthParams {
  const o = (j ?? {}) as Record<string, unknown>;
  const d = defaultParams();
  const n = (k: string, def: bigint): bigint => {
    const v = o[k];
    if (v === undefined || v === null) return def;
    if (!/^[0-9]+$/.test(String(v))) throw ErrInvalidParams.wrap(`${k}: not an unsigned integer`);
    return BigInt(String(v));
  };
  return {
    maxMemoCharacters: n("max_memo_characters", d.maxMemoCharacters),
    txSigLimit: n("tx_sig_limit", d.txSigLimit),
    txSizeCostPerByte: n("tx_size_cost_per_byte", d.txSizeCostPerByte),
    sigVerifyCostEd25519: n("sig_verify_cost_ed25519", d.sigVerifyCostEd25519),
    sigVerifyCostSecp256k1: n("sig_verify_cost_secp256k1", d.sigVerifyCostSecp256k1),
  };
}
