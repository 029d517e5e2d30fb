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
    return explorerAsset(pathname);
  };
}
