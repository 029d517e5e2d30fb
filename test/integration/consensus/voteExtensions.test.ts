/**
 * Vote extensions end to end on four in-process validators over real libp2p (node/consensus/testing
 * network: FilePV, WAL, driver, reactor, block sync), each running the real runtime
 * (modules/runtime createApplication) with a toy module that extends its precommits with
 * "toy:<validator index>:<height>":
 *  - the extensions are signed separately, stored with the commit, and the next proposer puts them
 *    into its block as tx 0 (a TxRaw carrying MsgCommitVerdicts);
 *  - every node's FinalizeBlock hands the same extensions (with powers) to the toy module;
 *  - a node that was stopped catches up through block sync (extended commits verified) and its
 *    FinalizeBlock sees the same extensions;
 *  - ProcessProposal of a node rejects the same block with a forged injection, and block sync's
 *    extended-commit check rejects a forged extension.
 */
import assert from "node:assert/strict";
import { decodeTxRaw } from "@cosmjs/proto-signing";
import { StargateClient } from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { after, before, describe, it } from "node:test";
import { fromUtf8, toHex, utf8 } from "../../../modules/core/bytes.ts";
import { type AppModule, type VoteExtensionSet, defineModule } from "../../../modules/core/module.ts";
import { createCommitStore } from "../../../modules/core/store/commitStore.ts";
import { decodeCommitVerdictsTx, encodeCommitVerdictsTx, encodeVoteExtension, voteExtensionSignBytes as appSignBytes } from "../../../modules/core/voteExtension.ts";
import { type RuntimeApplication, createApplication } from "../../../modules/runtime/index.ts";
import { verifyEd25519 } from "../../../node/crypto/ed25519.ts";
import { BlockSyncVerifyError, verifyExtendedCommit } from "../../../node/blocksync/verify.ts";
import { commitInfo } from "../../../node/execution/state.ts";
import { createTestNetwork, type TestNetwork, waitUntil } from "../../../node/consensus/testing/network.ts";
import { voteExtensionSignBytes as nodeSignBytes } from "../../../node/types/encoding.ts";
import { blockId as computeBlockId } from "../../../node/types/hash.ts";
import type { ExtendedCommit } from "../../../node/types/block.ts";
import type { RunningNode } from "../../../node/node.ts";

const extOf = (n: RunningNode, h: bigint): ExtendedCommit | undefined => (n.env.blockStore as unknown as { loadExtendedCommit(h: bigint): ExtendedCommit | undefined }).loadExtendedCommit(h);

const genesis = { defaultGenesis: () => ({}), validateGenesis() {}, async initGenesis() {}, async exportGenesis() { return {}; }, fromJson: (j: unknown) => j, toJson: (g: unknown) => g };

/** per node: height → what its toy module got in FinalizeBlock (data as strings, in set order). */
type Seen = Map<bigint, { total: bigint; votes: string[] }>;

function toyModule(index: number, seen: Seen): AppModule {
  return defineModule({
    name: "toy",
    consensusVersion: 1,
    msgs: [],
    queries: [],
    genesis,
    async extendVote(_ctx, block) {
      return utf8(`toy:${index}:${block.height}`);
    },
    async verifyVoteExtension(_ctx, ext) {
      return fromUtf8(ext.data).startsWith("toy:");
    },
    async onVoteExtensions(ctx, set: VoteExtensionSet) {
      seen.set(set.height, { total: set.totalPower, votes: set.votes.map((v) => `${toHex(v.validator)}=${v.power}=${fromUtf8(v.data)}`) });
      ctx.store("toy").set(utf8(`h/${set.height}`), utf8(String(set.votes.length)));
    },
  });
}

