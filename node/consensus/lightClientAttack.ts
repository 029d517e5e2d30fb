/**
 * Light-client-attack evidence (specs/consensus.md §6.2; CometBFT 0.38 types/evidence.go
 * LightClientAttackEvidence, evidence/verify.go VerifyLightClientAttack): a signed header of height H
 * that conflicts with ours, with its commit and validator set (a LightBlock), the common height, the
 * byzantine validators, the total voting power and the time of the common block.
 *
 * Forms (GetByzantineValidators):
 * - lunatic: the conflicting header is not a valid successor of the common state (validators / next
 *   validators / consensus / app / last-results hash differ from our header at H); common height < H;
 *   byzantine = the signers of the conflicting commit that are in the common set;
 * - equivocation: same deterministic fields, both commits in the same round; byzantine = the
 *   validators that signed both commits;
 * - amnesia: same fields, commits of different rounds; nobody can be proven guilty (byzantine = []).
 *
 * Our nodes build the equivocation/amnesia form when they meet a commit of another branch (fork
 * forensics, forkEvidence.ts): common height = the first height where the branches differ. This file is
 * pure (encoding, hashing, classification, verification); the evidence pool does the IO.
 */
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { Misbehavior } from "../../modules/core/abci.ts";
import { compare, equal, toHex } from "../../modules/core/bytes.ts";
import { sha256 } from "../../modules/core/hash.ts";
import { verifyCommit } from "../blocksync/verify.ts";
import { ed25519Address } from "../crypto/ed25519.ts";
import type { Commit, Header, Timestamp, Validator } from "../types/block.ts";
import { decodeCommit, decodeHeader, decodeTimestamp, decodeValidator, decodeValidatorSet, encodeValidatorSet, writeCommit, writeHeader, writeTimestamp, writeValidator } from "../types/encoding.ts";
import { headerHash, validatorSetHash } from "../types/hash.ts";
import { compareTimestamps } from "../types/time.ts";

export interface SignedHeader {
  header: Header;
  commit: Commit;
}

export interface LightBlock {
  signedHeader: SignedHeader;
  validatorSet: { validators: Validator[]; proposer: Validator | undefined };
}

export interface DecodedLightClientAttack {
  conflictingBlock: LightBlock;
  commonHeight: bigint;
  byzantineValidators: Validator[];
  totalVotingPower: bigint;
  timestamp: Timestamp;
}

/** invalid or unusable evidence (light-client-attack or duplicate-vote): "reject" scores the sender, "ignore" does not. */
export class EvidenceError extends Error {
  readonly outcome: "ignore" | "reject";
  constructor(outcome: "ignore" | "reject", message: string) {
    super(message);
    this.name = "EvidenceError";
    this.outcome = outcome;
  }
}

const reject = (m: string): never => {
  throw new EvidenceError("reject", `light client attack evidence: ${m}`);
};

// ---------------------------------------------------------------------------------------------
// encoding (tendermint.types.LightClientAttackEvidence, LightBlock, SignedHeader, ValidatorSet)

function totalPower(vals: readonly Validator[]): bigint {
  let t = 0n;
  for (const v of vals) t += v.votingPower;
  return t;
}

/** the proto bytes of the evidence (CometBFT LightClientAttackEvidence.Bytes(): the block's evidence-hash leaf). */
export function encodeLightClientAttack(e: DecodedLightClientAttack): Uint8Array {
  const w = new BinaryWriter();
  const lb = e.conflictingBlock;
  w.tag(1, WireType.LengthDelimited).fork();
  {
    // LightBlock{signed_header = 1, validator_set = 2}; SignedHeader{header = 1, commit = 2}
    w.tag(1, WireType.LengthDelimited).fork();
    w.tag(1, WireType.LengthDelimited).fork();
    writeHeader(w, lb.signedHeader.header);
    w.join();
    w.tag(2, WireType.LengthDelimited).fork();
    writeCommit(w, lb.signedHeader.commit);
    w.join();
    w.join();
    w.tag(2, WireType.LengthDelimited).bytes(encodeValidatorSet(lb.validatorSet.validators, lb.validatorSet.proposer, totalPower(lb.validatorSet.validators)));
  }
  w.join();
  if (e.commonHeight !== 0n) w.tag(2, WireType.Varint).int64(e.commonHeight);
  for (const v of e.byzantineValidators) {
    w.tag(3, WireType.LengthDelimited).fork();
    writeValidator(w, v);
    w.join();
  }
  if (e.totalVotingPower !== 0n) w.tag(4, WireType.Varint).int64(e.totalVotingPower);
  w.tag(5, WireType.LengthDelimited).fork();
  writeTimestamp(w, e.timestamp);
  w.join();
  return w.finish();
}

