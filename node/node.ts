/**
 * The node's composition root (STYLE §7.1): opens data/node.db (unless a backend is injected), builds
 * the stores, tx index, event bus, mempool, app connection, block executor, runs the ABCI handshake,
 * then starts one of two engines and the CometBFT JSON-RPC server:
 *
 *  - single: the single-validator producer (dev chain; no p2p);
 *  - bft: the p2p host (node key from config/node_key.json), mempool gossip (the RPC broadcasts through
 *    it), block sync (unless this validator alone holds > 2/3), the consensus reactor + driver (WAL in
 *    data/cs.wal/wal, FilePV) and the evidence pool; consensus starts when block sync has caught up.
 *
 * The engine is "bft" when the genesis has more than one validator or p2p persistent peers / seeds are
 * configured (`consensus.engine` forces either). `stop()` undoes everything in reverse order:
 * producer or consensus driver (after the input / block in progress), reactors, p2p host, RPC,
 * mempool, app connection (drained; the app itself belongs to the caller), node database.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import type { Application, Bytes } from "../modules/core/abci.ts";
import { EMPTY, equal, toHex, utf8 } from "../modules/core/bytes.ts";
import type { KvBackend } from "../modules/core/store/types.ts";
import { AppConn } from "./app/appConn.ts";
import { checkDoubleSignRisk } from "./consensus/doubleSignCheck.ts";
import { handshake } from "./app/handshake.ts";
import { loadOrGenNodeKey, nodeIdFromPubKey } from "./crypto/keyFiles.ts";
import { installWasmSha256 } from "./crypto/wasmSha256.ts";
import { BlobExchange } from "./blobstore/exchange.ts";
import { BlobService } from "./blobstore/service.ts";
import { BlobStore } from "./blobstore/store.ts";
import { BlockSyncReactor } from "./blocksync/reactor.ts";
import { makeVerifyAndApply } from "./blocksync/verify.ts";
import { chainRoundState } from "./consensus/chainRoundState.ts";
import { ConsensusDriver, storedLastCommit, type SyncPrivValidator } from "./consensus/driver.ts";
import { attachConsensusEvents } from "./rpc/consensusEvents.ts";
import { EvidencePool } from "./consensus/evidencePool.ts";
import { ConsensusReactor } from "./consensus/reactor.ts";
import { DEFAULT_TIMEOUTS } from "./consensus/state.ts";
import { BlockExecutor } from "./execution/blockExecutor.ts";
import { totalVotingPower } from "./execution/state.ts";
import { TestFaults } from "./p2p/testFaults.ts";
import { testClock, testLieHeight } from "./util/testEnv.ts";
import { P2PHost } from "./p2p/host.ts";
import { MempoolReactor } from "./p2p/mempoolReactor.ts";
import { SingleValidatorProducer } from "./execution/producer.ts";
import type { FailPointHook, VoteSigner } from "./execution/types.ts";
import { crashHooksFromEnv } from "./execution/crashAt.ts";
import { type TxPreverifier, TxPool } from "./mempool/txPool.ts";
import { durableMempoolView, MempoolWal } from "./mempool/wal.ts";
import { txHash } from "./types/hash.ts";
import { msToTimestamp } from "./types/time.ts";
import { restExtras } from "./rest/extras.ts";
import { observeFinalizeBlock, type ChainMetrics } from "./metrics/chain.ts";
import { POA_INDEX_PHASE, POA_PHASE, createPhaseTimer } from "./metrics/phases.ts";
import { createNodeMetrics, type NodeMetrics } from "./metrics/registry.ts";
import { createMetricsServer } from "./metrics/server.ts";
import type { StoreSource } from "./metrics/store.ts";
import type { NodeOptions } from "./options.ts";
import { FilePV } from "./privval/filePV.ts";
import { signEd25519 } from "./crypto/ed25519.ts";
import type { Vote } from "./types/block.ts";
import { voteSignBytes } from "./types/encoding.ts";
import type { RpcEnv } from "./rpc/env.ts";
import { createRpcServer, type RpcServer } from "./rpc/server.ts";
import { createRestServer } from "./rest/server.ts";
import { BlockStore } from "./storage/blockStore.ts";
import { BUCKET } from "./storage/buckets.ts";
import { NodeDb } from "./storage/db.ts";
import { dirBytes, LevelBackend, openLevelBackend } from "./storage/levelBackend.ts";
import { StateStore } from "./storage/stateStore.ts";
import type { ChainState } from "./storage/types.ts";
import { TxIndex } from "./storage/txIndex.ts";
import type { GenesisDoc } from "./types/genesis.ts";
import { EventBus } from "./util/eventBus.ts";

export interface NodeDeps {
  app: Application;
  logger: Logger;
  genesis: GenesisDoc;
  /** genesis.json exactly as on disk (served by the `genesis` RPC; its app_state goes to InitChain). */
  genesisJson: string;
  /** default: FilePV over config/priv_validator_key.json + data/priv_validator_state.json. */
  privValidator?: VoteSigner;
  /** default: LevelDB at data/node.db (closed by stop()); an injected backend is not closed. */
  nodeDbBackend?: KvBackend;
  /** the app's LevelDB (data/application.db), for the store metrics only; the caller owns it. */
  appDbBackend?: KvBackend;
  /** called once if block production halts (app hash mismatch, rejected proposal, IO error). */
  onHalt?: (err: unknown) => void;
  /** checks tx signatures before CheckTx (e.g. SigVerifyPool on worker threads); the caller closes it. */
  preverifier?: TxPreverifier;
  /** test hook: simulate crashes at named points of the commit sequence. */
  failPoint?: FailPointHook;
  /** BFT engine: the synchronous private validator (default: FilePV over the home's files). */
  bftPrivValidator?: SyncPrivValidator;
}

