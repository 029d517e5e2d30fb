/**
 * datanet keeper: typed records, indexes and the business rules of every message. The only writer of
 * "datanet/" keys. Every failure throws a registered AppError before or after writes; the runtime
 * discards a failed message's branch, so an error never leaves a partial state change.
 */
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString, accAddressToString, moduleAddress } from "../core/address.ts";
import { equal, readU64be, toHex, toKeyString, u64be } from "../core/bytes.ts";
import { type Coin, addCoins } from "../core/coins.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import { ErrInvalidAddress } from "../core/errors.ts";
import { epochOf } from "../core/params.ts";
import {
  Challenge,
  ChallengeStatus,
  Contribution,
  ContributionStatus,
  Datanet,
  Gating,
  Params,
  Snapshot,
  type Schema,
  type SnapshotEntry,
  contributionStatusToJSON,
  gatingToJSON,
} from "../../proto/gen/openledger/datanet/v1/types.ts";
import type { ContributionInput } from "../../proto/gen/openledger/datanet/v1/tx.ts";
import {
  ErrChallengeNotFound,
  ErrChallengeOpen,
  ErrChallengeWindowClosed,
  ErrChallengeWindowOpen,
  ErrContributionNotFound,
  ErrContributionTooLarge,
  ErrDatanetNotFound,
  ErrDuplicateContribution,
  ErrEmptySnapshot,
  ErrInsufficientStake,
  ErrInvalidDataPoint,
  ErrInvalidField,
  ErrInvalidSchema,
  ErrInvalidStatus,
  ErrNotAllowed,
  ErrNotCurator,
  ErrNotOwner,
  ErrQuotaExceeded,
  ErrSnapshotNotFound,
  ErrTooManyItems,
  ErrUnknownParent,
} from "./errors.ts";
import { emitTyped } from "./events.ts";
import type { DatanetBankKeeper, DatanetCommunityPoolKeeper, DatanetHooks } from "./expectedKeepers.ts";
import {
  ESCROW_ACCOUNT,
  MODULE_NAME,
  PARAMS_KEY,
  PREFIX,
  type SeqName,
  acceptedKey,
  acceptedPrefix,
  byContributorKey,
  byDatanetKey,
  challengeKey,
  contentHashKey,
  contributionKey,
  datanetKey,
  pointHashKey,
  quotaKey,
  sequenceKey,
  slashedCountKey,
  snapshotByDatanetKey,
  snapshotEntryKey,
  snapshotEntryPrefix,
  snapshotKey,
} from "./keys.ts";
import { merkleRoot, snapshotLeafHash } from "./merkle.ts";
import { type DatanetParams, defaultParams, parseUint } from "./params.ts";
import { SCHEMA_VECTOR_LABEL_V1, pointHashV1 } from "./point.ts";

export const MAX_NAME = 128;
export const MAX_TEXT = 2048;
export const MAX_URI = 512;
export const MAX_REASON = 1024;

export interface CreateDatanetInput {
  owner: Bytes;
  name: string;
  description: string;
  schema: Schema;
  license: string;
  gating: Gating;
  curators: readonly string[];
  allowlist: readonly string[];
  minStake: string;
}

/** a snapshot leaf with the data point's label (what attribution binds an embedding index to). */
export interface SnapshotPoint {
  index: bigint;
  contributionId: bigint;
  pointHash: Bytes;
  contributor: Bytes;
  label: number;
}

export interface DatanetKeeper {
  getParams(ctx: ReadContext): DatanetParams;
  setParams(ctx: WriteContext, p: DatanetParams): void;
  getDatanet(ctx: ReadContext, id: bigint): Datanet | undefined;
  setDatanet(ctx: WriteContext, d: Datanet): void;
  getContribution(ctx: ReadContext, id: bigint): Contribution | undefined;
  /** writes the record only (indexes are the caller's: genesis rebuilds them, handlers keep them). */
  setContribution(ctx: WriteContext, c: Contribution): void;
  getChallenge(ctx: ReadContext, id: bigint): Challenge | undefined;
  setChallenge(ctx: WriteContext, c: Challenge): void;
  getSnapshot(ctx: ReadContext, id: bigint): Snapshot | undefined;
  getSequence(ctx: ReadContext, name: SeqName): bigint;
  setSequence(ctx: WriteContext, name: SeqName, next: bigint): void;
  contributionIdByPointHash(ctx: ReadContext, datanetId: bigint, hash: Bytes): bigint | undefined;
  contributionIdByContentHash(ctx: ReadContext, datanetId: bigint, hash: Bytes): bigint | undefined;

