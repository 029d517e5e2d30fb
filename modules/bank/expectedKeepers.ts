/** What bank needs from auth (wired in modules/app.ts). */
import type { Bytes } from "../core/abci.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";

export interface BankAccountKeeper {
  hasAccount(ctx: ReadContext, addr: Bytes): boolean;
  /** creates a BaseAccount with the next account number. */
  newAccount(ctx: WriteContext, addr: Bytes): unknown;
  moduleAddress(name: string): Bytes;
  /** creates the module account on first use; throws for unregistered modules. */
  getModuleAccount(ctx: WriteContext, name: string): { address: Bytes };
  hasPermission(name: string, permission: string): boolean;
}
