/** openledger.datanet.v1.Msg: one handler per message (validate → authorize → keeper → events → response). */
import type { Bytes } from "../core/abci.ts";
import { accAddressToString } from "../core/address.ts";
import { equal } from "../core/bytes.ts";
import { ErrUnauthorized } from "../core/errors.ts";
import type { MsgHandler } from "../core/module.ts";
import {
  MsgChallengeContribution,
  MsgChallengeContributionResponse,
  MsgContribute,
  MsgContributeResponse,
  MsgCreateDatanet,
  MsgCreateDatanetResponse,
  MsgResolveChallenge,
  MsgResolveChallengeResponse,
  MsgReviewContribution,
  MsgReviewContributionResponse,
  MsgSetGating,
  MsgSetGatingResponse,
  MsgSnapshot,
  MsgSnapshotResponse,
  MsgUpdateDatanet,
  MsgUpdateDatanetResponse,
  MsgUpdateParams,
  MsgUpdateParamsResponse,
  MsgWithdrawStake,
  MsgWithdrawStakeResponse,
} from "../../proto/gen/openledger/datanet/v1/tx.ts";
import { ErrInvalidField, ErrInvalidParams, ErrTooManyItems } from "./errors.ts";
import type { DatanetKeeper } from "./keeper.ts";
import { MAX_REASON, MAX_URI } from "./keeper.ts";
import { validateParams } from "./params.ts";
import { msgAddress, msgHandlerFactory } from "../core/protoHandlers.ts";

export const TYPE_PREFIX = "/openledger.datanet.v1.";
const handler = msgHandlerFactory(TYPE_PREFIX);
/** a hard cap on items per message, before params are read (validateBasic is stateless). */
export const HARD_MAX_ITEMS = 10_000;
export const MAX_PARENTS_HARD = 1024;

const addr = msgAddress;



const positiveId = (id: bigint, what: string) => {
  if (id <= 0n) throw ErrInvalidField.wrap(`${what} must be positive`);
};

