import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { equal, toHex, utf8 } from "../../modules/core/bytes.ts";
import type { P2PHost } from "../p2p/host.ts";
import { connect, createTestHost, waitFor } from "../p2p/testing.ts";
import type { ChainState } from "../storage/types.ts";
import { openTestChain, type TestChain } from "../testing/chain.ts";
import type { Block } from "../types/block.ts";
import { silentLogger } from "../util/logger.ts";
import { decodeBlockSyncMessage, encodeBlockSyncMessage } from "./messages.ts";
import { type BlockSource, BlockSyncReactor, type BlockSyncOptions } from "./reactor.ts";
import { BlockSyncVerifyError, makeVerifyAndApply, verifyCommit } from "./verify.ts";

const hosts: P2PHost[] = [];
const reactors: BlockSyncReactor[] = [];
after(async () => {
  for (const r of reactors) r.stop();
  await Promise.all(hosts.map((h) => h.stop()));
});

/** a chain of n blocks, with a few kv txs in most of them. */
async function buildChain(n: number): Promise<TestChain> {
  const c = await openTestChain();
  for (let h = 1; h <= n; h++) {
    for (let i = 0; i < h % 4; i++) await c.mempool.checkAndAdd(utf8(`k${h}-${i}=v${h}`));
    await c.producer.produceBlock();
  }
  return c;
}

const FAST: Partial<BlockSyncOptions> = { requestTimeoutMs: 400, statusIntervalMs: 200, startupGraceMs: 200, maxPendingPerPeer: 5, maxPendingRequests: 16 };

async function server(store: BlockSource, o: Partial<BlockSyncOptions> = {}): Promise<{ host: P2PHost; reactor: BlockSyncReactor }> {
  const host = await createTestHost();
  hosts.push(host);
  const reactor = new BlockSyncReactor(
    { ...FAST, syncing: false, ...o },
    { host, store, height: () => store.height(), initialHeight: 1n, verifyAndApply: async () => assert.fail("a server does not apply"), logger: silentLogger() },
  );
  reactors.push(reactor);
  await host.start();
  reactor.start();
  return { host, reactor };
}

async function syncer(chain: TestChain) {
  const host = await createTestHost();
  hosts.push(host);
  let state: ChainState = chain.state();
  let caughtUp: { height: bigint; maxPeerHeight: bigint } | undefined;
  let halted: unknown;
  const reactor = new BlockSyncReactor(FAST, {
    host,
    store: chain.blockStore as BlockSource,
    height: () => state.lastBlockHeight,
    initialHeight: state.initialHeight,
    verifyAndApply: makeVerifyAndApply({
      executor: chain.executor,
      blockStore: chain.blockStore,
      db: chain.db,
      getState: () => state,
      setState: (s) => {
        state = s;
      },
    }),
    onCaughtUp: (i) => {
      caughtUp = i;
    },
    onHalt: (e) => {
      halted = e;
    },
    logger: silentLogger(),
  });
  reactors.push(reactor);
  await host.start();
  return {
    host,
    reactor,
    state: () => state,
    caughtUp: () => caughtUp,
    halted: () => halted,
  };
}

/** serves A's blocks with an extra tx in every block (the header, hence the commit, no longer matches). */
function tampered(store: BlockSource): BlockSource {
  return {
    base: () => store.base(),
    height: () => store.height(),
    loadBlock: (h) => {
      const b = store.loadBlock(h);
      return b === undefined ? undefined : ({ ...b, data: { txs: [...b.data.txs, utf8("evil=1")] } } satisfies Block);
    },
  };
}

describe("blocksync/messages", () => {
  it("round-trips every message and rejects malformed ones", async () => {
    const a = await buildChain(2);
    const block = a.blockStore.loadBlock(2n)!;
    const msgs = [
      { type: "blockRequest", height: 7n },
      { type: "noBlock", height: 0n },
      { type: "statusRequest" },
      { type: "status", height: 10n, base: 3n },
      { type: "block", block },
    ] as const;
    for (const m of msgs) assert.deepEqual(decodeBlockSyncMessage(encodeBlockSyncMessage(m)), m, m.type);
    const raw = encodeBlockSyncMessage({ type: "blockRaw", block: (a.blockStore as { loadBlockBytes(h: bigint): Uint8Array }).loadBlockBytes(2n) });
    assert.deepEqual(decodeBlockSyncMessage(raw), { type: "block", block });
    for (const bad of [new Uint8Array(0), new Uint8Array([0x2a, 0x04, 0x08, 0x01, 0x10, 0x05]), new Uint8Array([0x1a, 0x00]), new Uint8Array([0x08, 0x01])]) {
      assert.throws(() => decodeBlockSyncMessage(bad), Error, toHex(bad));
    }
  });
});

