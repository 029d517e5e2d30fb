/**
 * KvApp: an in-memory key=value Application (CometBFT abci/example/kvstore analogue) for node tests that
 * must not depend on modules/. A tx is UTF-8 "key=value"; a value "fail" makes the tx FAILED (code 2,
 * included, nothing written); anything else malformed is INVALID at CheckTx (code 1, codespace "kv").
 * The app hash is SHA-256 over the sorted (key, value) pairs, length-prefixed. Committed state lives in
 * a KvBackend (MemoryBackend by default) written in one atomic batch per Commit together with the
 * height and app hash, so a test can "crash" (drop the app object) and reopen it over the same backend.
 * InitChain's state is not persisted until the first Commit (as in the Cosmos SDK).
 */
import type {
  AbciEvent,
  Application,
  Bytes,
  CheckTxRequest,
  CheckTxResponse,
  CommitResponse,
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
  VerifyVoteExtensionRequest,
  VerifyVoteExtensionResponse,
} from "../../modules/core/abci.ts";
import { EMPTY, fromUtf8, readU64be, u64be, utf8 } from "../../modules/core/bytes.ts";
import { sha256 } from "../../modules/core/hash.ts";
import { MemoryBackend } from "../../modules/core/store/memory.ts";
import type { BatchOp, KvBackend } from "../../modules/core/store/types.ts";

const STATE_PREFIX = "s/";
const META_HEIGHT = utf8("m/height");
const META_APPHASH = utf8("m/apphash");

export const KV_CODESPACE = "kv";
export const KV_ERR_INVALID = 1;
export const KV_ERR_FAILED = 2;

export function parseKvTx(tx: Bytes): { key: string; value: string } | undefined {
  let s: string;
  try {
    s = fromUtf8(tx);
  } catch {
    return undefined;
  }
  const i = s.indexOf("=");
  if (i <= 0 || s.indexOf("=", i + 1) !== -1) return undefined;
  return { key: s.slice(0, i), value: s.slice(i + 1) };
}

