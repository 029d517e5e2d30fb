/**
 * The built-in explorer (node/explorer, served at /explorer by the REST port) driven in headless
 * Chromium (Debian's chromium via playwright-core, issue 7 item 6): dashboard, block, tx, datanets,
 * models, an inference receipt with its per-contributor split drawn as an SVG chart, a contributor's
 * earnings over time; plus the OpenAPI page. Screenshots go to bench-results/explorer/.
 * The receipts come from the genesis (attribution app_state) so that the page has real chain data to draw.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DirectSecp256k1HdWallet, Registry } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient, assertIsDeliverTxSuccess, defaultRegistryTypes, type DeliverTxResponse } from "@cosmjs/stargate";
import { MsgCreateDatanet } from "../../proto/gen/openledger/datanet/v1/tx.ts";
import { stringToPath } from "@cosmjs/crypto";
import { toBech32 } from "@cosmjs/encoding";
import { DEV_MNEMONIC, ROOT, cleanup, freePort, startNode, type NodeProc } from "./harness.ts";
import { gentxHome } from "./apisSetup.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  process.stderr.write(
    `\n${"!".repeat(78)}\n!! e2e/explorer SKIPPED: no Chromium at ${CHROMIUM} (apt-get install -y chromium; CI's .ci/run installs it)\n${"!".repeat(78)}\n\n`,
  );
}

const CHAIN_ID = "openledger-explorer-1";
const SHOTS = join(ROOT, "bench-results/explorer");
const addr = (b: number) => toBech32("open", new Uint8Array(20).fill(b));
const [ALICE, BOB, CAROL] = [addr(0xa1), addr(0xb2), addr(0xc3)];

/** three receipts of model 1 at heights 1..3; alice is paid in all, bob in two, carol in one. */
const RECEIPTS = [
  { id: "1", height: "1", fee: "1000000", shares: [[ALICE, "600000"], [BOB, "300000"]], remainder: "100000" },
  { id: "2", height: "2", fee: "2000000", shares: [[ALICE, "1500000"], [CAROL, "500000"]], remainder: "0" },
  { id: "3", height: "3", fee: "500000", shares: [[ALICE, "100000"], [BOB, "400000"]], remainder: "0" },
];

function attributionGenesis(owner: string, existing: any): any {
  return {
    ...existing,
    models: [
      {
        id: "1",
        owner,
        name: "iris-knn",
        datanet_id: "1",
        snapshot_id: "1",
        embedding_dim: 4,
        num_points: "0",
        indexed_points: "0",
        registered_height: "1",
      },
    ],
    receipts: RECEIPTS.map((r) => ({
      id: r.id,
      model_id: "1",
      query_hash: Buffer.alloc(32, Number(r.id)).toString("base64"),
      label: 1,
      method: { method: "poa-knn-shapley", version: 1 },
      k: 5,
      fee: { denom: "uopen", amount: r.fee },
      shares: r.shares.map(([contributor, amount]) => ({ contributor, amount })),
      remainder: r.remainder,
      height: r.height,
      matches: 5,
      n: 10,
    })),
    next_model_id: "2",
    next_receipt_id: "4",
  };
}

