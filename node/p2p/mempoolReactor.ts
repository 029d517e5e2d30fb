/**
 * Mempool gossip (consensus.md §7): a tx that CheckTx accepted into our pool reaches every peer except
 * the one(s) it came from; a tx from a peer goes through the same admission (TxPool.checkAndAdd).
 *
 * - Push and announce (after celestia-core's CAT mempool, `SeenTx` / `WantTx`): a tx submitted to this
 *   node (RPC) is pushed whole to every peer. A tx accepted from a peer is only announced: its hash goes
 *   to every peer not known to have it (`SeenTx`). A peer that hears of a tx it neither holds nor is
 *   checking asks the announcer for it (`WantTx`) after `wantDelayMs` (the origin's own push usually
 *   arrives first: on a full mesh each tx then crosses each link once whole instead of ~2.6 times), and
 *   asks another announcer after `wantRetryMs` if no copy came. A peer answers a want from its pool.
 * - Senders are remembered per tx hash (bounded LRU, default 10,000 hashes): a peer that sent or
 *   announced a tx is never sent it nor told of it again; a duplicate from another peer just adds that
 *   peer as a sender.
 * - Flooding is batched per event-loop turn: one message carries as many txs as fit the channel's
 *   frame limit (CometBFT's wire shape: tendermint.mempool.Message{txs: Txs{repeated bytes txs}}).
 * - A newly connected peer is offered the pool's current txs (bounded by its send queue): whole, except
 *   the ones we already sent it whole over an earlier connection, which are only announced (a peer that
 *   reconnected after a hiccup holds them; one that restarted asks for what it lacks). Under load, peers
 *   that reconnected were pushed the whole pool again: 5.0-5.8 whole sends per tx instead of 3.
 * - While block syncing, txs from peers are not checked (the state is behind) but kept, bounded
 *   (`syncBufferTxs`, `syncBufferBytes`), announcements are remembered (bounded by `maxWanted`) but not
 *   followed, and nothing is flooded; when syncing ends (setSyncing(false)) the kept txs go through
 *   admission as if just received (and are announced on), the announced ones still missing are asked
 *   for, then the pool is offered to every peer. Dropping them lost acknowledged txs in the soak: a node that caught up first floods
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
import { KeyOrder } from "../util/keyOrder.ts";
import { uvarintSize } from "./framing.ts";
import type { MessageOutcome } from "./peerScore.ts";

/**
 * A mempool channel message: whole txs, or tx hashes announced (`seen`) or asked for (`want`).
 * Wire (celestia-core CAT's tendermint.mempool.Message): oneof sum { Txs txs = 1; SeenTx seen_tx = 2;
 * WantTx want_tx = 3; } with Txs { repeated bytes txs = 1; }, SeenTx / WantTx { repeated bytes tx_key = 1; }
 * (repeated so one message carries a batch; a one-key message is byte-identical to CAT's).
 */
export type MempoolMessage = { txs: Bytes[] } | { seen: Bytes[] } | { want: Bytes[] };

const TX_KEY_BYTES = 32;

function encodeList(field: number, items: readonly Bytes[]): Uint8Array {
  const w = new BinaryWriter();
  w.tag(field, WireType.LengthDelimited).fork();
  for (const x of items) w.tag(1, WireType.LengthDelimited).bytes(x);
  w.join();
  return w.finish();
}

/** tendermint.mempool.Message { txs = 1 }, Txs { repeated bytes txs = 1; } (CometBFT's shape). */
export function encodeMempoolMessage(txs: readonly Bytes[]): Uint8Array {
  return encodeList(1, txs);
}

export function encodeMempoolMsg(m: MempoolMessage): Uint8Array {
  if ("txs" in m) return encodeList(1, m.txs);
  if ("seen" in m) return encodeList(2, m.seen);
  return encodeList(3, m.want);
}

export function decodeMempoolMsg(bz: Uint8Array): MempoolMessage {
  const r = new BinaryReader(bz);
  const items: Bytes[] = [];
  let kind = 0;
  while (r.pos < r.len) {
    const [field, wt] = r.tag();
    if (field < 1 || field > 3 || wt !== WireType.LengthDelimited) throw new Error(`mempool message: unexpected field ${field}/${wt}`);
    if (kind !== 0 && kind !== field) throw new Error("mempool message: more than one kind");
    kind = field;
    const inner = new BinaryReader(r.bytes());
    while (inner.pos < inner.len) {
      const [f, t] = inner.tag();
      if (f !== 1 || t !== WireType.LengthDelimited) throw new Error(`mempool message ${field}: unexpected field ${f}/${t}`);
      const b = inner.bytes();
      if (field !== 1 && b.length !== TX_KEY_BYTES) throw new Error(`mempool message ${field}: tx key of ${b.length} bytes`);
      items.push(b);
    }
  }
  if (kind === 0 || items.length === 0) throw new Error("mempool message: empty");
  return kind === 1 ? { txs: items } : kind === 2 ? { seen: items } : { want: items };
}

