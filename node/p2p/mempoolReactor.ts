/**
 * Mempool gossip (consensus.md §7): a tx that CheckTx accepted into our pool is flooded to every peer
 * except the one(s) it came from; a tx from a peer goes through the same admission (TxPool.checkAndAdd).
 *
 * - Senders are remembered per tx hash (bounded LRU, default 10,000 hashes), so a tx is never sent back
 *   to a peer that sent it; a duplicate from another peer just adds that peer as a sender.
 * - Flooding is batched per event-loop turn: one message carries as many txs as fit the channel's
 *   frame limit (CometBFT's wire shape: tendermint.mempool.Message{txs: Txs{repeated bytes txs}}).
 * - A newly connected peer is sent the pool's current txs (bounded by its send queue).
 * - While block syncing, txs from peers are not checked (the state is behind) but kept, bounded
 *   (`syncBufferTxs`, `syncBufferBytes`), and nothing is flooded; when syncing ends (setSyncing(false))
 *   the kept txs go through admission as if just received (and are flooded on), then the pool is offered
 *   to every peer. Dropping them lost acknowledged txs in the soak: a node that caught up first floods
 *   its clients' txs to peers still syncing, never offers them again, and is then killed.
 * - A peer is penalised only for what is provably its fault: an undecodable message or a tx above
 *   max_tx_bytes (reject). CheckTx failures, full pools and duplicates are "ignore" (the peer may have
 *   validated against another state; tendermint#5574).
 *
 * The reactor implements the RPC's MempoolView, so node.ts hands it to the RPC in place of the pool:
 * txs from broadcast_tx_* go through checkAndAdd here and are flooded once accepted.
 */
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { Logger } from "pino";
import type { Bytes, CheckTxResponse } from "../../modules/core/abci.ts";
import { toHex } from "../../modules/core/bytes.ts";
import type { PoolTx } from "../mempool/txPool.ts";
import type { MempoolView } from "../rpc/env.ts";
import { txHash } from "../types/hash.ts";
import { type Channel, type ChannelLimits, channelSpec, type ChannelSpec } from "./channel.ts";
import { uvarintSize } from "./framing.ts";
import type { MessageOutcome } from "./peerScore.ts";

/** tendermint.mempool.Message { oneof sum { Txs txs = 1; } }, Txs { repeated bytes txs = 1; }. */
export function encodeMempoolMessage(txs: readonly Bytes[]): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.LengthDelimited).fork();
  for (const tx of txs) w.tag(1, WireType.LengthDelimited).bytes(tx);
  w.join();
  return w.finish();
}

export function decodeMempoolMessage(bz: Uint8Array): Bytes[] {
  const r = new BinaryReader(bz);
  const txs: Bytes[] = [];
  let seen = false;
  while (r.pos < r.len) {
    const [field, wt] = r.tag();
    if (field !== 1 || wt !== WireType.LengthDelimited) throw new Error(`mempool message: unexpected field ${field}/${wt}`);
    seen = true;
    const inner = new BinaryReader(r.bytes());
    while (inner.pos < inner.len) {
      const [f, t] = inner.tag();
      if (f !== 1 || t !== WireType.LengthDelimited) throw new Error(`mempool Txs: unexpected field ${f}/${t}`);
      txs.push(inner.bytes());
    }
  }
  if (!seen || txs.length === 0) throw new Error("mempool message: no txs");
  return txs;
}

/** bytes one tx adds to an encoded Txs (tag + length + bytes). */
function txFieldSize(len: number): number {
  return 1 + uvarintSize(len) + len;
}

/** the pool as the reactor sees it (TxPool). */
export interface GossipPool {
  checkAndAdd(tx: Bytes, hash?: Bytes): Promise<CheckTxResponse>;
  /** true when checkAndAdd would refuse the tx of this key (hex hash) as a duplicate (TxPool.seen). */
  seen?(key: string): boolean;
  checkOnly(tx: Bytes): Promise<CheckTxResponse>;
  size(): number;
  sizeBytes(): number;
  reap(limit: number): Bytes[];
  entries?(): PoolTx[];
}

