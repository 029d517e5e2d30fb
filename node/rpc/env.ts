/**
 * What the RPC servers may read and call: narrow consumer-side interfaces (CometBFT rpc/core/env.go).
 * node/node.ts builds an RpcEnv from the concrete components; RPC tests build fakes.
 */
import type {
  AbciEvent,
  Bytes,
  CheckTxResponse,
  ConsensusParams,
  ExecTxResult,
  FinalizeBlockResponse,
  InfoResponse,
  QueryRequest,
  QueryResponse,
} from "../../modules/core/abci.ts";
import type { Block, BlockMeta, Commit, Validator } from "../types/block.ts";
import type { PeerRoundStateDump } from "../consensus/reactor.ts";
import type { RoundStateDump } from "../consensus/state.ts";
import type { GenesisDoc } from "../types/genesis.ts";

export interface BlockStoreReader {
  /** lowest stored height (0 when empty). */
  base(): bigint;
  /** highest stored height (0 when empty). */
  height(): bigint;
  loadBlock(height: bigint): Block | undefined;
  loadBlockByHash(hash: Bytes): Block | undefined;
  loadBlockMeta(height: bigint): BlockMeta | undefined;
  /** the canonical commit for `height` (from block height+1's last_commit, else the seen commit). */
  loadCommit(height: bigint): { commit: Commit; canonical: boolean } | undefined;
}

export interface StateReader {
  /** validator set that signs block `height` (undefined when unknown). */
  loadValidators(height: bigint): Validator[] | undefined;
  loadConsensusParams(height: bigint): ConsensusParams | undefined;
  loadFinalizeBlockResponse(height: bigint): FinalizeBlockResponse | undefined;
}

/** one indexed tx (CometBFT abci.TxResult). */
export interface TxRecord {
  height: bigint;
  index: number;
  tx: Bytes;
  /** SHA-256 of tx. */
  hash: Bytes;
  result: ExecTxResult;
}

export interface TxSearchOptions {
  page: number;
  perPage: number;
  orderBy: "asc" | "desc";
}

export interface TxIndexReader {
  getByHash(hash: Bytes): TxRecord | undefined;
  /** `query` in the CometBFT pubsub grammar (tx.hash, tx.height, type.key=value, AND, <, <=, >, >=, CONTAINS, EXISTS). */
  search(query: string, opts: TxSearchOptions): Promise<{ total: number; txs: TxRecord[] }>;
}

/**
 * What CometBFT answers (JSON-RPC -32603, data) when a broadcast tx is already in the mempool cache.
 * MempoolView.checkAndAdd signals that case by rejecting with an Error whose `code` is "TX_IN_CACHE"
 * (or whose message contains this text); the RPC server maps it to this exact error.
 */
export const ERR_TX_IN_CACHE = "tx already exists in cache";

export interface MempoolView {
  /**
   * CheckTx then admission; never throws for app-level rejection (code != 0 in the response).
   * Rejects with {code: "TX_IN_CACHE"} for a tx already seen (ERR_TX_IN_CACHE); any other rejection
   * (mempool full, tx too large) becomes a JSON-RPC -32603 whose data is the error's message.
   */
  checkAndAdd(tx: Bytes): Promise<CheckTxResponse>;
  /** CheckTx only, nothing added. */
  checkOnly(tx: Bytes): Promise<CheckTxResponse>;
  size(): number;
  sizeBytes(): number;
  reap(limit: number): Bytes[];
}

/** CometBFT event data pushed to WebSocket subscribers (state/execution.go fireEvents, in its order). */
export type BusEvent =
  | { type: "NewBlock"; block: Block; blockId: import("../types/block.ts").BlockID; result: FinalizeBlockResponse }
  | { type: "NewBlockHeader"; block: Block }
  /** CometBFT 0.38: the block's own FinalizeBlock events and its tx count. */
  | { type: "NewBlockEvents"; height: bigint; events: AbciEvent[]; numTxs: number }
  /** one per evidence item of a committed block. */
  | { type: "NewEvidence"; height: bigint; evidence: import("../types/block.ts").Evidence }
  | { type: "Tx"; tx: TxRecord }
  /** the block's validator updates (only when there are some). */
  | { type: "ValidatorSetUpdates"; updates: import("../../modules/core/abci.ts").ValidatorUpdate[] }
  /**
   * consensus (BFT nodes; node/rpc/consensusEvents.ts): CometBFT's EventDataRoundState events (the step as
   * CometBFT names it, e.g. "RoundStepPropose"), NewRound (with the round's proposer), CompleteProposal
   * and Vote.
   */
  | { type: ConsensusRoundStateEvent; height: bigint; round: number; step: string }
  | { type: "NewRound"; height: bigint; round: number; step: string; proposer: { address: Bytes; index: number } }
  | { type: "CompleteProposal"; height: bigint; round: number; step: string; blockId: import("../types/block.ts").BlockID }
  | { type: "Vote"; vote: import("../types/block.ts").Vote };

