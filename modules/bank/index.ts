/** bank: balances, supply, sends, denom metadata. */
import type { Bytes } from "../core/abci.ts";
import type { AppModule } from "../core/module.ts";
import type { BankAccountKeeper } from "./expectedKeepers.ts";
import type { BankGenesis } from "./genesis.ts";
import { type BankKeeper, createBankKeeper } from "./keeper.ts";
import { createBankAppModule } from "./module.ts";
import type { BankParams } from "./params.ts";

export type { BankKeeper, Balance } from "./keeper.ts";
export type { BankGenesis } from "./genesis.ts";
export type { BankParams } from "./params.ts";
export type { BankAccountKeeper } from "./expectedKeepers.ts";
export { MODULE_NAME as BANK_MODULE_NAME, balanceKey, balancesPrefix } from "./keys.ts";
export { genesisToJson as bankGenesisToJson, defaultGenesis as defaultBankGenesis, metadataToJson } from "./genesis.ts";

export type BankViewKeeper = Pick<BankKeeper, "getBalance" | "getAllBalances" | "getSupply">;
export type BankSendKeeper = BankViewKeeper & Pick<BankKeeper, "sendCoins" | "sendCoinsFromAccountToModule" | "sendCoinsFromModuleToAccount" | "sendCoinsFromModuleToModule" | "isBlockedAddr">;

export interface BankDeps {
  accountKeeper: BankAccountKeeper;
  blockedAddrs: readonly Bytes[];
  /** the address allowed to send MsgUpdateParams / MsgSetSendEnabled (the gov module account). */
  authority: Bytes;
}

export function createBankModule(deps: BankDeps): { module: AppModule<BankParams, BankGenesis>; keeper: BankKeeper } {
  const keeper = createBankKeeper({ accountKeeper: deps.accountKeeper, blockedAddrs: deps.blockedAddrs });
  return { module: createBankAppModule(keeper, deps.authority), keeper };
}
