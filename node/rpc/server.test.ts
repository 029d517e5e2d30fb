import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import { WebSocket } from "ws";
import { toBase64, toHex, utf8 } from "../../modules/core/bytes.ts";
import { sha256 } from "../../modules/core/hash.ts";
import { createRpcServer, type RpcServer } from "./server.ts";
import { blockIdOf, CHAIN_ID, type FakeEnv, makeFakeEnv, txResult } from "./testing/fakeEnv.ts";
import { encodeDuplicateVoteEvidence } from "../consensus/evidencePool.ts";
import { duplicateVoteEvidenceJson, lightClientAttackEvidenceJson } from "./evidenceJson.ts";
import { ZERO_TIME } from "../types/time.ts";

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let env: FakeEnv;
let server: RpcServer;
let base: string;
let port: number;

async function post(body: string | Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; json: Any; text: string }> {
  const res = await fetch(`${base}/`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
  const text = await res.text();
  let json: Any = {};
  try {
    json = JSON.parse(text) as Any;
  } catch {
    // not JSON
  }
  return { status: res.status, json, text };
}

async function rpc(method: string, params: unknown = {}): Promise<Any> {
  const { status, json } = await post(JSON.stringify({ jsonrpc: "2.0", id: 7, method, params }));
  assert.equal(status, 200, method);
  assert.equal(json.id, 7, method);
  return json;
}

async function result(method: string, params: unknown = {}): Promise<Any> {
  const r = await rpc(method, params);
  assert.equal(r.error, undefined, `${method}: ${JSON.stringify(r.error)}`);
  return r.result as Any;
}

const isStrInt = (v: unknown): boolean => typeof v === "string" && /^-?\d+$/.test(v);
const isHexU = (v: unknown): boolean => typeof v === "string" && /^[0-9A-F]*$/.test(v) && v.length % 2 === 0;
const isB64 = (v: unknown): boolean => typeof v === "string" && /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

function checkBlockId(id: Any, where: string): void {
  assert.ok(isHexU(id.hash) && id.hash.length === 64, `${where}.hash`);
  assert.equal(typeof id.parts.total, "number", `${where}.parts.total`);
  assert.ok(id.parts.total > 0, `${where}.parts.total > 0`);
  assert.ok(isHexU(id.parts.hash), `${where}.parts.hash`);
}

function checkHeader(h: Any, height: string): void {
  assert.deepEqual(h.version, { block: "11", app: "0" });
  assert.equal(h.chain_id, CHAIN_ID);
  assert.equal(h.height, height);
  assert.match(h.time, RFC3339);
  for (const k of ["last_commit_hash", "data_hash", "validators_hash", "next_validators_hash", "consensus_hash", "app_hash", "last_results_hash", "evidence_hash", "proposer_address"]) {
    assert.ok(isHexU(h[k]), `header.${k} = ${h[k]}`);
  }
  if (height === "1") assert.deepEqual(h.last_block_id, { hash: "", parts: { total: 0, hash: "" } });
  else checkBlockId(h.last_block_id, "last_block_id");
}

function checkExecTxResult(r: Any, where: string): void {
  assert.deepEqual(Object.keys(r), ["code", "data", "log", "info", "gas_wanted", "gas_used", "events", "codespace"], where);
  assert.equal(typeof r.code, "number", `${where}.code`);
  assert.ok(r.data === null || isB64(r.data), `${where}.data`);
  assert.ok(isStrInt(r.gas_wanted) && isStrInt(r.gas_used), `${where}.gas`);
  for (const e of r.events) for (const a of e.attributes) assert.equal(typeof a.index, "boolean", `${where} attribute index`);
}

/** a vote of validator index 2 (address 0xab…) at height 5 for a block whose hash bytes are all `tag`. */
function testVote(tag: number, o: { type: 1 | 2; round: number; nanos: number }) {
  return {
    type: o.type,
    height: 5n,
    round: o.round,
    blockId: { hash: new Uint8Array(32).fill(tag), partSetHeader: { total: 1, hash: new Uint8Array(32).fill(tag + 1) } },
    timestamp: { seconds: 1_700_000_000n, nanos: o.nanos },
    validatorAddress: new Uint8Array(20).fill(0xab),
    validatorIndex: 2,
    signature: new Uint8Array(64).fill(tag),
    extension: new Uint8Array(0),
    extensionSignature: new Uint8Array(0),
  };
}

describe("rpc/server", () => {
  before(async () => {
    env = await makeFakeEnv(8);
    server = createRpcServer(env, {
      laddr: "127.0.0.1:0",
      corsAllowedOrigins: ["*"],
      maxBodyBytes: 64 * 1024,
      maxSubscriptionsPerClient: 3,
      timeoutBroadcastTxCommitMs: 1500,
    });
    const addr = await server.listen();
    port = addr.port;
    base = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await server.close();
  });

  it("status has every field with CometBFT types", async () => {
    const r = await result("status");
    assert.equal(r.node_info.version, "0.38.17");
    assert.deepEqual(r.node_info.protocol_version, { p2p: "8", block: "11", app: "0" });
    assert.equal(r.node_info.network, CHAIN_ID);
    assert.equal(typeof r.node_info.other.tx_index, "string");
    assert.equal(r.sync_info.latest_block_height, "8");
    assert.equal(r.sync_info.latest_block_hash, toHex(blockIdOf(8n).hash).toUpperCase());
    assert.ok(isHexU(r.sync_info.latest_app_hash) && r.sync_info.latest_app_hash.length === 64);
    assert.match(r.sync_info.latest_block_time, RFC3339);
    assert.equal(r.sync_info.earliest_block_height, "1");
    assert.equal(r.sync_info.catching_up, false);
    assert.equal(r.validator_info.pub_key.type, "tendermint/PubKeyEd25519");
    assert.ok(isB64(r.validator_info.pub_key.value));
    assert.equal(r.validator_info.voting_power, "10");
  });

  it("health, net_info, abci_info, num_unconfirmed_txs, unconfirmed_txs", async () => {
    assert.deepEqual(await result("health"), {});
    const ni = await result("net_info");
    assert.equal(ni.n_peers, "0");
    assert.deepEqual(ni.peers, []);
    const ai = await result("abci_info");
    assert.deepEqual(Object.keys(ai.response), ["data", "version", "app_version", "last_block_height", "last_block_app_hash"]);
    assert.equal(ai.response.last_block_height, "8");
    assert.ok(isB64(ai.response.last_block_app_hash));
    assert.deepEqual(await result("num_unconfirmed_txs"), { n_txs: "0", total: "0", total_bytes: "0", txs: null });
    assert.deepEqual(await result("unconfirmed_txs", { limit: "5" }), { n_txs: "0", total: "0", total_bytes: "0", txs: [] });
  });

  it("block: height 1 has empty last ids, later blocks full ids and commit sigs", async () => {
    const b1 = await result("block", { height: "1" });
    checkBlockId(b1.block_id, "block_id");
    checkHeader(b1.block.header, "1");
    assert.deepEqual(b1.block.last_commit, { height: "0", round: 0, block_id: { hash: "", parts: { total: 0, hash: "" } }, signatures: [] });
    assert.deepEqual(b1.block.data, { txs: [] });
    assert.deepEqual(b1.block.evidence, { evidence: [] });
    const b3 = await result("block", { height: 3 });
    checkHeader(b3.block.header, "3");
    assert.deepEqual(b3.block.data.txs, [toBase64(utf8("tx-3-0")), toBase64(utf8("tx-3-1"))]);
    const lc = b3.block.last_commit;
    assert.equal(lc.height, "2");
    assert.equal(lc.round, 0);
    checkBlockId(lc.block_id, "last_commit.block_id");
    assert.equal(lc.signatures[0].block_id_flag, 2);
    assert.ok(isHexU(lc.signatures[0].validator_address) && lc.signatures[0].validator_address.length === 40);
    assert.match(lc.signatures[0].timestamp, /\.5Z$/);
    assert.ok(isB64(lc.signatures[0].signature));
    assert.deepEqual(lc.signatures[1], { block_id_flag: 1, validator_address: "", timestamp: "0001-01-01T00:00:00Z", signature: null });
    const latest = await result("block", {});
    assert.equal(latest.block.header.height, "8");
    const b2 = await result("block", { height: "2" });
    assert.match(b2.block.header.time, /\.1Z$/);
  });

  it("block_by_hash, header, header_by_hash, commit, blockchain", async () => {
    const hashHex = toHex(blockIdOf(4n).hash).toUpperCase();
    const byHash = await result("block_by_hash", { hash: toBase64(blockIdOf(4n).hash) });
    assert.equal(byHash.block.header.height, "4");
    assert.equal((await result("block_by_hash", { hash: hashHex })).block_id.hash, hashHex);
    assert.deepEqual(await result("block_by_hash", { hash: toBase64(new Uint8Array(32)) }), { block_id: { hash: "", parts: { total: 0, hash: "" } }, block: null });
    checkHeader((await result("header", { height: "6" })).header, "6");
    assert.equal((await result("header_by_hash", { hash: hashHex })).header.height, "4");
    assert.deepEqual(await result("header_by_hash", { hash: "00".repeat(32) }), { header: null });
    const c5 = await result("commit", { height: "5" });
    assert.equal(c5.canonical, true);
    checkHeader(c5.signed_header.header, "5");
    assert.equal(c5.signed_header.commit.height, "5");
    const c8 = await result("commit", {});
    assert.equal(c8.canonical, false);
    const bc = await result("blockchain", { minHeight: "2", maxHeight: "5" });
    assert.equal(bc.last_height, "8");
    assert.deepEqual(bc.block_metas.map((m: Any) => m.header.height), ["5", "4", "3", "2"]);
    const m3 = bc.block_metas[2];
    assert.equal(m3.num_txs, "2");
    assert.ok(isStrInt(m3.block_size));
    checkBlockId(m3.block_id, "meta.block_id");
    assert.equal((await result("blockchain", {})).block_metas.length, 8);
  });

  it("block_results: every ExecTxResult field, null data when empty, pubkey Sum updates", async () => {
    const r = await result("block_results", { height: "3" });
    assert.equal(r.height, "3");
    assert.equal(r.txs_results.length, 2);
    checkExecTxResult(r.txs_results[0], "txs_results[0]");
    assert.equal(r.txs_results[1].code, 5);
    assert.equal(r.txs_results[1].data, null);
    assert.equal(r.txs_results[1].codespace, "sdk");
    assert.deepEqual(r.finalize_block_events, [{ type: "coinbase", attributes: [{ key: "minter", value: "open1mint", index: true }] }]);
    assert.equal(r.validator_updates, null);
    assert.equal(r.consensus_param_updates, null);
    assert.ok(isB64(r.app_hash));
    const r1 = await result("block_results", { height: "1" });
    assert.equal(r1.txs_results, null);
    const r2 = await result("block_results", { height: "2" });
    assert.deepEqual(Object.keys(r2.validator_updates[0].pub_key.Sum.value), ["ed25519"]);
    assert.equal(r2.validator_updates[0].power, "10");
  });

  it("validators (paged), genesis, genesis_chunked, consensus_params", async () => {
    const v = await result("validators", { height: "8", page: "1", per_page: "50" });
    assert.equal(v.block_height, "8");
    assert.equal(v.count, "1");
    assert.equal(v.total, "1");
    assert.deepEqual(Object.keys(v.validators[0]), ["address", "pub_key", "voting_power", "proposer_priority"]);
    assert.equal(v.validators[0].voting_power, "10");
    const bad = await rpc("validators", { page: "2" });
    assert.equal(bad.error.code, -32603);
    assert.equal(bad.error.data, "page should be within [1, 1] range, given 2");
    const g = (await result("genesis")).genesis;
    assert.equal(g.chain_id, CHAIN_ID);
    assert.equal(g.initial_height, "1");
    assert.equal(g.consensus_params.block.max_bytes, "4194304");
    assert.equal(g.consensus_params.evidence.max_age_duration, "172800000000000");
    assert.equal(g.validators[0].power, "10");
    assert.equal(g.app_hash, "");
    assert.deepEqual(g.app_state, { bank: { balances: [] } });
    const ch = await result("genesis_chunked", { chunk: "0" });
    assert.equal(ch.total, "1");
    assert.deepEqual(JSON.parse(Buffer.from(ch.data, "base64").toString()), g);
    assert.equal((await rpc("genesis_chunked", { chunk: "1" })).error.data, "there are 1 chunks, 1 is invalid");
    const cp = await result("consensus_params", { height: "3" });
    assert.equal(cp.block_height, "3");
    assert.deepEqual(cp.consensus_params.validator, { pub_key_types: ["ed25519"] });
  });

  it("abci_query: hex data in, proofOps null or filled, non-zero height", async () => {
    const q = await result("abci_query", { path: "/cosmos.bank.v1beta1.Query/Balance", data: "0a0b", prove: false });
    assert.deepEqual(q.response, { code: 0, log: "", info: "", index: "0", key: null, value: "AQID", proofOps: null, height: "8", codespace: "" });
    assert.deepEqual(env.queries.at(-1)?.data, Uint8Array.of(0x0a, 0x0b));
    const p = await result("abci_query", { path: "/x", data: "", prove: true, height: "5" });
    assert.deepEqual(p.response.proofOps, { ops: [{ type: "ics23:iavl", key: "aw==", data: "AQID" }] });
    const nf = await result("abci_query", { path: "/cosmos.auth.v1beta1.Query/Account", data: "" });
    assert.equal(nf.response.code, 22);
    assert.match(nf.response.log, /rpc error: code = NotFound/);
    const high = await rpc("abci_query", { path: "/x", height: "99" });
    assert.equal(high.error.code, -32603);
  });

  it("tx and tx_search: CometBFT shapes, b64 hash param, exact totals, page errors", async () => {
    const tx = utf8("tx-3-1");
    const hash = sha256(tx);
    const t = await result("tx", { hash: toBase64(hash), prove: false });
    assert.deepEqual(Object.keys(t), ["hash", "height", "index", "tx_result", "tx"]);
    assert.equal(t.hash, toHex(hash).toUpperCase());
    assert.equal(t.height, "3");
    assert.equal(t.index, 1);
    assert.equal(t.tx, toBase64(tx));
    checkExecTxResult(t.tx_result, "tx_result");
    assert.equal(t.tx_result.code, 5);
    const missing = await rpc("tx", { hash: toBase64(new Uint8Array(32)) });
    assert.equal(missing.error.code, -32603);
    assert.equal(missing.error.data, `tx (${"00".repeat(32)}) not found`);
    const s = await result("tx_search", { query: `tx.hash='${toHex(hash)}'`, page: "1" });
    assert.equal(s.total_count, "1");
    assert.equal(s.txs[0].index, 1);
    const all = await result("tx_search", { query: "message.sender='open1alice'", page: "1", per_page: "1", order_by: "desc" });
    assert.equal(all.total_count, "2");
    assert.equal(all.txs.length, 1);
    assert.equal(all.txs[0].height, "3");
    assert.equal(all.txs[0].index, 1);
    const h = await result("tx_search", { query: "tx.height=5" });
    assert.equal(h.total_count, "1");
    const none = await result("tx_search", { query: "transfer.recipient='nobody'", page: "1" });
    assert.deepEqual(none, { txs: [], total_count: "0" });
    const beyond = await rpc("tx_search", { query: "tx.height=5", page: "2" });
    assert.equal(beyond.error.code, -32603);
    assert.equal(beyond.error.data, "page should be within [1, 1] range, given 2");
    const badq = await rpc("tx_search", { query: "tx.height >> 5" });
    assert.equal(badq.error.code, -32602);
    assert.match(badq.error.data, /failed to parse query/);
  });

  it("block_search over heights and finalize events", async () => {
    const r = await result("block_search", { query: "block.height>=3 AND block.height<=5", order_by: "desc" });
    assert.equal(r.total_count, "3");
    assert.deepEqual(r.blocks.map((b: Any) => b.block.header.height), ["5", "4", "3"]);
    assert.equal((await result("block_search", { query: "coinbase.minter='open1mint'" })).total_count, "8");
  });

  it("broadcast_tx_sync/async/check_tx: in-band app codes, cache error, hash UPPER", async () => {
    const tx = utf8("new tx 1");
    const r = await result("broadcast_tx_sync", { tx: toBase64(tx) });
    assert.deepEqual(r, { code: 0, data: "", log: "", codespace: "", hash: toHex(sha256(tx)).toUpperCase() });
    const again = await rpc("broadcast_tx_sync", { tx: toBase64(tx) });
    assert.deepEqual(again.error, { code: -32603, message: "Internal error", data: "tx already exists in cache" });
    const bad = await result("broadcast_tx_sync", { tx: toBase64(Uint8Array.of(0xee, 1)) });
    assert.equal(bad.code, 32);
    assert.equal(bad.codespace, "sdk");
    assert.match(bad.log, /account sequence mismatch/);
    const a = await result("broadcast_tx_async", { tx: toBase64(utf8("async tx")) });
    assert.equal(a.code, 0);
    assert.equal(a.hash, toHex(sha256(utf8("async tx"))).toUpperCase());
    const c = await result("check_tx", { tx: toBase64(Uint8Array.of(0xee)) });
    checkExecTxResult(c, "check_tx");
    assert.equal(c.code, 32);
    assert.equal((await result("num_unconfirmed_txs")).n_txs, "2");
    const empty = await rpc("broadcast_tx_sync", { tx: "" });
    assert.equal(empty.error.code, -32602);
  });

  it("broadcast_tx_commit waits for the tx's Tx event, and times out otherwise", async () => {
    const tx = utf8("commit me");
    const timer = setTimeout(() => {
      env.bus.publish({ type: "Tx", tx: { height: 9n, index: 0, tx: utf8("other"), hash: sha256(utf8("other")), result: txResult(0, "a", "b") } });
      env.bus.publish({ type: "Tx", tx: { height: 9n, index: 1, tx, hash: sha256(tx), result: txResult(0, "open1alice", "open1bob") } });
    }, 100);
    const r = await result("broadcast_tx_commit", { tx: toBase64(tx) });
    clearTimeout(timer);
    assert.deepEqual(Object.keys(r), ["check_tx", "tx_result", "hash", "height"]);
    assert.equal(r.height, "9");
    checkExecTxResult(r.tx_result, "tx_result");
    assert.equal(r.tx_result.events[0].attributes[0].value, "open1alice");
    const rejected = await result("broadcast_tx_commit", { tx: toBase64(Uint8Array.of(0xee, 2)) });
    assert.equal(rejected.check_tx.code, 32);
    assert.equal(rejected.height, "0");
    const t0 = Date.now();
    const to = await rpc("broadcast_tx_commit", { tx: toBase64(utf8("never included")) });
    assert.equal(to.error.code, -32603);
    assert.match(to.error.data, /timed out/);
    assert.ok(Date.now() - t0 >= 1400);
  });

  it("JSON-RPC errors: parse, invalid request, method not found, invalid params, internal", async () => {
    const parse = await post("{not json");
    assert.equal(parse.status, 200);
    assert.equal(parse.json.error.code, -32700);
    assert.equal(parse.json.id, null);
    const badUtf8 = await post(Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d));
    assert.equal(badUtf8.json.error.code, -32700);
    for (const body of ['"str"', "42", '{"jsonrpc":"1.0","id":1,"method":"status"}', '{"jsonrpc":"2.0","id":{},"method":"status"}', '{"jsonrpc":"2.0","id":1}', "[]"]) {
      const r = await post(body);
      assert.equal(r.status, 200, body);
      assert.equal(r.json.error?.code, -32600, body);
    }
    const nf = await rpc("no_such_method");
    assert.equal(nf.error.code, -32601);
    assert.equal(nf.error.message, "Method not found");
    for (const [m, p] of [
      ["block", { height: "abc" }],
      ["block", { height: -1 }],
      ["block", { height: 1.5 }],
      ["block", { height: {} }],
      ["broadcast_tx_sync", { tx: "not base64!" }],
      ["broadcast_tx_sync", {}],
      ["abci_query", { path: "/x", data: "zz" }],
      ["tx", { hash: "abcd" }],
      ["tx_search", { query: 5 }],
      ["tx_search", { query: "tx.height=1", order_by: "sideways" }],
      ["abci_query", { path: "/x", prove: "maybe" }],
      ["block", [1, 2, 3]],
      ["block", "string params"],
    ] as const) {
      const r = await rpc(m, p);
      assert.equal(r.error?.code, -32602, `${m} ${JSON.stringify(p)}`);
      assert.equal(typeof r.error.data, "string");
    }
    const high = await rpc("block", { height: "99" });
    assert.equal(high.error.code, -32603);
    assert.equal(high.error.data, "height 99 must be less than or equal to the current blockchain height 8");
    assert.equal(env.queries.filter((q) => q.path === "/x" && q.data.length > 0).length, 0, "invalid params never reach the app");
  });

  it("positional params, numbers for ints, batches, notifications", async () => {
    assert.equal((await result("block", [3])).block.header.height, "3");
    assert.equal((await result("block", ["4"])).block.header.height, "4");
    assert.equal((await result("validators", [8, 1, 10])).count, "1");
    const batch = await post(
      JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "health", params: {} },
        { jsonrpc: "2.0", id: "two", method: "block", params: { height: "2" } },
        { jsonrpc: "2.0", id: 3, method: "nope" },
        { jsonrpc: "2.0", method: "health" },
        17,
      ]),
    );
    assert.equal(batch.status, 200);
    assert.equal(batch.json.length, 4);
    assert.deepEqual(batch.json[0], { jsonrpc: "2.0", id: 1, result: {} });
    assert.equal(batch.json[1].id, "two");
    assert.equal(batch.json[1].result.block.header.height, "2");
    assert.equal(batch.json[2].error.code, -32601);
    assert.equal(batch.json[3].error.code, -32600);
    const note = await post(JSON.stringify({ jsonrpc: "2.0", method: "health" }));
    assert.equal(note.status, 200);
    assert.equal(note.text, "");
  });

  it("URI GET form, GET / route list, CORS", async () => {
    const get = async (path: string): Promise<{ status: number; json: Any; res: Response }> => {
      const res = await fetch(`${base}${path}`, { headers: { origin: "https://explorer.example" } });
      const text = await res.text();
      return { status: res.status, json: text.startsWith("{") ? (JSON.parse(text) as Any) : { text }, res };
    };
    const st = await get("/status");
    assert.equal(st.json.id, -1);
    assert.equal(st.json.result.node_info.version, "0.38.17");
    assert.equal(st.res.headers.get("access-control-allow-origin"), "*");
    assert.equal((await get("/block?height=3")).json.result.block.header.height, "3");
    assert.equal((await get('/block?height="4"')).json.result.block.header.height, "4");
    const hash = toHex(sha256(utf8("tx-5-0")));
    assert.equal((await get(`/tx?hash=0x${hash}`)).json.result.height, "5");
    const s = await get(`/tx_search?query=${encodeURIComponent("\"tx.height=5\"")}&page=1`);
    assert.equal(s.json.result.total_count, "1");
    const q = await get(`/abci_query?path=${encodeURIComponent('"/x"')}&data=0x0a0b`);
    assert.equal(q.json.result.response.height, "8");
    const ct = await get(`/check_tx?tx=0x${toHex(Uint8Array.of(0xee))}`);
    assert.equal(ct.json.result.code, 32);
    const bad = await get("/block?height=abc");
    assert.equal(bad.status, 200);
    assert.equal(bad.json.error.code, -32602);
    const unknown = await get("/nope");
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.code, -32601);
    const root = await get("/");
    assert.match(root.json.text, /Available endpoints/);
    assert.match(root.json.text, /tx_search\?query=_/);
    const pre = await fetch(`${base}/`, { method: "OPTIONS", headers: { origin: "https://x", "access-control-request-method": "POST" } });
    assert.equal(pre.status, 204);
    assert.match(pre.headers.get("access-control-allow-methods") ?? "", /POST/);
  });

  it("pending_evidence (openledgerd's): empty without an evidence pool; lists pending duplicate votes and conflicting commits", async () => {
    const none = await result("pending_evidence");
    assert.deepEqual(none, { n_evidence: "0", evidence: [], conflicting_commits: [] });
    const vote = (tag: number) => testVote(tag, { type: 2, round: 0, nanos: 0 });
    const ev = encodeDuplicateVoteEvidence({ voteA: vote(1), voteB: vote(3), totalVotingPower: 67n, validatorPower: 43n, timestamp: { seconds: 1_700_000_001n, nanos: 0 } });
    env.evidence = { pending: () => [ev.raw], forks: () => [{ height: 5n, ourBlock: "AA", theirBlock: "BB", source: "test", evidence: 1 }] };
    try {
      const r = await result("pending_evidence");
      assert.equal(r.n_evidence, "1");
      const e = r.evidence[0];
      assert.equal(e.type, "tendermint/DuplicateVoteEvidence");
      assert.equal(e.height, "5");
      assert.equal(e.validator_address, "AB".repeat(20));
      assert.equal(e.validator_power, "43");
      assert.equal(e.total_voting_power, "67");
      assert.ok(isHexU(e.hash) && e.hash.length === 64);
      assert.ok(isB64(e.raw));
      assert.deepEqual(r.conflicting_commits, [{ height: "5", our_block: "AA", their_block: "BB", source: "test", evidence_built: "1" }]);
    } finally {
      delete env.evidence;
    }
  });

  it("broadcast_evidence: CometBFT's evidence JSON decodes to the same bytes, goes to the pool, answers its hash; refusals and bad JSON are errors", async () => {
    const vote = (tag: number) => testVote(tag, { type: 1, round: 2, nanos: 120_000_000 });
    const ev = encodeDuplicateVoteEvidence({ voteA: vote(1), voteB: vote(3), totalVotingPower: 67n, validatorPower: 43n, timestamp: { seconds: 1_700_000_001n, nanos: 5 } });
    const json = duplicateVoteEvidenceJson(ev.raw);
    const noPool = await rpc("broadcast_evidence", { evidence: json });
    assert.equal(noPool.error.code, -32603);
    assert.match(noPool.error.data, /^failed to add evidence: this node keeps no evidence pool/);
    const added: { type: string; raw: Uint8Array }[] = [];
    let refuse: string | undefined;
    env.evidence = {
      pending: () => [],
      forks: () => [],
      add: (e) => {
        if (refuse !== undefined) throw new Error(refuse);
        added.push(e);
      },
    };
    try {
      const r = await result("broadcast_evidence", { evidence: json });
      assert.deepEqual(r, { hash: toBase64(sha256(ev.raw)) }, "ResultBroadcastEvidence.hash is []byte: base64");
      assert.equal(added.length, 1);
      assert.equal(added[0]!.type, "duplicate_vote");
      assert.deepEqual(added[0]!.raw, ev.raw, "the JSON round-trips to the same protobuf bytes");
      // positional params and the URI form
      assert.deepEqual((await rpc("broadcast_evidence", [json])).result, r);
      const uri = (await (await fetch(`${base}/broadcast_evidence?evidence=${encodeURIComponent(JSON.stringify(json))}`)).json()) as any;
      assert.deepEqual(uri.result, r);
      assert.equal(added.length, 3);

      refuse = "evidence vote signature invalid";
      const refused = await rpc("broadcast_evidence", { evidence: json });
      assert.equal(refused.error.code, -32603);
      assert.equal(refused.error.data, "failed to add evidence: evidence vote signature invalid");
      refuse = undefined;

      const bad = async (evidence: unknown, re: RegExp) => {
        const b = await rpc("broadcast_evidence", { evidence });
        assert.equal(b.error?.code, -32602, JSON.stringify(evidence));
        assert.match(b.error.data, re);
      };
      await bad(undefined, /evidence: required/);
      await bad({ type: "tendermint/Nope", value: {} }, /expected "tendermint\/DuplicateVoteEvidence" or "tendermint\/LightClientAttackEvidence"/);
      await bad({ type: "tendermint/LightClientAttackEvidence", value: {} }, /evidence\.value\.ConflictingBlock: missing/);
      await bad({ ...json, value: { ...(json.value as object), vote_b: undefined } }, /vote_b: missing|vote_b: expected an object/);
      await bad({ ...json, value: { ...(json.value as object), Timestamp: "yesterday" } }, /Timestamp: invalid RFC3339 time/);
      const badHex = structuredClone(json) as any;
      badHex.value.vote_a.validator_address = "XYZ";
      await bad(badHex, /vote_a\.validator_address: invalid hex/);
      assert.equal(added.length, 3, "nothing invalid reached the pool");
    } finally {
      delete env.evidence;
    }
  });

  it("broadcast_evidence: LightClientAttackEvidence (what a light client's detector sends) decodes from CometBFT's JSON to the same bytes; its hash is Evidence.Hash()", async () => {
    const { buildBranch, honestIdx, sharedIdx, vals } = await import("../consensus/testing/forkChain.ts");
    const { buildLightClientAttack, encodeLightClientAttack, lightClientAttackHash, decodeLightClientAttack } = await import("../consensus/lightClientAttack.ts");
    const A = buildBranch({ tag: "A", forkAt: 3n, top: 3n, round: () => 0, signers: [honestIdx[0]!, sharedIdx] });
    const B = buildBranch({ tag: "B", forkAt: 3n, top: 3n, round: () => 0, signers: [honestIdx[1]!, sharedIdx] });
    const sh = (c: typeof A) => ({ header: c[2]!.block.header, commit: c[2]!.commit });
    const built = buildLightClientAttack(sh(B), sh(A), vals, A[2]!.block.header.time)!;
    assert.equal(built.byzantineValidators.length, 1, "same round: the shared key is byzantine");
    // absent signatures carry Go's zero time, as CometBFT writes them (the JSON shows every absent one so)
    const c = built.conflictingBlock.signedHeader.commit;
    const l = { ...built, conflictingBlock: { ...built.conflictingBlock, signedHeader: { ...built.conflictingBlock.signedHeader, commit: { ...c, signatures: c.signatures.map((x) => (x.blockIdFlag === 1 ? { ...x, timestamp: ZERO_TIME } : x)) } } } };
    const raw = encodeLightClientAttack(l);
    const added: { type: string; raw: Uint8Array }[] = [];
    env.evidence = { pending: () => [], forks: () => [], add: (e) => void added.push(e) };
    try {
      const r = await result("broadcast_evidence", { evidence: lightClientAttackEvidenceJson(raw) });
      assert.equal(added.length, 1);
      assert.equal(added[0]!.type, "light_client_attack");
      assert.deepEqual(added[0]!.raw, raw, "the JSON round-trips to the same protobuf bytes");
      assert.deepEqual(r, { hash: toBase64(lightClientAttackHash(decodeLightClientAttack(raw))) });
    } finally {
      delete env.evidence;
    }
  });

  it("block: DuplicateVoteEvidence in CometBFT 0.38's JSON layout (amino name, vote_a/vote_b, Go-named ABCI fields)", async () => {
    const vote = (tag: number) => testVote(tag, { type: 1, round: 2, nanos: 120_000_000 });
    const ev = encodeDuplicateVoteEvidence({ voteA: vote(1), voteB: vote(3), totalVotingPower: 67n, validatorPower: 43n, timestamp: { seconds: 1_700_000_001n, nanos: 0 } });
    const block = env.blocks.get(6n)!;
    const before = block.evidence.evidence;
    block.evidence.evidence = [ev];
    try {
      const b = await result("block", { height: "6" });
      const jsonVote = (tag: number) => ({
        type: 1,
        height: "5",
        round: 2,
        block_id: { hash: toHex(new Uint8Array(32).fill(tag)).toUpperCase(), parts: { total: 1, hash: toHex(new Uint8Array(32).fill(tag + 1)).toUpperCase() } },
        timestamp: "2023-11-14T22:13:20.12Z",
        validator_address: "AB".repeat(20),
        validator_index: 2,
        signature: toBase64(new Uint8Array(64).fill(tag)),
        extension: null,
        extension_signature: null,
      });
      assert.deepEqual(b.block.evidence, {
        evidence: [{
          type: "tendermint/DuplicateVoteEvidence",
          value: { vote_a: jsonVote(1), vote_b: jsonVote(3), TotalVotingPower: "67", ValidatorPower: "43", Timestamp: "2023-11-14T22:13:21Z" },
        }],
      });
    } finally {
      block.evidence.evidence = before;
    }
  });

  it("block and pending_evidence: LightClientAttackEvidence in CometBFT 0.38's JSON layout (Go-named fields, LightBlock json tags)", async () => {
    const { buildBranch, honestIdx, sharedIdx, vals } = await import("../consensus/testing/forkChain.ts");
    const { buildLightClientAttack, encodeLightClientAttack } = await import("../consensus/lightClientAttack.ts");
    const A = buildBranch({ tag: "A", forkAt: 3n, top: 3n, round: () => 0, signers: [honestIdx[0]!, sharedIdx] });
    const B = buildBranch({ tag: "B", forkAt: 3n, top: 3n, round: () => 1, signers: [honestIdx[1]!, sharedIdx] });
    const sh = (c: typeof A) => ({ header: c[2]!.block.header, commit: c[2]!.commit });
    const l = buildLightClientAttack(sh(B), sh(A), vals, A[2]!.block.header.time)!;
    const raw = encodeLightClientAttack(l);
    const block = env.blocks.get(6n)!;
    const before = block.evidence.evidence;
    block.evidence.evidence = [{ type: "light_client_attack", raw }];
    env.evidence = { pending: () => [{ type: "light_client_attack", raw }], forks: () => [] };
    try {
      const b = await result("block", { height: "6" });
      const e = b.block.evidence.evidence[0];
      assert.equal(e.type, "tendermint/LightClientAttackEvidence");
      assert.deepEqual(Object.keys(e.value), ["ConflictingBlock", "CommonHeight", "ByzantineValidators", "TotalVotingPower", "Timestamp"]);
      assert.equal(e.value.CommonHeight, "3");
      assert.deepEqual(e.value.ByzantineValidators, [], "amnesia: nobody");
      assert.equal(e.value.TotalVotingPower, "67");
      assert.deepEqual(Object.keys(e.value.ConflictingBlock), ["signed_header", "validator_set"]);
      assert.equal(e.value.ConflictingBlock.signed_header.header.height, "3");
      assert.equal(e.value.ConflictingBlock.signed_header.commit.round, 1);
      assert.equal(e.value.ConflictingBlock.validator_set.validators.length, 3);
      const p = await result("pending_evidence");
      assert.equal(p.n_evidence, "1");
      assert.equal(p.evidence[0].type, "tendermint/LightClientAttackEvidence");
      assert.equal(p.evidence[0].height, "3");
      assert.equal(p.evidence[0].conflicting_round, 1);
      assert.deepEqual(p.evidence[0].byzantine_validators, []);
    } finally {
      block.evidence.evidence = before;
      delete env.evidence;
    }
  });

  it("bounds the body: 413 for an oversize request, and keeps serving", async () => {
    const big = await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "status", params: { pad: "x".repeat(100_000) } }));
    assert.equal(big.status, 413);
    assert.equal(big.json.error.code, -32600);
    // a chunked upload without Content-Length
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, method: "POST", path: "/", headers: { "content-type": "application/json" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      for (let i = 0; i < 20; i++) req.write("x".repeat(10_000));
      req.end();
    });
    assert.equal(status, 413);
    assert.deepEqual(await result("health"), {});
  });

  it("survives random and mutated requests: every one answered, server still healthy", async () => {
    let seed = 1234;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const methods = [...Object.keys(await import("./routes.ts").then((m) => m.ROUTES)), "x", ""];
    const values: unknown[] = [null, true, -1, 0, 1.5, 2 ** 63, "", "8", "-5", "abc", "AAAA", "0x00", "'", "tx.height=", [], {}, [1], { a: 1 }, "x".repeat(300)];
    const pick = <T,>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)] as T;
    const good = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "block", params: { height: "3" } });
    for (let i = 0; i < 400; i++) {
      let body: string | Uint8Array;
      const kind = i % 4;
      if (kind === 0) {
        const params: Record<string, unknown> = {};
        for (const k of ["height", "hash", "tx", "query", "page", "per_page", "order_by", "path", "data", "prove", "minHeight", "maxHeight", "chunk", "limit"]) {
          if (rnd() < 0.3) params[k] = pick(values);
        }
        body = JSON.stringify({ jsonrpc: "2.0", id: i, method: pick(methods), params: rnd() < 0.2 ? pick(values) : params });
      } else if (kind === 1) {
        const b = Buffer.from(good);
        for (let j = 0; j < 3; j++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
        body = new Uint8Array(b);
      } else if (kind === 2) {
        body = new Uint8Array(Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)));
      } else {
        body = good.slice(0, Math.floor(rnd() * good.length));
      }
      const r = await post(body);
      assert.ok(r.status === 200, `request ${i} got HTTP ${r.status}`);
      if (r.text !== "") assert.ok(r.json.result !== undefined || r.json.error !== undefined || Array.isArray(r.json), `request ${i} answered`);
    }
    assert.equal((await result("block", { height: "3" })).block.header.height, "3");
  });

  it("WebSocket: methods, subscribe to NewBlock and filtered Tx events, unsubscribe stops them", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/websocket`);
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    const inbox: Any[] = [];
    const waiters: (() => void)[] = [];
    ws.on("message", (d) => {
      inbox.push(JSON.parse(String(d)) as Any);
      for (const w of waiters.splice(0)) w();
    });
    const next = async (pred: (m: Any) => boolean, ms = 30_000): Promise<Any> => {
      const deadline = Date.now() + ms;
      for (;;) {
        const i = inbox.findIndex(pred);
        if (i >= 0) return inbox.splice(i, 1)[0] as Any;
        if (Date.now() > deadline) throw new Error("timeout waiting for a ws message");
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
    };
    const send = (o: unknown): void => ws.send(typeof o === "string" ? o : JSON.stringify(o));

    send({ jsonrpc: "2.0", id: 1, method: "status", params: {} });
    assert.equal((await next((m) => m.id === 1)).result.node_info.version, "0.38.17");
    send("{bad json");
    assert.equal((await next((m) => m.error?.code === -32700)).id, null);
    ws.send(Buffer.from([0xff, 0xfe]), { binary: true });
    assert.equal((await next((m) => m.error?.code === -32700)).id, null);

    send({ jsonrpc: "2.0", id: 10, method: "subscribe", params: { query: "tm.event='NewBlock'" } });
    assert.deepEqual(await next((m) => m.id === 10), { jsonrpc: "2.0", id: 10, result: {} });
    send({ jsonrpc: "2.0", id: 11, method: "subscribe", params: { query: "tm.event='Tx' AND message.sender='open1alice'" } });
    assert.deepEqual((await next((m) => m.id === 11)).result, {});
    send({ jsonrpc: "2.0", id: 12, method: "subscribe", params: { query: "tm.event='Tx' AND message.sender='open1alice'" } });
    assert.equal((await next((m) => m.id === 12)).error.data, "already subscribed");
    send({ jsonrpc: "2.0", id: 13, method: "subscribe", params: { query: "bad query ((" } });
    assert.equal((await next((m) => m.id === 13)).error.code, -32602);

    const b = env.blocks.get(3n)!;
    env.bus.publish({ type: "NewBlock", block: b, blockId: blockIdOf(3n), result: env.results.get(3n)! });
    const nb = await next((m) => m.id === 10 && m.result?.query !== undefined);
    assert.equal(nb.result.query, "tm.event='NewBlock'");
    assert.equal(nb.result.data.type, "tendermint/event/NewBlock");
    assert.equal(nb.result.data.value.block.header.height, "3");
    checkBlockId(nb.result.data.value.block_id, "event block_id");
    assert.equal(nb.result.data.value.result_finalize_block.tx_results.length, 2);
    assert.deepEqual(nb.result.events["tm.event"], ["NewBlock"]);

    const txA = utf8("ws tx a");
    const txB = utf8("ws tx b");
    env.bus.publish({ type: "Tx", tx: { height: 9n, index: 0, tx: txB, hash: sha256(txB), result: txResult(0, "open1bob", "x") } });
    env.bus.publish({ type: "Tx", tx: { height: 9n, index: 1, tx: txA, hash: sha256(txA), result: txResult(0, "open1alice", "x") } });
    const te = await next((m) => m.id === 11 && m.result?.query !== undefined);
    assert.equal(te.result.data.type, "tendermint/event/Tx");
    const tr = te.result.data.value.TxResult;
    assert.equal(tr.height, "9");
    assert.equal(tr.index, 1);
    assert.equal(tr.tx, toBase64(txA));
    checkExecTxResult(tr.result, "TxResult.result");
    assert.deepEqual(te.result.events["tx.hash"], [toHex(sha256(txA)).toUpperCase()]);
    assert.deepEqual(te.result.events["tx.height"], ["9"]);
    assert.deepEqual(te.result.events["message.sender"], ["open1alice"]);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(inbox.filter((m) => m.id === 11).length, 0, "open1bob's tx is filtered out");

    // CometBFT 0.38's NewBlockEvents (block events, num_txs), NewEvidence and ValidatorSetUpdates
    send({ jsonrpc: "2.0", id: 14, method: "subscribe", params: { query: "tm.event='NewBlockEvents' AND coinbase.minter='open1mint'" } });
    assert.deepEqual((await next((m) => m.id === 14)).result, {});
    env.bus.publish({ type: "NewBlockEvents", height: 3n, events: env.results.get(3n)!.events, numTxs: 2 });
    const nbe = await next((m) => m.id === 14 && m.result?.query !== undefined);
    assert.deepEqual(nbe.result.data, {
      type: "tendermint/event/NewBlockEvents",
      value: { height: "3", events: [{ type: "coinbase", attributes: [{ key: "minter", value: "open1mint", index: true }] }], num_txs: "2" },
    });
    assert.deepEqual(nbe.result.events["block.height"], ["3"]);
    send({ jsonrpc: "2.0", id: 15, method: "unsubscribe", params: { query: "tm.event='NewBlockEvents' AND coinbase.minter='open1mint'" } });
    assert.deepEqual((await next((m) => m.id === 15)).result, {});
    // (max_subscriptions_per_client is 3 here: one at a time)
    send({ jsonrpc: "2.0", id: 17, method: "subscribe", params: { query: "tm.event='NewEvidence'" } });
    assert.deepEqual((await next((m) => m.id === 17)).result, {});
    const dve = encodeDuplicateVoteEvidence({ voteA: testVote(1, { type: 2, round: 0, nanos: 0 }), voteB: testVote(3, { type: 2, round: 0, nanos: 0 }), totalVotingPower: 67n, validatorPower: 43n, timestamp: { seconds: 1_700_000_001n, nanos: 0 } });
    env.bus.publish({ type: "NewEvidence", height: 6n, evidence: dve });
    const ne = await next((m) => m.id === 17 && m.result?.query !== undefined);
    assert.equal(ne.result.data.type, "tendermint/event/NewEvidence");
    assert.equal(ne.result.data.value.height, "6");
    assert.deepEqual(ne.result.data.value.evidence, duplicateVoteEvidenceJson(dve.raw));
    send({ jsonrpc: "2.0", id: 19, method: "unsubscribe", params: { query: "tm.event='NewEvidence'" } });
    assert.deepEqual((await next((m) => m.id === 19)).result, {});
    send({ jsonrpc: "2.0", id: 18, method: "subscribe", params: { query: "tm.event='ValidatorSetUpdates'" } });
    assert.deepEqual((await next((m) => m.id === 18)).result, {});
    const pk = new Uint8Array(32).fill(5);
    env.bus.publish({ type: "ValidatorSetUpdates", updates: [{ pubKey: { type: "ed25519", bytes: pk }, power: 7n }] });
    const vu = await next((m) => m.id === 18 && m.result?.query !== undefined);
    assert.deepEqual(vu.result.data, {
      type: "tendermint/event/ValidatorSetUpdates",
      value: { validator_updates: [{ address: toHex(sha256(pk).subarray(0, 20)).toUpperCase(), pub_key: { type: "tendermint/PubKeyEd25519", value: toBase64(pk) }, voting_power: "7", proposer_priority: "0" }] },
    });
    send({ jsonrpc: "2.0", id: 23, method: "unsubscribe", params: { query: "tm.event='ValidatorSetUpdates'" } });
    assert.deepEqual((await next((m) => m.id === 23)).result, {});

    send({ jsonrpc: "2.0", id: 20, method: "unsubscribe", params: { query: "tm.event='NewBlock'" } });
    assert.deepEqual((await next((m) => m.id === 20)).result, {});
    send({ jsonrpc: "2.0", id: 21, method: "unsubscribe", params: { query: "tm.event='NewBlock'" } });
    assert.equal((await next((m) => m.id === 21)).error.data, "subscription not found");
    env.bus.publish({ type: "NewBlock", block: b, blockId: blockIdOf(3n), result: env.results.get(3n)! });
    send({ jsonrpc: "2.0", id: 22, method: "unsubscribe_all", params: {} });
    assert.deepEqual((await next((m) => m.id === 22)).result, {});
    env.bus.publish({ type: "Tx", tx: { height: 9n, index: 1, tx: txA, hash: sha256(txA), result: txResult(0, "open1alice", "x") } });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(inbox.filter((m) => m.result?.query !== undefined).length, 0, "nothing after unsubscribe");

    for (let i = 0; i < 3; i++) send({ jsonrpc: "2.0", id: 30 + i, method: "subscribe", params: { query: `tx.height=${i}` } });
    for (let i = 0; i < 3; i++) assert.deepEqual((await next((m) => m.id === 30 + i)).result, {});
    send({ jsonrpc: "2.0", id: 40, method: "subscribe", params: { query: "tx.height=99" } });
    assert.match((await next((m) => m.id === 40)).error.data, /max_subscriptions_per_client/);
    ws.close();
    await new Promise((r) => ws.once("close", r));
    // the server sees the close on its own side of the socket, maybe after the client's "close"
    for (const end = Date.now() + 30_000; env.bus.listenerCount !== 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
    assert.equal(env.bus.listenerCount, 0, "closing the socket drops its bus listener");
    const subHttp = await rpc("subscribe", { query: "tm.event='Tx'" });
    assert.equal(subHttp.error.code, -32601);
  });
});