/** what the reactor needs of the p2p host. */
export interface ChannelFactory {
  channel<T>(spec: ChannelSpec<T>): Channel<T>;
}

export interface MempoolReactorOptions {
  /** the pool's max_tx_bytes: bigger txs from peers are rejected (the frame limit follows from it). */
  maxTxBytes: number;
  /** tx hashes whose senders are remembered. */
  sendersCacheSize: number;
  /** starts in block-sync mode. */
  syncing: boolean;
  /** txs from peers kept while syncing (checked when syncing ends); beyond these bounds they are dropped. */
  syncBufferTxs: number;
  syncBufferBytes: number;
  channel: Partial<ChannelLimits>;
}

export const DEFAULT_MEMPOOL_REACTOR_OPTIONS: MempoolReactorOptions = {
  maxTxBytes: 1024 * 1024,
  sendersCacheSize: 10_000,
  syncing: false,
  syncBufferTxs: 10_000,
  syncBufferBytes: 32 * 1024 * 1024,
  channel: {},
};

export interface MempoolReactorStats {
  received: number;
  accepted: number;
  duplicates: number;
  refused: number;
  flooded: number;
}

export class MempoolReactor implements MempoolView {
  readonly channel: Channel<Bytes[]>;
  readonly stats: MempoolReactorStats = { received: 0, accepted: 0, duplicates: 0, refused: 0, flooded: 0 };
  private readonly o: MempoolReactorOptions;
  private readonly pool: GossipPool;
  private readonly logger: Logger;
  private readonly senders = new Map<string, Set<string>>();
  private pending: { tx: Bytes; key: string }[] = [];
  private flushScheduled = false;
  private syncing: boolean;
  private deferred: { peer: string; tx: Bytes }[] = [];
  private deferredBytes = 0;
  private readonly maxBatchBytes: number;

  constructor(opts: Partial<MempoolReactorOptions>, deps: { host: ChannelFactory; pool: GossipPool; logger: Logger }) {
    this.o = { ...DEFAULT_MEMPOOL_REACTOR_OPTIONS, ...opts };
    this.pool = deps.pool;
    this.logger = deps.logger.child({ module: "mempool-reactor" });
    this.syncing = this.o.syncing;
    const maxMsgBytes = this.o.channel.maxMsgBytes ?? this.o.maxTxBytes + 16;
    this.maxBatchBytes = maxMsgBytes - 8; // Message tag + Txs length prefix
    this.channel = deps.host.channel(
      channelSpec<Bytes[]>("mempool", { encode: encodeMempoolMessage, decode: decodeMempoolMessage }, { ...this.o.channel, maxMsgBytes }),
    );
    this.channel.onMessage((peer, txs) => this.receive(peer, txs));
    this.channel.onPeer((ev) => {
      if (ev.type === "up" && !this.syncing) this.sendPool(ev.peer);
    });
  }

  /** block sync on/off; when it ends, every peer is offered the pool. */
  setSyncing(syncing: boolean): void {
    const was = this.syncing;
    this.syncing = syncing;
    if (was && !syncing) {
      const kept = this.deferred;
      this.deferred = [];
      this.deferredBytes = 0;
      for (const { peer, tx } of kept) void this.admit(peer, tx);
      for (const p of this.channel.peers()) this.sendPool(p);
    }
  }

  /** txs kept while syncing (tests). */
  get deferredCount(): number {
    return this.deferred.length;
  }

  // ---- MempoolView (the RPC's entry point) --------------------------------------------------

  async checkAndAdd(tx: Bytes): Promise<CheckTxResponse> {
    const hash = txHash(tx);
    const res = await this.pool.checkAndAdd(tx, hash);
    if (res.code === 0) this.flood(tx, toHex(hash));
    return res;
  }

