/**
 * The OpenAPI 3.0 document of the REST API, generated from the route table (server.ts routeTable():
 * every route the server answers) and, for app-query routes, the request codec's fields (query
 * parameters) and the gRPC method (operationId, description). Served at /swagger/openapi.json, with a
 * small HTML page at /swagger (no CDN: it renders the document itself).
 */
import type { Json } from "../rpc/json.ts";
import { protoJson, snake } from "./protoJson.ts";
import { QUERY_ROUTES } from "./routes.ts";

type Obj = { [k: string]: Json };
export type RouteTable = { method: "GET" | "POST"; pattern: string; grpc?: string }[];

/** hand-written parameters of the store-backed routes (tendermint and tx Services). */
const STORE_ROUTES: Record<string, { summary: string; query?: string[]; body?: Obj }> = {
  "GET /cosmos/base/tendermint/v1beta1/node_info": { summary: "Node and application version info (GetNodeInfo)." },
  "GET /cosmos/base/tendermint/v1beta1/syncing": { summary: "Whether the node is catching up (GetSyncing)." },
  "GET /cosmos/base/tendermint/v1beta1/blocks/latest": { summary: "The latest block (GetLatestBlock)." },
  "GET /cosmos/base/tendermint/v1beta1/blocks/{height}": { summary: "The block at a height (GetBlockByHeight)." },
  "GET /cosmos/base/tendermint/v1beta1/validatorsets/latest": { summary: "The latest validator set (GetLatestValidatorSet).", query: ["pagination.offset", "pagination.limit"] },
  "GET /cosmos/base/tendermint/v1beta1/validatorsets/{height}": { summary: "The validator set at a height (GetValidatorSetByHeight).", query: ["pagination.offset", "pagination.limit"] },
  "GET /cosmos/base/tendermint/v1beta1/abci_query": { summary: "An ABCI query of an /app, /store, /p2p or /custom path (ABCIQuery).", query: ["path", "data", "height", "prove"] },
  "GET /cosmos/consensus/v1/params": { summary: "The consensus params in force for the next block (x/consensus Params)." },
  "GET /cosmos/tx/v1beta1/txs/block/{height}": { summary: "The decoded txs of a block (GetBlockWithTxs)." },
  "GET /cosmos/tx/v1beta1/txs/{hash}": { summary: "A tx by hash (GetTx)." },
  "GET /cosmos/tx/v1beta1/txs": { summary: "Txs matching a CometBFT event query (GetTxsEvent).", query: ["query", "events", "order_by", "page", "limit", "pagination.offset", "pagination.limit"] },
  "POST /cosmos/tx/v1beta1/txs": {
    summary: "Broadcast a signed tx (BroadcastTx).",
    body: { type: "object", properties: { tx_bytes: { type: "string", format: "byte" }, mode: { type: "string", enum: ["BROADCAST_MODE_SYNC", "BROADCAST_MODE_ASYNC"] } }, required: ["tx_bytes"] },
  },
  "POST /cosmos/tx/v1beta1/simulate": { summary: "Simulate a tx for its gas (Simulate).", body: { type: "object", properties: { tx_bytes: { type: "string", format: "byte" } }, required: ["tx_bytes"] } },
};

/** dotted query parameter names of a request codec's fields (nested messages flattened one level, e.g. pagination.limit). */
function fieldsOf(codec: { fromJSON(o: unknown): unknown }): string[] {
  const out: string[] = [];
  const walk = (o: unknown, prefix: string, depth: number) => {
    for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
      const name = `${prefix}${snake(k)}`;
      if (v !== null && typeof v === "object" && !(v instanceof Uint8Array) && !Array.isArray(v) && depth < 1) walk(v, `${name}.`, depth + 1);
      else out.push(name);
    }
  };
  const sample = codec.fromJSON({});
  walk(sample, "", 0);
  if (out.includes("pagination") || "pagination" in (sample as object)) {
    out.splice(out.indexOf("pagination"), out.includes("pagination") ? 1 : 0);
    out.push("pagination.key", "pagination.offset", "pagination.limit", "pagination.count_total", "pagination.reverse");
  }
  return [...new Set(out)];
}

/** a JSON schema of a default-valued gateway response (every field present: scalars typed, unset messages nullable objects). */
function schemaOf(j: Json): Obj {
  if (j === null) return { type: "object", nullable: true };
  if (Array.isArray(j)) return { type: "array", items: {} };
  if (typeof j === "string") return { type: "string" };
  if (typeof j === "number") return { type: "integer" };
  if (typeof j === "boolean") return { type: "boolean" };
  const properties: Obj = {};
  for (const [k, v] of Object.entries(j)) properties[k] = schemaOf(v);
  return { type: "object", properties };
}

