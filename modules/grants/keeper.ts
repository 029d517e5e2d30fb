/**
 * grants keeper: launchpad grants funded by the community pool. Creating a grant (gov authority) moves
 * Σ milestone amounts from the pool into the grants module account; a paid milestone leaves it for the
 * recipient; a clawed-back one returns to the pool. Supply never changes.
 */
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString, accAddressToString, moduleAddress } from "../core/address.ts";
import { compare, equal, readU64be, u64be } from "../core/bytes.ts";
import { type Coin, addCoins, coinsFromProto, coinsToProto, formatCoins, isAllGte } from "../core/coins.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import { Grant, MilestoneStatus } from "../../proto/gen/openledger/grants/v1/types.ts";
import { ErrAlreadyApproved, ErrGrantNotFound, ErrInsufficientPool, ErrInvalidGrant, ErrInvalidMilestone, ErrMilestoneStatus, ErrNotRecipient, ErrNotReviewer } from "./errors.ts";
import type { GrantsBankKeeper, GrantsCommunityPoolKeeper } from "./expectedKeepers.ts";
import { MODULE_NAME, NEXT_ID_KEY, PREFIX, grantKey, recipientKey, recipientPrefix } from "./keys.ts";

export const MAX_REVIEWERS = 16;
export const MAX_MILESTONES = 32;
export const MAX_TEXT = 1024;
export const MAX_TITLE = 140;

export const MILESTONE = {
  open: MilestoneStatus.MILESTONE_STATUS_OPEN,
  claimed: MilestoneStatus.MILESTONE_STATUS_CLAIMED,
  paid: MilestoneStatus.MILESTONE_STATUS_PAID,
  clawedBack: MilestoneStatus.MILESTONE_STATUS_CLAWED_BACK,
} as const;

export interface GrantsKeeperDeps {
  bank: GrantsBankKeeper;
  pool: GrantsCommunityPoolKeeper;
  authority: Bytes;
}

export interface CreateGrantInput {
  title: string;
  recipient: Bytes;
  reviewers: Bytes[];
  approvalsRequired: number;
  milestones: { description: string; amount: Coin[] }[];
}

const unpaid = (s: number) => s === MILESTONE.open || s === MILESTONE.claimed;

/** checks a grant's shape (creation and genesis). */
export function validateGrantShape(g: { title: string; reviewers: readonly string[]; approvalsRequired: number; milestones: readonly { description: string; amount: readonly { denom: string; amount: string }[] }[] }): void {
  if (g.title.trim() === "" || g.title.length > MAX_TITLE) throw ErrInvalidGrant.wrap(`title must be 1..${MAX_TITLE} characters`);
  if (g.reviewers.length > MAX_REVIEWERS) throw ErrInvalidGrant.wrap(`at most ${MAX_REVIEWERS} reviewers`);
  if (new Set(g.reviewers).size !== g.reviewers.length) throw ErrInvalidGrant.wrap("duplicate reviewer");
  if (g.reviewers.length === 0 ? g.approvalsRequired !== 0 : g.approvalsRequired < 1 || g.approvalsRequired > g.reviewers.length) {
    throw ErrInvalidGrant.wrap(`approvals_required must be in [1, ${g.reviewers.length}] (0 without reviewers: only a proposal approves)`);
  }
  if (g.milestones.length === 0 || g.milestones.length > MAX_MILESTONES) throw ErrInvalidGrant.wrap(`1..${MAX_MILESTONES} milestones`);
  for (const [i, m] of g.milestones.entries()) {
    if (m.description.length > MAX_TEXT) throw ErrInvalidMilestone.wrap(`milestone ${i}: description longer than ${MAX_TEXT}`);
    let c: Coin[];
    try {
      c = coinsFromProto(m.amount);
    } catch {
      throw ErrInvalidMilestone.wrap(`milestone ${i}: invalid amount`);
    }
    if (c.length === 0 || c.some((x) => x.amount <= 0n)) throw ErrInvalidMilestone.wrap(`milestone ${i}: amount must be positive`);
  }
}