/** the consensus events whose data is CometBFT's EventDataRoundState {height, round, step}. */
export type ConsensusRoundStateEvent = "NewRoundStep" | "Polka" | "Lock" | "Relock" | "ValidBlock" | "TimeoutPropose" | "TimeoutWait";

export interface EventBusView {
  /** listener receives every event; returns an unsubscribe function. */
  on(listener: (ev: BusEvent) => void): () => void;
}

export interface NodeInfoView {
  /** libp2p/cometbft node id (hex). */
  id: string;
  listenAddr: string;
  network: string;
  moniker: string;
  rpcAddress: string;
}

/** the node's datanet payload store (node/blobstore): content-addressed by SHA-256 (lowercase hex). */
export interface BlobView {
  readonly maxBytes: number;
  /** stores the bytes and returns their hash. */
  put(bytes: Bytes): Promise<string>;
  /** the verified bytes: local, else fetched from peers; undefined when nobody has them. */
  get(hash: string): Promise<Bytes | undefined>;
}

export interface RpcEnv {
  nodeInfo: NodeInfoView;
  genesis: GenesisDoc;
  /** the genesis file exactly as on disk (JSON text), served by the `genesis` method. */
  genesisJson: string;
  blockStore: BlockStoreReader;
  state: StateReader;
  txIndex: TxIndexReader;
  mempool: MempoolView;
  events: EventBusView;
  app: {
    query(req: QueryRequest): Promise<QueryResponse>;
    info(): Promise<InfoResponse>;
  };
  validatorInfo: { address: Bytes; pubKey: Bytes; votingPower: bigint };
  catchingUp(): boolean;
  /** peers for net_info (empty on a single validator). */
  peers(): { id: string; address: string }[];
  /** events of the finalize-block itself (begin/end) for block_results. */
  blockEvents?(height: bigint): AbciEvent[];
  /** datanet payloads (blob_put / blob_get); absent: those methods answer an error. */
  blobs?: BlobView;
  /** the BFT evidence pool (pending_evidence); absent on a single validator. */
  evidence?: EvidenceView;
  /**
   * the round state (consensus_state, dump_consensus_state): the BFT consensus machine and reactor, the
   * single-validator producer's progress, or a block-syncing node's NewHeight (node/consensus/chainRoundState.ts).
   * node/node.ts always sets it; absent (tests' fake env): those methods answer an error.
   */
  consensus?: ConsensusView;
}

/** what `consensus_state` / `dump_consensus_state` show (node/consensus state.ts, reactor.ts). */
export interface ConsensusView {
  /** undefined: no round state to show (those methods answer an error). */
  roundState(): RoundStateDump | undefined;
  /** the reactor's per-peer round states. */
  peers(): PeerRoundStateDump[];
}

/** what `pending_evidence` shows (node/consensus/evidencePool.ts). */
export interface EvidenceView {
  /** verified evidence not yet committed (tendermint.types DuplicateVoteEvidence / LightClientAttackEvidence bytes). */
  pending(): (Bytes | { type: "duplicate_vote" | "light_client_attack"; raw: Bytes })[];
  /** conflicting commits met since start (forks). */
  forks(): { height: bigint; ourBlock: string; theirBlock: string; source: string; evidence: number }[];
  /** broadcast_evidence: verify and add (CometBFT Pool.AddEvidence); throws an Error with the reason when refused. */
  add?(ev: { type: "duplicate_vote" | "light_client_attack"; raw: Bytes }): void;
}