/** which consensus engine a node runs (NodeOptions.consensus.engine; "auto" decides by genesis and peers). */
export function chooseEngine(opts: NodeOptions, genesis: GenesisDoc): "bft" | "single" {
  const e = opts.consensus.engine ?? "auto";
  if (e !== "auto") return e;
  if (genesis.validators.length > 1) return "bft";
  if (opts.p2p.persistentPeers.length > 0 || opts.p2p.seeds.length > 0) return "bft";
  return "single";
}

export interface RunningNode {
  /** the RPC port actually bound (0 when RPC is disabled). */
  rpcPort: number;
  /** the Cosmos REST port actually bound (0 when the API is disabled). */
  restPort: number;
  /** the gRPC port actually bound (0 when grpc.enable is off). */
  grpcPort: number;
  /** the Prometheus port actually bound (0 when instrumentation.prometheus is off). */
  metricsPort: number;
  /** the node's metrics (null when instrumentation.prometheus is off). */
  metrics: NodeMetrics | null;
  /** last committed height. */
  height(): bigint;
  state(): ChainState;
  /** resolves with the error when block production halts (never resolves on a clean stop). */
  halted: Promise<unknown>;
  env: RpcEnv;
  engine: "bft" | "single";
  /** BFT only: the p2p host, the consensus driver and reactor, block sync (tests, metrics). */
  bft?: { host: P2PHost; driver: ConsensusDriver; reactor: ConsensusReactor; blockSync: BlockSyncReactor; evidence: EvidencePool; mempoolReactor: MempoolReactor; blobExchange: BlobExchange };
  /** datanet payloads: the content-addressed store under data/blobs (+ peer fetch on BFT nodes). */
  blobs: BlobService;
  stop(): Promise<void>;
}

/** FilePV adapted to the producer's VoteSigner (FilePV signs synchronously and always signs extensions). */
export function filePVSigner(pv: FilePV): VoteSigner {
  return {
    address: pv.address,
    pubKey: pv.publicKey,
    async signVote(chainId, vote, signExtension) {
      const signed = pv.signVote(chainId, vote);
      return signExtension ? signed : { ...signed, extensionSignature: EMPTY };
    },
  };
}

/** the raw `app_state` JSON text of genesis.json (what InitChain gets), else a re-serialisation. */
function appStateBytes(genesisJson: string, genesis: GenesisDoc): Bytes {
  try {
    const parsed = JSON.parse(genesisJson) as { app_state?: unknown };
    if (parsed.app_state !== undefined) return utf8(JSON.stringify(parsed.app_state));
  } catch {
    // fall through: the GenesisDoc was parsed by the caller already
  }
  return utf8(JSON.stringify(genesis.appState));
}

