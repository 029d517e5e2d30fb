/**
 * Contexts passed explicitly to handlers, hooks and keepers (no globals): the block header, the store
 * (per module namespace, gas-metered), the event buffer, the gas meter, the execution mode and a logger.
 */
import type { Bytes, CommitInfo, Misbehavior, PhaseTracer, Timestamp } from "./abci.ts";

export type { PhaseTracer };
import { utf8 } from "./bytes.ts";
import { EventManager } from "./events.ts";
import { type GasMeter, GasKVStore, createInfiniteGasMeter } from "./gas.ts";
import { type Logger, noopLogger } from "./logger.ts";
import { DEFAULT_RUNTIME_PARAMS, type RuntimeParams } from "./params.ts";
import { PrefixStore } from "./store/prefix.ts";
import type { KVStore, KVStoreReader } from "./store/types.ts";

export type ExecMode = "check" | "recheck" | "simulate" | "finalize" | "genesis";

export interface BlockHeader {
  readonly height: bigint;
  /** the block header time, never the wall clock. */
  readonly time: Timestamp;
  readonly chainId: string;
  readonly proposer: Bytes;
  /** the block (header) hash; empty in check/simulate/genesis modes. */
  readonly hash: Bytes;
  /** FinalizeBlock only: the header's next_validators_hash (RequestFinalizeBlock). */
  readonly nextValidatorsHash?: Bytes;
  /** FinalizeBlock only: the header's app_hash, i.e. the state root after the previous block (InitChain's at the first one). */
  readonly appHash?: Bytes;
}

/** The key prefix of a module's namespace in the one app tree: utf8(name) + "/". */
export function namespacePrefix(name: string): Bytes {
  return utf8(`${name}/`);
}

/** namespacePrefix(name), one read-only array per name (the store views of every context only read it). */
const prefixes = new Map<string, Bytes>();
function sharedPrefix(name: string): Bytes {
  let p = prefixes.get(name);
  if (p === undefined) {
    p = namespacePrefix(name);
    if (prefixes.size >= 1024) prefixes.clear();
    prefixes.set(name, p);
  }
  return p;
}

/** the full tree key of a module-relative key. */
export function namespacedKey(name: string, key: Bytes): Bytes {
  const p = namespacePrefix(name);
  const out = new Uint8Array(p.length + key.length);
  out.set(p, 0);
  out.set(key, p.length);
  return out;
}

/** What read-only keeper methods need. */
export interface ReadContext {
  readonly block: BlockHeader;
  store(namespace: string): KVStoreReader;
}

/**
 * The consensus facts of the block being finalized (SDK CometInfo): the decided last commit (who signed
 * the previous block) and the misbehavior (evidence) the block carries. Only in BeginBlock/EndBlock contexts.
 */
export interface CometInfo {
  readonly lastCommit: CommitInfo;
  readonly misbehavior: readonly Misbehavior[];
}

/** What writing keeper methods need. */
export interface WriteContext extends ReadContext {
  readonly mode: ExecMode;
  /** set in the block hooks of FinalizeBlock (undefined in txs, queries and genesis). */
  readonly cometInfo?: CometInfo;
  readonly events: EventManager;
  readonly gas: GasMeter;
  readonly logger: Logger;
  readonly runtimeParams: RuntimeParams;
  /** the node's phase timer (FinalizeBlock only; absent elsewhere and in tests): see PhaseTracer. */
  readonly tracer?: PhaseTracer;
  store(namespace: string): KVStore;
}

export type TxContext = WriteContext;
export type BlockContext = WriteContext;

/** the outcome of a tx delivered at InitChain (genutil's gentxs). */
export interface GenesisTxResult {
  code: number;
  codespace: string;
  log: string;
}

export interface GenesisContext extends WriteContext {
  /** runs a signed tx (ante + messages) against the genesis state, as the SDK delivers gentxs at InitChain. */
  readonly deliverTx?: (tx: Bytes) => Promise<GenesisTxResult>;
}

export interface QueryContext extends ReadContext {
  readonly logger: Logger;
  readonly runtimeParams: RuntimeParams;
}

export interface WriteContextOptions {
  base: KVStore;
  block: BlockHeader;
  mode: ExecMode;
  gas?: GasMeter;
  events?: EventManager;
  logger?: Logger;
  runtimeParams?: RuntimeParams;
  cometInfo?: CometInfo;
  tracer?: PhaseTracer;
}

/** a context over `base`: store(name) is a gas-metered view of name's namespace. */
export function createWriteContext(o: WriteContextOptions): WriteContext {
  const gas = o.gas ?? createInfiniteGasMeter();
  const stores = new Map<string, KVStore>();
  return {
    block: o.block,
    mode: o.mode,
    events: o.events ?? new EventManager(),
    gas,
    logger: o.logger ?? noopLogger,
    runtimeParams: o.runtimeParams ?? DEFAULT_RUNTIME_PARAMS,
    ...(o.cometInfo !== undefined ? { cometInfo: o.cometInfo } : {}),
    ...(o.tracer !== undefined ? { tracer: o.tracer } : {}),
    store(namespace: string): KVStore {
      let s = stores.get(namespace);
      if (s === undefined) {
        s = new GasKVStore(new PrefixStore(o.base, sharedPrefix(namespace)), gas);
        stores.set(namespace, s);
      }
      return s;
    },
  };
}

/** a copy of `ctx` with another event buffer and/or base store (runtime branching). */
export function withEvents(ctx: WriteContext, events: EventManager): WriteContext {
  return { ...ctx, events, store: ctx.store.bind(ctx) };
}

class ReadOnlyPrefix implements KVStoreReader {
  private readonly inner: PrefixStore;
  constructor(base: KVStoreReader, prefix: Bytes) {
    this.inner = new PrefixStore(base as KVStore, prefix);
  }
  get(key: Bytes) {
    return this.inner.get(key);
  }
  has(key: Bytes) {
    return this.inner.has(key);
  }
  iterate(opts?: Parameters<KVStoreReader["iterate"]>[0]) {
    return this.inner.iterate(opts);
  }
}

export interface QueryContextOptions {
  base: KVStoreReader;
  block: BlockHeader;
  logger?: Logger;
  runtimeParams?: RuntimeParams;
}

export function createQueryContext(o: QueryContextOptions): QueryContext {
  return {
    block: o.block,
    logger: o.logger ?? noopLogger,
    runtimeParams: o.runtimeParams ?? DEFAULT_RUNTIME_PARAMS,
    store: (namespace: string) => new ReadOnlyPrefix(o.base, sharedPrefix(namespace)),
  };
}

export const EMPTY_TIME: Timestamp = Object.freeze({ seconds: 0n, nanos: 0 });
