/**
 * Fuzz: 100,000+ random and mutated tx bytes and JSON-RPC requests thrown at a running node.
 * Every request must be answered (a JSON-RPC result or error, or an HTTP error status for unreadable
 * bodies) and the node must keep producing blocks. Seeded (FUZZ_SEED) so failures reproduce.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Agent, request } from "node:http";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { SigningStargateClient } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { DEV_MNEMONIC, cleanup, initNode, rpc, startNode, waitHeight, type NodeProc } from "./harness.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const TX_CASES = Number(process.env.FUZZ_TX ?? 50_000);
const RPC_CASES = Number(process.env.FUZZ_RPC ?? 50_000);
const CONCURRENCY = 32;

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const METHODS = [
  "status", "health", "abci_info", "abci_query", "broadcast_tx_sync", "broadcast_tx_async", "check_tx", "tx",
  "tx_search", "block", "block_by_hash", "block_results", "blockchain", "header", "commit", "validators",
  "genesis", "net_info", "num_unconfirmed_txs", "unconfirmed_txs", "consensus_params", "nope", "", "subscribe",
];

describe("e2e/fuzz: random and mutated input never crashes the node", () => {
  let node: NodeProc;
  let home: string;
  const valid: Uint8Array[] = [];

  before(async () => {
    const w = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, { prefix: "open" });
    const [acct] = await w.getAccounts();
    home = await initNode("fuzz", "openledger-fuzz-1", [{ address: acct!.address, coins: [{ denom: "uopen", amount: "1000000000000" }] }]);
    node = await startNode(home);
    const signer = await SigningStargateClient.offline(w);
    for (let seq = 0; seq < 8; seq++) {
      const raw = await signer.sign(
        acct!.address,
        [{ typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: { fromAddress: acct!.address, toAddress: acct!.address, amount: [{ denom: "uopen", amount: String(1 + seq) }] } }],
        { amount: [{ denom: "uopen", amount: "5000" }], gas: "200000" },
        `fuzz ${seq}`,
        { accountNumber: 0n, sequence: seq, chainId: "openledger-fuzz-1" },
      );
      valid.push(TxRaw.encode(raw).finish());
    }
  });

  after(async () => {
    await node?.stop();
    if (home) cleanup(home);
  });

  it(`answers ${TX_CASES} mutated txs and ${RPC_CASES} random RPC requests (seed ${SEED})`, { timeout: 600_000 }, async () => {
    const rnd = mulberry32(SEED);
    const int = (n: number) => Math.floor(rnd() * n);
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const url = new URL(node.rpcUrl);
    const post = (body: string | Buffer, path = "/", method = "POST") =>
      new Promise<{ status: number; body: string }>((res, rej) => {
        const req = request({ host: url.hostname, port: url.port, path, method, agent, headers: { "content-type": "application/json" } }, (r) => {
          let b = "";
          r.setEncoding("utf8");
          r.on("data", (d) => (b += d));
          r.on("end", () => res({ status: r.statusCode ?? 0, body: b }));
        });
        req.on("error", rej);
        req.setTimeout(30_000, () => req.destroy(new Error("request timed out")));
        if (method === "POST") req.end(body);
        else req.end();
      });

    const mutate = (b: Uint8Array): Uint8Array => {
      const out = Uint8Array.from(b);
      switch (int(6)) {
        case 0: { const k = 1 + int(8); for (let i = 0; i < k; i++) { const j = int(out.length); out[j] = (out[j] ?? 0) ^ (1 << int(8)); } return out; }
        case 1: return out.subarray(0, int(out.length));
        case 2: { const r = new Uint8Array(int(600)); for (let i = 0; i < r.length; i++) r[i] = int(256); return r; }
        case 3: { const i = int(out.length); return Uint8Array.from([...out.subarray(0, i), ...out.subarray(i).reverse()]); }
        case 4: { const i = int(out.length); out[i] = int(256); return out; }
        default: { const r = Uint8Array.from([...out, ...out.subarray(0, int(out.length))]); return r; }
      }
    };

    const txCase = (i: number): { body: string; path?: string; method?: string } => {
      const base = valid[i % valid.length]!;
      const tx = Buffer.from(mutate(base)).toString("base64");
      const m = ["broadcast_tx_sync", "broadcast_tx_async", "check_tx"][int(3)]!;
      return { body: JSON.stringify({ jsonrpc: "2.0", id: i, method: m, params: { tx } }) };
    };

    const junkValue = (): unknown => {
      switch (int(10)) {
        case 0: return null;
        case 1: return int(1e9) - 5e8;
        case 2: return "x".repeat(int(40));
        case 3: return String(int(1e6));
        case 4: return [junkValue()];
        case 5: return { a: junkValue() };
        case 6: return -1;
        case 7: return "18446744073709551616";
        case 8: return Buffer.from(Array.from({ length: int(64) }, () => int(256))).toString("hex");
        default: return true;
      }
    };
    const rpcCase = (i: number): { body: string; path?: string; method?: string } => {
      const method = METHODS[int(METHODS.length)]!;
      const params: Record<string, unknown> = {};
      for (const k of ["height", "hash", "query", "page", "per_page", "path", "data", "prove", "tx", "minHeight", "maxHeight", "order_by"]) {
        if (rnd() < 0.3) params[k] = junkValue();
      }
      switch (int(9)) {
        case 0: return { body: "{" + "x".repeat(int(50)) };
        case 1: return { body: JSON.stringify([{ jsonrpc: "2.0", id: i, method, params }, { jsonrpc: "2.0", id: i + 1, method: "health" }]) };
        case 2: return { body: JSON.stringify({ jsonrpc: "1.0", id: i, method }) };
        case 3: return { body: JSON.stringify({ jsonrpc: "2.0", id: i, method, params: [junkValue(), junkValue()] }) };
        case 4: return { body: "", path: `/${method}?height=${encodeURIComponent(String(junkValue()))}&hash=${encodeURIComponent(String(junkValue()))}`, method: "GET" };
        case 5: return { body: JSON.stringify(junkValue()) };
        case 6: return { body: Buffer.from(Array.from({ length: int(200) }, () => int(256))).toString("latin1") };
        default: return { body: JSON.stringify({ jsonrpc: "2.0", id: i, method, params }) };
      }
    };

    let answered = 0;
    let jsonErrors = 0;
    let results = 0;
    let httpErrors = 0;
    let notifications = 0;
    const total = TX_CASES + RPC_CASES;
    let next = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const c = i < TX_CASES ? txCase(i) : rpcCase(i);
        const r = await post(c.body, c.path ?? "/", c.method ?? "POST");
        answered++;
        if (r.status >= 400) {
          httpErrors++;
          continue;
        }
        if (r.status === 200 && r.body === "") {
          // a JSON-RPC notification (a request without an id) is answered with an empty 200, as CometBFT does
          notifications++;
          continue;
        }
        if (c.method === "GET" && r.status === 200 && r.body.startsWith("<html>")) {
          // GET / (and GET /?…) lists the routes as HTML, as CometBFT does
          notifications++;
          continue;
        }
        let j: unknown;
        try {
          j = JSON.parse(r.body);
        } catch {
          assert.fail(`case ${i}: non-JSON answer with status ${r.status}: ${r.body.slice(0, 200)}`);
        }
        const items = Array.isArray(j) ? j : [j];
        for (const it of items as { result?: unknown; error?: unknown }[]) {
          if (it.error !== undefined) jsonErrors++;
          else if (it.result !== undefined) results++;
          else assert.fail(`case ${i}: answer with neither result nor error: ${r.body.slice(0, 200)}`);
        }
      }
    };
    const startHeight = Number((await rpc(node.rpcUrl, "status")).sync_info.latest_block_height);
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    agent.destroy();
    assert.equal(answered, total, "every request answered");
    assert.equal(node.proc.exitCode, null, "node still running");
    console.log(`fuzz: ${answered} answered (${results} results, ${jsonErrors} JSON-RPC errors, ${httpErrors} HTTP errors, ${notifications} notifications)`);
    assert.ok(jsonErrors > 0 && results > 0, "both results and errors were exercised");
    await waitHeight(node.rpcUrl, startHeight + 2);
  });
});