export async function startNode(opts: NodeOptions, deps: NodeDeps): Promise<RunningNode> {
  const log = deps.logger;
  // short-input SHA-256 through WebAssembly (self-checked against node:crypto; the same digests)
  if (!(await installWasmSha256())) log.warn({ module: "node" }, "WebAssembly SHA-256 unavailable: hashing stays on node:crypto");
  const { genesis } = deps;
  if (opts.chainId !== "" && opts.chainId !== genesis.chainId) {
    throw new Error(`chain id mismatch: options say ${opts.chainId}, genesis says ${genesis.chainId}`);
  }
  const dataDir = join(opts.home, "data");
  const configDir = join(opts.home, "config");
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(configDir, { recursive: true });

  const closers: { name: string; fn: () => Promise<void> | void }[] = [];
  const closeAll = async () => {
    for (const c of closers.reverse()) {
      try {
        await c.fn();
      } catch (e: unknown) {
        log.error({ module: "node", err: e, component: c.name }, "error while closing");
      }
    }
    closers.length = 0;
  };

  try {
    const backend = deps.nodeDbBackend ?? (await openLevelBackend(join(dataDir, "node.db")));
    const db = new NodeDb(backend);
    if (deps.nodeDbBackend === undefined) closers.push({ name: "node.db", fn: () => db.close() });
    const blockStore = new BlockStore(db);
    const stateStore = new StateStore(db);
    // records point at the FinalizeBlock responses (saved in the same batch) instead of copying their results
    const txIndex = new TxIndex(db.bucket(BUCKET.txIndex), (h, i) => stateStore.loadTxResult(h, i));
    const events = new EventBus({
      onListenerError: (err, ev) => log.error({ module: "events", err, event: ev.type }, "event listener failed"),
    });

    const nodeKey = loadOrGenNodeKey(join(configDir, "node_key.json"));
    const blobs = new BlobService(new BlobStore(join(dataDir, "blobs")));

    const metrics = opts.instrumentation?.prometheus === true ? createNodeMetrics() : null;
    if (metrics !== null) {
      const sources: StoreSource[] = [];
      for (const [name, b] of [["node", backend], ["application", deps.appDbBackend]] as const) {
        if (b instanceof LevelBackend) sources.push({ db: name, stats: b.writeStats, diskBytes: () => dirBytes(b.path) });
      }
      metrics.store.bind(sources);
    }
    const appConn = new AppConn(metrics !== null ? timedFinalize(deps.app, metrics.chain) : deps.app);
    if (metrics === null) deps.app.setPhaseTracer?.(undefined);
    closers.push({ name: "app connection", fn: () => appConn.close({ closeApp: false }) });
    const mempool = new TxPool(opts.mempool, {
      app: appConn,
      logger: log.child({ module: "mempool" }),
      metrics: metrics?.mempool ?? null,
      ...(deps.preverifier !== undefined ? { preverifier: deps.preverifier } : {}),
    });
    closers.push({
      name: "mempool",
      fn: () => {
        log.info({ pool: { ...mempool.stats, recheckMs: Math.round(mempool.stats.recheckMs) } }, "mempool stats since start");
        return mempool.close();
      },
    });
    // TEST ONLY: OPENLEDGER_TEST_CRASH_AT=<point>:<height> → SIGKILL self there (crash e2e tests, soak)
    const crashHooks = crashHooksFromEnv(log.child({ module: "node" }));
    const failPoint = deps.failPoint ?? crashHooks?.failPoint;
    const executor = new BlockExecutor({
      app: appConn,
      db,
      blockStore,
      stateStore,
      txIndex,
      mempool,
      events,
      logger: log.child({ module: "state" }),
      ...(failPoint !== undefined ? { failPoint } : {}),
    });

    const state = await handshake({
      app: appConn,
      blockStore,
      stateStore,
      db,
      executor,
      genesis,
      appStateBytes: appStateBytes(deps.genesisJson, genesis),
      logger: log.child({ module: "handshake" }),
    });

    // txs acknowledged to clients before a crash are put back through CheckTx (node/mempool/wal.ts)
    const mempoolWal = new MempoolWal(join(dataDir, "mempool.wal"));
    {
      const kept = mempoolWal.load();
      let readmitted = 0;
      for (const tx of kept) {
        if (txIndex.getByHash(txHash(tx)) !== undefined) continue; // committed before the stop
        try {
          if ((await mempool.checkAndAdd(tx)).code === 0) readmitted++;
        } catch {
          // already in the pool / cache, or no longer valid: nothing to keep
        }
      }
      if (kept.length > 0) log.info({ module: "mempool", kept: kept.length, readmitted }, "mempool WAL replayed");
      await mempoolWal.rewrite(mempool.entries().map((e) => e.tx));
      closers.push({ name: "mempool WAL", fn: () => mempoolWal.close() });
    }

    let resolveHalt!: (e: unknown) => void;
    const halted = new Promise<unknown>((r) => (resolveHalt = r));
    const onHalt = (e: unknown) => {
      // pending evidence (e.g. a fork's duplicate votes met just before consensus halted on the other
      // branch's block) gets a few seconds of gossip before the node stops; it is also kept on disk
      // (a fork walk still fetching the other branch's blocks for light-client-attack evidence gets up
      // to 30 s more first)
      const ep = bft?.evidence;
      const finish = () => {
        resolveHalt(e);
        deps.onHalt?.(e);
      };
      if (ep === undefined || (ep.gossipList().length === 0 && ep.walking === 0)) {
        finish();
        return;
      }
      const haltedAt = Date.now();
      const gossipThenStop = () => {
        if (ep.walking > 0 && Date.now() - haltedAt < 30_000) {
          setTimeout(gossipThenStop, 500);
          return;
        }
        log.error({ module: "evidence", pending: ep.pendingList().length, gossip: ep.gossipList().length, walking: ep.walking }, "consensus halted with pending evidence: gossiping it for 5 s before stopping");
        setTimeout(finish, 5000);
      };
      gossipThenStop();
    };
    const engine = chooseEngine(opts, genesis);
    const nodeId = nodeIdFromPubKey(nodeKey.publicKey);

    let validatorAddress: Bytes;
    let validatorPubKey: Bytes;
    let bft: RunningNode["bft"];
    let syncedState = state;
    let current: () => ChainState;
    let mempoolView: RpcEnv["mempool"] = mempool;
    let startEngine: () => Promise<void>;
    // RPC consensus_state / dump_consensus_state: answered on either engine, while block syncing too (as CometBFT does)
    let consensusView: NonNullable<RpcEnv["consensus"]>;
    const timeouts = { ...DEFAULT_TIMEOUTS, commitMs: opts.consensus.blockIntervalMs, ...opts.consensus.timeouts };
    if (engine === "single") {
      const signer =
        deps.privValidator ??
        filePVSigner(FilePV.load(join(configDir, "priv_validator_key.json"), join(dataDir, "priv_validator_state.json")));
      const p = new SingleValidatorProducer(
        {
          blockIntervalMs: opts.consensus.blockIntervalMs,
          createEmptyBlocks: opts.consensus.createEmptyBlocks,
          ...(opts.consensus.blockExecBudgetMs !== undefined ? { blockExecBudgetMs: opts.consensus.blockExecBudgetMs } : {}),
        },
        { executor, app: appConn, blockStore, db, mempool, signer, logger: log.child({ module: "consensus" }), onHalt, metrics: metrics?.consensus ?? null },
        state,
      );
      validatorAddress = signer.address;
      validatorPubKey = signer.pubKey;
      current = () => p.state();
      consensusView = {
        roundState: () => chainRoundState(p.state(), storedLastCommit(blockStore, p.state().lastBlockHeight), p.progress(), timeouts),
        peers: () => [],
      };
      startEngine = async () => {
        p.start();
        closers.push({ name: "producer", fn: () => p.stop() });
      };
    } else {
      const pv: SyncPrivValidator =
        deps.bftPrivValidator ?? FilePV.load(join(configDir, "priv_validator_key.json"), join(dataDir, "priv_validator_state.json"));
      validatorAddress = pv.address;
      validatorPubKey = pv.publicKey;
      const host = await P2PHost.create(
        {
          chainId: genesis.chainId,
          laddr: opts.p2p.laddr,
          persistentPeers: opts.p2p.persistentPeers,
          seeds: opts.p2p.seeds,
          ...(opts.p2p.maxPeers !== undefined ? { maxPeers: opts.p2p.maxPeers } : {}),
        },
        // TEST ONLY: OPENLEDGER_TEST_PARTITION_FILE (p2p/testFaults.ts); inert when unset
        { nodeKey, logger: log, metrics: metrics?.p2p ?? null, testFaults: TestFaults.fromEnv(process.env, genesis.chainId, log) },
      );
      const mempoolReactor = new MempoolReactor({ maxTxBytes: opts.mempool.maxTxBytes, syncing: true }, { host, pool: mempool, logger: log });
      mempoolView = mempoolReactor;
      const blobExchange = new BlobExchange({}, { host, store: blobs.store, logger: log });
      blobs.setExchange(blobExchange);
      let driver!: ConsensusDriver;
      const evidence = new EvidencePool({ dir: join(dataDir, "evidence") }, {
        blockStore,
        stateStore,
        getState: () => (driver.isRunning ? driver.state() : syncedState),
        logger: log.child({ module: "evidence" }),
      });
      evidence.restore(state);
      if (metrics !== null) {
        metrics.consensus.bindEvidence(() => ({ pending: evidence.pendingList().length, forks: evidence.forksDetected, lightClientAttacks: evidence.lightClientAttacksBuilt }));
      }
      // TEST ONLY: OPENLEDGER_TEST_BYZANTINE=double-sign makes this validator equivocate (byzantine
      // e2e tests, test/e2e/bftByzantine.test.ts). Off unless set; never set it on a real network.
      const byzantine = process.env["OPENLEDGER_TEST_BYZANTINE"];
      if (byzantine !== undefined && byzantine !== "" && byzantine !== "double-sign") throw new Error(`OPENLEDGER_TEST_BYZANTINE: unknown mode "${byzantine}" (double-sign)`);
      const byzantineSignVote =
        byzantine === "double-sign" && pv instanceof FilePV
          ? (chainId: string, vote: Vote): Vote => ({ ...vote, signature: signEd25519(pv.key, voteSignBytes(chainId, vote)), extensionSignature: EMPTY })
          : undefined;
      if (byzantine === "double-sign") {
        log.fatal("OPENLEDGER_TEST_BYZANTINE=double-sign: TEST-ONLY BYZANTINE MODE, this validator WILL DOUBLE-SIGN prevotes and be slashed");
      }
      // TEST ONLY: OPENLEDGER_TEST_CLOCK_OFFSET_MS / _PATTERN skew this validator's consensus clock (util/testEnv.ts, S14)
      const testNow = testClock(process.env, genesis.chainId, log);
      driver = new ConsensusDriver(
        { walPath: join(dataDir, "cs.wal", "wal"), timeouts, ...(byzantineSignVote !== undefined ? { byzantine: "double-sign" as const } : {}) },
        {
          executor,
          app: appConn,
          blockStore,
          db,
          privValidator: pv,
          evidence,
          logger: log.child({ module: "consensus" }),
          onHalt,
          metrics: metrics?.consensus ?? null,
          ...(byzantineSignVote !== undefined ? { byzantineSignVote } : {}),
          ...(crashHooks !== undefined ? { crashPoint: crashHooks.crashPoint } : {}),
          ...(testNow !== undefined ? { now: testNow } : {}),
        },
        state,
      );
      const reactor = new ConsensusReactor({ ...opts.consensus.gossip }, { host, driver, blockStore, evidence, logger: log });
      // CometBFT's consensus events (NewRoundStep, NewRound, Vote, …) for WebSocket subscribers
      attachConsensusEvents(driver, events);
      const me = state.validators.find((v) => equal(v.address, pv.address));
      const alone = me !== undefined && me.votingPower * 3n > totalVotingPower(state.validators) * 2n;
      const syncFirst = (opts.consensus.blockSync ?? true) && !alone;
      /** CometBFT double_sign_check_height, once caught up: our key in a recent commit → refuse to sign. */
      const doubleSignCheck = () => {
        const look = opts.consensus.doubleSignCheckHeight ?? 0;
        if (look > 0 && syncedState.validators.some((v) => equal(v.address, pv.address))) checkDoubleSignRisk(blockStore, pv.address, look);
      };
      const switchToConsensus = () => {
        try {
          doubleSignCheck();
        } catch (e: unknown) {
          log.fatal({ module: "consensus", err: e }, "refusing to start consensus");
          onHalt(e);
          return;
        }
        mempoolReactor.setSyncing(false);
        driver.setState(syncedState);
        reactor.switchToConsensus().catch((e: unknown) => onHalt(e));
      };
      const blockSync = new BlockSyncReactor(
        { syncing: syncFirst, startupGraceMs: opts.consensus.blockSyncGraceMs ?? 3000, testLieHeight: testLieHeight(process.env, genesis.chainId, log) },
        {
          host,
          store: blockStore,
          height: () => (driver.isRunning ? driver.state().lastBlockHeight : syncedState.lastBlockHeight),
          initialHeight: genesis.initialHeight,
          verifyAndApply: (() => {
            const inner = makeVerifyAndApply({
              executor,
              blockStore,
              db,
              getState: () => syncedState,
              setState: (s) => (syncedState = s),
            });
            return (block, nextCommit, ext) => {
              // a synced block of another branch (its last commit names another block than ours): fork
              // forensics before the verification refuses it (evidence pool; never throws into sync)
              try {
                evidence.checkBlockForFork(block, `last commit of block ${block.header.height} from block sync`, "block sync");
              } catch (e: unknown) {
                log.warn({ module: "evidence", err: e }, "fork check failed");
              }
              return inner(block, nextCommit, ext);
            };
          })(),
          onCaughtUp: switchToConsensus,
          onHalt,
          logger: log,
        },
      );
      bft = { host, driver, reactor, blockSync, evidence, mempoolReactor, blobExchange };
      current = () => (driver.isRunning ? driver.state() : syncedState);
      // the machine's round state once consensus started (kept after a halt or stop); before that, while
      // block syncing: NewHeight of the synced height (CometBFT's consensus State as updateToState left
      // it; start time = start + timeout_commit)
      const syncStart = msToTimestamp(Date.now() + timeouts.commitMs);
      consensusView = {
        roundState: () =>
          driver.sm.dump() ??
          chainRoundState(syncedState, storedLastCommit(blockStore, syncedState.lastBlockHeight), { round: 0, step: "newHeight", startTime: syncStart, commitTime: undefined }, timeouts),
        peers: () => reactor.peerDumps(),
      };
      startEngine = async () => {
        await host.start();
        closers.push({ name: "p2p host", fn: () => host.stop() });
        blockSync.start();
        closers.push({ name: "block sync", fn: () => blockSync.stop() });
        closers.push({
          name: "consensus reactor",
          fn: () => {
            log.info({ consensus: { ...reactor.stats, duplicatesSkipped: driver.duplicatesSkipped }, mempool: mempoolReactor.stats, pool: { ...mempool.stats, recheckMs: Math.round(mempool.stats.recheckMs), recheckMemo: deps.app.recheckMemoStats } }, "gossip stats since start");
            reactor.stop();
            mempoolReactor.close();
          },
        });
        closers.push({ name: "consensus driver", fn: () => driver.stop() });
        if (!syncFirst) {
          doubleSignCheck(); // refuses to start (startNode rejects) when it trips
          switchToConsensus();
        }
      };
    }

    const env: RpcEnv = {
      nodeInfo: {
        id: nodeId,
        listenAddr: opts.p2p.laddr,
        network: genesis.chainId,
        moniker: opts.moniker,
        rpcAddress: opts.rpc.laddr === "" ? "" : `tcp://${opts.rpc.laddr.replace(/^tcp:\/\//, "")}`,
      },
      genesis,
      genesisJson: deps.genesisJson,
      blockStore,
      state: stateStore,
      txIndex,
      mempool: durableMempoolView(mempoolView, mempoolWal, () => mempool.entries().map((e) => e.tx)),
      events,
      app: { query: (req) => appConn.query(req), info: () => appConn.info() },
      validatorInfo: {
        address: validatorAddress,
        pubKey: validatorPubKey,
        get votingPower() {
          return current().validators.find((v) => equal(v.address, validatorAddress))?.votingPower ?? 0n;
        },
      },
      catchingUp: () => bft?.blockSync.isSyncing ?? false,
      ...(bft !== undefined ? { evidence: { pending: () => bft!.evidence.pendingList(), forks: () => bft!.evidence.forks, add: (ev) => bft!.evidence.addFromClient(ev) } } : {}),
      consensus: consensusView,
      peers: () => bft?.host.peers().map((p) => ({ id: p.id, address: p.address })) ?? [],
      blobs,
    };

    let rpc: RpcServer | undefined;
    let rpcPort = 0;
    if (opts.rpc.laddr !== "") {
      rpc = createRpcServer(env, {
        laddr: opts.rpc.laddr,
        corsAllowedOrigins: opts.rpc.corsAllowedOrigins,
        maxBodyBytes: opts.rpc.maxBodyBytes,
        maxSubscriptionsPerClient: opts.rpc.maxSubscriptionsPerClient,
        timeoutBroadcastTxCommitMs: opts.rpc.timeoutBroadcastTxCommitMs,
        logger: log.child({ module: "rpc" }),
      });
      const addr = await rpc.listen();
      rpcPort = addr.port;
      const server = rpc;
      closers.push({ name: "rpc", fn: () => server.close() });
      log.info({ module: "rpc", host: addr.host, port: addr.port }, "JSON-RPC listening");
    }

    let restPort = 0;
    // one REST handler set: served on api.laddr when enabled, and reused in-process by gRPC
    const rest = createRestServer(env, {
      laddr: opts.api?.laddr ?? "127.0.0.1:0",
      maxBodyBytes: opts.rpc.maxBodyBytes,
      logger: log.child({ module: "rest" }),
      minGasPrices: opts.app.minimumGasPrices,
      extraGet: restExtras(env),
    });
    if (opts.api?.enable === true && opts.api.laddr !== "") {
      const addr = await rest.listen();
      restPort = addr.port;
      closers.push({ name: "rest", fn: () => rest.close() });
      log.info({ module: "rest", host: addr.host, port: addr.port }, "Cosmos REST listening");
    }

    let grpcPort = 0;
    if (opts.grpc?.enable === true && opts.grpc.laddr !== "") {
      // loaded only when served: @grpc/grpc-js and the descriptor set are not needed otherwise
      const { createGrpcServer } = await import("./grpc/server.ts");
      const g = createGrpcServer(env, rest, { laddr: opts.grpc.laddr, logger: log });
      const addr = await g.listen();
      grpcPort = addr.port;
      closers.push({ name: "grpc", fn: () => g.close() });
      log.info({ module: "grpc", host: addr.host, port: addr.port, services: g.services().length }, "gRPC listening");
    }

    let metricsPort = 0;
    if (metrics !== null && opts.instrumentation.laddr !== "") {
      metrics.consensus.height.set(Number(state.lastBlockHeight));
      metrics.consensus.bindHeight(() => blockStore.height());
      const srv = createMetricsServer(metrics.register, { laddr: opts.instrumentation.laddr, logger: log.child({ module: "metrics" }) });
      const addr = await srv.listen();
      metricsPort = addr.port;
      closers.push({ name: "metrics", fn: () => srv.close() });
      log.info({ module: "metrics", host: addr.host, port: addr.port }, "Prometheus metrics listening");
    }

    await startEngine();
    log.info(
      {
        module: "node",
        chainId: genesis.chainId,
        engine,
        height: state.lastBlockHeight.toString(),
        appHash: toHex(state.appHash).toUpperCase(),
        validator: toHex(validatorAddress).toUpperCase(),
        ...(bft !== undefined ? { nodeId, listen: bft.host.listenAddresses() } : {}),
      },
      "node started",
    );

    let stopping: Promise<void> | undefined;
    return {
      rpcPort,
      restPort,
      grpcPort,
      metricsPort,
      metrics,
      height: () => current().lastBlockHeight,
      state: () => current(),
      halted,
      env,
      engine,
      blobs,
      ...(bft !== undefined ? { bft } : {}),
      stop() {
        stopping ??= (async () => {
          log.info({ module: "node", height: current().lastBlockHeight.toString() }, "stopping node");
          await closeAll();
          log.info({ module: "node" }, "node stopped");
        })();
        return stopping;
      },
    };
  } catch (e: unknown) {
    await closeAll();
    throw e;
  }
}

/**
 * the app with FinalizeBlock timed and its events counted for the chain metrics (apis: node/metrics/chain.ts);
 * the PoA time per block comes from the node's phase timer, which the app's FinalizeBlock contexts carry
 * and the attribution keeper marks (node/metrics/phases.ts).
 */
function timedFinalize(app: Application, m: ChainMetrics): Application {
  const phases = createPhaseTimer();
  app.setPhaseTracer?.(phases.tracer);
  return new Proxy(app, {
    get(target, prop, recv) {
      if (prop !== "finalizeBlock") {
        const v = Reflect.get(target, prop, recv) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      }
      return async (req: Parameters<Application["finalizeBlock"]>[0]) => {
        phases.take();
        const t0 = process.hrtime.bigint();
        const res = await target.finalizeBlock(req);
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        const took = phases.take();
        observeFinalizeBlock(m, res, seconds, took.get(POA_PHASE)?.seconds, took.get(POA_INDEX_PHASE)?.seconds);
        return res;
      };
    },
  });
}
