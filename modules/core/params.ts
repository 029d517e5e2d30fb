/**
 * Chain-wide runtime params (not owned by a module): epoch length, tx size and memo bounds.
 * Stored by the runtime under the "runtime" namespace; changed only by governance.
 */
import { ErrInvalidRequest } from "./errors.ts";
import { fromUtf8, utf8 } from "./bytes.ts";
import type { Bytes } from "./abci.ts";

export interface RuntimeParams {
  /** DESIGN.md: epoch(h) = floor((h − 1) / epoch_blocks). */
  readonly epochBlocks: bigint;
  /** a tx larger than this is INVALID (sdk:21). */
  readonly maxTxBytes: bigint;
  /** longest memo in characters (sdk:12); auth's max_memo_characters is checked too. */
  readonly maxMemoCharacters: bigint;
}

export const DEFAULT_RUNTIME_PARAMS: RuntimeParams = Object.freeze({
  epochBlocks: 100n,
  maxTxBytes: 1048576n,
  maxMemoCharacters: 256n,
});

/** the store namespace of runtime-owned state (reserved: no module may use this name). */
export const RUNTIME_NAMESPACE = "runtime";
export const RUNTIME_PARAMS_KEY: Bytes = Uint8Array.of(0x00);

export function validateRuntimeParams(p: RuntimeParams): void {
  if (p.epochBlocks < 1n) throw ErrInvalidRequest.wrap("epoch_blocks must be positive");
  if (p.maxTxBytes < 1n) throw ErrInvalidRequest.wrap("max_tx_bytes must be positive");
  if (p.maxMemoCharacters < 0n) throw ErrInvalidRequest.wrap("max_memo_characters must not be negative");
}

/** epoch(h) = floor((h − 1) / epoch_blocks); height 0 (genesis) counts as epoch 0. */
export function epochOf(height: bigint, p: RuntimeParams): bigint {
  return height <= 0n ? 0n : (height - 1n) / p.epochBlocks;
}

export function runtimeParamsToJson(p: RuntimeParams): Record<string, string> {
  return { epoch_blocks: p.epochBlocks.toString(), max_tx_bytes: p.maxTxBytes.toString(), max_memo_characters: p.maxMemoCharacters.toString() };
}

export function runtimeParamsFromJson(j: unknown): RuntimeParams {
  const o = (j ?? {}) as Record<string, unknown>;
  const num = (k: string, d: bigint): bigint => {
    const v = o[k];
    if (v === undefined) return d;
    if (typeof v !== "string" && typeof v !== "number") throw ErrInvalidRequest.wrap(`runtime param ${k}: not a number`);
    if (!/^[0-9]+$/.test(String(v))) throw ErrInvalidRequest.wrap(`runtime param ${k}: not an unsigned integer`);
    return BigInt(v);
  };
  const p: RuntimeParams = {
    epochBlocks: num("epoch_blocks", DEFAULT_RUNTIME_PARAMS.epochBlocks),
    maxTxBytes: num("max_tx_bytes", DEFAULT_RUNTIME_PARAMS.maxTxBytes),
    maxMemoCharacters: num("max_memo_characters", DEFAULT_RUNTIME_PARAMS.maxMemoCharacters),
  };
  validateRuntimeParams(p);
  return p;
}

export function encodeRuntimeParams(p: RuntimeParams): Bytes {
  return utf8(JSON.stringify(runtimeParamsToJson(p)));
}

export function decodeRuntimeParams(b: Bytes | undefined): RuntimeParams {
  if (b === undefined) return DEFAULT_RUNTIME_PARAMS;
  return runtimeParamsFromJson(JSON.parse(fromUtf8(b)));
}
