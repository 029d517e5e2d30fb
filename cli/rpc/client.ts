/** A minimal CometBFT JSON-RPC client over HTTP (the queries print the node's own JSON shapes). */
import { existsSync } from "node:fs";
import { readConfig } from "../config/config.ts";
import { homePaths } from "../config/paths.ts";
import { errorMessage, UserError } from "../util/errors.ts";

export const DEFAULT_NODE = "tcp://127.0.0.1:26657";

/** "tcp://h:p" | "h:p" | "http(s)://h:p" → "http(s)://h:p" (no trailing slash). */
export function nodeUrl(node: string): string {
  let n = node.trim();
  if (n.startsWith("tcp://")) n = `http://${n.slice("tcp://".length)}`;
  else if (!/^https?:\/\//.test(n)) n = `http://${n}`;
  try {
    const u = new URL(n);
    if (u.port === "" && u.protocol === "http:" && !/:\d+$/.test(u.host)) throw new Error("missing port");
  } catch (e) {
    throw new UserError(`invalid --node "${node}": ${errorMessage(e)}`);
  }
  return n.replace(/\/+$/, "");
}

/** --node, else the RPC address in <home>/config/config.toml, else tcp://127.0.0.1:26657. */
export function resolveNode(flag: string | undefined, home: string): string {
  if (flag !== undefined) return nodeUrl(flag);
  if (existsSync(homePaths(home).configToml)) {
    try {
      const laddr = readConfig(home).rpc.laddr;
      if (laddr !== "") return nodeUrl(laddr.replace(/^0\.0\.0\.0:/, "127.0.0.1:"));
    } catch {
      // a broken config is start's problem; queries fall back to the default
    }
  }
  return nodeUrl(DEFAULT_NODE);
}

export class RpcError extends UserError {
  readonly rpcCode: number;
  constructor(message: string, rpcCode: number) {
    super(message);
    this.rpcCode = rpcCode;
  }
}

let nextId = 1;

export async function rpcCall<T = unknown>(url: string, method: string, params: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const c = (e as { cause?: { code?: string; message?: string } }).cause;
    const cause = c?.code ?? c?.message;
    throw new UserError(`cannot reach the node at ${url} (${cause ?? errorMessage(e)}); is it running? (set --node)`);
  }
  let body: { result?: T; error?: { code: number; message: string; data?: string } };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new UserError(`the node at ${url} answered ${method} with HTTP ${res.status} and no JSON`);
  }
  if (body.error !== undefined) {
    const d = body.error.data ? `: ${body.error.data}` : "";
    throw new RpcError(`${method}: ${body.error.message}${d}`, body.error.code);
  }
  if (body.result === undefined) throw new UserError(`the node at ${url} answered ${method} without a result`);
  return body.result;
}

export interface AbciQueryResult {
  code: number;
  log: string;
  info?: string;
  index?: string;
  key: string | null;
  value: string | null;
  proofOps: { ops: { type: string; key: string; data: string }[] } | null;
  height: string;
  codespace: string;
}

export async function abciQuery(url: string, path: string, data: Uint8Array, opts: { height?: bigint | undefined; prove?: boolean } = {}): Promise<AbciQueryResult> {
  const params: Record<string, unknown> = { path, data: Buffer.from(data).toString("hex"), prove: opts.prove === true };
  if (opts.height !== undefined && opts.height > 0n) params.height = opts.height.toString();
  const r = await rpcCall<{ response: AbciQueryResult }>(url, "abci_query", params);
  const resp = r.response;
  if (resp.code !== 0) {
    throw new UserError(`query ${path} failed: codespace ${resp.codespace || "sdk"} code ${resp.code}: ${resp.log}`);
  }
  return resp;
}

export const b64 = (s: string | null | undefined): Uint8Array => (s ? new Uint8Array(Buffer.from(s, "base64")) : new Uint8Array(0));

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
