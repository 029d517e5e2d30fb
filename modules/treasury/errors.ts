/** treasury errors (codespace "treasury"). Codes are protocol: never renumber (test/fixtures/errorCodes.json). */
import { registerError } from "../core/errors.ts";

export const ErrInvalidPolicy = registerError("treasury", 2, "invalid fee-split policy");
export const ErrModelNotFound = registerError("treasury", 3, "model not found");
export const ErrNotModelOwner = registerError("treasury", 4, "not the model owner or the gov authority");
export const ErrInvalidSplit = registerError("treasury", 5, "invalid fee split request");
export const ErrInvalidParams = registerError("treasury", 6, "invalid treasury params");
export const ErrInvalidGenesis = registerError("treasury", 7, "invalid treasury genesis");
export const ErrInvalidField = registerError("treasury", 8, "invalid field");
