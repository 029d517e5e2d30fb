/** cosmos.gov.v1.Msg: SubmitProposal, Deposit, Vote, VoteWeighted, CancelProposal, UpdateParams (gov authority). */
import {
  MsgCancelProposal,
  MsgCancelProposalResponse,
  MsgDeposit,
  MsgDepositResponse,
  MsgSubmitProposal,
  MsgSubmitProposalResponse,
  MsgUpdateParams,
  MsgUpdateParamsResponse,
  MsgVote,
  MsgVoteResponse,
  MsgVoteWeighted,
  MsgVoteWeightedResponse,
} from "cosmjs-types/cosmos/gov/v1/tx";
import type { WeightedVoteOption } from "cosmjs-types/cosmos/gov/v1/gov";
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString, accAddressToString } from "../core/address.ts";
import { equal } from "../core/bytes.ts";
import { type Coin, coinsFromProto, validateCoins } from "../core/coins.ts";
import { DEC_ONE } from "../core/dec.ts";
import { AppError, ErrInvalidAddress, ErrInvalidCoins, ErrInvalidRequest, ErrUnauthorized } from "../core/errors.ts";
import type { MsgHandler } from "../core/module.ts";
import { ErrInactiveProposal, ErrInvalidProposalContent, ErrInvalidVote, ErrMetadataTooLong, ErrUnknownProposal } from "./errors.ts";
import { type GovKeeper, OPTION, STATUS } from "./keeper.ts";
import { dec, validateParams } from "./params.ts";

/** SDK gov Config.MaxMetadataLen default. */
export const MAX_METADATA_LEN = 255;
export const MAX_TITLE_LEN = 255;
export const MAX_SUMMARY_LEN = 10_200;

function addr(s: string, what: string): Bytes {
  try {
    return accAddressFromString(s);
  } catch (e: unknown) {
    throw ErrInvalidAddress.wrap(`invalid ${what} address: ${e instanceof AppError ? e.detail : String(e)}`);
  }
}

function coins(cs: readonly { denom: string; amount: string }[]): Coin[] {
  try {
    const c = coinsFromProto(cs);
    validateCoins(c);
    return c;
  } catch (e: unknown) {
    throw ErrInvalidCoins.wrap(e instanceof AppError ? e.detail : String(e));
  }
}

const VALID_OPTIONS = new Set<number>([OPTION.yes, OPTION.abstain, OPTION.no, OPTION.noWithVeto]);

function validateWeighted(options: readonly WeightedVoteOption[]): void {
  if (options.length === 0) throw ErrInvalidVote.wrap("no vote options");
  const seen = new Set<number>();
  let sum = 0n;
  for (const o of options) {
    if (!VALID_OPTIONS.has(o.option)) throw ErrInvalidVote.wrap(`invalid option ${o.option}`);
    if (seen.has(o.option)) throw ErrInvalidVote.wrap(`duplicated vote option ${o.option}`);
    seen.add(o.option);
    let w: bigint;
    try {
      w = dec(o.weight, "weight");
    } catch {
      throw ErrInvalidVote.wrap(`invalid weight ${JSON.stringify(o.weight)}`);
    }
    if (w <= 0n || w > DEC_ONE) throw ErrInvalidVote.wrap(`invalid weight ${o.weight}`);
    sum += w;
  }
  if (sum !== DEC_ONE) throw ErrInvalidVote.wrap("total weight of vote options must be 1");
}

function checkMetadata(m: string): void {
  if (m.length > MAX_METADATA_LEN) throw ErrMetadataTooLong.wrap(`got ${m.length}, max ${MAX_METADATA_LEN}`);
}

