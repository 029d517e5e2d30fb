/** openledger.compute.v1.Query: read-only handlers (paths "/openledger.compute.v1.Query/<Method>"). */
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString } from "../core/address.ts";
import { readU64be } from "../core/bytes.ts";
import type { QueryContext } from "../core/context.ts";
import { grpcError } from "../core/errors.ts";
import type { QueryHandler } from "../core/module.ts";
import { paginate } from "../core/pagination.ts";
import {
  QueryJobRequest,
  QueryJobResponse,
  QueryJobsRequest,
  QueryJobsResponse,
  QueryParamsRequest,
  QueryParamsResponse,
  QueryProviderRequest,
  QueryProviderResponse,
  QueryProvidersRequest,
  QueryProvidersResponse,
} from "../../proto/gen/openledger/compute/v1/query.ts";
import { Job, Provider } from "../../proto/gen/openledger/compute/v1/types.ts";
import type { ComputeKeeper } from "./keeper.ts";
import { MODULE_NAME, PREFIX, jobByProviderPrefix, jobByStatusPrefix } from "./keys.ts";
import { queryHandlerFactory } from "../core/protoHandlers.ts";

export const QUERY_PREFIX = "/openledger.compute.v1.Query/";
const query = queryHandlerFactory(QUERY_PREFIX);



function parseAddr(s: string): Bytes {
  if (s === "") throw grpcError("InvalidArgument", "empty address string is not allowed");
  try {
    return accAddressFromString(s);
  } catch {
    throw grpcError("InvalidArgument", `invalid address ${JSON.stringify(s.slice(0, 90))}`);
  }
}

export function createComputeQueries(k: ComputeKeeper): QueryHandler[] {
  const job = (ctx: QueryContext, id: bigint): Job | null => k.getJob(ctx, id) ?? null;
  return [
    query("Params", QueryParamsRequest, QueryParamsResponse, async (ctx) => ({ params: k.getParams(ctx) })),
    query("Provider", QueryProviderRequest, QueryProviderResponse, async (ctx, r) => {
      const p = k.getProvider(ctx, parseAddr(r.address));
      if (p === undefined) throw grpcError("NotFound", `provider ${r.address} not found`);
      return { provider: p };
    }),
    query("Providers", QueryProvidersRequest, QueryProvidersResponse, async (ctx, r) => {
      const page = await paginate(ctx.store(MODULE_NAME), Uint8Array.of(PREFIX.provider), r.pagination, (_k, v) => Provider.decode(v));
      return { providers: page.items, pagination: page.pagination };
    }),
    query("Job", QueryJobRequest, QueryJobResponse, async (ctx, r) => {
      const j = k.getJob(ctx, r.id);
      if (j === undefined) throw grpcError("NotFound", `job ${r.id} not found`);
      return { job: j };
    }),
    query("Jobs", QueryJobsRequest, QueryJobsResponse, async (ctx, r) => {
      const st = ctx.store(MODULE_NAME);
      if (r.provider !== "") {
        const page = await paginate(st, jobByProviderPrefix(parseAddr(r.provider)), r.pagination, (key) => {
          const j = job(ctx, readU64be(key));
          return j !== null && (r.status === 0 || j.status === r.status) ? j : null;
        });
        return { jobs: page.items, pagination: page.pagination };
      }
      if (r.status !== 0) {
        const page = await paginate(st, jobByStatusPrefix(r.status), r.pagination, (key) => job(ctx, readU64be(key)));
        return { jobs: page.items, pagination: page.pagination };
      }
      const page = await paginate(st, Uint8Array.of(PREFIX.job), r.pagination, (_k, v) => Job.decode(v));
      return { jobs: page.items, pagination: page.pagination };
    }),
  ] as QueryHandler[];
}