  createDatanet(ctx: WriteContext, input: CreateDatanetInput): bigint;
  updateDatanet(ctx: WriteContext, owner: Bytes, id: bigint, u: { name: string; description: string; license: string; minStake: string; newOwner: string }): void;
  setGating(ctx: WriteContext, owner: Bytes, id: bigint, gating: Gating, curators: readonly string[], allowlist: readonly string[]): void;
  contribute(ctx: WriteContext, contributor: Bytes, datanetId: bigint, items: readonly ContributionInput[]): bigint[];
  review(ctx: WriteContext, curator: Bytes, id: bigint, approve: boolean): void;
  challenge(ctx: WriteContext, challenger: Bytes, id: bigint, reason: string): bigint;
  /** gov: the resolver is the gov authority (any datanet); otherwise the owner or a curator. */
  resolveChallenge(ctx: WriteContext, resolver: Bytes, isGov: boolean, challengeId: bigint, uphold: boolean): Promise<{ slashed: Coin; returned: Coin }>;
  withdrawStake(ctx: WriteContext, contributor: Bytes, ids: readonly bigint[]): Coin;
  snapshot(ctx: WriteContext, creator: Bytes, datanetId: bigint): Promise<Snapshot>;
  /** leaves of a snapshot in index order, with the points' labels. */
  snapshotPoints(ctx: ReadContext, snapshotId: bigint): AsyncIterable<SnapshotPoint>;
  /** whether leaf `index` of the snapshot is a contribution slashed since the snapshot (false for unknown leaves). */
  isLeafSlashed(ctx: ReadContext, snapshotId: bigint, index: bigint): boolean;
  /** whether any contribution of the snapshot's datanet was ever slashed (false: no leaf of it is slashed; one read of a counter). */
  snapshotMaySlash(ctx: ReadContext, snapshotId: bigint): boolean;
  /** Σ of what the escrow must hold: unreleased stakes + bonds of open challenges, per denom. */
  escrowLiabilities(ctx: ReadContext): Promise<Coin[]>;
  escrowAddress(): Bytes;
  /** registers the slash hooks (treasury's clawback) once, before the first block. */
  setHooks(hooks: readonly DatanetHooks[]): void;
  /** adds a snapshot with its leaves (genesis). */
  importSnapshot(ctx: WriteContext, s: Snapshot, contributionIds: readonly bigint[]): void;
  /** writes every index of a contribution record (genesis). */
  indexContribution(ctx: WriteContext, c: Contribution): void;
}

export interface DatanetKeeperDeps {
  bank: DatanetBankKeeper;
  communityPool?: DatanetCommunityPoolKeeper;
}

function parseAddr(s: string, what: string): Bytes {
  try {
    return accAddressFromString(s);
  } catch {
    throw ErrInvalidAddress.wrap(`invalid ${what} address ${JSON.stringify(s.slice(0, 90))}`);
  }
}

/** canonical bech32 list: valid, unique, sorted by address bytes. */
function canonicalAddrList(list: readonly string[], what: string, max: number): string[] {
  if (list.length > max) throw ErrTooManyItems.wrap(`${list.length} ${what} entries, at most ${max}`);
  const seen = new Map<string, Bytes>();
  for (const s of list) {
    const b = parseAddr(s, what);
    const k = toKeyString(b);
    if (seen.has(k)) throw ErrInvalidField.wrap(`duplicate ${what} ${s}`);
    seen.set(k, b);
  }
  return [...seen.keys()].sort().map((k) => accAddressToString(seen.get(k) as Bytes));
}

export function validateSchema(s: Schema | undefined, p: DatanetParams): Schema {
  if (s === undefined) throw ErrInvalidSchema.wrap("schema is required");
  if (s.kind !== SCHEMA_VECTOR_LABEL_V1) throw ErrInvalidSchema.wrap(`unknown schema kind ${JSON.stringify(s.kind)} (supported: ${SCHEMA_VECTOR_LABEL_V1})`);
  if (s.dim < 1 || s.dim > p.maxDim) throw ErrInvalidSchema.wrap(`dim ${s.dim} not in [1, ${p.maxDim}]`);
  if (s.numClasses < 2 || s.numClasses > p.maxClasses) throw ErrInvalidSchema.wrap(`num_classes ${s.numClasses} not in [2, ${p.maxClasses}]`);
  return { kind: s.kind, dim: s.dim, numClasses: s.numClasses };
}

