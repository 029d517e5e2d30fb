/** gov genesis (cosmos.gov.v1.GenesisState, SDK 0.50 JSON): params, proposals, deposits, votes, starting id, constitution. */
import type { Deposit, Proposal, TallyResult, Vote } from "cosmjs-types/cosmos/gov/v1/gov";
import type { Timestamp } from "../core/abci.ts";
import { fromBase64, toBase64 } from "../core/bytes.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import { parseRfc3339, rfc3339 } from "../core/time.ts";
import { ErrInvalidGenesis } from "./errors.ts";
import { type GovKeeper, STATUS, emptyTally } from "./keeper.ts";
import { CONSTITUTION_KEY, MODULE_NAME, PREFIX, queueKey } from "./keys.ts";
import { type GovParams, defaultParams, validateParams } from "./params.ts";

export interface GovGenesis {
  startingProposalId: bigint;
  deposits: Deposit[];
  votes: Vote[];
  proposals: Proposal[];
  params: GovParams;
  constitution: string;
}

export function defaultGenesis(): GovGenesis {
  return { startingProposalId: 1n, deposits: [], votes: [], proposals: [], params: defaultParams(), constitution: "" };
}

export function validateGenesis(g: GovGenesis): void {
  if (g.startingProposalId === 0n) throw ErrInvalidGenesis.wrap("starting proposal id must be greater than 0");
  try {
    validateParams(g.params);
  } catch (e: unknown) {
    throw ErrInvalidGenesis.wrap(`invalid params: ${e instanceof Error ? e.message : String(e)}`);
  }
  const ids = new Set<bigint>();
  for (const p of g.proposals) {
    if (ids.has(p.id)) throw ErrInvalidGenesis.wrap(`duplicate proposal id: ${p.id}`);
    ids.add(p.id);
  }
  for (const d of g.deposits) if (!ids.has(d.proposalId)) throw ErrInvalidGenesis.wrap(`deposit for unknown proposal ${d.proposalId}`);
  for (const v of g.votes) if (!ids.has(v.proposalId)) throw ErrInvalidGenesis.wrap(`vote for unknown proposal ${v.proposalId}`);
}

export async function initGenesis(ctx: WriteContext, k: GovKeeper, g: GovGenesis): Promise<void> {
  k.setNextProposalId(ctx, g.startingProposalId);
  k.setParams(ctx, g.params);
  ctx.store(MODULE_NAME).set(CONSTITUTION_KEY, new TextEncoder().encode(g.constitution));
  for (const d of g.deposits) k.setDeposit(ctx, d);
  for (const v of g.votes) k.setVote(ctx, v);
  for (const p of g.proposals) {
    k.setProposal(ctx, p);
    if (p.status === STATUS.depositPeriod && p.depositEndTime !== undefined) ctx.store(MODULE_NAME).set(queueKey(PREFIX.inactiveQueue, p.depositEndTime, p.id), Uint8Array.of());
    if (p.status === STATUS.votingPeriod && p.votingEndTime !== undefined) ctx.store(MODULE_NAME).set(queueKey(PREFIX.activeQueue, p.votingEndTime, p.id), Uint8Array.of());
  }
}

export async function exportGenesis(ctx: ReadContext, k: GovKeeper): Promise<GovGenesis> {
  const proposals: Proposal[] = [];
  const deposits: Deposit[] = [];
  const votes: Vote[] = [];
  for await (const p of k.iterateProposals(ctx)) {
    proposals.push(p);
    deposits.push(...(await k.deposits(ctx, p.id)));
    votes.push(...(await k.votes(ctx, p.id)));
  }
  const c = ctx.store(MODULE_NAME).get(CONSTITUTION_KEY);
  return { startingProposalId: k.getNextProposalId(ctx), deposits, votes, proposals, params: k.getParams(ctx), constitution: c === undefined ? "" : new TextDecoder().decode(c) };
}

// ---- proto-JSON ----

export const PROPOSAL_STATUS_NAMES = ["PROPOSAL_STATUS_UNSPECIFIED", "PROPOSAL_STATUS_DEPOSIT_PERIOD", "PROPOSAL_STATUS_VOTING_PERIOD", "PROPOSAL_STATUS_PASSED", "PROPOSAL_STATUS_REJECTED", "PROPOSAL_STATUS_FAILED"] as const;
export const VOTE_OPTION_NAMES = ["VOTE_OPTION_UNSPECIFIED", "VOTE_OPTION_YES", "VOTE_OPTION_ABSTAIN", "VOTE_OPTION_NO", "VOTE_OPTION_NO_WITH_VETO"] as const;

