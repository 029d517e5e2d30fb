/**
 * The module contract (STYLE §7.3): one plain object per module, built by a factory; each optional hook
 * is one of Cosmos's `Has*` capabilities. The runtime receives `AppModule[]` and never imports a module.
 */
import type { Bytes, Timestamp, ValidatorUpdate } from "./abci.ts";
import type { BlockContext, ExecMode, GenesisContext, QueryContext, ReadContext, TxContext } from "./context.ts";
import type { AnteDecorator } from "./tx.ts";
import { RUNTIME_NAMESPACE } from "./params.ts";

export type { ExecMode } from "./context.ts";

export interface MsgHandler<M = unknown, R = unknown> {
  /** "/cosmos.bank.v1beta1.MsgSend" */
  readonly typeUrl: string;
  /** "/cosmos.bank.v1beta1.MsgSendResponse": the Any type of the response in TxMsgData.msg_responses. */
  readonly responseTypeUrl: string;
  decode(bytes: Bytes): M;
  encodeResponse(res: R): Bytes;
  /** who must sign (auth's ante checks these); throws sdk:7 on a malformed signer address. */
  signers(msg: M): readonly Bytes[];
  /** stateless; throws AppError; also runs in CheckTx. */
  validateBasic?(msg: M): void;
  /** stateful; the only place state changes. */
  handle(ctx: TxContext, msg: M): Promise<R>;
}

export interface QueryHandler<Q = unknown, R = unknown> {
  /** "/cosmos.bank.v1beta1.Query/Balance" */
  readonly path: string;
  decode(bytes: Bytes): Q;
  encode(res: R): Bytes;
  handle(ctx: QueryContext, req: Q): Promise<R>;
}

export interface GenesisSpec<G> {
  defaultGenesis(): G;
  /** pure, no store. */
  validateGenesis(g: G): void;
  /** may return the genesis validator set (staking, or genutil after its gentxs); InitChain returns it. */
  initGenesis(ctx: GenesisContext, g: G): Promise<void | readonly ValidatorUpdate[]>;
  exportGenesis(ctx: ReadContext): Promise<G>;
  /** proto-JSON (snake_case, 64-bit as strings) → G. */
  fromJson(json: unknown): G;
  toJson(g: G): unknown;
}

export interface ParamsSpec<P> {
  defaultParams(): P;
  validateParams(p: P): void;
}

/** a read-only check; returns a description of what is broken, or null. */
export type Invariant = (ctx: ReadContext) => Promise<string | null>;

export type Migration = (ctx: BlockContext) => Promise<void>;

/** the block this validator is about to precommit (ABCI++ ExtendVote); not executed yet. */
export interface ExtendVoteInfo {
  readonly height: bigint;
  /** the block (header) hash. */
  readonly hash: Bytes;
  readonly time: Timestamp;
  readonly txs: readonly Bytes[];
  readonly proposer: Bytes;
}

/** another validator's part of its vote extension for the block `hash` at `height` (VerifyVoteExtension). */
export interface VerifyVoteExtensionInfo {
  readonly height: bigint;
  readonly hash: Bytes;
  /** the validator's consensus address (20 bytes). */
  readonly validator: Bytes;
  /** this module's part of the extension; empty when the validator sent none for this module. */
  readonly data: Bytes;
}

/** one validator's part of the previous height's extended commit, as FinalizeBlock hands it to a module. */
export interface VoteExtensionVote {
  /** consensus address (20 bytes). */
  readonly validator: Bytes;
  /** its voting power at `VoteExtensionSet.height`. */
  readonly power: bigint;
  /** this module's part of its signed extension; empty when it sent none for this module. */
  readonly data: Bytes;
}

/**
 * The vote extensions of height `height` (= this block's height − 1) that this block carries as its
 * first tx, already checked by every validator's ProcessProposal: each entry's extension signature is
 * valid for that validator, and the COMMIT votes hold > 2/3 of `totalPower`.
 */
export interface VoteExtensionSet {
  readonly height: bigint;
  readonly round: number;
  /** total voting power of the validator set of `height` (thresholds: `sum * 3n > totalPower * 2n`). */
  readonly totalPower: bigint;
  /** every validator whose precommit for the block of `height` is in the commit, in set order. */
  readonly votes: readonly VoteExtensionVote[];
}

