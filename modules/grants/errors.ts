/** grants errors (codespace "grants"). */
import { registerError } from "../core/errors.ts";

const G = "grants";
export const ErrGrantNotFound = registerError(G, 2, "grant not found");
export const ErrInvalidGrant = registerError(G, 3, "invalid grant");
export const ErrInvalidMilestone = registerError(G, 4, "invalid milestone");
export const ErrMilestoneStatus = registerError(G, 5, "milestone is not in the required status");
export const ErrNotRecipient = registerError(G, 6, "signer is not the grant's recipient");
export const ErrNotReviewer = registerError(G, 7, "signer is not a reviewer of the grant");
export const ErrAlreadyApproved = registerError(G, 8, "reviewer already approved this claim");
export const ErrInsufficientPool = registerError(G, 9, "community pool too small for the grant");
