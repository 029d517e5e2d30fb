/**
 * `openledgerd tx gov …`: submit-proposal (a proposal.json as the SDK CLI reads it), draft-proposal,
 * deposit, vote, weighted-vote, cancel. Proposal messages are proto-JSON objects with an "@type"; every
 * type in the CLI's registry (SDK defaults + openledger modules) can be proposed.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { Command } from "commander";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { resolveNode } from "../../rpc/client.ts";
import { parseCoins } from "../../util/coins.ts";
import { errorMessage, UserError } from "../../util/errors.ts";
import { type CliIo, emit, toJson } from "../../util/io.ts";
import { globalsOf, type KeyringFlags, openKeyring } from "../common.ts";
import type { EncodeMsg } from "./broadcast.ts";
import { parseId } from "./datanet.ts";
import type { TxFlags } from "./handler.ts";
import { addTxOptions } from "./index.ts";

type Flags = TxFlags & KeyringFlags & { note?: string; node?: string };

/** the gov module account: the authority every proposal message must name (bech32 of sha256("gov")[:20]). */
export async function govAuthority(): Promise<string> {
  const a = await import("../../../modules/core/address.ts");
  return a.accAddressToString(a.moduleAddress("gov"));
}

export const VOTE_OPTIONS: Readonly<Record<string, number>> = Object.freeze({ yes: 1, abstain: 2, no: 3, no_with_veto: 4, "no-with-veto": 4, veto: 4 });

export function parseVoteOption(s: string): number {
  const o = VOTE_OPTIONS[s.toLowerCase()];
  if (o === undefined) throw new UserError(`invalid vote option "${s}": yes, no, abstain or no_with_veto`);
  return o;
}

/** "yes=0.6,no=0.4" → weighted options (weights as 18-decimal strings, summing to 1 on chain). */
export function parseWeightedOptions(s: string): { option: number; weight: string }[] {
  const out: { option: number; weight: string }[] = [];
  for (const part of s.split(",")) {
    const m = /^\s*([a-z_-]+)\s*=\s*([0-9]+(?:\.[0-9]{1,18})?)\s*$/i.exec(part);
    if (m === null) throw new UserError(`invalid weighted option "${part}": e.g. yes=0.6,no=0.4`);
    const [int, frac = ""] = (m[2] as string).split(".");
    out.push({ option: parseVoteOption(m[1] as string), weight: `${int}.${frac.padEnd(18, "0")}` });
  }
  return out;
}

const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

function camelKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelKeys);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k === "@type" ? k : camel(k), camelKeys(x)]));
  return v;
}

interface JsonCodec {
  fromJSON(o: unknown): unknown;
  toJSON(m: unknown): unknown;
  encode(m: unknown): { finish(): Uint8Array };
  decode(b: Uint8Array): unknown;
}

async function codecOf(typeUrl: string): Promise<JsonCodec> {
  const { openledgerRegistry } = await import("./broadcast.ts");
  const c = openledgerRegistry().lookupType(typeUrl) as unknown as Partial<JsonCodec> | undefined;
  if (c === undefined || typeof c.fromJSON !== "function" || typeof c.toJSON !== "function") throw new UserError(`unknown message type ${typeUrl} (the CLI's registry has no codec for it)`);
  return c as JsonCodec;
}

/** one proposal message: `{"@type": "/cosmos.bank.v1beta1.MsgSend", "from_address": …}` (snake or camel case) → Any. */
export async function msgFromJson(m: unknown, i = 0): Promise<Any> {
  if (m === null || typeof m !== "object" || Array.isArray(m)) throw new UserError(`messages[${i}] must be an object with an "@type"`);
  const { "@type": typeUrl, ...fields } = m as Record<string, unknown>;
  if (typeof typeUrl !== "string" || !typeUrl.startsWith("/")) throw new UserError(`messages[${i}] needs "@type": "/package.MsgName"`);
  const codec = await codecOf(typeUrl);
  let msg: unknown;
  try {
    msg = codec.fromJSON(camelKeys(fields));
  } catch (e) {
    throw new UserError(`messages[${i}] (${typeUrl}): ${errorMessage(e)}`);
  }
  return { typeUrl, value: codec.encode(msg).finish() };
}

