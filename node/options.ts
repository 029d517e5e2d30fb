/**
 * Node options (what config/config.toml and config/app.toml hold, after parsing by cli/config).
 * Defaults follow DESIGN.md's table. Durations are milliseconds.
 */
import type { ConsensusReactorOptions } from "./consensus/reactor.ts";
import type { TimeoutParams } from "./consensus/state.ts";

export interface NodeOptions {
  /** the node home (config/, data/). */
  home: string;
  moniker: string;
  chainId: string;
  rpc: {
    /** "127.0.0.1:26657"; "" disables the server. */
    laddr: string;
    corsAllowedOrigins: string[];
    maxBodyBytes: number;
    maxSubscriptionsPerClient: number;
    /** broadcast_tx_commit waits at most this long. */
    timeoutBroadcastTxCommitMs: number;
  };
  /** Cosmos REST (gRPC-gateway paths, app.toml [api]); absent = disabled. */
  api?: { enable: boolean; laddr: string };
  /** Cosmos gRPC (app.toml [grpc], every Query service, tx and tendermint Services, reflection); absent = disabled. */
  grpc?: { enable: boolean; laddr: string };
  p2p: {
    laddr: string;
    persistentPeers: string[];
    seeds: string[];
    /** peers besides persistent ones (default 50). */
    maxPeers?: number;
  };
  mempool: {
    maxTxs: number;
    maxTxsBytes: number;
    maxTxBytes: number;
    /** per-sender limit of pending txs. */
    maxTxsPerSender: number;
    cacheSize: number;
    recheck: boolean;
    /** answer a RECHECK from the tx's last check when the block changed nothing it read or wrote (modules/runtime/recheckMemo.ts); off by default (it measured slower). */
    recheckMemo: boolean;
  };
  consensus: {
    /** single-validator block interval (dev chain); BFT timeouts come with the consensus engine. */
    blockIntervalMs: number;
    /** produce blocks even when the mempool is empty. */
    createEmptyBlocks: boolean;
    /** ms a block may take to execute; caps its tx count by the measured per-tx cost (default 0: no cap). */
    blockExecBudgetMs?: number;
    /**
     * "auto" (default): Tendermint BFT over p2p when the genesis has more than one validator or p2p
     * persistent peers / seeds are configured, else the single-validator producer; or force either.
     */
    engine?: "auto" | "bft" | "single";
    /** BFT timeouts in ms (node/consensus/state.ts TimeoutParams); default CometBFT's, with the commit delay = blockIntervalMs. */
    timeouts?: Partial<TimeoutParams>;
    /** BFT: block sync before consensus (default true; skipped when this validator alone holds > 2/3 of the power). */
    blockSync?: boolean;
    /** BFT: how long block sync waits for peers' statuses before deciding it is caught up (default 3000). */
    blockSyncGraceMs?: number;
    /**
     * BFT validators: before signing, look this many stored blocks back (from the tip) for a commit
     * signature by this node's key and refuse to start if one is found (CometBFT
     * double_sign_check_height; 0 or absent: off).
     */
    doubleSignCheckHeight?: number;
    /** BFT: consensus gossip cadences (node/consensus/reactor.ts; tests), default DEFAULT_CONSENSUS_REACTOR_OPTIONS. */
    gossip?: Partial<Omit<ConsensusReactorOptions, "channels">>;
  };
  app: {
    /** "0.0025uopen" */
    minimumGasPrices: string;
    /** extra checks in the state machine after each block (slow; tests). */
    invariantCheckPeriod: number;
  };
  instrumentation: { prometheus: boolean; laddr: string };
  log: { level: string; format: "json" | "pretty" };
}

export const DEFAULT_NODE_OPTIONS: Omit<NodeOptions, "home" | "chainId"> = {
  moniker: "openledger",
  rpc: {
    laddr: "127.0.0.1:26657",
    corsAllowedOrigins: ["*"],
    maxBodyBytes: 2 * 1024 * 1024,
    maxSubscriptionsPerClient: 5,
    timeoutBroadcastTxCommitMs: 10_000,
  },
  api: { enable: false, laddr: "127.0.0.1:1317" },
  grpc: { enable: false, laddr: "127.0.0.1:9090" },
  p2p: { laddr: "127.0.0.1:26656", persistentPeers: [], seeds: [] },
  mempool: {
    maxTxs: 20_000,
    maxTxsBytes: 256 * 1024 * 1024,
    maxTxBytes: 1024 * 1024,
    maxTxsPerSender: 1_000,
    cacheSize: 10_000,
    recheck: true,
    recheckMemo: false,
  },
  consensus: {
    blockIntervalMs: 1000,
    createEmptyBlocks: true,
    // CometBFT's (consensus/state.ts DEFAULT_TIMEOUTS); the commit delay is blockIntervalMs
    timeouts: { proposeMs: 3000, proposeDeltaMs: 500, prevoteMs: 1000, prevoteDeltaMs: 500, precommitMs: 1000, precommitDeltaMs: 500, capMs: 60_000 },
    doubleSignCheckHeight: 0,
  },
  app: { minimumGasPrices: "0.0025uopen", invariantCheckPeriod: 0 },
  instrumentation: { prometheus: false, laddr: "127.0.0.1:26660" },
  log: { level: "info", format: "json" },
};
