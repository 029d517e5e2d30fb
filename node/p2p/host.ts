/**
 * The p2p host: a libp2p node (TCP, noise, yamux, identify) keyed by the node key, so that its PeerId
 * and CometBFT node id name the same ed25519 key (nodeId.ts). Peers are named by node id everywhere
 * above this file.
 *
 * - listens on p2p.laddr ("tcp://127.0.0.1:26656", "127.0.0.1:0" in tests);
 * - persistent peers (`<nodeid>@host:port`) are dialled at start, with exponential backoff on failure
 *   (initial 500 ms, ×2, cap 30 s, ±20 % jitter) and re-dialled after every disconnect; a dial whose
 *   remote key does not match the node id is refused by the connection gater;
 * - seeds are dialled once at start (there is no peer exchange yet);
 * - at most `maxPeers` peers (persistent peers do not count against it and are never refused for it);
 * - a peer that speaks none of this chain's channel protocols (identify) is dropped (other network);
 * - peer scores (peerScore.ts): a peer that falls below the disconnect threshold is hung up on and
 *   refused while it stays there, a banned one for the ban period (gater: dial and inbound).
 *
 * Channels (channel.ts) are created with `channel(spec)` before `start()`.
 */
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { identify } from "@libp2p/identify";
import type { Connection, Libp2p, PeerId, Stream } from "@libp2p/interface";
import { tcp } from "@libp2p/tcp";
import type { Multiaddr } from "@multiformats/multiaddr";
import { createLibp2p } from "libp2p";
import type { Logger } from "pino";
import type { Ed25519Key } from "../crypto/ed25519.ts";
import { nodeIdFromPubKey } from "../crypto/keyFiles.ts";
import { Channel, type ChannelHost, channelProtocol, type ChannelSpec, type PeerEvent, PeerSender } from "./channel.ts";
import { laddrToMultiaddr, libp2pKeyFromNodeKey, nodeIdOfPeer, parsePeerAddress, type PeerAddress, peerAddressString } from "./nodeId.ts";
import { type MessageOutcome, type PeerAction, PeerScore, type PeerScoreOptions } from "./peerScore.ts";
import type { P2PMetrics } from "../metrics/p2p.ts";
import type { TestFaults } from "./testFaults.ts";
import { installYamuxWindowThreshold } from "./yamuxWindow.ts";
import { installCorkedSend } from "./tcpCork.ts";
import { installNoiseDecoderNoThrow, noiseCrypto } from "./noiseFast.ts";

export interface HostOptions {
  chainId: string;
  /** "tcp://127.0.0.1:26656" | "127.0.0.1:26656" | a multiaddr. */
  laddr: string;
  persistentPeers: readonly string[];
  seeds: readonly string[];
  /** peers besides persistent ones (CometBFT: 40 inbound + 10 outbound). */
  maxPeers: number;
  dialTimeoutMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  score: Partial<PeerScoreOptions>;
}

export const DEFAULT_HOST_OPTIONS: Omit<HostOptions, "chainId" | "laddr"> = {
  persistentPeers: [],
  seeds: [],
  maxPeers: 50,
  dialTimeoutMs: 10_000,
  backoffInitialMs: 500,
  backoffMaxMs: 30_000,
  score: {},
};

export interface HostDeps {
  nodeKey: Pick<Ed25519Key, "seed" | "publicKey">;
  logger: Logger;
  metrics?: P2PMetrics | null;
  /** TEST ONLY (testFaults.ts, OPENLEDGER_TEST_PARTITION_FILE): partitions, drops and delays. */
  testFaults?: TestFaults | undefined;
}

export interface PeerInfo {
  /** node id (hex of SHA-256(pubkey)[0:20]). */
  id: string;
  peerId: string;
  /** remote address of the first open connection. */
  address: string;
  direction: "inbound" | "outbound";
  persistent: boolean;
}

interface ConnectedPeer {
  id: string;
  peerId: PeerId;
  sender: PeerSender;
}

interface PersistentPeer extends PeerAddress {
  attempt: number;
  timer: NodeJS.Timeout | undefined;
  dialing: boolean;
}