describe("e2e/explorer: the built-in explorer in headless Chromium", { skip: HAVE_CHROMIUM ? false : `no Chromium at ${CHROMIUM}` }, () => {
  let node: NodeProc;
  let home: string;
  let rest: string;
  let send: DeliverTxResponse;
  let browser: import("playwright-core").BrowserContext;
  let page: import("playwright-core").Page;
  let profile: string;

  before(async () => {
    const w = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, { prefix: "open", hdPaths: [stringToPath("m/44'/118'/0'/0/0")] });
    const dev = (await w.getAccounts())[0]!.address;
    home = await gentxHome("explorer", CHAIN_ID, (g) => {
      g.app_state.attribution = attributionGenesis(dev, g.app_state.attribution ?? {});
    });
    const apiPort = await freePort();
    node = await startNode(home, { extraArgs: ["--api.address", `tcp://127.0.0.1:${apiPort}`] });
    rest = `http://127.0.0.1:${apiPort}`;
    const registry = new Registry([...defaultRegistryTypes, ["/openledger.datanet.v1.MsgCreateDatanet", MsgCreateDatanet as any]]);
    const client = await SigningStargateClient.connectWithSigner(node.rpcUrl, w, { registry, gasPrice: GasPrice.fromString("0.025uopen"), broadcastPollIntervalMs: 200 });
    send = await client.sendTokens(dev, ALICE, [{ denom: "uopen", amount: "777" }], "auto", "explorer e2e");
    assertIsDeliverTxSuccess(send);
    const dn = await client.signAndBroadcast(
      dev,
      [{ typeUrl: "/openledger.datanet.v1.MsgCreateDatanet", value: MsgCreateDatanet.fromPartial({ owner: dev, name: "iris-datanet", description: "iris flowers", schema: { kind: "vector-label/v1", dim: 4, numClasses: 3 }, license: "CC0-1.0", gating: 1 as never, minStake: "0" }) }],
      "auto",
    );
    assertIsDeliverTxSuccess(dn);
    client.disconnect();

    const { chromium } = await import("playwright-core");
    profile = mkdtempSync(join(tmpdir(), "ol-chromium-"));
    // a fresh profile dir (--user-data-dir) per run: playwright passes it for a persistent context
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await node?.stop();
    if (home) cleanup(home);
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** opens a hash route and waits until the page has rendered it. */
  async function open(hash: string, shot: string): Promise<void> {
    await page.goto(`${rest}/explorer#${hash}`);
    await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
    await page.waitForFunction((h) => (globalThis as any).location.hash === `#${h}` && (globalThis as any).document.body.dataset.ready === "1", hash, { timeout: 20_000 });
    const err = await page.$eval("#view", (v) => v.querySelector(".error")?.textContent ?? null);
    assert.equal(err, null, `page #${hash} shows an error`);
    await page.screenshot({ path: join(SHOTS, `${shot}.png`), fullPage: true });
  }

  it("dashboard: chain id, latest height, validators, latest blocks and txs", async () => {
    await open("/", "dashboard");
    assert.equal(await page.textContent("h1"), CHAIN_ID);
    assert.ok(Number(await page.textContent("#latest-height")) >= send.height);
    const text = await page.textContent("#view");
    assert.match(text ?? "", /Latest blocks/);
    assert.match(text ?? "", /explorer/, "the gentx validator's moniker is listed");
    assert.ok((await page.$$("table")).length >= 3);
  });

  it("block and tx pages", async () => {
    await open(`/block/${send.height}`, "block");
    assert.equal(await page.textContent("h1"), `Block ${send.height}`);
    assert.ok((await page.textContent("#view"))?.includes(send.transactionHash.slice(0, 10)), "the block lists its tx");
    await open(`/tx/${send.transactionHash}`, "tx");
    assert.equal(await page.textContent("#tx-hash"), send.transactionHash);
    assert.match((await page.textContent("#view")) ?? "", /explorer e2e/);
    assert.match((await page.textContent("#view")) ?? "", /MsgSend/);
  });

  it("datanets and models pages", async () => {
    await open("/datanets", "datanets");
    assert.equal(await page.textContent("h1"), "Datanets");
    assert.match((await page.textContent("#view")) ?? "", /iris-datanet/);
    const href = await page.$eval("#view table tbody tr td a", (a) => a.getAttribute("href"));
    await open(String(href).slice(1), "datanet");
    assert.match((await page.textContent("h1")) ?? "", /iris-datanet/);
    assert.match((await page.textContent("#view")) ?? "", /CC0-1\.0/);
    await open("/models", "models");
    assert.match((await page.textContent("#view")) ?? "", /iris-knn/);
    await open("/model/1", "model");
    assert.equal((await page.$$("#view table tbody tr")).length, RECEIPTS.length, "the model's receipts are listed");
  });

  it("an inference receipt's per-contributor split is drawn as an SVG bar chart", async () => {
    await open("/receipt/1", "receipt");
    const bars = await page.$$eval("svg.split-chart g.share", (gs) => gs.map((g) => ({ who: g.getAttribute("data-contributor"), amount: g.getAttribute("data-amount"), width: Number(g.querySelector("rect")?.getAttribute("width")) })));
    assert.deepEqual(
      bars.map((b) => [b.who, b.amount]),
      [[ALICE, "600000"], [BOB, "300000"], ["remainder (community pool)", "100000"]],
    );
    assert.ok(bars[0]!.width > bars[1]!.width && bars[1]!.width > bars[2]!.width, "bar widths follow the amounts");
    assert.match((await page.textContent("svg.split-chart")) ?? "", /60\.00%/);
    await open("/receipts", "receipts");
    assert.equal((await page.$$("#view table tbody tr")).length, RECEIPTS.length);
  });

  it("a contributor's earnings over time (cumulative, by height)", async () => {
    await open(`/contributor/${ALICE}`, "contributor");
    assert.equal(await page.textContent("#total-earned"), "2.2 OPEN");
    assert.equal((await page.$$("svg.earnings-chart circle")).length, 3);
    const ys = await page.$$eval("svg.earnings-chart circle", (cs) => cs.map((c) => Number(c.getAttribute("cy"))));
    assert.ok(ys[0]! > ys[1]! && ys[1]! > ys[2]!, "the cumulative line rises (SVG y grows downwards)");
    await open(`/contributor/${CAROL}`, "contributor-carol");
    assert.equal(await page.textContent("#total-earned"), "0.5 OPEN");
  });

  it("OpenAPI: /swagger renders the generated document; /swagger/openapi.json lists every route", async () => {
    const doc = (await (await fetch(`${rest}/swagger/openapi.json`)).json()) as any;
    assert.equal(doc.openapi, "3.0.3");
    for (const p of ["/cosmos/bank/v1beta1/balances/{address}", "/cosmos/tx/v1beta1/txs", "/cosmos/gov/v1/proposals", "/openledger/attribution/v1/receipt/{id}", "/openledger/datanet/v1/datanets"]) {
      assert.ok(doc.paths[p], `${p} documented`);
    }
    assert.ok(doc.paths["/cosmos/tx/v1beta1/txs"].post.requestBody);
    const balSchema = doc.paths["/cosmos/bank/v1beta1/balances/{address}"].get.responses["200"].content["application/json"].schema;
    assert.equal(balSchema.properties.balances.type, "array");
    assert.ok("pagination" in balSchema.properties);
    assert.ok(doc.paths["/cosmos/bank/v1beta1/balances/{address}"].get.parameters.some((x: any) => x.name === "pagination.limit"));
    assert.ok(Object.keys(doc.paths).some((p) => p.startsWith("/openledger/compute/")), "modules found at startup are documented");
    await page.goto(`${rest}/swagger`);
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll("#t tr").length > 50, null, { timeout: 20_000 });
    await page.screenshot({ path: join(SHOTS, "swagger.png") });
  });
});