function fields(bz: Uint8Array, on: (r: BinaryReader, f: number, t: WireType) => boolean, what: string): void {
  const r = new BinaryReader(bz);
  while (r.pos < r.len) {
    const [f, t] = r.tag();
    if (!on(r, f, t)) throw new Error(`${what}: unexpected field ${f}/${t}`);
  }
}

/** decodes and runs CometBFT's ValidateBasic (structure only, no signatures); throws on malformed input. */
export function decodeLightClientAttack(raw: Uint8Array, chainId?: string): DecodedLightClientAttack {
  let lb: LightBlock | undefined;
  let commonHeight = 0n;
  const byz: Validator[] = [];
  let total = 0n;
  let timestamp: Timestamp | undefined;
  const LD = WireType.LengthDelimited;
  fields(
    raw,
    (r, f, t) => {
      if (f === 1 && t === LD) {
        let header: Header | undefined;
        let commit: Commit | undefined;
        let vs: ReturnType<typeof decodeValidatorSet> | undefined;
        fields(
          r.bytes(),
          (r, f, t) => {
            if (f === 1 && t === LD) {
              fields(
                r.bytes(),
                (r, f, t) => {
                  if (f === 1 && t === LD) header = decodeHeader(r.bytes());
                  else if (f === 2 && t === LD) commit = decodeCommit(r.bytes());
                  else return false;
                  return true;
                },
                "signed header",
              );
            } else if (f === 2 && t === LD) vs = decodeValidatorSet(r.bytes());
            else return false;
            return true;
          },
          "light block",
        );
        if (header === undefined || commit === undefined) throw new Error("light block without a signed header");
        if (vs === undefined || vs.validators.length === 0) throw new Error("light block without a validator set");
        lb = { signedHeader: { header, commit }, validatorSet: { validators: vs.validators, proposer: vs.proposer } };
      } else if (f === 2 && t === WireType.Varint) commonHeight = BigInt(r.int64());
      else if (f === 3 && t === LD) byz.push(decodeValidator(r.bytes()));
      else if (f === 4 && t === WireType.Varint) total = BigInt(r.int64());
      else if (f === 5 && t === LD) timestamp = decodeTimestamp(r.bytes());
      else return false;
      return true;
    },
    "light client attack evidence",
  );
  if (lb === undefined) throw new Error("light client attack evidence: conflicting block is nil");
  if (timestamp === undefined) throw new Error("light client attack evidence: no timestamp");
  const e: DecodedLightClientAttack = { conflictingBlock: lb, commonHeight, byzantineValidators: byz, totalVotingPower: total, timestamp };
  validateBasic(e, chainId);
  return e;
}

/** CometBFT LightClientAttackEvidence.ValidateBasic + LightBlock.ValidateBasic (no signatures). */
export function validateBasic(e: DecodedLightClientAttack, chainId?: string): void {
  const fail = (m: string): never => {
    throw new Error(`light client attack evidence: ${m}`);
  };
  if (e.totalVotingPower <= 0n) fail("negative or zero total voting power");
  if (e.commonHeight <= 0n) fail("negative or zero common height");
  const { header, commit } = e.conflictingBlock.signedHeader;
  if (e.commonHeight > header.height) fail(`common height is ahead of the conflicting block height (${e.commonHeight} > ${header.height})`);
  if (chainId !== undefined && header.chainId !== chainId) fail(`conflicting header of chain ${header.chainId}`);
  if (commit.height !== header.height) fail("commit height does not match the header");
  if (!equal(commit.blockId.hash, headerHash(header))) fail("commit signs another header");
  const vs = e.conflictingBlock.validatorSet;
  if (vs.proposer === undefined) fail("validator set without a proposer");
  for (const v of vs.validators) {
    if (v.votingPower < 0n || v.pubKey.type !== "ed25519" || !equal(v.address, ed25519Address(v.pubKey.value))) fail("malformed validator in the conflicting set");
  }
  if (!equal(header.validatorsHash, validatorSetHash(vs.validators))) fail("validator set does not match the header's validators hash");
}

/**
 * CometBFT LightClientAttackEvidence.Hash(): SHA-256 of (the conflicting header hash, first 31 bytes,
 * then a zero byte) followed by the zig-zag varint of the common height. Permutations of the same
 * conflicting header and common height share it, so only one of them is ever committed.
 */
