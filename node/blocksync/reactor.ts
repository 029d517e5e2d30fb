/**
 * Block sync (consensus.md §5.3; CometBFT blocksync v0): a node far behind fetches committed blocks
 * from peers, verifies each against the next block's last_commit, and applies it, until it is within
 * one block of the best peer; then it signals the switch to consensus. Every node serves its block
 * store to peers, syncing or not.
 *
 * Pool: peers announce {base, height} (StatusResponse; asked on connect and every statusIntervalMs).
 * Heights [next, next + maxPendingRequests) are each assigned to one peer whose range covers them, the
 * least loaded first (≤ maxPendingPerPeer in flight per peer). A request that is not answered within
 * requestTimeoutMs costs the peer midTolerance and moves elsewhere; a NoBlockResponse for a height the
 * peer claimed lowers its claimed height and moves the request. Blocks are applied strictly in order:
 * block h once h and h+1 are both here, through the injected `verifyAndApply(block, nextCommit, ext)`.
 * A BlockSyncVerifyError names the culprit (the block h or the commit in h+1): that peer is penalised
 * fatally (banned) and both heights are re-requested from other peers; any other error halts syncing
 * (`onHalt`), since it is ours (state divergence, storage, app).
 *
 * Lying heights: maxPeerHeight is recomputed from the peers present (tendermint#2699); a claim is only
 * believed until requests against it fail.
 */
import type { Logger } from "pino";
import type { Block, Bytes, ExtendedCommit } from "../types/block.ts";
import { type Channel, type ChannelLimits, channelSpec } from "../p2p/channel.ts";
import type { ChannelFactory } from "../p2p/mempoolReactor.ts";
import { type BlockSyncMessage, decodeBlockSyncMessage, encodeBlockSyncMessage } from "./messages.ts";
import { BlockSyncVerifyError, type VerifyAndApply } from "./verify.ts";

/** what block sync serves from (node/storage's BlockStore). */
export interface BlockSource {
  base(): bigint;
  height(): bigint;
  loadBlock(height: bigint): Block | undefined;
  /** stored bytes, sent unchanged when available. */
  loadBlockBytes?(height: bigint): Bytes | undefined;
  loadExtendedCommit?(height: bigint): ExtendedCommit | undefined;
}

export interface BlockSyncOptions {
  /** sync at start (false: serve only; consensus runs). */
  syncing: boolean;
  maxPendingRequests: number;
  maxPendingPerPeer: number;
  requestTimeoutMs: number;
  statusIntervalMs: number;
  /** no caught-up verdict before this long after start unless a block arrived (peers still connecting). */
  startupGraceMs: number;
  channel: Partial<ChannelLimits>;
  /** TEST ONLY (OPENLEDGER_TEST_LIE_HEIGHT, node/util/testEnv.ts): the height our status claims (a lying peer). */
  testLieHeight?: bigint | undefined;
}

export const DEFAULT_BLOCKSYNC_OPTIONS: BlockSyncOptions = {
  syncing: true,
  maxPendingRequests: 64,
  maxPendingPerPeer: 20,
  requestTimeoutMs: 15_000,
  statusIntervalMs: 10_000,
  startupGraceMs: 3_000,
  channel: {},
};

export interface BlockSyncDeps {
  host: ChannelFactory;
  store: BlockSource;
  /** the last applied height (state.lastBlockHeight; 0 before the first block). */
  height(): bigint;
  /** first height of the chain (genesis initial_height). */
  initialHeight: bigint;
  verifyAndApply: VerifyAndApply;
  /** called once, when within one block of the best peer: stop syncing, start consensus. */
  onCaughtUp?(info: { height: bigint; maxPeerHeight: bigint }): void;
  /** called once when an error that is not a peer's fault stops syncing. */
  onHalt?(err: unknown): void;
  logger: Logger;
  now?: () => number;
}

interface PeerStatus {
  base: bigint;
  height: bigint;
  pending: number;
}

