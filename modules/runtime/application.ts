/**
 * The Application implementation (cosmos-sdk baseapp over ABCI++ 0.38 semantics): genesis, CheckTx on a
 * check state reset at every commit, FinalizeBlock over the store's working layer (never persisted),
 * Commit (one atomic store commit with meta), Info after restarts, proposals, vote extensions, queries.
 */
import { SimulateRequest, SimulateResponse } from "cosmjs-types/cosmos/tx/v1beta1/service";
import type {
  AbciEvent,
  Application,
  Bytes,
  CheckTxRequest,
  CheckTxResponse,
  CommitResponse,
  ConsensusParams,
  ExecTxResult,
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
  Timestamp,
  ValidatorUpdate,
  VerifyVoteExtensionRequest,
  VerifyVoteExtensionResponse,
} from "../core/abci.ts";
import { accAddressToString } from "../core/address.ts";
import { concat, equal, fromUtf8, readU64be, startsWith, toHex, toKeyString, u64be, utf8 } from "../core/bytes.ts";
import { type BlockHeader, type ExecMode, type PhaseTracer, type GenesisContext, type GenesisTxResult, EMPTY_TIME, createQueryContext, createWriteContext, namespacePrefix, namespacedKey } from "../core/context.ts";
import { type SigVerifier, nobleSigVerifier } from "../core/crypto.ts";
import { type DecCoin, parseDecCoins } from "../core/dec.ts";
import { AppError, ErrInvalidRequest, ErrTxDecode, ErrUnknownRequest, InvariantViolation, grpcError, toTxResult } from "../core/errors.ts";
import { EventManager } from "../core/events.ts";
import { type Logger, noopLogger } from "../core/logger.ts";
import { sha256 } from "../core/hash.ts";
import type { AppModule, VoteExtensionSet } from "../core/module.ts";
import {
  type CommitVerdicts,
  type Ed25519Verifier,
  MSG_COMMIT_VERDICTS_TYPE_URL,
  decodeCommitVerdictsTx,
  decodeVoteExtension,
  encodeCommitVerdictsTx,
  encodeVoteExtension,
  nobleEd25519Verifier,
  voteExtensionSignBytes,
} from "../core/voteExtension.ts";
import { DEFAULT_RUNTIME_PARAMS, RUNTIME_NAMESPACE, RUNTIME_PARAMS_KEY, type RuntimeParams, decodeRuntimeParams, encodeRuntimeParams, runtimeParamsFromJson, runtimeParamsToJson } from "../core/params.ts";
import { CacheKVStore } from "../core/store/cache.ts";
import type { CacheStore, CommitStore, IterateOptions, KV, KVStoreReader } from "../core/store/types.ts";
import type { AnteDecorator } from "../core/tx.ts";
import { consensusParamsFromJson, consensusParamsToJson } from "./consensusParams.ts";
import { createTxDecoder } from "./decode.ts";
import { type ModuleOrder, createModuleManager } from "./moduleManager.ts";
import { RecheckMemo, type RecheckMemoStats } from "./recheckMemo.ts";
import { type Routers, createRouters } from "./router.ts";
import { type TxEnv, runTx } from "./runTx.ts";
import { type CachedSigVerifier, createCachedSigVerifier } from "./sigCache.ts";

export const SIMULATE_PATH = "/cosmos.tx.v1beta1.Service/Simulate";
export const APP_VERSION_PATH = "/app/version";
export const APP_NAME = "openledgerd";
export const APP_SEMVER = "0.1.0";

/** meta keys written with every commit (not part of the tree). */
export const META = {
  lastHeight: utf8("last_height"),
  appHash: utf8("app_hash"),
  chainId: utf8("chain_id"),
  consensusParams: utf8("consensus_params"),
  lastBlockTime: utf8("last_block_time"),
} as const;

export interface CreateApplicationOptions {
  modules: readonly AppModule[];
  order: ModuleOrder;
  store: CommitStore;
  /** node-local minimum gas prices, e.g. "0.0025uopen" ("" accepts any fee). */
  minGasPrices: string;
  /** the ante chain after the runtime's own checks (auth's decorators), SDK HandlerOptions. */
  ante?: readonly AnteDecorator[];
  sigVerifier?: SigVerifier;
  /** checks the validators' vote-extension signatures (the node injects its ZIP-215 verifier). */
  ed25519Verifier?: Ed25519Verifier;
  logger?: Logger;
  appVersion?: bigint;
  /** include internal error details in logs of results (never in consensus: logs are not hashed). */
  debug?: boolean;
  /**
   * RECHECK answered from the tx's last check when nothing it read or wrote changed (recheckMemo.ts);
   * default false (measured slower: README "Recheck memo"). `recheckMemoIgnore`: store keys (latin1
   * key strings) outside every check's dependencies, e.g. the fee collector's balance.
   */
  recheckMemo?: boolean;
  recheckMemoIgnore?: (ks: string) => boolean;
}

