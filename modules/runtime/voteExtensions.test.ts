/**
 * The runtime's vote-extension plumbing with a toy module: ExtendVote joins module parts,
 * VerifyVoteExtension splits and checks them, PrepareProposal injects the extended commit as tx 0,
 * ProcessProposal rejects missing / forged / under-2/3 injections, CheckTx refuses the message, and
 * FinalizeBlock hands the extensions with powers to the module before any tx.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ed25519 } from "@noble/curves/ed25519.js";
import { TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { Bytes, ConsensusParams, ExtendedCommitInfo, ExtendedVoteInfo } from "../core/abci.ts";
import { fromUtf8, startsWith, utf8 } from "../core/bytes.ts";
import { sha256 } from "../core/hash.ts";
import { type AppModule, type VoteExtensionSet, defineModule } from "../core/module.ts";
import { createCommitStore } from "../core/store/commitStore.ts";
import { MemoryBackend } from "../core/store/memory.ts";
import {
  MSG_COMMIT_VERDICTS_TYPE_URL,
  decodeCommitVerdictsTx,
  decodeVoteExtension,
  encodeCommitVerdictsTx,
  encodeVoteExtension,
  voteExtensionSignBytes,
} from "../core/voteExtension.ts";
import { createApplication } from "./application.ts";

const CHAIN = "ve-test-1";
const PARAMS: ConsensusParams = {
  block: { maxBytes: 4194304n, maxGas: -1n },
  evidence: { maxAgeNumBlocks: 100000n, maxAgeDurationNs: 172800000000000n, maxBytes: 1048576n },
  validator: { pubKeyTypes: ["ed25519"] },
  version: { app: 1n },
  abci: { voteExtensionsEnableHeight: 1n },
};
const genesis = { defaultGenesis: () => ({}), validateGenesis() {}, async initGenesis() {}, async exportGenesis() { return {}; }, fromJson: (j: unknown) => j, toJson: (g: unknown) => g };
const EMPTY = new Uint8Array(0);
const T = (s: number) => ({ seconds: 1_700_000_000n + BigInt(s), nanos: 0 });

const keys = [1, 2, 3, 4].map((i) => {
  const seed = new Uint8Array(32).fill(i);
  const pub = ed25519.getPublicKey(seed);
  return { seed, pub, address: sha256(pub).subarray(0, 20) };
});

async function setup() {
  const seen: VoteExtensionSet[] = [];
  const order: string[] = [];
  const toy: AppModule = defineModule({
    name: "toy",
    consensusVersion: 1,
    msgs: [],
    queries: [],
    genesis,
    async extendVote(_ctx, block) {
      return utf8(`v@${block.height}`);
    },
    async verifyVoteExtension(_ctx, ext) {
      return startsWith(ext.data, utf8("v@"));
    },
    async onVoteExtensions(ctx, set) {
      seen.push(set);
      order.push("pre");
      ctx.store("toy").set(utf8("last"), utf8(set.votes.map((v) => fromUtf8(v.data)).join(",")));
    },
    async beginBlock() {
      order.push("begin");
    },
  });
  const app = createApplication({
    modules: [toy],
    order: { beginBlock: ["toy"], endBlock: [], initGenesis: ["toy"], exportGenesis: ["toy"] },
    store: await createCommitStore(new MemoryBackend()),
    minGasPrices: "",
  });
  await app.initChain({
    time: T(0),
    chainId: CHAIN,
    consensusParams: PARAMS,
    validators: keys.map((k) => ({ pubKey: { type: "ed25519" as const, bytes: k.pub }, power: 10n })),
    appStateBytes: utf8("{}"),
    initialHeight: 1n,
  });
  const block1 = { txs: [], misbehavior: [], height: 1n, time: T(1), nextValidatorsHash: EMPTY, proposerAddress: keys[0]!.address, hash: new Uint8Array(32).fill(9) };
  const fin1 = await app.finalizeBlock({ ...block1, decidedLastCommit: { round: 0, votes: [] } });
  assert.equal(fin1.txResults.length, 0);
  await app.commit();
  return { app, seen, order };
}

/** the extended commit of height 1: validators 0..2 precommitted with `ext`, validator 3 absent. */
function extendedCommit(ext: Bytes, o: { signer?: (i: number) => Uint8Array; flags?: number[] } = {}): ExtendedCommitInfo {
  const votes: ExtendedVoteInfo[] = keys.map((k, i) => {
    const flag = (o.flags?.[i] ?? (i < 3 ? 2 : 1)) as ExtendedVoteInfo["blockIdFlag"];
    if (flag !== 2) return { validator: { address: k.address, power: 10n }, blockIdFlag: flag, voteExtension: EMPTY, extensionSignature: EMPTY };
    const seed = o.signer?.(i) ?? k.seed;
    return { validator: { address: k.address, power: 10n }, blockIdFlag: flag, voteExtension: ext, extensionSignature: ed25519.sign(voteExtensionSignBytes(CHAIN, ext, 1n, 0), seed) };
  });
  return { round: 0, votes };
}
const lastCommitOf = (ec: ExtendedCommitInfo) => ({ round: ec.round, votes: ec.votes.map((v) => ({ validator: v.validator, blockIdFlag: v.blockIdFlag })) });
const block2 = (txs: Bytes[]) => ({ txs, misbehavior: [], height: 2n, time: T(2), nextValidatorsHash: EMPTY, proposerAddress: keys[1]!.address, hash: new Uint8Array(32).fill(7) });

