/** The pieces of modules/app.ts the CLI uses (imported on demand: building the CLI stays light). */
export type AppModule = typeof import("../modules/app.ts");

export function loadApp(): Promise<AppModule> {
  return import("../modules/app.ts");
}

/** The default app_state of a new chain, as a JSON object. */
export async function defaultAppState(): Promise<Record<string, unknown>> {
  return (await loadApp()).defaultAppGenesis();
}
