/** datanet through real blocks: gating, stakes in escrow, curation, duplicates, snapshots, challenges, withdrawals, errors, genesis. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { accAddressFromString, accAddressToString, moduleAddress } from "../../../modules/core/address.ts";
import { toHex } from "../../../modules/core/bytes.ts";
import { merkleRoot, pointHashV1, snapshotLeafHash } from "../../../modules/datanet/index.ts";
import { GOV_AUTHORITY } from "../../../modules/app.ts";
import * as q from "../../../proto/gen/openledger/datanet/v1/query.ts";
import * as tx from "../../../proto/gen/openledger/datanet/v1/tx.ts";
import { ChallengeStatus, ContributionStatus, Gating } from "../../../proto/gen/openledger/datanet/v1/types.ts";
import { createTestChain } from "../../harness/app.ts";
import { D, createWorld, decodeResponse, item, msgs, schema } from "./helpers.ts";

const ESCROW = accAddressToString(moduleAddress("datanet"));
const GOV = accAddressToString(GOV_AUTHORITY);

describe("datanet through blocks", () => {
  it("curated datanet: stakes escrowed, approve/reject, duplicates refused, snapshot root recomputable from queries", async () => {
    const w = await createWorld();
    const { alice, bob, carol } = w.actors as Record<string, { address: string }>;
    const r = await w.ok("alice", [msgs.create({ owner: alice!.address, name: "digits", schema: schema(), license: "CC-BY-4.0", gating: Gating.GATING_CURATED, curators: [bob!.address], minStake: "2000" })]);
    assert.equal(decodeResponse(r, tx.MsgCreateDatanetResponse).datanetId, 1n);
    assert.ok(r.events.some((e) => e.type === "openledger.datanet.v1.EventDatanetCreated"));

    const carolBefore = await w.chain.balance(carol!.address);
    const c = await w.ok("carol", [msgs.contribute({ contributor: carol!.address, datanetId: 1n, items: [item([1, 2, 3, 4], 0, "2000"), item([5, 6, 7, 8], 1, "3000"), item([-9, 9, -9, 9], 2, "2500")] })]);
    assert.deepEqual(decodeResponse(c, tx.MsgContributeResponse).contributionIds, [1n, 2n, 3n]);
    assert.equal(await w.chain.balance(ESCROW), 7500n);
    assert.equal(await w.chain.balance(carol!.address), carolBefore - 7500n - 10000n);
    const c1 = await w.contribution(1n);
    assert.equal(c1.status, ContributionStatus.CONTRIBUTION_STATUS_PENDING);
    assert.equal(c1.index, 0n);
    assert.equal(toHex(c1.pointHash), toHex(pointHashV1({ features: c1.point!.features, label: 0 })));

    // an exact duplicate (same point) is refused with datanet:6 and changes nothing
    await w.fails("dave", [msgs.contribute({ contributor: w.actors.dave!.address, datanetId: 1n, items: [{ ...item([1, 2, 3, 4], 0, "2000"), contentHash: new Uint8Array(32).fill(7) }] })], "datanet:6", "duplicate point");
    // and a duplicate inside one message too
    await w.fails("dave", [msgs.contribute({ contributor: w.actors.dave!.address, datanetId: 1n, items: [item([0, 0, 0, 1], 0, "2000"), { ...item([0, 0, 0, 1], 0, "2000"), contentHash: new Uint8Array(32).fill(8) }] })], "datanet:6", "duplicate in one msg");

    // the hash query finds the contribution by point hash and by content hash
    const byHash = await w.query(`${D}Query/ContributionByHash`, q.QueryContributionByHashRequest, { datanetId: 1n, hash: c1.pointHash }, q.QueryContributionByHashResponse);
    assert.equal(byHash.contribution?.id, 1n);
    const byContent = await w.query(`${D}Query/ContributionByHash`, q.QueryContributionByHashRequest, { datanetId: 1n, hash: c1.contentHash }, q.QueryContributionByHashResponse);
    assert.equal(byContent.contribution?.id, 1n);

    // only a curator reviews; approve 1 and 3, reject 2 (its stake returns)
    await w.fails("carol", [msgs.review({ curator: carol!.address, contributionId: 1n, approve: true })], "datanet:8", "non-curator review");
    await w.ok("bob", [msgs.review({ curator: bob!.address, contributionId: 1n, approve: true })]);
    await w.ok("alice", [msgs.review({ curator: alice!.address, contributionId: 3n, approve: true })]);
    const beforeReject = await w.chain.balance(carol!.address);
    await w.ok("bob", [msgs.review({ curator: bob!.address, contributionId: 2n, approve: false, reason: "blurry" })]);
    assert.equal(await w.chain.balance(carol!.address), beforeReject + 3000n);
    assert.equal(await w.chain.balance(ESCROW), 4500n);
    assert.equal((await w.contribution(2n)).status, ContributionStatus.CONTRIBUTION_STATUS_REJECTED);
    await w.fails("bob", [msgs.review({ curator: bob!.address, contributionId: 2n, approve: true })], "datanet:13", "review twice");

    // queries by datanet (with a status filter) and by contributor
    const accepted = await w.query(`${D}Query/Contributions`, q.QueryContributionsRequest, { datanetId: 1n, status: ContributionStatus.CONTRIBUTION_STATUS_ACCEPTED }, q.QueryContributionsResponse);
    assert.deepEqual(accepted.contributions.map((x) => x.id), [1n, 3n]);
    const mine = await w.query(`${D}Query/ContributionsByContributor`, q.QueryContributionsByContributorRequest, { contributor: carol!.address }, q.QueryContributionsByContributorResponse);
    assert.deepEqual(mine.contributions.map((x) => x.id), [1n, 2n, 3n]);

    // snapshot: only owner/curators; root = Merkle over (index, contribution id, point hash, contributor)
    await w.fails("carol", [msgs.snapshot({ creator: carol!.address, datanetId: 1n })], "datanet:8", "non-curator snapshot");
    const s = decodeResponse(await w.ok("bob", [msgs.snapshot({ creator: bob!.address, datanetId: 1n })]), tx.MsgSnapshotResponse);
    assert.equal(s.version, 1n);
    assert.equal(s.count, 2n);
    const snap = await w.snapshot(s.snapshotId);
    const entries = await w.entries(s.snapshotId);
    assert.deepEqual(entries.map((e) => [e.index, e.contributionId, e.label]), [[0n, 1n, 0], [1n, 3n, 2]]);
    const root = merkleRoot(entries.map((e) => snapshotLeafHash({ index: e.index, contributionId: e.contributionId, pointHash: e.pointHash, contributor: accAddressFromString(e.contributor) })));
    assert.equal(toHex(root), toHex(snap.root));
    assert.equal(toHex(root), toHex(s.root));
    const list = await w.query(`${D}Query/Snapshots`, q.QuerySnapshotsRequest, { datanetId: 1n }, q.QuerySnapshotsResponse);
    assert.deepEqual(list.snapshots.map((x) => x.version), [1n]);
    // a rejected point's hash is free again
    await w.ok("dave", [msgs.contribute({ contributor: w.actors.dave!.address, datanetId: 1n, items: [item([5, 6, 7, 8], 1, "2000")] })]);
  });

  it("challenge upheld slashes the stake (burned while no community pool is wired), dismissed forfeits the bond; escrow invariant holds every block", async () => {
    const w = await createWorld({ epochBlocks: 100 });
    const { alice, carol, dave } = w.actors as Record<string, { address: string }>;
    await w.ok("alice", [msgs.create({ owner: alice!.address, name: "open set", schema: schema(), gating: Gating.GATING_OPEN, minStake: "0" })]);
    await w.ok("carol", [msgs.contribute({ contributor: carol!.address, datanetId: 1n, items: [item([1, 1, 1, 1], 0, "5000"), item([2, 2, 2, 2], 1, "4000")] })]);
    assert.equal((await w.contribution(1n)).status, ContributionStatus.CONTRIBUTION_STATUS_ACCEPTED, "open gating accepts at once");
    const supply0 = BigInt(JSON.parse(JSON.stringify((await w.chain.app.exportGenesis() as any).bank.supply))[0].amount);

    await w.fails("carol", [msgs.challenge({ challenger: carol!.address, contributionId: 1n, reason: "mine" })], "datanet:24", "self-challenge");
    const ch = decodeResponse(await w.ok("dave", [msgs.challenge({ challenger: dave!.address, contributionId: 1n, reason: "label flip" })]), tx.MsgChallengeContributionResponse);
    assert.equal(await w.chain.balance(ESCROW), 9000n + 1000n, "stakes + challenge bond");
    await w.fails("dave", [msgs.challenge({ challenger: dave!.address, contributionId: 1n })], "datanet:17", "second challenge");
    await w.fails("carol", [msgs.withdraw({ contributor: carol!.address, contributionIds: [1n] })], "datanet:17", "withdraw under challenge");
    await w.fails("dave", [msgs.resolve({ authority: dave!.address, challengeId: ch.challengeId, uphold: true })], "datanet:8", "outsider resolves");

    const carol0 = await w.chain.balance(carol!.address);
    const dave0 = await w.chain.balance(dave!.address);
    const res = decodeResponse(await w.ok("alice", [msgs.resolve({ authority: alice!.address, challengeId: ch.challengeId, uphold: true, reason: "confirmed" })]), tx.MsgResolveChallengeResponse);
    assert.deepEqual(res.slashed, { denom: "uopen", amount: "5000" });
    assert.equal(await w.chain.balance(carol!.address), carol0, "full slash by default: nothing returned");
    assert.equal(await w.chain.balance(dave!.address), dave0 + 1000n, "bond back to the challenger");
    assert.equal(await w.chain.balance(ESCROW), 4000n);
    const supply1 = BigInt(((await w.chain.app.exportGenesis()) as any).bank.supply[0].amount);
    assert.equal(supply1, supply0 - 5000n, "slashed stake burned");
    assert.equal((await w.contribution(1n)).status, ContributionStatus.CONTRIBUTION_STATUS_SLASHED);
    const chq = await w.query(`${D}Query/Challenge`, q.QueryChallengeRequest, { id: ch.challengeId }, q.QueryChallengeResponse);
    assert.equal(chq.challenge?.status, ChallengeStatus.CHALLENGE_STATUS_UPHELD);
    // a slashed point stays out of snapshots and cannot come back
    const s = decodeResponse(await w.ok("alice", [msgs.snapshot({ creator: alice!.address, datanetId: 1n })]), tx.MsgSnapshotResponse);
    assert.equal(s.count, 1n);
    await w.fails("erin", [msgs.contribute({ contributor: w.actors.erin!.address, datanetId: 1n, items: [{ ...item([1, 1, 1, 1], 0, "5000"), contentHash: new Uint8Array(32).fill(3) }] })], "datanet:6", "slashed point resubmitted");

    // dismissed: the bond goes to the sink (burned)
    const ch2 = decodeResponse(await w.ok("dave", [msgs.challenge({ challenger: dave!.address, contributionId: 2n })]), tx.MsgChallengeContributionResponse);
    await w.ok("alice", [msgs.resolve({ authority: alice!.address, challengeId: ch2.challengeId, uphold: false })]);
    assert.equal(await w.chain.balance(ESCROW), 4000n);
    assert.equal((await w.contribution(2n)).status, ContributionStatus.CONTRIBUTION_STATUS_ACCEPTED);
    assert.equal((await w.contribution(2n)).openChallengeId, 0n);
    await w.fails("alice", [msgs.resolve({ authority: alice!.address, challengeId: ch2.challengeId, uphold: true })], "datanet:13", "resolve twice");
  });

  it("stake is locked for the challenge window (epochs), then withdrawable once; a challenge after the window is refused", async () => {
    const w = await createWorld({ epochBlocks: 3 });
    const { alice, carol, dave } = w.actors as Record<string, { address: string }>;
    await w.ok("alice", [msgs.create({ owner: alice!.address, name: "n", schema: schema(), gating: Gating.GATING_OPEN })]); // h1
    await w.ok("carol", [msgs.contribute({ contributor: carol!.address, datanetId: 1n, items: [item([3, 1, 4, 1], 0, "1000")] })]); // h2, epoch 0
    assert.equal((await w.contribution(1n)).acceptedEpoch, 0n);
    // window 2 epochs: locked through epoch 1 (heights ≤ 6), free from epoch 2 (height 7)
    await w.advanceTo(5n);
    await w.fails("carol", [msgs.withdraw({ contributor: carol!.address, contributionIds: [1n] })], "datanet:14", "inside the window"); // h6, epoch 1
    assert.equal(w.chain.height, 6n);
    const before = await w.chain.balance(carol!.address);
    const r = decodeResponse(await w.ok("carol", [msgs.withdraw({ contributor: carol!.address, contributionIds: [1n] })]), tx.MsgWithdrawStakeResponse); // h7, epoch 2
    assert.deepEqual(r.amount, { denom: "uopen", amount: "1000" });
    assert.equal(await w.chain.balance(carol!.address), before + 1000n - 10000n);
    assert.equal(await w.chain.balance(ESCROW), 0n);
    await w.fails("carol", [msgs.withdraw({ contributor: carol!.address, contributionIds: [1n] })], "datanet:13", "withdraw twice");
    await w.fails("dave", [msgs.challenge({ challenger: dave!.address, contributionId: 1n })], "datanet:15", "after the window");
  });

  it("allowlist gating, quotas per epoch, updates and gov-only params; every error path is codespace+code with no state change", async () => {
    const w = await createWorld({ epochBlocks: 40, editGenesis: (g) => (g.datanet.params.quota_per_epoch = "2") });
    const { alice, bob, carol, dave } = w.actors as Record<string, { address: string }>;
    await w.ok("alice", [msgs.create({ owner: alice!.address, name: "allow", schema: schema(2, 2), gating: Gating.GATING_ALLOWLIST, allowlist: [carol!.address], minStake: "1500" })]); // h1
    const cases: [string, string, ReturnType<typeof msgs.create>, string][] = [
      ["not on the allowlist", "dave", msgs.contribute({ contributor: dave!.address, datanetId: 1n, items: [item([1, 2], 0, "1500")] }), "datanet:9"],
      ["unknown datanet", "carol", msgs.contribute({ contributor: carol!.address, datanetId: 9n, items: [item([1, 2], 0, "1500")] }), "datanet:2"],
      ["stake below the datanet minimum", "carol", msgs.contribute({ contributor: carol!.address, datanetId: 1n, items: [item([1, 2], 0, "1499")] }), "datanet:10"],
      ["wrong dimension", "carol", msgs.contribute({ contributor: carol!.address, datanetId: 1n, items: [item([1, 2, 3], 0, "1500")] }), "datanet:5"],
      ["label out of range", "carol", msgs.contribute({ contributor: carol!.address, datanetId: 1n, items: [item([1, 2], 2, "1500")] }), "datanet:5"],
      ["unknown lineage parent", "carol", msgs.contribute({ contributor: carol!.address, datanetId: 1n, items: [item([1, 2], 0, "1500", { parents: [77n] })] }), "datanet:18"],
      ["payload too large", "carol", msgs.contribute({ contributor: carol!.address, datanetId: 1n, items: [item([1, 2], 0, "1500", { size: 1n << 40n })] }), "datanet:12"],
      ["quota: three points in one epoch", "carol", msgs.contribute({ contributor: carol!.address, datanetId: 1n, items: [item([1, 2], 0, "1500"), item([2, 2], 0, "1500"), item([3, 2], 0, "1500")] }), "datanet:11"],
      ["update by a non-owner", "bob", msgs.update({ owner: bob!.address, datanetId: 1n, name: "x" }), "datanet:7"],
      ["set gating by a non-owner", "bob", msgs.setGating({ owner: bob!.address, datanetId: 1n, gating: Gating.GATING_OPEN }), "datanet:7"],
      ["bad schema kind", "bob", msgs.create({ owner: bob!.address, name: "x", schema: { kind: "image/v9", dim: 2, numClasses: 2 }, gating: Gating.GATING_OPEN }), "datanet:4"],
      ["gating unspecified", "bob", msgs.create({ owner: bob!.address, name: "x", schema: schema(), gating: Gating.GATING_UNSPECIFIED }), "datanet:24"],
      ["snapshot of nothing accepted", "alice", msgs.snapshot({ creator: alice!.address, datanetId: 1n }), "datanet:19"],
      ["params by a non-authority", "alice", msgs.updateParams({ authority: alice!.address, params: { bondDenom: "uopen", minStake: "1", maxContributionSize: 10n, maxPointsPerMsg: 5, quotaPerEpoch: 0n, challengeWindowEpochs: 1n, challengeBond: "0", slashFractionBps: 5000, maxDim: 8, maxClasses: 4, maxParents: 2, maxCurators: 2, maxAllowlist: 2 } }), "sdk:4"],
    ];
    for (const [what, who, m, code] of cases) await w.fails(who, [m], code, what);
    await w.ok("carol", [msgs.contribute({ contributor: carol!.address, datanetId: 1n, items: [item([1, 2], 0, "1500"), item([2, 2], 1, "1500", { parents: [] })] })]);
    await w.fails("carol", [msgs.contribute({ contributor: carol!.address, datanetId: 1n, items: [item([3, 3], 0, "1500")] })], "datanet:11", "quota used up in this epoch");
    await w.advanceTo(40n); // a later epoch resets the quota
    await w.ok("carol", [msgs.contribute({ contributor: carol!.address, datanetId: 1n, items: [item([3, 3], 0, "1500", { parents: [1n, 2n] })] })]);
    assert.deepEqual((await w.contribution(3n)).parents, [1n, 2n], "lineage kept");
    // owner updates metadata, opens gating and transfers ownership
    await w.ok("alice", [msgs.update({ owner: alice!.address, datanetId: 1n, name: "renamed", license: "MIT", minStake: "10", newOwner: bob!.address })]);
    const d = await w.datanet(1n);
    assert.equal(d.name, "renamed");
    assert.equal(d.owner, bob!.address);
    await w.ok("bob", [msgs.setGating({ owner: bob!.address, datanetId: 1n, gating: Gating.GATING_CURATED, curators: [dave!.address] })]);
    assert.deepEqual((await w.datanet(1n)).curators, [dave!.address]);
    // queries of missing things are NotFound (sdk:22)
    await assert.rejects(w.datanet(99n), (e: any) => e.code === "sdk:22");
    await assert.rejects(w.contribution(99n), (e: any) => e.code === "sdk:22");
    void GOV;
  });

  it("genesis export(init(g)) round trips with datanets, contributions, challenges and snapshots", async () => {
    const w = await createWorld();
    const { alice, bob, carol, dave } = w.actors as Record<string, { address: string }>;
    await w.ok("alice", [msgs.create({ owner: alice!.address, name: "g", schema: schema(), gating: Gating.GATING_CURATED, curators: [bob!.address], license: "MIT" })]);
    await w.ok("carol", [msgs.contribute({ contributor: carol!.address, datanetId: 1n, items: [item([1, 0, 0, 0], 0), item([0, 1, 0, 0], 1), item([0, 0, 1, 0], 2)] })]);
    await w.ok("bob", [msgs.review({ curator: bob!.address, contributionId: 1n, approve: true })]);
    await w.ok("bob", [msgs.review({ curator: bob!.address, contributionId: 2n, approve: false })]);
    await w.ok("bob", [msgs.snapshot({ creator: bob!.address, datanetId: 1n })]);
    await w.ok("dave", [msgs.challenge({ challenger: dave!.address, contributionId: 3n, reason: "dup" })]);
    const exported = await w.chain.app.exportGenesis();
    const again = await createTestChain({ editGenesis: (g) => Object.assign(g, JSON.parse(JSON.stringify(exported))) });
    await again.block([]);
    const re = await again.app.exportGenesis();
    assert.deepEqual(re.datanet, exported.datanet);
    assert.deepEqual(re.bank, exported.bank);
    // a tampered snapshot root is refused at init
    const bad = JSON.parse(JSON.stringify(exported));
    bad.datanet.snapshots[0].snapshot.root = Buffer.alloc(32, 1).toString("base64");
    await assert.rejects(createTestChain({ editGenesis: (g) => Object.assign(g, bad) }), /root/);
  });
});
