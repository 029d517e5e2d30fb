/** datanet errors (codespace "datanet"). Codes are protocol: never renumber (test/fixtures/errorCodes.json). */
import { registerError } from "../core/errors.ts";

export const ErrDatanetNotFound = registerError("datanet", 2, "datanet not found");
export const ErrContributionNotFound = registerError("datanet", 3, "contribution not found");
export const ErrInvalidSchema = registerError("datanet", 4, "invalid datanet schema");
export const ErrInvalidDataPoint = registerError("datanet", 5, "data point does not match the datanet schema");
export const ErrDuplicateContribution = registerError("datanet", 6, "duplicate contribution");
export const ErrNotOwner = registerError("datanet", 7, "not the datanet owner");
export const ErrNotCurator = registerError("datanet", 8, "not a curator of the datanet");
export const ErrNotAllowed = registerError("datanet", 9, "contributor not on the datanet allowlist");
export const ErrInsufficientStake = registerError("datanet", 10, "stake below the minimum");
export const ErrQuotaExceeded = registerError("datanet", 11, "contribution quota of the epoch exceeded");
export const ErrContributionTooLarge = registerError("datanet", 12, "contribution larger than the maximum size");
export const ErrInvalidStatus = registerError("datanet", 13, "contribution status does not allow this");
export const ErrChallengeWindowOpen = registerError("datanet", 14, "challenge window still open");
export const ErrChallengeWindowClosed = registerError("datanet", 15, "challenge window closed");
export const ErrChallengeNotFound = registerError("datanet", 16, "challenge not found");
export const ErrChallengeOpen = registerError("datanet", 17, "contribution has an open challenge");
export const ErrUnknownParent = registerError("datanet", 18, "lineage parent not found");
export const ErrEmptySnapshot = registerError("datanet", 19, "no accepted contributions to snapshot");
export const ErrSnapshotNotFound = registerError("datanet", 20, "snapshot not found");
export const ErrTooManyItems = registerError("datanet", 21, "too many items");
export const ErrInvalidGenesis = registerError("datanet", 22, "invalid datanet genesis");
export const ErrInvalidParams = registerError("datanet", 23, "invalid datanet params");
export const ErrInvalidField = registerError("datanet", 24, "invalid field");
