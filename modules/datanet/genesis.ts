/** datanet genesis: default / validate / init / export and the proto-JSON mapping (snake_case keys). */
import { accAddressFromString } from "../core/address.ts";
import { equal, toHex, toKeyString } from "../core/bytes.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import { AppError } from "../core/errors.ts";
import { GenesisState, type GenesisSnapshot } from "../../proto/gen/openledger/datanet/v1/genesis.ts";
import { Challenge, ChallengeStatus, Contribution, ContributionStatus, Datanet } from "../../proto/gen/openledger/datanet/v1/types.ts";
import { ErrInvalidGenesis } from "./errors.ts";
import type { DatanetKeeper } from "./keeper.ts";
import { validateSchema } from "./keeper.ts";
import { MODULE_NAME, PREFIX } from "./keys.ts";
import { defaultParams, validateParams } from "./params.ts";
import { pointHashV1 } from "./point.ts";
import { readU64be } from "../core/bytes.ts";
import { snapshotEntryPrefix } from "./keys.ts";

export type DatanetGenesis = GenesisState;

export function defaultGenesis(): DatanetGenesis {
  return { params: defaultParams(), datanets: [], contributions: [], snapshots: [], challenges: [], nextDatanetId: 1n, nextContributionId: 1n, nextSnapshotId: 1n, nextChallengeId: 1n };
}

const fail = (m: string): never => {
  throw ErrInvalidGenesis.wrap(m);
};

export function validateGenesis(g: DatanetGenesis): void {
  const params = g.params ?? fail("params are required");
  try {
    validateParams(params);
  } catch (e: unknown) {
    fail(e instanceof AppError ? e.log : String(e));
  }
  const addrOk = (s: string, what: string) => {
    try {
      accAddressFromString(s);
    } catch {
      fail(`${what}: invalid address ${JSON.stringify(s)}`);
    }
  };
  const datanets = new Map<bigint, Datanet>();
  for (const d of g.datanets) {
    if (d.id < 1n || d.id >= g.nextDatanetId) fail(`datanet id ${d.id} outside [1, next_datanet_id)`);
    if (datanets.has(d.id)) fail(`duplicate datanet ${d.id}`);
    addrOk(d.owner, `datanet ${d.id} owner`);
    for (const c of [...d.curators, ...d.allowlist]) addrOk(c, `datanet ${d.id} curator/allowlist`);
    try {
      validateSchema(d.schema, params);
    } catch (e: unknown) {
      fail(`datanet ${d.id}: ${e instanceof AppError ? e.log : String(e)}`);
    }
    datanets.set(d.id, d);
  }
  const contributions = new Map<bigint, Contribution>();
  const hashes = new Set<string>();
  const perDatanet = new Map<bigint, bigint>();
  for (const c of g.contributions) {
    const at = `contribution ${c.id}`;
    if (c.id < 1n || c.id >= g.nextContributionId) fail(`${at}: id outside [1, next_contribution_id)`);
    if (contributions.has(c.id)) fail(`duplicate ${at}`);
    const d = datanets.get(c.datanetId) ?? fail(`${at}: unknown datanet ${c.datanetId}`);
    addrOk(c.contributor, at);
    if (c.point === undefined || c.point.features.length !== 2 * (d.schema?.dim ?? 0) || c.point.label >= (d.schema?.numClasses ?? 0)) fail(`${at}: point does not match the schema`);
    const pt = c.point as NonNullable<typeof c.point>;
    if (!equal(pointHashV1(pt), c.pointHash)) fail(`${at}: point_hash is not the hash of the point`);
    if (c.contentHash.length !== 32) fail(`${at}: content_hash must be 32 bytes`);
    if (c.status < 1 || c.status > 4) fail(`${at}: invalid status`);
    for (const p of c.parents) if (p >= c.id && !g.contributions.some((x) => x.id === p)) fail(`${at}: unknown parent ${p}`);
    if (c.status !== ContributionStatus.CONTRIBUTION_STATUS_REJECTED) {
      for (const h of [`p${c.datanetId}:${toHex(c.pointHash)}`, `c${c.datanetId}:${toHex(c.contentHash)}`]) {
        if (hashes.has(h)) fail(`${at}: duplicate hash in datanet ${c.datanetId}`);
        hashes.add(h);
      }
    }
    if (c.index >= d.contributionCount) fail(`${at}: index ${c.index} ≥ datanet contribution_count ${d.contributionCount}`);
    perDatanet.set(c.datanetId, (perDatanet.get(c.datanetId) ?? 0n) + 1n);
    contributions.set(c.id, c);
  }
  for (const c of g.contributions) for (const p of c.parents) if (!contributions.has(p)) fail(`contribution ${c.id}: unknown parent ${p}`);
  const challenges = new Set<bigint>();
  for (const ch of g.challenges) {
    if (ch.id < 1n || ch.id >= g.nextChallengeId) fail(`challenge ${ch.id}: id outside [1, next_challenge_id)`);
    if (challenges.has(ch.id)) fail(`duplicate challenge ${ch.id}`);
    challenges.add(ch.id);
    const c = contributions.get(ch.contributionId) ?? fail(`challenge ${ch.id}: unknown contribution ${ch.contributionId}`);
    addrOk(ch.challenger, `challenge ${ch.id}`);
    const open = ch.status === ChallengeStatus.CHALLENGE_STATUS_OPEN;
    if (open !== (c.openChallengeId === ch.id)) fail(`challenge ${ch.id}: open status disagrees with contribution ${c.id}`);
  }
  for (const c of g.contributions) if (c.openChallengeId !== 0n && !challenges.has(c.openChallengeId)) fail(`contribution ${c.id}: unknown open challenge ${c.openChallengeId}`);
  const snaps = new Set<bigint>();
  const versions = new Set<string>();
  for (const s of g.snapshots) {
    const sn = s.snapshot ?? fail("snapshot entry without snapshot");
    if (sn.id < 1n || sn.id >= g.nextSnapshotId) fail(`snapshot ${sn.id}: id outside [1, next_snapshot_id)`);
    if (snaps.has(sn.id)) fail(`duplicate snapshot ${sn.id}`);
    snaps.add(sn.id);
    const d = datanets.get(sn.datanetId) ?? fail(`snapshot ${sn.id}: unknown datanet ${sn.datanetId}`);
    const v = `${sn.datanetId}/${sn.version}`;
    if (sn.version < 1n || sn.version > d.snapshotCount || versions.has(v)) fail(`snapshot ${sn.id}: bad version ${sn.version}`);
    versions.add(v);
    for (const cid of s.contributionIds) if (contributions.get(cid)?.datanetId !== sn.datanetId) fail(`snapshot ${sn.id}: contribution ${cid} is not in datanet ${sn.datanetId}`);
  }
}