describe("blocksync/verify", () => {
  it("checks every signature and the 2/3 threshold of a commit", async () => {
    const a = await buildChain(3);
    const st = a.state();
    const commit = a.blockStore.loadBlock(3n)!.lastCommit;
    verifyCommit(st.chainId, st.validators, 2n, commit);
    const forged = { ...commit, signatures: commit.signatures.map((s) => ({ ...s, signature: new Uint8Array(64) })) };
    assert.throws(() => verifyCommit(st.chainId, st.validators, 2n, forged), (e: unknown) => e instanceof BlockSyncVerifyError && e.culprit === "commit");
    const absent = { ...commit, signatures: commit.signatures.map((s) => ({ ...s, blockIdFlag: 1 as const })) };
    assert.throws(() => verifyCommit(st.chainId, st.validators, 2n, absent), /voting power/);
    assert.throws(() => verifyCommit("other-chain", st.validators, 2n, commit), BlockSyncVerifyError);
  });
});

describe("blocksync/reactor", () => {
  it("an empty node syncs a 40-block chain over libp2p; a peer serving bad blocks is banned and another used", async (t) => {
    const N = 40;
    const a = await buildChain(N);
    const good = await server(a.blockStore as BlockSource);
    const bad = await server(tampered(a.blockStore as BlockSource));
    const b = await syncer(await openTestChain({ pv: a.pv, genesis: a.genesis }));
    await connect(b.host, bad.host);
    await connect(b.host, good.host);
    const started = performance.now();
    b.reactor.start();
    await waitFor(() => b.caughtUp() !== undefined || b.halted() !== undefined, 30_000, "caught up");
    const ms = performance.now() - started;
    assert.equal(b.halted(), undefined);
    assert.deepEqual(b.caughtUp(), { height: BigInt(N - 1), maxPeerHeight: BigInt(N) });
    // same blocks, same app hash (block N's header carries the app hash after N−1)
    const st = b.state();
    assert.equal(st.lastBlockHeight, BigInt(N - 1));
    assert.ok(equal(st.appHash, a.blockStore.loadBlock(BigInt(N))!.header.appHash), "app hash");
    assert.ok(equal(st.lastBlockId.hash, a.blockStore.loadBlockMeta(BigInt(N - 1))!.blockId.hash), "block id");
    for (let h = 1n; h < BigInt(N); h++) {
      assert.ok(equal(b.reactor["d"].store.loadBlock(h)!.header.appHash, a.blockStore.loadBlock(h)!.header.appHash), `block ${h}`);
    }
    // the bad server was caught and banned
    assert.ok(b.reactor.stats.badBlocks >= 1);
    assert.equal(b.host.scores.state(bad.host.nodeId), "banned");
    assert.equal(b.host.isConnected(bad.host.nodeId), false);
    assert.equal(b.reactor.isSyncing, false);
    t.diagnostic(`blocksync: ${N - 1} blocks applied in ${ms.toFixed(0)} ms (${b.reactor.stats.requests} requests, ${b.reactor.stats.badBlocks} bad)`);
  });

  it("re-requests from another peer when one does not answer", async () => {
    const N = 12;
    const a = await buildChain(N);
    const good = await server(a.blockStore as BlockSource);
    // a peer that claims the whole chain but never answers block requests
    const silentHost = await createTestHost();
    hosts.push(silentHost);
    const { channelSpec } = await import("../p2p/channel.ts");
    const silent = silentHost.channel(channelSpec("blocksync", { encode: encodeBlockSyncMessage, decode: decodeBlockSyncMessage }));
    silent.onMessage((peer, m) => {
      if (m.type === "statusRequest") silent.send(peer, { type: "status", height: BigInt(N), base: 1n });
    });
    await silentHost.start();
    const b = await syncer(await openTestChain({ pv: a.pv, genesis: a.genesis }));
    await connect(b.host, silentHost);
    await connect(b.host, good.host);
    b.reactor.start();
    await waitFor(() => b.caughtUp() !== undefined, 30_000, "caught up");
    assert.equal(b.state().lastBlockHeight, BigInt(N - 1));
    assert.ok(b.reactor.stats.timeouts >= 1, "timeouts");
    assert.ok(b.host.scores.score(silentHost.nodeId) < 0);
  });

  it("does not switch before a peer is known, and switches at once when level with its peers", async () => {
    const c = await buildChain(1);
    const b = await syncer(await openTestChain({ pv: c.pv, genesis: c.genesis }));
    b.reactor.start();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(b.caughtUp(), undefined);
    // a peer at height 1: b (at 0) is within one block of it
    const srv = await server(c.blockStore as BlockSource);
    await connect(b.host, srv.host);
    await waitFor(() => b.caughtUp() !== undefined, 30_000, "caught up");
    assert.deepEqual(b.caughtUp(), { height: 0n, maxPeerHeight: 1n });
  });
});
