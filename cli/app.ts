/** The pieces of modules/app.ts the CLI uses (late-bound: see deps.ts). */
import type { Application } from "../modules/core/abci.ts";
import { loadModule } from "./deps.ts";

export interface AppModuleApi {
  createOpenLedgerApp(opts: { backend: unknown; minGasPrices: string; sigVerifier?: unknown; logger: unknown }): Promise<Application>;
  defaultAppGenesis(): unknown;
  bankBalanceStoreKey(addr: Uint8Array | string, denom: string): Uint8Array;
  authAccountStoreKey(addr: Uint8Array | string): Uint8Array;
  validateAppGenesis?: (appState: unknown) => void;
}

export function loadApp(): Promise<AppModuleApi> {
  return loadModule<AppModuleApi>("../modules/app.ts", "the OpenLedger app (modules/app.ts)");
}

/** The default app_state of a new chain, as a JSON object. */
export async function defaultAppState(): Promise<Record<string, unknown>> {
  const g = (await loadApp()).defaultAppGenesis();
  // Normalise through JSON so bigint/bytes in the module genesis become their JSON forms.
  return JSON.parse(
    JSON.stringify(g, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString("base64") : v)),
  ) as Record<string, unknown>;
}