export interface RuntimeApplication extends Application {
  /** rechecks answered from the memo and run in full (metrics, tests); undefined with the memo off. */
  readonly recheckMemoStats: RecheckMemoStats | undefined;
  /** runs every module invariant on the committed state; throws InvariantViolation. */
  checkInvariants(): Promise<void>;
  /** the app_state JSON of the committed state (modules in export order, plus "runtime"). */
  exportGenesis(): Promise<Record<string, unknown>>;
  /** the cached signature verifier (for metrics and tests). */
  readonly sigVerifier: CachedSigVerifier;
  setPhaseTracer(tracer: PhaseTracer | undefined): void;
}

const EMPTY = new Uint8Array(0);

/** runtime-namespace key of a consensus validator's ed25519 key by address (vote-extension checks). */
const VALIDATOR_PUBKEY_PREFIX = utf8("valpk/");
export function validatorPubKeyKey(address: Bytes): Bytes {
  return concat(VALIDATOR_PUBKEY_PREFIX, address);
}

const BLOCK_ID_FLAG_COMMIT = 2;

/** size of txs inside a block's Data (proto field 1, repeated bytes): what max_tx_bytes bounds. */
function protoTxSize(tx: Bytes): bigint {
  let l = tx.length;
  let v = 1;
  while (l >= 0x80) {
    l = Math.floor(l / 128);
    v++;
  }
  return BigInt(1 + v + tx.length);
}

function tsToBytes(t: Timestamp): Bytes {
  const out = new Uint8Array(12);
  const dv = new DataView(out.buffer);
  dv.setBigInt64(0, t.seconds);
  dv.setInt32(8, t.nanos);
  return out;
}

function tsFromBytes(b: Bytes | undefined): Timestamp {
  if (b === undefined || b.length !== 12) return EMPTY_TIME;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { seconds: dv.getBigInt64(0), nanos: dv.getInt32(8) };
}

/** a reader of a committed historical version: point reads only. */
class HistoricalReader implements KVStoreReader {
  private readonly store: CommitStore;
  private readonly version: bigint;
  constructor(store: CommitStore, version: bigint) {
    this.store = store;
    this.version = version;
  }
  get(key: Bytes) {
    return this.store.getAt(key, this.version);
  }
  has(key: Bytes) {
    return this.store.getAt(key, this.version) !== undefined;
  }
  // biome-ignore lint/correctness/useYield: refuses by design
  async *iterate(_opts?: IterateOptions): AsyncIterable<KV> {
    throw grpcError("InvalidArgument", `iteration over historical state (height ${this.version}) is not supported; query the latest height`);
  }
}

