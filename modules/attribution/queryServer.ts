/** openledger.attribution.v1.Query: params, model(s), receipt by id, receipts by contributor and by model, reputation, audit report. */
import { accAddressFromString } from "../core/address.ts";
import { readU64be } from "../core/bytes.ts";
import type { QueryContext } from "../core/context.ts";
import { grpcError } from "../core/errors.ts";
import type { QueryHandler } from "../core/module.ts";
import { paginate } from "../core/pagination.ts";
import {
  QueryModelRequest,
  QueryModelResponse,
  QueryModelsRequest,
  QueryModelsResponse,
  QueryAuditReportRequest,
  QueryAuditReportResponse,
  QueryParamsRequest,
  QueryParamsResponse,
  QueryReceiptRequest,
  QueryReceiptResponse,
  QueryReceiptsByContributorRequest,
  QueryReceiptsByContributorResponse,
  QueryIndexChunksRequest,
  QueryIndexChunksResponse,
  QueryReceiptsByModelRequest,
  QueryReceiptsByModelResponse,
  QueryReputationRequest,
  QueryReputationResponse,
} from "../../proto/gen/openledger/attribution/v1/query.ts";
import { EmbeddingChunk, Model, type Receipt } from "../../proto/gen/openledger/attribution/v1/types.ts";
import type { AttributionKeeper } from "./keeper.ts";
import { MODULE_NAME, PREFIX, chunkPrefix, receiptByContributorPrefix, receiptByModelPrefix } from "./keys.ts";
import { queryHandlerFactory } from "../core/protoHandlers.ts";

export const QUERY_PREFIX = "/openledger.attribution.v1.Query/";
const query = queryHandlerFactory(QUERY_PREFIX);



export function createAttributionQueries(k: AttributionKeeper): QueryHandler[] {
  const receipt = (ctx: QueryContext, id: bigint): Receipt => {
    const r = k.getReceipt(ctx, id);
    if (r === undefined) throw grpcError("NotFound", `receipt ${id} not found`);
    return r;
  };
  const q: QueryHandler<any, any>[] = [
    query("Params", QueryParamsRequest, QueryParamsResponse, async (ctx) => ({ params: k.getParams(ctx) })),
    query("Model", QueryModelRequest, QueryModelResponse, async (ctx, r) => {
      const m = k.getModel(ctx, r.id);
      if (m === undefined) throw grpcError("NotFound", `model ${r.id} not found`);
      return { model: m };
    }),
    query("Models", QueryModelsRequest, QueryModelsResponse, async (ctx, r) => {
      const page = await paginate(ctx.store(MODULE_NAME), Uint8Array.of(PREFIX.model), r.pagination, (_k, v) => Model.decode(v));
      return { models: page.items, pagination: page.pagination };
    }),
    query("Receipt", QueryReceiptRequest, QueryReceiptResponse, async (ctx, r) => ({ receipt: receipt(ctx, r.id) })),
    query("ReceiptsByContributor", QueryReceiptsByContributorRequest, QueryReceiptsByContributorResponse, async (ctx, r) => {
      let a: Uint8Array;
      try {
        a = accAddressFromString(r.contributor);
      } catch {
        throw grpcError("InvalidArgument", `invalid address ${JSON.stringify(r.contributor.slice(0, 90))}`);
      }
      const page = await paginate(ctx.store(MODULE_NAME), receiptByContributorPrefix(a), r.pagination, (key) => receipt(ctx, readU64be(key)));
      return { receipts: page.items, pagination: page.pagination };
    }),
    query("ReceiptsByModel", QueryReceiptsByModelRequest, QueryReceiptsByModelResponse, async (ctx, r) => {
      const page = await paginate(ctx.store(MODULE_NAME), receiptByModelPrefix(r.modelId), r.pagination, (key) => receipt(ctx, readU64be(key)));
      return { receipts: page.items, pagination: page.pagination };
    }),
    // the stored index in start order (a training provider trains on exactly the rows validators replay)
    query("IndexChunks", QueryIndexChunksRequest, QueryIndexChunksResponse, async (ctx, r) => {
      const page = await paginate(ctx.store(MODULE_NAME), chunkPrefix(r.modelId), r.pagination, (_k, v) => EmbeddingChunk.decode(v));
      return { chunks: page.items, pagination: page.pagination };
    }),
    query("Reputation", QueryReputationRequest, QueryReputationResponse, async (ctx, r) => {
      let a: Uint8Array;
      try {
        a = accAddressFromString(r.contributor);
      } catch {
        throw grpcError("InvalidArgument", `invalid address ${JSON.stringify(r.contributor.slice(0, 90))}`);
      }
      return { reputation: k.getReputation(ctx, a) };
    }),
    query("AuditReport", QueryAuditReportRequest, QueryAuditReportResponse, async (ctx, r) => {
      const a = k.getAuditReport(ctx, r.modelId);
      if (a === undefined) throw grpcError("NotFound", `no audit report for model ${r.modelId}`);
      return { report: a };
    }),
  ];
  return q;
}
