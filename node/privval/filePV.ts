/**
 * FilePV: the file-based private validator (CometBFT privval/file.go) over config/priv_validator_key.json
 * and data/priv_validator_state.json {height, round, step, signature, signbytes}.
 *
 * Double-sign protection (specs/consensus.md §4.2): steps propose(1) < prevote(2) < precommit(3); a
 * request below the last signed (height, round, step) is refused; at the same HRS, identical sign
 * bytes return the stored signature, sign bytes that differ only in the timestamp return the stored
 * signature with the stored timestamp, anything else is refused. A new signature is persisted durably
 * (temp file, fsync, rename, fsync dir) BEFORE it is returned. Vote extensions of non-nil precommits
 * are always (re-)signed, as in CometBFT: they are not part of the HRS protection.
 */
import { existsSync, readFileSync } from "node:fs";
import type { Bytes } from "../../modules/core/abci.ts";
import { equal, fromBase64, fromHex, toBase64, toHex } from "../../modules/core/bytes.ts";
import { writeFileAtomicSync } from "../crypto/atomicFile.ts";
import { signEd25519 } from "../crypto/ed25519.ts";
import { loadOrGenPrivValidatorKey, loadPrivValidatorKey, type PrivValidatorKey } from "../crypto/keyFiles.ts";
import type { Proposal, Timestamp, Vote } from "../types/block.ts";
import { decodeCanonicalSignBytes, isZeroBlockId, proposalSignBytes, voteExtensionSignBytes, voteSignBytes } from "../types/encoding.ts";

export const STEP = { none: 0, propose: 1, prevote: 2, precommit: 3 } as const;
export type Step = (typeof STEP)[keyof typeof STEP];

export interface LastSignState {
  height: bigint;
  round: number;
  step: Step;
  signature: Bytes | undefined;
  signBytes: Bytes | undefined;
}

export class DoubleSignError extends Error {
  readonly code: "HEIGHT_REGRESSION" | "ROUND_REGRESSION" | "STEP_REGRESSION" | "CONFLICTING_DATA" | "NO_SIGNBYTES";
  constructor(code: DoubleSignError["code"], message: string) {
    super(message);
    this.name = "DoubleSignError";
    this.code = code;
  }
}

export function lastSignStateToJson(s: LastSignState): Record<string, unknown> {
  const o: Record<string, unknown> = { height: s.height.toString(), round: s.round, step: s.step };
  if (s.signature !== undefined && s.signature.length > 0) o.signature = toBase64(s.signature);
  if (s.signBytes !== undefined && s.signBytes.length > 0) o.signbytes = toHex(s.signBytes).toUpperCase();
  return o;
}

export function lastSignStateFromJson(json: unknown, file = "priv_validator_state.json"): LastSignState {
  if (typeof json !== "object" || json === null) throw new Error(`${file}: must be an object`);
  const o = json as Record<string, unknown>;
  const height = typeof o.height === "string" && /^\d+$/.test(o.height) ? BigInt(o.height) : typeof o.height === "number" && Number.isSafeInteger(o.height) && o.height >= 0 ? BigInt(o.height) : undefined;
  if (height === undefined) throw new Error(`${file}: height must be a non-negative integer string`);
  if (typeof o.round !== "number" || !Number.isInteger(o.round) || o.round < 0) throw new Error(`${file}: round must be a non-negative integer`);
  if (o.step !== 0 && o.step !== 1 && o.step !== 2 && o.step !== 3) throw new Error(`${file}: step must be 0..3`);
  const signature = o.signature === undefined || o.signature === null || o.signature === "" ? undefined : fromBase64(String(o.signature));
  const signBytes = o.signbytes === undefined || o.signbytes === null || o.signbytes === "" ? undefined : fromHex(String(o.signbytes));
  if ((signature === undefined) !== (signBytes === undefined)) throw new Error(`${file}: signature and signbytes must be both present or both absent`);
  return { height, round: o.round, step: o.step, signature, signBytes };
}

function voteStep(type: number): Step {
  if (type === 1) return STEP.prevote;
  if (type === 2) return STEP.precommit;
  throw new Error(`unknown vote type ${type}`);
}

export class FilePV {
  readonly key: PrivValidatorKey;
  readonly statePath: string;
  private state: LastSignState;

  private constructor(key: PrivValidatorKey, statePath: string, state: LastSignState) {
    this.key = key;
    this.statePath = statePath;
    this.state = state;
  }

  /** loads the key file (must exist) and the state file (created at height 0 when absent). */
  static load(keyPath: string, statePath: string): FilePV {
    return FilePV.open(loadPrivValidatorKey(keyPath), statePath);
  }

  /** like load, generating the key file when absent (openledgerd init). */
  static loadOrGen(keyPath: string, statePath: string): FilePV {
    return FilePV.open(loadOrGenPrivValidatorKey(keyPath), statePath);
  }

