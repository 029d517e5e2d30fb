/**
 * Query load (issue 7 item 9): requests/s and p99 latency at a fixed concurrency against a real node
 * process that is producing blocks (200 ms blocks, REST on), for REST (bank balance, latest block,
 * node info) and CometBFT JSON-RPC (status, abci_query bank balance). Baseline, same run, same client:
 * a trivial node:http server (in a child process, like the node) answering a fixed small JSON body.
 * Prints one `BENCH {...}` line per scenario:
 *   {"name":"query-rest-balance","value":<req/s>,"unit":"req/s","p50Ms":…,"p99Ms":…,
 *    "baseline":<trivial server req/s>,"ratio":<value/baseline>,"concurrency":16,"seconds":4,"errors":0}
 * Env: BENCH_QUERY_CONCURRENCY (16), BENCH_QUERY_SECONDS (4). Wall-clock on a shared machine:
 * compare ratios, not absolute rates.
 */
import { spawn } from "node:child_process";
import { Agent, request } from "node:http";
import { cleanup, DEV_MNEMONIC, freePort, initNode, startNode, waitHeight } from "../e2e/harness.ts";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { stringToPath } from "@cosmjs/crypto";

const CONCURRENCY = Number(process.env.BENCH_QUERY_CONCURRENCY ?? 16);
const SECONDS = Number(process.env.BENCH_QUERY_SECONDS ?? 4);

interface Target {
  port: number;
  method: "GET" | "POST";
  path: string;
  body?: string;
}

interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  n: number;
  errors: number;
}

function once(agent: Agent, t: Target): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: "127.0.0.1", port: t.port, method: t.method, path: t.path, agent, headers: t.body !== undefined ? { "content-type": "application/json", "content-length": Buffer.byteLength(t.body) } : {} },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode === 200));
        res.on("error", () => resolve(false));
      },
    );
    req.on("error", () => resolve(false));
    req.end(t.body);
  });
}

/** CONCURRENCY closed-loop clients for SECONDS (after a short warm-up). */
async function load(t: Target): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const warmEnd = Date.now() + 500;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < warmEnd) await once(agent, t);
  }));
  const lat: number[] = [];
  let errors = 0;
  const t0 = process.hrtime.bigint();
  const end = Date.now() + SECONDS * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < end) {
      const s = process.hrtime.bigint();
      const ok = await once(agent, t);
      lat.push(Number(process.hrtime.bigint() - s) / 1e6);
      if (!ok) errors++;
    }
  }));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  agent.destroy();
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0;
  return { rps: lat.length / secs, p50Ms: q(0.5), p99Ms: q(0.99), n: lat.length, errors };
}

/** the baseline: a trivial node:http server in its own process answering a fixed JSON body. */
async function trivialServer(): Promise<{ port: number; stop(): void }> {
  const port = await freePort();
  const src = `require("node:http").createServer((q, s) => { q.resume(); q.on("end", () => { s.writeHead(200, {"content-type": "application/json"}); s.end('{"balance":{"denom":"uopen","amount":"1000"}}'); }); }).listen(${port}, "127.0.0.1", () => process.stdout.write("up\\n"));`;
  const p = spawn(process.execPath, ["-e", src], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((res) => p.stdout.once("data", () => res()));
  return { port, stop: () => p.kill("SIGKILL") };
}

const r2 = (x: number) => Math.round(x * 100) / 100;

const w = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, { prefix: "open", hdPaths: [stringToPath("m/44'/118'/0'/0/0")] });
const dev = (await w.getAccounts())[0]!.address;
const home = await initNode("benchq", "openledger-bench-1", [{ address: dev, coins: [{ denom: "uopen", amount: "1000000000000" }] }]);
const apiPort = await freePort();
const node = await startNode(home, { blockInterval: "200ms", extraArgs: ["--api.address", `tcp://127.0.0.1:${apiPort}`] });
const base = await trivialServer();
try {
  await waitHeight(node.rpcUrl, 3);
  const balanceReq = Buffer.from([0x0a, dev.length, ...Buffer.from(dev), 0x12, 5, ...Buffer.from("uopen")]).toString("hex");
  const rpc = (method: string, params: Record<string, unknown>) => JSON.stringify({ jsonrpc: "2.0", id: 1, method, params });
  const scenarios: [string, Target][] = [
    ["query-rest-balance", { port: apiPort, method: "GET", path: `/cosmos/bank/v1beta1/balances/${dev}/by_denom?denom=uopen` }],
    ["query-rest-latest-block", { port: apiPort, method: "GET", path: "/cosmos/base/tendermint/v1beta1/blocks/latest" }],
    ["query-rest-node-info", { port: apiPort, method: "GET", path: "/cosmos/base/tendermint/v1beta1/node_info" }],
    ["query-rpc-status", { port: node.rpcPort, method: "POST", path: "/", body: rpc("status", {}) }],
    ["query-rpc-abci-balance", { port: node.rpcPort, method: "POST", path: "/", body: rpc("abci_query", { path: "/cosmos.bank.v1beta1.Query/Balance", data: balanceReq, prove: false }) }],
  ];
  const h0 = Number((await (await fetch(`${node.rpcUrl}/status`)).json() as any).result.sync_info.latest_block_height);
  for (const [name, t] of scenarios) {
    // the baseline right before each scenario (paired), so that load from elsewhere on a shared machine hits both alike
    const baseline = await load({ port: base.port, method: "GET", path: "/" });
    const r = await load(t);
    process.stdout.write(
      `BENCH ${JSON.stringify({
        name,
        value: Math.round(r.rps),
        unit: "req/s",
        p50Ms: r2(r.p50Ms),
        p99Ms: r2(r.p99Ms),
        baseline: Math.round(baseline.rps),
        baseline_name: "trivial node:http server, same client and concurrency (req/s)",
        baselineP99Ms: r2(baseline.p99Ms),
        ratio: Number((r.rps / baseline.rps).toFixed(4)),
        concurrency: CONCURRENCY,
        seconds: SECONDS,
        requests: r.n,
        errors: r.errors,
      })}\n`,
    );
  }
  const h1 = Number((await (await fetch(`${node.rpcUrl}/status`)).json() as any).result.sync_info.latest_block_height);
  process.stderr.write(`query bench: the node produced ${h1 - h0} blocks during the load\n`);
} finally {
  base.stop();
  await node.stop();
  cleanup(home);
}