interface Requester {
  height: bigint;
  peer: string | undefined;
  sentAt: number;
  block: Block | undefined;
  extCommit: ExtendedCommit | undefined;
  /** the peer that delivered `block`. */
  from: string | undefined;
  tried: Set<string>;
}

export interface BlockSyncStats {
  applied: number;
  requests: number;
  timeouts: number;
  badBlocks: number;
  served: number;
}

export class BlockSyncReactor {
  readonly channel: Channel<BlockSyncMessage>;
  readonly stats: BlockSyncStats = { applied: 0, requests: 0, timeouts: 0, badBlocks: 0, served: 0 };
  private readonly o: BlockSyncOptions;
  private readonly d: BlockSyncDeps;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly peers = new Map<string, PeerStatus>();
  private readonly requesters = new Map<bigint, Requester>();
  private next: bigint;
  private syncing: boolean;
  private applying = false;
  private halted = false;
  private startedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private lastStatusRequest = 0;

  constructor(opts: Partial<BlockSyncOptions>, deps: BlockSyncDeps) {
    this.o = { ...DEFAULT_BLOCKSYNC_OPTIONS, ...opts };
    this.d = deps;
    this.logger = deps.logger.child({ module: "blocksync" });
    this.now = deps.now ?? (() => Date.now());
    this.syncing = this.o.syncing;
    this.next = this.nextHeight();
    this.channel = deps.host.channel(
      channelSpec<BlockSyncMessage>("blocksync", { encode: encodeBlockSyncMessage, decode: decodeBlockSyncMessage }, this.o.channel),
    );
    this.channel.onMessage((peer, msg) => this.receive(peer, msg));
    this.channel.onPeer((ev) => {
      if (ev.type === "up") {
        this.channel.send(ev.peer, { type: "statusRequest" });
        this.channel.send(ev.peer, this.status());
      } else {
        this.removePeer(ev.peer);
      }
    });
  }

  private nextHeight(): bigint {
    const h = this.d.height();
    return h === 0n ? this.d.initialHeight : h + 1n;
  }

  get isSyncing(): boolean {
    return this.syncing;
  }