/** "/ip4/127.0.0.1/tcp/26656" without any /p2p/ suffix: the key persistent-peer dials are matched by. */
function addrKey(ma: Multiaddr): string {
  return ma.toString().replace(/\/p2p\/.*$/, "");
}

export class P2PHost implements ChannelHost {
  readonly nodeId: string;
  readonly logger: Logger;
  readonly scores: PeerScore;
  private readonly o: HostOptions;
  private readonly node: Libp2p;
  private readonly channels: Channel<unknown>[] = [];
  private readonly peersById = new Map<string, ConnectedPeer>();
  private readonly persistent = new Map<string, PersistentPeer>();
  private readonly persistentByAddr = new Map<string, PersistentPeer>();
  private readonly seeds: PeerAddress[];
  private readonly peerListeners = new Set<(ev: PeerEvent) => void>();
  private started = false;
  private stopping = false;
  private metrics: P2PMetrics | null = null;
  private testFaults: TestFaults | undefined;
  /** TEST ONLY, present only with fault rules: per inbound message, -1 = drop, else a delay in ms. */
  inboundFault?: (peer: string) => number;

  private constructor(o: HostOptions, nodeId: string, node: Libp2p, logger: Logger, scores: PeerScore) {
    this.o = o;
    this.nodeId = nodeId;
    this.node = node;
    this.logger = logger;
    this.scores = scores;
    for (const s of o.persistentPeers) {
      const a = parsePeerAddress(s);
      if (a.nodeId === nodeId) continue; // a shared localnet peer list names this node too
      const pp: PersistentPeer = { ...a, attempt: 0, timer: undefined, dialing: false };
      this.persistent.set(a.nodeId, pp);
      this.persistentByAddr.set(addrKey(a.addr), pp);
    }
    this.seeds = o.seeds.map(parsePeerAddress).filter((a) => a.nodeId !== nodeId);
  }

  static async create(opts: Partial<HostOptions> & Pick<HostOptions, "chainId" | "laddr">, deps: HostDeps): Promise<P2PHost> {
    const o: HostOptions = { ...DEFAULT_HOST_OPTIONS, ...opts };
    const privateKey = await libp2pKeyFromNodeKey(deps.nodeKey);
    const nodeId = nodeIdFromPubKey(deps.nodeKey.publicKey);
    const logger = deps.logger.child({ module: "p2p" });
    const scores = new PeerScore(o.score);
    let self: P2PHost | undefined;
    const faults = deps.testFaults;
    const refused = (peerId: PeerId): boolean => {
      const id = nodeIdOfPeer(peerId);
      return id === undefined || id === nodeId || scores.isRefused(id) || faults?.isDenied(id) === true;
    };
    installYamuxWindowThreshold(); // window updates at half the window, as Go's yamux (yamuxWindow.ts)
    installNoiseDecoderNoThrow(); // no Error built per socket read (noiseFast.ts)
    const node = await createLibp2p({
      start: false,
      privateKey,
      addresses: { listen: [laddrToMultiaddr(o.laddr).toString()] },
      transports: [tcp()],
      connectionEncrypters: [noise({ crypto: noiseCrypto })], // cached cipher keys (noiseFast.ts)
      streamMuxers: [yamux()],
      services: { identify: identify() },
      // libp2p pings every connection and aborts it when a ping is not answered within an adaptive
      // timeout of at least 5 s. A validator on a busy machine (2 cores, 4 nodes) stalls that long, and
      // every stall cost all its connections (13 aborts in one localnet bench run: the peers' whole pools
      // pushed again, consensus messages lost). CometBFT waits 45 s for a pong, pinging every 60 s.
      connectionMonitor: { pingInterval: 30_000, pingTimeout: { minTimeout: 45_000, maxTimeout: 60_000 } },
      connectionManager: {
        maxConnections: o.maxPeers + o.persistentPeers.length + 8,
        dialTimeout: o.dialTimeoutMs,
        reconnectRetries: 0, // persistent peers are re-dialled here, with our backoff
      },
      connectionGater: {
        // not a filter: the first raw TCP connection gets its class's sends corked (tcpCork.ts)
        denyInboundConnection: (maConn) => {
          installCorkedSend(maConn);
          return false;
        },
        denyOutboundConnection: (_peerId, maConn) => {
          installCorkedSend(maConn);
          return false;
        },
        denyDialPeer: (peerId) => refused(peerId),
        denyInboundEncryptedConnection: (peerId) => refused(peerId),
        denyOutboundEncryptedConnection: (peerId, maConn) => {
          if (refused(peerId)) return true;
          // a dial to a persistent peer's address must reach that node id
          const pp = self?.persistentByAddr.get(addrKey(maConn.remoteAddr));
          if (pp !== undefined && pp.nodeId !== nodeIdOfPeer(peerId)) {
            logger.error({ expected: pp.nodeId, got: nodeIdOfPeer(peerId), addr: pp.raw }, "persistent peer answered with another node id");
            return true;
          }
          return false;
        },
      },
    });
    self = new P2PHost(o, nodeId, node, logger, scores);
    self.metrics = deps.metrics ?? null;
    if (faults !== undefined) {
      self.testFaults = faults;
      self.inboundFault = (peer) => faults.inbound(peer);
    }
    return self;
  }