/** Any → `{"@type", …fields}` (snake_case) when the CLI knows the type, else `{"@type", "value": base64}`. */
export async function msgToJson(a: { typeUrl: string; value: Uint8Array }): Promise<Record<string, unknown>> {
  try {
    const codec = await codecOf(a.typeUrl);
    const { snakeKeys } = await import("../query/datanet.ts");
    return { "@type": a.typeUrl, ...(snakeKeys(codec.toJSON(codec.decode(a.value))) as Record<string, unknown>) };
  } catch {
    return { "@type": a.typeUrl, value: Buffer.from(a.value).toString("base64") };
  }
}

export interface ProposalFile {
  messages: Any[];
  metadata: string;
  deposit: { denom: string; amount: string }[];
  title: string;
  summary: string;
  expedited: boolean;
}

/** the SDK CLI's proposal.json: messages, metadata, deposit ("10000000uopen"), title, summary, expedited. */
export async function parseProposalFile(text: string, file = "proposal.json"): Promise<ProposalFile> {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new UserError(`${file}: not JSON: ${errorMessage(e)}`);
  }
  if (j === null || typeof j !== "object" || Array.isArray(j)) throw new UserError(`${file}: expected a JSON object`);
  const msgs = j.messages ?? [];
  if (!Array.isArray(msgs)) throw new UserError(`${file}: "messages" must be an array`);
  const str = (k: string) => {
    const v = j[k] ?? "";
    if (typeof v !== "string") throw new UserError(`${file}: "${k}" must be a string`);
    return v;
  };
  if (str("title") === "") throw new UserError(`${file}: "title" is required`);
  if (str("summary") === "") throw new UserError(`${file}: "summary" is required`);
  const expedited = j.expedited ?? false;
  if (typeof expedited !== "boolean") throw new UserError(`${file}: "expedited" must be true or false`);
  const deposit = (str("deposit") === "" ? [] : parseCoins(str("deposit"))).map((c) => ({ denom: c.denom, amount: c.amount.toString() }));
  const messages: Any[] = [];
  for (const [i, m] of msgs.entries()) messages.push(await msgFromJson(m, i));
  return { messages, metadata: str("metadata"), deposit, title: str("title"), summary: str("summary"), expedited };
}

/** draft-proposal templates: a message of a known kind with the gov authority filled in. */
export async function draftProposal(kind: string): Promise<Record<string, unknown>> {
  const gov = await govAuthority();
  const base = { metadata: "ipfs://CID", deposit: "10000000uopen", title: "Title", summary: "What this proposal does and why", expedited: false };
  const messages: Record<string, Record<string, unknown>> = {
    text: {},
    "community-pool-spend": { "@type": "/cosmos.distribution.v1beta1.MsgCommunityPoolSpend", authority: gov, recipient: "open1…", amount: [{ denom: "uopen", amount: "1000000" }] },
    "bank-params": { "@type": "/cosmos.bank.v1beta1.MsgUpdateParams", authority: gov, params: { send_enabled: [], default_send_enabled: true } },
    "datanet-resolve-challenge": { "@type": "/openledger.datanet.v1.MsgResolveChallenge", authority: gov, challenge_id: "1", uphold: true, reason: "" },
    "activate-method": { "@type": "/openledger.attribution.v1.MsgActivateMethod", authority: gov, method: { method: "poa-knn-shapley", version: 2 }, activation_height: "100000", shadow_epochs: 1 },
    "provider-approval": { "@type": "/openledger.compute.v1.MsgSetProviderApproval", authority: gov, provider: "open1…", status: "APPROVAL_STATUS_SUSPENDED", reason: "" },
    "create-grant": {
      "@type": "/openledger.grants.v1.MsgCreateGrant",
      authority: gov,
      recipient: "open1…",
      title: "Grant title",
      reviewers: ["open1…"],
      approvals_required: 1,
      milestones: [{ description: "milestone 1", amount: [{ denom: "uopen", amount: "1000000" }] }],
    },
  };
  const m = messages[kind];
  if (m === undefined) throw new UserError(`unknown --type "${kind}": ${Object.keys(messages).join(", ")}`);
  return { messages: kind === "text" ? [] : [m], ...base };
}

