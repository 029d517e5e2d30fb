/**
 * The CometBFT 0.38 route table (rpc/core/routes.go): method name → parameter specs + handler.
 * Handlers read only RpcEnv, return CometBFT-shaped JSON (json.ts) and throw RpcError for JSON-RPC
 * errors. App-level rejections (CheckTx codes, query codes) are returned in-band, as CometBFT does.
 */
import type { CheckTxResponse } from "../../modules/core/abci.ts";
import { toHex } from "../../modules/core/bytes.ts";
import { txHash } from "../types/hash.ts";
import { sha256 } from "../../modules/core/hash.ts";
import { decodeDuplicateVoteEvidence } from "../consensus/evidencePool.ts";
import { decodeLightClientAttack, lightClientAttackHash } from "../consensus/lightClientAttack.ts";
import { TxSearchError } from "../storage/txIndex.ts";
import { matches, parseQuery, type Query } from "../types/query.ts";
import { type BusEvent, ERR_TX_IN_CACHE, type RpcEnv } from "./env.ts";
import { internalError, invalidParams, RpcError, RpcErrorCode } from "./errors.ts";
import { peerStateJson, roundStateJson, roundStateSimpleJson, timeoutsJson } from "./consensusJson.ts";
import { evidenceFromJson, EvidenceJsonError } from "./evidenceJson.ts";
import { ValidatorSet } from "../types/validatorSet.ts";
import type { RoundStateDump } from "../consensus/state.ts";
import {
  b64,
  BLOCK_PROTOCOL,
  blockIdJson,
  blockJson,
  blockMetaJson,
  blockResultsJson,
  checkTxJson,
  COMETBFT_VERSION,
  commitJson,
  consensusParamsJson,
  EMPTY_EXEC_TX_RESULT,
  execTxResultJson,
  genesisJson,
  headerJson,
  hex,
  int,
  type Json,
  P2P_PROTOCOL,
  pubKeyJson,
  queryResponseJson,
  time,
  txRecordJson,
  validatorJson,
} from "./json.ts";
import type { Args, ParamSpec } from "./params.ts";

export interface RouteContext {
  env: RpcEnv;
  timeoutBroadcastTxCommitMs: number;
}

export interface Route {
  params: readonly ParamSpec[];
  handler(args: Args, ctx: RouteContext): Promise<Json>;
  /** only over WebSocket (subscribe/unsubscribe/unsubscribe_all; handled by the server). */
  wsOnly?: boolean;
}

export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 100;
const BLOCKCHAIN_LIMIT = 20n;
const GENESIS_CHUNK_SIZE = 16 * 1024 * 1024;
const BLOCK_SEARCH_MAX_SCAN = 10_000n;

const EMPTY_BLOCK_ID_JSON = { hash: "", parts: { total: 0, hash: "" } };

// ------------------------------------------------------------------ helpers

function argInt(a: Args, name: string): bigint | undefined {
  const v = a[name];
  return typeof v === "bigint" ? v : undefined;
}
function argStr(a: Args, name: string): string | undefined {
  const v = a[name];
  return typeof v === "string" ? v : undefined;
}
function argBytes(a: Args, name: string): Uint8Array | undefined {
  const v = a[name];
  return v instanceof Uint8Array ? v : undefined;
}
function argBool(a: Args, name: string): boolean {
  return a[name] === true;
}

/** CometBFT getHeight: absent or 0 → latest; errors outside [base, latest]. */
function resolveHeight(env: RpcEnv, requested: bigint | undefined): bigint {
  const latest = env.blockStore.height();
  if (requested === undefined || requested === 0n) {
    if (latest === 0n) throw internalError("no blocks yet: the blockchain height is 0");
    return latest;
  }
  if (requested > latest) {
    throw internalError(`height ${requested} must be less than or equal to the current blockchain height ${latest}`);
  }
  const base = env.blockStore.base();
  if (requested < base) throw internalError(`height ${requested} is not available, lowest height is ${base}`);
  return requested;
}

function perPageOf(a: Args): number {
  const v = argInt(a, "per_page");
  if (v === undefined || v < 1n) return DEFAULT_PER_PAGE;
  return v > BigInt(MAX_PER_PAGE) ? MAX_PER_PAGE : Number(v);
}