  /** creates a channel; all channels must exist before start(). */
  channel<T>(spec: ChannelSpec<T>): Channel<T> {
    if (this.started) throw new Error(`p2p: channel ${spec.name} created after start`);
    if (this.channels.some((c) => c.name === spec.name)) throw new Error(`p2p: channel ${spec.name} created twice`);
    const ch = new Channel<T>(spec, channelProtocol(this.o.chainId, spec.name), this.channels.length, this);
    this.channels.push(ch as unknown as Channel<unknown>);
    return ch;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.scores.onStateChange((peer, state, reason) => {
      this.logger.warn({ peer, state, reason, score: this.scores.score(peer) }, "peer penalised below threshold");
      this.hangUp(peer);
    });
    this.node.addEventListener("peer:connect", (evt) => this.onConnect(evt.detail));
    this.node.addEventListener("peer:disconnect", (evt) => this.onDisconnect(evt.detail));
    this.node.addEventListener("peer:identify", (evt) => {
      const { peerId, protocols } = evt.detail;
      if (this.channels.length === 0) return;
      if (!protocols.some((p) => p.startsWith(`/openledger/${this.o.chainId}/`))) {
        this.logger.info({ peer: nodeIdOfPeer(peerId), protocols: protocols.slice(0, 8) }, "peer speaks none of this chain's protocols; disconnecting");
        this.abortPeer(peerId, "other network");
      }
    });
    for (const ch of this.channels) {
      await this.node.handle(
        ch.protocol,
        (stream: Stream, conn: Connection) => {
          const id = nodeIdOfPeer(conn.remotePeer);
          if (id === undefined || !this.peersById.has(id)) {
            stream.abort(new Error("unknown peer"));
            return;
          }
          ch.attachInbound(id, stream);
        },
        { maxInboundStreams: 4, maxOutboundStreams: 4 },
      );
    }
    await this.node.start();
    this.logger.info({ nodeId: this.nodeId, listen: this.listenAddresses() }, "p2p host started");
    this.testFaults?.start(() => this.applyTestFaults());
    for (const pp of this.persistent.values()) void this.dialPersistent(pp);
    for (const s of this.seeds) {
      this.node.dial(s.addr, { signal: AbortSignal.timeout(this.o.dialTimeoutMs) }).catch((e: unknown) => {
        this.logger.warn({ err: e, seed: s.raw }, "could not dial seed");
      });
    }
  }

