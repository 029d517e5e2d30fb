/** runtime ("baseapp"): tx decode, ante, routing, block lifecycle, the Application implementation. */
export { createApplication, SIMULATE_PATH, APP_VERSION_PATH, META, APP_NAME, APP_SEMVER } from "./application.ts";
export type { CreateApplicationOptions, RuntimeApplication } from "./application.ts";
export type { ModuleOrder } from "./moduleManager.ts";
export { decodeTx } from "./decode.ts";
export { runTx, validateTxBasic } from "./runTx.ts";
export type { TxEnv, TxOutcome } from "./runTx.ts";
export { createCachedSigVerifier } from "./sigCache.ts";
// gov executes proposal messages through the app's msg routes (modules/app.ts builds them once more)
export { createRouters } from "./router.ts";
export type { Routers } from "./router.ts";
