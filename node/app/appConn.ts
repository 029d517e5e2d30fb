/**
 * AppConn: the node's only handle on the Application. Every call goes through one TaskQueue, so no two
 * calls overlap at an await (a CheckTx never interleaves with FinalizeBlock or Commit: STYLE §7.5).
 * Consensus calls (and RECHECK, which runs while the mempool is locked after Commit) take the high lane;
 * CheckTx NEW, Info and Query take the low lane and never delay a waiting consensus call by more than
 * the one call in flight.
 */
import type {
  Application,
  CheckTxRequest,
  CheckTxResponse,
  CommitResponse,
  ExtendVoteRequest,
  ExtendVoteResponse,
  FinalizeBlockRequest,
  FinalizeBlockResponse,
  InfoRequest,
  InfoResponse,
  InitChainRequest,
  InitChainResponse,
  PrepareProposalRequest,
  PrepareProposalResponse,
  ProcessProposalRequest,
  ProcessProposalResponse,
  QueryRequest,
  QueryResponse,
  VerifyVoteExtensionRequest,
  VerifyVoteExtensionResponse,
} from "../../modules/core/abci.ts";
import { TaskQueue } from "../util/taskQueue.ts";

/** what the mempool needs. */
export interface MempoolAppConn {
  checkTx(req: CheckTxRequest): Promise<CheckTxResponse>;
}

/** what the RPC needs. */
export interface QueryAppConn {
  info(req?: InfoRequest): Promise<InfoResponse>;
  query(req: QueryRequest): Promise<QueryResponse>;
}

/** what consensus, execution and the handshake need. */
export interface ConsensusAppConn extends QueryAppConn {
  initChain(req: InitChainRequest): Promise<InitChainResponse>;
  prepareProposal(req: PrepareProposalRequest): Promise<PrepareProposalResponse>;
  processProposal(req: ProcessProposalRequest): Promise<ProcessProposalResponse>;
  extendVote(req: ExtendVoteRequest): Promise<ExtendVoteResponse>;
  verifyVoteExtension(req: VerifyVoteExtensionRequest): Promise<VerifyVoteExtensionResponse>;
  finalizeBlock(req: FinalizeBlockRequest): Promise<FinalizeBlockResponse>;
  commit(): Promise<CommitResponse>;
}

export const NODE_VERSION = "0.1.0";
/** CometBFT block protocol version (0.38). */
export const BLOCK_PROTOCOL = 11n;

export const DEFAULT_INFO_REQUEST: InfoRequest = {
  version: "0.38.17",
  blockVersion: BLOCK_PROTOCOL,
  p2pVersion: 8n,
  abciVersion: "2.0.0",
};

export class AppConn implements ConsensusAppConn, MempoolAppConn {
  private readonly app: Application;
  private readonly queue = new TaskQueue();
  private closed = false;

  constructor(app: Application) {
    this.app = app;
  }

  /** calls waiting behind the one in flight. */
  get pending(): number {
    return this.queue.pending;
  }

  private call<T>(lane: "high" | "low", name: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`app connection closed (${name})`));
    return this.queue.push(lane, fn);
  }

  info(req: InfoRequest = DEFAULT_INFO_REQUEST): Promise<InfoResponse> {
    return this.call("low", "info", () => this.app.info(req));
  }

  query(req: QueryRequest): Promise<QueryResponse> {
    return this.call("low", "query", () => this.app.query(req));
  }

  checkTx(req: CheckTxRequest): Promise<CheckTxResponse> {
    return this.call(req.type === "recheck" ? "high" : "low", "checkTx", () => this.app.checkTx(req));
  }

  initChain(req: InitChainRequest): Promise<InitChainResponse> {
    return this.call("high", "initChain", () => this.app.initChain(req));
  }

  prepareProposal(req: PrepareProposalRequest): Promise<PrepareProposalResponse> {
    return this.call("high", "prepareProposal", () => this.app.prepareProposal(req));
  }

  processProposal(req: ProcessProposalRequest): Promise<ProcessProposalResponse> {
    return this.call("high", "processProposal", () => this.app.processProposal(req));
  }

  extendVote(req: ExtendVoteRequest): Promise<ExtendVoteResponse> {
    return this.call("high", "extendVote", () => this.app.extendVote(req));
  }

  verifyVoteExtension(req: VerifyVoteExtensionRequest): Promise<VerifyVoteExtensionResponse> {
    return this.call("high", "verifyVoteExtension", () => this.app.verifyVoteExtension(req));
  }

  finalizeBlock(req: FinalizeBlockRequest): Promise<FinalizeBlockResponse> {
    return this.call("high", "finalizeBlock", () => this.app.finalizeBlock(req));
  }

  commit(): Promise<CommitResponse> {
    return this.call("high", "commit", () => this.app.commit());
  }

  /** refuses new calls, waits for the queued ones, then (unless closeApp is false) closes the app. */
  async close(opts: { closeApp?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    const last = this.queue.push("low", async () => {});
    this.closed = true;
    await last;
    if (opts.closeApp !== false) await this.app.close();
  }
}
