/** compute errors (codespace "compute"). Codes are protocol: never renumber (test/fixtures/errorCodes.json). */
import { registerError } from "../core/errors.ts";

export const ErrProviderNotFound = registerError("compute", 2, "provider not found");
export const ErrProviderExists = registerError("compute", 3, "provider already registered");
export const ErrInsufficientBond = registerError("compute", 4, "bond below the minimum");
export const ErrInvalidAttestationKey = registerError("compute", 5, "invalid attestation key");
export const ErrProviderNotActive = registerError("compute", 6, "provider is not active");
export const ErrJobNotFound = registerError("compute", 7, "job not found");
export const ErrModelNotFound = registerError("compute", 8, "model not found");
export const ErrModelNotReady = registerError("compute", 9, "model index is not complete");
export const ErrInvalidInput = registerError("compute", 10, "invalid job input");
export const ErrFeeTooLow = registerError("compute", 11, "fee below the minimum");
export const ErrNotAssigned = registerError("compute", 12, "job is not assigned to this provider");
export const ErrInvalidJobStatus = registerError("compute", 13, "job status does not allow this");
export const ErrDeadlinePassed = registerError("compute", 14, "job deadline passed");
export const ErrInvalidResult = registerError("compute", 15, "result does not match the job");
export const ErrInvalidAttestation = registerError("compute", 16, "attestation signature does not verify");
export const ErrInvalidParams = registerError("compute", 17, "invalid compute params");
export const ErrInvalidGenesis = registerError("compute", 18, "invalid compute genesis");
export const ErrInvalidField = registerError("compute", 19, "invalid field");
export const ErrUnsupportedJobType = registerError("compute", 20, "unsupported job type");
export const ErrNotModelOwner = registerError("compute", 21, "only the model owner may request this");
/** an embedding-index job for a model whose index is complete (code 30: 21–29 left to training). */
export const ErrIndexComplete = registerError("compute", 30, "model index already complete");
/** a present tee_quote that is malformed, not bound to the result, or not signed by the provider's attestation key (README "TEE quotes"). */
export const ErrInvalidTeeQuote = registerError("compute", 31, "invalid TEE quote");