/**
 * Vote-extension hooks (ABCI++; modules/runtime/README.md "Vote extensions"). The runtime joins the
 * modules' `extendVote` bytes into ONE signed extension per validator (proto VoteExtension, entries keyed
 * by module name) and splits it again for `verifyVoteExtension` and `onVoteExtensions`.
 */
export interface VoteExtensionHooks {
  /**
   * ExtendVote: this validator's data for the block it precommits. May be non-deterministic (node
   * services such as an ONNX replay come in through the module's factory), must not write state;
   * `ctx` reads the last committed state (the block itself is not executed yet). Return empty bytes
   * for "nothing to say". A throw is logged and the module's part left out.
   */
  extendVote?(ctx: QueryContext, block: ExtendVoteInfo): Promise<Bytes>;
  /**
   * VerifyVoteExtension: a deterministic check of another validator's part (e.g. well-formed, within
   * size limits); false rejects that validator's whole precommit. Keep it a check of the bytes: it runs
   * on each node's latest committed state, which differs between nodes by a block or so.
   */
  verifyVoteExtension?(ctx: QueryContext, ext: VerifyVoteExtensionInfo): Promise<boolean>;
  /**
   * FinalizeBlock, before BeginBlock and before any tx: the previous height's extensions (with powers).
   * Deterministic, may write state and emit events. A byzantine proposer can include any extension a
   * byzantine validator signed, so parse `data` defensively (ignore what does not parse).
   */
  onVoteExtensions?(ctx: BlockContext, set: VoteExtensionSet): Promise<void>;
}

export interface AppModule<P = unknown, G = unknown> extends VoteExtensionHooks {
  /** /^[a-z][a-z0-9]*$/: codespace, store namespace, event prefix. */
  readonly name: string;
  /** bump on any state-breaking change. */
  readonly consensusVersion: number;
  readonly msgs: readonly MsgHandler<any, any>[];
  readonly queries: readonly QueryHandler<any, any>[];
  readonly genesis: GenesisSpec<G>;
  readonly params?: ParamsSpec<P>;
  readonly ante?: readonly AnteDecorator[];
  beginBlock?(ctx: BlockContext): Promise<void>;
  endBlock?(ctx: BlockContext): Promise<void | readonly ValidatorUpdate[]>;
  readonly invariants?: Readonly<Record<string, Invariant>>;
  readonly migrations?: Readonly<Record<number, Migration>>;
}

const NAME_RE = /^[a-z][a-z0-9]*$/;

/** validates the name and the uniqueness of type URLs and query paths, then freezes. */
export function defineModule<P, G>(m: AppModule<P, G>): AppModule<P, G> {
  if (!NAME_RE.test(m.name)) throw new Error(`module name ${JSON.stringify(m.name)} must match ${NAME_RE}`);
  if (m.name === RUNTIME_NAMESPACE) throw new Error(`module name ${m.name} is reserved`);
  const urls = new Set<string>();
  for (const h of m.msgs) {
    if (!h.typeUrl.startsWith("/")) throw new Error(`${m.name}: type URL ${h.typeUrl} must start with /`);
    if (urls.has(h.typeUrl)) throw new Error(`${m.name}: duplicate msg ${h.typeUrl}`);
    urls.add(h.typeUrl);
  }
  const paths = new Set<string>();
  for (const q of m.queries) {
    if (paths.has(q.path)) throw new Error(`${m.name}: duplicate query ${q.path}`);
    paths.add(q.path);
  }
  return Object.freeze(m);
}

/** A proto message type as cosmjs-types generates it. */
export interface ProtoType<T> {
  readonly typeUrl: string;
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
  fromPartial(object: any): T;
}

/** a QueryHandler from cosmjs-types request/response codecs. */
export function protoQuery<Q, R>(path: string, req: ProtoType<Q>, res: ProtoType<R>, handle: (ctx: QueryContext, q: Q) => Promise<R>): QueryHandler<Q, R> {
  return {
    path,
    decode: (b) => req.decode(b),
    encode: (r) => res.encode(r).finish(),
    handle,
  };
}