export function lightClientAttackHash(e: DecodedLightClientAttack): Uint8Array {
  const h = headerHash(e.conflictingBlock.signedHeader.header);
  const w = new BinaryWriter();
  w.sint64(e.commonHeight);
  const v = w.finish();
  const bz = new Uint8Array(32 + v.length);
  bz.set(h.subarray(0, 31), 0);
  bz.set(v, 32);
  return sha256(bz);
}

// ---------------------------------------------------------------------------------------------
// classification and verification

/** the conflicting header is not what the common state derives (CometBFT ConflictingHeaderIsInvalid). */
export function conflictingHeaderIsInvalid(conflicting: Header, trusted: Header): boolean {
  return (
    !equal(trusted.validatorsHash, conflicting.validatorsHash) ||
    !equal(trusted.nextValidatorsHash, conflicting.nextValidatorsHash) ||
    !equal(trusted.consensusHash, conflicting.consensusHash) ||
    !equal(trusted.appHash, conflicting.appHash) ||
    !equal(trusted.lastResultsHash, conflicting.lastResultsHash)
  );
}

export type AttackKind = "lunatic" | "equivocation" | "amnesia";

export function attackKind(conflicting: SignedHeader, trusted: SignedHeader): AttackKind {
  if (conflictingHeaderIsInvalid(conflicting.header, trusted.header)) return "lunatic";
  return conflicting.commit.round === trusted.commit.round ? "equivocation" : "amnesia";
}

/** CometBFT's ValidatorsByVotingPower order: power descending, then address ascending. */
function byPower(a: Validator, b: Validator): number {
  if (a.votingPower !== b.votingPower) return a.votingPower > b.votingPower ? -1 : 1;
  return compare(a.address, b.address);
}

function byAddress(vals: readonly Validator[], address: Uint8Array): Validator | undefined {
  for (const v of vals) if (equal(v.address, address)) return v;
  return undefined;
}

/** CometBFT GetByzantineValidators (lunatic: conflicting signers in the common set; equivocation: signers of both; amnesia: none). */
export function byzantineValidators(conflicting: LightBlock, commonVals: readonly Validator[], trusted: SignedHeader): Validator[] {
  const c = conflicting.signedHeader;
  const out: Validator[] = [];
  const kind = attackKind(c, trusted);
  if (kind === "lunatic") {
    for (const s of c.commit.signatures) {
      if (s.blockIdFlag !== 2) continue;
      const v = byAddress(commonVals, s.validatorAddress);
      if (v !== undefined) out.push(v);
    }
  } else if (kind === "equivocation") {
    for (let i = 0; i < c.commit.signatures.length; i++) {
      const a = c.commit.signatures[i]!;
      const b = trusted.commit.signatures[i];
      if (a.blockIdFlag !== 2 || b === undefined || b.blockIdFlag !== 2) continue;
      const v = byAddress(conflicting.validatorSet.validators, a.validatorAddress);
      if (v !== undefined) out.push(v);
    }
  }
  return out.sort(byPower);
}

/**
 * commonVals' power behind the conflicting commit is more than 1/3 (CometBFT
 * VerifyCommitLightTrustingAllSignatures with the default trust level): every signature counted is checked.
 */
function verifyCommitTrusting(commonVals: readonly Validator[], commit: Commit): void {
  const total = totalPower(commonVals);
  let tallied = 0n;
  const seen = new Set<string>();
  for (const s of commit.signatures) {
    if (s.blockIdFlag !== 2) continue;
    const v = byAddress(commonVals, s.validatorAddress);
    if (v === undefined) continue;
    const k = toHex(v.address);
    if (seen.has(k)) reject("double vote from one validator in the conflicting commit");
    seen.add(k);
    // the full check of this commit against its own set (verifyCommit) verifies the signatures
    tallied += v.votingPower;
  }
  if (tallied * 3n <= total) reject(`only ${tallied} of the common set's ${total} power signed the conflicting block (need > 1/3)`);
}

export interface VerifyContext {
  chainId: string;
  /** our header at the common height with its commit. */
  commonHeader: SignedHeader;
  /** our header at the conflicting block's height with its commit (the common one when the heights are equal). */
  trustedHeader: SignedHeader;
  /** our validator set at the common height. */
  commonVals: readonly Validator[];
  /** our block time at the common height. */
  commonTime: Timestamp;
}

/** the ABCI fields as this node derives them (to compare with the evidence, or to re-stamp it). */
export interface LocalAbciFields {
  byzantineValidators: Validator[];
  totalVotingPower: bigint;
  timestamp: Timestamp;
}

