/**
 * Fetch-by-hash between nodes over the p2p `blobs` channel (`/openledger/<chain-id>/blobs/1`):
 * request/response, each side writing on its own stream (channel.ts).
 *
 *   request  = 0x01 ‖ u32be(request id) ‖ sha256 (32 bytes)
 *   response = 0x02 ‖ u32be(request id) ‖ u8(found) ‖ blob bytes (only when found)
 *
 * - `fetch(hash)` returns the local blob when present, else asks connected peers one at a time (in
 *   the order given, default: connection order) until one answers with bytes that hash to `hash`,
 *   stores them (putVerified) and returns them. Concurrent fetches of one hash share one attempt.
 * - A peer that answers with bytes that do not match the hash is provably lying (blobs are content
 *   addressed and every store verifies on read): penalised `fatal` (banned). A peer that does not
 *   answer in time costs `midTolerance`; "not found" costs nothing; an unsolicited response (unknown
 *   id, or from another peer) costs `midTolerance`.
 * - Serving: a request is answered from the local store (verified on read); a corrupt local blob is
 *   answered "not found". At most `maxServingPerPeer` requests per peer are served at once; more are
 *   answered "not found" at once.
 */
import type { Logger } from "pino";
import { fromHex, toHex } from "../../modules/core/bytes.ts";
import { type Channel, type ChannelLimits, channelSpec, type ChannelSpec } from "../p2p/channel.ts";
import type { MessageOutcome } from "../p2p/peerScore.ts";
import { BlobError, blobHash, type BlobStore, parseBlobHash } from "./store.ts";

export type BlobMsg =
  | { type: "request"; id: number; hash: string }
  | { type: "response"; id: number; found: boolean; data: Uint8Array };

const REQ = 1;
const RES = 2;

export function encodeBlobMsg(m: BlobMsg): Uint8Array {
  if (m.type === "request") {
    const out = new Uint8Array(37);
    out[0] = REQ;
    new DataView(out.buffer).setUint32(1, m.id >>> 0);
    out.set(fromHex(parseBlobHash(m.hash)), 5);
    return out;
  }
  const data = m.found ? m.data : new Uint8Array(0);
  const out = new Uint8Array(6 + data.length);
  out[0] = RES;
  new DataView(out.buffer).setUint32(1, m.id >>> 0);
  out[5] = m.found ? 1 : 0;
  out.set(data, 6);
  return out;
}

export function decodeBlobMsg(b: Uint8Array): BlobMsg {
  if (b.length < 6) throw new Error("blob message too short");
  const id = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(1);
  if (b[0] === REQ) {
    if (b.length !== 37) throw new Error(`blob request of ${b.length} bytes, want 37`);
    return { type: "request", id, hash: toHex(b.subarray(5)) };
  }
  if (b[0] === RES) {
    if (b[5] !== 0 && b[5] !== 1) throw new Error("blob response: found must be 0 or 1");
    if (b[5] === 0 && b.length !== 6) throw new Error("blob response: not-found with data");
    return { type: "response", id, found: b[5] === 1, data: b.slice(6) };
  }
  throw new Error(`unknown blob message type ${b[0]}`);
}

/** the `blobs` channel spec (frame limit = max blob + header). */
export function blobsChannelSpec(maxBlobBytes: number, limits: Partial<ChannelLimits> = {}): ChannelSpec<BlobMsg> {
  return channelSpec<BlobMsg>("blobs", { encode: encodeBlobMsg, decode: decodeBlobMsg }, { maxMsgBytes: maxBlobBytes + 64, ...limits });
}

export class BlobNotFoundError extends BlobError {
  constructor(message: string) {
    super(message);
    this.name = "BlobNotFoundError";
  }
}

export interface BlobChannelFactory {
  channel<T>(spec: ChannelSpec<T>): Channel<T>;
}

export interface BlobExchangeOptions {
  /** per-peer answer deadline. */
  requestTimeoutMs: number;
  maxServingPerPeer: number;
  channel: Partial<ChannelLimits>;
}

export const DEFAULT_BLOB_EXCHANGE_OPTIONS: BlobExchangeOptions = { requestTimeoutMs: 10_000, maxServingPerPeer: 4, channel: {} };

export interface BlobExchangeStats {
  served: number;
  fetched: number;
  lies: number;
  timeouts: number;
}

type Answer = { kind: "ok"; data: Uint8Array } | { kind: "missing" } | { kind: "lie" } | { kind: "timeout" };

interface Pending {
  peer: string;
  hash: string;
  done: (a: Answer) => void;
}

export class BlobExchange {
  readonly channel: Channel<BlobMsg>;
  readonly store: BlobStore;
  readonly stats: BlobExchangeStats = { served: 0, fetched: 0, lies: 0, timeouts: 0 };
  private readonly o: BlobExchangeOptions;
  private readonly logger: Logger;
  private readonly pending = new Map<number, Pending>();
  private readonly inflight = new Map<string, Promise<Uint8Array>>();
  private readonly serving = new Map<string, number>();
  private nextId = 1;

