/**
 * runTx (cosmos-sdk baseapp.runTx with Lisk's INVALID/FAILED split, STYLE §7.5):
 *   decode + validateBasic → ante in branch A (written if OK) → messages in branch B with their own
 *   events (written only if every message succeeds). INVALID = decode/validateBasic/ante failure;
 *   FAILED = a message failed (fee and sequence kept; message state and events discarded).
 * In check/recheck only the ante runs (as in the SDK); simulate runs everything on a throw-away branch.
 */
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import type { Any } from "cosmjs-types/google/protobuf/any";
import type { AbciEvent, Bytes, EventAttribute } from "../core/abci.ts";
import { accAddressToString } from "../core/address.ts";
import type { BlockHeader, ExecMode } from "../core/context.ts";
import { type PhaseTracer, createWriteContext } from "../core/context.ts";
import type { SigVerifier } from "../core/crypto.ts";
import type { DecCoin } from "../core/dec.ts";
import { AppError, ErrInvalidGasLimit, ErrInvalidRequest, ErrMemoTooLarge, ErrNoSignatures, ErrTxTimeoutHeight, ErrUnauthorized, ErrUnknownExtensionOptions, toTxResult } from "../core/errors.ts";
import { DiscardingEventManager, EventManager } from "../core/events.ts";
import { fastEncodeTxMsgData } from "../core/protoFast.ts";
import { type GasMeter, createGasMeter, createInfiniteGasMeter } from "../core/gas.ts";
import type { Logger } from "../core/logger.ts";
import type { RuntimeParams } from "../core/params.ts";
import type { CacheStore } from "../core/store/types.ts";
import type { AnteContext, AnteDecorator, DecodedTx } from "../core/tx.ts";
import type { TxDecoder } from "./decode.ts";
import { type Routers, moduleNameFromTypeUrl } from "./router.ts";

export const MAX_GAS_WANTED = (1n << 63n) - 1n;

export interface TxEnv {
  routers: Routers;
  /** decodeTx (memoized per app). */
  decode: TxDecoder;
  ante: readonly AnteDecorator[];
  sigVerifier: SigVerifier;
  minGasPrices: readonly DecCoin[];
  maxBlockGas: bigint;
  runtimeParams: RuntimeParams;
  logger: Logger;
  debug: boolean;
  /** the node's phase timer (FinalizeBlock only): passed to the message contexts; never state. */
  tracer?: PhaseTracer;
}

export interface TxOutcome {
  /** "ok", "invalid" (decode/validateBasic/ante) or "failed" (a message). */
  status: "ok" | "invalid" | "failed";
  code: number;
  codespace: string;
  log: string;
  data: Bytes;
  gasWanted: bigint;
  gasUsed: bigint;
  events: AbciEvent[];
  tx: DecodedTx | null;
  msgResponses: Any[];
}

/**
 * Attribute objects shared by every tx's results (frozen: no layer changes a result's attributes): the
 * message event's msg_index, action and module attributes depend only on the message's index and type
 * URL (only routed type URLs get here, so the maps stay small). A block's results stay alive through
 * save, commit and recheck; ~6 fewer objects per tx.
 */
const MSG_INDEX_ATTRS: readonly EventAttribute[] = Array.from({ length: 16 }, (_, i) => Object.freeze({ key: "msg_index", value: String(i), index: true }) as EventAttribute);
const actionAttrs = new Map<string, EventAttribute>();
const moduleAttrs = new Map<string, EventAttribute>();
function sharedAttr(m: Map<string, EventAttribute>, key: string, value: string): EventAttribute {
  let a = m.get(value);
  if (a === undefined) {
    a = Object.freeze({ key, value, index: true }) as EventAttribute;
    m.set(value, a);
  }
  return a;
}
function msgIndexAttr(i: number): EventAttribute {
  return MSG_INDEX_ATTRS[i] ?? { key: "msg_index", value: String(i), index: true };
}

/**
 * TxMsgData of a single response with an empty value (MsgSend's and most others'), shared per response
 * type URL like the attributes above: the same 40-odd bytes for every such tx (result bytes are never
 * written to once built).
 */
