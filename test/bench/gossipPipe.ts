/**
 * Tx gossip A/B harness (not part of `make bench`): the localnet's tx gossip in one process, on real
 * libp2p (TCP + noise + yamux on 127.0.0.1): 4 hosts in a full mesh, each with a MempoolReactor over an
 * instant pool (every new tx accepted, no CheckTx), so what is measured is a validator's gossip cost
 * alone: receive (socket, noise, yamux, framing, decode, the reactor's admission bookkeeping) and send
 * (batching, encode, yamux, noise, socket writes), announcements included. Txs enter as at saturation:
 * each host takes every 4th tx through the RPC entry point (`checkAndAdd`) in batches of 64 per turn;
 * every `--block` txs, one host broadcasts a consensus-data frame of the block's size (the proposal
 * carrying the whole block) to the others. Prints CPU per tx (all threads and main thread, the four
 * hosts together) and what crossed the network; the counts are deterministic, the CPU is what to A/B.
 *   node test/bench/gossipPipe.ts [--txs N] [--size BYTES] [--block B] [--rounds R]
 */
import { randomBytes } from "node:crypto";
import type { Bytes, CheckTxResponse } from "../../modules/core/abci.ts";
import { toHex } from "../../modules/core/bytes.ts";
import { type Channel, channelSpec } from "../../node/p2p/channel.ts";
import type { P2PHost } from "../../node/p2p/host.ts";
import { type GossipPool, MempoolReactor } from "../../node/p2p/mempoolReactor.ts";
import { connect, createTestHost, waitFor } from "../../node/p2p/testing.ts";
import { txHash } from "../../node/types/hash.ts";
import { installWasmSha256 } from "../../node/crypto/wasmSha256.ts";
import { cpuSeconds } from "./procCpu.ts";

const arg = (k: string, d: number) => {
  const i = process.argv.indexOf(`--${k}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const TXS = arg("txs", 8000);
const SIZE = arg("size", 300);
const BLOCK = arg("block", 400);
const ROUNDS = arg("rounds", 3);

const OK: CheckTxResponse = { code: 0, data: new Uint8Array(0), log: "", info: "", gasWanted: 0n, gasUsed: 0n, events: [], codespace: "", sender: "", sequence: 0n, priority: 0n };

class InstantPool implements GossipPool {
  readonly txs = new Map<string, Bytes>();
  async checkAndAdd(tx: Bytes, hash: Bytes = txHash(tx)): Promise<CheckTxResponse> {
    const key = toHex(hash);
    if (this.txs.has(key)) throw Object.assign(new Error("tx already exists in cache"), { type: { code: "TX_IN_CACHE" } });
    await Promise.resolve();
    this.txs.set(key, tx);
    return OK;
  }
  seen(key: string): boolean {
    return this.txs.has(key);
  }
  checkOnly(): Promise<CheckTxResponse> {
    return Promise.resolve(OK);
  }
  size(): number {
    return this.txs.size;
  }
  sizeBytes(): number {
    return 0;
  }
  reap(): Bytes[] {
    return [];
  }
  get(key: string): Bytes | undefined {
    return this.txs.get(key);
  }
}

const blockCodec = { encode: (b: Uint8Array) => b, decode: (b: Uint8Array) => b };

async function main(): Promise<void> {
  await installWasmSha256();
  const hosts: P2PHost[] = [];
  const pools: InstantPool[] = [];
  const reactors: MempoolReactor[] = [];
  const blocks: Channel<Uint8Array>[] = [];
  let blocksIn = 0;
  for (let i = 0; i < 4; i++) {
    const host = await createTestHost();
    const pool = new InstantPool();
    reactors.push(new MempoolReactor({ maxTxBytes: 1024 * 1024, syncing: false }, { host, pool, logger: host.logger }));
    const ch = host.channel(channelSpec<Uint8Array>("consensus-data", blockCodec));
    ch.onMessage(() => {
      blocksIn++;
    });
    blocks.push(ch);
    await host.start();
    hosts.push(host);
    pools.push(pool);
  }
  for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) await connect(hosts[i]!, hosts[j]!);
  await waitFor(() => hosts.every((h) => h.connectedPeers().length === 3), 30_000, "full mesh");

  const run = async (round: number): Promise<{ cpu: number; main: number; wall: number }> => {
    const txs = Array.from({ length: TXS }, () => randomBytes(SIZE) as Uint8Array);
    const cpu0 = cpuSeconds(process.pid);
    const main0 = cpuSeconds(process.pid, process.pid);
    const t0 = performance.now();
    const blocksWanted = blocksIn + 3 * Math.floor(TXS / BLOCK);
    for (let at = 0; at < TXS; at += 256) {
      // one turn: each host takes a batch of 64 of its txs through the RPC entry point
      await Promise.all(
        hosts.map((_, h) => Promise.all(txs.slice(at, at + 256).filter((_, k) => k % 4 === h).map((tx) => reactors[h]!.checkAndAdd(tx)))),
      );
      await new Promise((r) => setImmediate(r));
      if (Math.floor((at + 256) / BLOCK) > Math.floor(at / BLOCK)) {
        const proposer = Math.floor(at / BLOCK) % 4;
        blocks[proposer]!.broadcast(randomBytes(BLOCK * (SIZE + 3)));
      }
    }
    await waitFor(() => pools.every((p) => p.size() >= (round + 1) * TXS) && blocksIn >= blocksWanted, 120_000, "gossip done");
    return { cpu: cpuSeconds(process.pid) - cpu0, main: cpuSeconds(process.pid, process.pid) - main0, wall: performance.now() - t0 };
  };
  await run(0); // warm-up
  const res: { cpu: number; main: number; wall: number }[] = [];
  for (let r = 1; r <= ROUNDS; r++) res.push(await run(r));
  const per = (x: number) => Number(((x * 1e6) / TXS).toFixed(1));
  const st = reactors.map((r) => r.stats);
  const sum = (f: (s: (typeof st)[number]) => number) => st.reduce((a, s) => a + f(s), 0);
  const mempoolMsgs = reactors.reduce((a, r) => a + r.channel.stats.sent, 0);
  console.log(
    `GOSSIP ${JSON.stringify({
      txs: TXS,
      size: SIZE,
      rounds: ROUNDS,
      cpu_us_per_tx: res.map((r) => per(r.cpu)),
      main_us_per_tx: res.map((r) => per(r.main)),
      wall_ms: res.map((r) => Math.round(r.wall)),
      whole_sends_per_tx: Number((sum((s) => s.flooded) / ((ROUNDS + 1) * TXS)).toFixed(3)),
      announced_per_tx: Number((sum((s) => s.announced) / ((ROUNDS + 1) * TXS)).toFixed(3)),
      mempool_msgs_per_tx: Number((mempoolMsgs / ((ROUNDS + 1) * TXS)).toFixed(3)),
    })}`,
  );
  for (const r of reactors) r.close();
  await Promise.all(hosts.map((h) => h.stop()));
  process.exit(0);
}

await main();
