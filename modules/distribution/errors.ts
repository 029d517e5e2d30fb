/** distribution errors, numbered as cosmos-sdk x/distribution/types/errors.go. */
import { registerError } from "../core/errors.ts";

const S = "distribution";
export const ErrEmptyDelegatorAddr = registerError(S, 2, "delegator address is empty");
export const ErrEmptyWithdrawAddr = registerError(S, 3, "withdraw address is empty");
export const ErrEmptyValidatorAddr = registerError(S, 4, "validator address is empty");
export const ErrEmptyDelegationDistInfo = registerError(S, 5, "no delegation distribution info");
export const ErrNoValidatorDistInfo = registerError(S, 6, "no validator distribution info");
export const ErrNoValidatorCommission = registerError(S, 7, "no validator commission to withdraw");
export const ErrSetWithdrawAddrDisabled = registerError(S, 8, "set withdraw address disabled");
export const ErrBadDistribution = registerError(S, 9, "community pool does not have sufficient coins to distribute");
export const ErrInvalidProposalAmount = registerError(S, 10, "invalid community pool spend proposal amount");
export const ErrEmptyProposalRecipient = registerError(S, 11, "invalid community pool spend proposal recipient");
export const ErrNoValidatorExists = registerError(S, 12, "validator does not exist");
export const ErrNoDelegationExists = registerError(S, 13, "delegation does not exist");
