/**
 * Typed channels: one libp2p protocol per concern, `/openledger/<chain-id>/<concern>/1`.
 *
 * Each side opens its own outbound stream per (peer, channel) and only writes to it; frames from a peer
 * arrive on the stream that peer opened. So there is no race over who opens a stream, and a stream
 * reset in one direction never loses the other direction. Frames are uvarint(len) ‖ payload with a hard
 * per-channel maximum checked before any payload byte is buffered (framing.ts).
 *
 * Sending: `send`/`broadcast` encode once, then enqueue the frame on a bounded per-peer, per-channel
 * queue (count and bytes). A per-peer pump drains the queues in strict channel priority order
 * (consensus-votes > consensus-data > consensus-state > blocksync > evidence > mempool, consensus.md
 * §5.1) into the streams; a stream whose yamux window is full (send() === false) is skipped until it
 * drains, so a slow channel never blocks a faster one. When a queue is full its overflow policy applies:
 *   drop-oldest  drop queued frames from the head until the new one fits (stale first: state, votes)
 *   drop-newest  refuse the new frame; send() returns false (mempool, evidence, blocksync)
 *   disconnect   hang up on the peer (a peer that cannot keep up with a channel that must not lose data)
 *
 * Receiving: an oversize or malformed frame resets the stream and costs the peer lowTolerance; a frame
 * the channel's decoder rejects costs lowTolerance; a handler's returned outcome (accept | ignore |
 * reject, sync or async) feeds the peer's score the same way (peerScore.ts).
 */
import type { Stream } from "@libp2p/interface";
import type { Logger } from "pino";
import { encodeFrame, FrameDecoder, FrameError } from "./framing.ts";
import { DelayLine } from "./testFaults.ts";
import type { MessageOutcome, PeerAction } from "./peerScore.ts";

export const CHANNEL_NAMES = ["consensus-state", "consensus-data", "consensus-votes", "mempool", "evidence", "blocksync", "blobs"] as const;
export type ChannelName = (typeof CHANNEL_NAMES)[number];

export type OverflowPolicy = "drop-oldest" | "drop-newest" | "disconnect";

export interface ChannelLimits {
  /** hard maximum of one frame's payload (checked on receive before buffering, and on send). */
  maxMsgBytes: number;
  /** per-peer send queue bounds. */
  maxQueueMsgs: number;
  maxQueueBytes: number;
  overflow: OverflowPolicy;
  /** lower is sent first. */
  priority: number;
}

const MiB = 1024 * 1024;

/**
 * Defaults per concern. Blocks are ≤ 4 MiB (DESIGN.md), so consensus-data carries a whole block plus
 * its proposal; blocksync a block plus its (extended) commit; mempool one 1 MiB tx or a batch up to it.
 */
export const CHANNEL_DEFAULTS: Readonly<Record<ChannelName, ChannelLimits>> = {
  "consensus-votes": { maxMsgBytes: 1 * MiB, maxQueueMsgs: 2000, maxQueueBytes: 16 * MiB, overflow: "drop-oldest", priority: 0 },
  "consensus-data": { maxMsgBytes: 4 * MiB + 64 * 1024, maxQueueMsgs: 64, maxQueueBytes: 32 * MiB, overflow: "drop-oldest", priority: 1 },
  "consensus-state": { maxMsgBytes: 64 * 1024, maxQueueMsgs: 1000, maxQueueBytes: 4 * MiB, overflow: "drop-oldest", priority: 2 },
  blocksync: { maxMsgBytes: 10 * MiB, maxQueueMsgs: 64, maxQueueBytes: 64 * MiB, overflow: "drop-newest", priority: 3 },
  evidence: { maxMsgBytes: 1 * MiB, maxQueueMsgs: 256, maxQueueBytes: 8 * MiB, overflow: "drop-newest", priority: 4 },
  mempool: { maxMsgBytes: 1 * MiB + 1024, maxQueueMsgs: 2000, maxQueueBytes: 32 * MiB, overflow: "drop-newest", priority: 5 },
  /** datanet payloads fetched by hash (node/blobstore/exchange.ts): a blob of ≤ 4 MiB plus its header. */
  blobs: { maxMsgBytes: 4 * MiB + 64, maxQueueMsgs: 64, maxQueueBytes: 64 * MiB, overflow: "drop-newest", priority: 6 },
};

export interface ChannelCodec<T> {
  encode(msg: T): Uint8Array;
  /** throws on malformed bytes (the sender is penalised). */
  decode(bytes: Uint8Array): T;
}

export interface ChannelSpec<T> extends ChannelLimits, ChannelCodec<T> {
  name: ChannelName;
}