/**
 * CometBFT VerifyLightClientAttack (without the forward-lunatic case: the conflicting height must be one
 * we hold). Throws EvidenceError("reject") when the evidence is invalid. Returns the locally
 * derived ABCI fields and, separately, whether the evidence's own fields differ from them (`mismatch`):
 * on a forked chain evidence built on the other branch carries that branch's time.
 */
export function verifyLightClientAttack(e: DecodedLightClientAttack, ctx: VerifyContext): { local: LocalAbciFields; mismatch: string | undefined } {
  const c = e.conflictingBlock.signedHeader;
  if (ctx.commonHeader.header.height !== e.commonHeight) reject("common header of another height");
  if (ctx.trustedHeader.header.height !== c.header.height) reject("trusted header of another height");
  if (e.commonHeight !== c.header.height) {
    verifyCommitTrusting(ctx.commonVals, c.commit);
  } else if (conflictingHeaderIsInvalid(c.header, ctx.trustedHeader.header)) {
    reject("common height is the same as conflicting block height so expected the conflicting block to be correctly derived yet it wasn't");
  }
  try {
    verifyCommit(ctx.chainId, e.conflictingBlock.validatorSet.validators, c.header.height, c.commit);
  } catch (err: unknown) {
    reject(`invalid commit from conflicting block: ${(err as Error).message}`);
  }
  if (equal(headerHash(ctx.trustedHeader.header), headerHash(c.header))) reject("trusted header hash matches the evidence's conflicting header hash");
  const local: LocalAbciFields = {
    byzantineValidators: byzantineValidators(e.conflictingBlock, ctx.commonVals, ctx.trustedHeader),
    totalVotingPower: totalPower(ctx.commonVals),
    timestamp: ctx.commonTime,
  };
  for (const v of e.byzantineValidators) {
    if (v.pubKey.type !== "ed25519" || !equal(v.address, ed25519Address(v.pubKey.value))) reject("byzantine validator address does not match its public key");
  }
  let mismatch: string | undefined;
  if (compareTimestamps(e.timestamp, ctx.commonTime) !== 0) mismatch = "evidence time is not the block time of the common height";
  else if (e.totalVotingPower !== local.totalVotingPower) mismatch = "total voting power from the evidence and our validator set does not match";
  else if (e.byzantineValidators.length !== local.byzantineValidators.length) mismatch = `expected ${local.byzantineValidators.length} byzantine validators from evidence but got ${e.byzantineValidators.length}`;
  else {
    for (let i = 0; i < local.byzantineValidators.length; i++) {
      const a = local.byzantineValidators[i]!;
      const b = e.byzantineValidators[i]!;
      if (!equal(a.address, b.address) || a.votingPower !== b.votingPower || !equal(a.pubKey.value, b.pubKey.value)) {
        mismatch = "evidence contained an unexpected byzantine validator";
        break;
      }
    }
  }
  return { local, mismatch };
}

/**
 * builds the evidence a node holding `trusted` (its signed header of height H, H = the first height
 * where the branches differ) can prove with `conflicting` (the other branch's signed header of H):
 * the equivocation / amnesia form with common height H (CometBFT light/detector.go
 * newLightClientAttackEvidence for headers that are validly derived). `undefined` when the conflicting
 * header is not validly derived from the common state (lunatic: not built here).
 */
export function buildLightClientAttack(conflicting: SignedHeader, trusted: SignedHeader, vals: readonly Validator[], commonTime: Timestamp): DecodedLightClientAttack | undefined {
  if (conflictingHeaderIsInvalid(conflicting.header, trusted.header)) return undefined;
  const proposer = byAddress(vals, conflicting.header.proposerAddress) ?? vals[0];
  const lb: LightBlock = { signedHeader: conflicting, validatorSet: { validators: [...vals], proposer } };
  return {
    conflictingBlock: lb,
    commonHeight: trusted.header.height,
    byzantineValidators: byzantineValidators(lb, vals, trusted),
    totalVotingPower: totalPower(vals),
    timestamp: commonTime,
  };
}

/** the evidence as ABCI misbehavior: one LIGHT_CLIENT_ATTACK item per byzantine validator (none for amnesia). */
export function lightClientAttackMisbehavior(e: DecodedLightClientAttack): Misbehavior[] {
  return e.byzantineValidators.map((v) => ({
    type: "light_client_attack" as const,
    validator: { address: ed25519Address(v.pubKey.value), power: v.votingPower },
    height: e.commonHeight,
    time: e.timestamp,
    totalVotingPower: e.totalVotingPower,
  }));
}
