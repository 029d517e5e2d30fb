/**
 * REST routes answered through app.query: gateway path pattern ({field} binds a request field) →
 * gRPC method path + request/response codecs. Modules the app does not serve answer their empty
 * default-valued response (specs/cosmjs-rpc.md §5.2: explorers break on errors there).
 * openledger module queries: /openledger/<module>/v1/<snake method>[/{first request field}],
 * generated from the Query<Method>Request/Response pairs of proto/gen.
 */
import * as auth from "cosmjs-types/cosmos/auth/v1beta1/query";
import * as bank from "cosmjs-types/cosmos/bank/v1beta1/query";
import * as distr from "cosmjs-types/cosmos/distribution/v1beta1/query";
import * as gov from "cosmjs-types/cosmos/gov/v1/query";
import * as govBeta from "cosmjs-types/cosmos/gov/v1beta1/query";
import * as mint from "cosmjs-types/cosmos/mint/v1beta1/query";
import * as slashing from "cosmjs-types/cosmos/slashing/v1beta1/query";
import * as staking from "cosmjs-types/cosmos/staking/v1beta1/query";
import { fromUtf8 } from "../../modules/core/bytes.ts";
import { OPENLEDGER_MODULES } from "./openledgerModules.ts";
import type { Json } from "../rpc/json.ts";
import { type Codec, isCodec, snake } from "./protoJson.ts";

type Obj = { [k: string]: Json };

export interface QueryRoute {
  pattern: string;
  grpc: string;
  req: Codec;
  res: Codec;
  /** answer the empty response when the app has no such query. */
  emptyOnUnimplemented?: boolean;
  fallback?: () => Json;
  transform?: (o: Obj) => Json;
  /** the response codec the OpenAPI document describes when `transform` changes the shape (gov v1beta1). */
  docRes?: Codec;
}

const ZERO_DEC = "0.000000000000000000";

/** a LegacyDec carried as bytes (mint) → its decimal text. */
function decBytes(b64: Json): string {
  if (typeof b64 !== "string") return ZERO_DEC;
  const s = fromUtf8(Uint8Array.from(Buffer.from(b64, "base64")));
  if (s.includes(".")) return s;
  if (!/^-?\d+$/.test(s)) return ZERO_DEC;
  const neg = s.startsWith("-");
  const d = (neg ? s.slice(1) : s).padStart(19, "0");
  return `${neg ? "-" : ""}${d.slice(0, -18)}.${d.slice(-18)}`;
}

/** integer text of a LegacyDec (its wire form, 18 implied decimals) → the gateway's decimal text. */
function legacyDecText(s: string): string {
  if (!/^-?\d+$/.test(s)) return s;
  const neg = s.startsWith("-");
  const d = (neg ? s.slice(1) : s).padStart(19, "0");
  return `${neg ? "-" : ""}${d.slice(0, -18)}.${d.slice(-18)}`;
}

/**
 * LegacyDec fields (cosmos_proto.scalar "cosmos.Dec") of the staking, distribution and slashing
 * messages travel as integer text on the wire (gRPC, ABCI) but as decimals in gateway JSON.
 */
const DEC_KEYS = new Set([
  "delegator_shares", "shares", "shares_dst", "rate", "max_rate", "max_change_rate", "min_commission_rate",
  "community_tax", "base_proposer_reward", "bonus_proposer_reward", "fraction",
  "inflation_rate_change", "inflation_max", "inflation_min", "goal_bonded",
]);
/** LegacyDec fields carried as bytes of the integer text (slashing Params; gogoproto customtype over bytes). */
const DEC_BYTES_KEYS = new Set(["min_signed_per_window", "slash_fraction_double_sign", "slash_fraction_downtime"]);
/** DecCoin lists (amount is a LegacyDec) in distribution responses. */
const DEC_COIN_KEYS = new Set(["rewards", "reward", "total", "commission", "pool", "self_bond_rewards"]);

function isDecCoin(v: Json): boolean {
  return v !== null && typeof v === "object" && !Array.isArray(v) && typeof v.denom === "string" && typeof v.amount === "string" && Object.keys(v).length === 2;
}