export function createApplication(opts: CreateApplicationOptions): RuntimeApplication {
  const store = opts.store;
  const logger = opts.logger ?? noopLogger;
  const manager = createModuleManager(opts.modules, opts.order);
  const routers: Routers = createRouters(opts.modules);
  const decode = createTxDecoder(routers);
  const minGasPrices: DecCoin[] = parseDecCoins(opts.minGasPrices);
  const sigVerifier = createCachedSigVerifier(opts.sigVerifier ?? nobleSigVerifier);
  const ante: AnteDecorator[] = [...opts.modules.flatMap((m) => m.ante ?? []), ...(opts.ante ?? [])];
  const appVersion = opts.appVersion ?? 1n;
  const debug = opts.debug ?? false;
  const edVerifier = opts.ed25519Verifier ?? nobleEd25519Verifier;
  /** modules with vote-extension hooks, in registration order; entries only from those with extendVote. */
  const extenders = manager.modules.filter((m) => m.extendVote !== undefined);
  const extVerifiers = manager.modules.filter((m) => m.verifyVoteExtension !== undefined);
  const extConsumers = manager.modules.filter((m) => m.onVoteExtensions !== undefined);
  const extenderNames = new Set(extenders.map((m) => m.name));
  /** the node's phase timer (setPhaseTracer), handed to FinalizeBlock contexts only. */
  let tracer: PhaseTracer | undefined;

  // chain state remembered across calls (persisted in commit meta)
  const metaChain = store.getMeta(META.chainId);
  let chainId = metaChain === undefined ? "" : fromUtf8(metaChain);
  const metaCp = store.getMeta(META.consensusParams);
  let consensusParams: ConsensusParams | null = metaCp === undefined ? null : consensusParamsFromJson(fromUtf8(metaCp));
  let lastBlockTime = tsFromBytes(store.getMeta(META.lastBlockTime));
  let initialHeight = 1n;
  /** the block being finalized (between finalizeBlock and commit). */
  let pending: { header: BlockHeader; appHash: Bytes } | null = null;
  let checkState: CacheKVStore = new CacheKVStore(store.committed());
  const memo = opts.recheckMemo === true ? new RecheckMemo(opts.recheckMemoIgnore) : null;
  const runtimeParamsKs = toKeyString(namespacedKey(RUNTIME_NAMESPACE, RUNTIME_PARAMS_KEY));
  /** the block gas limit the memo's records were checked under. */
  let memoMaxBlockGas = -1n;

  const readRuntimeParams = (reader: KVStoreReader): RuntimeParams => decodeRuntimeParams(reader.get(namespacedKey(RUNTIME_NAMESPACE, RUNTIME_PARAMS_KEY)));
  let committedRuntimeParams = readRuntimeParams(store.committed());

  const maxBlockGas = () => consensusParams?.block.maxGas ?? -1n;
  const env = (runtimeParams: RuntimeParams, mode: ExecMode): TxEnv => ({
    routers,
    decode,
    ante,
    sigVerifier,
    minGasPrices: mode === "check" || mode === "recheck" ? minGasPrices : [],
    maxBlockGas: maxBlockGas(),
    runtimeParams,
    logger,
    debug,
    ...(mode === "finalize" && tracer !== undefined ? { tracer } : {}),
  });
  const checkHeader = (): BlockHeader => ({ height: store.version + 1n, time: lastBlockTime, chainId, proposer: EMPTY, hash: EMPTY });
  /** checkHeader whose height and time call `onRead` when read (a check that reads them is never replayed). */
  const trackedCheckHeader = (onRead: () => void): BlockHeader => {
    const height = store.version + 1n;
    const time = lastBlockTime;
    return {
      get height() {
        onRead();
        return height;
      },
      get time() {
        onRead();
        return time;
      },
      chainId,
      proposer: EMPTY,
      hash: EMPTY,
    };
  };

  /** CheckTx's answer from runTx's outcome. */
  const checkResponse = (out: Awaited<ReturnType<typeof runTx>>): CheckTxResponse => {
    const tx = out.tx;
    const first = tx?.signers[0];
    let priority = 0n;
    if (tx !== null && tx.gasLimit > 0n && tx.fee.length > 0) priority = ((tx.fee[0]?.amount ?? 0n) * 1_000_000n) / tx.gasLimit;
    return {
      code: out.code,
      data: EMPTY,
      log: out.log,
      info: "",
      gasWanted: out.gasWanted,
      gasUsed: out.gasUsed,
      events: out.code === 0 ? out.events : [],
      codespace: out.codespace,
      sender: first === undefined ? "" : accAddressToString(first),
      sequence: tx?.authInfo.signerInfos[0]?.sequence ?? 0n,
      priority,
    };
  };

  /** votes of height h carry extensions (consensus params abci.vote_extensions_enable_height). */
  const extensionsEnabled = (h: bigint): boolean => {
    const e = consensusParams?.abci.voteExtensionsEnableHeight ?? 0n;
    return e > 0n && h >= e;
  };
  /** a block at `height` whose last commit has `lastVotes` entries carries the extended commit as tx 0. */
  const carriesVerdicts = (height: bigint, lastVotes: number): boolean => lastVotes > 0 && extensionsEnabled(height - 1n);

  const pubKeyOf = (reader: KVStoreReader, address: Bytes): Bytes | undefined =>
    reader.get(namespacedKey(RUNTIME_NAMESPACE, validatorPubKeyKey(address)));

  /** remembers the ed25519 keys of validators the app hands to consensus (never forgotten: small). */
  const rememberValidatorKeys = (ctx: { store(ns: string): { get(k: Bytes): Bytes | undefined; set(k: Bytes, v: Bytes): void } }, vals: readonly ValidatorUpdate[]) => {
    const s = ctx.store(RUNTIME_NAMESPACE);
    for (const v of vals) {
      if (v.power <= 0n || v.pubKey.type !== "ed25519" || v.pubKey.bytes.length !== 32) continue;
      const key = validatorPubKeyKey(sha256(v.pubKey.bytes).subarray(0, 20));
      const prev = s.get(key);
      if (prev === undefined || !equal(prev, v.pubKey.bytes)) s.set(key, v.pubKey.bytes);
    }
  };

  /**
   * why `tx` is not a valid injected extended commit for a block at `height` whose last commit is
   * `last` (null when valid): canonical MsgCommitVerdicts tx, same height/round/validators/powers/flags
   * as the last commit, every COMMIT entry's extension canonical with known modules and signed by its
   * validator (CanonicalVoteExtension), non-COMMIT entries empty, COMMIT power > 2/3.
   */
  const commitVerdictsProblem = (tx: Bytes | undefined, height: bigint, last: ProcessProposalRequest["proposedLastCommit"]): { problem: string } | { cv: CommitVerdicts } => {
    if (tx === undefined) return { problem: "missing the extended commit (first tx)" };
    const cv = decodeCommitVerdictsTx(tx);
    if (cv === null) return { problem: `first tx is not a canonical ${MSG_COMMIT_VERDICTS_TYPE_URL} tx` };
    if (cv.height !== height - 1n) return { problem: `extended commit of height ${cv.height}, expected ${height - 1n}` };
    if (cv.round !== last.round) return { problem: `extended commit of round ${cv.round}, the last commit is of round ${last.round}` };
    if (cv.votes.length !== last.votes.length) return { problem: `extended commit has ${cv.votes.length} votes, the last commit ${last.votes.length}` };
    const reader = store.committed();
    let total = 0n;
    let signed = 0n;
    for (let i = 0; i < cv.votes.length; i++) {
      const v = cv.votes[i]!;
      const l = last.votes[i]!;
      if (!equal(v.validator.address, l.validator.address) || v.validator.power !== l.validator.power || v.blockIdFlag !== l.blockIdFlag) {
        return { problem: `vote ${i} does not match the last commit (validator, power or flag)` };
      }
      total += v.validator.power;
      if (v.blockIdFlag !== BLOCK_ID_FLAG_COMMIT) {
        if (v.voteExtension.length !== 0 || v.extensionSignature.length !== 0) return { problem: `vote ${i} is not a COMMIT but carries an extension` };
        continue;
      }
      const entries = decodeVoteExtension(v.voteExtension);
      if (entries === null) return { problem: `vote ${i}: extension is not a canonical VoteExtension` };
      for (const e of entries) if (!extenderNames.has(e.module)) return { problem: `vote ${i}: extension for unknown module ${e.module}` };
      const pk = pubKeyOf(reader, v.validator.address);
      if (pk === undefined) return { problem: `vote ${i}: unknown validator key ${toHex(v.validator.address).toUpperCase()}` };
      if (!edVerifier.verify(pk, voteExtensionSignBytes(chainId, v.voteExtension, cv.height, cv.round), v.extensionSignature)) {
        return { problem: `vote ${i}: invalid extension signature of ${toHex(v.validator.address).toUpperCase()}` };
      }
      signed += v.validator.power;
    }
    if (signed * 3n <= total * 2n) return { problem: `extensions signed by ${signed} of ${total} power, need more than 2/3` };
    return { cv };
  };

  async function runInvariants(reader: KVStoreReader): Promise<void> {
    const ctx = createQueryContext({ base: reader, block: checkHeader(), logger });
    for (const m of manager.modules) {
      for (const [name, inv] of Object.entries(m.invariants ?? {})) {
        const broken = await inv(ctx);
        if (broken !== null) throw new InvariantViolation(`${m.name}/${name}`, broken);
      }
    }
  }

  function queryError(err: unknown, height: bigint): QueryResponse {
    const r = toTxResult(err, debug);
    if (!(err instanceof AppError)) logger.error({ err: String(err) }, "internal error in query");
    return { code: r.code, log: r.log, info: "", index: 0n, key: EMPTY, value: EMPTY, proofOps: null, height, codespace: r.codespace };
  }

  function ok(value: Bytes, height: bigint, key: Bytes = EMPTY, proofOps: QueryResponse["proofOps"] = null): QueryResponse {
    return { code: 0, log: "", info: "", index: 0n, key, value, proofOps, height, codespace: "" };
  }

  async function simulate(data: Bytes, height: bigint): Promise<QueryResponse> {
    let req: SimulateRequest;
    try {
      req = SimulateRequest.decode(data);
    } catch {
      throw ErrTxDecode.wrap("invalid SimulateRequest");
    }
    if (req.txBytes.length === 0) throw grpcError("InvalidArgument", "empty txBytes is not allowed");
    const branch = checkState.branch();
    const out = await runTx("simulate", req.txBytes, branch, checkHeader(), env(readRuntimeParams(checkState), "simulate"));
    if (out.code !== 0) {
      const r = { code: out.code, log: out.log, info: "", index: 0n, key: EMPTY, value: EMPTY, proofOps: null, height, codespace: out.codespace };
      return r;
    }
    const res = SimulateResponse.encode({
      gasInfo: { gasWanted: out.gasWanted, gasUsed: out.gasUsed },
      result: { data: out.data, log: "", events: out.events.map((e) => ({ type: e.type, attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: a.index })) })), msgResponses: out.msgResponses },
    }).finish();
    return ok(res, height);
  }

  const app: RuntimeApplication = {
    sigVerifier,

    async info(_req: InfoRequest): Promise<InfoResponse> {
      return {
        data: APP_NAME,
        version: APP_SEMVER,
        appVersion,
        lastBlockHeight: store.version,
        lastBlockAppHash: store.version > 0n ? (store.getMeta(META.appHash) ?? store.root) : EMPTY,
      };
    },

    async initChain(req: InitChainRequest): Promise<InitChainResponse> {
      if (store.version > 0n) throw new Error(`initChain on a store already at height ${store.version}`);
      chainId = req.chainId;
      consensusParams = req.consensusParams;
      initialHeight = req.initialHeight > 0n ? req.initialHeight : 1n;
      lastBlockTime = req.time;
      const text = req.appStateBytes.length === 0 ? "{}" : fromUtf8(req.appStateBytes);
      const appState = JSON.parse(text) as Record<string, unknown>;
      const working = store.working();
      const header: BlockHeader = { height: initialHeight, time: req.time, chainId, proposer: EMPTY, hash: EMPTY };
      const runtimeParams = appState[RUNTIME_NAMESPACE] === undefined ? DEFAULT_RUNTIME_PARAMS : runtimeParamsFromJson(appState[RUNTIME_NAMESPACE]);
      const base = createWriteContext({ base: working, block: header, mode: "genesis", logger, runtimeParams });
      // gentxs (genutil) run through the full tx path, as the SDK delivers them at InitChain
      const genesisTxEnv = env(runtimeParams, "genesis");
      const ctx: GenesisContext = {
        ...base,
        store: base.store.bind(base),
        async deliverTx(tx: Bytes): Promise<GenesisTxResult> {
          const out = await runTx("genesis", tx, working, header, genesisTxEnv);
          return { code: out.code, codespace: out.codespace, log: out.log };
        },
      };
      ctx.store(RUNTIME_NAMESPACE).set(RUNTIME_PARAMS_KEY, encodeRuntimeParams(runtimeParams));
      // validator updates returned by initGenesis hooks, merged by pubkey (a later module's diff wins)
      const genesisVals = new Map<string, ValidatorUpdate>();
      for (const name of manager.order.initGenesis) {
        const m = manager.byName.get(name) as AppModule;
        const json = appState[name] ?? m.genesis.toJson(m.genesis.defaultGenesis());
        const g = m.genesis.fromJson(json);
        m.genesis.validateGenesis(g);
        const updates = await m.genesis.initGenesis(ctx, g);
        if (Array.isArray(updates)) for (const u of updates as ValidatorUpdate[]) genesisVals.set(`${u.pubKey.type}/${toHex(u.pubKey.bytes)}`, u);
      }
      const validators = [...genesisVals.values()].filter((u) => u.power > 0n);
      // the consensus keys of the first validator set (ours, else the genesis file's)
      rememberValidatorKeys(ctx, validators.length > 0 ? validators : req.validators);
      for (const k of Object.keys(appState)) {
        if (k !== RUNTIME_NAMESPACE && !manager.byName.has(k)) logger.warn({ key: k }, "app_state has a section for an unknown module; ignored");
      }
      await runInvariants(working);
      checkState = new CacheKVStore(working);
      memo?.reset();
      committedRuntimeParams = runtimeParams;
      return { consensusParams: null, validators, appHash: store.workingRoot() };
    },

    async checkTx(req: CheckTxRequest): Promise<CheckTxResponse> {
      const mode: ExecMode = req.type === "recheck" ? "recheck" : "check";
      if (decodeCommitVerdictsTx(req.tx) !== null) {
        const r = toTxResult(ErrInvalidRequest.wrap(`${MSG_COMMIT_VERDICTS_TYPE_URL} is put into blocks by their proposer; the mempool never accepts it`), debug);
        return { code: r.code, data: EMPTY, log: r.log, info: "", gasWanted: 0n, gasUsed: 0n, events: [], codespace: r.codespace, sender: "", sequence: 0n, priority: 0n };
      }
      if (memo === null) return checkResponse(await runTx(mode, req.tx, checkState, checkHeader(), env(committedRuntimeParams, mode)));
      if (mode === "recheck") {
        const hit = memo.replay(req.tx, checkState);
        if (hit !== undefined) return hit;
      }
      let headerRead = false;
      const tracker = memo.tracker(checkState);
      const header = trackedCheckHeader(() => {
        headerRead = true;
      });
      const res = checkResponse(await runTx(mode, req.tx, tracker, header, env(committedRuntimeParams, mode)));
      memo.recorded(req.tx, tracker, res, headerRead);
      return res;
    },

    get recheckMemoStats(): RecheckMemoStats | undefined {
      return memo?.stats;
    },

    async prepareProposal(req: PrepareProposalRequest): Promise<PrepareProposalResponse> {
      const txs: Bytes[] = [];
      let total = 0n;
      const maxTx = committedRuntimeParams.maxTxBytes;
      if (carriesVerdicts(req.height, req.localLastCommit.votes.length)) {
        // the previous height's extended commit goes first (only COMMIT entries keep their extension)
        const votes = req.localLastCommit.votes.map((v) =>
          v.blockIdFlag === BLOCK_ID_FLAG_COMMIT ? v : { ...v, voteExtension: EMPTY, extensionSignature: EMPTY },
        );
        const inj = encodeCommitVerdictsTx(req.height - 1n, { round: req.localLastCommit.round, votes });
        txs.push(inj);
        total += protoTxSize(inj);
      }
      for (const tx of req.txs) {
        if (BigInt(tx.length) > maxTx) continue;
        if (decodeCommitVerdictsTx(tx) !== null) continue;
        const n = protoTxSize(tx);
        if (req.maxTxBytes > 0n && total + n > req.maxTxBytes) continue;
        total += n;
        txs.push(tx);
      }
      return { txs };
    },

    async processProposal(req: ProcessProposalRequest): Promise<ProcessProposalResponse> {
      let total = 0n;
      const maxBytes = consensusParams?.block.maxBytes ?? -1n;
      let first = 0;
      if (carriesVerdicts(req.height, req.proposedLastCommit.votes.length)) {
        const r = commitVerdictsProblem(req.txs[0], req.height, req.proposedLastCommit);
        if ("problem" in r) {
          logger.info({ height: req.height.toString(), reason: r.problem }, "rejecting proposal: bad extended commit");
          return { status: "reject" };
        }
        total += BigInt((req.txs[0] as Bytes).length);
        first = 1;
      }
      for (const tx of req.txs.slice(first)) {
        total += BigInt(tx.length);
        try {
          decode(tx, committedRuntimeParams.maxTxBytes);
        } catch (e: unknown) {
          logger.info({ height: req.height.toString(), err: e instanceof Error ? e.message : String(e) }, "rejecting proposal: undecodable tx");
          return { status: "reject" };
        }
      }
      if (maxBytes > 0n && total > maxBytes) return { status: "reject" };
      return { status: "accept" };
    },

    async extendVote(req: ExtendVoteRequest): Promise<ExtendVoteResponse> {
      if (extenders.length === 0) return { voteExtension: EMPTY };
      const ctx = createQueryContext({ base: store.committed(), block: { height: req.height, time: req.time, chainId, proposer: req.proposerAddress, hash: req.hash }, logger, runtimeParams: committedRuntimeParams });
      const info = { height: req.height, hash: req.hash, time: req.time, txs: req.txs, proposer: req.proposerAddress };
      const entries: { module: string; data: Bytes }[] = [];
      for (const m of extenders) {
        try {
          const data = await (m.extendVote as NonNullable<AppModule["extendVote"]>).call(m, ctx, info);
          entries.push({ module: m.name, data });
        } catch (e: unknown) {
          logger.error({ module: m.name, height: req.height.toString(), err: e instanceof Error ? e.message : String(e) }, "ExtendVote hook failed; the module's part is left out");
        }
      }
      return { voteExtension: encodeVoteExtension(entries) };
    },

    async verifyVoteExtension(req: VerifyVoteExtensionRequest): Promise<VerifyVoteExtensionResponse> {
      const entries = decodeVoteExtension(req.voteExtension);
      if (entries === null) return { status: "reject" };
      for (const e of entries) if (!extenderNames.has(e.module)) return { status: "reject" };
      if (extVerifiers.length === 0) return { status: "accept" };
      const ctx = createQueryContext({ base: store.committed(), block: { height: req.height, time: lastBlockTime, chainId, proposer: EMPTY, hash: req.hash }, logger, runtimeParams: committedRuntimeParams });
      for (const m of extVerifiers) {
        const data = entries.find((e) => e.module === m.name)?.data ?? EMPTY;
        let ok = false;
        try {
          ok = await (m.verifyVoteExtension as NonNullable<AppModule["verifyVoteExtension"]>).call(m, ctx, { height: req.height, hash: req.hash, validator: req.validatorAddress, data });
        } catch (e: unknown) {
          logger.info({ module: m.name, err: e instanceof Error ? e.message : String(e) }, "VerifyVoteExtension hook threw: rejecting");
        }
        if (!ok) return { status: "reject" };
      }
      return { status: "accept" };
    },

    async finalizeBlock(req: FinalizeBlockRequest): Promise<FinalizeBlockResponse> {
      if (pending !== null && pending.header.height === req.height) {
        throw new Error(`finalizeBlock called twice for height ${req.height} without commit`);
      }
      const expected = store.version === 0n ? initialHeight : store.version + 1n;
      if (req.height !== expected) throw new Error(`finalizeBlock: expected height ${expected}, got ${req.height}`);
      // app_hash of this block's header: the root after the previous block (store.root), or at the first
      // block InitChain's root (the genesis writes are still the working layer; workingRoot is cached)
      const appHashOfHeader = store.version === 0n ? store.workingRoot() : store.root;
      const header: BlockHeader = { height: req.height, time: req.time, chainId, proposer: req.proposerAddress, hash: req.hash, nextValidatorsHash: req.nextValidatorsHash, appHash: appHashOfHeader };
      const working: CacheStore = store.working();
      const runtimeParams = readRuntimeParams(working);
      const blockEvents: AbciEvent[] = [];
      const validatorUpdates: ValidatorUpdate[] = [];
      const cometInfo = { lastCommit: req.decidedLastCommit, misbehavior: req.misbehavior };
      const hook = async (stage: "BeginBlock" | "EndBlock", names: readonly string[]) => {
        for (const name of names) {
          const m = manager.byName.get(name) as AppModule;
          const fn = stage === "BeginBlock" ? m.beginBlock : m.endBlock;
          if (fn === undefined) continue;
          const events = new EventManager();
          const ctx = createWriteContext({ base: working, block: header, mode: "finalize", events, logger, runtimeParams, cometInfo, ...(tracer !== undefined ? { tracer } : {}) });
          const res = await fn.call(m, ctx);
          if (Array.isArray(res)) validatorUpdates.push(...(res as ValidatorUpdate[]));
          for (const e of events.events) blockEvents.push({ type: e.type, attributes: [...e.attributes, { key: "mode", value: stage, index: true }] });
        }
      };
      // the previous height's vote extensions (tx 0), to the modules before BeginBlock and any tx
      const txResults: ExecTxResult[] = [];
      let firstTx = 0;
      const cv = carriesVerdicts(req.height, req.decidedLastCommit.votes.length) && req.txs.length > 0 ? decodeCommitVerdictsTx(req.txs[0] as Bytes) : null;
      if (cv !== null) {
        firstTx = 1;
        let total = 0n;
        let signed = 0n;
        const decoded = cv.votes.map((v) => {
          total += v.validator.power;
          if (v.blockIdFlag !== BLOCK_ID_FLAG_COMMIT) return null;
          signed += v.validator.power;
          return { v, entries: decodeVoteExtension(v.voteExtension) ?? [] };
        });
        for (const m of extConsumers) {
          const set: VoteExtensionSet = {
            height: cv.height,
            round: cv.round,
            totalPower: total,
            votes: decoded.flatMap((d) => (d === null ? [] : [{ validator: d.v.validator.address, power: d.v.validator.power, data: d.entries.find((e) => e.module === m.name)?.data ?? EMPTY }])),
          };
          const events = new EventManager();
          const ctx = createWriteContext({ base: working, block: header, mode: "finalize", events, logger, runtimeParams, cometInfo, ...(tracer !== undefined ? { tracer } : {}) });
          await (m.onVoteExtensions as NonNullable<AppModule["onVoteExtensions"]>).call(m, ctx, set);
          for (const e of events.events) blockEvents.push({ type: e.type, attributes: [...e.attributes, { key: "mode", value: "PreBlock", index: true }] });
        }
        txResults.push({
          code: 0,
          data: EMPTY,
          log: "",
          info: "",
          gasWanted: 0n,
          gasUsed: 0n,
          events: [
            {
              type: "commit_verdicts",
              attributes: [
                { key: "height", value: cv.height.toString(), index: true },
                { key: "round", value: String(cv.round), index: false },
                { key: "signed_power", value: signed.toString(), index: false },
                { key: "total_power", value: total.toString(), index: false },
              ],
            },
          ],
          codespace: "",
        });
      }
      await hook("BeginBlock", manager.order.beginBlock);
      const txEnv = env(runtimeParams, "finalize");
      for (const raw of req.txs.slice(firstTx)) {
        const out = await runTx("finalize", raw, working, header, txEnv);
        // a committed tx is neither checked nor run again: its decode and signature verdicts would only
        // wait in the memos for eviction (long-lived garbage for the old generation)
        decode.forget(raw);
        if (out.tx !== null) for (const sig of out.tx.signatures) sigVerifier.forget(sig);
        txResults.push({ code: out.code, data: out.data, log: out.log, info: "", gasWanted: out.gasWanted, gasUsed: out.gasUsed, events: out.events, codespace: out.codespace });
      }
      await hook("EndBlock", manager.order.endBlock);
      rememberValidatorKeys(createWriteContext({ base: working, block: header, mode: "finalize", logger, runtimeParams }), validatorUpdates);
      const appHash = store.workingRoot();
      pending = { header, appHash };
      return { events: blockEvents, txResults, validatorUpdates, consensusParamUpdates: null, appHash };
    },

    async commit(): Promise<CommitResponse> {
      if (pending === null) throw new Error("commit without finalizeBlock");
      const { header, appHash } = pending;
      const meta: [Bytes, Bytes][] = [
        [META.lastHeight, u64be(header.height)],
        [META.appHash, appHash],
        [META.chainId, utf8(chainId)],
        [META.lastBlockTime, tsToBytes(header.time)],
      ];
      if (consensusParams !== null) meta.push([META.consensusParams, utf8(consensusParamsToJson(consensusParams))]);
      await store.commit(header.height, meta);
      lastBlockTime = header.time;
      pending = null;
      checkState = new CacheKVStore(store.committed());
      committedRuntimeParams = readRuntimeParams(store.committed());
      // the memo's records hold if nothing a check depends on outside the store changed: the runtime
      // params (passed to runTx, not read through the check state) and the block gas limit
      if (memo !== null) {
        const changed = store.lastChangedKeys?.();
        memo.beginPass(changed, changed !== undefined && !changed.includes(runtimeParamsKs) && maxBlockGas() === memoMaxBlockGas);
        memoMaxBlockGas = maxBlockGas();
      }
      return { retainHeight: 0n };
    },

    async query(req: QueryRequest): Promise<QueryResponse> {
      const latest = store.version;
      const height = req.height === 0n ? latest : req.height;
      try {
        if (req.height < 0n) throw ErrInvalidRequest.wrap("cannot query with height < 0; please provide a valid height");
        if (height > latest) throw ErrInvalidRequest.wrap(`cannot query with height in the future; please provide a valid height (latest ${latest})`);
        if (req.path === APP_VERSION_PATH) return ok(utf8(APP_SEMVER), height);
        if (req.path === SIMULATE_PATH) return await simulate(req.data, height);
        const reader: KVStoreReader = height === latest ? store.committed() : new HistoricalReader(store, height);
        const storeMatch = /^\/store\/([a-z][a-z0-9]*)\/key$/.exec(req.path);
        if (storeMatch !== null) {
          const ns = storeMatch[1] as string;
          if (ns !== RUNTIME_NAMESPACE && !manager.byName.has(ns)) throw ErrUnknownRequest.wrap(`unknown store ${ns}`);
          // data is the full tree key (namespace prefix included), so that proofs verify against it
          const full = req.data;
          if (!startsWith(full, namespacePrefix(ns)) || full.length === namespacePrefix(ns).length) {
            throw grpcError("InvalidArgument", `key must start with the store prefix "${ns}/"`);
          }
          const value = reader.get(full) ?? EMPTY;
          let proofOps: QueryResponse["proofOps"] = null;
          if (req.prove) {
            const p = store.prove(full, height);
            proofOps = { ops: [{ type: "ics23:smt", key: full, data: p.proof }] };
          }
          return ok(value, height, full, proofOps);
        }
        const handler = routers.queries.get(req.path);
        if (handler === undefined) throw ErrUnknownRequest.wrap(`unknown query path ${req.path}`);
        let q: unknown;
        try {
          q = handler.decode(req.data);
        } catch (e: unknown) {
          throw grpcError("InvalidArgument", `invalid request: ${e instanceof Error ? e.message : String(e)}`);
        }
        const ctx = createQueryContext({ base: reader, block: { height, time: lastBlockTime, chainId, proposer: EMPTY, hash: EMPTY }, logger, runtimeParams: committedRuntimeParams });
        const res = await handler.handle(ctx, q);
        return ok(handler.encode(res), height);
      } catch (e: unknown) {
        return queryError(e, height);
      }
    },

    async close(): Promise<void> {
      await store.close();
    },

    setPhaseTracer(t: PhaseTracer | undefined): void {
      tracer = t;
    },

    async checkInvariants(): Promise<void> {
      await runInvariants(store.committed());
    },

    async exportGenesis(): Promise<Record<string, unknown>> {
      const ctx = createQueryContext({ base: store.committed(), block: checkHeader(), logger });
      const out: Record<string, unknown> = {};
      for (const name of manager.order.exportGenesis) {
        const m = manager.byName.get(name) as AppModule;
        out[name] = m.genesis.toJson(await m.genesis.exportGenesis(ctx));
      }
      out[RUNTIME_NAMESPACE] = runtimeParamsToJson(readRuntimeParams(store.committed()));
      return out;
    },
  };
  void readU64be;
  return app;
}
