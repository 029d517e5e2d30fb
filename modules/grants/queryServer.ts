/** openledger.grants.v1.Query: Grant, Grants (optionally by recipient), Escrow. */
import { accAddressFromString } from "../core/address.ts";
import { coinsToProto } from "../core/coins.ts";
import { AppError, grpcError } from "../core/errors.ts";
import type { QueryHandler } from "../core/module.ts";
import { paginate } from "../core/pagination.ts";
import { QueryEscrowRequest, QueryEscrowResponse, QueryGrantRequest, QueryGrantResponse, QueryGrantsRequest, QueryGrantsResponse } from "../../proto/gen/openledger/grants/v1/query.ts";
import { Grant } from "../../proto/gen/openledger/grants/v1/types.ts";
import type { Bytes } from "../core/abci.ts";
import { readU64be } from "../core/bytes.ts";
import type { GrantsBankKeeper } from "./expectedKeepers.ts";
import type { GrantsKeeper } from "./keeper.ts";
import { MODULE_NAME, PREFIX } from "./keys.ts";
import { queryHandlerFactory } from "../core/protoHandlers.ts";

const P = "/openledger.grants.v1.Query/";
/** handlers at full paths (`${P}Name`). */
const protoQuery = queryHandlerFactory("");

export function createGrantsQueries(k: GrantsKeeper, bank: GrantsBankKeeper): QueryHandler[] {
  return [
    protoQuery(`${P}Grant`, QueryGrantRequest, QueryGrantResponse, async (ctx, q) => {
      const g = k.getGrant(ctx, q.id);
      if (g === undefined) throw grpcError("NotFound", `grant ${q.id} not found`);
      return { grant: g };
    }),
    protoQuery(`${P}Grants`, QueryGrantsRequest, QueryGrantsResponse, async (ctx, q) => {
      const store = ctx.store(MODULE_NAME);
      if (q.recipient === "") {
        const page = await paginate(store, Uint8Array.of(PREFIX.grant), q.pagination, (_k, v) => Grant.decode(v));
        return { grants: page.items, pagination: page.pagination };
      }
      let r: Bytes;
      try {
        r = accAddressFromString(q.recipient);
      } catch (e: unknown) {
        throw grpcError("InvalidArgument", e instanceof AppError ? e.log : String(e));
      }
      const page = await paginate(store, k.recipientPrefix(r), q.pagination, (key) => k.getGrant(ctx, readU64be(key)) ?? null);
      return { grants: page.items, pagination: page.pagination };
    }),
    protoQuery(`${P}Escrow`, QueryEscrowRequest, QueryEscrowResponse, async (ctx) => ({ amount: coinsToProto(await bank.getAllBalances(ctx, k.escrowAddress())) })),
  ] as QueryHandler[];
}