export function createDatanetMsgHandlers(k: DatanetKeeper, authority: Bytes): MsgHandler[] {
  const create = handler("MsgCreateDatanet", MsgCreateDatanet, MsgCreateDatanetResponse, {
    signers: (m) => [addr(m.owner, "owner")],
    validateBasic(m) {
      addr(m.owner, "owner");
      if (m.name.trim() === "") throw ErrInvalidField.wrap("name is required");
      if (m.schema === undefined) throw ErrInvalidField.wrap("schema is required");
      for (const c of m.curators) addr(c, "curator");
      for (const a of m.allowlist) addr(a, "allowlist");
    },
    async handle(ctx, m) {
      const id = k.createDatanet(ctx, { owner: addr(m.owner, "owner"), name: m.name, description: m.description, schema: m.schema as NonNullable<typeof m.schema>, license: m.license, gating: m.gating, curators: m.curators, allowlist: m.allowlist, minStake: m.minStake });
      return { datanetId: id };
    },
  });

  const update = handler("MsgUpdateDatanet", MsgUpdateDatanet, MsgUpdateDatanetResponse, {
    signers: (m) => [addr(m.owner, "owner")],
    validateBasic(m) {
      addr(m.owner, "owner");
      positiveId(m.datanetId, "datanet_id");
      if (m.newOwner !== "") addr(m.newOwner, "new owner");
    },
    async handle(ctx, m) {
      k.updateDatanet(ctx, addr(m.owner, "owner"), m.datanetId, { name: m.name, description: m.description, license: m.license, minStake: m.minStake, newOwner: m.newOwner });
      return {};
    },
  });

  const setGating = handler("MsgSetGating", MsgSetGating, MsgSetGatingResponse, {
    signers: (m) => [addr(m.owner, "owner")],
    validateBasic(m) {
      addr(m.owner, "owner");
      positiveId(m.datanetId, "datanet_id");
      for (const c of m.curators) addr(c, "curator");
      for (const a of m.allowlist) addr(a, "allowlist");
    },
    async handle(ctx, m) {
      k.setGating(ctx, addr(m.owner, "owner"), m.datanetId, m.gating, m.curators, m.allowlist);
      return {};
    },
  });

  const contribute = handler("MsgContribute", MsgContribute, MsgContributeResponse, {
    signers: (m) => [addr(m.contributor, "contributor")],
    validateBasic(m) {
      addr(m.contributor, "contributor");
      positiveId(m.datanetId, "datanet_id");
      if (m.items.length === 0) throw ErrInvalidField.wrap("no contributions");
      if (m.items.length > HARD_MAX_ITEMS) throw ErrTooManyItems.wrap(`${m.items.length} items, at most ${HARD_MAX_ITEMS}`);
      m.items.forEach((it, i) => {
        if (it.contentHash.length !== 32) throw ErrInvalidField.wrap(`item ${i}: content_hash must be 32 bytes (sha256)`);
        if (it.size === 0n) throw ErrInvalidField.wrap(`item ${i}: size must be positive`);
        if (it.uri.length > MAX_URI) throw ErrInvalidField.wrap(`item ${i}: uri longer than ${MAX_URI}`);
        if (it.point === undefined) throw ErrInvalidField.wrap(`item ${i}: point is required`);
        if (it.point.features.length === 0 || it.point.features.length % 2 !== 0) throw ErrInvalidField.wrap(`item ${i}: features must be whole int16 values`);
        if (!/^[0-9]{1,78}$/.test(it.stake)) throw ErrInvalidField.wrap(`item ${i}: stake "${it.stake.slice(0, 80)}" is not an amount`);
        if (it.parents.length > MAX_PARENTS_HARD) throw ErrTooManyItems.wrap(`item ${i}: too many parents`);
        const ps = new Set<bigint>();
        for (const p of it.parents) {
          if (p <= 0n || ps.has(p)) throw ErrInvalidField.wrap(`item ${i}: parent ids must be positive and distinct`);
          ps.add(p);
        }
      });
    },
    async handle(ctx, m) {
      return { contributionIds: k.contribute(ctx, addr(m.contributor, "contributor"), m.datanetId, m.items) };
    },
  });

  const review = handler("MsgReviewContribution", MsgReviewContribution, MsgReviewContributionResponse, {
    signers: (m) => [addr(m.curator, "curator")],
    validateBasic(m) {
      addr(m.curator, "curator");
      positiveId(m.contributionId, "contribution_id");
      if (m.reason.length > MAX_REASON) throw ErrInvalidField.wrap(`reason longer than ${MAX_REASON}`);
    },
    async handle(ctx, m) {
      k.review(ctx, addr(m.curator, "curator"), m.contributionId, m.approve);
      return {};
    },
  });

  const challenge = handler("MsgChallengeContribution", MsgChallengeContribution, MsgChallengeContributionResponse, {
    signers: (m) => [addr(m.challenger, "challenger")],
    validateBasic(m) {
      addr(m.challenger, "challenger");
      positiveId(m.contributionId, "contribution_id");
      if (m.reason.length > MAX_REASON) throw ErrInvalidField.wrap(`reason longer than ${MAX_REASON}`);
    },
    async handle(ctx, m) {
      return { challengeId: k.challenge(ctx, addr(m.challenger, "challenger"), m.contributionId, m.reason) };
    },
  });

  const resolve = handler("MsgResolveChallenge", MsgResolveChallenge, MsgResolveChallengeResponse, {
    signers: (m) => [addr(m.authority, "authority")],
    validateBasic(m) {
      addr(m.authority, "authority");
      positiveId(m.challengeId, "challenge_id");
      if (m.reason.length > MAX_REASON) throw ErrInvalidField.wrap(`reason longer than ${MAX_REASON}`);
    },
    async handle(ctx, m) {
      const who = addr(m.authority, "authority");
      const r = await k.resolveChallenge(ctx, who, equal(who, authority), m.challengeId, m.uphold);
      return { slashed: { denom: r.slashed.denom, amount: r.slashed.amount.toString() }, returned: { denom: r.returned.denom, amount: r.returned.amount.toString() } };
    },
  });

  const withdraw = handler("MsgWithdrawStake", MsgWithdrawStake, MsgWithdrawStakeResponse, {
    signers: (m) => [addr(m.contributor, "contributor")],
    validateBasic(m) {
      addr(m.contributor, "contributor");
      if (m.contributionIds.length === 0) throw ErrInvalidField.wrap("no contribution ids");
      if (m.contributionIds.length > HARD_MAX_ITEMS) throw ErrTooManyItems.wrap(`${m.contributionIds.length} ids`);
    },
    async handle(ctx, m) {
      const c = k.withdrawStake(ctx, addr(m.contributor, "contributor"), m.contributionIds);
      return { amount: { denom: c.denom, amount: c.amount.toString() } };
    },
  });

  const snapshot = handler("MsgSnapshot", MsgSnapshot, MsgSnapshotResponse, {
    signers: (m) => [addr(m.creator, "creator")],
    validateBasic(m) {
      addr(m.creator, "creator");
      positiveId(m.datanetId, "datanet_id");
    },
    async handle(ctx, m) {
      const s = await k.snapshot(ctx, addr(m.creator, "creator"), m.datanetId);
      return { snapshotId: s.id, version: s.version, root: s.root, count: s.count };
    },
  });

  const updateParams = handler("MsgUpdateParams", MsgUpdateParams, MsgUpdateParamsResponse, {
    signers: (m) => [addr(m.authority, "authority")],
    validateBasic(m) {
      addr(m.authority, "authority");
      if (m.params === undefined) throw ErrInvalidParams.wrap("params must be set");
      validateParams(m.params);
    },
    async handle(ctx, m) {
      if (!equal(addr(m.authority, "authority"), authority)) throw ErrUnauthorized.wrap(`invalid authority; expected ${accAddressToString(authority)}, got ${m.authority}`);
      const p = m.params;
      if (p === undefined) throw ErrInvalidParams.wrap("params must be set");
      validateParams(p);
      k.setParams(ctx, p);
      return {};
    },
  });

  return [create, update, setGating, contribute, review, challenge, resolve, withdraw, snapshot, updateParams] as MsgHandler[];
}