function u32(n: number): Bytes {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

/** SHA-256 over the sorted pairs: ‖u32(len k)‖k‖u32(len v)‖v for each. */
export function kvAppHash(state: ReadonlyMap<string, string>): Bytes {
  const keys = [...state.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const parts: Bytes[] = [];
  for (const k of keys) {
    const kb = utf8(k);
    const vb = utf8(state.get(k) as string);
    parts.push(u32(kb.length), kb, u32(vb.length), vb);
  }
  let n = 0;
  for (const p of parts) n += p.length;
  const all = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return sha256(all);
}

function result(code: number, log: string, events: AbciEvent[] = []): ExecTxResult {
  return {
    code,
    data: EMPTY,
    log,
    info: "",
    gasWanted: 1n,
    gasUsed: code === 0 ? 1n : 0n,
    events,
    codespace: code === 0 ? "" : KV_CODESPACE,
  };
}

export interface KvAppOptions {
  backend?: KvBackend;
  /** processProposal answers reject for every block (tests of the halting path). */
  rejectProposals?: boolean;
}

export class KvApp implements Application {
  readonly backend: KvBackend;
  private committed = new Map<string, string>();
  private height = 0n;
  private appHash: Bytes = EMPTY;
  /** pending writes of InitChain (until the first Commit) or of the last FinalizeBlock. */
  private pending: Map<string, string> | undefined;
  private pendingHeight: bigint | undefined;
  private checkState = new Map<string, string>();
  private loaded = false;
  rejectProposals: boolean;
  /** every request the app saw, for assertions. */
  readonly seen = {
    prepare: [] as PrepareProposalRequest[],
    process: [] as ProcessProposalRequest[],
    finalize: [] as FinalizeBlockRequest[],
    extend: [] as ExtendVoteRequest[],
    checkTx: [] as CheckTxRequest[],
    commits: 0,
    initChain: 0,
  };
  /** set while a call runs: tests assert that no two calls overlap. */
  private inCall = false;
  overlapped = false;
  /** artificial latency per call (ms), to widen interleaving windows in tests. */
  delayMs = 0;

  constructor(opts: KvAppOptions = {}) {
    this.backend = opts.backend ?? new MemoryBackend();
    this.rejectProposals = opts.rejectProposals ?? false;
  }

  private async enter<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.inCall) this.overlapped = true;
    this.inCall = true;
    try {
      if (!this.loaded) await this.load();
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      return await fn();
    } finally {
      this.inCall = false;
    }
  }

  private async load(): Promise<void> {
    this.loaded = true;
    const h = this.backend.get(META_HEIGHT);
    this.height = h === undefined ? 0n : readU64be(h);
    this.appHash = this.backend.get(META_APPHASH) ?? EMPTY;
    const m = new Map<string, string>();
    for await (const [k, v] of this.backend.iterate({ prefix: utf8(STATE_PREFIX) })) {
      m.set(fromUtf8(k).slice(STATE_PREFIX.length), fromUtf8(v));
    }
    this.committed = m;
    this.checkState = new Map(m);
  }

  /** committed state (a copy). */
  state(): Map<string, string> {
    return new Map(this.committed);
  }

  info(_req: InfoRequest): Promise<InfoResponse> {
    return this.enter(() => ({
      data: "kvstore",
      version: "1.0.0",
      appVersion: 1n,
      lastBlockHeight: this.height,
      lastBlockAppHash: this.appHash,
    }));
  }

  initChain(req: InitChainRequest): Promise<InitChainResponse> {
    return this.enter(() => {
      this.seen.initChain++;
      if (this.height !== 0n) throw new Error(`kvapp: InitChain at height ${this.height}`);
      const init = new Map<string, string>();
      if (req.appStateBytes.length > 0) {
        const obj = JSON.parse(fromUtf8(req.appStateBytes)) as unknown;
        if (obj !== null && typeof obj === "object") {
          for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
            if (typeof v === "string") init.set(k, v);
          }
        }
      }
      this.pending = init;
      this.pendingHeight = 0n;
      this.checkState = new Map(init);
      return { consensusParams: null, validators: [], appHash: kvAppHash(init) };
    });
  }

  checkTx(req: CheckTxRequest): Promise<CheckTxResponse> {
    return this.enter(() => {
      this.seen.checkTx.push(req);
      const kv = parseKvTx(req.tx);
      const base = kv === undefined ? result(KV_ERR_INVALID, "invalid tx format: want key=value") : result(0, "");
      return { ...base, sender: kv?.key ?? "", sequence: 0n, priority: 0n };
    });
  }

  prepareProposal(req: PrepareProposalRequest): Promise<PrepareProposalResponse> {
    return this.enter(() => {
      this.seen.prepare.push(req);
      const out: Bytes[] = [];
      let size = 0n;
      for (const tx of req.txs) {
        if (parseKvTx(tx) === undefined) continue;
        const s = BigInt(tx.length + 5);
        if (size + s > req.maxTxBytes) break;
        size += s;
        out.push(tx);
      }
      return { txs: out };
    });
  }

  processProposal(req: ProcessProposalRequest): Promise<ProcessProposalResponse> {
    return this.enter(() => {
      this.seen.process.push(req);
      if (this.rejectProposals) return { status: "reject" as const };
      for (const tx of req.txs) if (parseKvTx(tx) === undefined) return { status: "reject" as const };
      return { status: "accept" as const };
    });
  }

  extendVote(req: ExtendVoteRequest): Promise<ExtendVoteResponse> {
    return this.enter(() => {
      this.seen.extend.push(req);
      return { voteExtension: utf8(`ext:${req.height}`) };
    });
  }

  verifyVoteExtension(_req: VerifyVoteExtensionRequest): Promise<VerifyVoteExtensionResponse> {
    return this.enter(() => ({ status: "accept" as const }));
  }

  finalizeBlock(req: FinalizeBlockRequest): Promise<FinalizeBlockResponse> {
    return this.enter(() => {
      this.seen.finalize.push(req);
      if (this.height !== 0n && req.height !== this.height + 1n) {
        throw new Error(`kvapp: FinalizeBlock at height ${req.height} after committed height ${this.height}`);
      }
      const base = this.pending !== undefined && this.pendingHeight === 0n ? this.pending : this.committed;
      const work = new Map(base);
      const txResults: ExecTxResult[] = [];
      for (const tx of req.txs) {
        const kv = parseKvTx(tx);
        if (kv === undefined) {
          txResults.push(result(KV_ERR_INVALID, "invalid tx format"));
        } else if (kv.value === "fail") {
          txResults.push(result(KV_ERR_FAILED, `tx failed: ${kv.key}`));
        } else {
          work.set(kv.key, kv.value);
          txResults.push(
            result(0, "", [
              {
                type: "app",
                attributes: [
                  { key: "key", value: kv.key, index: true },
                  { key: "creator", value: "kvapp", index: true },
                ],
              },
            ]),
          );
        }
      }
      this.pending = work;
      this.pendingHeight = req.height;
      return {
        events: [{ type: "block", attributes: [{ key: "height", value: req.height.toString(), index: false }] }],
        txResults,
        validatorUpdates: [],
        consensusParamUpdates: null,
        appHash: kvAppHash(work),
      };
    });
  }

  commit(): Promise<CommitResponse> {
    return this.enter(async () => {
      const work = this.pending;
      const height = this.pendingHeight;
      if (work === undefined || height === undefined || height === 0n) throw new Error("kvapp: Commit without FinalizeBlock");
      const ops: BatchOp[] = [];
      for (const k of this.committed.keys()) if (!work.has(k)) ops.push({ type: "del", key: utf8(STATE_PREFIX + k) });
      for (const [k, v] of work) {
        if (this.committed.get(k) !== v) ops.push({ type: "put", key: utf8(STATE_PREFIX + k), value: utf8(v) });
      }
      const appHash = kvAppHash(work);
      ops.push({ type: "put", key: META_HEIGHT, value: u64be(height) });
      ops.push({ type: "put", key: META_APPHASH, value: appHash });
      await this.backend.write(ops, { sync: true });
      this.committed = work;
      this.height = height;
      this.appHash = appHash;
      this.pending = undefined;
      this.pendingHeight = undefined;
      this.checkState = new Map(work);
      this.seen.commits++;
      return { retainHeight: 0n };
    });
  }

  query(req: QueryRequest): Promise<QueryResponse> {
    return this.enter(() => {
      const key = fromUtf8(req.data);
      const v = this.committed.get(key);
      return {
        code: 0,
        log: v === undefined ? "does not exist" : "exists",
        info: "",
        index: 0n,
        key: req.data,
        value: v === undefined ? EMPTY : utf8(v),
        proofOps: null,
        height: this.height,
        codespace: "",
      };
    });
  }

  async close(): Promise<void> {
    await this.backend.close();
  }
}

/** a copy of a MemoryBackend's contents (tests: snapshot an app's database at some height). */
export async function cloneBackend(src: KvBackend): Promise<MemoryBackend> {
  const out = new MemoryBackend();
  const ops: BatchOp[] = [];
  for await (const [key, value] of src.iterate()) ops.push({ type: "put", key, value });
  await out.write(ops, { sync: true });
  return out;
}
