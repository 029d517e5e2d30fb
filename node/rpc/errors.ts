/** JSON-RPC 2.0 error codes as CometBFT uses them (rpc/jsonrpc/types). All go out with HTTP 200. */
export const RpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** CometBFT's generic server error (e.g. too many subscriptions). */
  ServerError: -32000,
} as const;
export type RpcErrorCode = (typeof RpcErrorCode)[keyof typeof RpcErrorCode];

const MESSAGES: Record<number, string> = {
  [-32700]: "Parse error",
  [-32600]: "Invalid Request",
  [-32601]: "Method not found",
  [-32602]: "Invalid params",
  [-32603]: "Internal error",
  [-32000]: "Server error",
};

/** an error a handler throws to answer with a specific JSON-RPC error (`data` is the readable detail). */
export class RpcError extends Error {
  readonly code: RpcErrorCode;
  readonly data: string | undefined;
  constructor(code: RpcErrorCode, data?: string, message?: string) {
    super(message ?? MESSAGES[code] ?? "Internal error");
    this.name = "RpcError";
    this.code = code;
    this.data = data;
  }
}

export const invalidParams = (data: string): RpcError => new RpcError(RpcErrorCode.InvalidParams, data);
export const internalError = (data: string): RpcError => new RpcError(RpcErrorCode.InternalError, data);

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: string;
}

export function errorObject(e: RpcError): JsonRpcErrorObject {
  return e.data === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, data: e.data };
}