async function send(io: CliIo, cmd: Command, from: string, o: Flags, build: (sender: string) => EncodeMsg[], summary: (sender: string) => string[]): Promise<Record<string, unknown>> {
  const g = globalsOf(cmd);
  const { broadcastMsgs } = await import("./broadcast.ts");
  return broadcastMsgs({ io, output: g.output, url: resolveNode(o.node, g.home), keyring: await openKeyring(g.home, o, io) }, from, build, summary, { ...o, memo: o.memo ?? o.note });
}

export function govTxCommand(io: CliIo): Command {
  const gov = new Command("gov").description("governance transactions: proposals, deposits, votes");
  addTxOptions(
    gov
      .command("submit-proposal")
      .description("submit a proposal from a JSON file: {messages:[{\"@type\":…}], metadata, deposit, title, summary, expedited}")
      .argument("<proposal_file>", "path to proposal.json (see draft-proposal)")
      .requiredOption("--from <key>", "proposer key"),
  ).action(async (file: string, o: Flags & { from: string }, cmd: Command) => {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new UserError(`cannot read ${file}: ${errorMessage(e)}`);
    }
    const p = await parseProposalFile(text, file);
    await send(io, cmd, o.from, o, (sender) => [
      { typeUrl: "/cosmos.gov.v1.MsgSubmitProposal", value: { messages: p.messages, initialDeposit: p.deposit, proposer: sender, metadata: p.metadata, title: p.title, summary: p.summary, expedited: p.expedited } },
    ], () => [`submit proposal "${p.title}"${p.expedited ? " (expedited)" : ""}: ${p.messages.map((m) => m.typeUrl).join(", ") || "text only"}`, `initial deposit: ${p.deposit.map((c) => `${c.amount}${c.denom}`).join(",") || "none"}`]);
  });

  gov
    .command("draft-proposal")
    .description("write a proposal.json template (the gov authority filled in) to edit and submit")
    .option("--type <kind>", "text, community-pool-spend, bank-params, datanet-resolve-challenge, activate-method, provider-approval or create-grant", "text")
    .option("--out <file>", "write here instead of stdout")
    .action(async (o: { type: string; out?: string }, cmd: Command) => {
      const d = await draftProposal(o.type);
      if (o.out !== undefined) {
        writeFileSync(o.out, `${toJson(d)}\n`);
        emit(io, globalsOf(cmd).output, { file: o.out }, `wrote ${o.out}`);
      } else io.out(toJson(d));
    });

  addTxOptions(gov.command("deposit").description("add a deposit to a proposal").argument("<proposal_id>", "proposal id").argument("<amount>", "coins, e.g. 10000000uopen").requiredOption("--from <key>", "depositor key")).action(
    async (id: string, amount: string, o: Flags & { from: string }, cmd: Command) => {
      const pid = parseId(id, "proposal id");
      const coins = parseCoins(amount).map((c) => ({ denom: c.denom, amount: c.amount.toString() }));
      if (coins.length === 0) throw new UserError("deposit must be positive");
      await send(io, cmd, o.from, o, (sender) => [{ typeUrl: "/cosmos.gov.v1.MsgDeposit", value: { proposalId: pid, depositor: sender, amount: coins } }], () => [`deposit ${amount} on proposal ${pid}`]);
    },
  );

  addTxOptions(
    gov.command("vote").description("vote on a proposal in its voting period").argument("<proposal_id>", "proposal id").argument("<option>", "yes, no, abstain or no_with_veto").requiredOption("--from <key>", "voter key").option("--metadata <text>", "vote metadata", ""),
  ).action(async (id: string, option: string, o: Flags & { from: string; metadata: string }, cmd: Command) => {
    const pid = parseId(id, "proposal id");
    const opt = parseVoteOption(option);
    await send(io, cmd, o.from, o, (sender) => [{ typeUrl: "/cosmos.gov.v1.MsgVote", value: { proposalId: pid, voter: sender, option: opt, metadata: o.metadata } }], () => [`vote ${option} on proposal ${pid}`]);
  });

  addTxOptions(
    gov
      .command("weighted-vote")
      .description("split your vote, e.g. yes=0.6,no=0.4 (weights sum to 1)")
      .argument("<proposal_id>", "proposal id")
      .argument("<options>", "option=weight pairs, comma-separated")
      .requiredOption("--from <key>", "voter key")
      .option("--metadata <text>", "vote metadata", ""),
  ).action(async (id: string, options: string, o: Flags & { from: string; metadata: string }, cmd: Command) => {
    const pid = parseId(id, "proposal id");
    const opts = parseWeightedOptions(options);
    await send(io, cmd, o.from, o, (sender) => [{ typeUrl: "/cosmos.gov.v1.MsgVoteWeighted", value: { proposalId: pid, voter: sender, options: opts, metadata: o.metadata } }], () => [`weighted vote ${options} on proposal ${pid}`]);
  });

  addTxOptions(gov.command("cancel").description("cancel your proposal before its voting ends (part of the deposits is burned)").argument("<proposal_id>", "proposal id").requiredOption("--from <key>", "proposer key")).action(
    async (id: string, o: Flags & { from: string }, cmd: Command) => {
      const pid = parseId(id, "proposal id");
      await send(io, cmd, o.from, o, (sender) => [{ typeUrl: "/cosmos.gov.v1.MsgCancelProposal", value: { proposalId: pid, proposer: sender } }], () => [`cancel proposal ${pid}`]);
    },
  );
  return gov;
}

