/**
 * The Application boundary (ABCI++ surface, CometBFT 0.38 semantics), in TypeScript types.
 * `node/` sees the state machine only through `Application`; `modules/runtime` implements it.
 * All 64-bit integers are bigint; all byte strings are Uint8Array; times are protobuf Timestamps.
 */

export type Bytes = Uint8Array;

export interface Timestamp {
  seconds: bigint;
  nanos: number;
}

export interface EventAttribute {
  key: string;
  value: string;
  index: boolean;
}

export interface AbciEvent {
  type: string;
  attributes: EventAttribute[];
}

/** Deterministic per-tx result; only code, data, gasWanted and gasUsed are hashed (last_results_hash). */
export interface ExecTxResult {
  code: number;
  data: Bytes;
  log: string;
  info: string;
  gasWanted: bigint;
  gasUsed: bigint;
  events: AbciEvent[];
  codespace: string;
}

export type CheckTxType = "new" | "recheck";

export interface CheckTxRequest {
  tx: Bytes;
  type: CheckTxType;
}

export interface CheckTxResponse extends ExecTxResult {
  /** bech32 address of the first signer ("" when undecodable): mempool per-sender limits and ordering. */
  sender: string;
  /** the signer's sequence used by this tx (mempool orders a sender's txs by it). */
  sequence: bigint;
  /** higher first when the proposer reaps (fee per gas, scaled); 0 when unknown. */
  priority: bigint;
}

export type PubKeyType = "ed25519" | "secp256k1";

export interface PubKey {
  type: PubKeyType;
  bytes: Bytes;
}

export interface ValidatorUpdate {
  pubKey: PubKey;
  /** 0 removes the validator. */
  power: bigint;
}

export interface ConsensusParams {
  block: { maxBytes: bigint; maxGas: bigint };
  evidence: { maxAgeNumBlocks: bigint; maxAgeDurationNs: bigint; maxBytes: bigint };
  validator: { pubKeyTypes: string[] };
  version: { app: bigint };
  abci: { voteExtensionsEnableHeight: bigint };
}

export interface InitChainRequest {
  time: Timestamp;
  chainId: string;
  consensusParams: ConsensusParams;
  validators: ValidatorUpdate[];
  /** the genesis `app_state` as JSON text (UTF-8 bytes). */
  appStateBytes: Bytes;
  initialHeight: bigint;
}

export interface InitChainResponse {
  consensusParams: ConsensusParams | null;
  /** when non-empty, replaces the genesis validator set. */
  validators: ValidatorUpdate[];
  appHash: Bytes;
}

export interface InfoRequest {
  version: string;
  blockVersion: bigint;
  p2pVersion: bigint;
  abciVersion: string;
}

export interface InfoResponse {
  data: string;
  version: string;
  appVersion: bigint;
  lastBlockHeight: bigint;
  lastBlockAppHash: Bytes;
}

export const BlockIdFlag = { Unknown: 0, Absent: 1, Commit: 2, Nil: 3 } as const;
export type BlockIdFlag = (typeof BlockIdFlag)[keyof typeof BlockIdFlag];

export interface VoteInfo {
  validator: { address: Bytes; power: bigint };
  blockIdFlag: BlockIdFlag;
}

export interface ExtendedVoteInfo extends VoteInfo {
  voteExtension: Bytes;
  extensionSignature: Bytes;
}

export interface CommitInfo {
  round: number;
  votes: VoteInfo[];
}

export interface ExtendedCommitInfo {
  round: number;
  votes: ExtendedVoteInfo[];
}

export type MisbehaviorType = "duplicate_vote" | "light_client_attack";

export interface Misbehavior {
  type: MisbehaviorType;
  validator: { address: Bytes; power: bigint };
  height: bigint;
  time: Timestamp;
  totalVotingPower: bigint;
}

/** Fields shared by the requests that describe a block. */
export interface BlockInfo {
  txs: Bytes[];
  misbehavior: Misbehavior[];
  height: bigint;
  time: Timestamp;
  nextValidatorsHash: Bytes;
  proposerAddress: Bytes;
}

