/**
 * The built-in explorer (node/explorer, served at /explorer by the REST port) driven in headless
 * Chromium (Debian's chromium via playwright-core, issue 7 item 6): dashboard, block, tx, datanets,
 * models, an inference receipt with its per-contributor split drawn as an SVG chart, a contributor's
 * earnings over time; plus the OpenAPI page. Screenshots go to bench-results/explorer/.
 * The receipts are live: a real node and a provider daemon process (`openledgerd provider start`,
 * onnxruntime-node) answer two paid inferences through the chain (request → job → result replayed by the
 * validator in its vote extension → accepted → PoA receipt → treasury split), as test/e2e/compute.test.ts
 * does; the pages must show what the chain's queries answer for those receipts.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient, assertIsDeliverTxSuccess, type DeliverTxResponse } from "@cosmjs/stargate";
import { stringToPath } from "@cosmjs/crypto";
import { openledgerRegistry } from "../../cli/cmds/tx/broadcast.ts";
import { sha256 } from "../../modules/core/hash.ts";
import { attestationKey } from "../../node/provider/attest.ts";
import { featuresToBytes } from "../../node/provider/inference.ts";
import { writeAttestationKeyFile } from "../../node/provider/keyFile.ts";
import { type Daemon, setupModel, startProvider } from "./computeLoop.ts";
import { DEV_MNEMONIC, ROOT, cleanup, freePort, startNode, waitFor, type NodeProc } from "./harness.ts";
import { gentxHomeWithKeys } from "./apisSetup.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  process.stderr.write(
    `\n${"!".repeat(78)}\n!! e2e/explorer SKIPPED: no Chromium at ${CHROMIUM} (apt-get install -y chromium; CI's .ci/run installs it)\n${"!".repeat(78)}\n\n`,
  );
}

const CHAIN_ID = "openledger-explorer-1";
const SHOTS = join(ROOT, "bench-results/explorer");
const C = "/openledger.compute.v1.";

interface ChainReceipt {
  id: string;
  model_id: string;
  height: string;
  fee: { denom: string; amount: string };
  shares: { contributor: string; amount: string }[];
  remainder: string;
}

/** "1.2345 OPEN" as the explorer writes uopen amounts (6 decimals, trailing zeros dropped). */
function open6(u: bigint): string {
  const whole = u / 1_000_000n;
  const frac = (u % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return `${whole}${frac === "" ? "" : `.${frac}`} OPEN`;
}

describe("e2e/explorer: the built-in explorer in headless Chromium, on live paid inferences", { skip: HAVE_CHROMIUM ? false : `no Chromium at ${CHROMIUM}` }, () => {
  let node: NodeProc;
  let home: string;
  let rest: string;
  let metricsUrl: string;
  let send: DeliverTxResponse;
  let browser: import("playwright-core").BrowserContext;
  let page: import("playwright-core").Page;
  let profile: string;
  let daemon: Daemon | undefined;
  const clients: SigningStargateClient[] = [];
  const addr: Record<string, string> = {};
  /** the live receipts as the chain's REST query answers them (by id). */
  let receipts: ChainReceipt[] = [];

  const getJson = async (path: string): Promise<any> => {
    const r = await fetch(`${rest}${path}`);
    assert.equal(r.status, 200, `${path}: ${r.status}`);
    return r.json();
  };

  before(async () => {
    const { home: h, keys } = await gentxHomeWithKeys("explorer", CHAIN_ID, ["alice", "honest"], (g) => {
      // a 40-block answer window (12 s at 300 ms blocks): the daemon shares the cores with the node and the test
      g.app_state.compute.params.inference_deadline_blocks = "40";
    });
    home = h;
    const dev = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, { prefix: "open", hdPaths: [stringToPath("m/44'/118'/0'/0/0")] });
    addr.dev = (await dev.getAccounts())[0]!.address;
    for (const n of ["alice", "honest"]) addr[n] = keys[n]!.address;
    const [apiPort, metricsPort] = [await freePort(), await freePort()];
    node = await startNode(home, { blockInterval: "300ms", extraArgs: ["--api.address", `tcp://127.0.0.1:${apiPort}`, "--metrics.address", `127.0.0.1:${metricsPort}`] });
    rest = `http://127.0.0.1:${apiPort}`;
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const client: Record<string, SigningStargateClient> = {};
    for (const [n, mnemonic] of [["dev", DEV_MNEMONIC], ["alice", keys.alice!.mnemonic], ["honest", keys.honest!.mnemonic]] as const) {
      const w = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: "open" });
      client[n] = await SigningStargateClient.connectWithSigner(node.rpcUrl, w, { registry: openledgerRegistry(), gasPrice: GasPrice.fromString("0.025uopen"), broadcastPollIntervalMs: 200, broadcastTimeoutMs: 30_000 });
      clients.push(client[n]!);
    }
    const tx = async (who: string, msgs: { typeUrl: string; value: unknown }[]) => {
      const r = await client[who]!.signAndBroadcast(addr[who]!, msgs, { amount: [{ denom: "uopen", amount: "100000" }], gas: "4000000" });
      assertIsDeliverTxSuccess(r);
      return r;
    };
    send = await client.dev!.sendTokens(addr.dev, addr.alice!, [{ denom: "uopen", amount: "777" }], "auto", "explorer e2e");
    assertIsDeliverTxSuccess(send);

    // datanet "e2e" (dev's and alice's points), its snapshot, model 1 with its ONNX artifact and index
    await setupModel(node.rpcUrl, tx, "dev", { dev: addr.dev, alice: addr.alice! });
    // one provider daemon, registered, answers two paid inferences (two blocks: two points over time)
    const key = attestationKey("secp256k1", sha256(Buffer.from("explorer attestation")));
    const attFile = join(home, "honest.attestation.json");
    writeAttestationKeyFile(attFile, key);
    daemon = await startProvider(home, "honest", attFile, node.rpcUrl);
    await tx("honest", [{ typeUrl: `${C}MsgRegisterProvider`, value: { provider: addr.honest, bond: { denom: "uopen", amount: "5000000" }, capabilities: { accelerator: "cpu", memoryBytes: 1n << 30n, maxBatch: 1, endpoint: "" }, attestationPubkey: key.pub, attestationKeyType: key.type, moniker: "honest" } }]);
    const request = (f: number[]) => ({ typeUrl: `${C}MsgRequestInference`, value: { requester: addr.dev, modelId: 1n, input: featuresToBytes(f), maxFee: { denom: "uopen", amount: "100000" } } });
    await tx("dev", [request([9, 1, 0, 0])]);
    await waitFor("the first receipt", async () => ((await getJson("/openledger/attribution/v1/receipts_by_model/1")).receipts.length >= 1 ? true : undefined), 90_000, 300);
    await tx("dev", [request([10, 2, 0, 0])]);
    receipts = await waitFor("two receipts", async () => {
      const rs = (await getJson("/openledger/attribution/v1/receipts_by_model/1")).receipts as ChainReceipt[];
      return rs.length >= 2 ? rs : undefined;
    }, 90_000, 300);
    // each as the single-receipt query answers it
    receipts = await Promise.all(receipts.map(async (r) => (await getJson(`/openledger/attribution/v1/receipt/${r.id}`)).receipt as ChainReceipt));

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
    await daemon?.stop();
    for (const c of clients) c.disconnect();
    await node?.stop();
    if (home) cleanup(home);
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** opens a hash route and waits until the page has rendered it. */
  async function open(hash: string, shot: string): Promise<void> {
    await page.goto(`${rest}/explorer#${hash}`);
    await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
    await page.waitForFunction((h) => (globalThis as any).location.hash === `#${h}` && (globalThis as any).document.body.dataset.ready === "1", hash, { timeout: 60_000 });
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
    assert.match((await page.textContent("#view")) ?? "", /e2e/);
    const href = await page.$eval("#view table tbody tr td a", (a) => a.getAttribute("href"));
    await open(String(href).slice(1), "datanet");
    assert.match((await page.textContent("h1")) ?? "", /e2e/);
    assert.ok((await page.textContent("#view"))?.includes(addr.alice!.slice(0, 10)), "alice's contributions are listed");
    await open("/models", "models");
    assert.match((await page.textContent("#view")) ?? "", /e2e-head/);
    await open("/model/1", "model");
    assert.equal((await page.$$("#view table tbody tr")).length, receipts.length, "the model's live receipts are listed");
  });

  it("a live inference receipt: the per-contributor split chart shows the chain's shares and amounts", async () => {
    for (const r of receipts) {
      await open(`/receipt/${r.id}`, `receipt-${r.id}`);
      const bars = await page.$$eval("svg.split-chart g.share", (gs) => gs.map((g) => ({ who: g.getAttribute("data-contributor"), amount: g.getAttribute("data-amount"), width: Number(g.querySelector("rect")?.getAttribute("width")) })));
      const want = r.shares.map((s) => [s.contributor, s.amount]);
      if (r.remainder !== "0" && r.remainder !== "") want.push(["remainder (community pool)", r.remainder]);
      // the chart draws the largest first
      want.sort((x, y) => (BigInt(y[1]!) > BigInt(x[1]!) ? 1 : BigInt(y[1]!) < BigInt(x[1]!) ? -1 : 0));
      assert.deepEqual(bars.map((b) => [b.who, b.amount]), want, `receipt ${r.id}: the bars are the chain's shares`);
      assert.ok(r.shares.length >= 1 && r.shares.every((s) => s.contributor === addr.dev || s.contributor === addr.alice), "paid to the datanet's contributors");
      assert.equal(BigInt(r.remainder || "0") + r.shares.reduce((n, s) => n + BigInt(s.amount), 0n), BigInt(r.fee.amount), "shares + remainder = the fee");
      // bar widths follow the amounts; the percentage of the first bar is its share of the fee
      for (let i = 1; i < bars.length; i++) assert.ok(bars[i - 1]!.width >= bars[i]!.width);
      const pct = (Number((BigInt(want[0]![1]!) * 10000n) / BigInt(r.fee.amount)) / 100).toFixed(2);
      assert.ok((await page.textContent("svg.split-chart"))?.includes(`${pct}%`), `${pct}% written`);
    }
    await open("/receipts", "receipts");
    assert.equal((await page.$$("#view table tbody tr")).length, receipts.length);
  });

  it("a contributor's earnings over time: the new receipts' shares, cumulative by height", async () => {
    for (const who of ["dev", "alice"]) {
      const a = addr[who]!;
      const mine = receipts.filter((r) => r.shares.some((s) => s.contributor === a));
      const total = mine.reduce((n, r) => n + BigInt(r.shares.find((s) => s.contributor === a)!.amount), 0n);
      await open(`/contributor/${a}`, `contributor-${who}`);
      assert.equal(await page.textContent("#total-earned"), open6(total), `${who}: total of the live receipts`);
      assert.equal((await page.$$("svg.earnings-chart circle")).length, mine.length, `${who}: one point per receipt`);
      if (mine.length >= 2) {
        const ys = await page.$$eval("svg.earnings-chart circle", (cs) => cs.map((c) => Number(c.getAttribute("cy"))));
        for (let i = 1; i < ys.length; i++) assert.ok(ys[i]! <= ys[i - 1]!, "the cumulative line never falls (SVG y grows downwards)");
      }
    }
    assert.ok(receipts.some((r) => r.shares.some((s) => s.contributor === addr.alice)), "alice earned from a live receipt");
  });

  it("metrics: the node timed the PoA engine in the blocks that wrote the receipts", async () => {
    const text = await (await fetch(metricsUrl)).text();
    const val = (name: string) => Number(text.split("\n").find((l) => l.startsWith(`${name} `))?.split(" ")[1]);
    assert.ok(val("openledger_poa_receipts_total") >= receipts.length);
    assert.ok(val("openledger_poa_block_seconds_count") >= 1, "PoA time observed for the blocks that ran the engine");
    assert.ok(val("openledger_poa_seconds_total") > 0);
    const load = val("openledger_poa_index_load_seconds_total");
    assert.ok(load > 0 && load <= val("openledger_poa_seconds_total"), "the valuation load is part of the engine's time");
    assert.ok(val('openledger_verification_verdicts_total{verdict="accepted"}') >= receipts.length);
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
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll("#t tr").length > 50, null, { timeout: 60_000 });
    await page.screenshot({ path: join(SHOTS, "swagger.png") });
  });
});
