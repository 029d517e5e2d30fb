/** openledger.paychan.v1.Query: Params, Channel, Channels (by payer or payee). */
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString } from "../core/address.ts";
import { readU64be } from "../core/bytes.ts";
import { grpcError } from "../core/errors.ts";
import type { QueryHandler } from "../core/module.ts";
import { paginate } from "../core/pagination.ts";
import { QueryChannelRequest, QueryChannelResponse, QueryChannelsRequest, QueryChannelsResponse, QueryParamsRequest, QueryParamsResponse } from "../../proto/gen/openledger/paychan/v1/query.ts";
import { Channel } from "../../proto/gen/openledger/paychan/v1/types.ts";
import type { PaychanKeeper } from "./keeper.ts";
import { MODULE_NAME, PREFIX, byAddressPrefix } from "./keys.ts";
import { queryHandlerFactory } from "../core/protoHandlers.ts";

export const QUERY_PREFIX = "/openledger.paychan.v1.Query/";
const query = queryHandlerFactory(QUERY_PREFIX);



function parseAddr(s: string): Bytes {
  try {
    return accAddressFromString(s);
  } catch {
    throw grpcError("InvalidArgument", `invalid address ${JSON.stringify(s.slice(0, 90))}`);
  }
}

export function createPaychanQueries(k: PaychanKeeper): QueryHandler[] {
  const q: QueryHandler<any, any>[] = [
    query("Params", QueryParamsRequest, QueryParamsResponse, async (ctx) => ({ params: k.getParams(ctx) })),
    query("Channel", QueryChannelRequest, QueryChannelResponse, async (ctx, r) => {
      const c = k.getChannel(ctx, r.id);
      if (c === undefined) throw grpcError("NotFound", `channel ${r.id} not found`);
      return { channel: c };
    }),
    query("Channels", QueryChannelsRequest, QueryChannelsResponse, async (ctx, r) => {
      const st = ctx.store(MODULE_NAME);
      const page =
        r.address === ""
          ? await paginate(st, Uint8Array.of(PREFIX.channel), r.pagination, (_k, v) => Channel.decode(v))
          : await paginate(st, byAddressPrefix(parseAddr(r.address)), r.pagination, (key) => k.getChannel(ctx, readU64be(key)) ?? null);
      return { channels: page.items, pagination: page.pagination };
    }),
  ];
  return q;
}
