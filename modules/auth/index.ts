/** auth: accounts, account numbers, sequences, pubkeys, the ante chain of signatures and fees. */
import type { Bytes } from "../core/abci.ts";
import type { AppModule } from "../core/module.ts";
import type { AnteDecorator } from "../core/tx.ts";
import { createAnteDecorators } from "./ante.ts";
import type { FeeBankKeeper } from "./expectedKeepers.ts";
import type { AuthGenesis } from "./genesis.ts";
import { type AuthKeeper, createAuthKeeper } from "./keeper.ts";
import { createAuthAppModule } from "./module.ts";
import type { AuthParams } from "./params.ts";

export type { Account } from "./account.ts";
export { PERMISSION, accountToJson, accountFromJson, BASE_ACCOUNT_TYPE_URL, MODULE_ACCOUNT_TYPE_URL } from "./account.ts";
export type { AuthKeeper } from "./keeper.ts";
export type { AuthGenesis } from "./genesis.ts";
export type { AuthParams } from "./params.ts";
export type { FeeBankKeeper } from "./expectedKeepers.ts";
export { MODULE_NAME as AUTH_MODULE_NAME, FEE_COLLECTOR_NAME, accountKey } from "./keys.ts";
export { genesisToJson as authGenesisToJson, defaultGenesis as defaultAuthGenesis } from "./genesis.ts";

/** what bank (and other modules) may use of auth. */
export type AccountKeeper = Pick<AuthKeeper, "getAccount" | "hasAccount" | "setAccount" | "newAccount" | "moduleAddress" | "getModuleAccount" | "hasPermission" | "moduleAccountNames">;

export interface AuthDeps {
  /** module account name → permissions (SDK maccPerms). */
  moduleAccountPermissions: Readonly<Record<string, readonly string[]>>;
  /** the address allowed to send MsgUpdateParams (the gov module account). */
  authority: Bytes;
}

export function createAuthModule(deps: AuthDeps): { module: AppModule<AuthParams, AuthGenesis>; keeper: AuthKeeper } {
  const keeper = createAuthKeeper({ moduleAccountPermissions: deps.moduleAccountPermissions });
  return { module: createAuthAppModule(keeper, deps.authority, deps.moduleAccountPermissions), keeper };
}

/** the auth ante chain (built in app.ts once bank exists: the SDK's NewAnteHandler(HandlerOptions)). */
export function createAuthAnte(deps: { accountKeeper: AuthKeeper; bankKeeper: FeeBankKeeper; feeCollector?: string }): AnteDecorator[] {
  return createAnteDecorators(deps);
}
