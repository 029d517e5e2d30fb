/**
 * Vote extensions (ABCI++ ExtendVote / VerifyVoteExtension) as the runtime and the modules see them:
 *
 * - one signed extension per validator and height, the proto `openledger.consensus.v1.VoteExtension`
 *   joining the modules' parts (`{module, data}` entries sorted by module name; canonical bytes only);
 * - the extended commit of height h−1, put by the proposer of h into its block as the FIRST tx: a
 *   well-formed Cosmos `TxRaw` (body = one `/openledger.consensus.v1.MsgCommitVerdicts`, auth info
 *   with an empty fee, no signatures), so CosmJS and explorers decode every tx of every block;
 * - CometBFT's extension sign bytes (CanonicalVoteExtension, length-delimited), checked with an
 *   injected ed25519 verifier (ZIP-215 by default, as CometBFT and node/crypto/ed25519.ts).
 *
 * Pure: no IO, no clock. The runtime (application.ts) does the checking; see modules/runtime/README.md.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { Any } from "cosmjs-types/google/protobuf/any";
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { ExtendedVoteInfo as PbExtendedVoteInfo, MsgCommitVerdicts } from "../../proto/gen/openledger/consensus/v1/tx.ts";
import { VoteExtension } from "../../proto/gen/openledger/consensus/v1/vote_extension.ts";
import type { Bytes, ExtendedCommitInfo, ExtendedVoteInfo } from "./abci.ts";
import { EMPTY, equal, utf8 } from "./bytes.ts";

export const MSG_COMMIT_VERDICTS_TYPE_URL = "/openledger.consensus.v1.MsgCommitVerdicts";

/** ed25519 signature verification, injected into the app (the node passes its own, ZIP-215). */
export interface Ed25519Verifier {
  /** true iff `sig64` is a valid signature of `msg` by the 32-byte `pubkey`; never throws. */
  verify(pubkey: Bytes, msg: Bytes, sig64: Bytes): boolean;
}

/** @noble/curves ed25519 with ZIP-215 semantics pinned (the same verdicts as the node's verifier). */
export const nobleEd25519Verifier: Ed25519Verifier = Object.freeze({
  verify(pubkey: Bytes, msg: Bytes, sig64: Bytes): boolean {
    if (pubkey.length !== 32 || sig64.length !== 64) return false;
    try {
      return ed25519.verify(sig64, msg, pubkey, { zip215: true });
    } catch {
      return false;
    }
  },
});

// ---------------------------------------------------------------------------------------------------
// the combined extension

export interface ModuleExtensionEntry {
  module: string;
  data: Bytes;
}

/** joins module parts: entries sorted by module name, empty data left out; no entries → zero bytes. */
export function encodeVoteExtension(entries: readonly ModuleExtensionEntry[]): Bytes {
  const kept = entries.filter((e) => e.data.length > 0).sort((a, b) => (a.module < b.module ? -1 : a.module > b.module ? 1 : 0));
  for (let i = 1; i < kept.length; i++) {
    if (kept[i]!.module === kept[i - 1]!.module) throw new Error(`vote extension: module ${kept[i]!.module} twice`);
  }
  if (kept.length === 0) return EMPTY;
  return VoteExtension.encode({ entries: kept.map((e) => ({ module: e.module, data: e.data })) }).finish();
}

/**
 * parses a combined extension; null unless canonical (re-encodes to the same bytes, names strictly
 * ascending, no empty data). Zero bytes = no entries.
 */
export function decodeVoteExtension(bytes: Bytes): ModuleExtensionEntry[] | null {
  if (bytes.length === 0) return [];
  let ve: VoteExtension;
  try {
    ve = VoteExtension.decode(bytes);
  } catch {
    return null;
  }
  const out: ModuleExtensionEntry[] = [];
  for (const e of ve.entries) {
    if (e.data.length === 0 || e.module === "") return null;
    const prev = out[out.length - 1];
    if (prev !== undefined && !(prev.module < e.module)) return null;
    out.push({ module: e.module, data: e.data });
  }
  if (!equal(VoteExtension.encode(ve).finish(), bytes)) return null;
  return out;
}

// ---------------------------------------------------------------------------------------------------
// sign bytes (CometBFT types.VoteExtensionSignBytes: CanonicalVoteExtension, uvarint-length-delimited)

