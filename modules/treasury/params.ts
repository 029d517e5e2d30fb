/** treasury params: defaults and validation (MsgUpdateParams, gov authority only). */
import type { FeeSplitPolicy, Params } from "../../proto/gen/openledger/treasury/v1/types.ts";
import { ErrInvalidParams, ErrInvalidPolicy } from "./errors.ts";

export type TreasuryParams = Params;
export const BPS_WHOLE = 10_000;
/** longest vesting, in epochs. */
export const MAX_VESTING_EPOCHS = 10_000n;

export function defaultPolicy(): FeeSplitPolicy {
  return { contributorsBps: 6000, trainerBps: 1500, providerBps: 2000, communityBps: 500, burnBps: 0 };
}

export function defaultParams(): TreasuryParams {
  return { defaultPolicy: defaultPolicy(), vestingEpochs: 4n };
}

/** parts are whole basis points that sum to 10000. */
export function validatePolicy(p: FeeSplitPolicy | undefined): FeeSplitPolicy {
  if (p === undefined) throw ErrInvalidPolicy.wrap("policy is required");
  const parts = [p.contributorsBps, p.trainerBps, p.providerBps, p.communityBps, p.burnBps];
  for (const x of parts) if (!Number.isInteger(x) || x < 0 || x > BPS_WHOLE) throw ErrInvalidPolicy.wrap(`part ${x} is not in [0, 10000] basis points`);
  const sum = parts.reduce((a, b) => a + b, 0);
  if (sum !== BPS_WHOLE) throw ErrInvalidPolicy.wrap(`parts sum to ${sum} basis points, not 10000`);
  return { contributorsBps: p.contributorsBps, trainerBps: p.trainerBps, providerBps: p.providerBps, communityBps: p.communityBps, burnBps: p.burnBps };
}

export function validateParams(p: TreasuryParams): void {
  try {
    validatePolicy(p.defaultPolicy);
  } catch (e) {
    throw ErrInvalidParams.wrap(`default_policy: ${(e as Error).message}`);
  }
  if (p.vestingEpochs > MAX_VESTING_EPOCHS) throw ErrInvalidParams.wrap(`vesting_epochs must be at most ${MAX_VESTING_EPOCHS}`);
}
