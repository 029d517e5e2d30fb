/**
 * Tx decoding: TxRaw → TxBody/AuthInfo (body_bytes/auth_info_bytes kept verbatim for the sign bytes),
 * messages resolved through the router, signers computed, fee parsed. Failures are sdk:2 (parse),
 * sdk:7 (signer address), sdk:10 (fee coins), sdk:21 (size).
 */
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString } from "../core/address.ts";
import { equal, toKeyString } from "../core/bytes.ts";
import { type Coin, coinsFromProto } from "../core/coins.ts";
import { AppError, ErrInvalidCoins, ErrTxDecode, ErrTxTooLarge } from "../core/errors.ts";
import { sha256 } from "../core/hash.ts";
import { fastDecodeAuthInfo, fastDecodeTxBody, fastDecodeTxRaw } from "../core/protoFast.ts";
import type { DecodedMsg, DecodedTx } from "../core/tx.ts";
import type { Routers } from "./router.ts";

function parse<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e: unknown) {
    if (e instanceof AppError) throw e;
    throw ErrTxDecode.wrap(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function decodeTx(raw: Bytes, routers: Routers, maxTxBytes: bigint): DecodedTx {
  if (BigInt(raw.length) > maxTxBytes) throw ErrTxTooLarge.wrap(`tx size ${raw.length} exceeds the limit of ${maxTxBytes} bytes`);
  if (raw.length === 0) throw ErrTxDecode.wrap("empty tx");
  // the hand-written decoders cover the usual shapes with the very objects cosmjs-types returns; null
  // (anything else) falls back to cosmjs-types, which decodes or throws as before
  const txRaw = fastDecodeTxRaw(raw) ?? parse("TxRaw", () => TxRaw.decode(raw));
  const body = fastDecodeTxBody(txRaw.bodyBytes) ?? parse("TxBody", () => TxBody.decode(txRaw.bodyBytes));
  const authInfo = fastDecodeAuthInfo(txRaw.authInfoBytes) ?? parse("AuthInfo", () => AuthInfo.decode(txRaw.authInfoBytes));
  if (body.messages.length === 0) throw ErrTxDecode.wrap("must contain at least one message");
  // arrays at their final length (kept by the decode memo from CheckTx to FinalizeBlock; an array grown
  // by push from [] gets a 17-slot backing store)
  const msgs = new Array<DecodedMsg>(body.messages.length);
  let signers: Bytes[] = [];
  const addSigner = (s: Bytes) => {
    if (signers.some((x) => equal(x, s))) return;
    signers = signers.length === 0 ? [s] : [...signers, s];
  };
  for (let i = 0; i < body.messages.length; i++) {
    const any = body.messages[i] as (typeof body.messages)[number];
    const route = routers.msgs.get(any.typeUrl);
    if (route === undefined) throw ErrTxDecode.wrap(`unable to resolve type URL ${any.typeUrl}`);
    const msg = parse(any.typeUrl, () => route.handler.decode(any.value));
    for (const s of route.handler.signers(msg)) addSigner(s);
    msgs[i] = { typeUrl: any.typeUrl, value: any.value, msg };
  }
  const fee = authInfo.fee;
  let feeCoins;
  try {
    feeCoins = coinsFromProto(fee?.amount ?? []);
  } catch (e: unknown) {
    throw ErrInvalidCoins.wrap(`invalid fee: ${e instanceof AppError ? e.detail : String(e)}`);
  }
  let feePayer = signers[0] ?? new Uint8Array(0);
  if (fee !== undefined && fee.payer !== "") {
    feePayer = accAddressFromString(fee.payer);
    addSigner(feePayer);
  }
  return new Decoded(raw, txRaw.bodyBytes, txRaw.authInfoBytes, txRaw.signatures, body, authInfo, msgs, signers, feeCoins, fee?.gasLimit ?? 0n, feePayer);
}

/**
 * A decoded tx: a class, so that every instance has the same fast layout and the lazy `hash` getter
 * lives once on the prototype (an object literal with its own getter costs a closure, a context, an
 * accessor pair and a property dictionary per tx: ~1 KB that the decode memo keeps for a block).
 */
class Decoded implements DecodedTx {
  readonly raw: Bytes;
  readonly bodyBytes: Bytes;
  readonly authInfoBytes: Bytes;
  readonly signatures: readonly Bytes[];
  readonly body: TxBody;
  readonly authInfo: AuthInfo;
  readonly msgs: readonly DecodedMsg[];
  readonly signers: readonly Bytes[];
  readonly fee: readonly Coin[];
  readonly gasLimit: bigint;
  readonly feePayer: Bytes;
  msgsValidated = false;
  memoChars = -1;
  anteMemo: unknown = undefined;
  /** sha256(raw) once asked for: nothing in the tx pipeline reads it (the node hashes txs itself). */
  private txHash: Bytes | undefined = undefined;
  constructor(
    raw: Bytes,
    bodyBytes: Bytes,
    authInfoBytes: Bytes,
    signatures: readonly Bytes[],
    body: TxBody,
    authInfo: AuthInfo,
    msgs: readonly DecodedMsg[],
    signers: readonly Bytes[],
    fee: readonly Coin[],
    gasLimit: bigint,
    feePayer: Bytes,
  ) {
    this.raw = raw;
    this.bodyBytes = bodyBytes;
    this.authInfoBytes = authInfoBytes;
    this.signatures = signatures;
    this.body = body;
    this.authInfo = authInfo;
    this.msgs = msgs;
    this.signers = signers;
    this.fee = fee;
    this.gasLimit = gasLimit;
    this.feePayer = feePayer;
  }
  get hash(): Bytes {
    if (this.txHash === undefined) this.txHash = sha256(this.raw);
    return this.txHash;
  }
}

/**
 * decodeTx with a bounded memo keyed by the raw bytes: CheckTx, ProcessProposal, FinalizeBlock and
 * recheck decode the same txs again and again. Decoding is a pure function of the bytes (and of the
 * routers, fixed per app), so a hit returns what a fresh decode would; the DecodedTx is shared and, as
 * its type says, read-only. Only successful decodes are remembered (failures throw every time). Two
 * generations of `generation` entries: a hit in the old one is promoted; a full young one retires the old.
 */
export interface TxDecoder {
  (raw: Bytes, maxTxBytes: bigint): DecodedTx;
  /** drops `raw` from the memo (FinalizeBlock ran it: it will not be checked or run again). */
  forget(raw: Bytes): void;
}

/** bytes of the raw tx that key the memo: its tail, which is the signature of a TxRaw (its last field). */
const KEY_BYTES = 32;

/** the memo key of a raw tx (a short string: not a copy of the whole tx per lookup and per entry). */
function memoKey(raw: Bytes): string {
  return toKeyString(raw.length <= KEY_BYTES ? raw : raw.subarray(raw.length - KEY_BYTES));
}

export function createTxDecoder(routers: Routers, generation = 20_000): TxDecoder {
  // keyed by the tx's tail; a hit also needs the very same bytes (two txs with one tail are only misses)
  let young = new Map<string, DecodedTx>();
  let old = new Map<string, DecodedTx>();
  const insert = (k: string, tx: DecodedTx) => {
    if (young.size >= generation) {
      old = young;
      young = new Map();
    }
    young.set(k, tx);
  };
  const decode = (raw: Bytes, maxTxBytes: bigint): DecodedTx => {
    if (BigInt(raw.length) > maxTxBytes) throw ErrTxTooLarge.wrap(`tx size ${raw.length} exceeds the limit of ${maxTxBytes} bytes`);
    const k = memoKey(raw);
    let tx = young.get(k);
    if (tx !== undefined && equal(tx.raw, raw)) return tx;
    tx = old.get(k);
    if (tx === undefined || !equal(tx.raw, raw)) tx = decodeTx(raw, routers, maxTxBytes);
    insert(k, tx);
    return tx;
  };
  const forget = (raw: Bytes): void => {
    const k = memoKey(raw);
    const y = young.get(k);
    if (y !== undefined && equal(y.raw, raw)) young.delete(k);
    else {
      const o = old.get(k);
      if (o !== undefined && equal(o.raw, raw)) old.delete(k);
    }
  };
  return Object.assign(decode, { forget });
}
