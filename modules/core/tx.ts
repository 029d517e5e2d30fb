/**
 * The decoded transaction the ante chain and the runtime share, and SIGN_MODE_DIRECT sign bytes.
 */
import { SignDoc, type AuthInfo, type TxBody } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { Bytes } from "./abci.ts";
import type { Coin } from "./coins.ts";
import type { WriteContext } from "./context.ts";
import type { DecCoin } from "./dec.ts";
import type { SigVerifier } from "./crypto.ts";

export interface DecodedMsg {
  readonly typeUrl: string;
  readonly value: Bytes;
  readonly msg: unknown;
}

export interface DecodedTx {
  /** the TxRaw bytes as received. */
  readonly raw: Bytes;
  /** sha256(raw): the tx hash. */
  readonly hash: Bytes;
  /** verbatim from the TxRaw (sign bytes use these, never a re-encoding). */
  readonly bodyBytes: Bytes;
  readonly authInfoBytes: Bytes;
  readonly signatures: readonly Bytes[];
  readonly body: TxBody;
  readonly authInfo: AuthInfo;
  readonly msgs: readonly DecodedMsg[];
  /** required signers: the messages' signers, deduplicated, in order of first appearance. */
  readonly signers: readonly Bytes[];
  readonly fee: readonly Coin[];
  readonly gasLimit: bigint;
  /** fee.payer when set, else the first signer. */
  readonly feePayer: Bytes;
  /**
   * The runtime's memo of the tx's stateless checks that depend on nothing but the tx: true once every
   * message's validateBasic passed (a pure function of the message), so recheck and FinalizeBlock of
   * the same decoded tx do not run them again. Failures are not remembered.
   */
  msgsValidated: boolean;
  /** codePoints(body.memo), filled by the runtime on first use (-1 until then). */
  memoChars: number;
  /**
   * The ante's memo of values that are pure functions of this tx (auth: sign-bytes hashes per chain id
   * and account number, decoded signer keys, event strings), owned and typed by the module that fills
   * it; undefined until then. A field rather than a WeakMap keyed by the tx: no ephemeron per tx for
   * the garbage collector to trace.
   */
  anteMemo: unknown;
}

export interface AnteContext extends WriteContext {
  readonly tx: DecodedTx;
  /** simulate mode: no signature, fee or gas-limit checks, but sequences are checked. */
  readonly simulate: boolean;
  /** node-local minimum gas prices, checked in CheckTx (check/recheck) only. */
  readonly minGasPrices: readonly DecCoin[];
  /** consensus params block.max_gas (−1 or 0: unlimited). */
  readonly maxBlockGas: bigint;
  /** the runtime's (cached) signature verifier. */
  readonly sigVerifier: SigVerifier;
}

/** One step of the ante chain (cosmos-sdk AnteDecorator); throws AppError to reject the tx. */
export type AnteDecorator = (ctx: AnteContext) => Promise<void> | void;

/** SignDoc{body_bytes, auth_info_bytes, chain_id, account_number}, proto3 (defaults left out). */
export function signDocBytes(bodyBytes: Bytes, authInfoBytes: Bytes, chainId: string, accountNumber: bigint): Bytes {
  return SignDoc.encode({ bodyBytes, authInfoBytes, chainId, accountNumber }).finish();
}