export function createGovMsgHandlers(k: GovKeeper): MsgHandler[] {
  const submit: MsgHandler<MsgSubmitProposal, MsgSubmitProposalResponse> = {
    typeUrl: MsgSubmitProposal.typeUrl,
    responseTypeUrl: MsgSubmitProposalResponse.typeUrl,
    decode: (b) => MsgSubmitProposal.decode(b),
    encodeResponse: (r) => MsgSubmitProposalResponse.encode(r).finish(),
    signers: (m) => [addr(m.proposer, "proposer")],
    validateBasic(m) {
      addr(m.proposer, "proposer");
      coins(m.initialDeposit);
      if (m.title === "") throw ErrInvalidProposalContent.wrap("proposal title cannot be empty");
      if (m.title.length > MAX_TITLE_LEN) throw ErrInvalidProposalContent.wrap(`title too long: ${m.title.length} > ${MAX_TITLE_LEN}`);
      if (m.summary === "") throw ErrInvalidProposalContent.wrap("proposal summary cannot be empty");
      if (m.summary.length > MAX_SUMMARY_LEN) throw ErrInvalidProposalContent.wrap(`summary too long: ${m.summary.length} > ${MAX_SUMMARY_LEN}`);
      checkMetadata(m.metadata);
    },
    async handle(ctx, m) {
      const proposer = addr(m.proposer, "proposer");
      const deposit = coins(m.initialDeposit);
      k.validateInitialDeposit(ctx, deposit, m.expedited);
      const p = k.submitProposal(ctx, { messages: m.messages, metadata: m.metadata, title: m.title, summary: m.summary, proposer, expedited: m.expedited });
      ctx.events.emit("submit_proposal", [
        ["proposal_id", p.id.toString()],
        ["proposal_messages", m.messages.map((a) => a.typeUrl).join(",")],
      ]);
      const started = k.addDeposit(ctx, p.id, proposer, deposit);
      if (started) ctx.events.emit("submit_proposal", [["voting_period_start", p.id.toString()]]);
      return { proposalId: p.id };
    },
  };
  const deposit: MsgHandler<MsgDeposit, MsgDepositResponse> = {
    typeUrl: MsgDeposit.typeUrl,
    responseTypeUrl: MsgDepositResponse.typeUrl,
    decode: (b) => MsgDeposit.decode(b),
    encodeResponse: (r) => MsgDepositResponse.encode(r).finish(),
    signers: (m) => [addr(m.depositor, "depositor")],
    validateBasic(m) {
      addr(m.depositor, "depositor");
      const c = coins(m.amount);
      if (c.length === 0) throw ErrInvalidCoins.wrap("deposit amount must be positive");
    },
    async handle(ctx, m) {
      const started = k.addDeposit(ctx, m.proposalId, addr(m.depositor, "depositor"), coins(m.amount));
      if (started) ctx.events.emit("proposal_deposit", [["voting_period_start", m.proposalId.toString()]]);
      return {};
    },
  };
  const castVote = (ctx: Parameters<MsgHandler["handle"]>[0], id: bigint, voter: string, options: WeightedVoteOption[], metadata: string) => {
    const p = k.getProposal(ctx, id);
    if (p === undefined) throw ErrUnknownProposal.wrap(`${id}`);
    if (p.status !== STATUS.votingPeriod) throw ErrInactiveProposal.wrap(`${id}`);
    k.setVote(ctx, { proposalId: id, voter, options, metadata });
    ctx.events.emit("proposal_vote", [
      ["option", JSON.stringify(options.map((o) => ({ option: o.option, weight: o.weight })))],
      ["proposal_id", id.toString()],
      ["voter", voter],
    ]);
  };
  const vote: MsgHandler<MsgVote, MsgVoteResponse> = {
    typeUrl: MsgVote.typeUrl,
    responseTypeUrl: MsgVoteResponse.typeUrl,
    decode: (b) => MsgVote.decode(b),
    encodeResponse: (r) => MsgVoteResponse.encode(r).finish(),
    signers: (m) => [addr(m.voter, "voter")],
    validateBasic(m) {
      addr(m.voter, "voter");
      if (!VALID_OPTIONS.has(m.option)) throw ErrInvalidVote.wrap(`invalid option ${m.option}`);
      checkMetadata(m.metadata);
    },
    async handle(ctx, m) {
      castVote(ctx, m.proposalId, accAddressToString(addr(m.voter, "voter")), [{ option: m.option, weight: "1.000000000000000000" }], m.metadata);
      return {};
    },
  };
  const voteWeighted: MsgHandler<MsgVoteWeighted, MsgVoteWeightedResponse> = {
    typeUrl: MsgVoteWeighted.typeUrl,
    responseTypeUrl: MsgVoteWeightedResponse.typeUrl,
    decode: (b) => MsgVoteWeighted.decode(b),
    encodeResponse: (r) => MsgVoteWeightedResponse.encode(r).finish(),
    signers: (m) => [addr(m.voter, "voter")],
    validateBasic(m) {
      addr(m.voter, "voter");
      validateWeighted(m.options);
      checkMetadata(m.metadata);
    },
    async handle(ctx, m) {
      validateWeighted(m.options);
      castVote(ctx, m.proposalId, accAddressToString(addr(m.voter, "voter")), m.options, m.metadata);
      return {};
    },
  };
  const cancel: MsgHandler<MsgCancelProposal, MsgCancelProposalResponse> = {
    typeUrl: MsgCancelProposal.typeUrl,
    responseTypeUrl: MsgCancelProposalResponse.typeUrl,
    decode: (b) => MsgCancelProposal.decode(b),
    encodeResponse: (r) => MsgCancelProposalResponse.encode(r).finish(),
    signers: (m) => [addr(m.proposer, "proposer")],
    validateBasic: (m) => void addr(m.proposer, "proposer"),
    async handle(ctx, m) {
      await k.cancelProposal(ctx, m.proposalId, addr(m.proposer, "proposer"));
      ctx.events.emit("cancel_proposal", [["proposal_id", m.proposalId.toString()], ["sender", m.proposer]]);
      return { proposalId: m.proposalId, canceledTime: ctx.block.time, canceledHeight: ctx.block.height };
    },
  };
  const updateParams: MsgHandler<MsgUpdateParams, MsgUpdateParamsResponse> = {
    typeUrl: MsgUpdateParams.typeUrl,
    responseTypeUrl: MsgUpdateParamsResponse.typeUrl,
    decode: (b) => MsgUpdateParams.decode(b),
    encodeResponse: (r) => MsgUpdateParamsResponse.encode(r).finish(),
    signers: (m) => [addr(m.authority, "authority")],
    validateBasic(m) {
      addr(m.authority, "authority");
      if (m.params === undefined) throw ErrInvalidRequest.wrap("params must be set");
      validateParams(m.params);
    },
    async handle(ctx, m) {
      if (!equal(addr(m.authority, "authority"), k.authority)) throw ErrUnauthorized.wrap(`invalid authority; expected ${accAddressToString(k.authority)}, got ${m.authority}`);
      if (m.params === undefined) throw ErrInvalidRequest.wrap("params must be set");
      validateParams(m.params);
      k.setParams(ctx, m.params);
      return {};
    },
  };
  return [submit, deposit, vote, voteWeighted, cancel, updateParams] as MsgHandler[];
}
