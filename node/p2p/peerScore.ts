/**
 * Peer scoring (Lodestar's PeerRpcScoreStore, simplified). Every message a reactor validates ends in
 * one of three outcomes: accept (fine), ignore (useless but not the peer's fault: late, duplicate,
 * already committed — never penalised, tendermint#5574) or reject (invalid: the peer misbehaved).
 * Penalties are graded as in Lodestar's PeerAction:
 *
 *   fatal           −100   provably malicious (a block that fails verification, a forged signature)
 *   lowTolerance     −10   invalid message (undecodable, oversize frame, reject outcome)
 *   midTolerance      −5   protocol misuse that can be an honest race (unsolicited response, timeout)
 *   highTolerance     −1   nuisance (a claim we could not confirm)
 *
 * The score starts at 0, is capped to [−100, 100] and decays towards 0 with a half-life (10 min).
 * Below −20 the peer is disconnected and refused until its score decays back above −20; below −50
 * it is banned: disconnected and refused for `banDurationMs` (30 min), whatever its score does.
 */
export type MessageOutcome = "accept" | "ignore" | "reject";
export type PeerAction = "fatal" | "lowTolerance" | "midTolerance" | "highTolerance";
export type PeerScoreState = "healthy" | "disconnected" | "banned";

export const PEER_ACTION_PENALTY: Readonly<Record<PeerAction, number>> = {
  fatal: -100,
  lowTolerance: -10,
  midTolerance: -5,
  highTolerance: -1,
};

export interface PeerScoreOptions {
  disconnectThreshold: number;
  banThreshold: number;
  banDurationMs: number;
  halfLifeMs: number;
  /** scores remembered (least recently touched forgotten first; banned peers are kept). */
  maxPeers: number;
  now: () => number;
}

export const DEFAULT_PEER_SCORE_OPTIONS: PeerScoreOptions = {
  disconnectThreshold: -20,
  banThreshold: -50,
  banDurationMs: 30 * 60_000,
  halfLifeMs: 10 * 60_000,
  maxPeers: 4096,
  now: () => Date.now(),
};

const MAX_SCORE = 100;
const MIN_SCORE = -100;

interface Entry {
  score: number;
  at: number;
  bannedUntil: number;
}

export type ScoreListener = (peer: string, state: Exclude<PeerScoreState, "healthy">, reason: string) => void;

export class PeerScore {
  private readonly o: PeerScoreOptions;
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<ScoreListener>();

  constructor(opts: Partial<PeerScoreOptions> = {}) {
    this.o = { ...DEFAULT_PEER_SCORE_OPTIONS, ...opts };
  }

  /** called when a peer falls below the disconnect or ban threshold (the host hangs up). */
  onStateChange(l: ScoreListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private entry(peer: string): Entry {
    const now = this.o.now();
    let e = this.entries.get(peer);
    if (e === undefined) {
      e = { score: 0, at: now, bannedUntil: 0 };
      if (this.entries.size >= this.o.maxPeers) this.evictOne(now);
    } else {
      this.entries.delete(peer); // re-insert: most recently touched last
      if (now > e.at) {
        e.score *= 0.5 ** ((now - e.at) / this.o.halfLifeMs);
        if (Math.abs(e.score) < 1e-3) e.score = 0;
        e.at = now;
      }
    }
    this.entries.set(peer, e);
    return e;
  }

  private evictOne(now: number): void {
    for (const [k, e] of this.entries) {
      if (e.bannedUntil > now) continue;
      this.entries.delete(k);
      return;
    }
  }

  score(peer: string): number {
    return this.entries.has(peer) ? this.entry(peer).score : 0;
  }

  state(peer: string): PeerScoreState {
    if (!this.entries.has(peer)) return "healthy";
    const e = this.entry(peer);
    if (e.bannedUntil > this.o.now()) return "banned";
    if (e.score < this.o.disconnectThreshold) return "disconnected";
    return "healthy";
  }

  /** a peer that must not be connected now (banned, or still below the disconnect threshold). */
  isRefused(peer: string): boolean {
    return this.state(peer) !== "healthy";
  }

  /** applies a penalty; returns the resulting state (listeners hear about non-healthy ones). */
  apply(peer: string, action: PeerAction, reason: string): PeerScoreState {
    const e = this.entry(peer);
    e.score = Math.max(MIN_SCORE, Math.min(MAX_SCORE, e.score + PEER_ACTION_PENALTY[action]));
    return this.settle(peer, e, reason);
  }

  /** the penalty of a message outcome: reject → lowTolerance, others nothing. */
  report(peer: string, outcome: MessageOutcome, reason: string): PeerScoreState {
    if (outcome === "reject") return this.apply(peer, "lowTolerance", reason);
    return this.state(peer);
  }

  /** bans for `ms` (default banDurationMs) regardless of score. */
  ban(peer: string, reason: string, ms = this.o.banDurationMs): void {
    const e = this.entry(peer);
    e.bannedUntil = Math.max(e.bannedUntil, this.o.now() + ms);
    for (const l of this.listeners) l(peer, "banned", reason);
  }

  unban(peer: string): void {
    const e = this.entries.get(peer);
    if (e === undefined) return;
    e.bannedUntil = 0;
    if (e.score < this.o.disconnectThreshold) e.score = this.o.disconnectThreshold;
  }

  private settle(peer: string, e: Entry, reason: string): PeerScoreState {
    const now = this.o.now();
    if (e.bannedUntil > now) return "banned";
    if (e.score <= this.o.banThreshold) {
      e.bannedUntil = now + this.o.banDurationMs;
      for (const l of this.listeners) l(peer, "banned", reason);
      return "banned";
    }
    if (e.score < this.o.disconnectThreshold) {
      for (const l of this.listeners) l(peer, "disconnected", reason);
      return "disconnected";
    }
    return "healthy";
  }
}
