/**
 * Cosmos REST (the SDK's gRPC-gateway paths and JSON, specs/cosmjs-rpc.md §5) on node:http: tendermint
 * Service and tx Service answered from the node's stores, module queries through app.query with the
 * gRPC method path (request from path + query string → protobuf; response protobuf → gateway JSON),
 * well-formed empty responses for modules the app does not serve, openledger module queries under
 * /openledger/<module>/v1/<method>[/<first field>]. Errors: {code, message, details} with the HTTP
 * status of the gRPC code; unknown routes 501.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Logger } from "pino";
import { Tx } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { SimulateRequest, SimulateResponse } from "cosmjs-types/cosmos/tx/v1beta1/service";
import type { AbciEvent, ExecTxResult, QueryResponse, Timestamp } from "../../modules/core/abci.ts";
import { bech32 } from "@scure/base";
import { fromBase64, fromHex, fromUtf8, toBase64, toHex } from "../../modules/core/bytes.ts";
import { sha256 } from "../../modules/core/hash.ts";
import type { Block, BlockID, Commit, Header } from "../types/block.ts";
import { formatRfc3339Nano } from "../types/time.ts";
import type { RpcEnv, TxRecord } from "../rpc/env.ts";
import { COMETBFT_VERSION, type Json } from "../rpc/json.ts";
import { parseLaddr } from "../rpc/server.ts";
import { anyJson, type Codec, protoJson, requestFromParams } from "./protoJson.ts";
import { QUERY_ROUTES, type QueryRoute } from "./routes.ts";

export interface RestServerOptions {
  /** "127.0.0.1:1317" or "tcp://…"; port 0 picks a free port. */
  laddr: string;
  maxBodyBytes?: number;
  logger?: Logger;
  /** application_version.version in node_info. */
  appVersion?: string;
  /** the node's minimum gas prices (app.toml), for /cosmos/base/node/v1beta1/config. */
  minGasPrices?: string;
  /** GET paths the API routes do not answer (OpenAPI document, explorer): a body, or undefined for 501. */
  extraGet?: (pathname: string, routes: { method: "GET" | "POST"; pattern: string; grpc?: string }[]) => Promise<{ contentType: string; body: string | Uint8Array } | undefined>;
}

export interface RestServer {
  listen(): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
  /** answers one route in-process (gRPC reuses it): the gateway JSON, or throws RestError. */
  call(method: "GET" | "POST", url: string, body?: unknown, height?: bigint): Promise<Json>;
  /** the route table: method + path pattern ({name} = path parameter), for the OpenAPI document. */
  routeTable(): { method: "GET" | "POST"; pattern: string; grpc?: string }[];
}

type Obj = { [k: string]: Json };

const VALCONS_PREFIX = "openvalcons";
const valcons = (b: Uint8Array): string => bech32.encode(VALCONS_PREFIX, bech32.toWords(b), 90);

/** gRPC status codes used here. */
export const GrpcCode = { InvalidArgument: 3, NotFound: 5, Internal: 13, Unimplemented: 12, Unknown: 2 } as const;

export class RestError extends Error {
  readonly grpcCode: number;
  constructor(grpcCode: number, message: string) {
    super(message);
    this.name = "RestError";
    this.grpcCode = grpcCode;
  }
}

export function httpStatusOf(grpcCode: number): number {
  switch (grpcCode) {
    case 0:
      return 200;
    case 3:
    case 9:
    case 11:
      return 400;
    case 5:
      return 404;
    case 6:
      return 409;
    case 7:
      return 403;
    case 8:
      return 429;
    case 12:
      return 501;
    case 14:
      return 503;
    case 16:
      return 401;
    default:
      return 500;
  }
}

const GRPC_NAMES: Record<string, number> = { NotFound: 5, InvalidArgument: 3, FailedPrecondition: 9, Unauthenticated: 16, Unimplemented: 12, Internal: 13 };

