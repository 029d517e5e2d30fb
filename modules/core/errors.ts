/**
 * Consensus-visible errors (STYLE §7.8): every error a tx or query can return is a registered
 * (codespace, code, description) triple, as in cosmos-sdk `types/errors`. Handlers throw AppErrors made by
 * `ErrorDef.wrap`; `toTxResult` maps anything else to code 1 "internal error".
 */

export interface ErrorInfo {
  readonly codespace: string;
  readonly code: number;
  readonly description: string;
}

/** An error with a registered codespace and code. `log` is what goes into tx results and query logs. */
export class AppError extends Error {
  readonly codespace: string;
  readonly code: number;
  readonly description: string;
  readonly detail: string;

  constructor(def: ErrorInfo, detail?: string) {
    const log = detail === undefined || detail === "" ? def.description : `${detail}: ${def.description}`;
    super(log);
    this.name = "AppError";
    this.codespace = def.codespace;
    this.code = def.code;
    this.description = def.description;
    this.detail = detail ?? "";
  }

  /** the SDK-style log text: "<detail>: <description>". */
  get log(): string {
    return this.message;
  }
}

export interface ErrorDef extends ErrorInfo {
  /** a new AppError of this kind; the log reads "<detail>: <description>". */
  wrap(detail?: string): AppError;
  /** whether `err` is an AppError of this (codespace, code). */
  is(err: unknown): boolean;
}

const registry = new Map<string, ErrorInfo>();

/** registers an error; throws at load time on a duplicate (codespace, code) or a code below 2. */
export function registerError(codespace: string, code: number, description: string): ErrorDef {
  if (!Number.isInteger(code) || code < 2) throw new Error(`error code ${codespace}:${code}: codes start at 2 (1 is internal)`);
  if (!/^[a-z][a-z0-9_]*$/.test(codespace)) throw new Error(`invalid codespace ${JSON.stringify(codespace)}`);
  const id = `${codespace}:${code}`;
  if (registry.has(id)) throw new Error(`error ${id} registered twice`);
  const info: ErrorInfo = { codespace, code, description };
  registry.set(id, info);
  const def: ErrorDef = {
    codespace,
    code,
    description,
    wrap: (detail?: string) => new AppError(info, detail),
    is: (err: unknown) => err instanceof AppError && err.codespace === codespace && err.code === code,
  };
  return Object.freeze(def);
}

/** every registered error, sorted by codespace then code (the golden dump test/fixtures/errorCodes.json). */
export function registeredErrors(): ErrorInfo[] {
  return [...registry.values()].sort((a, b) => (a.codespace < b.codespace ? -1 : a.codespace > b.codespace ? 1 : a.code - b.code));
}