/** the txs of a `txs` message (throws on any other kind). */
export function decodeMempoolMessage(bz: Uint8Array): Bytes[] {
  const m = decodeMempoolMsg(bz);
  if (!("txs" in m)) throw new Error("mempool message: no txs");
  return m.txs;
}

/** bytes one tx adds to an encoded Txs (tag + length + bytes). */
function txFieldSize(len: number): number {
  return 1 + uvarintSize(len) + len;
}

/**
 * tx key → peers, bounded: the oldest key is dropped when full (insertion order in a KeyOrder: O(1),
 * where dropping a Map's first key walks the holes at its front, ~18 µs per tx at 10,000 keys).
 */
export class PeerLists {
  private readonly max: number;
  private readonly map = new Map<string, string[]>();
  /** the map's keys in insertion order (a key enters when absent and leaves only from the head). */
  private readonly order = new KeyOrder();

  constructor(max: number) {
    this.max = max;
  }

  get(key: string): readonly string[] | undefined {
    return this.map.get(key);
  }

  has(key: string, peer: string): boolean {
    return this.map.get(key)?.includes(peer) === true;
  }

  /** adds `peer` to `key`'s list; false if it was there. */
  add(key: string, peer: string): boolean {
    const peers = this.map.get(key);
    if (peers === undefined) {
      if (this.map.size >= this.max) {
        const oldest = this.order.shiftOldest();
        if (oldest !== undefined) this.map.delete(oldest);
      }
      this.map.set(key, [peer]);
      this.order.push(key);
      return true;
    }
    if (peers.includes(peer)) return false;
    peers.push(peer);
    return true;
  }
}

/** the pool as the reactor sees it (TxPool). */
export interface GossipPool {
  /** `hash` = SHA-256(tx), `key` = its hex (TxPool.checkAndAdd). */
  checkAndAdd(tx: Bytes, hash?: Bytes, key?: string): Promise<CheckTxResponse>;
  /** true when checkAndAdd would refuse the tx of this key (hex hash) as a duplicate (TxPool.seen). */
  seen?(key: string): boolean;
  checkOnly(tx: Bytes): Promise<CheckTxResponse>;
  size(): number;
  sizeBytes(): number;
  reap(limit: number): Bytes[];
  entries?(): PoolTx[];
  /** the pooled tx of this key (hex hash), to answer a peer's want. */
  get?(key: string): Bytes | undefined;
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
  /** a tx announced to us that has not arrived after this long is asked for. */
  wantDelayMs: number;
  /** an asked-for tx that has not arrived after this long is asked of another announcer. */
  wantRetryMs: number;
  /** announced-but-missing txs tracked at most (more announcements are not followed). */
  maxWanted: number;
  channel: Partial<ChannelLimits>;
}

export const DEFAULT_MEMPOOL_REACTOR_OPTIONS: MempoolReactorOptions = {
  maxTxBytes: 1024 * 1024,
  sendersCacheSize: 10_000,
  syncing: false,
  syncBufferTxs: 10_000,
  syncBufferBytes: 32 * 1024 * 1024,
  wantDelayMs: 200,
  wantRetryMs: 1000,
  maxWanted: 10_000,
  channel: {},
};

export interface MempoolReactorStats {
  received: number;
  accepted: number;
  duplicates: number;
  refused: number;
  /** txs sent whole (pushed, offered or asked for). */
  flooded: number;
  /** tx hashes announced to peers / received in announcements. */
  announced: number;
  announcements: number;
  /** tx hashes we asked peers for / peers' asks we answered with the tx. */
  wanted: number;
  served: number;
}