  async stop(): Promise<void> {
    if (!this.started || this.stopping) return;
    this.stopping = true;
    this.testFaults?.stop();
    this.logger.info({ channels: Object.fromEntries(this.channels.map((c) => [c.name, c.stats])) }, "p2p traffic since start");
    for (const pp of this.persistent.values()) {
      if (pp.timer !== undefined) clearTimeout(pp.timer);
      pp.timer = undefined;
    }
    for (const p of this.peersById.values()) p.sender.close();
    this.peersById.clear();
    this.metrics?.peers.set(0);
    // abort rather than close: a graceful close waits (up to its timeout) for the remote's streams
    for (const c of this.node.getConnections()) c.abort(new Error("host stopping"));
    await this.node.stop();
    this.logger.info("p2p host stopped");
  }

  /** "<nodeid>@ip:port" for each listen address (what other nodes put in persistent_peers). */
  listenAddresses(): string[] {
    return this.node.getMultiaddrs().flatMap((ma) => {
      const s = peerAddressString(this.nodeId, ma);
      return s === undefined ? [] : [s];
    });
  }

  multiaddrs(): Multiaddr[] {
    return this.node.getMultiaddrs();
  }

  peers(): PeerInfo[] {
    const out: PeerInfo[] = [];
    for (const p of this.peersById.values()) {
      const conn = this.node.getConnections(p.peerId)[0];
      out.push({
        id: p.id,
        peerId: p.peerId.toString(),
        address: conn?.remoteAddr.toString() ?? "",
        direction: conn?.direction ?? "outbound",
        persistent: this.persistent.has(p.id),
      });
    }
    return out;
  }

  connectedPeers(): string[] {
    return [...this.peersById.keys()];
  }

  isConnected(peer: string): boolean {
    return this.peersById.has(peer);
  }

  sender(peer: string): PeerSender | undefined {
    return this.peersById.get(peer)?.sender;
  }

  onPeer(listener: (ev: PeerEvent) => void): () => void {
    this.peerListeners.add(listener);
    return () => this.peerListeners.delete(listener);
  }

  /** dials `<nodeid>@host:port` once; resolves with the node id when connected. */
  async dial(address: string): Promise<string> {
    const a = parsePeerAddress(address);
    const conn = await this.node.dial(a.addr, { signal: AbortSignal.timeout(this.o.dialTimeoutMs) });
    const id = nodeIdOfPeer(conn.remotePeer);
    if (id !== a.nodeId) {
      await conn.close().catch(() => {});
      throw new Error(`p2p: ${address} answered with node id ${id ?? "(not ed25519)"}`);
    }
    return id;
  }


  /** TEST ONLY: the fault rules changed: hang up on newly denied peers, re-dial allowed persistent ones now. */
  private applyTestFaults(): void {
    const f = this.testFaults;
    if (f === undefined || this.stopping) return;
    for (const p of [...this.peersById.values()]) {
      if (f.isDenied(p.id)) {
        this.logger.info({ peer: p.id }, "test partition: closing the connection to a denied peer");
        this.abortPeer(p.peerId, "test partition");
      }
    }
    for (const pp of this.persistent.values()) {
      if (f.isDenied(pp.nodeId) || this.peersById.has(pp.nodeId)) continue;
      pp.attempt = 0;
      if (pp.timer !== undefined) clearTimeout(pp.timer);
      pp.timer = undefined;
      void this.dialPersistent(pp);
    }
  }

  penalize(peer: string, action: PeerAction, reason: string): void {
    this.logger.debug({ peer, action, reason }, "peer penalised");
    this.scores.apply(peer, action, reason);
  }

  report(peer: string, outcome: MessageOutcome, reason: string): void {
    if (outcome === "reject") this.penalize(peer, "lowTolerance", reason);
  }

  /** bans (disconnect + refuse) for `ms`, default the score's ban duration. */
  ban(peer: string, reason: string, ms?: number): void {
    this.scores.ban(peer, reason, ms);
  }

  disconnect(peer: string, reason: string): void {
    this.logger.info({ peer, reason }, "disconnecting peer");
    this.hangUp(peer);
  }

  private hangUp(peer: string): void {
    const p = this.peersById.get(peer);
    if (p !== undefined) this.abortPeer(p.peerId, "disconnected");
  }