/** Root codespace, numbered as cosmos-sdk types/errors/errors.go so wallets and explorers read them alike. */
export const ROOT_CODESPACE = "sdk";
export const ErrTxDecode = registerError(ROOT_CODESPACE, 2, "tx parse error");
export const ErrInvalidSequence = registerError(ROOT_CODESPACE, 3, "invalid sequence");
export const ErrUnauthorized = registerError(ROOT_CODESPACE, 4, "unauthorized");
export const ErrInsufficientFunds = registerError(ROOT_CODESPACE, 5, "insufficient funds");
export const ErrUnknownRequest = registerError(ROOT_CODESPACE, 6, "unknown request");
export const ErrInvalidAddress = registerError(ROOT_CODESPACE, 7, "invalid address");
export const ErrInvalidPubKey = registerError(ROOT_CODESPACE, 8, "invalid pubkey");
export const ErrUnknownAddress = registerError(ROOT_CODESPACE, 9, "unknown address");
export const ErrInvalidCoins = registerError(ROOT_CODESPACE, 10, "invalid coins");
export const ErrOutOfGas = registerError(ROOT_CODESPACE, 11, "out of gas");
export const ErrMemoTooLarge = registerError(ROOT_CODESPACE, 12, "memo too large");
export const ErrInsufficientFee = registerError(ROOT_CODESPACE, 13, "insufficient fee");
export const ErrTooManySignatures = registerError(ROOT_CODESPACE, 14, "maximum number of signatures exceeded");
export const ErrNoSignatures = registerError(ROOT_CODESPACE, 15, "no signatures supplied");
export const ErrJSONMarshal = registerError(ROOT_CODESPACE, 16, "failed to marshal JSON bytes");
export const ErrJSONUnmarshal = registerError(ROOT_CODESPACE, 17, "failed to unmarshal JSON bytes");
export const ErrInvalidRequest = registerError(ROOT_CODESPACE, 18, "invalid request");
export const ErrTxInMempoolCache = registerError(ROOT_CODESPACE, 19, "tx already in mempool");
export const ErrMempoolIsFull = registerError(ROOT_CODESPACE, 20, "mempool is full");
export const ErrTxTooLarge = registerError(ROOT_CODESPACE, 21, "tx too large");
export const ErrKeyNotFound = registerError(ROOT_CODESPACE, 22, "key not found");
export const ErrWrongPassword = registerError(ROOT_CODESPACE, 23, "invalid account password");
export const ErrorInvalidSigner = registerError(ROOT_CODESPACE, 24, "tx intended signer does not match the given signer");
export const ErrInvalidSigner = ErrorInvalidSigner;
export const ErrorInvalidGasAdjustment = registerError(ROOT_CODESPACE, 25, "invalid gas adjustment");
export const ErrInvalidHeight = registerError(ROOT_CODESPACE, 26, "invalid height");
export const ErrInvalidVersion = registerError(ROOT_CODESPACE, 27, "invalid version");
export const ErrInvalidChainID = registerError(ROOT_CODESPACE, 28, "invalid chain-id");
export const ErrInvalidType = registerError(ROOT_CODESPACE, 29, "invalid type");
export const ErrTxTimeoutHeight = registerError(ROOT_CODESPACE, 30, "tx timeout height");
export const ErrUnknownExtensionOptions = registerError(ROOT_CODESPACE, 31, "unknown extension options");
export const ErrWrongSequence = registerError(ROOT_CODESPACE, 32, "incorrect account sequence");
export const ErrPackAny = registerError(ROOT_CODESPACE, 33, "failed packing protobuf message to Any");
export const ErrUnpackAny = registerError(ROOT_CODESPACE, 34, "failed unpacking protobuf message from Any");
export const ErrLogic = registerError(ROOT_CODESPACE, 35, "internal logic error");
export const ErrConflict = registerError(ROOT_CODESPACE, 36, "conflict");
export const ErrNotSupported = registerError(ROOT_CODESPACE, 37, "feature not supported");
export const ErrNotFound = registerError(ROOT_CODESPACE, 38, "not found");
export const ErrIO = registerError(ROOT_CODESPACE, 39, "Internal IO error");
export const ErrAppConfig = registerError(ROOT_CODESPACE, 40, "error in app.toml");
export const ErrInvalidGasLimit = registerError(ROOT_CODESPACE, 41, "invalid gas limit");
export const ErrTxTimeout = registerError(ROOT_CODESPACE, 42, "tx timeout");

/** SDK's errInternal (codespace "undefined", code 1): anything that is not a registered AppError. */
export const INTERNAL = Object.freeze({ codespace: "undefined", code: 1, description: "internal" });

export interface TxErrorResult {
  codespace: string;
  code: number;
  log: string;
}

/** registered → {codespace, code, log}; anything else → code 1, log "internal error" (the detail only when debug). */
export function toTxResult(err: unknown, debug = false): TxErrorResult {
  if (err instanceof AppError) return { codespace: err.codespace, code: err.code, log: err.log };
  const detail = err instanceof Error ? err.message : String(err);
  return { codespace: INTERNAL.codespace, code: INTERNAL.code, log: debug ? `internal error: ${detail}` : "internal error" };
}

/** A broken invariant: the node must halt (never caught inside consensus, execution or commit). */
export class InvariantViolation extends Error {
  readonly route: string;
  constructor(route: string, detail: string) {
    super(`invariant ${route} broken: ${detail}`);
    this.name = "InvariantViolation";
    this.route = route;
  }
}

/** gRPC status names the SDK maps onto sdk codes in abci_query (cosmjs-rpc.md §2.2). */
export type GrpcStatus = "NotFound" | "InvalidArgument" | "FailedPrecondition" | "Unauthenticated" | "Unimplemented" | "Internal";

/**
 * A query error as the SDK's gRPC bridge reports it: NotFound → sdk:22, InvalidArgument and
 * FailedPrecondition → sdk:18, Unauthenticated → sdk:4, anything else → sdk:6; the log reads
 * "rpc error: code = <Status> desc = <msg>: <description>".
 */
export function grpcError(status: GrpcStatus, msg: string): AppError {
  const def =
    status === "NotFound" ? ErrKeyNotFound : status === "InvalidArgument" || status === "FailedPrecondition" ? ErrInvalidRequest : status === "Unauthenticated" ? ErrUnauthorized : ErrUnknownRequest;
  return def.wrap(`rpc error: code = ${status} desc = ${msg}`);
}