describe("vote extensions on 4 validators (real libp2p, runtime app)", () => {
  let net: TestNetwork;
  const seen: Seen[] = [0, 1, 2, 3].map(() => new Map());
  const apps: (RuntimeApplication | undefined)[] = [];

  const start = async (i: number) => {
    const app = createApplication({
      modules: [toyModule(i, seen[i]!)],
      order: { beginBlock: [], endBlock: [], initGenesis: ["toy"], exportGenesis: ["toy"] },
      store: await createCommitStore(net.vals[i]!.appBackend),
      minGasPrices: "",
      ed25519Verifier: { verify: verifyEd25519 },
    });
    apps[i] = app;
    await net.start(i, { app, genesisJson: JSON.stringify({ app_state: {} }) });
  };

  before(async () => {
    net = await createTestNetwork(4, { voteExtensionsEnableHeight: 1n });
    for (let i = 0; i < 4; i++) await start(i);
    for (let i = 0; i < 4; i++) await net.connect(i);
  });

  after(async () => {
    await net?.close();
  });

  const expectedVote = (valIndex: number, h: bigint) => {
    const v = net.genesis.validators[valIndex]!;
    return `${toHex(v.address)}=${v.power}=toy:${valIndex}:${h}`;
  };

  it("every node's FinalizeBlock gets the previous height's extensions, carried as tx 0 of the block", async () => {
    await waitUntil(() => net.running().every((n) => n.height() >= 5n), 30_000, "height 5 on all nodes");
    const n0 = net.vals[0]!.node!;
    for (let h = 2n; h <= 5n; h++) {
      const block = n0.env.blockStore.loadBlock(h)!;
      const cv = decodeCommitVerdictsTx(block.data.txs[0]!);
      assert.ok(cv !== null, `block ${h} starts with the extended commit`);
      assert.equal(cv.height, h - 1n);
      // the injected entries are the block's last_commit, with each COMMIT's signed extension
      assert.deepEqual(cv.votes.map((v) => v.blockIdFlag), block.lastCommit.signatures.map((s) => s.blockIdFlag));
      const stored = extOf(n0, h - 1n);
      assert.ok(stored !== undefined, `extended commit of ${h - 1n} stored with the block`);
      for (const n of net.running()) {
        const b = n.env.blockStore.loadBlock(h)!;
        assert.equal(toHex(b.data.txs[0]!), toHex(block.data.txs[0]!));
        // the tx result is indexed like any tx
        const res = n.env.state.loadFinalizeBlockResponse(h)!;
        assert.equal(res.txResults[0]!.code, 0);
        assert.equal(res.txResults[0]!.events[0]!.type, "commit_verdicts");
      }
      const ref = seen[0]!.get(h - 1n);
      assert.ok(ref !== undefined, `node 0 saw the extensions of ${h - 1n}`);
      assert.equal(ref.total, 40n);
      assert.ok(ref.votes.length >= 3, `> 2/3 of the extensions (${ref.votes.length})`);
      for (const vote of ref.votes) {
        const idx = net.genesis.validators.findIndex((v) => vote.startsWith(toHex(v.address)));
        assert.equal(vote, expectedVote(idx, h - 1n));
      }
      for (let i = 1; i < 4; i++) assert.deepEqual(seen[i]!.get(h - 1n), ref, `node ${i} height ${h - 1n}`);
    }
    // the initial block carries none
    assert.equal(n0.env.blockStore.loadBlock(1n)!.data.txs.length, 0);
  });

  it("a restarted node block-syncs (extended commits verified) and its FinalizeBlock sees the same extensions", async () => {
    await net.stop(3);
    const h0 = net.vals[0]!.node!.height();
    await waitUntil(() => net.running().every((n) => n.height() >= h0 + 4n), 30_000, "4 more heights without node 3");
    seen[3]!.clear();
    // a fresh app over the same backend; the node replays or syncs what it missed
    await start(3);
    await net.connect(3);
    const target = net.vals[0]!.node!.height() + 2n;
    await waitUntil(() => net.running().every((n) => n.height() >= target), 30_000, `node 3 at height ${target}`);
    let compared = 0;
    for (let h = h0 + 1n; h < target; h++) {
      const mine = seen[3]!.get(h);
      if (mine === undefined) continue;
      assert.deepEqual(mine, seen[0]!.get(h), `height ${h}`);
      compared++;
    }
    assert.ok(compared >= 3, `node 3 finalized the missed heights with extensions (${compared})`);
    for (let h = 1n; h <= target; h++) {
      assert.equal(toHex(net.vals[3]!.node!.env.blockStore.loadBlockMeta(h)!.blockId.hash), toHex(net.vals[0]!.node!.env.blockStore.loadBlockMeta(h)!.blockId.hash));
    }
  });

  it("ProcessProposal rejects the same block with a missing or forged injection; block sync rejects a forged extension", async () => {
    const n0 = net.vals[0]!.node!;
    const app = apps[0]!;
    const h = n0.height();
    const block = n0.env.blockStore.loadBlock(h)!;
    const state = n0.state();
    const lastVals = n0.env.state.loadValidators(h - 1n) ?? state.lastValidators;
    const req = (txs: Uint8Array[]) => ({
      txs,
      misbehavior: [],
      height: h,
      time: block.header.time,
      nextValidatorsHash: block.header.nextValidatorsHash,
      proposerAddress: block.header.proposerAddress,
      proposedLastCommit: commitInfo(block.lastCommit, lastVals),
      hash: computeBlockId(block).hash,
    });
    assert.equal((await app.processProposal(req(block.data.txs))).status, "accept");
    assert.equal((await app.processProposal(req(block.data.txs.slice(1)))).status, "reject", "missing");
    const cv = decodeCommitVerdictsTx(block.data.txs[0]!)!;
    const i = cv.votes.findIndex((v) => v.blockIdFlag === 2);
    const forgedVotes = cv.votes.map((v, j) => (j === i ? { ...v, voteExtension: encodeVoteExtension([{ module: "toy", data: utf8(`toy:9:${cv.height}`) }]) } : v));
    const forged = encodeCommitVerdictsTx(cv.height, { round: cv.round, votes: forgedVotes });
    assert.equal((await app.processProposal(req([forged, ...block.data.txs.slice(1)]))).status, "reject", "forged extension");
    // a commit-flag entry whose extension and signature were both dropped
    const stripped = encodeCommitVerdictsTx(cv.height, { round: cv.round, votes: cv.votes.map((v, j) => (j === i ? { ...v, voteExtension: new Uint8Array(0), extensionSignature: new Uint8Array(0) } : v)) });
    assert.equal((await app.processProposal(req([stripped, ...block.data.txs.slice(1)]))).status, "reject", "stripped extension");

    // block sync: the stored extended commit verifies; with one extension changed it does not
    const ext = extOf(n0, h - 1n)!;
    const prevId = n0.env.blockStore.loadBlockMeta(h - 1n)!.blockId;
    verifyExtendedCommit(state.chainId, lastVals, h - 1n, prevId, ext);
    const k = ext.extendedSignatures.findIndex((s) => s.blockIdFlag === 2);
    const bad = { ...ext, extendedSignatures: ext.extendedSignatures.map((s, j) => (j === k ? { ...s, extension: utf8("forged") } : s)) };
    assert.throws(() => verifyExtendedCommit(state.chainId, lastVals, h - 1n, prevId, bad), BlockSyncVerifyError);
  });

  it("CosmJS reads the injected tx like any other: block, decodeTxRaw, tx_search, block_results, getTx", async () => {
    const n0 = net.vals[0]!.node!;
    const url = `http://127.0.0.1:${n0.rpcPort}`;
    const comet = await Comet38Client.connect(url);
    const sc = await StargateClient.connect(url);
    try {
      const h = Number(n0.height()) - 1;
      const block = await comet.block(Number(h));
      const raw = block.block.txs[0]!;
      const tx = decodeTxRaw(raw);
      assert.equal(tx.body.messages.length, 1);
      assert.equal(tx.body.messages[0]!.typeUrl, "/openledger.consensus.v1.MsgCommitVerdicts");
      assert.equal(tx.signatures.length, 0);
      assert.equal(tx.authInfo.signerInfos.length, 0);
      const results = await comet.blockResults(Number(h));
      assert.equal(results.results[0]!.code, 0);
      const hits = await sc.searchTx(`commit_verdicts.height=${Number(h) - 1}`);
      assert.equal(hits.length, 1);
      assert.equal(hits[0]!.height, Number(h));
      assert.equal(hits[0]!.txIndex, 0);
      const got = await sc.getTx(hits[0]!.hash);
      assert.equal(got?.code, 0);
      assert.equal(toHex(got!.tx), toHex(raw));
      const sb = await sc.getBlock(Number(h));
      assert.equal(toHex(sb.txs[0]!), toHex(raw));
    } finally {
      comet.disconnect();
      sc.disconnect();
    }
  });

  it("the app's extension sign bytes are CometBFT's (the node's encoder)", () => {
    for (const [e, h, r, c] of [[new Uint8Array(0), 0n, 0, ""], [new Uint8Array(300).fill(7), 12n, 3, "openledger-localnet-1"], [utf8("x"), -1n, -2, "c"]] as const) {
      assert.equal(toHex(appSignBytes(c, e, h, r)), toHex(nodeSignBytes(c, { extension: e, height: h, round: r })));
    }
  });
});
