/**
 * The CometBFT-compatible JSON-RPC server (rpc/jsonrpc/server): JSON-RPC 2.0 over HTTP POST / (single
 * or batch), URI calls `GET /<method>?arg=…`, `GET /` listing the routes, CORS, and the WebSocket at
 * /websocket with subscribe/unsubscribe/unsubscribe_all. Every request is answered; handler failures,
 * malformed bodies and bad frames become JSON-RPC errors (HTTP 200) and never reach the process.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Logger } from "pino";
import { WebSocket, WebSocketServer } from "ws";
import type { ValidatorUpdate } from "../../modules/core/abci.ts";
import { toHex } from "../../modules/core/bytes.ts";
import { addressFromSecp256k1 } from "../../modules/core/hash.ts";
import { ed25519Address } from "../crypto/ed25519.ts";
import { evidenceJson, voteJson } from "./evidenceJson.ts";
import { matches, type Query } from "../types/query.ts";
import type { BusEvent, RpcEnv } from "./env.ts";
import { errorObject, type JsonRpcErrorObject, RpcError, RpcErrorCode } from "./errors.ts";
import { blockIdJson, blockJson, eventJson, execTxResultJson, finalizeBlockJson, headerJson, hex, int, type Json, b64, pubKeyJson } from "./json.ts";
import { argsFromJson, argsFromUri } from "./params.ts";
import { parseQueryParam, type RouteContext, ROUTES } from "./routes.ts";

export interface RpcServerOptions {
  /** "127.0.0.1:26657", "tcp://0.0.0.0:26657"; port 0 picks a free port. */
  laddr: string;
  corsAllowedOrigins: string[];
  maxBodyBytes: number;
  maxSubscriptionsPerClient: number;
  timeoutBroadcastTxCommitMs: number;
  logger?: Logger;
}

export interface RpcServer {
  listen(): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
}

type Id = number | string | null;

interface JsonRpcResponse {
  jsonrpc: "2.0";
  id: Id;
  result?: Json;
  error?: JsonRpcErrorObject;
}

/** CometBFT's id for URI calls. */
const URI_ID = -1;
/** a WebSocket client whose send buffer exceeds this is too slow and is disconnected. */
const WS_MAX_BUFFERED = 32 * 1024 * 1024;
const WS_PING_MS = 30_000;

const utf8Strict = new TextDecoder("utf-8", { fatal: true });

