/** GET pages the REST port serves besides the API routes: the OpenAPI document and the explorer. */
import type { RpcEnv } from "../rpc/env.ts";

export type RouteTable = { method: "GET" | "POST"; pattern: string; grpc?: string }[];
export type ExtraGet = (pathname: string, routes: RouteTable) => Promise<{ contentType: string; body: string | Uint8Array } | undefined>;

export function restExtras(_env: RpcEnv): ExtraGet {
  return async () => undefined;
}
