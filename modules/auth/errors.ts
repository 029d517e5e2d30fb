/** auth's own errors (most ante failures use the root "sdk" codes, as in the SDK). */
import { registerError } from "../core/errors.ts";

export const ErrInvalidParams = registerError("auth", 2, "invalid auth params");
export const ErrModuleAccountNotFound = registerError("auth", 3, "module account not found");
export const ErrInvalidGenesis = registerError("auth", 4, "invalid auth genesis");
