/** gov errors, numbered as cosmos-sdk x/gov/types/errors.go. */
import { registerError } from "../core/errors.ts";

const G = "gov";
export const ErrUnknownProposal = registerError(G, 2, "unknown proposal");
export const ErrInactiveProposal = registerError(G, 3, "inactive proposal");
export const ErrAlreadyActiveProposal = registerError(G, 4, "proposal already active");
export const ErrInvalidProposalContent = registerError(G, 5, "invalid proposal content");
export const ErrInvalidProposalType = registerError(G, 6, "invalid proposal type");
export const ErrInvalidVote = registerError(G, 7, "invalid vote option");
export const ErrInvalidGenesis = registerError(G, 8, "invalid genesis state");
export const ErrNoProposalHandlerExists = registerError(G, 9, "no handler exists for proposal type");
export const ErrUnroutableProposalMsg = registerError(G, 10, "proposal message not recognized by router");
export const ErrNoProposalMsgs = registerError(G, 11, "no messages proposed");
export const ErrInvalidProposalMsg = registerError(G, 12, "invalid proposal message");
export const ErrInvalidSigner = registerError(G, 13, "expected gov account as only signer for proposal message");
export const ErrMetadataTooLong = registerError(G, 15, "metadata too long");
export const ErrMinDepositTooSmall = registerError(G, 16, "minimum deposit is too small");
export const ErrInvalidProposer = registerError(G, 18, "invalid proposer");
export const ErrVotingPeriodEnded = registerError(G, 20, "voting period already ended");
export const ErrInvalidProposal = registerError(G, 21, "invalid proposal");
export const ErrSummaryTooLong = registerError(G, 22, "summary too long");
export const ErrInvalidDepositDenom = registerError(G, 23, "invalid deposit denom");
