/** cosmos.bank.v1beta1.Query: every method cosmjs-types defines. */
import {
  QueryAllBalancesRequest,
  QueryAllBalancesResponse,
  QueryBalanceRequest,
  QueryBalanceResponse,
  QueryDenomMetadataByQueryStringRequest,
  QueryDenomMetadataByQueryStringResponse,
  QueryDenomMetadataRequest,
  QueryDenomMetadataResponse,
  QueryDenomOwnersByQueryRequest,
  QueryDenomOwnersByQueryResponse,
  QueryDenomOwnersRequest,
  QueryDenomOwnersResponse,
  QueryDenomsMetadataRequest,
  QueryDenomsMetadataResponse,
  QueryParamsRequest,
  QueryParamsResponse,
  QuerySendEnabledRequest,
  QuerySendEnabledResponse,
  QuerySpendableBalanceByDenomRequest,
  QuerySpendableBalanceByDenomResponse,
  QuerySpendableBalancesRequest,
  QuerySpendableBalancesResponse,
  QuerySupplyOfRequest,
  QuerySupplyOfResponse,
  QueryTotalSupplyRequest,
  QueryTotalSupplyResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import type { PageRequest } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import { Metadata } from "cosmjs-types/cosmos/bank/v1beta1/bank";
import { accAddressFromString, accAddressToString } from "../core/address.ts";
import { fromUtf8 } from "../core/bytes.ts";
import { isValidDenom } from "../core/coins.ts";
import type { QueryContext } from "../core/context.ts";
import { AppError, grpcError } from "../core/errors.ts";
import { type QueryHandler, protoQuery } from "../core/module.ts";
import { paginate } from "../core/pagination.ts";
import type { BankKeeper } from "./keeper.ts";
import { BALANCES_PREFIX, DENOM_METADATA_PREFIX, MODULE_NAME, SEND_ENABLED_PREFIX, SUPPLY_PREFIX, balancesPrefix, parseBalanceKey } from "./keys.ts";

const P = "/cosmos.bank.v1beta1.Query/";

function parseAddr(s: string) {
  if (s === "") throw grpcError("InvalidArgument", "empty address string is not allowed");
  try {
    return accAddressFromString(s);
  } catch (e: unknown) {
    throw grpcError("InvalidArgument", `invalid address: ${e instanceof AppError ? e.log : String(e)}`);
  }
}

function checkDenom(d: string) {
  if (!isValidDenom(d)) throw grpcError("InvalidArgument", `invalid denom: ${d}`);
}

async function balancesPage(ctx: QueryContext, address: string, pagination: PageRequest | undefined) {
  const addr = parseAddr(address);
  const page = await paginate(ctx.store(MODULE_NAME), balancesPrefix(addr), pagination, (k, v) => {
    const amount = fromUtf8(v);
    return amount === "0" ? null : { denom: fromUtf8(k), amount };
  });
  return { balances: page.items, pagination: page.pagination };
}

async function denomOwners(ctx: QueryContext, denom: string, pagination: PageRequest | undefined) {
  checkDenom(denom);
  const owners: { address: string; balance: { denom: string; amount: string } }[] = [];
  for await (const [k, v] of ctx.store(MODULE_NAME).iterate({ prefix: BALANCES_PREFIX })) {
    const b = parseBalanceKey(k);
    if (b.denom === denom) owners.push({ address: accAddressToString(b.address), balance: { denom, amount: fromUtf8(v) } });
  }
  const offset = Number(pagination?.offset ?? 0n);
  const limit = Number(pagination?.limit ?? 0n) || 100;
  const items = owners.slice(offset, offset + limit);
  return { denomOwners: items, pagination: { nextKey: new Uint8Array(0), total: pagination?.countTotal === true ? BigInt(owners.length) : 0n } };
}

export function createBankQueries(k: BankKeeper): QueryHandler[] {
  const q: QueryHandler<any, any>[] = [
    protoQuery(`${P}Balance`, QueryBalanceRequest, QueryBalanceResponse, async (ctx, req) => {
      const addr = parseAddr(req.address);
      checkDenom(req.denom);
      return { balance: { denom: req.denom, amount: k.getBalance(ctx, addr, req.denom).toString() } };
    }),
    protoQuery(`${P}AllBalances`, QueryAllBalancesRequest, QueryAllBalancesResponse, (ctx, req) => balancesPage(ctx, req.address, req.pagination)),
    protoQuery(`${P}SpendableBalances`, QuerySpendableBalancesRequest, QuerySpendableBalancesResponse, (ctx, req) => balancesPage(ctx, req.address, req.pagination)),
    protoQuery(`${P}SpendableBalanceByDenom`, QuerySpendableBalanceByDenomRequest, QuerySpendableBalanceByDenomResponse, async (ctx, req) => {
      const addr = parseAddr(req.address);
      checkDenom(req.denom);
      return { balance: { denom: req.denom, amount: k.getBalance(ctx, addr, req.denom).toString() } };
    }),
    protoQuery(`${P}TotalSupply`, QueryTotalSupplyRequest, QueryTotalSupplyResponse, async (ctx, req) => {
      const page = await paginate(ctx.store(MODULE_NAME), SUPPLY_PREFIX, req.pagination, (key, v) => ({ denom: fromUtf8(key), amount: fromUtf8(v) }));
      return { supply: page.items, pagination: page.pagination };
    }),
    protoQuery(`${P}SupplyOf`, QuerySupplyOfRequest, QuerySupplyOfResponse, async (ctx, req) => {
      checkDenom(req.denom);
      return { amount: { denom: req.denom, amount: k.getSupply(ctx, req.denom).toString() } };
    }),
    protoQuery(`${P}Params`, QueryParamsRequest, QueryParamsResponse, async (ctx) => ({ params: { sendEnabled: [], defaultSendEnabled: k.getParams(ctx).defaultSendEnabled } })),
    protoQuery(`${P}DenomsMetadata`, QueryDenomsMetadataRequest, QueryDenomsMetadataResponse, async (ctx, req) => {
      const page = await paginate(ctx.store(MODULE_NAME), DENOM_METADATA_PREFIX, req.pagination, (_key, v) => Metadata.decode(v));
      return { metadatas: page.items, pagination: page.pagination };
    }),
    protoQuery(`${P}DenomMetadata`, QueryDenomMetadataRequest, QueryDenomMetadataResponse, async (ctx, req) => {
      checkDenom(req.denom);
      const m = k.getDenomMetadata(ctx, req.denom);
      if (m === undefined) throw grpcError("NotFound", `client metadata for denom ${req.denom}`);
      return { metadata: m };
    }),
    protoQuery(`${P}DenomMetadataByQueryString`, QueryDenomMetadataByQueryStringRequest, QueryDenomMetadataByQueryStringResponse, async (ctx, req) => {
      checkDenom(req.denom);
      const m = k.getDenomMetadata(ctx, req.denom);
      if (m === undefined) throw grpcError("NotFound", `client metadata for denom ${req.denom}`);
      return { metadata: m };
    }),
    protoQuery(`${P}DenomOwners`, QueryDenomOwnersRequest, QueryDenomOwnersResponse, (ctx, req) => denomOwners(ctx, req.denom, req.pagination)),
    protoQuery(`${P}DenomOwnersByQuery`, QueryDenomOwnersByQueryRequest, QueryDenomOwnersByQueryResponse, (ctx, req) => denomOwners(ctx, req.denom, req.pagination)),
    protoQuery(`${P}SendEnabled`, QuerySendEnabledRequest, QuerySendEnabledResponse, async (ctx, req) => {
      if (req.denoms.length > 0) {
        const out: { denom: string; enabled: boolean }[] = [];
        for (const d of req.denoms) {
          const v = ctx.store(MODULE_NAME).get(new Uint8Array([SEND_ENABLED_PREFIX[0] as number, ...new TextEncoder().encode(d)]));
          if (v !== undefined) out.push({ denom: d, enabled: v[0] === 1 });
        }
        return { sendEnabled: out };
      }
      const page = await paginate(ctx.store(MODULE_NAME), SEND_ENABLED_PREFIX, req.pagination, (key, v) => ({ denom: fromUtf8(key), enabled: v[0] === 1 }));
      return { sendEnabled: page.items, pagination: page.pagination };
    }),
  ];
  return q;
}