  static open(key: PrivValidatorKey, statePath: string): FilePV {
    let state: LastSignState;
    if (existsSync(statePath)) {
      state = lastSignStateFromJson(JSON.parse(readFileSync(statePath, "utf8")) as unknown, statePath);
    } else {
      state = { height: 0n, round: 0, step: STEP.none, signature: undefined, signBytes: undefined };
      writeFileAtomicSync(statePath, `${JSON.stringify(lastSignStateToJson(state), null, 2)}\n`, 0o600);
    }
    return new FilePV(key, statePath, state);
  }

  get address(): Bytes {
    return this.key.address;
  }

  get publicKey(): Bytes {
    return this.key.publicKey;
  }

  lastSignState(): Readonly<LastSignState> {
    return this.state;
  }

  /** true when (h, r, s) equals the last signed HRS; throws DoubleSignError on a regression. */
  private checkHRS(height: bigint, round: number, step: Step): boolean {
    const s = this.state;
    if (s.height > height) throw new DoubleSignError("HEIGHT_REGRESSION", `height regression: got ${height}, last height ${s.height}`);
    if (s.height === height) {
      if (s.round > round) throw new DoubleSignError("ROUND_REGRESSION", `round regression at height ${height}: got ${round}, last round ${s.round}`);
      if (s.round === round) {
        if (s.step > step) throw new DoubleSignError("STEP_REGRESSION", `step regression at height ${height} round ${round}: got ${step}, last step ${s.step}`);
        if (s.step === step) {
          if (s.signBytes === undefined || s.signature === undefined) throw new DoubleSignError("NO_SIGNBYTES", "same HRS but no sign bytes stored");
          return true;
        }
      }
    }
    return false;
  }

  private persist(height: bigint, round: number, step: Step, signBytes: Bytes, signature: Bytes): void {
    const next: LastSignState = { height, round, step, signature, signBytes };
    writeFileAtomicSync(this.statePath, `${JSON.stringify(lastSignStateToJson(next), null, 2)}\n`, 0o600);
    this.state = next;
  }

  /**
   * Signs the vote's canonical sign bytes (and, for a non-nil precommit, its extension). Returns a
   * copy with signature, extensionSignature and possibly the stored timestamp; throws DoubleSignError.
   */
  signVote(chainId: string, vote: Vote): Vote {
    const step = voteStep(vote.type);
    const sameHRS = this.checkHRS(vote.height, vote.round, step);
    const signBytes = voteSignBytes(chainId, vote);
    let extensionSignature: Bytes = new Uint8Array(0);
    if (vote.type === 2 && !isZeroBlockId(vote.blockId)) {
      extensionSignature = signEd25519(this.key, voteExtensionSignBytes(chainId, vote));
    } else if (vote.extension.length > 0) {
      throw new Error("unexpected vote extension: extensions are only allowed in non-nil precommits");
    }
    if (sameHRS) {
      const { signature, timestamp } = this.reuse(signBytes, (t) => voteSignBytes(chainId, { ...vote, timestamp: t }), false);
      return { ...vote, timestamp, signature, extensionSignature };
    }
    const signature = signEd25519(this.key, signBytes);
    this.persist(vote.height, vote.round, step, signBytes, signature);
    return { ...vote, signature, extensionSignature };
  }

  signProposal(chainId: string, proposal: Proposal): Proposal {
    const sameHRS = this.checkHRS(proposal.height, proposal.round, STEP.propose);
    const signBytes = proposalSignBytes(chainId, proposal);
    if (sameHRS) {
      const { signature, timestamp } = this.reuse(signBytes, (t) => proposalSignBytes(chainId, { ...proposal, timestamp: t }), true);
      return { ...proposal, timestamp, signature };
    }
    const signature = signEd25519(this.key, signBytes);
    this.persist(proposal.height, proposal.round, STEP.propose, signBytes, signature);
    return { ...proposal, signature };
  }

  /** signs only the vote extension (CometBFT signs it inside signVote; exposed for re-signing). */
  signVoteExtension(chainId: string, vote: Pick<Vote, "extension" | "height" | "round">): Bytes {
    return signEd25519(this.key, voteExtensionSignBytes(chainId, vote));
  }

  /** same HRS: identical bytes → stored signature; only the timestamp differs → stored signature + timestamp. */
  private reuse(signBytes: Bytes, withTime: (t: Timestamp) => Bytes, proposal: boolean): { signature: Bytes; timestamp: Timestamp } {
    const last = this.state.signBytes!;
    const stored = decodeCanonicalSignBytes(last, proposal);
    if (equal(signBytes, last) || equal(withTime(stored.timestamp), last)) {
      return { signature: this.state.signature!, timestamp: stored.timestamp };
    }
    throw new DoubleSignError("CONFLICTING_DATA", `conflicting data at height ${this.state.height} round ${this.state.round} step ${this.state.step}`);
  }
}
