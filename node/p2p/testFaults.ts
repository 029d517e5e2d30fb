/**
 * TEST ONLY: network faults injected into the p2p host, for the partition scenarios of
 * specs/consensus.md §8.4 (S8–S11) on real processes over real libp2p (§8.2 option b: the harness
 * drives the connection gater).
 *
 * Enabled only by the environment variable OPENLEDGER_TEST_PARTITION_FILE=<path to a JSON file>;
 * without it nothing here exists at run time (node.ts passes no TestFaults to the host). It is refused
 * (the node does not start) on a chain id that is not a test network's (see `TEST_CHAIN_ID_RE`).
 *
 * The file is re-read every 200 ms (polled: a harness that rewrites it by rename defeats fs.watch); a
 * missing or empty file means "no faults"; a file that does not parse keeps the previous rules (and is
 * logged). Its shape (every field optional):
 *
 *   {
 *     "deny":     ["<node id or libp2p peer id>", …],  // no connection at all: dials and inbound
 *                                                      // connections refused, open ones closed
 *     "dropFrom": ["<node id or peer id>", …],         // one-way cut: every message from these peers
 *                                                      // is dropped on arrival; we still send to them
 *     "dropPercent": 5,                                // [0, 100]: share of all other inbound messages dropped
 *     "delayMs": 0,                                    // fixed latency added to every inbound message
 *     "jitterMs": 200                                  // plus a uniform random 0..jitterMs
 *   }
 *
 * Delays keep the order of each stream (as TCP under netem jitter would): a message is delivered at
 * max(arrival + delay, the previous message's delivery). Drops are whole messages, after framing (a
 * harsher fault than TCP would show: the gossip above must cope by re-requesting or moving rounds).
 * When a denied peer is allowed again the host re-dials its persistent peers at once (no backoff).
 */
import { readFileSync } from "node:fs";
import { peerIdFromString } from "@libp2p/peer-id";
import type { Logger } from "pino";
import { nodeIdOfPeer } from "./nodeId.ts";

export const TEST_PARTITION_ENV = "OPENLEDGER_TEST_PARTITION_FILE";

/** chain ids on which the fault file is accepted: test, local and dev networks only. */
export const TEST_CHAIN_ID_RE = /^(test|testing|local|localnet|devnet|openledger-(localnet|dev|test))(-|$)/;

export interface FaultRules {
  deny: ReadonlySet<string>;
  dropFrom: ReadonlySet<string>;
  dropPercent: number;
  delayMs: number;
  jitterMs: number;
}

export const NO_FAULTS: FaultRules = { deny: new Set(), dropFrom: new Set(), dropPercent: 0, delayMs: 0, jitterMs: 0 };

const NODE_ID_RE = /^[0-9a-f]{40}$/;

/** a node id (40 hex) or a libp2p peer id (ed25519) → node id; throws otherwise. */
export function toNodeId(s: string): string {
  const t = s.trim();
  if (NODE_ID_RE.test(t.toLowerCase())) return t.toLowerCase();
  let id: string | undefined;
  try {
    id = nodeIdOfPeer(peerIdFromString(t));
  } catch {
    id = undefined;
  }
  if (id === undefined) throw new Error(`not a node id or an ed25519 peer id: "${s}"`);
  return id;
}

function num(v: unknown, name: string, max: number): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > max) throw new Error(`${name} must be a number in [0, ${max}]`);
  return v;
}

function ids(v: unknown, name: string): Set<string> {
  if (v === undefined || v === null) return new Set();
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw new Error(`${name} must be an array of node ids`);
  return new Set((v as string[]).map(toNodeId));
}

/** parses the fault file's text ("" = no faults); throws on a malformed file. */
export function parseFaultRules(text: string): FaultRules {
  if (text.trim() === "") return NO_FAULTS;
  const j: unknown = JSON.parse(text);
  if (typeof j !== "object" || j === null || Array.isArray(j)) throw new Error("the fault file must hold a JSON object");
  const o = j as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!["deny", "dropFrom", "dropPercent", "delayMs", "jitterMs"].includes(k)) throw new Error(`unknown field "${k}"`);
  }
  return {
    deny: ids(o["deny"], "deny"),
    dropFrom: ids(o["dropFrom"], "dropFrom"),
    dropPercent: num(o["dropPercent"], "dropPercent", 100),
    delayMs: num(o["delayMs"], "delayMs", 60_000),
    jitterMs: num(o["jitterMs"], "jitterMs", 60_000),
  };
}