/** a channel spec with the concern's default limits, optionally overridden. */
export function channelSpec<T>(name: ChannelName, codec: ChannelCodec<T>, limits: Partial<ChannelLimits> = {}): ChannelSpec<T> {
  return { name, ...CHANNEL_DEFAULTS[name], ...limits, encode: codec.encode, decode: codec.decode };
}

export function channelProtocol(chainId: string, name: ChannelName): string {
  return `/openledger/${chainId}/${name}/1`;
}

/** a handler's verdict: an outcome, nothing (= accept), or a promise of either. */
export type MessageHandler<T> = (peer: string, msg: T) => MessageOutcome | void | Promise<MessageOutcome | void>;

export type PeerEvent = { type: "up"; peer: string } | { type: "down"; peer: string };

/** what a channel needs from the host (implemented by P2PHost). */
export interface ChannelHost {
  readonly logger: Logger;
  connectedPeers(): string[];
  isConnected(peer: string): boolean;
  /** the peer's sender, undefined when not connected. */
  sender(peer: string): PeerSender | undefined;
  penalize(peer: string, action: PeerAction, reason: string): void;
  report(peer: string, outcome: MessageOutcome, reason: string): void;
  disconnect(peer: string, reason: string): void;
  onPeer(listener: (ev: PeerEvent) => void): () => void;
  /** TEST ONLY (testFaults.ts): per inbound message from `peer`, -1 = drop it, else a delay in ms. */
  inboundFault?: ((peer: string) => number) | undefined;
}

export interface ChannelStats {
  sent: number;
  received: number;
  dropped: number;
  rejected: number;
  /** payload bytes of the messages counted in sent / received. */
  bytesSent: number;
  bytesReceived: number;
}

/** a typed view of one protocol. */
export class Channel<T> {
  readonly spec: ChannelSpec<T>;
  readonly protocol: string;
  readonly index: number;
  readonly stats: ChannelStats = { sent: 0, received: 0, dropped: 0, rejected: 0, bytesSent: 0, bytesReceived: 0 };
  private readonly host: ChannelHost;
  private readonly handlers = new Set<MessageHandler<T>>();

  constructor(spec: ChannelSpec<T>, protocol: string, index: number, host: ChannelHost) {
    this.spec = spec;
    this.protocol = protocol;
    this.index = index;
    this.host = host;
  }

  get name(): ChannelName {
    return this.spec.name;
  }

  private frame(msg: T): Uint8Array {
    const payload = this.spec.encode(msg);
    if (payload.length > this.spec.maxMsgBytes) {
      throw new Error(`p2p ${this.spec.name}: message of ${payload.length} bytes exceeds the channel maximum ${this.spec.maxMsgBytes}`);
    }
    return encodeFrame(payload);
  }

  /** queues `msg` for `peer`; false when the peer is not connected or the queue refused it. */
  send(peer: string, msg: T): boolean {
    const s = this.host.sender(peer);
    if (s === undefined) return false;
    return this.enqueue(s, this.frame(msg));
  }

  /** queues `msg` for every connected peer but `except`; returns how many accepted it. */
  broadcast(msg: T, except?: string | Iterable<string>): number {
    const skip = except === undefined ? undefined : typeof except === "string" ? new Set([except]) : new Set(except);
    let frame: Uint8Array | undefined;
    let n = 0;
    for (const p of this.host.connectedPeers()) {
      if (skip?.has(p) === true) continue;
      const s = this.host.sender(p);
      if (s === undefined) continue;
      frame ??= this.frame(msg);
      if (this.enqueue(s, frame)) n++;
    }
    return n;
  }

  private enqueue(s: PeerSender, frame: Uint8Array): boolean {
    const r = s.enqueue(this, frame);
    if (r === "ok") {
      this.stats.sent++;
      this.stats.bytesSent += frame.length;
      return true;
    }
    this.stats.dropped++;
    if (r === "disconnect") this.host.disconnect(s.peer, `send queue of ${this.spec.name} overflowed`);
    return false;
  }

  /** subscribes to decoded messages; returns an unsubscribe function. */
  onMessage(handler: MessageHandler<T>): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** peer up/down events (the host's, for reactors' convenience). */
  onPeer(listener: (ev: PeerEvent) => void): () => void {
    return this.host.onPeer(listener);
  }

  peers(): string[] {
    return this.host.connectedPeers();
  }

  /** frames queued for `peer` on this channel (tests, metrics). */
  queued(peer: string): number {
    return this.host.sender(peer)?.queued(this.index) ?? 0;
  }

  /** a reactor's later verdict on a peer's message (e.g. after async validation). */
  report(peer: string, outcome: MessageOutcome, reason: string): void {
    if (outcome === "reject") this.stats.rejected++;
    this.host.report(peer, outcome, `${this.spec.name}: ${reason}`);
  }

