/** compute params: defaults and validation (MsgUpdateParams, gov authority only). */
import { isValidDenom } from "../core/coins.ts";
import type { Params } from "../../proto/gen/openledger/compute/v1/types.ts";
import { ErrInvalidParams } from "./errors.ts";

export type ComputeParams = Params;

export function defaultParams(): ComputeParams {
  return {
    bondDenom: "uopen",
    minBond: "1000000",
    inferenceDeadlineBlocks: 20n,
    indexDeadlineBlocks: 100n,
    trainingDeadlineBlocks: 500n,
    slashFractionBps: 1000,
    initialReputation: 1000,
    maxReputation: 10_000,
    reputationReward: 10,
    reputationMissPenalty: 100,
    reputationSlashPenalty: 500,
    maxAttempts: 3,
    unbondingBlocks: 100n,
    maxInputBytes: 64 * 1024,
    minInferenceFee: "1",
    indexSampleRows: 96,
    embeddingTolerance: 2,
  };
}

/** a non-negative integer amount in decimal digits. */
export function parseUint(s: string, what: string): bigint {
  if (!/^[0-9]{1,78}$/.test(s)) throw ErrInvalidParams.wrap(`${what}: "${s}" is not a non-negative integer`);
  return BigInt(s);
}

export function validateParams(p: ComputeParams): void {
  if (!isValidDenom(p.bondDenom)) throw ErrInvalidParams.wrap(`bond_denom "${p.bondDenom}" is not a valid denom`);
  parseUint(p.minBond, "min_bond");
  parseUint(p.minInferenceFee, "min_inference_fee");
  for (const [k, v] of [["inference_deadline_blocks", p.inferenceDeadlineBlocks], ["index_deadline_blocks", p.indexDeadlineBlocks], ["training_deadline_blocks", p.trainingDeadlineBlocks]] as const) {
    if (v < 1n || v > 1_000_000n) throw ErrInvalidParams.wrap(`${k} must be in [1, 1000000]`);
  }
  if (p.slashFractionBps > 10_000) throw ErrInvalidParams.wrap("slash_fraction_bps must be at most 10000");
  if (p.maxReputation < 1 || p.initialReputation < 1 || p.initialReputation > p.maxReputation) throw ErrInvalidParams.wrap("need 1 ≤ initial_reputation ≤ max_reputation");
  if (p.maxAttempts < 1 || p.maxAttempts > 100) throw ErrInvalidParams.wrap("max_attempts must be in [1, 100]");
  if (p.unbondingBlocks < 1n) throw ErrInvalidParams.wrap("unbonding_blocks must be at least 1");
  if (p.maxInputBytes < 4 || p.maxInputBytes > 4 * 1024 * 1024) throw ErrInvalidParams.wrap("max_input_bytes must be in [4, 4 MiB]");
  if (p.indexSampleRows < 1 || p.indexSampleRows > 4096) throw ErrInvalidParams.wrap("index_sample_rows must be in [1, 4096]");
  if (p.embeddingTolerance > 32767) throw ErrInvalidParams.wrap("embedding_tolerance must be at most 32767");
}