export function createGrantsKeeper(deps: GrantsKeeperDeps) {
  const s = (ctx: ReadContext) => ctx.store(MODULE_NAME);
  const w = (ctx: WriteContext) => ctx.store(MODULE_NAME);
  const escrowAddress = moduleAddress(MODULE_NAME);

  const k = {
    authority: deps.authority,
    escrowAddress: () => escrowAddress,
    getNextId(ctx: ReadContext): bigint {
      const b = s(ctx).get(NEXT_ID_KEY);
      return b === undefined ? 1n : readU64be(b);
    },
    setNextId(ctx: WriteContext, id: bigint): void {
      w(ctx).set(NEXT_ID_KEY, u64be(id));
    },
    getGrant(ctx: ReadContext, id: bigint): Grant | undefined {
      const b = s(ctx).get(grantKey(id));
      return b === undefined ? undefined : Grant.decode(b);
    },
    mustGrant(ctx: ReadContext, id: bigint): Grant {
      const g = k.getGrant(ctx, id);
      if (g === undefined) throw ErrGrantNotFound.wrap(`grant ${id}`);
      return g;
    },
    setGrant(ctx: WriteContext, g: Grant): void {
      w(ctx).set(grantKey(g.id), Grant.encode(g).finish());
      w(ctx).set(recipientKey(accAddressFromString(g.recipient), g.id), Uint8Array.of());
    },
    async *iterateGrants(ctx: ReadContext): AsyncIterable<Grant> {
      for await (const [, v] of s(ctx).iterate({ prefix: Uint8Array.of(PREFIX.grant) })) yield Grant.decode(v);
    },
    recipientPrefix,

    /** Σ amounts of the milestones not yet paid or clawed back: what the escrow must hold. */
    async escrowLiabilities(ctx: ReadContext): Promise<Coin[]> {
      let owed: Coin[] = [];
      for await (const g of k.iterateGrants(ctx)) for (const m of g.milestones) if (unpaid(m.status)) owed = addCoins(owed, coinsFromProto(m.amount));
      return owed;
    },

    createGrant(ctx: WriteContext, o: CreateGrantInput): Grant {
      const reviewers = [...o.reviewers].sort(compare).map(accAddressToString);
      const milestones = o.milestones.map((m) => ({ description: m.description, amount: coinsToProto(m.amount), status: MILESTONE.open, evidence: "", approvals: [], claimedHeight: 0n, paidHeight: 0n }));
      validateGrantShape({ title: o.title, reviewers, approvalsRequired: o.approvalsRequired, milestones });
      if (deps.bank.isBlockedAddr(o.recipient)) throw ErrInvalidGrant.wrap(`recipient ${accAddressToString(o.recipient)} may not receive funds (module account)`);
      let total: Coin[] = [];
      for (const m of o.milestones) total = addCoins(total, m.amount);
      const pool = deps.pool.communityPoolCoins(ctx);
      if (!isAllGte(pool, total)) throw ErrInsufficientPool.wrap(`grant needs ${formatCoins(total)}, the community pool has ${formatCoins(pool) || "nothing"}`);
      deps.pool.distributeFromCommunityPoolToModule(ctx, MODULE_NAME, total);
      const id = k.getNextId(ctx);
      k.setNextId(ctx, id + 1n);
      const g: Grant = { id, title: o.title, recipient: accAddressToString(o.recipient), reviewers, approvalsRequired: o.approvalsRequired, milestones, createdHeight: ctx.block.height };
      k.setGrant(ctx, g);
      ctx.events.emit("grant_created", [
        ["grant_id", id.toString()],
        ["recipient", g.recipient],
        ["amount", formatCoins(total)],
        ["milestones", milestones.length.toString()],
        ["reviewers", reviewers.join(",")],
      ]);
      return g;
    },

    milestone(g: Grant, index: number) {
      const m = g.milestones[index];
      if (m === undefined) throw ErrInvalidMilestone.wrap(`grant ${g.id} has no milestone ${index} (0..${g.milestones.length - 1})`);
      return m;
    },

    claim(ctx: WriteContext, id: bigint, index: number, recipient: Bytes, evidence: string): void {
      const g = k.mustGrant(ctx, id);
      if (!equal(accAddressFromString(g.recipient), recipient)) throw ErrNotRecipient.wrap(`grant ${id} pays ${g.recipient}`);
      const m = k.milestone(g, index);
      if (m.status !== MILESTONE.open) throw ErrMilestoneStatus.wrap(`milestone ${index} of grant ${id} is not open`);
      m.status = MILESTONE.claimed;
      m.evidence = evidence;
      m.approvals = [];
      m.claimedHeight = ctx.block.height;
      k.setGrant(ctx, g);
      ctx.events.emit("milestone_claimed", [["grant_id", id.toString()], ["milestone", index.toString()], ["evidence", evidence]]);
    },

    /** a reviewer's (or the gov authority's) approval; pays once enough reviewers approved. Returns whether it paid. */
    approve(ctx: WriteContext, id: bigint, index: number, reviewer: Bytes): boolean {
      const g = k.mustGrant(ctx, id);
      const m = k.milestone(g, index);
      const byGov = equal(reviewer, deps.authority);
      const who = accAddressToString(reviewer);
      if (!byGov && !g.reviewers.includes(who)) throw ErrNotReviewer.wrap(`${who} does not review grant ${id}`);
      if (m.status !== MILESTONE.claimed) throw ErrMilestoneStatus.wrap(`milestone ${index} of grant ${id} is not claimed`);
      if (!byGov) {
        if (m.approvals.includes(who)) throw ErrAlreadyApproved.wrap(who);
        m.approvals = [...m.approvals, who].sort((a, b) => compare(accAddressFromString(a), accAddressFromString(b)));
      }
      ctx.events.emit("milestone_approved", [["grant_id", id.toString()], ["milestone", index.toString()], ["reviewer", who], ["approvals", m.approvals.length.toString()], ["approvals_required", g.approvalsRequired.toString()]]);
      const paid = byGov || m.approvals.length >= g.approvalsRequired;
      if (paid) {
        const amount = coinsFromProto(m.amount);
        deps.bank.sendCoinsFromModuleToAccount(ctx, MODULE_NAME, accAddressFromString(g.recipient), amount);
        m.status = MILESTONE.paid;
        m.paidHeight = ctx.block.height;
        ctx.events.emit("milestone_paid", [["grant_id", id.toString()], ["milestone", index.toString()], ["recipient", g.recipient], ["amount", formatCoins(amount)]]);
      }
      k.setGrant(ctx, g);
      return paid;
    },

    rejectClaim(ctx: WriteContext, id: bigint, index: number, reviewer: Bytes, reason: string): void {
      const g = k.mustGrant(ctx, id);
      const m = k.milestone(g, index);
      const who = accAddressToString(reviewer);
      if (!equal(reviewer, deps.authority) && !g.reviewers.includes(who)) throw ErrNotReviewer.wrap(`${who} does not review grant ${id}`);
      if (m.status !== MILESTONE.claimed) throw ErrMilestoneStatus.wrap(`milestone ${index} of grant ${id} is not claimed`);
      m.status = MILESTONE.open;
      m.approvals = [];
      k.setGrant(ctx, g);
      ctx.events.emit("milestone_claim_rejected", [["grant_id", id.toString()], ["milestone", index.toString()], ["reviewer", who], ["reason", reason]]);
    },

    /** unpaid milestones (the listed ones, or all) back to the community pool. */
    clawback(ctx: WriteContext, id: bigint, indexes: readonly number[]): Coin[] {
      const g = k.mustGrant(ctx, id);
      const which = indexes.length === 0 ? g.milestones.flatMap((m, i) => (unpaid(m.status) ? [i] : [])) : [...new Set(indexes)].sort((a, b) => a - b);
      if (which.length === 0) throw ErrMilestoneStatus.wrap(`grant ${id} has no unpaid milestone`);
      let total: Coin[] = [];
      for (const i of which) {
        const m = k.milestone(g, i);
        if (!unpaid(m.status)) throw ErrMilestoneStatus.wrap(`milestone ${i} of grant ${id} is already paid or clawed back`);
        total = addCoins(total, coinsFromProto(m.amount));
        m.status = MILESTONE.clawedBack;
        m.approvals = [];
      }
      deps.pool.fundCommunityPoolFromModule(ctx, MODULE_NAME, total);
      k.setGrant(ctx, g);
      ctx.events.emit("grant_clawback", [["grant_id", id.toString()], ["milestones", which.join(",")], ["amount", formatCoins(total)]]);
      return total;
    },
  };
  return k;
}

export type GrantsKeeper = ReturnType<typeof createGrantsKeeper>;
