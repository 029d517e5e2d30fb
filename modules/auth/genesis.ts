/** auth genesis: {params, accounts} in the SDK 0.50 JSON shape. */
import type { ReadContext, WriteContext } from "../core/context.ts";
import { toKeyString, u64be } from "../core/bytes.ts";
import { type Account, accountFromJson, accountToJson } from "./account.ts";
import { ErrInvalidGenesis } from "./errors.ts";
import type { AuthKeeper } from "./keeper.ts";
import { GLOBAL_ACCOUNT_NUMBER_KEY, MODULE_NAME } from "./keys.ts";
import { type AuthParams, defaultParams, paramsFromJson, paramsToJson, validateParams } from "./params.ts";

export interface AuthGenesis {
  params: AuthParams;
  accounts: Account[];
}

export function defaultGenesis(): AuthGenesis {
  return { params: defaultParams(), accounts: [] };
}

export function validateGenesis(g: AuthGenesis): void {
  validateParams(g.params);
  const addrs = new Set<string>();
  const nums = new Set<bigint>();
  for (const a of g.accounts) {
    const k = toKeyString(a.address);
    if (addrs.has(k)) throw ErrInvalidGenesis.wrap("duplicate account address");
    if (nums.has(a.accountNumber)) throw ErrInvalidGenesis.wrap(`duplicate account number ${a.accountNumber}`);
    addrs.add(k);
    nums.add(a.accountNumber);
  }
}

export async function initGenesis(ctx: WriteContext, k: AuthKeeper, g: AuthGenesis): Promise<void> {
  validateGenesis(g);
  k.setParams(ctx, g.params);
  let next = 0n;
  for (const a of g.accounts) {
    k.setAccount(ctx, a);
    if (a.accountNumber >= next) next = a.accountNumber + 1n;
  }
  ctx.store(MODULE_NAME).set(GLOBAL_ACCOUNT_NUMBER_KEY, u64be(next));
}

export async function exportGenesis(ctx: ReadContext, k: AuthKeeper): Promise<AuthGenesis> {
  const accounts: Account[] = [];
  for await (const a of k.iterateAccounts(ctx)) accounts.push(a);
  accounts.sort((a, b) => (a.accountNumber < b.accountNumber ? -1 : a.accountNumber > b.accountNumber ? 1 : 0));
  return { params: k.getParams(ctx), accounts };
}

export function genesisToJson(g: AuthGenesis): unknown {
  return { params: paramsToJson(g.params), accounts: g.accounts.map(accountToJson) };
}

export function genesisFromJson(j: unknown): AuthGenesis {
  const o = (j ?? {}) as Record<string, unknown>;
  const accounts = Array.isArray(o.accounts) ? o.accounts.map(accountFromJson) : [];
  return { params: paramsFromJson(o.params), accounts };
}
