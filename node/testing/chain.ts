/**
 * A whole single-validator chain in memory for node tests: NodeDb over a MemoryBackend, fake block and
 * state stores, the real TxIndex, EventBus, TxPool, AppConn, BlockExecutor, handshake and producer,
 * driving any Application (KvApp by default). Reopen over the same backends to simulate a restart.
 */
import type { Application, ConsensusParams } from "../../modules/core/abci.ts";
import { MemoryBackend } from "../../modules/core/store/memory.ts";
import type { KvBackend } from "../../modules/core/store/types.ts";
import { AppConn } from "../app/appConn.ts";
import { handshake } from "../app/handshake.ts";
import { BlockExecutor } from "../execution/blockExecutor.ts";
import { SingleValidatorProducer, type ProducerOptions } from "../execution/producer.ts";
import type { FailPointHook } from "../execution/types.ts";
import { TxPool, type TxPoolOptions } from "../mempool/txPool.ts";
import type { BusEvent } from "../rpc/env.ts";
import { BUCKET } from "../storage/buckets.ts";
import { BlockStore } from "../storage/blockStore.ts";
import { NodeDb } from "../storage/db.ts";
import { StateStore } from "../storage/stateStore.ts";
import type { ChainState } from "../storage/types.ts";
import { TxIndex } from "../storage/txIndex.ts";
import type { GenesisDoc } from "../types/genesis.ts";
import { EventBus } from "../util/eventBus.ts";
import { silentLogger } from "../util/logger.ts";
import { KvApp } from "./kvApp.ts";
import { MemBlockStore, MemPV, MemStateStore } from "./memStores.ts";

export const TEST_CHAIN_ID = "test-chain-1";

export function testConsensusParams(voteExtensionsEnableHeight = 0n): ConsensusParams {
  return {
    block: { maxBytes: 4_194_304n, maxGas: -1n },
    evidence: { maxAgeNumBlocks: 100_000n, maxAgeDurationNs: 172_800_000_000_000n, maxBytes: 1_048_576n },
    validator: { pubKeyTypes: ["ed25519"] },
    version: { app: 0n },
    abci: { voteExtensionsEnableHeight },
  };
}

export function testGenesis(pv: MemPV, o: { initialHeight?: bigint; voteExtensionsEnableHeight?: bigint; appState?: Record<string, unknown> } = {}): GenesisDoc {
  return {
    genesisTime: { seconds: 1_700_000_000n, nanos: 123_000_000 },
    chainId: TEST_CHAIN_ID,
    initialHeight: o.initialHeight ?? 1n,
    consensusParams: testConsensusParams(o.voteExtensionsEnableHeight ?? 0n),
    validators: [{ address: pv.address, pubKey: { type: "ed25519", value: pv.pubKey }, power: 10n, name: "val0" }],
    appHash: new Uint8Array(0),
    appState: o.appState ?? { genesis: "yes" },
  };
}

export const TEST_MEMPOOL: TxPoolOptions = {
  maxTxs: 5000,
  maxTxsBytes: 1 << 24,
  maxTxBytes: 1 << 16,
  maxTxsPerSender: 100,
  cacheSize: 10_000,
  recheck: true,
};

export interface TestChain {
  nodeBackend: KvBackend;
  app: Application;
  appConn: AppConn;
  db: NodeDb;
  blockStore: BlockStore | MemBlockStore;
  stateStore: StateStore | MemStateStore;
  txIndex: TxIndex;
  events: EventBus;
  published: BusEvent[];
  mempool: TxPool;
  executor: BlockExecutor;
  producer: SingleValidatorProducer;
  pv: MemPV;
  genesis: GenesisDoc;
  state(): ChainState;
}

export async function openTestChain(o: {
  nodeBackend?: KvBackend;
  app?: Application;
  pv?: MemPV;
  genesis?: GenesisDoc;
  failPoint?: FailPointHook;
  producer?: Partial<ProducerOptions>;
  mempool?: Partial<TxPoolOptions>;
  onHalt?: (e: unknown) => void;
  /** "real": node/storage's BlockStore and StateStore (default); "mem": the v8-serialising fakes. */
  stores?: "real" | "mem";
} = {}): Promise<TestChain> {
  const nodeBackend = o.nodeBackend ?? new MemoryBackend();
  const app = o.app ?? new KvApp();
  const pv = o.pv ?? new MemPV();
  const genesis = o.genesis ?? testGenesis(pv);
  const logger = silentLogger();
  const db = new NodeDb(nodeBackend);
  const real = (o.stores ?? "real") === "real";
  const blockStore = real ? new BlockStore(db) : new MemBlockStore(db);
  const stateStore = real ? new StateStore(db) : new MemStateStore(db);
  const txIndex = stateStore instanceof StateStore ? new TxIndex(db.bucket(BUCKET.txIndex), (h, i) => stateStore.loadTxResult(h, i)) : new TxIndex(db.bucket(BUCKET.txIndex));
  const events = new EventBus();
  const published: BusEvent[] = [];
  events.on((ev) => published.push(ev));
  const appConn = new AppConn(app);
  const mempool = new TxPool({ ...TEST_MEMPOOL, ...o.mempool }, { app: appConn, logger });
  const executor = new BlockExecutor({
    app: appConn,
    db,
    blockStore,
    stateStore,
    txIndex,
    mempool,
    events,
    logger,
    ...(o.failPoint !== undefined ? { failPoint: o.failPoint } : {}),
  });
  const state = await handshake({ app: appConn, blockStore, stateStore, db, executor, genesis, logger });
  const producer = new SingleValidatorProducer(
    { blockIntervalMs: 10, createEmptyBlocks: true, ...o.producer },
    {
      executor,
      app: appConn,
      blockStore,
      db,
      mempool,
      signer: pv,
      logger,
      ...(o.onHalt !== undefined ? { onHalt: o.onHalt } : {}),
    },
    state,
  );
  return {
    nodeBackend,
    app,
    appConn,
    db,
    blockStore,
    stateStore,
    txIndex,
    events,
    published,
    mempool,
    executor,
    producer,
    pv,
    genesis,
    state: () => producer.state(),
  };
}

/** thrown by failPoint hooks to simulate a crash at a point of the commit sequence. */
export class SimulatedCrash extends Error {
  constructor(point: string, height: bigint) {
    super(`simulated crash at ${point} of height ${height}`);
    this.name = "SimulatedCrash";
  }
}