export function parseLaddr(laddr: string): { host: string; port: number } {
  const s = laddr.replace(/^tcp:\/\//, "");
  const i = s.lastIndexOf(":");
  if (i < 0) throw new Error(`invalid rpc laddr ${JSON.stringify(laddr)}: want host:port`);
  const host = s.slice(0, i).replace(/^\[(.*)\]$/, "$1") || "0.0.0.0";
  const port = Number(s.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid rpc port in ${JSON.stringify(laddr)}`);
  return { host, port };
}

function errResponse(id: Id, e: RpcError): JsonRpcResponse {
  return { jsonrpc: "2.0", id, error: errorObject(e) };
}

function toRpcError(e: unknown): RpcError {
  if (e instanceof RpcError) return e;
  return new RpcError(RpcErrorCode.InternalError, e instanceof Error ? e.message : String(e));
}

function validId(id: unknown): id is Id {
  return id === null || typeof id === "string" || (typeof id === "number" && Number.isFinite(id));
}

/** the events map of a bus event, as CometBFT's pubsub matches queries against it. */
export function busEventMap(ev: BusEvent): Record<string, string[]> {
  const m: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  const add = (events: readonly { type: string; attributes: readonly { key: string; value: string }[] }[]): void => {
    for (const e of events) for (const a of e.attributes) if (e.type !== "" && a.key !== "") (m[`${e.type}.${a.key}`] ??= []).push(a.value);
  };
  switch (ev.type) {
    case "NewBlock":
      add(ev.result.events);
      m["tm.event"] = ["NewBlock"];
      m["block.height"] = [ev.block.header.height.toString()];
      break;
    case "NewBlockHeader":
      m["tm.event"] = ["NewBlockHeader"];
      m["block.height"] = [ev.block.header.height.toString()];
      break;
    case "NewBlockEvents":
      add(ev.events);
      m["tm.event"] = ["NewBlockEvents"];
      m["block.height"] = [ev.height.toString()];
      break;
    case "NewEvidence":
      m["tm.event"] = ["NewEvidence"];
      break;
    case "Tx":
      add(ev.tx.result.events);
      m["tm.event"] = ["Tx"];
      m["tx.hash"] = [toHex(ev.tx.hash).toUpperCase()];
      m["tx.height"] = [ev.tx.height.toString()];
      break;
    case "ValidatorSetUpdates":
      m["tm.event"] = ["ValidatorSetUpdates"];
      break;
    default:
      // consensus events (consensusEvents.ts): matched on tm.event only, as in CometBFT
      m["tm.event"] = [ev.type];
  }
  return m;
}

/** types.Validator of an ABCI validator update (PB2TM.ValidatorUpdates: address from the key, priority 0). */
function updatedValidatorJson(u: ValidatorUpdate): Json {
  const address = u.pubKey.type === "ed25519" ? ed25519Address(u.pubKey.bytes) : addressFromSecp256k1(u.pubKey.bytes);
  return { address: hex(address), pub_key: pubKeyJson({ type: u.pubKey.type, value: u.pubKey.bytes }), voting_power: int(u.power), proposer_priority: "0" };
}

function busEventData(ev: BusEvent): Json {
  switch (ev.type) {
    case "NewBlock":
      return {
        type: "tendermint/event/NewBlock",
        value: { block: blockJson(ev.block), block_id: blockIdJson(ev.blockId), result_finalize_block: finalizeBlockJson(ev.result) },
      };
    case "NewBlockHeader":
      return { type: "tendermint/event/NewBlockHeader", value: { header: headerJson(ev.block.header) } };
    case "NewBlockEvents":
      return { type: "tendermint/event/NewBlockEvents", value: { height: int(ev.height), events: ev.events.map(eventJson), num_txs: int(ev.numTxs) } };
    case "NewEvidence":
      return { type: "tendermint/event/NewEvidence", value: { evidence: evidenceJson(ev.evidence), height: int(ev.height) } };
    case "Tx":
      return {
        type: "tendermint/event/Tx",
        value: { TxResult: { height: int(ev.tx.height), index: ev.tx.index, tx: b64(ev.tx.tx), result: execTxResultJson(ev.tx.result) } },
      };
    case "ValidatorSetUpdates":
      return { type: "tendermint/event/ValidatorSetUpdates", value: { validator_updates: ev.updates.map(updatedValidatorJson) } };
    case "NewRound":
      return { type: "tendermint/event/NewRound", value: { height: int(ev.height), round: ev.round, step: ev.step, proposer: { address: hex(ev.proposer.address), index: ev.proposer.index } } };
    case "CompleteProposal":
      return { type: "tendermint/event/CompleteProposal", value: { height: int(ev.height), round: ev.round, step: ev.step, block_id: blockIdJson(ev.blockId) } };
    case "Vote":
      return { type: "tendermint/event/Vote", value: { Vote: voteJson(ev.vote) } };
    default:
      // EventDataRoundState: NewRoundStep, Polka, Lock, Relock, ValidBlock, TimeoutPropose, TimeoutWait
      return { type: "tendermint/event/RoundState", value: { height: int(ev.height), round: ev.round, step: ev.step } };
  }
}

function isBroadcastSync(item: unknown): boolean {
  return typeof item === "object" && item !== null && (item as { method?: unknown }).method === "broadcast_tx_sync";
}

export function createRpcServer(env: RpcEnv, opts: RpcServerOptions): RpcServer {
  const log = opts.logger; // the caller names the component (node.ts: child({module: "rpc"}))
  const ctx: RouteContext = { env, timeoutBroadcastTxCommitMs: opts.timeoutBroadcastTxCommitMs };
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let wss: WebSocketServer | undefined;
  let closed = false;

  // ------------------------------------------------------------ one request

  async function call(method: string, args: () => ReturnType<typeof argsFromJson>): Promise<Json> {
    const route = Object.hasOwn(ROUTES, method) ? ROUTES[method] : undefined;
    if (route === undefined) throw new RpcError(RpcErrorCode.MethodNotFound, undefined);
    return route.handler(args(), ctx);
  }

  /** handles one parsed JSON-RPC request object; undefined for notifications (no id), as CometBFT. */
  async function handleRequest(
    req: unknown,
    ws?: (method: string, id: Id, params: unknown) => Promise<Json> | undefined,
  ): Promise<JsonRpcResponse | undefined> {
    if (typeof req !== "object" || req === null || Array.isArray(req)) {
      return errResponse(null, new RpcError(RpcErrorCode.InvalidRequest, "request must be a JSON object"));
    }
    const r = req as Record<string, unknown>;
    const id = r.id;
    if (id !== undefined && !validId(id)) {
      return errResponse(null, new RpcError(RpcErrorCode.InvalidRequest, "id must be a number, a string or null"));
    }
    if (r.jsonrpc !== "2.0") {
      return errResponse(id ?? null, new RpcError(RpcErrorCode.InvalidRequest, 'jsonrpc must be "2.0"'));
    }
    if (typeof r.method !== "string") {
      return errResponse(id ?? null, new RpcError(RpcErrorCode.InvalidRequest, "method must be a string"));
    }
    if (id === undefined || id === null) {
      log?.debug({ method: r.method }, "skipping JSON-RPC notification (no id)");
      return undefined;
    }
    const method = r.method;
    try {
      const wsResult = ws?.(method, id, r.params);
      const result = wsResult !== undefined ? await wsResult : await call(method, () => argsFromJson(ROUTES[method]?.params ?? [], r.params));
      return { jsonrpc: "2.0", id, result };
    } catch (e) {
      const err = toRpcError(e);
      if (!(e instanceof RpcError)) log?.warn({ method, err: e }, "rpc handler failed");
      return errResponse(id, err);
    }
  }

  /** a request body or WS frame (text) → the response text ("" when nothing is to be sent). */
  async function handleText(
    text: string,
    ws?: (method: string, id: Id, params: unknown) => Promise<Json> | undefined,
  ): Promise<string> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      return JSON.stringify(errResponse(null, new RpcError(RpcErrorCode.ParseError, `error unmarshaling request: ${e instanceof Error ? e.message : ""}`)));
    }
    if (Array.isArray(parsed)) {
      if (parsed.length === 0) return JSON.stringify(errResponse(null, new RpcError(RpcErrorCode.InvalidRequest, "empty batch")));
      const out: JsonRpcResponse[] = [];
      for (let i = 0; i < parsed.length; ) {
        if (!isBroadcastSync(parsed[i])) {
          const res = await handleRequest(parsed[i++], ws);
          if (res !== undefined) out.push(res);
          continue;
        }
        // a run of broadcast_tx_sync items starts together (each enters the mempool in order, which keeps
        // it: CheckTx still runs one at a time, in batch order), so the mempool can pre-verify them at once
        const run: Promise<JsonRpcResponse | undefined>[] = [];
        while (i < parsed.length && isBroadcastSync(parsed[i])) run.push(handleRequest(parsed[i++], ws));
        for (const res of await Promise.all(run)) if (res !== undefined) out.push(res);
      }
      return out.length === 0 ? "" : JSON.stringify(out);
    }
    const res = await handleRequest(parsed, ws);
    return res === undefined ? "" : JSON.stringify(res);
  }

  // ------------------------------------------------------------ HTTP

  function corsHeaders(req: IncomingMessage, res: ServerResponse): void {
    const allowed = opts.corsAllowedOrigins;
    if (allowed.length === 0) return;
    const origin = req.headers.origin;
    if (allowed.includes("*")) res.setHeader("Access-Control-Allow-Origin", "*");
    else if (typeof origin === "string" && allowed.includes(origin)) {
      res.setHeader("Access-Control-Allow-Origin", origin);
      res.setHeader("Vary", "Origin");
    } else return;
    res.setHeader("Access-Control-Allow-Methods", "HEAD, GET, POST, OPTIONS");
    res.setHeader("Access-Control-Allow-Headers", "Origin, Accept, Content-Type, X-Requested-With, X-Server-Time");
    res.setHeader("Access-Control-Max-Age", "600");
  }

  function send(res: ServerResponse, status: number, body: string, type = "application/json"): void {
    if (res.headersSent || res.writableEnded) return;
    res.statusCode = status;
    res.setHeader("Content-Type", type);
    res.setHeader("Content-Length", Buffer.byteLength(body));
    res.end(body);
  }

  function tooLarge(req: IncomingMessage, res: ServerResponse): void {
    const body = JSON.stringify(errResponse(null, new RpcError(RpcErrorCode.InvalidRequest, `request body exceeds ${opts.maxBodyBytes} bytes`)));
    res.setHeader("Connection", "close");
    send(res, 413, body);
    req.resume();
    // stop reading an oversize stream: close the socket once the answer is out
    res.on("finish", () => req.socket.destroySoon?.());
  }

  function readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const declared = Number(req.headers["content-length"] ?? "NaN");
      if (Number.isFinite(declared) && declared > opts.maxBodyBytes) {
        tooLarge(req, res);
        resolve(undefined);
        return;
      }
      const chunks: Buffer[] = [];
      let n = 0;
      let done = false;
      req.on("data", (c: Buffer) => {
        if (done) return;
        n += c.length;
        if (n > opts.maxBodyBytes) {
          done = true;
          tooLarge(req, res);
          resolve(undefined);
          return;
        }
        chunks.push(c);
      });
      req.on("end", () => {
        if (!done) {
          done = true;
          resolve(Buffer.concat(chunks));
        }
      });
      req.on("error", () => {
        if (!done) {
          done = true;
          resolve(undefined);
        }
      });
    });
  }

  function routeList(host: string | undefined): string {
    const h = host ?? "localhost";
    const names = Object.keys(ROUTES).filter((n) => !ROUTES[n]?.wsOnly).sort();
    const noArgs = names.filter((n) => ROUTES[n]?.params.length === 0);
    const withArgs = names.filter((n) => (ROUTES[n]?.params.length ?? 0) > 0);
    const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    let s = "<html><body><br>Available endpoints:<br>";
    for (const n of noArgs) s += `<a href="//${esc(h)}/${n}">//${esc(h)}/${n}</a></br>`;
    s += "<br>Endpoints that require arguments:<br>";
    for (const n of withArgs) {
      const args = (ROUTES[n]?.params ?? []).map((p) => `${p.name}=_`).join("&");
      s += `<a href="//${esc(h)}/${n}?${args}">//${esc(h)}/${n}?${args}</a></br>`;
    }
    s += "<br>WebSocket: /websocket (subscribe, unsubscribe, unsubscribe_all)</body></html>";
    return s;
  }

  async function onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    corsHeaders(req, res);
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://localhost");
    } catch {
      send(res, 400, JSON.stringify(errResponse(null, new RpcError(RpcErrorCode.InvalidRequest, "bad URL"))));
      return;
    }
    const method = req.method ?? "GET";
    if (method === "OPTIONS") {
      res.statusCode = 204;
      res.end();
      return;
    }
    if (method === "POST") {
      if (url.pathname !== "/") {
        send(res, 404, JSON.stringify(errResponse(null, new RpcError(RpcErrorCode.MethodNotFound, "JSON-RPC is served on POST /"))));
        return;
      }
      const body = await readBody(req, res);
      if (body === undefined) return;
      let text: string;
      try {
        text = utf8Strict.decode(body);
      } catch {
        send(res, 200, JSON.stringify(errResponse(null, new RpcError(RpcErrorCode.ParseError, "request body is not valid UTF-8"))));
        return;
      }
      const out = await handleText(text);
      send(res, 200, out);
      return;
    }
    if (method !== "GET" && method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD, POST, OPTIONS");
      send(res, 405, JSON.stringify(errResponse(null, new RpcError(RpcErrorCode.InvalidRequest, `HTTP method ${method} not allowed`))));
      return;
    }
    const name = url.pathname.slice(1);
    if (name === "") {
      send(res, 200, routeList(req.headers.host), "text/html");
      return;
    }
    const route = Object.hasOwn(ROUTES, name) ? ROUTES[name] : undefined;
    if (route === undefined || route.wsOnly === true) {
      const why = name === "websocket" ? "use a WebSocket upgrade on /websocket" : `unknown method ${name.slice(0, 60)}`;
      send(res, 404, JSON.stringify(errResponse(URI_ID, new RpcError(RpcErrorCode.MethodNotFound, why))));
      return;
    }
    let response: JsonRpcResponse;
    try {
      const result = await call(name, () => argsFromUri(route.params, url.searchParams));
      response = { jsonrpc: "2.0", id: URI_ID, result };
    } catch (e) {
      if (!(e instanceof RpcError)) log?.warn({ method: name, err: e }, "rpc handler failed");
      response = errResponse(URI_ID, toRpcError(e));
    }
    send(res, 200, JSON.stringify(response));
  }

  // ------------------------------------------------------------ WebSocket

  function onConnection(sock: WebSocket, remote: string): void {
    const subs = new Map<string, { id: Id; query: Query }>();
    let offBus: (() => void) | undefined;
    let alive = true;

    const push = (text: string): void => {
      if (sock.readyState !== WebSocket.OPEN) return;
      if (sock.bufferedAmount > WS_MAX_BUFFERED) {
        log?.warn({ remote }, "closing slow WebSocket client");
        sock.terminate();
        return;
      }
      sock.send(text, (err) => {
        if (err !== undefined && err !== null) log?.debug({ remote, err }, "ws send failed");
      });
    };

    const onEvent = (ev: BusEvent): void => {
      if (subs.size === 0) return;
      const map = busEventMap(ev);
      let data: Json | undefined;
      for (const [qtext, sub] of subs) {
        if (!matches(sub.query, map)) continue;
        data ??= busEventData(ev);
        push(JSON.stringify({ jsonrpc: "2.0", id: sub.id, result: { query: qtext, data, events: map } }));
      }
    };

    const wsMethods = (method: string, id: Id, params: unknown): Promise<Json> | undefined => {
      if (method !== "subscribe" && method !== "unsubscribe" && method !== "unsubscribe_all") return undefined;
      return (async (): Promise<Json> => {
        const args = argsFromJson(ROUTES[method]?.params ?? [], params);
        if (method === "unsubscribe_all") {
          if (subs.size === 0) throw new RpcError(RpcErrorCode.InternalError, "subscription not found");
          subs.clear();
          return {};
        }
        const text = typeof args.query === "string" ? args.query : undefined;
        const query = parseQueryParam(text);
        const key = text as string;
        if (method === "unsubscribe") {
          if (!subs.delete(key)) throw new RpcError(RpcErrorCode.InternalError, "subscription not found");
          return {};
        }
        if (subs.has(key)) throw new RpcError(RpcErrorCode.InternalError, "already subscribed");
        if (subs.size >= opts.maxSubscriptionsPerClient) {
          throw new RpcError(RpcErrorCode.InternalError, `max_subscriptions_per_client ${opts.maxSubscriptionsPerClient} reached`);
        }
        subs.set(key, { id, query });
        offBus ??= env.events.on(onEvent);
        return {};
      })();
    };

    sock.on("message", (data, isBinary) => {
      void (async () => {
        try {
          let text: string;
          const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
          try {
            text = utf8Strict.decode(buf);
          } catch {
            push(JSON.stringify(errResponse(null, new RpcError(RpcErrorCode.ParseError, "frame is not valid UTF-8"))));
            return;
          }
          if (isBinary) log?.debug({ remote }, "binary WebSocket frame read as text");
          const out = await handleText(text, wsMethods);
          if (out !== "") push(out);
        } catch (e) {
          log?.warn({ remote, err: e }, "ws frame failed");
          push(JSON.stringify(errResponse(null, toRpcError(e))));
        }
      })();
    });
    sock.on("pong", () => {
      alive = true;
    });
    const ping = setInterval(() => {
      if (!alive) {
        sock.terminate();
        return;
      }
      alive = false;
      try {
        sock.ping();
      } catch {
        // closed meanwhile
      }
    }, WS_PING_MS);
    ping.unref();
    sock.on("error", (err) => log?.debug({ remote, err }, "ws error"));
    sock.on("close", () => {
      clearInterval(ping);
      subs.clear();
      offBus?.();
    });
  }

  // ------------------------------------------------------------ lifecycle

  return {
    async listen() {
      if (server !== undefined) throw new Error("rpc server already listening");
      const { host, port } = parseLaddr(opts.laddr);
      const srv = createServer((req, res) => {
        onHttp(req, res).catch((e: unknown) => {
          log?.error({ err: e }, "rpc request failed");
          send(res, 500, JSON.stringify(errResponse(null, toRpcError(e))));
        });
      });
      srv.requestTimeout = Math.max(60_000, opts.timeoutBroadcastTxCommitMs + 10_000);
      srv.headersTimeout = 30_000;
      srv.on("connection", (s: Socket) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
      });
      srv.on("clientError", (_err, s: Socket) => {
        if (s.writable) s.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
        else s.destroy();
      });
      const ws = new WebSocketServer({ noServer: true, maxPayload: opts.maxBodyBytes, perMessageDeflate: false });
      ws.on("connection", (sock, req: IncomingMessage) => {
        onConnection(sock, `${req.socket.remoteAddress ?? "?"}:${req.socket.remotePort ?? 0}`);
      });
      srv.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
        let path = "";
        try {
          path = new URL(req.url ?? "/", "http://localhost").pathname;
        } catch {
          // bad URL: refused below
        }
        if (path !== "/websocket" || closed) {
          socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
          return;
        }
        ws.handleUpgrade(req, socket, head, (client) => ws.emit("connection", client, req));
      });
      server = srv;
      wss = ws;
      await new Promise<void>((resolve, reject) => {
        srv.once("error", reject);
        srv.listen(port, host, () => {
          srv.off("error", reject);
          resolve();
        });
      });
      srv.on("error", (err) => log?.error({ err }, "rpc server error"));
      const addr = srv.address();
      const bound = typeof addr === "object" && addr !== null ? { host: addr.address, port: addr.port } : { host, port };
      log?.info(bound, "JSON-RPC server listening");
      return bound;
    },

    async close() {
      closed = true;
      if (wss !== undefined) {
        for (const c of wss.clients) c.terminate();
        await new Promise<void>((resolve) => wss?.close(() => resolve()));
      }
      if (server !== undefined) {
        const srv = server;
        const done = new Promise<void>((resolve) => srv.close(() => resolve()));
        srv.closeIdleConnections();
        for (const s of sockets) s.destroy();
        await done;
      }
    },
  };
}