function uvarint(n: number, out: number[]): void {
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

function sfixed64(n: bigint, out: number[]): void {
  let v = BigInt.asUintN(64, n);
  for (let i = 0; i < 8; i++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
}

/** CanonicalVoteExtension{extension=1, height=2 sfixed64, round=3 sfixed64, chain_id=4}, length-prefixed. */
export function voteExtensionSignBytes(chainId: string, extension: Bytes, height: bigint, round: number): Bytes {
  const body: number[] = [];
  if (extension.length > 0) {
    body.push(0x0a);
    uvarint(extension.length, body);
    for (const b of extension) body.push(b);
  }
  if (height !== 0n) {
    body.push(0x11);
    sfixed64(height, body);
  }
  if (round !== 0) {
    body.push(0x19);
    sfixed64(BigInt(round), body);
  }
  const cid = utf8(chainId);
  if (cid.length > 0) {
    body.push(0x22);
    uvarint(cid.length, body);
    for (const b of cid) body.push(b);
  }
  const out: number[] = [];
  uvarint(body.length, out);
  for (const b of body) out.push(b);
  return Uint8Array.from(out);
}

// ---------------------------------------------------------------------------------------------------
// the injected tx

export interface CommitVerdicts {
  /** the height whose precommits carried these extensions (block height − 1). */
  height: bigint;
  round: number;
  /** one per validator of that height, in set order (= the block's last_commit order). */
  votes: ExtendedVoteInfo[];
}

const EMPTY_AUTH_INFO: Bytes = AuthInfo.encode(AuthInfo.fromPartial({ fee: { amount: [], gasLimit: 0n } })).finish();

/** the TxRaw the proposer puts first in its block. */
export function encodeCommitVerdictsTx(height: bigint, info: ExtendedCommitInfo): Bytes {
  const msg = MsgCommitVerdicts.encode({
    height,
    round: info.round,
    votes: info.votes.map((v) => ({
      validatorAddress: v.validator.address,
      power: v.validator.power,
      voteExtension: v.voteExtension,
      extensionSignature: v.extensionSignature,
      blockIdFlag: v.blockIdFlag,
    })),
  }).finish();
  const body = TxBody.encode(TxBody.fromPartial({ messages: [Any.fromPartial({ typeUrl: MSG_COMMIT_VERDICTS_TYPE_URL, value: msg })] })).finish();
  return TxRaw.encode(TxRaw.fromPartial({ bodyBytes: body, authInfoBytes: EMPTY_AUTH_INFO, signatures: [] })).finish();
}

const TYPE_URL_BYTES = utf8(MSG_COMMIT_VERDICTS_TYPE_URL);

/** a cheap pre-check: the tx bytes contain the type URL (no decode). */
export function mentionsCommitVerdicts(tx: Bytes): boolean {
  const n = TYPE_URL_BYTES.length;
  outer: for (let i = 0; i + n <= tx.length; i++) {
    for (let j = 0; j < n; j++) if (tx[i + j] !== TYPE_URL_BYTES[j]) continue outer;
    return true;
  }
  return false;
}

/** the end of the varint at `i` of `b` (-1 past the end or beyond 5 bytes). */
function skipVarint(b: Bytes, i: number): number {
  for (let k = 0; k < 5 && i < b.length; k++) if (((b[i++] as number) & 0x80) === 0) return i;
  return -1;
}

/**
 * where the canonical injected tx has its type URL: TxRaw field 1 (body), TxBody field 1 (the Any),
 * Any field 1 (type URL) of exactly the URL's length, each the first field of its message. A tx with
 * anything else there is not byte-identical to an encodeCommitVerdictsTx output, so this is a
 * necessary condition of decodeCommitVerdictsTx that costs a few byte reads, not a scan of the tx.
 */
function typeUrlAtCanonicalPlace(tx: Bytes): boolean {
  let i = 0;
  for (let level = 0; level < 2; level++) {
    if (tx[i] !== 0x0a) return false;
    i = skipVarint(tx, i + 1);
    if (i < 0) return false;
  }
  const n = TYPE_URL_BYTES.length;
  if (tx[i] !== 0x0a || tx[i + 1] !== n || i + 2 + n > tx.length) return false;
  for (let j = 0; j < n; j++) if (tx[i + 2 + j] !== TYPE_URL_BYTES[j]) return false;
  return true;
}

/**
 * the commit verdicts carried by `tx`, or null when `tx` is not exactly the canonical injected tx
 * (a TxRaw whose body is one MsgCommitVerdicts and nothing else, empty-fee auth info, no signatures,
 * byte-identical to its re-encoding).
 */
export function decodeCommitVerdictsTx(tx: Bytes): CommitVerdicts | null {
  if (!typeUrlAtCanonicalPlace(tx)) return null;
  try {
    const raw = TxRaw.decode(tx);
    if (raw.signatures.length !== 0 || !equal(raw.authInfoBytes, EMPTY_AUTH_INFO)) return null;
    const body = TxBody.decode(raw.bodyBytes);
    if (body.messages.length !== 1 || body.memo !== "" || body.timeoutHeight !== 0n) return null;
    if (body.extensionOptions.length !== 0 || body.nonCriticalExtensionOptions.length !== 0) return null;
    const any = body.messages[0]!;
    if (any.typeUrl !== MSG_COMMIT_VERDICTS_TYPE_URL) return null;
    const m = MsgCommitVerdicts.decode(any.value);
    const votes: ExtendedVoteInfo[] = m.votes.map((v: PbExtendedVoteInfo) => ({
      validator: { address: v.validatorAddress, power: v.power },
      blockIdFlag: v.blockIdFlag as ExtendedVoteInfo["blockIdFlag"],
      voteExtension: v.voteExtension,
      extensionSignature: v.extensionSignature,
    }));
    const out: CommitVerdicts = { height: m.height, round: m.round, votes };
    if (!equal(encodeCommitVerdictsTx(out.height, { round: out.round, votes }), tx)) return null;
    return out;
  } catch {
    return null;
  }
}
