/** auth keeper: accounts, the global account number, params, module accounts. The only writer of auth keys. */
import { Params as ProtoParams } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import type { Bytes } from "../core/abci.ts";
import { moduleAddress } from "../core/address.ts";
import { readU64be, u64be } from "../core/bytes.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import { ErrModuleAccountNotFound } from "./errors.ts";
import { type Account, decodeAccount, encodeAccount } from "./account.ts";
import { ACCOUNTS_PREFIX, GLOBAL_ACCOUNT_NUMBER_KEY, MODULE_NAME, PARAMS_KEY, accountKey, accountNumberKey } from "./keys.ts";
import { type AuthParams, defaultParams } from "./params.ts";

export interface AuthKeeper {
  getParams(ctx: ReadContext): AuthParams;
  setParams(ctx: WriteContext, p: AuthParams): void;
  getAccount(ctx: ReadContext, addr: Bytes): Account | undefined;
  hasAccount(ctx: ReadContext, addr: Bytes): boolean;
  setAccount(ctx: WriteContext, acc: Account): void;
  /** creates and stores a BaseAccount with the next account number. */
  newAccount(ctx: WriteContext, addr: Bytes): Account;
  /** returns and increments the global account number. */
  nextAccountNumber(ctx: WriteContext): bigint;
  getAccountAddressByNumber(ctx: ReadContext, n: bigint): Bytes | undefined;
  moduleAddress(name: string): Bytes;
  /** the module account, created on first use; auth:3 for a module without registered permissions. */
  getModuleAccount(ctx: WriteContext, name: string): Account;
  hasPermission(name: string, permission: string): boolean;
  /** names of the module accounts the app registered, sorted. */
  moduleAccountNames(): readonly string[];
  /** all accounts in store (address-key) order. */
  iterateAccounts(ctx: ReadContext): AsyncIterable<Account>;
}

export interface AuthKeeperDeps {
  /** module account name → permissions (SDK maccPerms). */
  moduleAccountPermissions: Readonly<Record<string, readonly string[]>>;
}

export function createAuthKeeper(deps: AuthKeeperDeps): AuthKeeper {
  const perms = new Map<string, readonly string[]>();
  for (const name of Object.keys(deps.moduleAccountPermissions).sort()) perms.set(name, [...(deps.moduleAccountPermissions[name] ?? [])]);
  const names = Object.freeze([...perms.keys()]);
  const store = (ctx: ReadContext) => ctx.store(MODULE_NAME);
  const wstore = (ctx: WriteContext) => ctx.store(MODULE_NAME);

  // decoded params by the identity of the stored bytes (see decodeAccount): read on every tx, written by gov
  const decodedParams = new WeakMap<Bytes, AuthParams>();
  const keeper: AuthKeeper = {
    getParams(ctx) {
      const b = store(ctx).get(PARAMS_KEY);
      if (b === undefined) return defaultParams();
      let params = decodedParams.get(b);
      if (params === undefined) {
        const p = ProtoParams.decode(b);
        params = Object.freeze({ maxMemoCharacters: p.maxMemoCharacters, txSigLimit: p.txSigLimit, txSizeCostPerByte: p.txSizeCostPerByte, sigVerifyCostEd25519: p.sigVerifyCostEd25519, sigVerifyCostSecp256k1: p.sigVerifyCostSecp256k1 });
        decodedParams.set(b, params);
      }
      return params;
    },
    setParams(ctx, p) {
      wstore(ctx).set(PARAMS_KEY, ProtoParams.encode({ ...p }).finish());
    },
    getAccount(ctx, addr) {
      const b = store(ctx).get(accountKey(addr));
      return b === undefined ? undefined : decodeAccount(b);
    },
    hasAccount(ctx, addr) {
      return store(ctx).has(accountKey(addr));
    },
    setAccount(ctx, acc) {
      const s = wstore(ctx);
      s.set(accountKey(acc.address), encodeAccount(acc));
      s.set(accountNumberKey(acc.accountNumber), acc.address);
    },
    newAccount(ctx, addr) {
      const acc: Account = { address: Uint8Array.from(addr), pubKey: null, accountNumber: keeper.nextAccountNumber(ctx), sequence: 0n };
      keeper.setAccount(ctx, acc);
      return acc;
    },
    nextAccountNumber(ctx) {
      const s = wstore(ctx);
      const b = s.get(GLOBAL_ACCOUNT_NUMBER_KEY);
      const n = b === undefined ? 0n : readU64be(b);
      s.set(GLOBAL_ACCOUNT_NUMBER_KEY, u64be(n + 1n));
      return n;
    },
    getAccountAddressByNumber(ctx, n) {
      return store(ctx).get(accountNumberKey(n));
    },
    moduleAddress(name) {
      return moduleAddress(name);
    },
    getModuleAccount(ctx, name) {
      const p = perms.get(name);
      if (p === undefined) throw ErrModuleAccountNotFound.wrap(name);
      const addr = moduleAddress(name);
      const existing = keeper.getAccount(ctx, addr);
      if (existing !== undefined && existing.module !== undefined) return existing;
      // a plain account at the module address (funds sent before creation) keeps its number
      const acc: Account = {
        address: addr,
        pubKey: null,
        accountNumber: existing?.accountNumber ?? keeper.nextAccountNumber(ctx),
        sequence: existing?.sequence ?? 0n,
        module: { name, permissions: [...p] },
      };
      keeper.setAccount(ctx, acc);
      return acc;
    },
    hasPermission(name, permission) {
      return perms.get(name)?.includes(permission) ?? false;
    },
    moduleAccountNames() {
      return names;
    },
    async *iterateAccounts(ctx) {
      for await (const [, v] of store(ctx).iterate({ prefix: ACCOUNTS_PREFIX })) yield decodeAccount(v);
    },
  };
  return Object.freeze(keeper);
}