describe("runtime: vote extensions", () => {
  it("ExtendVote joins module parts; VerifyVoteExtension checks envelope and module data", async () => {
    const { app } = await setup();
    const ext = (await app.extendVote({ ...block2([]), proposedLastCommit: { round: 0, votes: [] } })).voteExtension;
    assert.deepEqual(decodeVoteExtension(ext), [{ module: "toy", data: utf8("v@2") }]);
    const verify = (voteExtension: Bytes) => app.verifyVoteExtension({ hash: EMPTY, validatorAddress: keys[2]!.address, height: 2n, voteExtension });
    assert.equal((await verify(ext)).status, "accept");
    assert.equal((await verify(EMPTY)).status, "reject", "toy requires its part");
    assert.equal((await verify(encodeVoteExtension([{ module: "toy", data: utf8("x") }]))).status, "reject");
    assert.equal((await verify(encodeVoteExtension([{ module: "toy", data: utf8("v@2") }, { module: "zzz", data: utf8("1") }]))).status, "reject", "unknown module");
    assert.equal((await verify(Uint8Array.of(0xff, 0x01))).status, "reject", "garbage");
    // non-canonical: entries out of order
    assert.equal(decodeVoteExtension(Uint8Array.of(0x0a, 0x06, 0x0a, 0x01, 0x62, 0x12, 0x01, 0x31, 0x0a, 0x06, 0x0a, 0x01, 0x61, 0x12, 0x01, 0x31)), null);
  });

  it("PrepareProposal injects tx 0; ProcessProposal accepts it and rejects forgeries; CheckTx refuses it; FinalizeBlock hands it to the module first", async () => {
    const { app, seen, order } = await setup();
    const ext = encodeVoteExtension([{ module: "toy", data: utf8("v@1") }]);
    const ec = extendedCommit(ext);
    const userTx = Uint8Array.of(1, 2, 3);
    const prep = await app.prepareProposal({ ...block2([userTx]), maxTxBytes: 1_000_000n, localLastCommit: ec });
    assert.equal(prep.txs.length, 2);
    const inj = prep.txs[0]!;
    assert.deepEqual(prep.txs[1], userTx);
    // a well-formed TxRaw with one Any of the documented type, no signatures
    const raw = TxRaw.decode(inj);
    assert.equal(raw.signatures.length, 0);
    assert.equal(TxBody.decode(raw.bodyBytes).messages[0]!.typeUrl, MSG_COMMIT_VERDICTS_TYPE_URL);
    const cv = decodeCommitVerdictsTx(inj)!;
    assert.equal(cv.height, 1n);
    assert.equal(cv.votes.length, 4);
    // the type URL anywhere but the canonical place is not the injected tx: a leading extra field, the
    // URL inside a memo, the tx cut short
    assert.equal(decodeCommitVerdictsTx(Uint8Array.from([0x20, 0x01, ...inj])), null);
    const memoTx = TxRaw.encode({ bodyBytes: TxBody.encode(TxBody.fromPartial({ memo: MSG_COMMIT_VERDICTS_TYPE_URL })).finish(), authInfoBytes: new Uint8Array(), signatures: [] }).finish();
    assert.equal(decodeCommitVerdictsTx(memoTx), null);
    for (const n of [0, 1, 3, 5, 40, inj.length - 1]) assert.equal(decodeCommitVerdictsTx(inj.subarray(0, n)), null);

    const pp = (txs: Bytes[], last = lastCommitOf(ec)) => app.processProposal({ ...block2(txs), proposedLastCommit: last });
    assert.equal((await pp([inj])).status, "accept");
    assert.equal((await pp([])).status, "reject", "missing injection");
    // the user tx (undecodable) is rejected anyway; check the injection alone from here on
    const forgeExt = encodeVoteExtension([{ module: "toy", data: utf8("v@666") }]);
    const forged = extendedCommit(ext);
    forged.votes[1] = { ...forged.votes[1]!, voteExtension: forgeExt };
    assert.equal((await pp([encodeCommitVerdictsTx(1n, forged)])).status, "reject", "extension changed after signing");
    assert.equal((await pp([encodeCommitVerdictsTx(1n, extendedCommit(ext, { signer: () => new Uint8Array(32).fill(77) }))])).status, "reject", "wrong key");
    assert.equal((await pp([encodeCommitVerdictsTx(0n, ec)])).status, "reject", "wrong height");
    const twoOfFour = extendedCommit(ext, { flags: [2, 2, 3, 1] });
    assert.equal((await pp([encodeCommitVerdictsTx(1n, twoOfFour)], lastCommitOf(twoOfFour))).status, "reject", "not > 2/3");
    const dropped = extendedCommit(ext);
    dropped.votes[2] = { ...dropped.votes[2]!, blockIdFlag: 1, voteExtension: EMPTY, extensionSignature: EMPTY };
    assert.equal((await pp([encodeCommitVerdictsTx(1n, dropped)])).status, "reject", "flags differ from the last commit");
    assert.equal((await pp([inj, inj])).status, "reject", "a second injection is an undecodable tx");
    assert.notEqual((await app.checkTx({ tx: inj, type: "new" })).code, 0, "the mempool never accepts it");

    const fin = await app.finalizeBlock({ ...block2([inj]), decidedLastCommit: lastCommitOf(ec) });
    assert.equal(fin.txResults.length, 1);
    assert.equal(fin.txResults[0]!.code, 0);
    assert.equal(fin.txResults[0]!.events[0]!.type, "commit_verdicts");
    assert.deepEqual(order, ["begin", "pre", "begin"]);
    assert.equal(seen.length, 1);
    const set = seen[0]!;
    assert.equal(set.height, 1n);
    assert.equal(set.totalPower, 40n);
    assert.deepEqual(set.votes.map((v) => [v.power, fromUtf8(v.data)]), [[10n, "v@1"], [10n, "v@1"], [10n, "v@1"]]);
    assert.deepEqual(set.votes.map((v) => v.validator), keys.slice(0, 3).map((k) => k.address));
    await app.commit();
  });
});