  constructor(opts: Partial<BlobExchangeOptions>, deps: { host: BlobChannelFactory; store: BlobStore; logger: Logger }) {
    this.o = { ...DEFAULT_BLOB_EXCHANGE_OPTIONS, ...opts };
    this.store = deps.store;
    this.logger = deps.logger.child({ module: "blobs" });
    this.channel = deps.host.channel(blobsChannelSpec(this.store.maxBytes, this.o.channel));
    this.channel.onMessage((peer, msg) => (msg.type === "request" ? this.serve(peer, msg.id, msg.hash) : this.answer(peer, msg)));
    this.channel.onPeer((ev) => {
      if (ev.type !== "down") return;
      this.serving.delete(ev.peer);
      for (const p of [...this.pending.values()]) if (p.peer === ev.peer) p.done({ kind: "missing" });
    });
  }

  /** the blob, from the store or else from peers (verified, then stored); BlobNotFoundError when no peer has it. */
  async fetch(hash: string, opts: { peers?: readonly string[] } = {}): Promise<Uint8Array> {
    const h = parseBlobHash(hash);
    const local = await this.store.get(h).catch((e: unknown) => {
      this.logger.warn({ err: e, hash: h }, "local blob corrupt; fetching from peers");
      return undefined;
    });
    if (local !== undefined) return local;
    const running = this.inflight.get(h);
    if (running !== undefined) return running;
    const p = this.fetchFromPeers(h, opts.peers ?? this.channel.peers()).finally(() => this.inflight.delete(h));
    this.inflight.set(h, p);
    return p;
  }

  private async fetchFromPeers(h: string, peers: readonly string[]): Promise<Uint8Array> {
    let asked = 0;
    for (const peer of peers) {
      const a = await this.ask(peer, h);
      if (a === undefined) continue;
      asked++;
      if (a.kind !== "ok") continue;
      await this.store.putVerified(h, a.data);
      this.stats.fetched++;
      this.logger.debug({ hash: h, peer, bytes: a.data.length }, "blob fetched from peer");
      return a.data;
    }
    throw new BlobNotFoundError(`blob ${h} not found locally nor at ${asked} peer(s)`);
  }

  /** one request to one peer; resolves undefined when it could not be sent. */
  private ask(peer: string, hash: string): Promise<Answer | undefined> {
    const id = this.nextId;
    this.nextId = (this.nextId % 0xffff_ffff) + 1;
    return new Promise<Answer | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.stats.timeouts++;
        this.channel.penalize(peer, "midTolerance", `no answer to blob request ${hash} in ${this.o.requestTimeoutMs} ms`);
        done({ kind: "timeout" });
      }, this.o.requestTimeoutMs);
      const done = (a: Answer) => {
        clearTimeout(timer);
        if (this.pending.get(id)?.peer === peer) this.pending.delete(id);
        resolve(a);
      };
      this.pending.set(id, { peer, hash, done });
      if (!this.channel.send(peer, { type: "request", id, hash })) {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(undefined);
      }
    });
  }

  private answer(peer: string, msg: Extract<BlobMsg, { type: "response" }>): MessageOutcome {
    const p = this.pending.get(msg.id);
    if (p === undefined || p.peer !== peer) {
      this.channel.penalize(peer, "midTolerance", `unsolicited blob response ${msg.id}`);
      return "ignore";
    }
    if (!msg.found) {
      p.done({ kind: "missing" });
      return "accept";
    }
    if (msg.data.length > this.store.maxBytes || blobHash(msg.data) !== p.hash) {
      this.stats.lies++;
      this.logger.warn({ peer, hash: p.hash, bytes: msg.data.length }, "peer sent a blob that does not match its hash");
      this.channel.penalize(peer, "fatal", `blob ${p.hash}: bytes do not match the hash`);
      p.done({ kind: "lie" });
      return "ignore"; // already penalised
    }
    p.done({ kind: "ok", data: msg.data });
    return "accept";
  }

  private async serve(peer: string, id: number, hash: string): Promise<MessageOutcome> {
    const n = this.serving.get(peer) ?? 0;
    if (n >= this.o.maxServingPerPeer) {
      this.channel.send(peer, { type: "response", id, found: false, data: new Uint8Array(0) });
      return "ignore";
    }
    this.serving.set(peer, n + 1);
    try {
      let data: Uint8Array | undefined;
      try {
        data = await this.store.get(hash);
      } catch (e: unknown) {
        this.logger.warn({ err: e, hash }, "cannot serve blob");
      }
      if (data !== undefined) this.stats.served++;
      this.channel.send(peer, data === undefined ? { type: "response", id, found: false, data: new Uint8Array(0) } : { type: "response", id, found: true, data });
      return "accept";
    } finally {
      const m = (this.serving.get(peer) ?? 1) - 1;
      if (m <= 0) this.serving.delete(peer);
      else this.serving.set(peer, m);
    }
  }
}