export function legacyDecJson(j: Json, inDecCoins = false): Json {
  if (Array.isArray(j)) return j.map((x) => (inDecCoins && isDecCoin(x) ? { ...(x as Obj), amount: legacyDecText((x as Obj).amount as string) } : legacyDecJson(x, inDecCoins)));
  if (j === null || typeof j !== "object") return j;
  const out: Obj = {};
  for (const [k, v] of Object.entries(j)) {
    if (DEC_KEYS.has(k) && typeof v === "string") out[k] = legacyDecText(v);
    else if (DEC_BYTES_KEYS.has(k)) out[k] = decBytes(v);
    else out[k] = legacyDecJson(v, DEC_COIN_KEYS.has(k));
  }
  return out;
}

const DEC_MODULES = /^\/cosmos\/(staking|distribution|slashing|mint)\//;

/**
 * gov v1beta1 over the v1 queries, as SDK 0.50's legacy gov querier converts (x/gov/migrations/v3
 * ConvertToLegacyProposal / Tally / Vote): a v1beta1 proposal's content is its MsgExecLegacyContent's
 * content, else its first message (null when it has none); tallies use yes/abstain/no/no_with_veto.
 */
function legacyTally(t: Json): Json {
  const o = (t ?? {}) as Obj;
  return { yes: o.yes_count ?? "0", abstain: o.abstain_count ?? "0", no: o.no_count ?? "0", no_with_veto: o.no_with_veto_count ?? "0" };
}
function legacyProposal(p: Json): Json {
  if (p === null || typeof p !== "object" || Array.isArray(p)) return null;
  const msgs = (Array.isArray(p.messages) ? p.messages : []) as Obj[];
  const exec = msgs.find((m) => m["@type"] === "/cosmos.gov.v1.MsgExecLegacyContent");
  return {
    proposal_id: p.id ?? "0",
    content: exec !== undefined ? (exec.content ?? null) : (msgs[0] ?? null),
    status: p.status ?? "PROPOSAL_STATUS_UNSPECIFIED",
    final_tally_result: legacyTally(p.final_tally_result ?? null),
    submit_time: p.submit_time ?? null,
    deposit_end_time: p.deposit_end_time ?? null,
    total_deposit: p.total_deposit ?? [],
    voting_start_time: p.voting_start_time ?? null,
    voting_end_time: p.voting_end_time ?? null,
  };
}
function legacyVote(v: Json): Json {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return null;
  return { proposal_id: v.proposal_id ?? "0", voter: v.voter ?? "", option: "VOTE_OPTION_UNSPECIFIED", options: v.options ?? [] };
}
const GB = "/cosmos/gov/v1beta1";

function r(pattern: string, grpc: string, req: unknown, res: unknown, extra: Partial<QueryRoute> = {}): QueryRoute {
  if (!isCodec(req) || !isCodec(res)) throw new Error(`rest route ${pattern}: not a codec`);
  const route: QueryRoute = { pattern, grpc, req, res, emptyOnUnimplemented: true, ...extra };
  if (DEC_MODULES.test(pattern) && route.transform === undefined) route.transform = (o) => legacyDecJson(o);
  return route;
}

const A = "/cosmos.auth.v1beta1.Query/";
const B = "/cosmos.bank.v1beta1.Query/";
const S = "/cosmos.staking.v1beta1.Query/";
const SL = "/cosmos.slashing.v1beta1.Query/";
const D = "/cosmos.distribution.v1beta1.Query/";
const G = "/cosmos.gov.v1.Query/";
const M = "/cosmos.mint.v1beta1.Query/";

