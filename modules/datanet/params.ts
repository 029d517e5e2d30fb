/** datanet params: defaults and validation (MsgUpdateParams, gov authority only). */
import { isValidDenom } from "../core/coins.ts";
import type { Params } from "../../proto/gen/openledger/datanet/v1/types.ts";
import { ErrInvalidParams } from "./errors.ts";

export type DatanetParams = Params;

export function defaultParams(): DatanetParams {
  return {
    bondDenom: "uopen",
    minStake: "1000",
    maxContributionSize: 16n * 1024n * 1024n,
    maxPointsPerMsg: 256,
    quotaPerEpoch: 10_000n,
    challengeWindowEpochs: 2n,
    challengeBond: "1000",
    slashFractionBps: 10_000,
    maxDim: 4096,
    maxClasses: 65_536,
    maxParents: 16,
    maxCurators: 32,
    maxAllowlist: 1024,
  };
}

/** a non-negative integer amount in decimal digits. */
export function parseUint(s: string, what: string): bigint {
  if (!/^[0-9]{1,78}$/.test(s)) throw ErrInvalidParams.wrap(`${what}: "${s}" is not a non-negative integer`);
  return BigInt(s);
}

export function validateParams(p: DatanetParams): void {
  if (!isValidDenom(p.bondDenom)) throw ErrInvalidParams.wrap(`bond_denom "${p.bondDenom}" is not a valid denom`);
  parseUint(p.minStake, "min_stake");
  parseUint(p.challengeBond, "challenge_bond");
  if (p.maxContributionSize < 1n) throw ErrInvalidParams.wrap("max_contribution_size must be positive");
  if (p.maxPointsPerMsg < 1 || p.maxPointsPerMsg > 10_000) throw ErrInvalidParams.wrap("max_points_per_msg must be in [1, 10000]");
  if (p.challengeWindowEpochs < 1n) throw ErrInvalidParams.wrap("challenge_window_epochs must be at least 1");
  if (p.slashFractionBps > 10_000) throw ErrInvalidParams.wrap("slash_fraction_bps must be at most 10000");
  if (p.maxDim < 1 || p.maxDim > 65_535) throw ErrInvalidParams.wrap("max_dim must be in [1, 65535]");
  if (p.maxClasses < 2) throw ErrInvalidParams.wrap("max_classes must be at least 2");
  if (p.maxParents > 1024) throw ErrInvalidParams.wrap("max_parents must be at most 1024");
  if (p.maxCurators < 1 || p.maxAllowlist < 1) throw ErrInvalidParams.wrap("max_curators and max_allowlist must be positive");
}