/** an app query failure → gRPC code (from the SDK's "rpc error: code = X desc = …" log, else the sdk code). */
export function grpcCodeOfQuery(r: QueryResponse): number {
  const m = /rpc error: code = (\w+)/.exec(r.log);
  if (m !== null) return GRPC_NAMES[m[1] as string] ?? GrpcCode.Unknown;
  if (/unknown query path/.test(r.log)) return GrpcCode.Unimplemented;
  if (r.codespace === "sdk" && (r.code === 22 || r.code === 38)) return GrpcCode.NotFound;
  if (r.codespace === "sdk" && r.code === 18) return GrpcCode.InvalidArgument;
  return GrpcCode.Unknown;
}

function queryMessage(log: string): string {
  const m = /rpc error: code = \w+ desc = (.*)$/s.exec(log);
  return m !== null ? (m[1] as string) : log;
}

// ------------------------------------------------------------------ JSON helpers

const b64 = (b: Uint8Array): string => toBase64(b);
const int = (n: bigint | number): string => n.toString();
const time = (t: Timestamp): string => formatRfc3339Nano(t);
/** RFC 3339 without fractional seconds (tx_response.timestamp). */
const timeSeconds = (t: Timestamp): string => new Date(Number(t.seconds) * 1000).toISOString().replace(/\.\d+Z$/, "Z");
const BLOCK_ID_FLAGS = ["BLOCK_ID_FLAG_UNKNOWN", "BLOCK_ID_FLAG_ABSENT", "BLOCK_ID_FLAG_COMMIT", "BLOCK_ID_FLAG_NIL"] as const;

export function blockIdProtoJson(id: BlockID): Obj {
  return { hash: b64(id.hash), part_set_header: { total: id.partSetHeader.total, hash: b64(id.partSetHeader.hash) } };
}

function headerProtoJson(h: Header, proposer: string): Obj {
  return {
    version: { block: int(h.version.block), app: int(h.version.app) },
    chain_id: h.chainId,
    height: int(h.height),
    time: time(h.time),
    last_block_id: blockIdProtoJson(h.lastBlockId),
    last_commit_hash: b64(h.lastCommitHash),
    data_hash: b64(h.dataHash),
    validators_hash: b64(h.validatorsHash),
    next_validators_hash: b64(h.nextValidatorsHash),
    consensus_hash: b64(h.consensusHash),
    app_hash: b64(h.appHash),
    last_results_hash: b64(h.lastResultsHash),
    evidence_hash: b64(h.evidenceHash),
    proposer_address: proposer,
  };
}

function commitProtoJson(c: Commit): Obj {
  return {
    height: int(c.height),
    round: c.round,
    block_id: blockIdProtoJson(c.blockId),
    signatures: c.signatures.map((s) => ({
      block_id_flag: BLOCK_ID_FLAGS[s.blockIdFlag] ?? "BLOCK_ID_FLAG_UNKNOWN",
      validator_address: b64(s.validatorAddress),
      timestamp: s.blockIdFlag === 1 ? "0001-01-01T00:00:00Z" : time(s.timestamp),
      signature: b64(s.signature),
    })),
  };
}

/** tendermint.types.Block as gateway JSON; sdk=true writes the proposer as bech32 valcons (SdkBlock). */
export function blockProtoJson(b: Block, sdk = false): Obj {
  const proposer = sdk ? valcons(b.header.proposerAddress) : b64(b.header.proposerAddress);
  return {
    header: headerProtoJson(b.header, proposer),
    data: { txs: b.data.txs.map(b64) },
    evidence: { evidence: b.evidence.evidence.map((e) => (e.type === "light_client_attack" ? { light_client_attack_evidence: { raw: b64(e.raw) } } : { duplicate_vote_evidence: { raw: b64(e.raw) } })) },
    last_commit: commitProtoJson(b.lastCommit),
  };
}

function eventsJson(events: readonly AbciEvent[]): Json[] {
  return events.map((e) => ({ type: e.type, attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: (a as { index?: boolean }).index ?? true })) }));
}

