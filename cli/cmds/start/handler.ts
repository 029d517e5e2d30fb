/**
 * `openledgerd start`: config + genesis → LevelDB backend → OpenLedger app → node; runs until
 * `shutdown` resolves (SIGINT/SIGTERM) and then stops gracefully, or fails if block production halts.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { verifyEd25519 } from "../../../node/crypto/ed25519.ts";
import { BlobStore } from "../../../node/blobstore/store.ts";
import { OnnxVerifier } from "../../../node/provider/verifier.ts";
import { SigVerifyPool } from "../../../node/crypto/sigPool.ts";
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
  onStarted?: (info: { rpcUrl: string; chainId: string; opts: NodeOptions; ports: { rest: number; grpc: number; metrics: number } }) => void;
  /** resolves when the node should stop. */
  shutdown: Promise<unknown>;
}

export async function runNode(home: string, overrides: ConfigOverrides, hooks: StartHooks): Promise<void> {
  const p = homePaths(home);
  if (!existsSync(p.genesis)) throw new UserError(`no genesis at ${p.genesis}: run \`openledgerd init <moniker> --chain-id <id> --home ${home}\` first`);
  const config = applyOverrides(readConfig(p.home), overrides);
  const genesisJson = readFileSync(p.genesis, "utf8");
  const genesis = await parseGenesisDoc(genesisJson, p.genesis);
  const opts: NodeOptions = { ...config, chainId: genesis.chainId };
  const logger = createLogger({ level: opts.log.level, format: opts.log.format });
  const [{ createOpenLedgerApp }, startNode] = await Promise.all([loadApp(), loadStartNode()]);
  const sigPool = new SigVerifyPool({ chainId: genesis.chainId });
  const sigVerifier = sigPool.verifier;
  logger.info({ module: "main", home: p.home, chainId: opts.chainId, nativeSecp256k1: sigVerifier.native }, "starting openledgerd");
  let backend: Awaited<ReturnType<typeof openLevelBackend>>;
  try {
    backend = await openLevelBackend(p.applicationDb);
  } catch (e) {
    await sigPool.close();
    throw new UserError(`cannot open ${p.applicationDb}: ${errorMessage(e)} (is another openledgerd running on this home?)`);
  }
  let app: Awaited<ReturnType<typeof createOpenLedgerApp>>;
  let blobService: { get(hash: string): Promise<Uint8Array | undefined>; put(bytes: Uint8Array): Promise<string> } | undefined;
  try {
    // compute verdicts: this validator replays submitted inference results from the node's blob store (ExtendVote)
    // (the node's blob service, with peer fetch on BFT nodes, once it runs; its local store until then)
    const localBlobs = new BlobStore(join(p.dataDir, "blobs"));
    const computeVerifier = new OnnxVerifier({ blobs: { get: (h) => (blobService ?? localBlobs).get(h), put: (b) => (blobService ?? localBlobs).put(b) }, logger: logger.child({ module: "compute-replay" }) });
    app = await createOpenLedgerApp({ backend, minGasPrices: opts.app.minimumGasPrices, sigVerifier, ed25519Verifier: { verify: verifyEd25519 }, computeVerifier, logger: logger.child({ module: "app" }), recheckMemo: opts.mempool.recheckMemo });
  } catch (e) {
    await backend.close();
    await sigPool.close();
    throw new UserError(`cannot load the application state in ${p.applicationDb}: ${errorMessage(e)}`);
  }
  let halted: unknown;
  try {
    let node: Awaited<ReturnType<typeof startNode>>;
    try {
      node = await startNode(opts, { app, logger, genesis, genesisJson, preverifier: sigPool, appDbBackend: backend });
      blobService = node.blobs;
    } catch (e) {
      throw new UserError(`the node failed to start: ${errorMessage(e)}`);
    }
    const host = opts.rpc.laddr.replace(/:\d+$/, "").replace(/^(0\.0\.0\.0|\[::\]|)$/, "127.0.0.1");
    hooks.onStarted?.({ rpcUrl: `http://${host}:${node.rpcPort}`, chainId: opts.chainId, opts, ports: { rest: node.restPort, grpc: node.grpcPort, metrics: node.metricsPort } });
    const why = await Promise.race([hooks.shutdown.then(() => "signal" as const), node.halted.then((err) => ({ err }))]);
    if (why === "signal") logger.info({ module: "main" }, "shutting down");
    else {
      halted = why.err;
      logger.fatal({ module: "main", err: why.err }, "block production halted; stopping");
    }
    await node.stop();
  } finally {
    await app.close();
    await sigPool.close();
  }
  logger.info({ module: "main", presigVerified: sigPool.hits, mainThreadVerified: sigPool.misses }, "stopped");
  logger.flush();
  if (halted !== undefined) throw new UserError(`block production halted: ${errorMessage(halted)}`);
}