const emptyResponseData = new Map<string, Bytes>();
function txMsgData(responses: Any[]): Bytes {
  if (responses.length === 1 && (responses[0] as Any).value.length === 0) {
    const url = (responses[0] as Any).typeUrl;
    let d = emptyResponseData.get(url);
    if (d === undefined) {
      d = fastEncodeTxMsgData(responses) ?? TxMsgData.encode({ data: [], msgResponses: responses }).finish();
      emptyResponseData.set(url, d);
    }
    return d;
  }
  return fastEncodeTxMsgData(responses) ?? TxMsgData.encode({ data: [], msgResponses: responses }).finish();
}

/** [...s].length (code points; a lone surrogate counts one) without building the array. */
function codePoints(s: string): number {
  const n = s.length;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/** the runtime's stateless checks (SDK ValidateBasicDecorator, TxTimeoutHeightDecorator, extension options, SetUpContext). */
export function validateTxBasic(tx: DecodedTx, block: BlockHeader, env: TxEnv, simulate: boolean): void {
  if (tx.body.extensionOptions.length > 0) throw ErrUnknownExtensionOptions.wrap("unknown extension options");
  if (tx.signatures.length === 0) throw ErrNoSignatures.wrap();
  if (tx.signatures.length !== tx.signers.length) throw ErrUnauthorized.wrap(`wrong number of signers; expected ${tx.signers.length}, got ${tx.signatures.length}`);
  if (tx.authInfo.signerInfos.length !== tx.signatures.length) {
    throw ErrUnauthorized.wrap(`wrong number of signer infos; expected ${tx.signatures.length}, got ${tx.authInfo.signerInfos.length}`);
  }
  if (tx.gasLimit > MAX_GAS_WANTED) throw ErrInvalidRequest.wrap(`invalid gas supplied; ${tx.gasLimit} > ${MAX_GAS_WANTED}`);
  // the memo's length and the messages' validateBasic depend on the tx only: computed / passed once per
  // decoded tx (CheckTx, recheck and FinalizeBlock share it), checked against the params every time
  if (tx.memoChars < 0) tx.memoChars = codePoints(tx.body.memo);
  const memoChars = BigInt(tx.memoChars);
  if (memoChars > env.runtimeParams.maxMemoCharacters) {
    throw ErrMemoTooLarge.wrap(`maximum number of characters is ${env.runtimeParams.maxMemoCharacters} but received ${memoChars} characters`);
  }
  if (!tx.msgsValidated) {
    for (const m of tx.msgs) env.routers.msgs.get(m.typeUrl)?.handler.validateBasic?.(m.msg);
    tx.msgsValidated = true;
  }
  const timeout = tx.body.timeoutHeight;
  if (timeout > 0n && block.height > timeout) throw ErrTxTimeoutHeight.wrap(`block height: ${block.height}, timeout height: ${timeout}`);
  if (!simulate && env.maxBlockGas > 0n && tx.gasLimit > env.maxBlockGas) {
    throw ErrInvalidGasLimit.wrap(`tx gas limit ${tx.gasLimit} exceeds block max gas ${env.maxBlockGas}`);
  }
}

function fail(status: "invalid" | "failed", err: unknown, env: TxEnv, gasWanted: bigint, gas: GasMeter | null, events: AbciEvent[], tx: DecodedTx | null): TxOutcome {
  const r = toTxResult(err, env.debug);
  if (!(err instanceof AppError)) env.logger.error({ err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) }, "internal error while running a tx");
  return { status, code: r.code, codespace: r.codespace, log: r.log, data: new Uint8Array(0), gasWanted, gasUsed: gas?.consumed ?? 0n, events, tx, msgResponses: [] };
}

/**
 * Runs one tx over `base` in `mode`. `base` receives the ante writes (and the message writes on success),
 * except in simulate mode, where the caller passes a throw-away branch.
 */