export interface TestFaultsOptions {
  pollMs: number;
  random: () => number;
}

/** the fault rules of one node, re-read from its file. */
export class TestFaults {
  readonly path: string;
  private rules: FaultRules = NO_FAULTS;
  private lastText: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly o: TestFaultsOptions;
  private readonly logger: Logger;
  private readonly listeners = new Set<(rules: FaultRules) => void>();

  constructor(path: string, logger: Logger, opts: Partial<TestFaultsOptions> = {}) {
    this.path = path;
    this.logger = logger.child({ module: "p2p-test-faults" });
    this.o = { pollMs: 200, random: Math.random, ...opts };
    this.reload();
  }

  /**
   * From the environment: undefined when OPENLEDGER_TEST_PARTITION_FILE is absent or empty (inert);
   * throws on a chain id that is not a test network's.
   */
  static fromEnv(env: NodeJS.ProcessEnv, chainId: string, logger: Logger): TestFaults | undefined {
    const path = env[TEST_PARTITION_ENV];
    if (path === undefined || path === "") return undefined;
    if (!TEST_CHAIN_ID_RE.test(chainId)) {
      throw new Error(`${TEST_PARTITION_ENV} is a test-only fault injector and is refused on chain id "${chainId}" (allowed: ${TEST_CHAIN_ID_RE.source})`);
    }
    const f = new TestFaults(path, logger);
    logger.warn({ file: path }, `${TEST_PARTITION_ENV} set: TEST-ONLY network fault injection is active on this node`);
    return f;
  }

  current(): FaultRules {
    return this.rules;
  }

  /** re-reads the file now; true when the rules changed. */
  reload(): boolean {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch {
      text = ""; // no file: no faults
    }
    if (text === this.lastText) return false;
    this.lastText = text;
    let next: FaultRules;
    try {
      next = parseFaultRules(text);
    } catch (e: unknown) {
      this.logger.error({ file: this.path, err: (e as Error).message }, "fault file does not parse; keeping the previous rules");
      return false;
    }
    this.rules = next;
    this.logger.info(
      { deny: [...next.deny], dropFrom: [...next.dropFrom], dropPercent: next.dropPercent, delayMs: next.delayMs, jitterMs: next.jitterMs },
      "test fault rules changed",
    );
    for (const l of this.listeners) l(next);
    return true;
  }

  /** polls the file; `listener` runs after each change. */
  start(listener?: (rules: FaultRules) => void): void {
    if (listener !== undefined) this.listeners.add(listener);
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.reload(), this.o.pollMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  /** no connection with this node id (dial and inbound). */
  isDenied(nodeId: string): boolean {
    return this.rules.deny.has(nodeId);
  }

  /** for one inbound message from `nodeId`: -1 = drop it, else the delay in ms (0 = at once). */
  inbound(nodeId: string): number {
    const r = this.rules;
    if (r.deny.has(nodeId) || r.dropFrom.has(nodeId)) return -1;
    if (r.dropPercent > 0 && this.o.random() * 100 < r.dropPercent) return -1;
    if (r.delayMs === 0 && r.jitterMs === 0) return 0;
    return r.delayMs + (r.jitterMs > 0 ? Math.floor(this.o.random() * (r.jitterMs + 1)) : 0);
  }
}

/**
 * Delivers one stream's messages after per-message delays, in arrival order: a message leaves at
 * max(its arrival + delay, the previous message's departure).
 */
export class DelayLine<T> {
  private readonly q: { at: number; item: T }[] = [];
  private lastAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly deliver: (item: T) => void;

  constructor(deliver: (item: T) => void) {
    this.deliver = deliver;
  }

  push(item: T, delayMs: number): void {
    const now = Date.now();
    if (delayMs <= 0 && this.q.length === 0) {
      this.lastAt = Math.max(this.lastAt, now);
      this.deliver(item);
      return;
    }
    const at = Math.max(now + delayMs, this.lastAt);
    this.lastAt = at;
    this.q.push({ at, item });
    this.arm();
  }

  get pending(): number {
    return this.q.length;
  }

  clear(): void {
    this.q.length = 0;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.timer !== undefined || this.q.length === 0) return;
    const wait = Math.max(0, (this.q[0] as { at: number }).at - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = Date.now();
      while (this.q.length > 0 && (this.q[0] as { at: number }).at <= now) this.deliver((this.q.shift() as { item: T }).item);
      this.arm();
    }, wait);
  }
}
