/** GET pages the REST port serves besides the API routes: the OpenAPI document (/swagger) and the explorer (/explorer). */
import { explorerAsset } from "../explorer/serve.ts";
import type { RpcEnv } from "../rpc/env.ts";
import { openApiDocument, type RouteTable, SWAGGER_HTML } from "./openapi.ts";

export type ExtraGet = (pathname: string, routes: RouteTable) => Promise<{ contentType: string; body: string | Uint8Array } | undefined>;

export function restExtras(env: RpcEnv, version = "0.1.0"): ExtraGet {
  let doc: string | undefined;
  return async (pathname, routes) => {
    if (pathname === "/swagger/openapi.json" || pathname === "/openapi.json") {
      doc ??= JSON.stringify(openApiDocument(routes, { chainId: env.nodeInfo.network, version }), null, 2);
      return { contentType: "application/json", body: doc };
    }
    if (pathname === "/swagger" || pathname === "/swagger/") return { contentType: "text/html; charset=utf-8", body: SWAGGER_HTML };
    if (pathname === "/") return { contentType: "text/html; charset=utf-8", body: INDEX_HTML };
    return explorerAsset(pathname);
  };
}

const INDEX_HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>openledgerd</title></head>
<body style="font:14px system-ui,sans-serif;margin:20px"><h1>openledgerd</h1><ul>
<li><a href="/explorer">Explorer</a></li><li><a href="/swagger">REST API (OpenAPI)</a></li>
<li><a href="/cosmos/base/tendermint/v1beta1/node_info">node_info</a></li></ul></body></html>`;
