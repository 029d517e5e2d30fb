/**
 * The node's metrics (STYLE §7.10: node-only; components take `XMetrics | null`): one prom-client
 * Registry per node (so several in-process nodes do not collide) with every component's metrics and,
 * optionally, prom-client's default process / Node.js metrics.
 */
import { collectDefaultMetrics, Registry } from "prom-client";
import { type ChainMetrics, createChainMetrics } from "./chain.ts";
import { type ConsensusMetrics, createConsensusMetrics } from "./consensus.ts";
import { createMempoolMetrics, type MempoolMetrics } from "./mempool.ts";
import { createP2PMetrics, type P2PMetrics } from "./p2p.ts";
import { createStoreMetrics, type StoreMetrics } from "./store.ts";

export interface NodeMetrics {
  register: Registry;
  consensus: ConsensusMetrics;
  mempool: MempoolMetrics;
  p2p: P2PMetrics;
  chain: ChainMetrics;
  store: StoreMetrics;
}

export function createNodeMetrics(opts: { defaultMetrics?: boolean } = {}): NodeMetrics {
  const register = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register });
  return {
    register,
    consensus: createConsensusMetrics(register),
    mempool: createMempoolMetrics(register),
    p2p: createP2PMetrics(register),
    chain: createChainMetrics(register),
    store: createStoreMetrics(register),
  };
}
