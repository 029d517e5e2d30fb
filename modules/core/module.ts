/**
 * The module contract (STYLE §7.3): one plain object per module, built by a factory; each optional hook
 * is one of Cosmos's `Has*` capabilities. The runtime receives `AppModule[]` and never imports a module.
 */
import type { Bytes, ValidatorUpdate } from "./abci.ts";
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

export interface AppModule<P = unknown, G = unknown> {
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
