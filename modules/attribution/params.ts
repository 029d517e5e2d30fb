/**
 * attribution params and the method-version registry: `active_method` names the per-inference method
 * and version new receipts use; governance switches it with MsgUpdateParams, and only versions this
 * binary implements (SUPPORTED_METHODS) are accepted. Old receipts keep the version they name.
 */
import { METHODS } from "./engine/index.ts";
import { METHODS_V2 } from "./engine/attributeV2.ts";
import type { MethodVersion, Params } from "../../proto/gen/openledger/attribution/v1/types.ts";
import { ErrInvalidParams } from "./errors.ts";

export type AttributionParams = Params;

/** method versions this binary can run for an inference. */
export const SUPPORTED_METHODS: readonly MethodVersion[] = Object.freeze([
  { method: METHODS.poaPipeline.method, version: METHODS.poaPipeline.version },
  // issue 6 (method registry): top-K′ by |value| instead of the K′ nearest (engine/attributeV2.ts)
  { method: METHODS_V2.poaPipelineV2.method, version: METHODS_V2.poaPipelineV2.version },
]);

export function isSupportedMethod(m: MethodVersion | undefined): boolean {
  return m !== undefined && SUPPORTED_METHODS.some((s) => s.method === m.method && s.version === m.version);
}

export function defaultParams(): AttributionParams {
  return { activeMethod: { ...SUPPORTED_METHODS[0]! }, k: 5, kPrime: 10, dust: 0n, maxChunkPoints: 4096, maxCheckpoints: 64, maxEmbeddingDim: 4096 };
}

export function validateParams(p: AttributionParams): void {
  if (!isSupportedMethod(p.activeMethod)) throw ErrInvalidParams.wrap(`active_method ${p.activeMethod?.method ?? ""} v${p.activeMethod?.version ?? 0} is not implemented by this binary`);
  if (p.k < 1 || p.k > 1024) throw ErrInvalidParams.wrap("k must be in [1, 1024]");
  if (p.kPrime < 1 || p.kPrime > 4096) throw ErrInvalidParams.wrap("k_prime must be in [1, 4096]");
  if (p.dust > BigInt(Number.MAX_SAFE_INTEGER)) throw ErrInvalidParams.wrap("dust must be below 2^53");
  if (p.maxChunkPoints < 1 || p.maxChunkPoints > 65_536) throw ErrInvalidParams.wrap("max_chunk_points must be in [1, 65536]");
  if (p.maxCheckpoints < 1) throw ErrInvalidParams.wrap("max_checkpoints must be positive");
  if (p.maxEmbeddingDim < 1 || p.maxEmbeddingDim > 65_535) throw ErrInvalidParams.wrap("max_embedding_dim must be in [1, 65535]");
}
