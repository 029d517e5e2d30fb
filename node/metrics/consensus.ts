/**
 * Consensus and block-execution metrics (STYLE §7.7 names, §7.10 split): updated by the single-validator
 * producer and the BFT consensus driver once per committed block (and per round change on BFT).
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { Timestamp } from "../../modules/core/abci.ts";

export interface ConsensusMetrics {
  height: Gauge;
  /** makes the height gauge read the block store's height at scrape time (no lag behind the RPC's view). */
  bindHeight(getter: () => bigint): void;
  round: Gauge;
  blockIntervalSeconds: Gauge;
  blockTxs: Gauge;
  blockProcessingSeconds: Histogram;
  txsCommittedTotal: Counter;
  /** makes the evidence gauges read the evidence pool at scrape time (BFT nodes). */
  bindEvidence(getter: () => { pending: number; forks: number; lightClientAttacks?: number }): void;
}

export function createConsensusMetrics(register: Registry): ConsensusMetrics {
  const registers = [register];
  let heightGetter: (() => bigint) | undefined;
  let evidenceGetter: (() => { pending: number; forks: number; lightClientAttacks?: number }) | undefined;
  new Gauge({
    name: "openledger_evidence_pending",
    help: "Verified evidence (duplicate votes, light client attacks) waiting to be committed (BFT; persisted under data/evidence).",
    registers,
    collect() {
      this.set(evidenceGetter?.().pending ?? 0);
    },
  });
  new Gauge({
    name: "openledger_consensus_conflicting_commits",
    help: "Conflicting commits met since start: another block committed at a height this node committed (a fork; > 1/3 of the power double-signed). Anything above 0 needs an operator.",
    registers,
    collect() {
      this.set(evidenceGetter?.().forks ?? 0);
    },
  });
  new Gauge({
    name: "openledger_evidence_light_client_attacks_built",
    help: "Light-client-attack evidence items this node built from forks since start (for our branch and for the other one; amnesia forms punish nobody).",
    registers,
    collect() {
      this.set(evidenceGetter?.().lightClientAttacks ?? 0);
    },
  });
  return {
    height: new Gauge({
      name: "openledger_consensus_height",
      help: "Last committed block height.",
      registers,
      collect() {
        if (heightGetter !== undefined) this.set(Number(heightGetter()));
      },
    }),
    bindHeight(getter) {
      heightGetter = getter;
    },
    bindEvidence(getter) {
      evidenceGetter = getter;
    },
    round: new Gauge({ name: "openledger_consensus_round", help: "Current consensus round (the commit round on the single-validator engine).", registers }),
    blockIntervalSeconds: new Gauge({
      name: "openledger_consensus_block_interval_seconds",
      help: "Time between the last committed block and the one before it (header times, BFT time).",
      registers,
    }),
    blockTxs: new Gauge({ name: "openledger_consensus_block_txs", help: "Number of txs in the last committed block.", registers }),
    blockProcessingSeconds: new Histogram({
      name: "openledger_state_block_processing_seconds",
      help: "Time to apply a decided block (FinalizeBlock, state save, Commit, mempool update).",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    txsCommittedTotal: new Counter({ name: "openledger_txs_committed_total", help: "Txs committed in blocks (tx/s: rate()).", registers }),
  };
}

function seconds(t: Timestamp): number {
  return Number(t.seconds) + t.nanos / 1e9;
}

/** what a committed block tells the metrics; `prevTime` is the previous block's time (absent at the initial height). */
export interface CommittedBlockInfo {
  height: bigint;
  round: number;
  txs: number;
  time: Timestamp;
  prevTime: Timestamp | undefined;
  processingSeconds: number;
}

export function recordCommittedBlock(m: ConsensusMetrics | null, b: CommittedBlockInfo): void {
  if (m === null) return;
  m.height.set(Number(b.height));
  m.round.set(b.round);
  m.blockTxs.set(b.txs);
  m.txsCommittedTotal.inc(b.txs);
  m.blockProcessingSeconds.observe(b.processingSeconds);
  if (b.prevTime !== undefined) m.blockIntervalSeconds.set(Math.max(0, seconds(b.time) - seconds(b.prevTime)));
}