function checkText(v: string, what: string, max: number, required = false): void {
  if (required && v.trim() === "") throw ErrInvalidField.wrap(`${what} is required`);
  if (v.length > max) throw ErrInvalidField.wrap(`${what} longer than ${max} characters`);
}

function isGating(g: number): g is Gating {
  return g === Gating.GATING_OPEN || g === Gating.GATING_ALLOWLIST || g === Gating.GATING_CURATED;
}

export function createDatanetKeeper(deps: DatanetKeeperDeps): DatanetKeeper {
  const rs = (ctx: ReadContext) => ctx.store(MODULE_NAME);
  const ws = (ctx: WriteContext) => ctx.store(MODULE_NAME);
  const escrowAddr = moduleAddress(ESCROW_ACCOUNT);
  let hooks: readonly DatanetHooks[] = [];
  const epochNow = (ctx: WriteContext) => epochOf(ctx.block.height, ctx.runtimeParams);

  const nextId = (ctx: WriteContext, name: SeqName): bigint => {
    const id = k.getSequence(ctx, name);
    k.setSequence(ctx, name, id + 1n);
    return id;
  };

  const mustDatanet = (ctx: ReadContext, id: bigint): Datanet => {
    const d = k.getDatanet(ctx, id);
    if (d === undefined) throw ErrDatanetNotFound.wrap(`datanet ${id}`);
    return d;
  };
  const mustContribution = (ctx: ReadContext, id: bigint): Contribution => {
    const c = k.getContribution(ctx, id);
    if (c === undefined) throw ErrContributionNotFound.wrap(`contribution ${id}`);
    return c;
  };
  const isOwner = (d: Datanet, a: Bytes) => d.owner === accAddressToString(a);
  const isCurator = (d: Datanet, a: Bytes) => isOwner(d, a) || d.curators.includes(accAddressToString(a));
  const mustOwner = (d: Datanet, a: Bytes) => {
    if (!isOwner(d, a)) throw ErrNotOwner.wrap(`${accAddressToString(a)} does not own datanet ${d.id}`);
  };

  /** slashed stake / forfeited bonds: to the community pool when wired, else burned. */
  const toSink = async (ctx: WriteContext, coin: Coin) => {
    if (coin.amount === 0n) return;
    if (deps.communityPool !== undefined) await deps.communityPool.fundCommunityPool(ctx, [coin], escrowAddr);
    else deps.bank.burnCoins(ctx, ESCROW_ACCOUNT, [coin]);
  };
  const pay = (ctx: WriteContext, to: string, coin: Coin) => {
    if (coin.amount > 0n) deps.bank.sendCoinsFromModuleToAccount(ctx, ESCROW_ACCOUNT, parseAddr(to, "recipient"), [coin]);
  };
  const coinOf = (c: { denom: string; amount: string } | undefined): Coin => ({ denom: c?.denom ?? "", amount: BigInt(c?.amount ?? "0") });

  const k: DatanetKeeper = {
    getParams(ctx) {
      const b = rs(ctx).get(PARAMS_KEY);
      return b === undefined ? defaultParams() : Params.decode(b);
    },
    setParams(ctx, p) {
      ws(ctx).set(PARAMS_KEY, Params.encode(p).finish());
    },
    getDatanet(ctx, id) {
      const b = rs(ctx).get(datanetKey(id));
      return b === undefined ? undefined : Datanet.decode(b);
    },
    setDatanet(ctx, d) {
      ws(ctx).set(datanetKey(d.id), Datanet.encode(d).finish());
    },
    getContribution(ctx, id) {
      const b = rs(ctx).get(contributionKey(id));
      return b === undefined ? undefined : Contribution.decode(b);
    },
    setContribution(ctx, c) {
      if (c.status === ContributionStatus.CONTRIBUTION_STATUS_SLASHED && k.getContribution(ctx, c.id)?.status !== ContributionStatus.CONTRIBUTION_STATUS_SLASHED) {
        const key = slashedCountKey(c.datanetId);
        const b = rs(ctx).get(key);
        ws(ctx).set(key, u64be((b === undefined ? 0n : readU64be(b)) + 1n));
      }
      ws(ctx).set(contributionKey(c.id), Contribution.encode(c).finish());
    },
    getChallenge(ctx, id) {
      const b = rs(ctx).get(challengeKey(id));
      return b === undefined ? undefined : Challenge.decode(b);
    },
    setChallenge(ctx, c) {
      ws(ctx).set(challengeKey(c.id), Challenge.encode(c).finish());
    },
    getSnapshot(ctx, id) {
      const b = rs(ctx).get(snapshotKey(id));
      return b === undefined ? undefined : Snapshot.decode(b);
    },
    getSequence(ctx, name) {
      const b = rs(ctx).get(sequenceKey(name));
      return b === undefined ? 1n : readU64be(b);
    },
    setSequence(ctx, name, next) {
      ws(ctx).set(sequenceKey(name), u64be(next));
    },
    contributionIdByPointHash(ctx, datanetId, hash) {
      const b = rs(ctx).get(pointHashKey(datanetId, hash));
      return b === undefined ? undefined : readU64be(b);
    },
    contributionIdByContentHash(ctx, datanetId, hash) {
      const b = rs(ctx).get(contentHashKey(datanetId, hash));
      return b === undefined ? undefined : readU64be(b);
    },

    createDatanet(ctx, input) {
      const params = k.getParams(ctx);
      checkText(input.name, "name", MAX_NAME, true);
      checkText(input.description, "description", MAX_TEXT);
      checkText(input.license, "license", MAX_NAME);
      const schema = validateSchema(input.schema, params);
      if (!isGating(input.gating)) throw ErrInvalidField.wrap(`gating ${input.gating} is not open, allowlist or curated`);
      parseUint(input.minStake === "" ? "0" : input.minStake, "min_stake");
      const id = nextId(ctx, "datanet");
      const d: Datanet = {
        id,
        owner: accAddressToString(input.owner),
        name: input.name,
        description: input.description,
        schema,
        license: input.license,
        gating: input.gating,
        curators: canonicalAddrList(input.curators, "curator", params.maxCurators),
        allowlist: canonicalAddrList(input.allowlist, "allowlist", params.maxAllowlist),
        minStake: BigInt(input.minStake === "" ? "0" : input.minStake).toString(),
        createdHeight: ctx.block.height,
        contributionCount: 0n,
        snapshotCount: 0n,
      };
      k.setDatanet(ctx, d);
      emitTyped(ctx, "EventDatanetCreated", { datanetId: id, owner: d.owner, name: d.name, gating: gatingToJSON(d.gating) });
      return id;
    },

    updateDatanet(ctx, owner, id, u) {
      const d = mustDatanet(ctx, id);
      mustOwner(d, owner);
      checkText(u.name, "name", MAX_NAME, true);
      checkText(u.description, "description", MAX_TEXT);
      checkText(u.license, "license", MAX_NAME);
      const minStake = parseUint(u.minStake === "" ? "0" : u.minStake, "min_stake");
      const next: Datanet = { ...d, name: u.name, description: u.description, license: u.license, minStake: minStake.toString() };
      if (u.newOwner !== "") next.owner = accAddressToString(parseAddr(u.newOwner, "new owner"));
      k.setDatanet(ctx, next);
      emitTyped(ctx, "EventDatanetUpdated", { datanetId: id, owner: next.owner });
    },

    setGating(ctx, owner, id, gating, curators, allowlist) {
      const params = k.getParams(ctx);
      const d = mustDatanet(ctx, id);
      mustOwner(d, owner);
      if (!isGating(gating)) throw ErrInvalidField.wrap(`gating ${gating} is not open, allowlist or curated`);
      const next: Datanet = { ...d, gating, curators: canonicalAddrList(curators, "curator", params.maxCurators), allowlist: canonicalAddrList(allowlist, "allowlist", params.maxAllowlist) };
      k.setDatanet(ctx, next);
      emitTyped(ctx, "EventGatingSet", { datanetId: id, gating: gatingToJSON(gating), curators: next.curators.length, allowlist: next.allowlist.length });
    },

    contribute(ctx, contributor, datanetId, items) {
      const params = k.getParams(ctx);
      const d = mustDatanet(ctx, datanetId);
      const who = accAddressToString(contributor);
      if (items.length === 0) throw ErrInvalidField.wrap("no contributions");
      if (items.length > params.maxPointsPerMsg) throw ErrTooManyItems.wrap(`${items.length} contributions in one message, at most ${params.maxPointsPerMsg}`);
      if (d.gating === Gating.GATING_ALLOWLIST && !isCurator(d, contributor) && !d.allowlist.includes(who)) throw ErrNotAllowed.wrap(`${who} may not contribute to datanet ${d.id}`);
      const epoch = epochNow(ctx);
      // per-epoch quota: one key per (datanet, contributor) holding (epoch, count); reset on a new epoch
      if (params.quotaPerEpoch > 0n) {
        const qk = quotaKey(d.id, contributor);
        const q = rs(ctx).get(qk);
        const used = q !== undefined && readU64be(q, 0) === epoch ? readU64be(q, 8) : 0n;
        const total = used + BigInt(items.length);
        if (total > params.quotaPerEpoch) throw ErrQuotaExceeded.wrap(`${who} would have ${total} contributions to datanet ${d.id} in epoch ${epoch}, quota ${params.quotaPerEpoch}`);
        const v = new Uint8Array(16);
        v.set(u64be(epoch), 0);
        v.set(u64be(total), 8);
        ws(ctx).set(qk, v);
      }
      const floor = parseUint(params.minStake, "min_stake");
      const dnMin = BigInt(d.minStake === "" ? "0" : d.minStake);
      const minStake = floor > dnMin ? floor : dnMin;
      const schema = d.schema as Schema;
      const accepted = d.gating !== Gating.GATING_CURATED;
      const ids: bigint[] = [];
      let total = 0n;
      let index = d.contributionCount;
      for (let i = 0; i < items.length; i++) {
        const it = items[i] as ContributionInput;
        const at = `item ${i}`;
        if (it.size > params.maxContributionSize) throw ErrContributionTooLarge.wrap(`${at}: size ${it.size} > ${params.maxContributionSize}`);
        const pt = it.point;
        if (pt === undefined) throw ErrInvalidDataPoint.wrap(`${at}: point is required`);
        if (pt.features.length !== 2 * schema.dim) throw ErrInvalidDataPoint.wrap(`${at}: ${pt.features.length / 2} features, schema dim ${schema.dim}`);
        if (pt.label >= schema.numClasses) throw ErrInvalidDataPoint.wrap(`${at}: label ${pt.label} ≥ num_classes ${schema.numClasses}`);
        const stake = parseUint(it.stake, `${at} stake`);
        if (stake < minStake || stake === 0n) throw ErrInsufficientStake.wrap(`${at}: stake ${stake}${params.bondDenom} < minimum ${minStake}${params.bondDenom}`);
        if (it.parents.length > params.maxParents) throw ErrTooManyItems.wrap(`${at}: ${it.parents.length} parents, at most ${params.maxParents}`);
        for (const p of it.parents) if (k.getContribution(ctx, p) === undefined) throw ErrUnknownParent.wrap(`${at}: parent ${p}`);
        const pointHash = pointHashV1({ features: pt.features, label: pt.label });
        const dupP = k.contributionIdByPointHash(ctx, d.id, pointHash);
        if (dupP !== undefined) throw ErrDuplicateContribution.wrap(`${at}: point ${toHex(pointHash)} is contribution ${dupP} of datanet ${d.id}`);
        const dupC = k.contributionIdByContentHash(ctx, d.id, it.contentHash);
        if (dupC !== undefined) throw ErrDuplicateContribution.wrap(`${at}: content hash ${toHex(it.contentHash)} is contribution ${dupC} of datanet ${d.id}`);
        const id = nextId(ctx, "contribution");
        const c: Contribution = {
          id,
          datanetId: d.id,
          index,
          contributor: who,
          contentHash: Uint8Array.from(it.contentHash),
          size: it.size,
          uri: it.uri,
          encrypted: it.encrypted,
          parents: [...it.parents],
          point: { features: Uint8Array.from(pt.features), label: pt.label },
          pointHash,
          stake: { denom: params.bondDenom, amount: stake.toString() },
          status: accepted ? ContributionStatus.CONTRIBUTION_STATUS_ACCEPTED : ContributionStatus.CONTRIBUTION_STATUS_PENDING,
          submittedHeight: ctx.block.height,
          submittedEpoch: epoch,
          acceptedEpoch: accepted ? epoch : 0n,
          stakeReleased: false,
          openChallengeId: 0n,
        };
        k.setContribution(ctx, c);
        k.indexContribution(ctx, c);
        index++;
        total += stake;
        ids.push(id);
        emitTyped(ctx, "EventContributed", { contributionId: id, datanetId: d.id, contributor: who, pointHash: toHex(pointHash), status: contributionStatusToJSON(c.status), stake: `${stake}${params.bondDenom}` });
      }
      k.setDatanet(ctx, { ...d, contributionCount: index });
      deps.bank.sendCoinsFromAccountToModule(ctx, contributor, ESCROW_ACCOUNT, [{ denom: params.bondDenom, amount: total }]);
      return ids;
    },

    review(ctx, curator, id, approve) {
      const c = mustContribution(ctx, id);
      const d = mustDatanet(ctx, c.datanetId);
      if (!isCurator(d, curator)) throw ErrNotCurator.wrap(`${accAddressToString(curator)} does not curate datanet ${d.id}`);
      if (c.status !== ContributionStatus.CONTRIBUTION_STATUS_PENDING) throw ErrInvalidStatus.wrap(`contribution ${id} is ${contributionStatusToJSON(c.status)}, not pending`);
      if (c.openChallengeId !== 0n) throw ErrChallengeOpen.wrap(`contribution ${id} has challenge ${c.openChallengeId}`);
      if (approve) {
        k.setContribution(ctx, { ...c, status: ContributionStatus.CONTRIBUTION_STATUS_ACCEPTED, acceptedEpoch: epochNow(ctx) });
        ws(ctx).set(acceptedKey(c.datanetId, c.id), new Uint8Array(0));
      } else {
        // a rejection is a curation decision, not a fraud finding: the stake returns and the hashes are freed
        k.setContribution(ctx, { ...c, status: ContributionStatus.CONTRIBUTION_STATUS_REJECTED, stakeReleased: true });
        ws(ctx).delete(pointHashKey(c.datanetId, c.pointHash));
        if (k.contributionIdByContentHash(ctx, c.datanetId, c.contentHash) === c.id) ws(ctx).delete(contentHashKey(c.datanetId, c.contentHash));
        pay(ctx, c.contributor, coinOf(c.stake));
      }
      emitTyped(ctx, "EventContributionReviewed", { contributionId: id, curator: accAddressToString(curator), approved: approve });
    },

    challenge(ctx, challenger, id, reason) {
      const params = k.getParams(ctx);
      checkText(reason, "reason", MAX_REASON);
      const c = mustContribution(ctx, id);
      if (c.contributor === accAddressToString(challenger)) throw ErrInvalidField.wrap("a contributor cannot challenge its own contribution");
      if (c.openChallengeId !== 0n) throw ErrChallengeOpen.wrap(`contribution ${id} has challenge ${c.openChallengeId}`);
      if (c.stakeReleased) throw ErrChallengeWindowClosed.wrap(`the stake of contribution ${id} is no longer bonded`);
      if (c.status === ContributionStatus.CONTRIBUTION_STATUS_ACCEPTED) {
        const end = c.acceptedEpoch + params.challengeWindowEpochs;
        if (epochNow(ctx) >= end) throw ErrChallengeWindowClosed.wrap(`contribution ${id}: window ended with epoch ${end - 1n}`);
      } else if (c.status !== ContributionStatus.CONTRIBUTION_STATUS_PENDING) {
        throw ErrInvalidStatus.wrap(`contribution ${id} is ${contributionStatusToJSON(c.status)}`);
      }
      const bond: Coin = { denom: params.bondDenom, amount: parseUint(params.challengeBond, "challenge_bond") };
      const cid = nextId(ctx, "challenge");
      const ch: Challenge = {
        id: cid,
        contributionId: id,
        datanetId: c.datanetId,
        challenger: accAddressToString(challenger),
        reason,
        bond: { denom: bond.denom, amount: bond.amount.toString() },
        status: ChallengeStatus.CHALLENGE_STATUS_OPEN,
        openedHeight: ctx.block.height,
        resolvedHeight: 0n,
        resolver: "",
      };
      k.setChallenge(ctx, ch);
      k.setContribution(ctx, { ...c, openChallengeId: cid });
      if (bond.amount > 0n) deps.bank.sendCoinsFromAccountToModule(ctx, challenger, ESCROW_ACCOUNT, [bond]);
      emitTyped(ctx, "EventContributionChallenged", { challengeId: cid, contributionId: id, challenger: ch.challenger });
      return cid;
    },

    async resolveChallenge(ctx, resolver, isGov, challengeId, uphold) {
      const params = k.getParams(ctx);
      const ch = k.getChallenge(ctx, challengeId);
      if (ch === undefined) throw ErrChallengeNotFound.wrap(`challenge ${challengeId}`);
      if (ch.status !== ChallengeStatus.CHALLENGE_STATUS_OPEN) throw ErrInvalidStatus.wrap(`challenge ${challengeId} is already resolved`);
      const c = mustContribution(ctx, ch.contributionId);
      const d = mustDatanet(ctx, c.datanetId);
      if (!isGov && !isCurator(d, resolver)) throw ErrNotCurator.wrap(`${accAddressToString(resolver)} may not resolve challenges of datanet ${d.id}`);
      const bond = coinOf(ch.bond);
      const stake = coinOf(c.stake);
      let slashed: Coin = { denom: stake.denom, amount: 0n };
      let returned: Coin = { denom: stake.denom, amount: 0n };
      if (uphold) {
        const cut = (stake.amount * BigInt(params.slashFractionBps)) / 10_000n;
        slashed = { denom: stake.denom, amount: cut };
        returned = { denom: stake.denom, amount: stake.amount - cut };
        k.setContribution(ctx, { ...c, status: ContributionStatus.CONTRIBUTION_STATUS_SLASHED, stakeReleased: true, openChallengeId: 0n });
        // the point leaves future snapshots; its hashes stay reserved so that it cannot come back
        ws(ctx).delete(acceptedKey(c.datanetId, c.id));
        await toSink(ctx, slashed);
        pay(ctx, c.contributor, returned);
        pay(ctx, ch.challenger, bond);
        const contributor = parseAddr(c.contributor, "contributor");
        for (const h of hooks) await h.afterContributionSlashed?.(ctx, { contributionId: c.id, datanetId: c.datanetId, contributor });
      } else {
        k.setContribution(ctx, { ...c, openChallengeId: 0n });
        await toSink(ctx, bond);
      }
      const resolverText = accAddressToString(resolver);
      k.setChallenge(ctx, { ...ch, status: uphold ? ChallengeStatus.CHALLENGE_STATUS_UPHELD : ChallengeStatus.CHALLENGE_STATUS_DISMISSED, resolvedHeight: ctx.block.height, resolver: resolverText });
      emitTyped(ctx, "EventChallengeResolved", {
        challengeId,
        contributionId: c.id,
        upheld: uphold,
        slashed: `${slashed.amount}${slashed.denom}`,
        returned: `${returned.amount}${returned.denom}`,
        resolver: resolverText,
      });
      return { slashed, returned };
    },

    withdrawStake(ctx, contributor, ids) {
      const params = k.getParams(ctx);
      const who = accAddressToString(contributor);
      if (ids.length === 0) throw ErrInvalidField.wrap("no contribution ids");
      if (ids.length > params.maxPointsPerMsg) throw ErrTooManyItems.wrap(`${ids.length} ids, at most ${params.maxPointsPerMsg}`);
      const now = epochNow(ctx);
      let total: Coin[] = [];
      const seen = new Set<bigint>();
      for (const id of ids) {
        if (seen.has(id)) throw ErrInvalidField.wrap(`contribution ${id} listed twice`);
        seen.add(id);
        const c = mustContribution(ctx, id);
        if (c.contributor !== who) throw ErrInvalidField.wrap(`contribution ${id} belongs to ${c.contributor}`);
        if (c.status !== ContributionStatus.CONTRIBUTION_STATUS_ACCEPTED || c.stakeReleased) throw ErrInvalidStatus.wrap(`contribution ${id} is ${contributionStatusToJSON(c.status)}${c.stakeReleased ? " with its stake released" : ""}`);
        if (c.openChallengeId !== 0n) throw ErrChallengeOpen.wrap(`contribution ${id} has challenge ${c.openChallengeId}`);
        const end = c.acceptedEpoch + params.challengeWindowEpochs;
        if (now < end) throw ErrChallengeWindowOpen.wrap(`contribution ${id}: stake locked until epoch ${end} (now ${now})`);
        k.setContribution(ctx, { ...c, stakeReleased: true });
        total = addCoins(total, [coinOf(c.stake)].filter((x) => x.amount > 0n));
      }
      if (total.length !== 1) throw ErrInvalidField.wrap("withdraw stakes of one denom per message");
      const coin = total[0] as Coin;
      deps.bank.sendCoinsFromModuleToAccount(ctx, ESCROW_ACCOUNT, contributor, [coin]);
      emitTyped(ctx, "EventStakeWithdrawn", { contributor: who, contributionIds: [...ids], amount: `${coin.amount}${coin.denom}` });
      return coin;
    },

    async snapshot(ctx, creator, datanetId) {
      const d = mustDatanet(ctx, datanetId);
      if (!isCurator(d, creator)) throw ErrNotCurator.wrap(`${accAddressToString(creator)} may not snapshot datanet ${d.id}`);
      const ids: bigint[] = [];
      const pre = acceptedPrefix(datanetId);
      for await (const [key] of rs(ctx).iterate({ prefix: pre })) ids.push(readU64be(key, pre.length));
      if (ids.length === 0) throw ErrEmptySnapshot.wrap(`datanet ${datanetId}`);
      const version = d.snapshotCount + 1n;
      const id = nextId(ctx, "snapshot");
      const s: Snapshot = { id, datanetId, version, root: new Uint8Array(0), count: BigInt(ids.length), creator: accAddressToString(creator), height: ctx.block.height, epoch: epochNow(ctx) };
      k.importSnapshot(ctx, s, ids);
      k.setDatanet(ctx, { ...d, snapshotCount: version });
      const stored = k.getSnapshot(ctx, id) as Snapshot;
      emitTyped(ctx, "EventSnapshotCreated", { snapshotId: id, datanetId, version, root: toHex(stored.root), count: stored.count });
      return stored;
    },

    isLeafSlashed(ctx, snapshotId, index) {
      const v = rs(ctx).get(snapshotEntryKey(snapshotId, index));
      if (v === undefined) return false;
      return k.getContribution(ctx, readU64be(v))?.status === ContributionStatus.CONTRIBUTION_STATUS_SLASHED;
    },

    snapshotMaySlash(ctx, snapshotId) {
      const s = k.getSnapshot(ctx, snapshotId);
      return s !== undefined && rs(ctx).get(slashedCountKey(s.datanetId)) !== undefined;
    },

    async *snapshotPoints(ctx, snapshotId) {
      if (k.getSnapshot(ctx, snapshotId) === undefined) throw ErrSnapshotNotFound.wrap(`snapshot ${snapshotId}`);
      const pre = snapshotEntryPrefix(snapshotId);
      for await (const [key, v] of rs(ctx).iterate({ prefix: pre })) {
        const c = k.getContribution(ctx, readU64be(v)) as Contribution;
        yield { index: readU64be(key, pre.length), contributionId: c.id, pointHash: c.pointHash, contributor: parseAddr(c.contributor, "contributor"), label: c.point?.label ?? 0 };
      }
    },

    async escrowLiabilities(ctx) {
      let sum: Coin[] = [];
      for await (const [, v] of rs(ctx).iterate({ prefix: Uint8Array.of(PREFIX.contribution) })) {
        const c = Contribution.decode(v);
        if (!c.stakeReleased) {
          const s = coinOf(c.stake);
          if (s.amount > 0n) sum = addCoins(sum, [s]);
        }
      }
      for await (const [, v] of rs(ctx).iterate({ prefix: Uint8Array.of(PREFIX.challenge) })) {
        const ch = Challenge.decode(v);
        if (ch.status === ChallengeStatus.CHALLENGE_STATUS_OPEN) {
          const b = coinOf(ch.bond);
          if (b.amount > 0n) sum = addCoins(sum, [b]);
        }
      }
      return sum;
    },

    escrowAddress: () => escrowAddr.slice(),
    setHooks(h) {
      if (hooks.length > 0) throw new Error("datanet hooks already set");
      hooks = Object.freeze([...h]);
    },

    importSnapshot(ctx, s, contributionIds) {
      const leaves: Bytes[] = [];
      for (let i = 0; i < contributionIds.length; i++) {
        const cid = contributionIds[i] as bigint;
        const c = mustContribution(ctx, cid);
        leaves.push(snapshotLeafHash({ index: BigInt(i), contributionId: cid, pointHash: c.pointHash, contributor: parseAddr(c.contributor, "contributor") }));
        ws(ctx).set(snapshotEntryKey(s.id, BigInt(i)), u64be(cid));
      }
      const root = merkleRoot(leaves);
      if (s.root.length > 0 && !equal(s.root, root)) throw ErrInvalidField.wrap(`snapshot ${s.id}: root ${toHex(s.root)} does not match its leaves (${toHex(root)})`);
      ws(ctx).set(snapshotKey(s.id), Snapshot.encode({ ...s, root, count: BigInt(contributionIds.length) }).finish());
      ws(ctx).set(snapshotByDatanetKey(s.datanetId, s.version), u64be(s.id));
    },

    indexContribution(ctx, c) {
      const addr = parseAddr(c.contributor, "contributor");
      const st = ws(ctx);
      st.set(byDatanetKey(c.datanetId, c.id), new Uint8Array(0));
      st.set(byContributorKey(addr, c.id), new Uint8Array(0));
      if (c.status !== ContributionStatus.CONTRIBUTION_STATUS_REJECTED) {
        st.set(pointHashKey(c.datanetId, c.pointHash), u64be(c.id));
        st.set(contentHashKey(c.datanetId, c.contentHash), u64be(c.id));
      }
      if (c.status === ContributionStatus.CONTRIBUTION_STATUS_ACCEPTED) st.set(acceptedKey(c.datanetId, c.id), new Uint8Array(0));
    },
  };
  return Object.freeze(k);
}

export type { SnapshotEntry };