export async function runTx(mode: ExecMode, raw: Bytes, base: CacheStore, block: BlockHeader, env: TxEnv): Promise<TxOutcome> {
  const simulate = mode === "simulate";
  let tx: DecodedTx;
  try {
    tx = env.decode(raw, env.runtimeParams.maxTxBytes);
  } catch (e: unknown) {
    return fail("invalid", e, env, 0n, null, [], null);
  }
  const gasWanted = tx.gasLimit;
  const gas = simulate ? createInfiniteGasMeter() : createGasMeter(tx.gasLimit);

  // ante in branch A
  const branchA = base.branch();
  // a recheck's events are never read (the pool only keeps or drops the tx): none are built
  const anteEvents = mode === "recheck" ? new DiscardingEventManager() : new EventManager();
  const actx = createWriteContext({ base: branchA, block, mode, gas, events: anteEvents, logger: env.logger, runtimeParams: env.runtimeParams });
  const anteCtx: AnteContext = { ...actx, store: actx.store, tx, simulate, minGasPrices: env.minGasPrices, maxBlockGas: env.maxBlockGas, sigVerifier: env.sigVerifier };
  try {
    validateTxBasic(tx, block, env, simulate);
    for (const d of env.ante) {
      // most decorators are synchronous: await only a returned promise (no microtask turn per step)
      const r = d(anteCtx);
      if (r !== undefined) await r;
    }
  } catch (e: unknown) {
    return fail("invalid", e, env, gasWanted, gas, [], tx);
  }
  branchA.write();
  if (mode === "check" || mode === "recheck") {
    return { status: "ok", code: 0, codespace: "", log: "", data: new Uint8Array(0), gasWanted, gasUsed: gas.consumed, events: anteEvents.events, tx, msgResponses: [] };
  }

  // messages in branch B
  const branchB = base.branch();
  const msgEvents: AbciEvent[] = [];
  const responses: Any[] = [];
  try {
    for (let i = 0; i < tx.msgs.length; i++) {
      const m = tx.msgs[i] as DecodedTx["msgs"][number];
      const route = env.routers.msgs.get(m.typeUrl);
      if (route === undefined) throw ErrInvalidRequest.wrap(`no message handler for ${m.typeUrl}`);
      const events = new EventManager();
      const mctx = createWriteContext({ base: branchB, block, mode, gas, events, logger: env.logger, runtimeParams: env.runtimeParams, ...(env.tracer !== undefined ? { tracer: env.tracer } : {}) });
      const res = await route.handler.handle(mctx, m.msg);
      responses.push({ typeUrl: route.handler.responseTypeUrl, value: route.handler.encodeResponse(res) });
      // message{action, sender?, module?} then the handler's events, each with msg_index appended
      // (withAttribute's result, built without the intermediate arrays)
      const signer = route.handler.signers(m.msg)[0];
      const moduleName = moduleNameFromTypeUrl(m.typeUrl);
      // every array at its final length (an array grown by push gets a 17-slot backing store, and these
      // stay alive with the block's results until it is saved and committed)
      const attributes = new Array<EventAttribute>(2 + (signer !== undefined ? 1 : 0) + (moduleName !== "" ? 1 : 0));
      let n = 0;
      attributes[n++] = sharedAttr(actionAttrs, "action", m.typeUrl);
      if (signer !== undefined) attributes[n++] = { key: "sender", value: accAddressToString(signer), index: true };
      if (moduleName !== "") attributes[n++] = sharedAttr(moduleAttrs, "module", moduleName);
      attributes[n] = msgIndexAttr(i);
      msgEvents.push({ type: "message", attributes });
      for (const e of events.events) {
        const src = e.attributes;
        const a = new Array<EventAttribute>(src.length + 1);
        for (let j = 0; j < src.length; j++) a[j] = src[j] as EventAttribute;
        a[src.length] = msgIndexAttr(i);
        msgEvents.push({ type: e.type, attributes: a });
      }
    }
  } catch (e: unknown) {
    return fail("failed", e, env, gasWanted, gas, anteEvents.events, tx);
  }
  branchB.write();
  const data = txMsgData(responses);
  return { status: "ok", code: 0, codespace: "", log: "", data, gasWanted, gasUsed: gas.consumed, events: anteEvents.events.concat(msgEvents), tx, msgResponses: responses };
}
