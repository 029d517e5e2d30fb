/** openledger.grants.v1.Msg: CreateGrant and Clawback (gov authority), ClaimMilestone (recipient), ApproveMilestone / RejectClaim (reviewers or gov). */
import { accAddressToString } from "../core/address.ts";
import { equal } from "../core/bytes.ts";
import { AppError, ErrUnauthorized } from "../core/errors.ts";
import { type Coin, coinsFromProto, validateCoins } from "../core/coins.ts";
import type { MsgHandler } from "../core/module.ts";
import {
  MsgApproveMilestone,
  MsgApproveMilestoneResponse,
  MsgClaimMilestone,
  MsgClaimMilestoneResponse,
  MsgClawback,
  MsgClawbackResponse,
  MsgCreateGrant,
  MsgCreateGrantResponse,
  MsgRejectClaim,
  MsgRejectClaimResponse,
} from "../../proto/gen/openledger/grants/v1/tx.ts";
import { coinsToProto } from "../core/coins.ts";
import { ErrInvalidGrant, ErrInvalidMilestone } from "./errors.ts";
import { type GrantsKeeper, MAX_MILESTONES, MAX_TEXT, validateGrantShape } from "./keeper.ts";
import { msgAddress, msgHandlerFactory } from "../core/protoHandlers.ts";

export const TYPE_PREFIX = "/openledger.grants.v1.";
const handler = msgHandlerFactory(TYPE_PREFIX);

const addr = msgAddress;

function coins(cs: readonly { denom: string; amount: string }[], what: string): Coin[] {
  try {
    const c = coinsFromProto(cs);
    validateCoins(c);
    return c;
  } catch (e: unknown) {
    throw ErrInvalidMilestone.wrap(`${what}: ${e instanceof AppError ? e.detail : String(e)}`);
  }
}



const grantId = (id: bigint) => {
  if (id <= 0n) throw ErrInvalidGrant.wrap("grant_id must be positive");
};

export function createGrantsMsgHandlers(k: GrantsKeeper): MsgHandler[] {
  const mustBeGov = (a: string) => {
    if (!equal(addr(a, "authority"), k.authority)) throw ErrUnauthorized.wrap(`invalid authority; expected ${accAddressToString(k.authority)}, got ${a}`);
  };
  const create = handler("MsgCreateGrant", MsgCreateGrant, MsgCreateGrantResponse, {
    signers: (m) => [addr(m.authority, "authority")],
    validateBasic(m) {
      addr(m.authority, "authority");
      addr(m.recipient, "recipient");
      for (const r of m.reviewers) addr(r, "reviewer");
      if (m.milestones.length > MAX_MILESTONES) throw ErrInvalidGrant.wrap(`at most ${MAX_MILESTONES} milestones`);
      m.milestones.forEach((x, i) => coins(x.amount, `milestone ${i}`));
      validateGrantShape({ title: m.title, reviewers: m.reviewers.map((r) => accAddressToString(addr(r, "reviewer"))), approvalsRequired: m.approvalsRequired, milestones: m.milestones });
    },
    async handle(ctx, m) {
      mustBeGov(m.authority);
      const g = k.createGrant(ctx, {
        title: m.title,
        recipient: addr(m.recipient, "recipient"),
        reviewers: m.reviewers.map((r) => addr(r, "reviewer")),
        approvalsRequired: m.approvalsRequired,
        milestones: m.milestones.map((x, i) => ({ description: x.description, amount: coins(x.amount, `milestone ${i}`) })),
      });
      return { grantId: g.id };
    },
  });
  const claim = handler("MsgClaimMilestone", MsgClaimMilestone, MsgClaimMilestoneResponse, {
    signers: (m) => [addr(m.recipient, "recipient")],
    validateBasic(m) {
      addr(m.recipient, "recipient");
      grantId(m.grantId);
      if (m.evidence.length > MAX_TEXT) throw ErrInvalidMilestone.wrap(`evidence longer than ${MAX_TEXT}`);
    },
    async handle(ctx, m) {
      k.claim(ctx, m.grantId, m.milestone, addr(m.recipient, "recipient"), m.evidence);
      return {};
    },
  });
  const approve = handler("MsgApproveMilestone", MsgApproveMilestone, MsgApproveMilestoneResponse, {
    signers: (m) => [addr(m.reviewer, "reviewer")],
    validateBasic(m) {
      addr(m.reviewer, "reviewer");
      grantId(m.grantId);
    },
    async handle(ctx, m) {
      return { paid: k.approve(ctx, m.grantId, m.milestone, addr(m.reviewer, "reviewer")) };
    },
  });
  const reject = handler("MsgRejectClaim", MsgRejectClaim, MsgRejectClaimResponse, {
    signers: (m) => [addr(m.reviewer, "reviewer")],
    validateBasic(m) {
      addr(m.reviewer, "reviewer");
      grantId(m.grantId);
      if (m.reason.length > MAX_TEXT) throw ErrInvalidMilestone.wrap(`reason longer than ${MAX_TEXT}`);
    },
    async handle(ctx, m) {
      k.rejectClaim(ctx, m.grantId, m.milestone, addr(m.reviewer, "reviewer"), m.reason);
      return {};
    },
  });
  const clawback = handler("MsgClawback", MsgClawback, MsgClawbackResponse, {
    signers: (m) => [addr(m.authority, "authority")],
    validateBasic(m) {
      addr(m.authority, "authority");
      grantId(m.grantId);
    },
    async handle(ctx, m) {
      mustBeGov(m.authority);
      return { amount: coinsToProto(k.clawback(ctx, m.grantId, m.milestones)) };
    },
  });
  return [create, claim, approve, reject, clawback] as MsgHandler[];
}
