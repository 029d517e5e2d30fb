/** JSON (de)serialisation of ConsensusParams for the commit meta (bigints as strings). */
import type { ConsensusParams } from "../core/abci.ts";

export function consensusParamsToJson(p: ConsensusParams): string {
  return JSON.stringify(p, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

export function consensusParamsFromJson(s: string): ConsensusParams {
  const o = JSON.parse(s) as { block: Record<string, string>; evidence: Record<string, string>; validator: { pubKeyTypes: string[] }; version: Record<string, string>; abci: Record<string, string> };
  const b = (v: string | undefined) => BigInt(v ?? "0");
  return {
    block: { maxBytes: b(o.block.maxBytes), maxGas: b(o.block.maxGas) },
    evidence: { maxAgeNumBlocks: b(o.evidence.maxAgeNumBlocks), maxAgeDurationNs: b(o.evidence.maxAgeDurationNs), maxBytes: b(o.evidence.maxBytes) },
    validator: { pubKeyTypes: [...o.validator.pubKeyTypes] },
    version: { app: b(o.version.app) },
    abci: { voteExtensionsEnableHeight: b(o.abci.voteExtensionsEnableHeight) },
  };
}
