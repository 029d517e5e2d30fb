/** staking params (SDK 0.50 defaults, bond denom uopen). */
import type { Duration } from "cosmjs-types/google/protobuf/duration";
import { DEC_ONE, type Dec } from "../core/dec.ts";
import { ErrInvalidRequest } from "../core/errors.ts";

export interface StakingParams {
  unbondingTime: Duration;
  maxValidators: number;
  maxEntries: number;
  historicalEntries: number;
  bondDenom: string;
  minCommissionRate: Dec;
}

/** power = tokens / 10^6 (SDK DefaultPowerReduction). */
export const POWER_REDUCTION = 1_000_000n;

export function defaultParams(): StakingParams {
  return { unbondingTime: { seconds: 1814400n, nanos: 0 }, maxValidators: 100, maxEntries: 7, historicalEntries: 10000, bondDenom: "uopen", minCommissionRate: 0n };
}

export function validateParams(p: StakingParams): void {
  if (p.unbondingTime.seconds < 0n || (p.unbondingTime.seconds === 0n && p.unbondingTime.nanos <= 0)) throw ErrInvalidRequest.wrap("unbonding time must be positive");
  if (!Number.isInteger(p.maxValidators) || p.maxValidators <= 0) throw ErrInvalidRequest.wrap("max validators must be positive");
  if (!Number.isInteger(p.maxEntries) || p.maxEntries <= 0) throw ErrInvalidRequest.wrap("max entries must be positive");
  if (!Number.isInteger(p.historicalEntries) || p.historicalEntries < 0) throw ErrInvalidRequest.wrap("historical entries must not be negative");
  if (!/^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/.test(p.bondDenom)) throw ErrInvalidRequest.wrap(`invalid bond denom ${p.bondDenom}`);
  if (p.minCommissionRate < 0n || p.minCommissionRate > DEC_ONE) throw ErrInvalidRequest.wrap("minimum commission rate must be in [0, 1]");
}