function pageOf(a: Args): number {
  const v = argInt(a, "page");
  if (v === undefined) return 1;
  return v > 1_000_000_000n ? 1_000_000_000 : Number(v);
}

function validatePage(page: number, perPage: number, total: number): number {
  const pages = Math.max(1, Math.ceil(total / perPage));
  if (page < 1 || page > pages) throw internalError(`page should be within [1, ${pages}] range, given ${page}`);
  return (page - 1) * perPage;
}

function orderOf(a: Args): "asc" | "desc" {
  const o = argStr(a, "order_by") ?? "";
  if (o === "" || o === "asc") return "asc";
  if (o === "desc") return "desc";
  throw invalidParams(`order_by: expected "asc", "desc" or "", got ${JSON.stringify(o.slice(0, 20))}`);
}

function requireTx(a: Args): Uint8Array {
  const tx = argBytes(a, "tx");
  if (tx === undefined) throw invalidParams("tx: required");
  if (tx.length === 0) throw invalidParams("tx: must not be empty");
  return tx;
}

function requireBlobs(env: RpcEnv): NonNullable<RpcEnv["blobs"]> {
  if (env.blobs === undefined) throw internalError("this node has no blob store");
  return env.blobs;
}

function isInCacheError(e: unknown): boolean {
  if (typeof e !== "object" || e === null) return false;
  const code = (e as { code?: unknown }).code;
  const msg = (e as { message?: unknown }).message;
  return code === "TX_IN_CACHE" || (typeof msg === "string" && msg.includes(ERR_TX_IN_CACHE));
}

async function checkAndAdd(env: RpcEnv, tx: Uint8Array): Promise<CheckTxResponse> {
  try {
    return await env.mempool.checkAndAdd(tx);
  } catch (e) {
    if (isInCacheError(e)) throw internalError(ERR_TX_IN_CACHE);
    throw internalError(e instanceof Error ? e.message : String(e));
  }
}

function broadcastResult(res: { code: number; log: string; codespace: string }, hash: Uint8Array): Json {
  // `data` stays "": cosmjs reads it as base64 while CometBFT writes hex (spec §7 trap 21)
  return { code: res.code, data: "", log: res.log, codespace: res.codespace, hash: hex(hash) };
}

/** the consensus round state (every node has one: BFT machine, single-validator producer, or block sync's NewHeight). */
function roundStateOf(env: RpcEnv): RoundStateDump {
  const rs = env.consensus?.roundState();
  if (rs === undefined) throw internalError(env.consensus === undefined ? "this node serves no consensus round state" : "no consensus round state yet");
  return rs;
}

function parseQueryParam(text: string | undefined): Query {
  if (text === undefined) throw invalidParams("query: required");
  try {
    return parseQuery(text);
  } catch (e) {
    throw invalidParams(e instanceof Error ? e.message : String(e));
  }
}

// ------------------------------------------------------------------ handlers

const P = {
  height: { name: "height", type: "int" },
  page: { name: "page", type: "int" },
  perPage: { name: "per_page", type: "int" },
  orderBy: { name: "order_by", type: "string" },
  prove: { name: "prove", type: "bool" },
  tx: { name: "tx", type: "b64bytes" },
  hash: { name: "hash", type: "hash" },
  query: { name: "query", type: "string" },
} as const satisfies Record<string, ParamSpec>;