const enumFromJson = (names: readonly string[], v: unknown, what: string): number => {
  if (typeof v === "number") return v;
  const i = names.indexOf(String(v));
  if (i < 0) throw ErrInvalidGenesis.wrap(`invalid ${what} ${String(v)}`);
  return i;
};

const durToJson = (d: { seconds: bigint; nanos: number } | undefined) => (d === undefined ? null : d.nanos === 0 ? `${d.seconds}s` : `${d.seconds}.${d.nanos.toString().padStart(9, "0").replace(/0+$/, "")}s`);
function durFromJson(s: unknown): { seconds: bigint; nanos: number } | undefined {
  if (s === null || s === undefined) return undefined;
  const m = /^([0-9]+)(?:\.([0-9]{1,9}))?s$/.exec(String(s));
  if (m === null) throw ErrInvalidGenesis.wrap(`invalid duration ${String(s)}`);
  return { seconds: BigInt(m[1] as string), nanos: m[2] === undefined ? 0 : Number((m[2] as string).padEnd(9, "0")) };
}

function timeToJson(t: Timestamp | undefined): string | null {
  return t === undefined ? null : rfc3339(t);
}

function timeFromJson(s: unknown): Timestamp | undefined {
  if (s === null || s === undefined) return undefined;
  try {
    return parseRfc3339(String(s));
  } catch {
    throw ErrInvalidGenesis.wrap(`invalid time ${String(s)}`);
  }
}

type J = Record<string, any>;
const arr = (x: unknown): J[] => (Array.isArray(x) ? x : []);
const coinsJson = (cs: readonly { denom: string; amount: string }[]) => cs.map((c) => ({ denom: c.denom, amount: c.amount }));
const coinsFrom = (x: unknown) => arr(x).map((c) => ({ denom: String(c.denom), amount: String(c.amount) }));
const tallyJson = (t: TallyResult | undefined) => (t === undefined ? null : { yes_count: t.yesCount, abstain_count: t.abstainCount, no_count: t.noCount, no_with_veto_count: t.noWithVetoCount });
const tallyFrom = (t: J | null | undefined): TallyResult | undefined =>
  t === null || t === undefined ? undefined : { yesCount: String(t.yes_count ?? "0"), abstainCount: String(t.abstain_count ?? "0"), noCount: String(t.no_count ?? "0"), noWithVetoCount: String(t.no_with_veto_count ?? "0") };
const optionsJson = (os: Vote["options"]) => os.map((o) => ({ option: (VOTE_OPTION_NAMES as readonly string[])[o.option] ?? String(o.option), weight: o.weight }));

export function paramsToJson(p: GovParams): J {
  return {
    min_deposit: coinsJson(p.minDeposit),
    max_deposit_period: durToJson(p.maxDepositPeriod),
    voting_period: durToJson(p.votingPeriod),
    quorum: p.quorum,
    threshold: p.threshold,
    veto_threshold: p.vetoThreshold,
    min_initial_deposit_ratio: p.minInitialDepositRatio,
    proposal_cancel_ratio: p.proposalCancelRatio,
    proposal_cancel_dest: p.proposalCancelDest,
    expedited_voting_period: durToJson(p.expeditedVotingPeriod),
    expedited_threshold: p.expeditedThreshold,
    expedited_min_deposit: coinsJson(p.expeditedMinDeposit),
    burn_vote_quorum: p.burnVoteQuorum,
    burn_proposal_deposit_prevote: p.burnProposalDepositPrevote,
    burn_vote_veto: p.burnVoteVeto,
    min_deposit_ratio: p.minDepositRatio,
  };
}

export function paramsFromJson(j: unknown): GovParams {
  const p = (j ?? {}) as J;
  const d = defaultParams();
  const str = (v: unknown, def: string) => (v === undefined || v === null ? def : String(v));
  const bool = (v: unknown, def: boolean) => (v === undefined || v === null ? def : v === true);
  const out: GovParams = {
    minDeposit: p.min_deposit === undefined ? d.minDeposit : coinsFrom(p.min_deposit),
    quorum: str(p.quorum, d.quorum),
    threshold: str(p.threshold, d.threshold),
    vetoThreshold: str(p.veto_threshold, d.vetoThreshold),
    minInitialDepositRatio: str(p.min_initial_deposit_ratio, d.minInitialDepositRatio),
    proposalCancelRatio: str(p.proposal_cancel_ratio, d.proposalCancelRatio),
    proposalCancelDest: str(p.proposal_cancel_dest, d.proposalCancelDest),
    expeditedThreshold: str(p.expedited_threshold, d.expeditedThreshold),
    expeditedMinDeposit: p.expedited_min_deposit === undefined ? d.expeditedMinDeposit : coinsFrom(p.expedited_min_deposit),
    burnVoteQuorum: bool(p.burn_vote_quorum, d.burnVoteQuorum),
    burnProposalDepositPrevote: bool(p.burn_proposal_deposit_prevote, d.burnProposalDepositPrevote),
    burnVoteVeto: bool(p.burn_vote_veto, d.burnVoteVeto),
    minDepositRatio: str(p.min_deposit_ratio, d.minDepositRatio),
  };
  const dur = (k: "maxDepositPeriod" | "votingPeriod" | "expeditedVotingPeriod", v: unknown) => {
    const x = v === undefined ? d[k] : durFromJson(v);
    if (x !== undefined) out[k] = x;
  };
  dur("maxDepositPeriod", p.max_deposit_period);
  dur("votingPeriod", p.voting_period);
  dur("expeditedVotingPeriod", p.expedited_voting_period);
  return out;
}

