import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { toBase64, toHex, utf8 } from "../modules/core/bytes.ts";
import { MemoryBackend } from "../modules/core/store/memory.ts";
import { loadOrGenPrivValidatorKey } from "./crypto/keyFiles.ts";
import { startNode } from "./node.ts";
import { DEFAULT_NODE_OPTIONS, type NodeOptions } from "./options.ts";
import { testGenesis, TEST_CHAIN_ID } from "./testing/chain.ts";
import { KvApp } from "./testing/kvApp.ts";
import { MemPV } from "./testing/memStores.ts";
import { silentLogger } from "./util/logger.ts";

function options(home: string): NodeOptions {
  return {
    ...DEFAULT_NODE_OPTIONS,
    home,
    chainId: TEST_CHAIN_ID,
    rpc: { ...DEFAULT_NODE_OPTIONS.rpc, laddr: "127.0.0.1:0" },
    consensus: { blockIntervalMs: 20, createEmptyBlocks: true },
  };
}

async function rpc(port: number, method: string, params: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return res.json();
}

async function waitFor(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("node", () => {
  it("starts, produces blocks, serves RPC, stops, and restarts at the same height (LevelDB + FilePV)", async () => {
    const home = mkdtempSync(join(tmpdir(), "openledgerd-node-"));
    try {
      mkdirSync(join(home, "config"), { recursive: true });
      const key = loadOrGenPrivValidatorKey(join(home, "config", "priv_validator_key.json"));
      const pvLike = new MemPV();
      const genesis = {
        ...testGenesis(pvLike),
        validators: [{ address: key.address, pubKey: { type: "ed25519" as const, value: key.publicKey }, power: 10n, name: "v" }],
      };
      const genesisJson = JSON.stringify({ chain_id: TEST_CHAIN_ID, app_state: { genesis: "yes" } });
      const appBackend = new MemoryBackend();
      const node = await startNode(options(home), { app: new KvApp({ backend: appBackend }), logger: silentLogger(), genesis, genesisJson });
      assert.ok(node.rpcPort > 0);
      await waitFor(() => node.height() >= 2n);
      const status = await rpc(node.rpcPort, "status");
      assert.equal(status.result.node_info.network, TEST_CHAIN_ID);
      const commit = await rpc(node.rpcPort, "broadcast_tx_commit", { tx: toBase64(utf8("hello=world")) });
      assert.equal(commit.result.check_tx.code, 0, JSON.stringify(commit));
      assert.equal(commit.result.tx_result.code, 0, JSON.stringify(commit));
      // block_results lists the block's own events once (they were appended a second time)
      const results = await rpc(node.rpcPort, "block_results", { height: String(commit.result.height) });
      assert.deepEqual(results.result.finalize_block_events.map((e: { type: string }) => e.type), ["block"]);
      const again = await rpc(node.rpcPort, "broadcast_tx_sync", { tx: toBase64(utf8("hello=world")) });
      assert.equal(again.error.data, "tx already exists in cache");
      const q = await rpc(node.rpcPort, "abci_query", { path: "/store", data: Buffer.from("hello").toString("hex") });
      assert.equal(Buffer.from(q.result.response.value, "base64").toString(), "world");
      await node.stop();
      const h = node.height();
      const appHash = node.state().appHash;

      const node2 = await startNode(options(home), { app: new KvApp({ backend: appBackend }), logger: silentLogger(), genesis, genesisJson });
      assert.equal(node2.state().lastBlockHeight >= h, true);
      assert.deepEqual(node2.height() === h ? node2.state().appHash : appHash, appHash);
      await waitFor(() => node2.height() >= h + 2n);
      const blk = await rpc(node2.rpcPort, "block", { height: String(h + 1n) });
      assert.equal(blk.result.block.last_commit.signatures.length, 1);
      await node2.stop();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("a tx acknowledged by broadcast_tx_sync survives a stop before any block includes it (mempool WAL)", async () => {
    const home = mkdtempSync(join(tmpdir(), "openledgerd-node-"));
    try {
      mkdirSync(join(home, "config"), { recursive: true });
      const key = loadOrGenPrivValidatorKey(join(home, "config", "priv_validator_key.json"));
      const genesis = {
        ...testGenesis(new MemPV()),
        validators: [{ address: key.address, pubKey: { type: "ed25519" as const, value: key.publicKey }, power: 10n, name: "v" }],
      };
      const genesisJson = JSON.stringify({ chain_id: TEST_CHAIN_ID, app_state: { genesis: "yes" } });
      const appBackend = new MemoryBackend();
      // blocks an hour apart: after block 1, nothing includes the tx before the stop (the restarted node's first block does)
      const slow = { ...options(home), consensus: { blockIntervalMs: 3_600_000, createEmptyBlocks: true } };
      const node = await startNode(slow, { app: new KvApp({ backend: appBackend }), logger: silentLogger(), genesis, genesisJson });
      await waitFor(() => node.height() >= 1n);
      const ack = await rpc(node.rpcPort, "broadcast_tx_sync", { tx: toBase64(utf8("durable=yes")) });
      assert.equal(ack.result.code, 0, JSON.stringify(ack));
      assert.equal((await rpc(node.rpcPort, "num_unconfirmed_txs")).result.n_txs, "1");
      await node.stop();
      const node2 = await startNode(slow, { app: new KvApp({ backend: appBackend }), logger: silentLogger(), genesis, genesisJson });
      try {
        // the WAL puts the tx back in the pool before the producer starts, and a producer makes its first
        // block at once on start: block 2 must carry it (without the WAL, nothing would)
        await waitFor(() => node2.height() >= 2n);
        const block2 = (await rpc(node2.rpcPort, "block", { height: "2" })).result.block;
        assert.deepEqual(block2.data.txs, [toBase64(utf8("durable=yes"))], "the acknowledged tx is back, and committed by the restarted node");
        assert.equal((await rpc(node2.rpcPort, "num_unconfirmed_txs")).result.n_txs, "0");
      } finally {
        await node2.stop();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("consensus_state / dump_consensus_state answer on a single validator (dev chain engine), as CometBFT 0.38 does", async () => {
    const home = mkdtempSync(join(tmpdir(), "openledgerd-node-"));
    try {
      const pv = new MemPV();
      // blocks an hour apart: after block 1 the producer waits at NewHeight of height 2
      const slow: NodeOptions = { ...options(home), consensus: { blockIntervalMs: 3_600_000, createEmptyBlocks: true } };
      const node = await startNode(slow, { app: new KvApp(), logger: silentLogger(), genesis: testGenesis(pv), genesisJson: "{}", privValidator: pv, nodeDbBackend: new MemoryBackend() });
      try {
        assert.equal(node.engine, "single");
        await waitFor(() => node.height() >= 1n);
        const addr = toHex(pv.address).toUpperCase();
        const cs = await rpc(node.rpcPort, "consensus_state");
        assert.equal(cs.error, undefined, JSON.stringify(cs.error));
        const simple = cs.result.round_state;
        assert.equal(simple["height/round/step"], "2/0/1", "NewHeight (1) of the next height, round 0");
        assert.deepEqual(simple.proposer, { address: addr, index: 0 });
        assert.deepEqual(simple.height_vote_set, [{ round: 0, prevotes: ["nil-Vote"], prevotes_bit_array: "BA{1:_} 0/10 = 0.00", precommits: ["nil-Vote"], precommits_bit_array: "BA{1:_} 0/10 = 0.00" }]);
        assert.equal(simple.proposal_block_hash, "");
        assert.equal(cs.result.timeouts.commit_ms, "3600000");

        const dump = (await rpc(node.rpcPort, "dump_consensus_state")).result;
        const rs = dump.round_state;
        assert.equal(rs.height, "2");
        assert.equal(rs.round, 0);
        assert.equal(rs.step, 1);
        assert.equal(rs.validators.validators.length, 1);
        assert.equal(rs.validators.proposer.address, addr);
        assert.equal(rs.validators.proposer.voting_power, "10");
        assert.equal(rs.proposal, null);
        assert.equal(rs.locked_round, -1);
        assert.equal(rs.commit_round, -1);
        assert.notEqual(rs.commit_time, "0001-01-01T00:00:00Z", "block 1 was decided in this run");
        // the last commit is block 1's: our own precommit
        assert.equal(rs.last_commit.votes.length, 1);
        assert.match(rs.last_commit.votes[0], new RegExp(`^Vote\\{0:${addr.slice(0, 12)} 1/00/SIGNED_MSG_TYPE_PRECOMMIT\\(Precommit\\) ${(await rpc(node.rpcPort, "block", { height: "1" })).result.block_id.hash.slice(0, 12)} `));
        assert.equal(rs.last_commit.votes_bit_array, "BA{1:x} 10/10 = 1.00");
        assert.equal(rs.last_validators.validators[0].address, addr);
        assert.deepEqual(dump.peers, []);
      } finally {
        await node.stop();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("consensus_state / dump_consensus_state answer while block syncing (BFT node, no peer yet): NewHeight of the synced height", async () => {
    const home = mkdtempSync(join(tmpdir(), "openledgerd-node-"));
    try {
      mkdirSync(join(home, "config"), { recursive: true });
      const key = loadOrGenPrivValidatorKey(join(home, "config", "priv_validator_key.json"));
      const other = new MemPV(new Uint8Array(32).fill(9));
      // two validators of equal power: this one alone cannot commit, so the node block syncs first; with no peer it stays there
      const genesis = {
        ...testGenesis(other),
        validators: [
          { address: key.address, pubKey: { type: "ed25519" as const, value: key.publicKey }, power: 10n, name: "val0" },
          { address: other.address, pubKey: { type: "ed25519" as const, value: other.pubKey }, power: 10n, name: "val1" },
        ],
      };
      const o: NodeOptions = { ...options(home), p2p: { laddr: "tcp://127.0.0.1:0", persistentPeers: [], seeds: [] } };
      const node = await startNode(o, { app: new KvApp(), logger: silentLogger(), genesis, genesisJson: "{}", nodeDbBackend: new MemoryBackend() });
      try {
        assert.equal(node.engine, "bft");
        assert.equal((await rpc(node.rpcPort, "status")).result.sync_info.catching_up, true);
        const cs = await rpc(node.rpcPort, "consensus_state");
        assert.equal(cs.error, undefined, JSON.stringify(cs.error));
        assert.equal(cs.result.round_state["height/round/step"], "1/0/1");
        assert.equal(cs.result.round_state.height_vote_set[0].prevotes_bit_array, "BA{2:__} 0/20 = 0.00");
        const proposer = cs.result.round_state.proposer;
        assert.ok([toHex(key.address).toUpperCase(), toHex(other.address).toUpperCase()].includes(proposer.address));
        const dump = (await rpc(node.rpcPort, "dump_consensus_state")).result;
        assert.equal(dump.round_state.height, "1");
        assert.equal(dump.round_state.step, 1);
        assert.equal(dump.round_state.validators.validators.length, 2);
        assert.equal(dump.round_state.validators.proposer.address, proposer.address);
        assert.equal(dump.round_state.last_commit, null, "nothing committed yet");
        assert.equal(dump.round_state.last_validators, null);
        assert.equal(dump.round_state.commit_time, "0001-01-01T00:00:00Z", "CometBFT's zero time: nothing decided in this run");
        assert.deepEqual(dump.peers, []);
        assert.equal((await rpc(node.rpcPort, "status")).result.sync_info.catching_up, true, "still block syncing");
      } finally {
        await node.stop();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("consensus_state on a BFT node that needs no block sync (alone > 2/3): the consensus machine's round state", async () => {
    const home = mkdtempSync(join(tmpdir(), "openledgerd-node-"));
    try {
      mkdirSync(join(home, "config"), { recursive: true });
      const key = loadOrGenPrivValidatorKey(join(home, "config", "priv_validator_key.json"));
      const genesis = { ...testGenesis(new MemPV()), validators: [{ address: key.address, pubKey: { type: "ed25519" as const, value: key.publicKey }, power: 10n, name: "v" }] };
      const o: NodeOptions = { ...options(home), p2p: { laddr: "tcp://127.0.0.1:0", persistentPeers: [], seeds: [] }, consensus: { blockIntervalMs: 20, createEmptyBlocks: true, engine: "bft" } };
      const node = await startNode(o, { app: new KvApp(), logger: silentLogger(), genesis, genesisJson: "{}", nodeDbBackend: new MemoryBackend() });
      try {
        assert.equal(node.engine, "bft");
        await waitFor(() => node.height() >= 2n);
        const cs = await rpc(node.rpcPort, "consensus_state");
        assert.equal(cs.error, undefined, JSON.stringify(cs.error));
        const h = BigInt((cs.result.round_state["height/round/step"] as string).split("/")[0]!);
        assert.ok(h >= 3n, `${h}: past block 2`);
        assert.ok(node.bft!.driver.sm.dump()!.height >= h, "the machine's height");
        assert.equal((await rpc(node.rpcPort, "status")).result.sync_info.catching_up, false);
      } finally {
        await node.stop();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("reports a halt when the app rejects the proposal, and stops cleanly", async () => {
    const home = mkdtempSync(join(tmpdir(), "openledgerd-node-"));
    try {
      const pv = new MemPV();
      const node = await startNode(
        { ...options(home), rpc: { ...DEFAULT_NODE_OPTIONS.rpc, laddr: "" } },
        {
          app: new KvApp({ rejectProposals: true }),
          logger: silentLogger(),
          genesis: testGenesis(pv),
          genesisJson: "{}",
          privValidator: pv,
          nodeDbBackend: new MemoryBackend(),
        },
      );
      assert.equal(node.rpcPort, 0);
      const err = await node.halted;
      assert.match(String(err), /rejected our own proposal/);
      await node.stop();
      assert.equal(node.height(), 0n);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
