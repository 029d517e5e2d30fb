/** cosmos.gov.v1.Query: Constitution, Proposal, Proposals, Vote, Votes, Params, Deposit, Deposits, TallyResult. */
import { Deposit, Proposal, Vote } from "cosmjs-types/cosmos/gov/v1/gov";
import {
  QueryConstitutionRequest,
  QueryConstitutionResponse,
  QueryDepositRequest,
  QueryDepositResponse,
  QueryDepositsRequest,
  QueryDepositsResponse,
  QueryParamsRequest,
  QueryParamsResponse,
  QueryProposalRequest,
  QueryProposalResponse,
  QueryProposalsRequest,
  QueryProposalsResponse,
  QueryTallyResultRequest,
  QueryTallyResultResponse,
  QueryVoteRequest,
  QueryVoteResponse,
  QueryVotesRequest,
  QueryVotesResponse,
} from "cosmjs-types/cosmos/gov/v1/query";
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString } from "../core/address.ts";
import { AppError, grpcError } from "../core/errors.ts";
import { type QueryHandler, protoQuery } from "../core/module.ts";
import { paginate } from "../core/pagination.ts";
import { type GovKeeper, STATUS, emptyTally } from "./keeper.ts";
import { CONSTITUTION_KEY, MODULE_NAME, PREFIX, depositsPrefix, votesPrefix } from "./keys.ts";

const P = "/cosmos.gov.v1.Query/";

function addr(s: string, what: string): Bytes {
  if (s === "") throw grpcError("InvalidArgument", `empty ${what} address`);
  try {
    return accAddressFromString(s);
  } catch (e: unknown) {
    throw grpcError("InvalidArgument", e instanceof AppError ? e.log : String(e));
  }
}

function id(n: bigint): bigint {
  if (n === 0n) throw grpcError("InvalidArgument", "proposal id can not be 0");
  return n;
}

export function createGovQueries(k: GovKeeper): QueryHandler[] {
  return [
    protoQuery(`${P}Constitution`, QueryConstitutionRequest, QueryConstitutionResponse, async (ctx) => {
      const c = ctx.store(MODULE_NAME).get(CONSTITUTION_KEY);
      return { constitution: c === undefined ? "" : new TextDecoder().decode(c) };
    }),
    protoQuery(`${P}Params`, QueryParamsRequest, QueryParamsResponse, async (ctx) => {
      const p = k.getParams(ctx);
      return QueryParamsResponse.fromPartial({
        params: p,
        votingParams: p.votingPeriod === undefined ? {} : { votingPeriod: p.votingPeriod },
        depositParams: p.maxDepositPeriod === undefined ? { minDeposit: p.minDeposit } : { minDeposit: p.minDeposit, maxDepositPeriod: p.maxDepositPeriod },
        tallyParams: { quorum: p.quorum, threshold: p.threshold, vetoThreshold: p.vetoThreshold },
      });
    }),
    protoQuery(`${P}Proposal`, QueryProposalRequest, QueryProposalResponse, async (ctx, req) => {
      const p = k.getProposal(ctx, id(req.proposalId));
      if (p === undefined) throw grpcError("NotFound", `proposal ${req.proposalId} doesn't exist`);
      return { proposal: p };
    }),
    protoQuery(`${P}Proposals`, QueryProposalsRequest, QueryProposalsResponse, async (ctx, req) => {
      const voter = req.voter === "" ? null : addr(req.voter, "voter");
      const depositor = req.depositor === "" ? null : addr(req.depositor, "depositor");
      const page = await paginate(ctx.store(MODULE_NAME), Uint8Array.of(PREFIX.proposals), req.pagination, (_k, v) => {
        const p = Proposal.decode(v);
        if (req.proposalStatus !== STATUS.unspecified && p.status !== req.proposalStatus) return null;
        if (voter !== null && k.getVote(ctx, p.id, voter) === undefined) return null;
        if (depositor !== null && k.getDeposit(ctx, p.id, depositor) === undefined) return null;
        return p;
      });
      return { proposals: page.items, pagination: page.pagination };
    }),
    protoQuery(`${P}Vote`, QueryVoteRequest, QueryVoteResponse, async (ctx, req) => {
      const v = k.getVote(ctx, id(req.proposalId), addr(req.voter, "voter"));
      if (v === undefined) throw grpcError("InvalidArgument", `voter: ${req.voter} not found for proposal: ${req.proposalId}`);
      return { vote: v };
    }),
    protoQuery(`${P}Votes`, QueryVotesRequest, QueryVotesResponse, async (ctx, req) => {
      const page = await paginate(ctx.store(MODULE_NAME), votesPrefix(id(req.proposalId)), req.pagination, (_k, v) => Vote.decode(v));
      return { votes: page.items, pagination: page.pagination };
    }),
    protoQuery(`${P}Deposit`, QueryDepositRequest, QueryDepositResponse, async (ctx, req) => {
      const d = k.getDeposit(ctx, id(req.proposalId), addr(req.depositor, "depositor"));
      if (d === undefined) throw grpcError("InvalidArgument", `depositer: ${req.depositor} not found for proposal: ${req.proposalId}`);
      return { deposit: d };
    }),
    protoQuery(`${P}Deposits`, QueryDepositsRequest, QueryDepositsResponse, async (ctx, req) => {
      const page = await paginate(ctx.store(MODULE_NAME), depositsPrefix(id(req.proposalId)), req.pagination, (_k, v) => Deposit.decode(v));
      return { deposits: page.items, pagination: page.pagination };
    }),
    protoQuery(`${P}TallyResult`, QueryTallyResultRequest, QueryTallyResultResponse, async (ctx, req) => {
      const p = k.getProposal(ctx, id(req.proposalId));
      if (p === undefined) throw grpcError("NotFound", `proposal ${req.proposalId} doesn't exist`);
      if (p.status === STATUS.depositPeriod) return { tally: emptyTally() };
      if (p.status === STATUS.votingPeriod) return { tally: (await k.tally(ctx, p)).tally };
      return { tally: p.finalTallyResult ?? emptyTally() };
    }),
  ] as QueryHandler[];
}
