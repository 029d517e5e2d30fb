/** cosmos.auth.v1beta1.Query: every method cosmjs-types defines. */
import { ModuleAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import {
  AddressBytesToStringRequest,
  AddressBytesToStringResponse,
  AddressStringToBytesRequest,
  AddressStringToBytesResponse,
  Bech32PrefixRequest,
  Bech32PrefixResponse,
  QueryAccountAddressByIDRequest,
  QueryAccountAddressByIDResponse,
  QueryAccountInfoRequest,
  QueryAccountInfoResponse,
  QueryAccountRequest,
  QueryAccountResponse,
  QueryAccountsRequest,
  QueryAccountsResponse,
  QueryModuleAccountByNameRequest,
  QueryModuleAccountByNameResponse,
  QueryModuleAccountsRequest,
  QueryModuleAccountsResponse,
  QueryParamsRequest,
  QueryParamsResponse,
} from "cosmjs-types/cosmos/auth/v1beta1/query";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { BECH32_PREFIX, accAddressFromString, accAddressToString, verifyAddressFormat } from "../core/address.ts";
import { AppError, grpcError } from "../core/errors.ts";
import type { QueryContext } from "../core/context.ts";
import { type QueryHandler, protoQuery } from "../core/module.ts";
import { paginate } from "../core/pagination.ts";
import { type Account, accountToAny, decodeAccount, pubKeyToAny } from "./account.ts";
import type { AuthKeeper } from "./keeper.ts";
import { ACCOUNTS_PREFIX, MODULE_NAME } from "./keys.ts";

const P = "/cosmos.auth.v1beta1.Query/";

function parseAddr(s: string) {
  if (s === "") throw grpcError("InvalidArgument", "empty address string is not allowed");
  try {
    return accAddressFromString(s);
  } catch (e: unknown) {
    throw grpcError("InvalidArgument", e instanceof AppError ? e.log : "invalid address");
  }
}

/** the module account as stored, or as it would be created (the SDK's query creates it on a throw-away branch). */
function moduleAccountView(ctx: QueryContext, k: AuthKeeper, name: string): Account {
  const addr = k.moduleAddress(name);
  const acc = k.getAccount(ctx, addr);
  if (acc?.module !== undefined) return acc;
  return { address: addr, pubKey: null, accountNumber: acc?.accountNumber ?? 0n, sequence: acc?.sequence ?? 0n, module: { name, permissions: [] } };
}

export function createAuthQueries(k: AuthKeeper, getPerms: (name: string) => readonly string[]): QueryHandler[] {
  const withPerms = (a: Account): Account => (a.module === undefined || a.module.permissions.length > 0 ? a : { ...a, module: { name: a.module.name, permissions: getPerms(a.module.name) } });
  const q: QueryHandler<any, any>[] = [
    protoQuery(`${P}Accounts`, QueryAccountsRequest, QueryAccountsResponse, async (ctx, req) => {
      const page = await paginate(ctx.store(MODULE_NAME), ACCOUNTS_PREFIX, req.pagination, (_k, v) => accountToAny(decodeAccount(v)));
      return { accounts: page.items, pagination: page.pagination };
    }),
    protoQuery(`${P}Account`, QueryAccountRequest, QueryAccountResponse, async (ctx, req) => {
      const addr = parseAddr(req.address);
      const acc = k.getAccount(ctx, addr);
      if (acc === undefined) throw grpcError("NotFound", `account ${req.address} not found`);
      return { account: accountToAny(acc) };
    }),
    protoQuery(`${P}AccountAddressByID`, QueryAccountAddressByIDRequest, QueryAccountAddressByIDResponse, async (ctx, req) => {
      const id = req.accountId !== 0n ? req.accountId : req.id;
      if (id < 0n) throw grpcError("InvalidArgument", "invalid account number");
      const addr = k.getAccountAddressByNumber(ctx, id);
      if (addr === undefined) throw grpcError("NotFound", `account address not found with account number ${id}`);
      return { accountAddress: accAddressToString(addr) };
    }),
    protoQuery(`${P}Params`, QueryParamsRequest, QueryParamsResponse, async (ctx) => ({ params: { ...k.getParams(ctx) } })),
    protoQuery(`${P}ModuleAccounts`, QueryModuleAccountsRequest, QueryModuleAccountsResponse, async (ctx) => {
      const accounts: Any[] = k.moduleAccountNames().map((n) => accountToAny(withPerms(moduleAccountView(ctx, k, n))));
      return { accounts };
    }),
    protoQuery(`${P}ModuleAccountByName`, QueryModuleAccountByNameRequest, QueryModuleAccountByNameResponse, async (ctx, req) => {
      if (req.name === "") throw grpcError("InvalidArgument", "module name is empty");
      if (!k.moduleAccountNames().includes(req.name)) throw grpcError("NotFound", `account ${req.name} not found`);
      return { account: accountToAny(withPerms(moduleAccountView(ctx, k, req.name))) };
    }),
    protoQuery(`${P}Bech32Prefix`, Bech32PrefixRequest, Bech32PrefixResponse, async () => ({ bech32Prefix: BECH32_PREFIX.account })),
    protoQuery(`${P}AddressBytesToString`, AddressBytesToStringRequest, AddressBytesToStringResponse, async (_ctx, req) => {
      if (req.addressBytes.length === 0) throw grpcError("InvalidArgument", "empty address bytes is not allowed");
      try {
        verifyAddressFormat(req.addressBytes);
      } catch (e: unknown) {
        throw grpcError("InvalidArgument", e instanceof AppError ? e.log : "invalid address");
      }
      return { addressString: accAddressToString(req.addressBytes) };
    }),
    protoQuery(`${P}AddressStringToBytes`, AddressStringToBytesRequest, AddressStringToBytesResponse, async (_ctx, req) => ({ addressBytes: parseAddr(req.addressString) })),
    protoQuery(`${P}AccountInfo`, QueryAccountInfoRequest, QueryAccountInfoResponse, async (ctx, req) => {
      const addr = parseAddr(req.address);
      const acc = k.getAccount(ctx, addr);
      if (acc === undefined) throw grpcError("NotFound", `account ${req.address} not found`);
      const info: QueryAccountInfoResponse["info"] = { address: accAddressToString(acc.address), accountNumber: acc.accountNumber, sequence: acc.sequence };
      if (acc.pubKey !== null) info.pubKey = pubKeyToAny(acc.pubKey);
      return { info };
    }),
  ];
  void ModuleAccount;
  return q;
}