export async function initGenesis(ctx: WriteContext, k: DatanetKeeper, g: DatanetGenesis): Promise<void> {
  validateGenesis(g);
  k.setParams(ctx, g.params ?? defaultParams());
  for (const d of g.datanets) k.setDatanet(ctx, d);
  for (const c of g.contributions) {
    k.setContribution(ctx, c);
    k.indexContribution(ctx, c);
  }
  for (const ch of g.challenges) k.setChallenge(ctx, ch);
  for (const s of g.snapshots) {
    try {
      k.importSnapshot(ctx, s.snapshot as NonNullable<GenesisSnapshot["snapshot"]>, s.contributionIds);
    } catch (e: unknown) {
      fail(e instanceof AppError ? e.log : String(e));
    }
  }
  k.setSequence(ctx, "datanet", g.nextDatanetId);
  k.setSequence(ctx, "contribution", g.nextContributionId);
  k.setSequence(ctx, "snapshot", g.nextSnapshotId);
  k.setSequence(ctx, "challenge", g.nextChallengeId);
}

export async function exportGenesis(ctx: ReadContext, k: DatanetKeeper): Promise<DatanetGenesis> {
  const st = ctx.store(MODULE_NAME);
  const all = async <T>(prefix: number, dec: (b: Uint8Array) => T): Promise<T[]> => {
    const out: T[] = [];
    for await (const [, v] of st.iterate({ prefix: Uint8Array.of(prefix) })) out.push(dec(v));
    return out;
  };
  const snapshots: GenesisSnapshot[] = [];
  for await (const [key] of st.iterate({ prefix: Uint8Array.of(PREFIX.snapshot) })) {
    const s = k.getSnapshot(ctx, readU64be(key, 1));
    if (s === undefined) continue;
    const ids: bigint[] = [];
    for await (const [, v] of st.iterate({ prefix: snapshotEntryPrefix(s.id) })) ids.push(readU64be(v));
    snapshots.push({ snapshot: s, contributionIds: ids });
  }
  return {
    params: k.getParams(ctx),
    datanets: await all(PREFIX.datanet, (b) => Datanet.decode(b)),
    contributions: await all(PREFIX.contribution, (b) => Contribution.decode(b)),
    snapshots,
    challenges: await all(PREFIX.challenge, (b) => Challenge.decode(b)),
    nextDatanetId: k.getSequence(ctx, "datanet"),
    nextContributionId: k.getSequence(ctx, "contribution"),
    nextSnapshotId: k.getSequence(ctx, "snapshot"),
    nextChallengeId: k.getSequence(ctx, "challenge"),
  };
}

/** camelCase keys (ts-proto toJSON) → snake_case (Cosmos proto-JSON with original field names). */
export function snakeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = snakeKeys(x);
    return out;
  }
  return v;
}

export function genesisToJson(g: DatanetGenesis): unknown {
  return snakeKeys(GenesisState.toJSON(g));
}

export function genesisFromJson(j: unknown): DatanetGenesis {
  const g = GenesisState.fromJSON(j ?? {});
  // proto-JSON omits zero values: the sequences start at 1
  const one = (x: bigint) => (x === 0n ? 1n : x);
  return { ...g, params: g.params ?? defaultParams(), nextDatanetId: one(g.nextDatanetId), nextContributionId: one(g.nextContributionId), nextSnapshotId: one(g.nextSnapshotId), nextChallengeId: one(g.nextChallengeId) };
}

void toKeyString;