export const COSMOS_ROUTES: QueryRoute[] = [
  r("/cosmos/auth/v1beta1/accounts/{address}", `${A}Account`, auth.QueryAccountRequest, auth.QueryAccountResponse, { emptyOnUnimplemented: false }),
  r("/cosmos/auth/v1beta1/accounts", `${A}Accounts`, auth.QueryAccountsRequest, auth.QueryAccountsResponse),
  r("/cosmos/auth/v1beta1/params", `${A}Params`, auth.QueryParamsRequest, auth.QueryParamsResponse),
  r("/cosmos/auth/v1beta1/module_accounts", `${A}ModuleAccounts`, auth.QueryModuleAccountsRequest, auth.QueryModuleAccountsResponse),
  r("/cosmos/auth/v1beta1/bech32", `${A}Bech32Prefix`, auth.Bech32PrefixRequest, auth.Bech32PrefixResponse),
  // SDK 0.50 registers bech32/{address_bytes} (AddressBytesToString) before bech32/{address_string}: the gateway answers the first
  r("/cosmos/auth/v1beta1/bech32/{address_bytes}", `${A}AddressBytesToString`, auth.AddressBytesToStringRequest, auth.AddressBytesToStringResponse, { emptyOnUnimplemented: false }),
  r("/cosmos/auth/v1beta1/account_info/{address}", `${A}AccountInfo`, auth.QueryAccountInfoRequest, auth.QueryAccountInfoResponse, { emptyOnUnimplemented: false }),
  r("/cosmos/auth/v1beta1/address_by_id/{id}", `${A}AccountAddressByID`, auth.QueryAccountAddressByIDRequest, auth.QueryAccountAddressByIDResponse, { emptyOnUnimplemented: false }),
  r("/cosmos/auth/v1beta1/module_accounts/{name}", `${A}ModuleAccountByName`, auth.QueryModuleAccountByNameRequest, auth.QueryModuleAccountByNameResponse, { emptyOnUnimplemented: false }),
  r("/cosmos/bank/v1beta1/balances/{address}/by_denom", `${B}Balance`, bank.QueryBalanceRequest, bank.QueryBalanceResponse),
  r("/cosmos/bank/v1beta1/balances/{address}", `${B}AllBalances`, bank.QueryAllBalancesRequest, bank.QueryAllBalancesResponse),
  r("/cosmos/bank/v1beta1/spendable_balances/{address}", `${B}SpendableBalances`, bank.QuerySpendableBalancesRequest, bank.QuerySpendableBalancesResponse),
  r("/cosmos/bank/v1beta1/spendable_balances/{address}/by_denom", `${B}SpendableBalanceByDenom`, bank.QuerySpendableBalanceByDenomRequest, bank.QuerySpendableBalanceByDenomResponse),
  r("/cosmos/bank/v1beta1/send_enabled", `${B}SendEnabled`, bank.QuerySendEnabledRequest, bank.QuerySendEnabledResponse),
  r("/cosmos/bank/v1beta1/denoms_metadata_by_query_string", `${B}DenomMetadataByQueryString`, bank.QueryDenomMetadataByQueryStringRequest, bank.QueryDenomMetadataByQueryStringResponse),
  r("/cosmos/bank/v1beta1/denom_owners_by_query", `${B}DenomOwnersByQuery`, bank.QueryDenomOwnersByQueryRequest, bank.QueryDenomOwnersByQueryResponse),
  r("/cosmos/bank/v1beta1/supply/by_denom", `${B}SupplyOf`, bank.QuerySupplyOfRequest, bank.QuerySupplyOfResponse),
  r("/cosmos/bank/v1beta1/supply", `${B}TotalSupply`, bank.QueryTotalSupplyRequest, bank.QueryTotalSupplyResponse),
  r("/cosmos/bank/v1beta1/params", `${B}Params`, bank.QueryParamsRequest, bank.QueryParamsResponse),
  r("/cosmos/bank/v1beta1/denoms_metadata/{denom}", `${B}DenomMetadata`, bank.QueryDenomMetadataRequest, bank.QueryDenomMetadataResponse),
  r("/cosmos/bank/v1beta1/denoms_metadata", `${B}DenomsMetadata`, bank.QueryDenomsMetadataRequest, bank.QueryDenomsMetadataResponse),
  r("/cosmos/bank/v1beta1/denom_owners/{denom}", `${B}DenomOwners`, bank.QueryDenomOwnersRequest, bank.QueryDenomOwnersResponse),
  r("/cosmos/staking/v1beta1/validators/{validator_addr}/delegations/{delegator_addr}", `${S}Delegation`, staking.QueryDelegationRequest, staking.QueryDelegationResponse, { emptyOnUnimplemented: false }),
  r("/cosmos/staking/v1beta1/validators/{validator_addr}/delegations/{delegator_addr}/unbonding_delegation", `${S}UnbondingDelegation`, staking.QueryUnbondingDelegationRequest, staking.QueryUnbondingDelegationResponse, { emptyOnUnimplemented: false }),
  r("/cosmos/staking/v1beta1/validators/{validator_addr}/delegations", `${S}ValidatorDelegations`, staking.QueryValidatorDelegationsRequest, staking.QueryValidatorDelegationsResponse),
  r("/cosmos/staking/v1beta1/validators/{validator_addr}/unbonding_delegations", `${S}ValidatorUnbondingDelegations`, staking.QueryValidatorUnbondingDelegationsRequest, staking.QueryValidatorUnbondingDelegationsResponse),
  r("/cosmos/staking/v1beta1/validators/{validator_addr}", `${S}Validator`, staking.QueryValidatorRequest, staking.QueryValidatorResponse, { emptyOnUnimplemented: false }),
  r("/cosmos/staking/v1beta1/validators", `${S}Validators`, staking.QueryValidatorsRequest, staking.QueryValidatorsResponse),
  r("/cosmos/staking/v1beta1/delegations/{delegator_addr}", `${S}DelegatorDelegations`, staking.QueryDelegatorDelegationsRequest, staking.QueryDelegatorDelegationsResponse),
  r("/cosmos/staking/v1beta1/delegators/{delegator_addr}/unbonding_delegations", `${S}DelegatorUnbondingDelegations`, staking.QueryDelegatorUnbondingDelegationsRequest, staking.QueryDelegatorUnbondingDelegationsResponse),
  r("/cosmos/staking/v1beta1/delegators/{delegator_addr}/redelegations", `${S}Redelegations`, staking.QueryRedelegationsRequest, staking.QueryRedelegationsResponse),
  r("/cosmos/staking/v1beta1/delegators/{delegator_addr}/validators", `${S}DelegatorValidators`, staking.QueryDelegatorValidatorsRequest, staking.QueryDelegatorValidatorsResponse),
  r("/cosmos/staking/v1beta1/delegators/{delegator_addr}/validators/{validator_addr}", `${S}DelegatorValidator`, staking.QueryDelegatorValidatorRequest, staking.QueryDelegatorValidatorResponse, { emptyOnUnimplemented: false }),
  r("/cosmos/staking/v1beta1/historical_info/{height}", `${S}HistoricalInfo`, staking.QueryHistoricalInfoRequest, staking.QueryHistoricalInfoResponse, { emptyOnUnimplemented: false }),
  r("/cosmos/staking/v1beta1/pool", `${S}Pool`, staking.QueryPoolRequest, staking.QueryPoolResponse, { fallback: () => ({ pool: { not_bonded_tokens: "0", bonded_tokens: "0" } }) }),
  r("/cosmos/staking/v1beta1/params", `${S}Params`, staking.QueryParamsRequest, staking.QueryParamsResponse),
  r("/cosmos/slashing/v1beta1/params", `${SL}Params`, slashing.QueryParamsRequest, slashing.QueryParamsResponse),
  r("/cosmos/slashing/v1beta1/signing_infos/{cons_address}", `${SL}SigningInfo`, slashing.QuerySigningInfoRequest, slashing.QuerySigningInfoResponse, { emptyOnUnimplemented: false }),
  r("/cosmos/slashing/v1beta1/signing_infos", `${SL}SigningInfos`, slashing.QuerySigningInfosRequest, slashing.QuerySigningInfosResponse),
  r("/cosmos/distribution/v1beta1/params", `${D}Params`, distr.QueryParamsRequest, distr.QueryParamsResponse),
  r("/cosmos/distribution/v1beta1/delegators/{delegator_address}/rewards/{validator_address}", `${D}DelegationRewards`, distr.QueryDelegationRewardsRequest, distr.QueryDelegationRewardsResponse),
  r("/cosmos/distribution/v1beta1/delegators/{delegator_address}/rewards", `${D}DelegationTotalRewards`, distr.QueryDelegationTotalRewardsRequest, distr.QueryDelegationTotalRewardsResponse),
  r("/cosmos/distribution/v1beta1/delegators/{delegator_address}/validators", `${D}DelegatorValidators`, distr.QueryDelegatorValidatorsRequest, distr.QueryDelegatorValidatorsResponse),
  r("/cosmos/distribution/v1beta1/delegators/{delegator_address}/withdraw_address", `${D}DelegatorWithdrawAddress`, distr.QueryDelegatorWithdrawAddressRequest, distr.QueryDelegatorWithdrawAddressResponse),
  r("/cosmos/distribution/v1beta1/validators/{validator_address}/commission", `${D}ValidatorCommission`, distr.QueryValidatorCommissionRequest, distr.QueryValidatorCommissionResponse),
  r("/cosmos/distribution/v1beta1/validators/{validator_address}/outstanding_rewards", `${D}ValidatorOutstandingRewards`, distr.QueryValidatorOutstandingRewardsRequest, distr.QueryValidatorOutstandingRewardsResponse),
  r("/cosmos/distribution/v1beta1/validators/{validator_address}/slashes", `${D}ValidatorSlashes`, distr.QueryValidatorSlashesRequest, distr.QueryValidatorSlashesResponse),
  r("/cosmos/distribution/v1beta1/validators/{validator_address}", `${D}ValidatorDistributionInfo`, distr.QueryValidatorDistributionInfoRequest, distr.QueryValidatorDistributionInfoResponse),
  r("/cosmos/distribution/v1beta1/community_pool", `${D}CommunityPool`, distr.QueryCommunityPoolRequest, distr.QueryCommunityPoolResponse),
  r("/cosmos/gov/v1/proposals/{proposal_id}/tally", `${G}TallyResult`, gov.QueryTallyResultRequest, gov.QueryTallyResultResponse, {
    fallback: () => ({ tally: { yes_count: "0", abstain_count: "0", no_count: "0", no_with_veto_count: "0" } }),
  }),
  r("/cosmos/gov/v1/proposals/{proposal_id}/votes/{voter}", `${G}Vote`, gov.QueryVoteRequest, gov.QueryVoteResponse, { emptyOnUnimplemented: false }),
  r("/cosmos/gov/v1/proposals/{proposal_id}/votes", `${G}Votes`, gov.QueryVotesRequest, gov.QueryVotesResponse),
  r("/cosmos/gov/v1/proposals/{proposal_id}/deposits", `${G}Deposits`, gov.QueryDepositsRequest, gov.QueryDepositsResponse),
  r("/cosmos/gov/v1/proposals/{proposal_id}/deposits/{depositor}", `${G}Deposit`, gov.QueryDepositRequest, gov.QueryDepositResponse, { emptyOnUnimplemented: false }),
  r("/cosmos/gov/v1/constitution", `${G}Constitution`, gov.QueryConstitutionRequest, gov.QueryConstitutionResponse, { fallback: () => ({ constitution: "" }) }),
  r("/cosmos/gov/v1/proposals/{proposal_id}", `${G}Proposal`, gov.QueryProposalRequest, gov.QueryProposalResponse, { emptyOnUnimplemented: false }),
  r("/cosmos/gov/v1/proposals", `${G}Proposals`, gov.QueryProposalsRequest, gov.QueryProposalsResponse),
  r("/cosmos/gov/v1/params/{params_type}", `${G}Params`, gov.QueryParamsRequest, gov.QueryParamsResponse),
  // gov v1beta1 (legacy) routes, answered from the v1 queries
  r(`${GB}/proposals/{proposal_id}/tally`, `${G}TallyResult`, gov.QueryTallyResultRequest, gov.QueryTallyResultResponse, {
    fallback: () => ({ tally: legacyTally(null) }),
    transform: (o) => ({ tally: legacyTally(o.tally ?? null) }),
    docRes: govBeta.QueryTallyResultResponse,
  }),
  r(`${GB}/proposals/{proposal_id}/votes/{voter}`, `${G}Vote`, gov.QueryVoteRequest, gov.QueryVoteResponse, { emptyOnUnimplemented: false, transform: (o) => ({ vote: legacyVote(o.vote ?? null) }), docRes: govBeta.QueryVoteResponse }),
  r(`${GB}/proposals/{proposal_id}/votes`, `${G}Votes`, gov.QueryVotesRequest, gov.QueryVotesResponse, {
    transform: (o) => ({ votes: ((o.votes ?? []) as Json[]).map(legacyVote), pagination: o.pagination ?? null }),
    docRes: govBeta.QueryVotesResponse,
  }),
  r(`${GB}/proposals/{proposal_id}/deposits`, `${G}Deposits`, gov.QueryDepositsRequest, gov.QueryDepositsResponse, { docRes: govBeta.QueryDepositsResponse }),
  r(`${GB}/proposals/{proposal_id}/deposits/{depositor}`, `${G}Deposit`, gov.QueryDepositRequest, gov.QueryDepositResponse, { emptyOnUnimplemented: false, docRes: govBeta.QueryDepositResponse }),
  r(`${GB}/proposals/{proposal_id}`, `${G}Proposal`, gov.QueryProposalRequest, gov.QueryProposalResponse, {
    emptyOnUnimplemented: false,
    transform: (o) => ({ proposal: legacyProposal(o.proposal ?? null) }),
    docRes: govBeta.QueryProposalResponse,
  }),
  r(`${GB}/proposals`, `${G}Proposals`, gov.QueryProposalsRequest, gov.QueryProposalsResponse, {
    transform: (o) => ({ proposals: ((o.proposals ?? []) as Json[]).map(legacyProposal), pagination: o.pagination ?? null }),
    docRes: govBeta.QueryProposalsResponse,
  }),
  r(`${GB}/params/{params_type}`, `${G}Params`, gov.QueryParamsRequest, gov.QueryParamsResponse, {
    transform: (o) => ({ voting_params: o.voting_params ?? null, deposit_params: o.deposit_params ?? null, tally_params: o.tally_params ?? null }),
    docRes: govBeta.QueryParamsResponse,
  }),
  r("/cosmos/mint/v1beta1/params", `${M}Params`, mint.QueryParamsRequest, mint.QueryParamsResponse),
  r("/cosmos/mint/v1beta1/inflation", `${M}Inflation`, mint.QueryInflationRequest, mint.QueryInflationResponse, {
    fallback: () => ({ inflation: ZERO_DEC }),
    transform: (o) => ({ inflation: decBytes(o.inflation ?? null) }),
  }),
  r("/cosmos/mint/v1beta1/annual_provisions", `${M}AnnualProvisions`, mint.QueryAnnualProvisionsRequest, mint.QueryAnnualProvisionsResponse, {
    fallback: () => ({ annual_provisions: ZERO_DEC }),
    transform: (o) => ({ annual_provisions: decBytes(o.annual_provisions ?? null) }),
  }),
];