  /** starts the timers (requests, timeouts, status polls); call after the host started. */
  start(): void {
    this.startedAt = this.now();
    const tick = Math.max(20, Math.min(250, Math.floor(this.o.requestTimeoutMs / 4)));
    this.timer = setInterval(() => this.onTimer(), tick);
    this.timer.unref?.();
    this.statusTimer = setInterval(() => this.pollStatus(), this.o.statusIntervalMs);
    this.statusTimer.unref?.();
    this.pollStatus();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.statusTimer !== undefined) clearInterval(this.statusTimer);
    this.timer = undefined;
    this.statusTimer = undefined;
    this.syncing = false;
    this.requesters.clear();
  }

  /** the highest height a connected peer claims. */
  maxPeerHeight(): bigint {
    let m = 0n;
    for (const p of this.peers.values()) if (p.height > m) m = p.height;
    return m;
  }

  /** peers' claimed ranges (tests, RPC). */
  peerStatuses(): { peer: string; base: bigint; height: bigint; pending: number }[] {
    return [...this.peers].map(([peer, s]) => ({ peer, ...s }));
  }

  private status(): BlockSyncMessage {
    return { type: "status", height: this.o.testLieHeight ?? this.d.store.height(), base: this.d.store.base() };
  }

  private pollStatus(): void {
    if (!this.syncing) return;
    this.lastStatusRequest = this.now();
    this.channel.broadcast({ type: "statusRequest" });
  }

  // ---- serving ------------------------------------------------------------------------------

  private serve(peer: string, h: bigint): void {
    const s = this.d.store;
    if (h < s.base() || h > s.height()) {
      this.channel.send(peer, { type: "noBlock", height: h });
      return;
    }
    const ext = s.loadExtendedCommit?.(h);
    const raw = s.loadBlockBytes?.(h);
    const block = raw === undefined ? s.loadBlock(h) : undefined;
    let msg: BlockSyncMessage;
    if (raw !== undefined) msg = ext === undefined ? { type: "blockRaw", block: raw } : { type: "blockRaw", block: raw, extCommit: ext };
    else if (block !== undefined) msg = ext === undefined ? { type: "block", block } : { type: "block", block, extCommit: ext };
    else msg = { type: "noBlock", height: h };
    if (msg.type !== "noBlock") this.stats.served++;
    this.channel.send(peer, msg);
  }

  // ---- receiving ----------------------------------------------------------------------------

  private receive(peer: string, m: BlockSyncMessage): "accept" | "ignore" | "reject" | undefined {
    switch (m.type) {
      case "statusRequest":
        this.channel.send(peer, this.status());
        return undefined;
      case "blockRequest":
        this.serve(peer, m.height);
        return undefined;
      case "status": {
        const p = this.peers.get(peer);
        if (p === undefined) this.peers.set(peer, { base: m.base, height: m.height, pending: 0 });
        else {
          p.base = m.base;
          p.height = m.height;
        }
        this.tick();
        return undefined;
      }
      case "noBlock":
        return this.onNoBlock(peer, m.height);
      case "block":
        return this.onBlock(peer, m.block, m.extCommit);
      case "blockRaw":
        return "reject"; // never produced by the decoder
    }
  }

  private onNoBlock(peer: string, h: bigint): "ignore" | undefined {
    const r = this.requesters.get(h);
    if (r === undefined || r.peer !== peer) return "ignore";
    this.unassign(r);
    const p = this.peers.get(peer);
    if (p !== undefined && h <= p.height && h >= p.base) {
      // it claimed the height, then did not serve it: believe the lower claim (pruned or lying)
      p.height = h - 1n;
      this.channel.penalize(peer, "highTolerance", `no block ${h} within its claimed range`);
    }
    this.tick();
    return undefined;
  }

  private onBlock(peer: string, block: Block, ext: ExtendedCommit | undefined): "ignore" | "reject" | undefined {
    const h = block.header.height;
    const r = this.requesters.get(h);
    if (r === undefined || r.peer !== peer) {
      // late (we moved the request elsewhere) or unsolicited
      if (r?.tried.has(peer) === true || h < this.next) return "ignore";
      this.channel.penalize(peer, "midTolerance", `unsolicited block ${h}`);
      return undefined;
    }
    if (r.block !== undefined) return "ignore";
    const p = this.peers.get(peer);
    if (p !== undefined && p.pending > 0) p.pending--;
    r.block = block;
    r.extCommit = ext;
    r.from = peer;
    r.peer = undefined;
    void this.process();
    return undefined;
  }

  // ---- pool ---------------------------------------------------------------------------------

  private removePeer(peer: string): void {
    this.peers.delete(peer);
    for (const r of this.requesters.values()) if (r.peer === peer) this.unassign(r, false);
    this.tick();
  }

  private unassign(r: Requester, tried = true): void {
    if (r.peer !== undefined) {
      const p = this.peers.get(r.peer);
      if (p !== undefined && p.pending > 0) p.pending--;
      if (tried) r.tried.add(r.peer);
    }
    r.peer = undefined;
  }

  private onTimer(): void {
    if (!this.syncing || this.halted) return;
    const now = this.now();
    for (const r of this.requesters.values()) {
      if (r.peer !== undefined && r.block === undefined && now - r.sentAt > this.o.requestTimeoutMs) {
        this.stats.timeouts++;
        const peer = r.peer;
        this.logger.debug({ peer, height: r.height.toString() }, "block request timed out");
        this.unassign(r);
        this.channel.penalize(peer, "midTolerance", `block ${r.height} request timed out`);
      }
    }
    this.tick();
  }

  private pickPeer(h: bigint, r: Requester): string | undefined {
    let best: string | undefined;
    let bestPending = Number.POSITIVE_INFINITY;
    let anyUntried = false;
    for (const [id, p] of this.peers) {
      if (h < p.base || h > p.height || p.pending >= this.o.maxPendingPerPeer) continue;
      if (!r.tried.has(id)) anyUntried = true;
    }
    for (const [id, p] of this.peers) {
      if (h < p.base || h > p.height || p.pending >= this.o.maxPendingPerPeer) continue;
      if (anyUntried && r.tried.has(id)) continue;
      if (p.pending < bestPending) {
        best = id;
        bestPending = p.pending;
      }
    }
    return best;
  }

  private tick(): void {
    if (!this.syncing || this.halted) return;
    const max = this.maxPeerHeight();
    const end = this.next + BigInt(this.o.maxPendingRequests);
    for (let h = this.next; h < end && h <= max; h++) {
      let r = this.requesters.get(h);
      if (r === undefined) {
        r = { height: h, peer: undefined, sentAt: 0, block: undefined, extCommit: undefined, from: undefined, tried: new Set() };
        this.requesters.set(h, r);
      }
      if (r.block !== undefined || r.peer !== undefined) continue;
      const peer = this.pickPeer(h, r);
      if (peer === undefined) continue;
      if (!this.channel.send(peer, { type: "blockRequest", height: h })) continue;
      r.peer = peer;
      r.sentAt = this.now();
      (this.peers.get(peer) as PeerStatus).pending++;
      this.stats.requests++;
    }
    this.checkCaughtUp();
  }

  private checkCaughtUp(): void {
    if (!this.syncing || this.applying || this.peers.size === 0) return;
    if (this.stats.applied === 0 && this.now() - this.startedAt < this.o.startupGraceMs) return;
    const max = this.maxPeerHeight();
    const height = this.d.height();
    if (height + 1n < max) return;
    this.syncing = false;
    this.requesters.clear();
    this.logger.info({ height: height.toString(), maxPeerHeight: max.toString(), applied: this.stats.applied }, "block sync caught up; switching to consensus");
    this.d.onCaughtUp?.({ height, maxPeerHeight: max });
  }

  /** applies every block whose successor is here, in order. */
  private async process(): Promise<void> {
    if (this.applying || this.halted || !this.syncing) return;
    this.applying = true;
    try {
      for (;;) {
        const a = this.requesters.get(this.next);
        const b = this.requesters.get(this.next + 1n);
        if (a?.block === undefined || b?.block === undefined) break;
        try {
          await this.d.verifyAndApply(a.block, b.block.lastCommit, a.extCommit);
        } catch (e: unknown) {
          if (!(e instanceof BlockSyncVerifyError)) throw e;
          this.stats.badBlocks++;
          const bad = e.culprit === "block" ? a : b;
          const culprit = bad.from as string;
          this.logger.warn({ peer: culprit, height: bad.height.toString(), err: e.message }, "peer served a block that fails verification");
          this.channel.penalize(culprit, "fatal", e.message);
          // drop both blocks of the failed pair and everything else the culprit delivered or owes
          for (const r of this.requesters.values()) {
            if (r === a || r === b || r.from === culprit) {
              if (r.from === culprit) r.tried.add(culprit);
              r.block = undefined;
              r.extCommit = undefined;
              r.from = undefined;
            }
            if (r.peer === culprit) this.unassign(r);
          }
          break;
        }
        this.requesters.delete(this.next);
        this.stats.applied++;
        const h = this.d.height();
        if (h !== this.next) throw new Error(`verifyAndApply of block ${this.next} left the state at height ${h}`);
        this.next = h + 1n;
      }
    } catch (e: unknown) {
      this.halted = true;
      this.syncing = false;
      this.logger.error({ err: e, height: this.next.toString() }, "block sync halted");
      this.d.onHalt?.(e);
      return;
    } finally {
      this.applying = false;
    }
    this.tick();
  }
}