  penalize(peer: string, action: PeerAction, reason: string): void {
    this.host.penalize(peer, action, `${this.spec.name}: ${reason}`);
  }

  /** reads frames from an inbound stream the peer opened (called by the host). */
  attachInbound(peer: string, stream: Stream): void {
    const decoder = new FrameDecoder(this.spec.maxMsgBytes);
    const fault = this.host.inboundFault;
    const line = fault === undefined ? undefined : new DelayLine<Uint8Array>((f) => {
      if (this.host.isConnected(peer)) this.dispatch(peer, f);
    });
    stream.addEventListener("message", (evt) => {
      if (!this.host.isConnected(peer)) return;
      let frames: Uint8Array[];
      try {
        frames = decoder.push(evt.data);
      } catch (e: unknown) {
        const reason = e instanceof FrameError ? e.message : String(e);
        this.stats.rejected++;
        this.host.penalize(peer, "lowTolerance", `${this.spec.name}: ${reason}`);
        stream.abort(e instanceof Error ? e : new Error(reason));
        return;
      }
      if (fault === undefined || line === undefined) {
        for (const f of frames) this.dispatch(peer, f);
        return;
      }
      for (const f of frames) {
        const d = fault(peer);
        if (d < 0) this.stats.dropped++;
        else line.push(f, d);
      }
    });
  }