/** /openledger/<module>/v1/<snake method> and …/{first field} for every Query<X>Request/Response pair. */
export function customRoutes(module: string, pkg: string, mod: Record<string, unknown>): QueryRoute[] {
  const out: QueryRoute[] = [];
  for (const [name, req] of Object.entries(mod)) {
    const m = /^Query(\w+)Request$/.exec(name);
    if (m === null || !isCodec(req)) continue;
    const method = m[1] as string;
    const res = mod[`Query${method}Response`];
    if (!isCodec(res)) continue;
    const base = `/openledger/${module}/v1/${snake(method[0]?.toLowerCase() + method.slice(1))}`;
    const grpc = `/${pkg}.Query/${method}`;
    const first = Object.keys(req.fromJSON({}) as object).find((k) => k !== "pagination");
    if (first !== undefined) out.push({ pattern: `${base}/{${snake(first)}}`, grpc, req, res });
    out.push({ pattern: base, grpc, req, res });
  }
  return out;
}

/** every openledger module with a query.ts under proto/gen (openledgerModules.ts). */
export const CUSTOM_ROUTES: QueryRoute[] = OPENLEDGER_MODULES.flatMap((m) => (m.query === undefined ? [] : customRoutes(m.name, m.pkg, m.query)));

export const QUERY_ROUTES: QueryRoute[] = [...COSMOS_ROUTES, ...CUSTOM_ROUTES];