/** cosmos.tx.v1beta1.Tx gateway JSON of raw tx bytes (null when undecodable). */
export function txJson(raw: Uint8Array): Obj | null {
  try {
    const j = protoJson(Tx, Tx.decode(raw));
    // cosmjs-types 0.11 carries SDK 0.53's TxBody fields; we report v0.50, which has neither
    const body = j.body;
    if (body !== null && typeof body === "object" && !Array.isArray(body)) {
      delete body.unordered;
      delete body.timeout_timestamp;
    }
    return j;
  } catch {
    return null;
  }
}

export function txResponseJson(height: bigint, hash: Uint8Array, raw: Uint8Array, r: ExecTxResult, blockTime: Timestamp | undefined): Obj {
  const tx = txJson(raw);
  return {
    height: int(height),
    txhash: toHex(hash).toUpperCase(),
    codespace: r.codespace,
    code: r.code,
    data: toHex(r.data).toUpperCase(),
    raw_log: r.log,
    logs: [],
    info: r.info,
    gas_wanted: int(r.gasWanted),
    gas_used: int(r.gasUsed),
    tx: tx === null ? null : { "@type": "/cosmos.tx.v1beta1.Tx", ...tx },
    timestamp: blockTime === undefined ? "" : timeSeconds(blockTime),
    events: eventsJson(r.events),
  };
}

const pageResponse = (total: number | bigint, nextKey: string | null = null): Obj => ({ next_key: nextKey, total: int(total) });

// ------------------------------------------------------------------ request parsing

export interface Params {
  /** last value of each key (lenient, §5.1). */
  last: Record<string, string>;
  /** every value of each key. */
  all: Record<string, string[]>;
}

export function parseQueryString(qs: string): Params {
  const last: Record<string, string> = Object.create(null) as Record<string, string>;
  const all: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const part of qs.split("&")) {
    if (part === "") continue;
    const i = part.indexOf("=");
    let k: string;
    let v: string;
    try {
      k = decodeURIComponent((i < 0 ? part : part.slice(0, i)).replace(/\+/g, " "));
      v = i < 0 ? "" : decodeURIComponent(part.slice(i + 1).replace(/\+/g, " "));
    } catch {
      throw new RestError(GrpcCode.InvalidArgument, `invalid query string component ${JSON.stringify(part)}`);
    }
    if (k === "") continue;
    last[k] = v;
    (all[k] ??= []).push(v);
  }
  return { last, all };
}

function uintParam(p: Params, key: string, def: bigint): bigint {
  const v = p.last[key];
  if (v === undefined || v === "") return def;
  if (!/^\d+$/.test(v)) throw new RestError(GrpcCode.InvalidArgument, `invalid ${key}: ${JSON.stringify(v)}`);
  return BigInt(v);
}

function heightParam(s: string): bigint {
  if (!/^\d+$/.test(s)) throw new RestError(GrpcCode.InvalidArgument, `invalid height ${JSON.stringify(s)}`);
  const h = BigInt(s);
  if (h <= 0n) throw new RestError(GrpcCode.InvalidArgument, "height must be greater than 0");
  return h;
}

// ------------------------------------------------------------------ server

interface Ctx {
  params: Params;
  path: Record<string, string>;
  body: unknown;
}

interface Route {
  method: "GET" | "POST";
  pattern: string;
  grpc?: string;
  re: RegExp;
  names: string[];
  handler(ctx: Ctx): Promise<Json>;
}

function compile(method: "GET" | "POST", pattern: string, handler: (ctx: Ctx) => Promise<Json>, grpc?: string): Route {
  const names: string[] = [];
  const src = pattern.replace(/[.]/g, "\\.").replace(/\{(\w+)\}/g, (_m, n: string) => {
    names.push(n);
    return "([^/]+)";
  });
  return { method, pattern, ...(grpc !== undefined ? { grpc } : {}), re: new RegExp(`^${src}/?$`), names, handler };
}

