/** openledger.treasury.v1.Query: Params, FeePolicy, Vesting, Earnings (paths "/openledger.treasury.v1.Query/<Method>"). */
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString } from "../core/address.ts";
import { readU64be } from "../core/bytes.ts";
import { type Coin, addCoins } from "../core/coins.ts";
import { grpcError } from "../core/errors.ts";
import type { QueryHandler } from "../core/module.ts";
import { paginate } from "../core/pagination.ts";
import { epochOf } from "../core/params.ts";
import {
  QueryEarningsRequest,
  QueryEarningsResponse,
  QueryFeePolicyRequest,
  QueryFeePolicyResponse,
  QueryParamsRequest,
  QueryParamsResponse,
  QueryVestingRequest,
  QueryVestingResponse,
} from "../../proto/gen/openledger/treasury/v1/query.ts";
import { EpochEarnings } from "../../proto/gen/openledger/treasury/v1/types.ts";
import type { TreasuryKeeper } from "./keeper.ts";
import { MODULE_NAME, earningsAddrPrefix } from "./keys.ts";
import { queryHandlerFactory } from "../core/protoHandlers.ts";

export const QUERY_PREFIX = "/openledger.treasury.v1.Query/";
const query = queryHandlerFactory(QUERY_PREFIX);



function parseAddr(s: string): Bytes {
  if (s === "") throw grpcError("InvalidArgument", "empty address string is not allowed");
  try {
    return accAddressFromString(s);
  } catch {
    throw grpcError("InvalidArgument", `invalid address ${JSON.stringify(s.slice(0, 90))}`);
  }
}

const proto = (cs: Coin[]) => cs.map((c) => ({ denom: c.denom, amount: c.amount.toString() }));

export function createTreasuryQueries(k: TreasuryKeeper): QueryHandler[] {
  const q: QueryHandler<any, any>[] = [
    query("Params", QueryParamsRequest, QueryParamsResponse, async (ctx) => ({ params: k.getParams(ctx) })),
    query("FeePolicy", QueryFeePolicyRequest, QueryFeePolicyResponse, async (ctx, r) => {
      const e = k.effectivePolicy(ctx, r.modelId);
      return { policy: e.policy, source: e.source, setBy: e.setBy };
    }),
    query("Vesting", QueryVestingRequest, QueryVestingResponse, async (ctx, r) => {
      const a = parseAddr(r.address);
      const now = epochOf(ctx.block.height, ctx.runtimeParams);
      const entries = await k.vestingEntries(ctx, a);
      let claimable: Coin[] = [];
      let unvested: Coin[] = [];
      for (const e of entries) {
        const v = k.vestedOf(e, now);
        claimable = addCoins(claimable, [{ denom: e.denom, amount: v - BigInt(e.claimed) }]);
        unvested = addCoins(unvested, [{ denom: e.denom, amount: BigInt(e.total) - v }]);
      }
      return { entries, claimable: proto(claimable), unvested: proto(unvested), currentEpoch: now };
    }),
    query("Earnings", QueryEarningsRequest, QueryEarningsResponse, async (ctx, r) => {
      const a = parseAddr(r.address);
      const page = await paginate(ctx.store(MODULE_NAME), earningsAddrPrefix(a), r.pagination, (key, v) => {
        const epoch = readU64be(key);
        if (epoch < r.fromEpoch || (r.toEpoch !== 0n && epoch > r.toEpoch)) return null;
        return EpochEarnings.decode(v);
      });
      return { rows: page.items, pagination: page.pagination };
    }),
  ];
  return q;
}