  checkOnly(tx: Bytes): Promise<CheckTxResponse> {
    return this.pool.checkOnly(tx);
  }

  size(): number {
    return this.pool.size();
  }

  sizeBytes(): number {
    return this.pool.sizeBytes();
  }

  reap(limit: number): Bytes[] {
    return this.pool.reap(limit);
  }

  // ---- gossip -------------------------------------------------------------------------------

  private addSender(key: string, peer: string): boolean {
    let s = this.senders.get(key);
    if (s === undefined) {
      if (this.senders.size >= this.o.sendersCacheSize) {
        const oldest = this.senders.keys().next().value;
        if (oldest !== undefined) this.senders.delete(oldest);
      }
      s = new Set();
      this.senders.set(key, s);
    }
    const isNew = !s.has(peer);
    s.add(peer);
    return isNew;
  }

  /** peers that sent us this tx (tests). */
  sendersOf(tx: Bytes): string[] {
    return [...(this.senders.get(toHex(txHash(tx))) ?? [])];
  }

  private async receive(peer: string, txs: Bytes[]): Promise<MessageOutcome> {
    if (this.syncing) {
      for (const tx of txs) {
        if (tx.length > this.o.maxTxBytes) return "reject";
        if (this.deferred.length >= this.o.syncBufferTxs || this.deferredBytes + tx.length > this.o.syncBufferBytes) break;
        this.deferred.push({ peer, tx });
        this.deferredBytes += tx.length;
      }
      return "ignore";
    }
    let outcome: MessageOutcome = "accept";
    await Promise.all(
      txs.map(async (tx) => {
        if (tx.length > this.o.maxTxBytes) {
          this.stats.received++;
          outcome = "reject";
          return;
        }
        await this.admit(peer, tx);
      }),
    );
    return outcome;
  }

  private async admit(peer: string, tx: Bytes): Promise<void> {
    this.stats.received++;
    const hash = txHash(tx);
    const key = toHex(hash);
    this.addSender(key, peer);
    if (this.pool.seen?.(key) === true) {
      // another peer's copy of a tx we hold (or are checking, or committed): no CheckTx, no thrown error
      this.stats.duplicates++;
      return;
    }
    try {
      const res = await this.pool.checkAndAdd(tx, hash);
      if (res.code === 0) {
        this.stats.accepted++;
        this.flood(tx, key);
      } else {
        this.stats.refused++;
      }
    } catch (e: unknown) {
      const code = (e as { type?: { code?: string } }).type?.code;
      if (code === "TX_IN_CACHE") this.stats.duplicates++;
      else if (code !== "MEMPOOL_CLOSED") this.logger.debug({ err: e, peer }, "tx from peer not added");
    }
  }

  private flood(tx: Bytes, key: string): void {
    if (this.syncing) return;
    this.pending.push({ tx, key });
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const batch = this.pending;
      this.pending = [];
      for (const peer of this.channel.peers()) this.sendTo(peer, batch);
    });
  }

  private sendTo(peer: string, items: readonly { tx: Bytes; key: string }[]): void {
    let txs: Bytes[] = [];
    let bytes = 0;
    for (const { tx, key } of items) {
      if (this.senders.get(key)?.has(peer) === true) continue;
      const size = txFieldSize(tx.length);
      if (txs.length > 0 && bytes + size > this.maxBatchBytes) {
        if (this.channel.send(peer, txs)) this.stats.flooded += txs.length;
        txs = [];
        bytes = 0;
      }
      txs.push(tx);
      bytes += size;
    }
    if (txs.length > 0 && this.channel.send(peer, txs)) this.stats.flooded += txs.length;
  }

  private sendPool(peer: string): void {
    const entries = this.pool.entries?.();
    if (entries === undefined || entries.length === 0) return;
    this.sendTo(
      peer,
      entries.map((e) => ({ tx: e.tx, key: toHex(e.hash) })),
    );
  }
}