export function createRestServer(env: RpcEnv, opts: RestServerOptions): RestServer {
  const log = opts.logger?.child({ module: "rest" });
  const maxBody = opts.maxBodyBytes ?? 2 * 1024 * 1024;
  const sockets = new Set<Socket>();
  let server: Server | undefined;

  // ------------------------------------------------------------ store-backed handlers

  function latestHeight(): bigint {
    return env.blockStore.height();
  }

  function blockAt(h: bigint): Obj {
    const block = env.blockStore.loadBlock(h);
    const meta = env.blockStore.loadBlockMeta(h);
    if (block === undefined || meta === undefined) throw new RestError(GrpcCode.NotFound, `block ${h} not found`);
    return { block_id: blockIdProtoJson(meta.blockId), block: blockProtoJson(block), sdk_block: blockProtoJson(block, true) };
  }

  function validatorSet(h: bigint, p: Params): Obj {
    const vals = env.state.loadValidators(h);
    if (vals === undefined) throw new RestError(GrpcCode.NotFound, `validator set at height ${h} not found`);
    const offset = Number(uintParam(p, "pagination.offset", 0n));
    const limit = Number(uintParam(p, "pagination.limit", 100n)) || 100;
    const page = vals.slice(offset, offset + limit);
    return {
      block_height: int(h),
      validators: page.map((v) => ({
        address: valcons(v.address),
        pub_key: { "@type": "/cosmos.crypto.ed25519.PubKey", key: b64(v.pubKey.value) },
        voting_power: int(v.votingPower),
        proposer_priority: int(v.proposerPriority),
      })),
      pagination: pageResponse(vals.length),
    };
  }

  function blockTime(h: bigint): Timestamp | undefined {
    return env.blockStore.loadBlockMeta(h)?.header.time;
  }

  function recordResponse(r: TxRecord): Obj {
    return txResponseJson(r.height, r.hash, r.tx, r.result, blockTime(r.height));
  }

  async function searchTxs(p: Params): Promise<Json> {
    const clauses = [...(p.all.query ?? []), ...(p.all.events ?? [])].map((s) => s.trim()).filter((s) => s !== "");
    if (clauses.length === 0) throw new RestError(GrpcCode.InvalidArgument, "query cannot be empty");
    const query = clauses.join(" AND ");
    let limit = Number(uintParam(p, "limit", 0n));
    let page = Number(uintParam(p, "page", 0n));
    if (limit === 0 && p.last["pagination.limit"] !== undefined) limit = Number(uintParam(p, "pagination.limit", 0n));
    if (limit === 0) limit = 100;
    if (page === 0 && p.last["pagination.offset"] !== undefined) page = Math.floor(Number(uintParam(p, "pagination.offset", 0n)) / limit) + 1;
    if (page === 0) page = 1;
    const ob = (p.last.order_by ?? "").toUpperCase();
    const orderBy = ob === "ORDER_BY_DESC" || ob === "2" ? "desc" : "asc";
    let res: { total: number; txs: TxRecord[] };
    try {
      res = await env.txIndex.search(query, { page, perPage: limit, orderBy });
    } catch (e) {
      throw new RestError(GrpcCode.InvalidArgument, e instanceof Error ? e.message : String(e));
    }
    return {
      txs: res.txs.map((r) => txJson(r.tx)),
      tx_responses: res.txs.map(recordResponse),
      pagination: null,
      total: int(res.total),
    };
  }

  async function broadcast(body: unknown): Promise<Json> {
    const b = (body ?? {}) as { tx_bytes?: unknown; txBytes?: unknown; mode?: unknown };
    const txb = b.tx_bytes ?? b.txBytes;
    if (typeof txb !== "string" || txb === "") throw new RestError(GrpcCode.InvalidArgument, "invalid empty tx");
    let raw: Uint8Array;
    try {
      raw = fromBase64(txb);
    } catch {
      throw new RestError(GrpcCode.InvalidArgument, "tx_bytes is not valid base64");
    }
    const mode = String(b.mode ?? "BROADCAST_MODE_SYNC");
    if (!["BROADCAST_MODE_SYNC", "BROADCAST_MODE_ASYNC", "2", "3", "BROADCAST_MODE_BLOCK", "1"].includes(mode)) {
      throw new RestError(GrpcCode.InvalidArgument, `unsupported broadcast mode ${mode}`);
    }
    const hash = sha256(raw);
    const base = (code: number, codespace: string, rawLog: string, data: Uint8Array): Obj => ({
      height: "0",
      txhash: toHex(hash).toUpperCase(),
      codespace,
      code,
      data: toHex(data).toUpperCase(),
      raw_log: rawLog,
      logs: [],
      info: "",
      gas_wanted: "0",
      gas_used: "0",
      tx: null,
      timestamp: "",
      events: [],
    });
    const run = env.mempool.checkAndAdd(raw);
    if (mode === "BROADCAST_MODE_ASYNC" || mode === "3") {
      run.catch((e: unknown) => log?.debug({ err: e }, "async broadcast rejected"));
      return { tx_response: base(0, "", "", new Uint8Array(0)) };
    }
    try {
      const r = await run;
      return { tx_response: base(r.code, r.codespace, r.log, new Uint8Array(0)) };
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      // the SDK answers a cached tx with sdk:19 in-band
      if ((e as { code?: unknown }).code === "TX_IN_CACHE") return { tx_response: base(19, "sdk", "tx already in mempool", new Uint8Array(0)) };
      throw new RestError(GrpcCode.Internal, msg);
    }
  }

  async function simulate(body: unknown): Promise<Json> {
    const b = (body ?? {}) as { tx_bytes?: unknown; txBytes?: unknown };
    const txb = b.tx_bytes ?? b.txBytes;
    if (typeof txb !== "string" || txb === "") throw new RestError(GrpcCode.InvalidArgument, "empty txBytes is not allowed");
    const data = SimulateRequest.encode(SimulateRequest.fromPartial({ txBytes: fromBase64(txb) })).finish();
    const r = await env.app.query({ path: "/cosmos.tx.v1beta1.Service/Simulate", data, height: 0n, prove: false });
    if (r.code !== 0) {
      const c = grpcCodeOfQuery(r);
      throw new RestError(c === GrpcCode.Unknown ? GrpcCode.InvalidArgument : c, queryMessage(r.log));
    }
    const res = SimulateResponse.decode(r.value);
    const out = protoJson(SimulateResponse, res);
    const result = out.result as Obj | null;
    if (result !== null && typeof result === "object" && res.result !== undefined) {
      result.events = eventsJson(res.result.events.map((e) => ({ type: e.type, attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: a.index })) })));
      result.msg_responses = res.result.msgResponses.map(anyJson);
    }
    return out;
  }

  // ------------------------------------------------------------ app-query-backed handlers

  async function appQuery(q: QueryRoute, ctx: Ctx): Promise<Json> {
    const fields: Record<string, string> = { ...ctx.params.last, ...ctx.path };
    let req: unknown;
    try {
      req = requestFromParams(q.req, fields, ctx.params.all);
    } catch (e) {
      throw new RestError(GrpcCode.InvalidArgument, e instanceof Error ? e.message : String(e));
    }
    const data = q.req.encode(req).finish();
    const heightHeader = ctx.params.last["x-cosmos-block-height"];
    const height = heightHeader !== undefined && /^\d+$/.test(heightHeader) ? BigInt(heightHeader) : 0n;
    const r = await env.app.query({ path: q.grpc, data, height, prove: false });
    if (r.code !== 0) {
      const code = grpcCodeOfQuery(r);
      if (code === GrpcCode.Unimplemented && q.fallback !== undefined) return q.fallback();
      if (code === GrpcCode.Unimplemented && q.emptyOnUnimplemented === true) return emptyResponse(q.res);
      throw new RestError(code, queryMessage(r.log));
    }
    let res: unknown;
    try {
      res = q.res.decode(r.value);
    } catch (e) {
      throw new RestError(GrpcCode.Internal, `undecodable ${q.grpc} response: ${e instanceof Error ? e.message : String(e)}`);
    }
    const out = protoJson(q.res, res);
    return q.transform !== undefined ? q.transform(out) : out;
  }

  const routes: Route[] = [
    compile("GET", "/cosmos/base/tendermint/v1beta1/node_info", async () => ({
      default_node_info: {
        protocol_version: { p2p: "8", block: "11", app: "0" },
        default_node_id: env.nodeInfo.id,
        listen_addr: env.nodeInfo.listenAddr,
        network: env.nodeInfo.network,
        version: COMETBFT_VERSION,
        channels: b64(Uint8Array.from([0x40, 0x20, 0x21, 0x22, 0x23, 0x30, 0x38, 0x60, 0x61, 0x00])),
        moniker: env.nodeInfo.moniker,
        other: { tx_index: "on", rpc_address: env.nodeInfo.rpcAddress },
      },
      application_version: {
        name: "open",
        app_name: "openledgerd",
        version: opts.appVersion ?? "0.1.0",
        git_commit: "",
        build_tags: "",
        go_version: "",
        build_deps: [],
        cosmos_sdk_version: "v0.50.10",
      },
    })),
    compile("GET", "/cosmos/base/tendermint/v1beta1/syncing", async () => ({ syncing: env.catchingUp() })),
    // cosmos.base.node.v1beta1.Service (SDK 0.50): the node's config and its latest committed state
    compile("GET", "/cosmos/base/node/v1beta1/config", async () => ({ minimum_gas_price: opts.minGasPrices ?? "", pruning_keep_recent: "0", pruning_interval: "0", halt_height: "0" })),
    compile("GET", "/cosmos/base/node/v1beta1/status", async () => {
      const h = latestHeight();
      const header = h === 0n ? undefined : ((blockAt(h).block as Obj).header as Obj);
      return {
        earliest_store_height: int(env.blockStore.base()),
        height: int(h),
        timestamp: header?.time ?? null,
        app_hash: header?.app_hash ?? null,
        validator_hash: header?.validators_hash ?? null,
      };
    }),
    // cosmos.base.tendermint.v1beta1.Service/ABCIQuery (SDK 0.50 cmtservice): app/store/p2p/custom paths only (gRPC methods have their own routes)
    compile("GET", "/cosmos/base/tendermint/v1beta1/abci_query", async (c) => {
      const path = c.params.last["path"] ?? "";
      if (path === "") throw new RestError(GrpcCode.InvalidArgument, "empty query path");
      const first = path.replace(/^\//, "").split("/")[0] ?? "";
      if (!["app", "store", "p2p", "custom"].includes(first)) throw new RestError(GrpcCode.InvalidArgument, `ABCI query path not supported: ${path}`);
      let data: Uint8Array;
      try {
        data = fromBase64(c.params.last["data"] ?? "");
      } catch {
        throw new RestError(GrpcCode.InvalidArgument, "data: invalid base64");
      }
      const height = uintParam(c.params, "height", 0n);
      const r = await env.app.query({ path, data, height, prove: c.params.last["prove"] === "true" });
      const nullIfEmpty = (b: Uint8Array): string | null => (b.length === 0 ? null : b64(b));
      return {
        code: r.code,
        log: r.log,
        info: r.info,
        index: int(r.index),
        key: nullIfEmpty(r.key),
        value: nullIfEmpty(r.value),
        proof_ops: r.proofOps === null || r.proofOps.ops.length === 0 ? null : { ops: r.proofOps.ops.map((op) => ({ type: op.type, key: b64(op.key), data: b64(op.data) })) },
        height: int(r.code === 0 && r.height === 0n ? latestHeight() : r.height),
        codespace: r.codespace,
      };
    }),
    // cosmos.consensus.v1.Query/Params (SDK 0.50 x/consensus): the consensus params in force for the next block, from the node's state
    compile("GET", "/cosmos/consensus/v1/params", async () => {
      const h = latestHeight();
      const p = env.state.loadConsensusParams(h + 1n) ?? (h > 0n ? env.state.loadConsensusParams(h) : undefined) ?? env.genesis.consensusParams;
      const ns = p.evidence.maxAgeDurationNs;
      const frac = (ns % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
      return {
        params: {
          block: { max_bytes: int(p.block.maxBytes), max_gas: int(p.block.maxGas) },
          evidence: { max_age_num_blocks: int(p.evidence.maxAgeNumBlocks), max_age_duration: `${ns / 1_000_000_000n}${frac === "" ? "" : `.${frac}`}s`, max_bytes: int(p.evidence.maxBytes) },
          validator: { pub_key_types: [...p.validator.pubKeyTypes] },
          version: { app: int(p.version.app) },
          abci: { vote_extensions_enable_height: int(p.abci.voteExtensionsEnableHeight) },
        },
      };
    }),
    // no x/upgrade module: no upgrade plan is ever scheduled (SDK answers {plan: null} when none is)
    compile("GET", "/cosmos/upgrade/v1beta1/current_plan", async () => ({ plan: null })),
    compile("GET", "/cosmos/base/tendermint/v1beta1/blocks/latest", async () => {
      const h = latestHeight();
      if (h === 0n) throw new RestError(GrpcCode.NotFound, "no blocks yet");
      return blockAt(h);
    }),
    compile("GET", "/cosmos/base/tendermint/v1beta1/blocks/{height}", async (c) => {
      const h = heightParam(c.path.height as string);
      if (h > latestHeight()) throw new RestError(GrpcCode.InvalidArgument, "requested block height is bigger then the chain length");
      return blockAt(h);
    }),
    compile("GET", "/cosmos/base/tendermint/v1beta1/validatorsets/latest", async (c) => validatorSet(latestHeight(), c.params)),
    compile("GET", "/cosmos/base/tendermint/v1beta1/validatorsets/{height}", async (c) => {
      const h = heightParam(c.path.height as string);
      if (h > latestHeight()) throw new RestError(GrpcCode.InvalidArgument, "requested block height is bigger then the chain length");
      return validatorSet(h, c.params);
    }),
    compile("GET", "/cosmos/tx/v1beta1/txs/block/{height}", async (c) => {
      const h = heightParam(c.path.height as string);
      const b = blockAt(h) as { block_id: Json; block: Json };
      const block = env.blockStore.loadBlock(h) as Block;
      return { txs: block.data.txs.map(txJson), block_id: b.block_id, block: b.block, pagination: pageResponse(block.data.txs.length) };
    }),
    compile("GET", "/cosmos/tx/v1beta1/txs/{hash}", async (c) => {
      const hash = c.path.hash as string;
      let bytes: Uint8Array;
      try {
        bytes = fromHex(hash.toLowerCase());
      } catch {
        throw new RestError(GrpcCode.InvalidArgument, `invalid tx hash ${hash}`);
      }
      const r = bytes.length === 32 ? env.txIndex.getByHash(bytes) : undefined;
      if (r === undefined) throw new RestError(GrpcCode.NotFound, `tx not found: ${hash}`);
      return { tx: txJson(r.tx), tx_response: recordResponse(r) };
    }),
    compile("GET", "/cosmos/tx/v1beta1/txs", (c) => searchTxs(c.params)),
    compile("POST", "/cosmos/tx/v1beta1/txs", (c) => broadcast(c.body)),
    compile("POST", "/cosmos/tx/v1beta1/simulate", (c) => simulate(c.body)),
    ...QUERY_ROUTES.map((q) => compile("GET", q.pattern, (c) => appQuery(q, c), q.grpc.slice(1))),
  ];

  /** the route for method + pathname and its path parameters (undefined: none). */
  function match(method: string, pathname: string): { route: Route; path: Record<string, string> } | undefined {
    for (const r of routes) {
      if (r.method !== method) continue;
      const m = r.re.exec(pathname);
      if (m === null) continue;
      const path: Record<string, string> = {};
      r.names.forEach((n, i) => {
        path[n] = decodeURIComponent(m[i + 1] as string);
      });
      return { route: r, path };
    }
    return undefined;
  }

  async function call(method: "GET" | "POST", url: string, body?: unknown, height?: bigint): Promise<Json> {
    const q = url.indexOf("?");
    const params = parseQueryString(q < 0 ? "" : url.slice(q + 1));
    if (height !== undefined && height > 0n) params.last["x-cosmos-block-height"] = height.toString();
    const hit = match(method, q < 0 ? url : url.slice(0, q));
    if (hit === undefined) throw new RestError(GrpcCode.Unimplemented, "Not Implemented");
    return hit.route.handler({ params, path: hit.path, body });
  }

  // ------------------------------------------------------------ HTTP

  function send(res: ServerResponse, status: number, body: Json): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json",
      "access-control-allow-origin": "*",
      "x-cosmos-block-height": latestHeight().toString(),
    });
    res.end(text);
  }

  function sendError(res: ServerResponse, e: unknown): void {
    const err = e instanceof RestError ? e : new RestError(GrpcCode.Internal, e instanceof Error ? e.message : String(e));
    if (!(e instanceof RestError)) log?.warn({ err: e }, "rest handler failed");
    send(res, httpStatusOf(err.grpcCode), { code: err.grpcCode, message: err.message, details: [] });
  }

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of req) {
      n += (c as Buffer).length;
      if (n > maxBody) throw new RestError(GrpcCode.InvalidArgument, "request body too large");
      chunks.push(c as Buffer);
    }
    const text = fromUtf8(Buffer.concat(chunks));
    if (text.trim() === "") return {};
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new RestError(GrpcCode.InvalidArgument, "request body is not valid JSON");
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === "OPTIONS") {
      res.writeHead(204, {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "GET, POST, OPTIONS",
        "access-control-allow-headers": req.headers["access-control-request-headers"] ?? "content-type",
        "access-control-max-age": "86400",
      });
      res.end();
      return;
    }
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const pathname = q < 0 ? url : url.slice(0, q);
    try {
      const params = parseQueryString(q < 0 ? "" : url.slice(q + 1));
      const h = req.headers["x-cosmos-block-height"];
      if (typeof h === "string") params.last["x-cosmos-block-height"] = h;
      const hit = match(req.method ?? "GET", pathname);
      if (hit !== undefined) {
        const body = req.method === "POST" ? await readBody(req) : undefined;
        send(res, 200, await hit.route.handler({ params, path: hit.path, body }));
        return;
      }
      if (req.method === "GET" && extra !== undefined) {
        const r = await extra(pathname, routeTable());
        if (r !== undefined) {
          res.writeHead(200, { "content-type": r.contentType, "access-control-allow-origin": "*", "cache-control": "no-cache" });
          res.end(r.body);
          return;
        }
      }
      send(res, 501, { code: 12, message: "Not Implemented", details: [] });
    } catch (e) {
      sendError(res, e);
    }
  }

  function routeTable(): { method: "GET" | "POST"; pattern: string; grpc?: string }[] {
    return routes.map((r) => ({ method: r.method, pattern: r.pattern, ...(r.grpc !== undefined ? { grpc: r.grpc } : {}) }));
  }
  const extra = opts.extraGet;

  return {
    call,
    routeTable,
    async listen() {
      const { host, port } = parseLaddr(opts.laddr);
      const srv = createServer((req, res) => {
        handle(req, res).catch((e: unknown) => {
          log?.error({ err: e }, "rest request failed");
          if (!res.headersSent) sendError(res, e);
          else res.destroy();
        });
      });
      srv.on("connection", (s: Socket) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
      });
      server = srv;
      await new Promise<void>((resolve, reject) => {
        srv.once("error", reject);
        srv.listen(port, host, () => {
          srv.off("error", reject);
          resolve();
        });
      });
      const addr = srv.address();
      return { host, port: typeof addr === "object" && addr !== null ? addr.port : port };
    },
    async close() {
      const srv = server;
      if (srv === undefined) return;
      server = undefined;
      await new Promise<void>((resolve) => {
        srv.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

/** the default-valued response of a query the app does not serve, with pagination {next_key: null, total: "0"}. */
export function emptyResponse(codec: Codec): Obj {
  const out = protoJson(codec, codec.fromJSON({}));
  if ("pagination" in out && out.pagination === null) out.pagination = pageResponse(0);
  return out;
}