  /** aborts every connection to the peer at once (a graceful close waits for the remote's streams). */
  private abortPeer(peerId: PeerId, reason: string): void {
    for (const c of this.node.getConnections(peerId)) c.abort(new Error(reason));
  }

  private emit(ev: PeerEvent): void {
    for (const l of this.peerListeners) {
      try {
        l(ev);
      } catch (e: unknown) {
        this.logger.error({ err: e, ev }, "peer listener threw");
      }
    }
  }

  private onConnect(peerId: PeerId): void {
    if (this.stopping) return;
    const id = nodeIdOfPeer(peerId);
    if (id === undefined || id === this.nodeId || this.scores.isRefused(id) || this.testFaults?.isDenied(id) === true) {
      this.abortPeer(peerId, "refused");
      return;
    }
    const pp = this.persistent.get(id);
    if (pp === undefined) {
      let others = 0;
      for (const k of this.peersById.keys()) if (!this.persistent.has(k)) others++;
      if (others >= this.o.maxPeers) {
        this.logger.debug({ peer: id }, "max peers reached; refusing");
        this.abortPeer(peerId, "max peers");
        return;
      }
    } else {
      pp.attempt = 0;
      if (pp.timer !== undefined) clearTimeout(pp.timer);
      pp.timer = undefined;
    }
    if (this.peersById.has(id)) return;
    const sender = new PeerSender(id, (protocol) => this.openStream(peerId, protocol), this.logger);
    this.peersById.set(id, { id, peerId, sender });
    this.metrics?.peers.set(this.peersById.size);
    this.logger.info({ peer: id, persistent: pp !== undefined, peers: this.peersById.size }, "peer connected");
    this.emit({ type: "up", peer: id });
  }

  private onDisconnect(peerId: PeerId): void {
    const id = nodeIdOfPeer(peerId);
    if (id === undefined) return;
    const p = this.peersById.get(id);
    if (p !== undefined && p.peerId.equals(peerId)) {
      this.peersById.delete(id);
      this.metrics?.peers.set(this.peersById.size);
      p.sender.close();
      this.logger.info({ peer: id, peers: this.peersById.size }, "peer disconnected");
      this.emit({ type: "down", peer: id });
    }
    const pp = this.persistent.get(id);
    if (pp !== undefined && !this.stopping) this.scheduleDial(pp, this.o.backoffInitialMs);
  }

  private async openStream(peerId: PeerId, protocol: string): Promise<Stream> {
    const conn = this.node.getConnections(peerId).find((c) => c.status === "open");
    if (conn === undefined) throw new Error("no open connection");
    return conn.newStream(protocol, { signal: AbortSignal.timeout(this.o.dialTimeoutMs) });
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.o.backoffMaxMs, this.o.backoffInitialMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(base * (0.8 + 0.4 * Math.random()));
  }

  private scheduleDial(pp: PersistentPeer, delayMs: number): void {
    if (this.stopping || pp.timer !== undefined) return;
    pp.timer = setTimeout(() => {
      pp.timer = undefined;
      void this.dialPersistent(pp);
    }, delayMs);
    pp.timer.unref?.();
  }

  private async dialPersistent(pp: PersistentPeer): Promise<void> {
    if (this.stopping || pp.dialing || this.peersById.has(pp.nodeId)) return;
    pp.dialing = true;
    try {
      const conn = await this.node.dial(pp.addr, { signal: AbortSignal.timeout(this.o.dialTimeoutMs) });
      if (nodeIdOfPeer(conn.remotePeer) !== pp.nodeId) {
        await conn.close().catch(() => {});
        throw new Error(`answered with node id ${nodeIdOfPeer(conn.remotePeer) ?? "(not ed25519)"}`);
      }
      pp.attempt = 0;
    } catch (e: unknown) {
      if (this.stopping) return;
      pp.attempt++;
      const delay = this.backoff(pp.attempt);
      this.logger.debug({ err: e, peer: pp.raw, attempt: pp.attempt, retryInMs: delay }, "could not dial persistent peer");
      this.scheduleDial(pp, delay);
    } finally {
      pp.dialing = false;
    }
  }
}