export const ROUTES: Record<string, Route> = {
  // ---------- info
  health: { params: [], handler: async () => ({}) },

  status: {
    params: [],
    handler: async (_a, { env }) => {
      const latest = env.blockStore.height();
      const base = env.blockStore.base();
      const meta = latest > 0n ? env.blockStore.loadBlockMeta(latest) : undefined;
      const first = base > 0n ? env.blockStore.loadBlockMeta(base) : undefined;
      let latestAppHash = meta?.header.appHash ?? new Uint8Array(0);
      if (latestAppHash.length === 0 && latest > 0n) {
        latestAppHash = env.state.loadFinalizeBlockResponse(latest)?.appHash ?? latestAppHash;
      }
      const n = env.nodeInfo;
      const vi = env.validatorInfo;
      return {
        node_info: {
          protocol_version: { p2p: int(P2P_PROTOCOL), block: int(BLOCK_PROTOCOL), app: int(meta?.header.version.app ?? 0n) },
          id: n.id,
          listen_addr: n.listenAddr,
          network: n.network,
          version: COMETBFT_VERSION,
          channels: "40202122233038606100",
          moniker: n.moniker,
          other: { tx_index: "on", rpc_address: n.rpcAddress },
        },
        sync_info: {
          latest_block_hash: meta === undefined ? "" : hex(meta.blockId.hash),
          latest_app_hash: hex(latestAppHash),
          latest_block_height: int(latest),
          latest_block_time: meta === undefined ? time(env.genesis.genesisTime) : time(meta.header.time),
          earliest_block_hash: first === undefined ? "" : hex(first.blockId.hash),
          earliest_app_hash: first === undefined ? "" : hex(first.header.appHash),
          earliest_block_height: int(base),
          earliest_block_time: first === undefined ? time(env.genesis.genesisTime) : time(first.header.time),
          catching_up: env.catchingUp(),
        },
        validator_info: {
          address: hex(vi.address),
          pub_key: pubKeyJson({ type: "ed25519", value: vi.pubKey }),
          voting_power: int(vi.votingPower),
        },
      };
    },
  },

  net_info: {
    params: [],
    handler: async (_a, { env }) => {
      const peers = env.peers();
      return {
        listening: true,
        listeners: [`Listener(@${env.nodeInfo.listenAddr})`],
        n_peers: int(peers.length),
        peers: peers.map((p) => ({
          node_info: { id: p.id, listen_addr: p.address, network: env.nodeInfo.network, version: COMETBFT_VERSION, moniker: "" },
          is_outbound: true,
          connection_status: {},
          remote_ip: p.address.replace(/^.*\/ip[46]\/([^/]+).*$/, "$1").replace(/:\d+$/, ""),
        })),
      };
    },
  },

  genesis: {
    params: [],
    handler: async (_a, { env }) => ({ genesis: genesisJson(env.genesis) }),
  },

  genesis_chunked: {
    params: [{ name: "chunk", type: "int" }],
    handler: async (a, { env }) => {
      const data = Buffer.from(JSON.stringify(genesisJson(env.genesis)), "utf8");
      const total = Math.max(1, Math.ceil(data.length / GENESIS_CHUNK_SIZE));
      const chunk = argInt(a, "chunk") ?? 0n;
      if (chunk >= BigInt(total)) throw internalError(`there are ${total} chunks, ${chunk} is invalid`);
      const i = Number(chunk);
      return {
        chunk: int(i),
        total: int(total),
        data: data.subarray(i * GENESIS_CHUNK_SIZE, (i + 1) * GENESIS_CHUNK_SIZE).toString("base64"),
      };
    },
  },

  consensus_params: {
    params: [P.height],
    handler: async (a, { env }) => {
      const h = resolveHeight(env, argInt(a, "height"));
      const p = env.state.loadConsensusParams(h);
      if (p === undefined) throw internalError(`could not find consensus params for height #${h}`);
      return { block_height: int(h), consensus_params: consensusParamsJson(p) };
    },
  },

  // ---------- consensus (UNSTABLE in CometBFT too); `timeouts` is openledgerd's addition (consensusJson.ts)
  consensus_state: {
    params: [],
    handler: async (_a, { env }) => {
      const rs = roundStateOf(env);
      return { round_state: roundStateSimpleJson(rs), timeouts: timeoutsJson(rs) };
    },
  },

  dump_consensus_state: {
    params: [],
    handler: async (_a, { env }) => {
      const rs = roundStateOf(env);
      const lastVals = rs.height > 1n ? env.state.loadValidators(rs.height - 1n) : undefined;
      const addresses = new Map(env.peers().map((p) => [p.id, p.address]));
      return {
        round_state: roundStateJson(rs, lastVals === undefined ? undefined : new ValidatorSet(lastVals)),
        peers: env.consensus!.peers().map((p) => peerStateJson(p, addresses.get(p.peer), rs.height, rs.validators.size)),
        timeouts: timeoutsJson(rs),
      };
    },
  },

  // ---------- blocks
  blockchain: {
    params: [
      { name: "minHeight", type: "int" },
      { name: "maxHeight", type: "int" },
    ],
    handler: async (a, { env }) => {
      const base = env.blockStore.base();
      const latest = env.blockStore.height();
      let min = argInt(a, "minHeight") ?? 0n;
      let max = argInt(a, "maxHeight") ?? 0n;
      if (min === 0n) min = 1n;
      if (max === 0n) max = latest;
      if (max > latest) max = latest;
      if (min < base) min = base;
      if (min < max - BLOCKCHAIN_LIMIT + 1n) min = max - BLOCKCHAIN_LIMIT + 1n;
      if (min > max) throw internalError(`min height ${min} can't be greater than max height ${max}`);
      const metas: Json[] = [];
      for (let h = max; h >= min && h > 0n; h--) {
        const m = env.blockStore.loadBlockMeta(h);
        if (m !== undefined) metas.push(blockMetaJson(m));
      }
      return { last_height: int(latest), block_metas: metas };
    },
  },

  block: {
    params: [P.height],
    handler: async (a, { env }) => {
      const h = resolveHeight(env, argInt(a, "height"));
      const block = env.blockStore.loadBlock(h);
      const meta = env.blockStore.loadBlockMeta(h);
      if (block === undefined || meta === undefined) return { block_id: EMPTY_BLOCK_ID_JSON, block: null };
      return { block_id: blockIdJson(meta.blockId), block: blockJson(block) };
    },
  },

  block_by_hash: {
    params: [P.hash],
    handler: async (a, { env }) => {
      const hash = argBytes(a, "hash");
      if (hash === undefined) throw invalidParams("hash: required");
      const block = env.blockStore.loadBlockByHash(hash);
      const meta = block === undefined ? undefined : env.blockStore.loadBlockMeta(block.header.height);
      if (block === undefined || meta === undefined) return { block_id: EMPTY_BLOCK_ID_JSON, block: null };
      return { block_id: blockIdJson(meta.blockId), block: blockJson(block) };
    },
  },

  header: {
    params: [P.height],
    handler: async (a, { env }) => {
      const h = resolveHeight(env, argInt(a, "height"));
      const meta = env.blockStore.loadBlockMeta(h);
      return { header: meta === undefined ? null : headerJson(meta.header) };
    },
  },

  header_by_hash: {
    params: [P.hash],
    handler: async (a, { env }) => {
      const hash = argBytes(a, "hash");
      if (hash === undefined) throw invalidParams("hash: required");
      const block = env.blockStore.loadBlockByHash(hash);
      return { header: block === undefined ? null : headerJson(block.header) };
    },
  },

  block_results: {
    params: [P.height],
    handler: async (a, { env }) => {
      const h = resolveHeight(env, argInt(a, "height"));
      const r = env.state.loadFinalizeBlockResponse(h);
      if (r === undefined) throw internalError(`could not find results for height #${h}`);
      return blockResultsJson(h, r, env.blockEvents?.(h) ?? []);
    },
  },

  commit: {
    params: [P.height],
    handler: async (a, { env }) => {
      const h = resolveHeight(env, argInt(a, "height"));
      const meta = env.blockStore.loadBlockMeta(h);
      const c = env.blockStore.loadCommit(h);
      if (meta === undefined || c === undefined) throw internalError(`commit for height ${h} not found`);
      return { signed_header: { header: headerJson(meta.header), commit: commitJson(c.commit) }, canonical: c.canonical };
    },
  },

  validators: {
    params: [P.height, P.page, P.perPage],
    handler: async (a, { env }) => {
      const latest = env.blockStore.height();
      const requested = argInt(a, "height");
      // validators of latest+1 are known too (CometBFT allows height = latest + 1)
      const h = requested !== undefined && requested === latest + 1n ? requested : resolveHeight(env, requested);
      const vals = env.state.loadValidators(h);
      if (vals === undefined) throw internalError(`could not find validator set for height #${h}`);
      const perPage = perPageOf(a);
      const skip = validatePage(pageOf(a), perPage, vals.length);
      const page = vals.slice(skip, skip + perPage);
      return { block_height: int(h), validators: page.map(validatorJson), count: int(page.length), total: int(vals.length) };
    },
  },

  block_search: {
    params: [P.query, P.page, P.perPage, P.orderBy],
    handler: async (a, { env }) => {
      const q = parseQueryParam(argStr(a, "query"));
      const perPage = perPageOf(a);
      const order = orderOf(a);
      let lo = env.blockStore.base();
      let hi = env.blockStore.height();
      for (const c of q.conditions) {
        if (c.key !== "block.height" || c.operand?.kind !== "number" || c.operand.scale !== 0) continue;
        const v = c.operand.int;
        if (c.op === "=" || c.op === ">=") lo = v > lo ? v : lo;
        if (c.op === ">") lo = v + 1n > lo ? v + 1n : lo;
        if (c.op === "=" || c.op === "<=") hi = v < hi ? v : hi;
        if (c.op === "<") hi = v - 1n < hi ? v - 1n : hi;
      }
      if (lo < 1n) lo = 1n;
      if (hi - lo + 1n > BLOCK_SEARCH_MAX_SCAN) {
        throw invalidParams(`block_search scans at most ${BLOCK_SEARCH_MAX_SCAN} heights; bound block.height (>=, <=) to narrow the range`);
      }
      const heights: bigint[] = [];
      for (let h = lo; h <= hi; h++) {
        const ev: Record<string, string[]> = { "tm.event": ["NewBlock"], "block.height": [h.toString()] };
        for (const e of env.state.loadFinalizeBlockResponse(h)?.events ?? []) {
          for (const at of e.attributes) if (at.index) (ev[`${e.type}.${at.key}`] ??= []).push(at.value);
        }
        if (matches(q, ev)) heights.push(h);
      }
      if (order === "desc") heights.reverse();
      const skip = validatePage(pageOf(a), perPage, heights.length);
      const blocks: Json[] = [];
      for (const h of heights.slice(skip, skip + perPage)) {
        const block = env.blockStore.loadBlock(h);
        const meta = env.blockStore.loadBlockMeta(h);
        if (block !== undefined && meta !== undefined) blocks.push({ block_id: blockIdJson(meta.blockId), block: blockJson(block) });
      }
      return { blocks, total_count: int(heights.length) };
    },
  },

  // ---------- txs
  tx: {
    params: [P.hash, P.prove],
    handler: async (a, { env }) => {
      const hash = argBytes(a, "hash");
      if (hash === undefined) throw invalidParams("hash: required");
      const r = env.txIndex.getByHash(hash);
      if (r === undefined) throw internalError(`tx (${hex(hash)}) not found`);
      return txRecordJson(r);
    },
  },

  tx_search: {
    params: [P.query, P.prove, P.page, P.perPage, P.orderBy],
    handler: async (a, { env }) => {
      const text = argStr(a, "query");
      parseQueryParam(text);
      const order = orderOf(a);
      try {
        const res = await env.txIndex.search(text as string, { page: pageOf(a), perPage: perPageOf(a), orderBy: order });
        return { txs: res.txs.map(txRecordJson), total_count: int(res.total) };
      } catch (e) {
        if (e instanceof TxSearchError) {
          if (e.kind === "query") throw invalidParams(e.message);
          throw internalError(e.message);
        }
        throw e;
      }
    },
  },

  num_unconfirmed_txs: {
    params: [],
    handler: async (_a, { env }) => ({
      n_txs: int(env.mempool.size()),
      total: int(env.mempool.size()),
      total_bytes: int(env.mempool.sizeBytes()),
      txs: null,
    }),
  },

  unconfirmed_txs: {
    params: [{ name: "limit", type: "int" }],
    handler: async (a, { env }) => {
      const l = argInt(a, "limit");
      const limit = l === undefined || l < 1n ? DEFAULT_PER_PAGE : l > BigInt(MAX_PER_PAGE) ? MAX_PER_PAGE : Number(l);
      const txs = env.mempool.reap(limit);
      return { n_txs: int(txs.length), total: int(env.mempool.size()), total_bytes: int(env.mempool.sizeBytes()), txs: txs.map(b64) };
    },
  },

  check_tx: {
    params: [P.tx],
    handler: async (a, { env }) => {
      const tx = requireTx(a);
      try {
        return checkTxJson(await env.mempool.checkOnly(tx));
      } catch (e) {
        throw internalError(e instanceof Error ? e.message : String(e));
      }
    },
  },

  broadcast_tx_async: {
    params: [P.tx],
    handler: async (a, { env }) => {
      const tx = requireTx(a);
      const hash = txHash(tx);
      // CometBFT returns before CheckTx completes; failures only show up in the logs
      void env.mempool.checkAndAdd(tx).catch(() => {});
      return broadcastResult({ code: 0, log: "", codespace: "" }, hash);
    },
  },

  broadcast_tx_sync: {
    params: [P.tx],
    handler: async (a, { env }) => {
      const tx = requireTx(a);
      const res = await checkAndAdd(env, tx);
      return broadcastResult(res, txHash(tx));
    },
  },

  broadcast_tx_commit: {
    params: [P.tx],
    handler: async (a, { env, timeoutBroadcastTxCommitMs }) => {
      const tx = requireTx(a);
      const hash = txHash(tx);
      const hashHex = toHex(hash);
      let off: () => void = () => {};
      const included = new Promise<Extract<BusEvent, { type: "Tx" }>>((resolve) => {
        off = env.events.on((ev) => {
          if (ev.type === "Tx" && toHex(ev.tx.hash) === hashHex) resolve(ev);
        });
      });
      let timer: NodeJS.Timeout | undefined;
      try {
        const check = await checkAndAdd(env, tx);
        if (check.code !== 0) {
          return { check_tx: checkTxJson(check), tx_result: execTxResultJson(EMPTY_EXEC_TX_RESULT), hash: hex(hash), height: "0" };
        }
        const timeout = new Promise<"timeout">((resolve) => {
          timer = setTimeout(() => resolve("timeout"), timeoutBroadcastTxCommitMs);
        });
        const got = await Promise.race([included, timeout]);
        if (got === "timeout") throw internalError("timed out waiting for tx to be included in a block");
        return {
          check_tx: checkTxJson(check),
          tx_result: execTxResultJson(got.tx.result),
          hash: hex(hash),
          height: int(got.tx.height),
        };
      } finally {
        off();
        if (timer !== undefined) clearTimeout(timer);
      }
    },
  },

  // ---------- abci
  abci_info: {
    params: [],
    handler: async (_a, { env }) => {
      const r = await env.app.info();
      return {
        response: {
          data: r.data,
          version: r.version,
          app_version: int(r.appVersion),
          last_block_height: int(r.lastBlockHeight),
          last_block_app_hash: b64(r.lastBlockAppHash),
        },
      };
    },
  },

  abci_query: {
    params: [
      { name: "path", type: "string" },
      { name: "data", type: "hexbytes" },
      P.height,
      P.prove,
    ],
    handler: async (a, { env }) => {
      const path = argStr(a, "path") ?? "";
      const data = argBytes(a, "data") ?? new Uint8Array(0);
      const height = argInt(a, "height") ?? 0n;
      const latest = env.blockStore.height();
      if (height > latest) {
        throw internalError(`height ${height} must be less than or equal to the current blockchain height ${latest}`);
      }
      const r = await env.app.query({ path, data, height, prove: argBool(a, "prove") });
      return queryResponseJson(r, latest);
    },
  },

  // ---------- datanet payloads (openledgerd, not CometBFT): node/blobstore
  blob_put: {
    params: [{ name: "data", type: "b64bytes" }],
    handler: async (a, { env }) => {
      const blobs = requireBlobs(env);
      const data = argBytes(a, "data");
      if (data === undefined || data.length === 0) throw invalidParams("data: required (base64 of the payload bytes)");
      if (data.length > blobs.maxBytes) throw invalidParams(`data: ${data.length} bytes exceed the blob maximum ${blobs.maxBytes}`);
      const hash = await blobs.put(data);
      return { hash, size: String(data.length), uri: `blob://${hash}` };
    },
  },
  blob_get: {
    params: [{ name: "hash", type: "hash" }],
    handler: async (a, { env }) => {
      const blobs = requireBlobs(env);
      const h = argBytes(a, "hash");
      if (h === undefined) throw invalidParams("hash: required (sha256 as hex)");
      const hash = toHex(h);
      const data = await blobs.get(hash);
      if (data === undefined) throw internalError(`blob ${hash} not found on this node nor its peers`);
      return { hash, size: String(data.length), data: b64(data) };
    },
  },

  // ---------- evidence (CometBFT rpc/core/evidence.go): verified and added to the pool, which proposes and gossips it
  broadcast_evidence: {
    params: [{ name: "evidence", type: "json" }],
    handler: async (a, { env }) => {
      const text = argStr(a, "evidence");
      if (text === undefined) throw invalidParams("evidence: required (CometBFT JSON: {\"type\": \"tendermint/DuplicateVoteEvidence\", \"value\": {…}})");
      let ev: ReturnType<typeof evidenceFromJson>;
      try {
        ev = evidenceFromJson(JSON.parse(text));
      } catch (e) {
        if (e instanceof EvidenceJsonError) throw invalidParams(e.message);
        throw e;
      }
      const add = env.evidence?.add;
      if (add === undefined) throw internalError("failed to add evidence: this node keeps no evidence pool (single-validator engine)");
      try {
        add(ev);
      } catch (e) {
        throw internalError(`failed to add evidence: ${e instanceof Error ? e.message : String(e)}`);
      }
      // Evidence.Hash(): SHA-256 of a duplicate vote's bytes; a light client attack's covers its conflicting header and common height
      return { hash: b64(ev.type === "light_client_attack" ? lightClientAttackHash(decodeLightClientAttack(ev.raw)) : sha256(ev.raw)) };
    },
  },

  // ---------- evidence pool (openledgerd, not CometBFT 0.38: it has broadcast_evidence only)
  pending_evidence: {
    params: [],
    handler: async (_a, { env }) => {
      const pending = env.evidence?.pending() ?? [];
      return {
        n_evidence: String(pending.length),
        evidence: pending.map((item) => {
          const { type, raw } = item instanceof Uint8Array ? { type: "duplicate_vote", raw: item } : item;
          if (type === "light_client_attack") {
            const l = decodeLightClientAttack(raw);
            const sh = l.conflictingBlock.signedHeader;
            return {
              type: "tendermint/LightClientAttackEvidence",
              hash: toHex(lightClientAttackHash(l)).toUpperCase(),
              height: l.commonHeight.toString(),
              conflicting_height: sh.header.height.toString(),
              conflicting_block: toHex(sh.commit.blockId.hash).toUpperCase(),
              conflicting_round: sh.commit.round,
              byzantine_validators: l.byzantineValidators.map((v) => toHex(v.address).toUpperCase()),
              total_voting_power: l.totalVotingPower.toString(),
              raw: b64(raw),
            };
          }
          const e = decodeDuplicateVoteEvidence(raw);
          return {
            type: "tendermint/DuplicateVoteEvidence",
            hash: toHex(sha256(raw)).toUpperCase(),
            height: e.voteA.height.toString(),
            round: e.voteA.round,
            vote_type: e.voteA.type,
            validator_address: toHex(e.voteA.validatorAddress).toUpperCase(),
            block_ids: [toHex(e.voteA.blockId.hash).toUpperCase(), toHex(e.voteB.blockId.hash).toUpperCase()],
            total_voting_power: e.totalVotingPower.toString(),
            validator_power: e.validatorPower.toString(),
            raw: b64(raw),
          };
        }),
        conflicting_commits: (env.evidence?.forks() ?? []).map((f) => ({ height: f.height.toString(), our_block: f.ourBlock, their_block: f.theirBlock, source: f.source, evidence_built: String(f.evidence) })),
      };
    },
  },

  // ---------- WebSocket only (handled by the server; listed here for GET / and method checks)
  subscribe: { params: [P.query], wsOnly: true, handler: wsOnly },
  unsubscribe: { params: [P.query], wsOnly: true, handler: wsOnly },
  unsubscribe_all: { params: [], wsOnly: true, handler: wsOnly },
};

async function wsOnly(): Promise<Json> {
  throw new RpcError(RpcErrorCode.MethodNotFound, "subscriptions are only available over the WebSocket at /websocket");
}

export { parseQueryParam };
