/** openledger.datanet.v1.Query: read-only handlers (paths "/openledger.datanet.v1.Query/<Method>"). */
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString } from "../core/address.ts";
import { readU64be } from "../core/bytes.ts";
import type { QueryContext } from "../core/context.ts";
import { grpcError } from "../core/errors.ts";
import type { QueryHandler } from "../core/module.ts";
import { paginate } from "../core/pagination.ts";
import {
  QueryChallengeRequest,
  QueryChallengeResponse,
  QueryContributionByHashRequest,
  QueryContributionByHashResponse,
  QueryContributionRequest,
  QueryContributionResponse,
  QueryContributionsByContributorRequest,
  QueryContributionsByContributorResponse,
  QueryContributionsRequest,
  QueryContributionsResponse,
  QueryDatanetRequest,
  QueryDatanetResponse,
  QueryDatanetsRequest,
  QueryDatanetsResponse,
  QueryParamsRequest,
  QueryParamsResponse,
  QuerySnapshotEntriesRequest,
  QuerySnapshotEntriesResponse,
  QuerySnapshotRequest,
  QuerySnapshotResponse,
  QuerySnapshotsRequest,
  QuerySnapshotsResponse,
} from "../../proto/gen/openledger/datanet/v1/query.ts";
import { type Contribution, Datanet } from "../../proto/gen/openledger/datanet/v1/types.ts";
import type { DatanetKeeper } from "./keeper.ts";
import { MODULE_NAME, PREFIX, byContributorPrefix, byDatanetPrefix, snapshotByDatanetPrefix, snapshotEntryPrefix } from "./keys.ts";
import { queryHandlerFactory } from "../core/protoHandlers.ts";

export const QUERY_PREFIX = "/openledger.datanet.v1.Query/";
const query = queryHandlerFactory(QUERY_PREFIX);



function parseAddr(s: string): Bytes {
  if (s === "") throw grpcError("InvalidArgument", "empty address string is not allowed");
  try {
    return accAddressFromString(s);
  } catch {
    throw grpcError("InvalidArgument", `invalid address ${JSON.stringify(s.slice(0, 90))}`);
  }
}

export function createDatanetQueries(k: DatanetKeeper): QueryHandler[] {
  const loadContribution = (ctx: QueryContext, id: bigint): Contribution => {
    const c = k.getContribution(ctx, id);
    if (c === undefined) throw grpcError("NotFound", `contribution ${id} not found`);
    return c;
  };
  const q: QueryHandler<any, any>[] = [
    query("Params", QueryParamsRequest, QueryParamsResponse, async (ctx) => ({ params: k.getParams(ctx) })),
    query("Datanet", QueryDatanetRequest, QueryDatanetResponse, async (ctx, r) => {
      const d = k.getDatanet(ctx, r.id);
      if (d === undefined) throw grpcError("NotFound", `datanet ${r.id} not found`);
      return { datanet: d };
    }),
    query("Datanets", QueryDatanetsRequest, QueryDatanetsResponse, async (ctx, r) => {
      const page = await paginate(ctx.store(MODULE_NAME), Uint8Array.of(PREFIX.datanet), r.pagination, (_k, v) => Datanet.decode(v));
      return { datanets: page.items, pagination: page.pagination };
    }),
    query("Contribution", QueryContributionRequest, QueryContributionResponse, async (ctx, r) => ({ contribution: loadContribution(ctx, r.id) })),
    query("Contributions", QueryContributionsRequest, QueryContributionsResponse, async (ctx, r) => {
      if (k.getDatanet(ctx, r.datanetId) === undefined) throw grpcError("NotFound", `datanet ${r.datanetId} not found`);
      const page = await paginate(ctx.store(MODULE_NAME), byDatanetPrefix(r.datanetId), r.pagination, (key) => {
        const c = loadContribution(ctx, readU64be(key));
        return r.status === 0 || c.status === r.status ? c : null;
      });
      return { contributions: page.items, pagination: page.pagination };
    }),
    query("ContributionsByContributor", QueryContributionsByContributorRequest, QueryContributionsByContributorResponse, async (ctx, r) => {
      const page = await paginate(ctx.store(MODULE_NAME), byContributorPrefix(parseAddr(r.contributor)), r.pagination, (key) => loadContribution(ctx, readU64be(key)));
      return { contributions: page.items, pagination: page.pagination };
    }),
    query("ContributionByHash", QueryContributionByHashRequest, QueryContributionByHashResponse, async (ctx, r) => {
      if (r.hash.length !== 32) throw grpcError("InvalidArgument", "hash must be 32 bytes");
      const id = k.contributionIdByPointHash(ctx, r.datanetId, r.hash) ?? k.contributionIdByContentHash(ctx, r.datanetId, r.hash);
      if (id === undefined) throw grpcError("NotFound", `no contribution of datanet ${r.datanetId} has this hash`);
      return { contribution: loadContribution(ctx, id) };
    }),
    query("Snapshot", QuerySnapshotRequest, QuerySnapshotResponse, async (ctx, r) => {
      const s = k.getSnapshot(ctx, r.id);
      if (s === undefined) throw grpcError("NotFound", `snapshot ${r.id} not found`);
      return { snapshot: s };
    }),
    query("Snapshots", QuerySnapshotsRequest, QuerySnapshotsResponse, async (ctx, r) => {
      const page = await paginate(ctx.store(MODULE_NAME), snapshotByDatanetPrefix(r.datanetId), r.pagination, (_key, v) => k.getSnapshot(ctx, readU64be(v)) ?? null);
      return { snapshots: page.items, pagination: page.pagination };
    }),
    query("SnapshotEntries", QuerySnapshotEntriesRequest, QuerySnapshotEntriesResponse, async (ctx, r) => {
      if (k.getSnapshot(ctx, r.snapshotId) === undefined) throw grpcError("NotFound", `snapshot ${r.snapshotId} not found`);
      const page = await paginate(ctx.store(MODULE_NAME), snapshotEntryPrefix(r.snapshotId), r.pagination, (key, v) => {
        const c = loadContribution(ctx, readU64be(v));
        return { index: readU64be(key), contributionId: c.id, pointHash: c.pointHash, contributor: c.contributor, label: c.point?.label ?? 0 };
      });
      return { entries: page.items, pagination: page.pagination };
    }),
    query("Challenge", QueryChallengeRequest, QueryChallengeResponse, async (ctx, r) => {
      const c = k.getChallenge(ctx, r.id);
      if (c === undefined) throw grpcError("NotFound", `challenge ${r.id} not found`);
      return { challenge: c };
    }),
  ];
  return q;
}
