/** attribution errors (codespace "attribution"). Codes are protocol: never renumber. */
import { registerError } from "../core/errors.ts";

export const ErrModelNotFound = registerError("attribution", 2, "model not found");
export const ErrSnapshotNotFound = registerError("attribution", 3, "datanet snapshot not found");
export const ErrSnapshotRootMismatch = registerError("attribution", 4, "snapshot root mismatch");
export const ErrInvalidHash = registerError("attribution", 5, "invalid hash");
export const ErrInvalidFeePolicy = registerError("attribution", 6, "invalid fee-split policy");
export const ErrInvalidEmbedding = registerError("attribution", 7, "invalid embedding");
export const ErrIndexOutOfOrder = registerError("attribution", 8, "embedding index chunk out of order");
export const ErrIndexComplete = registerError("attribution", 9, "embedding index already complete");
export const ErrIndexIncomplete = registerError("attribution", 10, "embedding index incomplete");
export const ErrNotModelOwner = registerError("attribution", 11, "not the model owner");
export const ErrUnsupportedMethod = registerError("attribution", 12, "unsupported attribution method version");
export const ErrReceiptNotFound = registerError("attribution", 13, "receipt not found");
export const ErrInvalidParams = registerError("attribution", 14, "invalid attribution params");
export const ErrInvalidGenesis = registerError("attribution", 15, "invalid attribution genesis");
export const ErrInvalidField = registerError("attribution", 16, "invalid field");
export const ErrAlreadyAudited = registerError("attribution", 17, "model already audited");
export const ErrAuditTooLarge = registerError("attribution", 18, "index too large for an on-chain audit");
