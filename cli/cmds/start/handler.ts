/**
 * `openledgerd start`: config + genesis → LevelDB backend → OpenLedger app → node; runs until
 * `shutdown` resolves (SIGINT/SIGTERM in main), then stops gracefully.
 */
import { existsSync, readFileSync } from "node:fs";
import { createNativeSecp256k1Verifier } from "../../../node/crypto/secp256k1Native.ts";
import type { NodeOptions } from "../../../node/options.ts";
import { openLevelBackend } from "../../../node/storage/levelBackend.ts";
import { createLogger } from "../../../node/util/logger.ts";
import { loadApp } from "../../app.ts";
import { applyOverrides, type ConfigOverrides, readConfig } from "../../config/config.ts";
import { homePaths } from "../../config/paths.ts";
import { loadStartNode, parseGenesisDoc } from "../../node.ts";
import { errorMessage, UserError } from "../../util/errors.ts";

export interface StartHooks {
  /** called once the node serves RPC. */
  onStarted?: (info: { rpcUrl: string; chainId: string; opts: NodeOptions }) => void;
  /** resolves when the node should stop. */
  shutdown: Promise<unknown>;
}

export async function runNode(home: string, overrides: ConfigOverrides, hooks: StartHooks): Promise<void> {
  const p = homePaths(home);
  if (!existsSync(p.genesis)) throw new UserError(`no genesis at ${p.genesis}: run \`openledgerd init <moniker> --chain-id <id> --home ${home}\` first`);
  const config = applyOverrides(readConfig(p.home), overrides);
  const genesisJson = readFileSync(p.genesis, "utf8");
  let genesis: Awaited<ReturnType<typeof parseGenesisDoc>>;
  try {
    genesis = await parseGenesisDoc(genesisJson);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`invalid genesis ${p.genesis}: ${errorMessage(e)}`);
  }
  const opts: NodeOptions = { ...config, chainId: genesis.chainId };
  const logger = createLogger({ level: opts.log.level, format: opts.log.format });
  const [appApi, startNode] = await Promise.all([loadApp(), loadStartNode()]);
  const sigVerifier = createNativeSecp256k1Verifier();
  logger.info({ module: "main", home: p.home, chainId: opts.chainId, nativeSecp256k1: sigVerifier.native }, "starting openledgerd");
  let backend: Awaited<ReturnType<typeof openLevelBackend>>;
  try {
    backend = await openLevelBackend(p.applicationDb);
  } catch (e) {
    throw new UserError(`cannot open ${p.applicationDb}: ${errorMessage(e)} (is another openledgerd running on this home?)`);
  }
  try {
    const app = await appApi.createOpenLedgerApp({ backend, minGasPrices: opts.app.minimumGasPrices, sigVerifier, logger: logger.child({ module: "app" }) });
    const node = await startNode(opts, { app, logger, genesis, genesisJson });
    const host = opts.rpc.laddr.replace(/:\d+$/, "").replace(/^0\.0\.0\.0$/, "127.0.0.1") || "127.0.0.1";
    hooks.onStarted?.({ rpcUrl: `http://${host}:${node.rpcPort}`, chainId: opts.chainId, opts });
    await hooks.shutdown;
    logger.info({ module: "main" }, "shutting down");
    await node.stop();
  } finally {
    await backend.close();
  }
  logger.info({ module: "main" }, "stopped");
  logger.flush();
}