export interface PrepareProposalRequest extends BlockInfo {
  maxTxBytes: bigint;
  localLastCommit: ExtendedCommitInfo;
}

export interface PrepareProposalResponse {
  txs: Bytes[];
}

export interface ProcessProposalRequest extends BlockInfo {
  proposedLastCommit: CommitInfo;
  /** the header hash of the proposed block. */
  hash: Bytes;
}

export type ProposalStatus = "accept" | "reject";

export interface ProcessProposalResponse {
  status: ProposalStatus;
}

export interface ExtendVoteRequest extends BlockInfo {
  hash: Bytes;
  proposedLastCommit: CommitInfo;
}

export interface ExtendVoteResponse {
  voteExtension: Bytes;
}

export interface VerifyVoteExtensionRequest {
  hash: Bytes;
  validatorAddress: Bytes;
  height: bigint;
  voteExtension: Bytes;
}

export interface VerifyVoteExtensionResponse {
  status: ProposalStatus;
}

export interface FinalizeBlockRequest extends BlockInfo {
  decidedLastCommit: CommitInfo;
  hash: Bytes;
}

export interface FinalizeBlockResponse {
  events: AbciEvent[];
  txResults: ExecTxResult[];
  validatorUpdates: ValidatorUpdate[];
  consensusParamUpdates: ConsensusParams | null;
  appHash: Bytes;
}

export interface CommitResponse {
  retainHeight: bigint;
}

export interface QueryRequest {
  path: string;
  data: Bytes;
  /** 0 = latest committed. */
  height: bigint;
  prove: boolean;
}

export interface ProofOp {
  type: string;
  key: Bytes;
  data: Bytes;
}

export interface QueryResponse {
  code: number;
  log: string;
  info: string;
  index: bigint;
  key: Bytes;
  value: Bytes;
  proofOps: { ops: ProofOp[] } | null;
  height: bigint;
  codespace: string;
}

/**
 * The one interface between node/ and the state machine. The node serialises every call (one queue):
 * no call starts before the previous one settled. FinalizeBlock must not persist; Commit persists
 * atomically. CheckTx runs on a check state that Commit resets.
 */
/**
 * Where a block's time goes, for the node's metrics only (e.g. the PoA engine's time per block): the node
 * hands one to the runtime, which passes it to FinalizeBlock contexts (never check, simulate or queries).
 * Modules only mark where a phase starts and ends; nothing comes back, so no state or result can depend
 * on it, and the clock is read on the node's side (modules/ stays clock-free). Enter/exit pairs may nest.
 */
export interface PhaseTracer {
  enter(phase: string): void;
  exit(phase: string): void;
}

export interface Application {
  info(req: InfoRequest): Promise<InfoResponse>;
  initChain(req: InitChainRequest): Promise<InitChainResponse>;
  checkTx(req: CheckTxRequest): Promise<CheckTxResponse>;
  prepareProposal(req: PrepareProposalRequest): Promise<PrepareProposalResponse>;
  processProposal(req: ProcessProposalRequest): Promise<ProcessProposalResponse>;
  extendVote(req: ExtendVoteRequest): Promise<ExtendVoteResponse>;
  verifyVoteExtension(req: VerifyVoteExtensionRequest): Promise<VerifyVoteExtensionResponse>;
  finalizeBlock(req: FinalizeBlockRequest): Promise<FinalizeBlockResponse>;
  commit(): Promise<CommitResponse>;
  query(req: QueryRequest): Promise<QueryResponse>;
  /** releases the app's resources (its database handle). */
  close(): Promise<void>;
  /** node-side instrumentation (context.ts PhaseTracer): FinalizeBlock's modules mark phases on it; never state. */
  setPhaseTracer?(tracer: PhaseTracer | undefined): void;
  /** node-local: RECHECKs answered from the app's memo of earlier checks vs run in full (logs, benches). */
  readonly recheckMemoStats?: { readonly replayed: number; readonly full: number } | undefined;
}