  private dispatch(peer: string, bytes: Uint8Array): void {
    let msg: T;
    try {
      msg = this.spec.decode(bytes);
    } catch (e: unknown) {
      this.stats.rejected++;
      this.host.penalize(peer, "lowTolerance", `${this.spec.name}: undecodable message: ${(e as Error).message}`);
      return;
    }
    this.stats.received++;
    this.stats.bytesReceived += bytes.length;
    for (const h of this.handlers) {
      let r: MessageOutcome | void | Promise<MessageOutcome | void>;
      try {
        r = h(peer, msg);
      } catch (e: unknown) {
        this.host.logger.error({ err: e, channel: this.spec.name, peer }, "p2p message handler threw");
        continue;
      }
      if (r === undefined) continue;
      if (typeof r === "string") {
        if (r !== "accept") this.report(peer, r, "handler verdict");
        continue;
      }
      r.then(
        (o) => {
          if (o !== undefined && o !== "accept") this.report(peer, o, "handler verdict");
        },
        (e: unknown) => this.host.logger.error({ err: e, channel: this.spec.name, peer }, "p2p message handler failed"),
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// per-peer send side

type EnqueueResult = "ok" | "dropped" | "disconnect";

/** what a sender needs of a channel (Channel<T> for any T). */
export interface ChannelRef {
  readonly index: number;
  readonly protocol: string;
  readonly spec: ChannelLimits & { readonly name: ChannelName };
}

interface OutQueue {
  spec: ChannelLimits & { name: ChannelName };
  protocol: string;
  frames: Uint8Array[];
  head: number;
  bytes: number;
  stream: Stream | undefined;
  /** waiting for the stream to open or drain. */
  blocked: boolean;
  /** after a failed open, frames are dropped until then (ms). */
  retryAt: number;
}

/** queued frames of one channel are written together up to this many bytes (a larger frame goes alone). */
export const SEND_BATCH_BYTES = 64 * 1024;

/** opens an outbound stream for a protocol on the peer's connection. */
export type StreamOpener = (protocol: string) => Promise<Stream>;

/**
 * The send queues of one peer (one per channel) and the pump that drains them in priority order.
 */
export class PeerSender {
  readonly peer: string;
  private readonly open: StreamOpener;
  private readonly logger: Logger;
  private readonly queues: (OutQueue | undefined)[] = [];
  /** channel indexes by priority. */
  private order: number[] = [];
  private scheduled = false;
  private closed = false;

  constructor(peer: string, open: StreamOpener, logger: Logger) {
    this.peer = peer;
    this.open = open;
    this.logger = logger;
  }

  private queue(ch: ChannelRef): OutQueue {
    let q = this.queues[ch.index];
    if (q === undefined) {
      q = { spec: ch.spec, protocol: ch.protocol, frames: [], head: 0, bytes: 0, stream: undefined, blocked: false, retryAt: 0 };
      this.queues[ch.index] = q;
      this.order = this.queues.flatMap((x, i) => (x === undefined ? [] : [i])).sort((a, b) => (this.queues[a]?.spec.priority ?? 0) - (this.queues[b]?.spec.priority ?? 0));
    }
    return q;
  }

  queued(index: number): number {
    const q = this.queues[index];
    return q === undefined ? 0 : q.frames.length - q.head;
  }

  enqueue(ch: ChannelRef, frame: Uint8Array): EnqueueResult {
    if (this.closed) return "dropped";
    const q = this.queue(ch);
    if (q.retryAt > 0 && Date.now() < q.retryAt) return "dropped";
    const len = frame.length;
    const fits = () => q.frames.length - q.head < q.spec.maxQueueMsgs && q.bytes + len <= q.spec.maxQueueBytes;
    if (!fits()) {
      if (q.spec.overflow === "drop-newest") return "dropped";
      if (q.spec.overflow === "disconnect") return "disconnect";
      while (!fits() && q.head < q.frames.length) {
        q.bytes -= (q.frames[q.head] as Uint8Array).length;
        q.head++;
      }
      if (!fits()) return "dropped";
    }
    if (q.head > 0 && q.head * 2 >= q.frames.length) {
      q.frames = q.frames.slice(q.head);
      q.head = 0;
    }
    q.frames.push(frame);
    q.bytes += len;
    this.schedule();
    return "ok";
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    // in a microtask: the frames queued by the same synchronous run (a status tick's messages to a peer, a
    // broadcast) still leave in one write. Not setImmediate: deferring the send to the end of the turn let
    // the in-process 4-validator network (network.test.ts) move past the height before any VoteSetMaj23
    // claim arrived, on every node, for 30 s.
    queueMicrotask(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    for (;;) {
      if (this.closed) return;
      let sent = false;
      for (const i of this.order) {
        const q = this.queues[i] as OutQueue;
        if (q.head >= q.frames.length || q.blocked) continue;
        if (q.stream === undefined || q.stream.writeStatus !== "writable") {
          this.openStream(q);
          continue;
        }
        // the frames queued behind the first go in the same write, up to SEND_BATCH_BYTES: one yamux
        // data frame, one noise encryption and one socket write for a burst of small messages (the
        // receiver's FrameDecoder splits them again)
        let n = 1;
        let total = (q.frames[q.head] as Uint8Array).length;
        while (q.head + n < q.frames.length && total + (q.frames[q.head + n] as Uint8Array).length <= SEND_BATCH_BYTES) {
          total += (q.frames[q.head + n] as Uint8Array).length;
          n++;
        }
        let frame: Uint8Array;
        if (n === 1) frame = q.frames[q.head] as Uint8Array;
        else {
          frame = new Uint8Array(total);
          let o = 0;
          for (let k = 0; k < n; k++) {
            const f = q.frames[q.head + k] as Uint8Array;
            frame.set(f, o);
            o += f.length;
          }
        }
        for (let k = 0; k < n; k++) q.frames[q.head + k] = EMPTY;
        q.head += n;
        q.bytes -= total;
        if (q.head === q.frames.length) {
          q.frames = [];
          q.head = 0;
        }
        let ok: boolean;
        try {
          ok = q.stream.send(frame);
        } catch (e: unknown) {
          this.logger.debug({ err: e, peer: this.peer, protocol: q.protocol }, "p2p stream send failed; reopening");
          q.stream = undefined;
          sent = true;
          break;
        }
        if (!ok) {
          const s = q.stream;
          q.blocked = true;
          s.onDrain().then(
            () => {
              q.blocked = false;
              this.schedule();
            },
            () => {
              if (q.stream === s) q.stream = undefined;
              q.blocked = false;
              this.schedule();
            },
          );
        }
        sent = true;
        break; // restart from the highest priority
      }
      if (!sent) return;
    }
  }

  private openStream(q: OutQueue): void {
    q.blocked = true;
    q.stream = undefined;
    this.open(q.protocol).then(
      (s) => {
        if (this.closed) {
          s.abort(new Error("peer sender closed"));
          return;
        }
        q.stream = s;
        q.blocked = false;
        q.retryAt = 0;
        this.schedule();
      },
      (e: unknown) => {
        q.blocked = false;
        q.retryAt = Date.now() + 1000;
        const dropped = q.frames.length - q.head;
        q.frames = [];
        q.head = 0;
        q.bytes = 0;
        if (!this.closed) this.logger.debug({ err: e, peer: this.peer, protocol: q.protocol, dropped }, "p2p could not open a stream");
      },
    );
  }

  /** drops every queued frame and closes the streams (peer gone or host stopping). */
  close(): void {
    this.closed = true;
    for (const q of this.queues) {
      if (q === undefined) continue;
      q.frames = [];
      q.head = 0;
      q.bytes = 0;
      const s = q.stream;
      q.stream = undefined;
      if (s !== undefined && s.status === "open") s.close().catch(() => s.abort(new Error("close failed")));
    }
  }
}

const EMPTY = new Uint8Array(0);