/** `openledgerd tx grants …`: claim, approve, reject-claim (creation and clawback go through proposals). */
export function grantsTxCommand(io: CliIo): Command {
  const gr = new Command("grants").description("launchpad grants: claim a milestone, approve or reject a claim (create/clawback: by proposal, see tx gov draft-proposal --type create-grant)");
  const T = "/openledger.grants.v1.";
  addTxOptions(
    gr.command("claim").description("claim a milestone of your grant").argument("<grant_id>", "grant id").argument("<milestone>", "milestone index (from 0)").requiredOption("--from <key>", "recipient key").option("--evidence <text>", "what you delivered (URI, hash)", ""),
  ).action(async (id: string, m: string, o: Flags & { from: string; evidence: string }, cmd: Command) => {
    const gid = parseId(id, "grant id");
    const idx = milestoneIndex(m);
    await send(io, cmd, o.from, o, (sender) => [{ typeUrl: `${T}MsgClaimMilestone`, value: { recipient: sender, grantId: gid, milestone: idx, evidence: o.evidence } }], () => [`claim milestone ${idx} of grant ${gid}`]);
  });
  addTxOptions(gr.command("approve").description("approve a claimed milestone (reviewers of the grant); paid once enough reviewers approved").argument("<grant_id>", "grant id").argument("<milestone>", "milestone index").requiredOption("--from <key>", "reviewer key")).action(
    async (id: string, m: string, o: Flags & { from: string }, cmd: Command) => {
      const gid = parseId(id, "grant id");
      const idx = milestoneIndex(m);
      await send(io, cmd, o.from, o, (sender) => [{ typeUrl: `${T}MsgApproveMilestone`, value: { reviewer: sender, grantId: gid, milestone: idx } }], () => [`approve milestone ${idx} of grant ${gid}`]);
    },
  );
  addTxOptions(
    gr.command("reject-claim").description("send a claimed milestone back to open (reviewers)").argument("<grant_id>", "grant id").argument("<milestone>", "milestone index").requiredOption("--from <key>", "reviewer key").option("--reason <text>", "why", ""),
  ).action(async (id: string, m: string, o: Flags & { from: string; reason: string }, cmd: Command) => {
    const gid = parseId(id, "grant id");
    const idx = milestoneIndex(m);
    await send(io, cmd, o.from, o, (sender) => [{ typeUrl: `${T}MsgRejectClaim`, value: { reviewer: sender, grantId: gid, milestone: idx, reason: o.reason } }], () => [`reject the claim of milestone ${idx} of grant ${gid}`]);
  });
  return gr;
}

function milestoneIndex(s: string): number {
  if (!/^[0-9]{1,3}$/.test(s)) throw new UserError(`invalid milestone index "${s}" (0, 1, …)`);
  return Number(s);
}
