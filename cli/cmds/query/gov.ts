/**
 * `openledgerd query gov …`: proposals [--status], proposal, votes, vote, deposits, deposit, tally, params,
 * printed as proto-JSON (snake_case); proposal messages are shown decoded ("@type" + fields) when the CLI
 * knows their type.
 */
import { Command } from "commander";
import * as gq from "cosmjs-types/cosmos/gov/v1/query";
import * as grq from "../../../proto/gen/openledger/grants/v1/query.ts";
import * as arq from "../../../proto/gen/openledger/attribution/v1/registry.ts";
import * as caq from "../../../proto/gen/openledger/compute/v1/approval.ts";
import { abciQuery, b64 } from "../../rpc/client.ts";
import { parseAddress } from "../../util/address.ts";
import { UserError } from "../../util/errors.ts";
import { type CliIo, emit, toJson } from "../../util/io.ts";
import { parseId } from "../tx/datanet.ts";
import { msgToJson } from "../tx/gov.ts";
import { snakeKeys } from "./datanet.ts";
import { parseHeight, type QueryCtx } from "./handler.ts";
import { addNodeOption, queryCtx } from "./index.ts";

interface Codec<T> {
  encode(m: T): { finish(): Uint8Array };
  decode(b: Uint8Array): T;
  fromPartial(o: any): T;
  toJSON(m: T): unknown;
}

export const PROPOSAL_STATUS: Readonly<Record<string, number>> = Object.freeze({ deposit_period: 1, voting_period: 2, passed: 3, rejected: 4, failed: 5 });

const proposalsOf = (r: any): any[] => r.proposals ?? (r.proposal !== undefined && r.proposal !== null ? [r.proposal] : []);

async function run<Q, R>(c: QueryCtx, path: string, req: Codec<Q>, value: Record<string, unknown>, res: Codec<R>, height: string | undefined): Promise<void> {
  const r = await abciQuery(c.url, path, req.encode(req.fromPartial(value)).finish(), { height: parseHeight(height) });
  const decoded = res.decode(b64(r.value));
  const json = snakeKeys(res.toJSON(decoded)) as any;
  // proposal messages: decoded JSON instead of base64 Any values
  const raw = proposalsOf(decoded);
  for (const [i, p] of proposalsOf(json).entries()) {
    const msgs: { typeUrl: string; value: Uint8Array }[] = raw[i]?.messages ?? [];
    p.messages = await Promise.all(msgs.map((m) => msgToJson(m)));
  }
  emit(c.io, c.output, json, () => toJson(json));
}

const page = (o: { limit?: string; offset?: string }) => {
  if (o.limit !== undefined && !/^[0-9]+$/.test(o.limit)) throw new UserError(`invalid --limit "${o.limit}"`);
  if (o.offset !== undefined && !/^[0-9]+$/.test(o.offset)) throw new UserError(`invalid --offset "${o.offset}"`);
  return { limit: BigInt(o.limit ?? "0"), offset: BigInt(o.offset ?? "0"), countTotal: true };
};
const acc = (s: string, what: string) => {
  parseAddress(s, "open", what);
  return s;
};

type O = { height?: string; limit?: string; offset?: string };

export function govQueryCommand(io: CliIo): Command {
  const cmd = new Command("gov").description("governance queries: proposals, votes, deposits, tally, params");
  const P = "/cosmos.gov.v1.Query/";
  const sub = (name: string, desc: string) => addNodeOption(cmd.command(name).description(desc).option("--height <h>", "query the state at this height (default: latest)"));
  const paged = (c: Command) => c.option("--limit <n>", "page size (default 100)").option("--offset <n>", "skip this many");
  paged(sub("proposals", "all proposals (filter with --status, --voter, --depositor)"))
    .option("--status <s>", "deposit_period, voting_period, passed, rejected or failed")
    .option("--voter <address>", "only proposals this address voted on")
    .option("--depositor <address>", "only proposals this address deposited on")
    .action(async (o: O & { status?: string; voter?: string; depositor?: string }, c: Command) => {
      const st = o.status === undefined ? 0 : PROPOSAL_STATUS[o.status.toLowerCase().replace(/-/g, "_")];
      if (st === undefined) throw new UserError(`invalid --status "${o.status}": ${Object.keys(PROPOSAL_STATUS).join(", ")}`);
      await run(
        queryCtx(io, c),
        `${P}Proposals`,
        gq.QueryProposalsRequest,
        { proposalStatus: st, voter: o.voter === undefined ? "" : acc(o.voter, "voter"), depositor: o.depositor === undefined ? "" : acc(o.depositor, "depositor"), pagination: page(o) },
        gq.QueryProposalsResponse,
        o.height,
      );
    });
  sub("proposal", "one proposal").argument("<proposal_id>", "proposal id").action(async (id: string, o: O, c: Command) => run(queryCtx(io, c), `${P}Proposal`, gq.QueryProposalRequest, { proposalId: parseId(id, "proposal id") }, gq.QueryProposalResponse, o.height));
  paged(sub("votes", "the votes on a proposal (deleted once it is tallied)")).argument("<proposal_id>", "proposal id").action(async (id: string, o: O, c: Command) =>
    run(queryCtx(io, c), `${P}Votes`, gq.QueryVotesRequest, { proposalId: parseId(id, "proposal id"), pagination: page(o) }, gq.QueryVotesResponse, o.height),
  );
  sub("vote", "one voter's vote on a proposal").argument("<proposal_id>", "proposal id").argument("<voter>", "open1…").action(async (id: string, voter: string, o: O, c: Command) =>
    run(queryCtx(io, c), `${P}Vote`, gq.QueryVoteRequest, { proposalId: parseId(id, "proposal id"), voter: acc(voter, "voter") }, gq.QueryVoteResponse, o.height),
  );
  paged(sub("deposits", "the deposits on a proposal")).argument("<proposal_id>", "proposal id").action(async (id: string, o: O, c: Command) =>
    run(queryCtx(io, c), `${P}Deposits`, gq.QueryDepositsRequest, { proposalId: parseId(id, "proposal id"), pagination: page(o) }, gq.QueryDepositsResponse, o.height),
  );
  sub("deposit", "one depositor's deposit on a proposal").argument("<proposal_id>", "proposal id").argument("<depositor>", "open1…").action(async (id: string, d: string, o: O, c: Command) =>
    run(queryCtx(io, c), `${P}Deposit`, gq.QueryDepositRequest, { proposalId: parseId(id, "proposal id"), depositor: acc(d, "depositor") }, gq.QueryDepositResponse, o.height),
  );
  sub("tally", "the tally of a proposal (live while voting; final afterwards)").argument("<proposal_id>", "proposal id").action(async (id: string, o: O, c: Command) =>
    run(queryCtx(io, c), `${P}TallyResult`, gq.QueryTallyResultRequest, { proposalId: parseId(id, "proposal id") }, gq.QueryTallyResultResponse, o.height),
  );
  sub("params", "gov parameters").action(async (o: O, c: Command) => run(queryCtx(io, c), `${P}Params`, gq.QueryParamsRequest, { paramsType: "" }, gq.QueryParamsResponse, o.height));
  sub("constitution", "the chain's constitution").action(async (o: O, c: Command) => run(queryCtx(io, c), `${P}Constitution`, gq.QueryConstitutionRequest, {}, gq.QueryConstitutionResponse, o.height));
  return cmd;
}