const ERROR_SCHEMA: Obj = {
  type: "object",
  properties: { code: { type: "integer", description: "gRPC status code" }, message: { type: "string" }, details: { type: "array", items: { type: "object" } } },
};

export function openApiDocument(routes: RouteTable, info: { chainId: string; version: string }): Obj {
  const byPattern = new Map(QUERY_ROUTES.map((q) => [q.pattern, q]));
  const paths: Obj = {};
  for (const r of routes) {
    const pathParams = [...r.pattern.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
    const q = r.method === "GET" ? byPattern.get(r.pattern) : undefined;
    const store = STORE_ROUTES[`${r.method} ${r.pattern}`];
    const queryParams = q !== undefined ? fieldsOf(q.req).filter((f) => !pathParams.includes(f)) : (store?.query ?? []);
    const grpc = q?.grpc.slice(1) ?? r.grpc;
    const tag = r.pattern.split("/").slice(1, 3).join(".");
    const op: Obj = {
      operationId: `${r.method.toLowerCase()}${r.pattern.replace(/\{(\w+)\}/g, "By_$1").replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? "").toUpperCase())}`,
      summary: store?.summary ?? (grpc !== undefined ? `gRPC ${grpc}` : r.pattern),
      ...(grpc !== undefined ? { description: `Gateway of the gRPC method /${grpc} (the same path is the ABCI query path).` } : {}),
      tags: [tag],
      parameters: [
        ...pathParams.map((n) => ({ name: n, in: "path", required: true, schema: { type: "string" } })),
        ...queryParams.map((n) => ({ name: n, in: "query", required: false, schema: { type: "string" } })),
        { name: "x-cosmos-block-height", in: "header", required: false, schema: { type: "string" }, description: "query the state at this height" },
      ],
      responses: {
        "200": {
          description: "gRPC-gateway JSON (snake_case, 64-bit integers as strings, bytes base64)",
          content: { "application/json": { schema: q !== undefined ? schemaOf(protoJson(q.docRes ?? q.res, (q.docRes ?? q.res).fromJSON({}))) : { type: "object" } } },
        },
        default: { description: "error", content: { "application/json": { schema: ERROR_SCHEMA } } },
      },
    };
    if (store?.body !== undefined) op.requestBody = { required: true, content: { "application/json": { schema: store.body } } };
    const key = r.pattern;
    const entry = (paths[key] as Obj | undefined) ?? {};
    entry[r.method.toLowerCase()] = op;
    paths[key] = entry;
  }
  return {
    openapi: "3.0.3",
    info: {
      title: "openledgerd REST API",
      version: info.version,
      description: `Cosmos SDK 0.50 gRPC-gateway paths and JSON, plus every openledger module's queries under /openledger/<module>/v1/… (chain ${info.chainId}). Unknown routes answer 501 {"code":12,"message":"Not Implemented","details":[]}.`,
    },
    servers: [{ url: "/" }],
    paths,
  };
}

export const SWAGGER_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>openledgerd REST API</title>
<style>body{font:14px system-ui,sans-serif;margin:20px;color:#1d2330}h1{font-size:20px}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #e3e6ee;padding:5px 8px;text-align:left;vertical-align:top}.m{font-weight:700;font-family:monospace}
.p{font-family:monospace}.d{color:#6b7385;font-size:12px}input{width:360px}</style></head>
<body><h1>openledgerd REST API</h1><p>OpenAPI 3 document: <a href="/swagger/openapi.json">/swagger/openapi.json</a> · <a href="/explorer">explorer</a></p>
<p><input id="f" placeholder="filter paths"></p><table><thead><tr><th>Method</th><th>Path</th><th>Parameters</th><th>What</th></tr></thead><tbody id="t"></tbody></table>
<script>
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"})[c]);
fetch("/swagger/openapi.json").then((r) => r.json()).then((doc) => {
  const rows = [];
  for (const [p, ops] of Object.entries(doc.paths)) for (const [m, op] of Object.entries(ops)) rows.push({ p, m, op });
  const render = () => {
    const f = document.getElementById("f").value;
    document.getElementById("t").innerHTML = rows.filter((r) => r.p.includes(f)).map((r) =>
      "<tr><td class=m>" + r.m.toUpperCase() + "</td><td class=p>" + (r.m === "get" && !r.p.includes("{") ? "<a href='" + esc(r.p) + "'>" + esc(r.p) + "</a>" : esc(r.p)) +
      "</td><td class=d>" + r.op.parameters.filter((x) => x.in !== "header").map((x) => esc(x.name) + (x.in === "path" ? "*" : "")).join(", ") +
      "</td><td class=d>" + esc(r.op.summary) + "</td></tr>").join("");
  };
  document.getElementById("f").addEventListener("input", render);
  render();
});
</script></body></html>`;