/** messages are kept as {"@type", "value": base64 of the proto bytes}: the app has no JSON codec per message type. */
export function proposalToJson(p: Proposal): J {
  return {
    id: p.id.toString(),
    messages: p.messages.map((m) => ({ "@type": m.typeUrl, value: toBase64(m.value) })),
    status: (PROPOSAL_STATUS_NAMES as readonly string[])[p.status] ?? String(p.status),
    final_tally_result: tallyJson(p.finalTallyResult),
    submit_time: timeToJson(p.submitTime),
    deposit_end_time: timeToJson(p.depositEndTime),
    total_deposit: coinsJson(p.totalDeposit),
    voting_start_time: timeToJson(p.votingStartTime),
    voting_end_time: timeToJson(p.votingEndTime),
    metadata: p.metadata,
    title: p.title,
    summary: p.summary,
    proposer: p.proposer,
    expedited: p.expedited,
    failed_reason: p.failedReason,
  };
}

export function proposalFromJson(j: J): Proposal {
  const p: Proposal = {
    id: BigInt(j.id ?? "0"),
    messages: arr(j.messages).map((m) => ({ typeUrl: String(m["@type"]), value: fromBase64(String(m.value ?? "")) })),
    status: enumFromJson(PROPOSAL_STATUS_NAMES, j.status ?? 0, "proposal status") as Proposal["status"],
    totalDeposit: coinsFrom(j.total_deposit),
    metadata: String(j.metadata ?? ""),
    title: String(j.title ?? ""),
    summary: String(j.summary ?? ""),
    proposer: String(j.proposer ?? ""),
    expedited: j.expedited === true,
    failedReason: String(j.failed_reason ?? ""),
    finalTallyResult: tallyFrom(j.final_tally_result) ?? emptyTally(),
  };
  const t = (k: "submitTime" | "depositEndTime" | "votingStartTime" | "votingEndTime", v: unknown) => {
    const x = timeFromJson(v);
    if (x !== undefined) p[k] = x;
  };
  t("submitTime", j.submit_time);
  t("depositEndTime", j.deposit_end_time);
  t("votingStartTime", j.voting_start_time);
  t("votingEndTime", j.voting_end_time);
  return p;
}

export function genesisToJson(g: GovGenesis): unknown {
  return {
    starting_proposal_id: g.startingProposalId.toString(),
    deposits: g.deposits.map((d) => ({ proposal_id: d.proposalId.toString(), depositor: d.depositor, amount: coinsJson(d.amount) })),
    votes: g.votes.map((v) => ({ proposal_id: v.proposalId.toString(), voter: v.voter, options: optionsJson(v.options), metadata: v.metadata })),
    proposals: g.proposals.map(proposalToJson),
    params: paramsToJson(g.params),
    constitution: g.constitution,
  };
}

export function genesisFromJson(j: unknown): GovGenesis {
  const o = (j ?? {}) as J;
  return {
    startingProposalId: BigInt(o.starting_proposal_id ?? "1"),
    deposits: arr(o.deposits).map((d) => ({ proposalId: BigInt(d.proposal_id), depositor: String(d.depositor), amount: coinsFrom(d.amount) })),
    votes: arr(o.votes).map((v) => ({
      proposalId: BigInt(v.proposal_id),
      voter: String(v.voter),
      options: arr(v.options).map((x) => ({ option: enumFromJson(VOTE_OPTION_NAMES, x.option, "vote option") as Vote["options"][number]["option"], weight: String(x.weight) })),
      metadata: String(v.metadata ?? ""),
    })),
    proposals: arr(o.proposals).map(proposalFromJson),
    params: paramsFromJson(o.params),
    constitution: String(o.constitution ?? ""),
  };
}