export function grantsQueryCommand(io: CliIo): Command {
  const cmd = new Command("grants").description("launchpad grants: grants, milestones, escrow");
  const P = "/openledger.grants.v1.Query/";
  const sub = (name: string, desc: string) => addNodeOption(cmd.command(name).description(desc).option("--height <h>", "query the state at this height (default: latest)"));
  sub("grant", "one grant with its milestones").argument("<grant_id>", "grant id").action(async (id: string, o: O, c: Command) => run(queryCtx(io, c), `${P}Grant`, grq.QueryGrantRequest, { id: parseId(id, "grant id") }, grq.QueryGrantResponse, o.height));
  sub("grants", "all grants (or one recipient's)")
    .option("--recipient <address>", "only this recipient's grants")
    .option("--limit <n>", "page size (default 100)")
    .option("--offset <n>", "skip this many")
    .action(async (o: O & { recipient?: string }, c: Command) =>
      run(queryCtx(io, c), `${P}Grants`, grq.QueryGrantsRequest, { recipient: o.recipient === undefined ? "" : acc(o.recipient, "recipient"), pagination: page(o) }, grq.QueryGrantsResponse, o.height),
    );
  sub("escrow", "coins held for unpaid milestones").action(async (o: O, c: Command) => run(queryCtx(io, c), `${P}Escrow`, grq.QueryEscrowRequest, {}, grq.QueryEscrowResponse, o.height));
  return cmd;
}

/** `query attribution methods|shadow-receipt` (PoA method registry), added to poa's attribution command. */
export function addRegistryQueries(io: CliIo, attribution: Command): void {
  const P = "/openledger.attribution.v1.Query/";
  const sub = (name: string, desc: string) => addNodeOption(attribution.command(name).description(desc).option("--height <h>", "query the state at this height (default: latest)"));
  sub("methods", "PoA method versions: active, supported, scheduled activation (with its shadow window), history").action(async (o: O, c: Command) => run(queryCtx(io, c), `${P}Methods`, arq.QueryMethodsRequest, {}, arq.QueryMethodsResponse, o.height));
  sub("shadow-receipt", "the shadow method's result beside a receipt computed in a shadow window").argument("<receipt_id>", "receipt id").action(async (id: string, o: O, c: Command) =>
    run(queryCtx(io, c), `${P}ShadowReceipt`, arq.QueryShadowReceiptRequest, { receiptId: parseId(id, "receipt id") }, arq.QueryShadowReceiptResponse, o.height),
  );
}

/** `query compute provider-approval|provider-approvals` (governance decisions), added to compute's command. */
export function addApprovalQueries(io: CliIo, compute: Command): void {
  const P = "/openledger.compute.v1.Query/";
  const sub = (name: string, desc: string) => addNodeOption(compute.command(name).description(desc).option("--height <h>", "query the state at this height (default: latest)"));
  sub("provider-approval", "a provider's governance approval and whether it may get new jobs").argument("<provider>", "open1…").action(async (p: string, o: O, c: Command) =>
    run(queryCtx(io, c), `${P}ProviderApproval`, caq.QueryProviderApprovalRequest, { provider: acc(p, "provider") }, caq.QueryProviderApprovalResponse, o.height),
  );
  sub("provider-approvals", "every governance approval or suspension, and whether approval is required").action(async (o: O, c: Command) => run(queryCtx(io, c), `${P}ProviderApprovals`, caq.QueryProviderApprovalsRequest, {}, caq.QueryProviderApprovalsResponse, o.height));
}