export class MempoolReactor implements MempoolView {
  readonly channel: Channel<MempoolMessage>;
  readonly stats: MempoolReactorStats = { received: 0, accepted: 0, duplicates: 0, refused: 0, flooded: 0, announced: 0, announcements: 0, wanted: 0, served: 0 };
  private readonly o: MempoolReactorOptions;
  private readonly pool: GossipPool;
  private readonly logger: Logger;
  /** tx key (hex hash) → peers that sent or announced it (a short array: at most the peer count). */
  private readonly senders: PeerLists;
  /** tx key (hex hash) → peers we sent it to whole (bounded as `senders`): after a reconnect they are only told of it. */
  private readonly delivered: PeerLists;
  private pending: { tx: Bytes; key: string; hash: Bytes; push: boolean }[] = [];
  /** announced to us, not (yet) here: hex key → raw key, peers asked, when to act next. */
  private readonly wanted = new Map<string, { raw: Bytes; asked: Set<string>; due: number }>();
  private wantTimer: ReturnType<typeof setTimeout> | undefined;
  private wantTimerAt = 0;
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
    this.senders = new PeerLists(this.o.sendersCacheSize);
    this.delivered = new PeerLists(this.o.sendersCacheSize);
    const maxMsgBytes = this.o.channel.maxMsgBytes ?? this.o.maxTxBytes + 16;
    this.maxBatchBytes = maxMsgBytes - 8; // Message tag + Txs length prefix
    this.channel = deps.host.channel(
      channelSpec<MempoolMessage>("mempool", { encode: encodeMempoolMsg, decode: decodeMempoolMsg }, { ...this.o.channel, maxMsgBytes }),
    );
    this.channel.onMessage((peer, m) => ("txs" in m ? this.receive(peer, m.txs) : "seen" in m ? this.onSeen(peer, m.seen) : this.onWant(peer, m.want)));
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
      this.scheduleWants(0);
    }
  }

  /** txs kept while syncing (tests). */
  get deferredCount(): number {
    return this.deferred.length;
  }

  // ---- MempoolView (the RPC's entry point) --------------------------------------------------

  async checkAndAdd(tx: Bytes): Promise<CheckTxResponse> {
    const hash = txHash(tx);
    const key = toHex(hash);
    const res = await this.pool.checkAndAdd(tx, hash, key);
    if (res.code === 0) this.flood(tx, key, hash, true);
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
    return this.senders.add(key, peer);
  }

  private hasSent(key: string, peer: string): boolean {
    return this.senders.has(key, peer);
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
      const res = await this.pool.checkAndAdd(tx, hash, key);
      if (res.code === 0) {
        this.stats.accepted++;
        this.flood(tx, key, hash, false);
      } else {
        this.stats.refused++;
      }
    } catch (e: unknown) {
      const code = (e as { type?: { code?: string } }).type?.code;
      if (code === "TX_IN_CACHE") this.stats.duplicates++;
      else if (code !== "MEMPOOL_CLOSED") this.logger.debug({ err: e, peer }, "tx from peer not added");
    }
  }

  /** `push`: send the tx whole (our client's tx); else announce its hash (a tx a peer relayed to us). */
  private flood(tx: Bytes, key: string, hash: Bytes, push: boolean): void {
    if (this.syncing) return;
    this.pending.push({ tx, key, hash, push });
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const batch = this.pending;
      this.pending = [];
      const pushed = batch.filter((x) => x.push);
      const announced = batch.filter((x) => !x.push);
      for (const peer of this.channel.peers()) {
        this.sendTo(peer, pushed);
        this.announceTo(peer, announced);
      }
    });
  }

  private sendTo(peer: string, items: readonly { tx: Bytes; key: string }[]): void {
    let txs: Bytes[] = [];
    let keys: string[] = [];
    let bytes = 0;
    const flush = () => {
      if (!this.channel.send(peer, { txs })) return;
      this.stats.flooded += txs.length;
      for (const k of keys) this.delivered.add(k, peer);
    };
    for (const { tx, key } of items) {
      if (this.hasSent(key, peer)) continue;
      const size = txFieldSize(tx.length);
      if (txs.length > 0 && bytes + size > this.maxBatchBytes) {
        flush();
        txs = [];
        keys = [];
        bytes = 0;
      }
      txs.push(tx);
      keys.push(key);
      bytes += size;
    }
    if (txs.length > 0) flush();
  }

  private announceTo(peer: string, items: readonly { key: string; hash: Bytes }[]): void {
    const perMsg = Math.max(1, Math.floor(this.maxBatchBytes / txFieldSize(TX_KEY_BYTES)));
    let keys: Bytes[] = [];
    for (const { key, hash } of items) {
      if (this.hasSent(key, peer)) continue;
      keys.push(hash);
      if (keys.length === perMsg) {
        if (this.channel.send(peer, { seen: keys })) this.stats.announced += keys.length;
        keys = [];
      }
    }
    if (keys.length > 0 && this.channel.send(peer, { seen: keys })) this.stats.announced += keys.length;
  }

  /** a peer holds these txs: remember it as a sender; the ones we lack are asked for after wantDelayMs. */
  private onSeen(peer: string, keys: Bytes[]): MessageOutcome {
    const due = Date.now() + this.o.wantDelayMs;
    for (const raw of keys) {
      this.stats.announcements++;
      const key = toHex(raw);
      this.addSender(key, peer);
      if (this.wanted.has(key) || this.pool.seen?.(key) === true) continue;
      if (this.wanted.size >= this.o.maxWanted) continue;
      this.wanted.set(key, { raw, asked: new Set(), due });
    }
    this.scheduleWants(this.o.wantDelayMs);
    return "accept";
  }

  /** a peer asks for txs it heard of: the ones still in our pool are sent whole. */
  private onWant(peer: string, keys: Bytes[]): MessageOutcome {
    const get = this.pool.get?.bind(this.pool);
    if (get === undefined) return "ignore";
    const items: { tx: Bytes; key: string }[] = [];
    for (const raw of keys) {
      const key = toHex(raw);
      const tx = get(key);
      if (tx !== undefined) items.push({ tx, key });
    }
    if (items.length > 0) {
      const before = this.stats.flooded;
      this.sendTo(peer, items);
      this.stats.served += this.stats.flooded - before;
    }
    return "accept";
  }

  private scheduleWants(ms: number): void {
    if (this.wanted.size === 0) return;
    const at = Date.now() + ms;
    if (this.wantTimer !== undefined) {
      if (this.wantTimerAt <= at) return;
      clearTimeout(this.wantTimer);
    }
    this.wantTimerAt = at;
    this.wantTimer = setTimeout(() => {
      this.wantTimer = undefined;
      this.sweepWants();
    }, ms);
    this.wantTimer.unref?.();
  }

  /** asks for the announced txs that are due and still missing, each of an announcer not asked yet. */
  private sweepWants(): void {
    if (this.syncing) return; // followed when syncing ends
    const now = Date.now();
    const connected = new Set(this.channel.peers());
    const asks = new Map<string, Bytes[]>();
    let next = Number.POSITIVE_INFINITY;
    for (const [key, w] of this.wanted) {
      if (this.pool.seen?.(key) === true) {
        this.wanted.delete(key);
        continue;
      }
      if (w.due > now) {
        next = Math.min(next, w.due);
        continue;
      }
      let from: string | undefined;
      for (const p of this.senders.get(key) ?? []) {
        if (!w.asked.has(p) && connected.has(p)) {
          from = p;
          break;
        }
      }
      if (from === undefined) {
        this.wanted.delete(key); // every announcer asked (or gone): a later announcement starts over
        continue;
      }
      w.asked.add(from);
      w.due = now + this.o.wantRetryMs;
      next = Math.min(next, w.due);
      let list = asks.get(from);
      if (list === undefined) asks.set(from, (list = []));
      list.push(w.raw);
    }
    const perMsg = Math.max(1, Math.floor(this.maxBatchBytes / txFieldSize(TX_KEY_BYTES)));
    for (const [peer, keys] of asks) {
      for (let i = 0; i < keys.length; i += perMsg) {
        const part = keys.slice(i, i + perMsg);
        if (this.channel.send(peer, { want: part })) this.stats.wanted += part.length;
      }
    }
    if (this.wanted.size > 0) this.scheduleWants(Math.max(0, next - Date.now()));
  }

  /** stops the want timer (node stop). */
  close(): void {
    if (this.wantTimer !== undefined) clearTimeout(this.wantTimer);
    this.wantTimer = undefined;
    this.wanted.clear();
  }

  /**
   * offers the pool to a peer that just connected (or to every peer when block sync ends): the txs we
   * already sent it whole over an earlier connection are only announced (a peer that reconnected after a
   * hiccup still holds them, and one that restarted asks for the ones it lacks); the rest go whole.
   */
  private sendPool(peer: string): void {
    const entries = this.pool.entries?.();
    if (entries === undefined || entries.length === 0) return;
    const whole: { tx: Bytes; key: string }[] = [];
    const told: { key: string; hash: Bytes }[] = [];
    for (const e of entries) {
      const key = toHex(e.hash);
      if (this.delivered.has(key, peer)) told.push({ key, hash: e.hash });
      else whole.push({ tx: e.tx, key });
    }
    this.sendTo(peer, whole);
    this.announceTo(peer, told);
  }
}
