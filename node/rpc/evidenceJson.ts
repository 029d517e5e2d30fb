/**
 * Evidence in blocks as CometBFT 0.38 writes it (types/evidence.go, cmtjson): each item is the
 * amino-registered interface wrapper {"type": <registered name>, "value": <the struct>}, and the struct
 * keeps CometBFT's json tags — `vote_a` / `vote_b`, but the untagged ABCI fields under their Go names
 * (`TotalVotingPower`, `ValidatorPower`, `Timestamp`; int64 as strings).
 *
 * One renderer per evidence type, picked by `Evidence.type` in `evidenceJson` (DuplicateVoteEvidence,
 * LightClientAttackEvidence).
 */
import { fromBase64, fromHex } from "../../modules/core/bytes.ts";
import type { BlockID, Commit, CommitSig, Evidence, Header, Validator, Vote } from "../types/block.ts";
import { decodeDuplicateVoteEvidence, encodeDuplicateVoteEvidence } from "../consensus/evidencePool.ts";
import { parseRfc3339, ZERO_TIME } from "../types/time.ts";
import { decodeLightClientAttack, encodeLightClientAttack } from "../consensus/lightClientAttack.ts";
import { b64, b64OrNull, blockIdJson, commitJson, headerJson, hex, int, type Json, time, validatorJson } from "./json.ts";

type Obj = { [k: string]: Json };

/** types.Vote (json tags: type, height, round, block_id, timestamp, validator_address, validator_index, signature, extension, extension_signature). */
export function voteJson(v: Vote): Obj {
  return {
    type: v.type,
    height: int(v.height),
    round: v.round,
    block_id: blockIdJson(v.blockId),
    timestamp: time(v.timestamp),
    validator_address: hex(v.validatorAddress),
    validator_index: v.validatorIndex,
    signature: b64OrNull(v.signature),
    extension: b64OrNull(v.extension),
    extension_signature: b64OrNull(v.extensionSignature),
  };
}

/** types.DuplicateVoteEvidence from its protobuf bytes. */
export function duplicateVoteEvidenceJson(raw: Uint8Array): Obj {
  const e = decodeDuplicateVoteEvidence(raw);
  return {
    type: "tendermint/DuplicateVoteEvidence",
    value: {
      vote_a: voteJson(e.voteA),
      vote_b: voteJson(e.voteB),
      TotalVotingPower: int(e.totalVotingPower),
      ValidatorPower: int(e.validatorPower),
      Timestamp: time(e.timestamp),
    },
  };
}

/**
 * types.LightClientAttackEvidence from its protobuf bytes: the Go struct has no json tags, so its own
 * fields keep their Go names (ConflictingBlock, CommonHeight, ByzantineValidators, TotalVotingPower,
 * Timestamp); LightBlock / SignedHeader / ValidatorSet / Validator use their tagged snake_case names.
 * ValidatorSet's total power is an unexported Go field and does not appear.
 */
export function lightClientAttackEvidenceJson(raw: Uint8Array): Obj {
  const e = decodeLightClientAttack(raw);
  const lb = e.conflictingBlock;
  const vs = lb.validatorSet;
  return {
    type: "tendermint/LightClientAttackEvidence",
    value: {
      ConflictingBlock: {
        signed_header: { header: headerJson(lb.signedHeader.header), commit: commitJson(lb.signedHeader.commit) },
        validator_set: { validators: vs.validators.map(validatorJson), proposer: vs.proposer === undefined ? null : validatorJson(vs.proposer) },
      },
      CommonHeight: int(e.commonHeight),
      ByzantineValidators: e.byzantineValidators.map(validatorJson),
      TotalVotingPower: int(e.totalVotingPower),
      Timestamp: time(e.timestamp),
    },
  };
}

/** one element of block.evidence.evidence. */
export function evidenceJson(e: Evidence): Obj {
  switch (e.type) {
    case "duplicate_vote":
      return duplicateVoteEvidenceJson(e.raw);
    case "light_client_attack":
      return lightClientAttackEvidenceJson(e.raw);
    default: {
      // an evidence type without a renderer yet: its bytes, so the block still renders
      const other = e as { type: string; raw: Uint8Array };
      return { type: `openledger/${other.type}`, value: { raw: b64(other.raw) } };
    }
  }
}

// ------------------------------------------------------------------ parsing (RPC broadcast_evidence)

/** what a client sent is not evidence in CometBFT's JSON (the RPC answers invalid params). */
export class EvidenceJsonError extends Error {}

function field(o: Record<string, unknown>, name: string, where: string): unknown {
  if (!Object.hasOwn(o, name)) throw new EvidenceJsonError(`${where}.${name}: missing`);
  return o[name];
}
function obj(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new EvidenceJsonError(`${where}: expected an object`);
  return v as Record<string, unknown>;
}
function int64Of(v: unknown, where: string): bigint {
  if (typeof v === "string" && /^-?\d{1,19}$/.test(v)) return BigInt(v);
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  throw new EvidenceJsonError(`${where}: expected an int64 (string)`);
}
function int32Of(v: unknown, where: string): number {
  if (typeof v === "number" && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) return v;
  throw new EvidenceJsonError(`${where}: expected an int32 (number)`);
}
function hexOf(v: unknown, where: string): Uint8Array {
  if (typeof v !== "string") throw new EvidenceJsonError(`${where}: expected hex`);
  try {
    return fromHex(v);
  } catch {
    throw new EvidenceJsonError(`${where}: invalid hex`);
  }
}
function b64Of(v: unknown, where: string): Uint8Array {
  if (v === null || v === undefined || v === "") return new Uint8Array(0);
  if (typeof v !== "string") throw new EvidenceJsonError(`${where}: expected base64`);
  try {
    return fromBase64(v);
  } catch {
    throw new EvidenceJsonError(`${where}: invalid base64`);
  }
}
function timeOf(v: unknown, where: string): import("../../modules/core/abci.ts").Timestamp {
  if (typeof v !== "string") throw new EvidenceJsonError(`${where}: expected an RFC3339 time`);
  try {
    return parseRfc3339(v);
  } catch (e) {
    throw new EvidenceJsonError(`${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function blockIdFromJson(v: unknown, where: string): BlockID {
  const o = obj(v, where);
  const parts = obj(field(o, "parts", where), `${where}.parts`);
  return { hash: hexOf(field(o, "hash", where), `${where}.hash`), partSetHeader: { total: int32Of(field(parts, "total", `${where}.parts`), `${where}.parts.total`), hash: hexOf(field(parts, "hash", `${where}.parts`), `${where}.parts.hash`) } };
}

/** types.Vote from its JSON (voteJson's inverse). */
export function voteFromJson(v: unknown, where = "vote"): Vote {
  const o = obj(v, where);
  const type = int32Of(field(o, "type", where), `${where}.type`);
  if (type !== 1 && type !== 2) throw new EvidenceJsonError(`${where}.type: expected 1 (prevote) or 2 (precommit)`);
  return {
    type,
    height: int64Of(field(o, "height", where), `${where}.height`),
    round: int32Of(field(o, "round", where), `${where}.round`),
    blockId: blockIdFromJson(field(o, "block_id", where), `${where}.block_id`),
    timestamp: timeOf(field(o, "timestamp", where), `${where}.timestamp`),
    validatorAddress: hexOf(field(o, "validator_address", where), `${where}.validator_address`),
    validatorIndex: int32Of(field(o, "validator_index", where), `${where}.validator_index`),
    signature: b64Of(field(o, "signature", where), `${where}.signature`),
    extension: b64Of(o["extension"], `${where}.extension`),
    extensionSignature: b64Of(o["extension_signature"], `${where}.extension_signature`),
  };
}

function arr(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw new EvidenceJsonError(`${where}: expected an array`);
  return v;
}

function headerFromJson(v: unknown, where: string): Header {
  const o = obj(v, where);
  const f = (name: string) => field(o, name, where);
  const version = obj(f("version"), `${where}.version`);
  const chainId = f("chain_id");
  if (typeof chainId !== "string") throw new EvidenceJsonError(`${where}.chain_id: expected a string`);
  return {
    version: { block: int64Of(field(version, "block", `${where}.version`), `${where}.version.block`), app: int64Of(field(version, "app", `${where}.version`), `${where}.version.app`) },
    chainId,
    height: int64Of(f("height"), `${where}.height`),
    time: timeOf(f("time"), `${where}.time`),
    lastBlockId: blockIdFromJson(f("last_block_id"), `${where}.last_block_id`),
    lastCommitHash: hexOf(f("last_commit_hash"), `${where}.last_commit_hash`),
    dataHash: hexOf(f("data_hash"), `${where}.data_hash`),
    validatorsHash: hexOf(f("validators_hash"), `${where}.validators_hash`),
    nextValidatorsHash: hexOf(f("next_validators_hash"), `${where}.next_validators_hash`),
    consensusHash: hexOf(f("consensus_hash"), `${where}.consensus_hash`),
    appHash: hexOf(f("app_hash"), `${where}.app_hash`),
    lastResultsHash: hexOf(f("last_results_hash"), `${where}.last_results_hash`),
    evidenceHash: hexOf(f("evidence_hash"), `${where}.evidence_hash`),
    proposerAddress: hexOf(f("proposer_address"), `${where}.proposer_address`),
  };
}

function commitFromJson(v: unknown, where: string): Commit {
  const o = obj(v, where);
  return {
    height: int64Of(field(o, "height", where), `${where}.height`),
    round: int32Of(field(o, "round", where), `${where}.round`),
    blockId: blockIdFromJson(field(o, "block_id", where), `${where}.block_id`),
    signatures: arr(field(o, "signatures", where), `${where}.signatures`).map((x, i): CommitSig => {
      const w = `${where}.signatures[${i}]`;
      const s = obj(x, w);
      const flag = int32Of(field(s, "block_id_flag", w), `${w}.block_id_flag`);
      if (flag !== 1 && flag !== 2 && flag !== 3) throw new EvidenceJsonError(`${w}.block_id_flag: expected 1, 2 or 3`);
      if (flag === 1) return { blockIdFlag: 1, validatorAddress: new Uint8Array(0), timestamp: ZERO_TIME, signature: new Uint8Array(0) };
      return { blockIdFlag: flag, validatorAddress: hexOf(field(s, "validator_address", w), `${w}.validator_address`), timestamp: timeOf(field(s, "timestamp", w), `${w}.timestamp`), signature: b64Of(field(s, "signature", w), `${w}.signature`) };
    }),
  };
}

function validatorFromJson(v: unknown, where: string): Validator {
  const o = obj(v, where);
  const pk = obj(field(o, "pub_key", where), `${where}.pub_key`);
  if (field(pk, "type", `${where}.pub_key`) !== "tendermint/PubKeyEd25519") throw new EvidenceJsonError(`${where}.pub_key.type: expected "tendermint/PubKeyEd25519"`);
  return {
    address: hexOf(field(o, "address", where), `${where}.address`),
    pubKey: { type: "ed25519", value: b64Of(field(pk, "value", `${where}.pub_key`), `${where}.pub_key.value`) },
    votingPower: int64Of(field(o, "voting_power", where), `${where}.voting_power`),
    proposerPriority: int64Of(field(o, "proposer_priority", where), `${where}.proposer_priority`),
  };
}

/** types.LightClientAttackEvidence's value (lightClientAttackEvidenceJson's inverse). */
function lightClientAttackFromJson(v: Record<string, unknown>, w: string): Evidence {
  const cb = obj(field(v, "ConflictingBlock", w), `${w}.ConflictingBlock`);
  const cw = `${w}.ConflictingBlock`;
  const sh = obj(field(cb, "signed_header", cw), `${cw}.signed_header`);
  const vs = obj(field(cb, "validator_set", cw), `${cw}.validator_set`);
  const proposer = vs["proposer"];
  return {
    type: "light_client_attack",
    raw: encodeLightClientAttack({
      conflictingBlock: {
        signedHeader: { header: headerFromJson(field(sh, "header", `${cw}.signed_header`), `${cw}.signed_header.header`), commit: commitFromJson(field(sh, "commit", `${cw}.signed_header`), `${cw}.signed_header.commit`) },
        validatorSet: {
          validators: arr(field(vs, "validators", `${cw}.validator_set`), `${cw}.validator_set.validators`).map((x, i) => validatorFromJson(x, `${cw}.validator_set.validators[${i}]`)),
          proposer: proposer === null || proposer === undefined ? undefined : validatorFromJson(proposer, `${cw}.validator_set.proposer`),
        },
      },
      commonHeight: int64Of(field(v, "CommonHeight", w), `${w}.CommonHeight`),
      byzantineValidators: arr(field(v, "ByzantineValidators", w) ?? [], `${w}.ByzantineValidators`).map((x, i) => validatorFromJson(x, `${w}.ByzantineValidators[${i}]`)),
      totalVotingPower: int64Of(field(v, "TotalVotingPower", w), `${w}.TotalVotingPower`),
      timestamp: timeOf(field(v, "Timestamp", w), `${w}.Timestamp`),
    }),
  };
}

/**
 * types.Evidence from CometBFT's JSON (`{"type": "tendermint/DuplicateVoteEvidence" |
 * "tendermint/LightClientAttackEvidence", "value": {…}}`, the layout `evidenceJson` writes), as
 * broadcast_evidence takes it (a light client's detector sends LightClientAttackEvidence this way).
 */
export function evidenceFromJson(j: unknown): Evidence {
  const o = obj(j, "evidence");
  const type = field(o, "type", "evidence");
  const w = "evidence.value";
  const v = obj(field(o, "value", "evidence"), w);
  if (type === "tendermint/LightClientAttackEvidence") return lightClientAttackFromJson(v, w);
  if (type !== "tendermint/DuplicateVoteEvidence") throw new EvidenceJsonError(`evidence.type: expected "tendermint/DuplicateVoteEvidence" or "tendermint/LightClientAttackEvidence", got ${JSON.stringify(type)}`);
  return encodeDuplicateVoteEvidence({
    voteA: voteFromJson(field(v, "vote_a", w), `${w}.vote_a`),
    voteB: voteFromJson(field(v, "vote_b", w), `${w}.vote_b`),
    totalVotingPower: int64Of(field(v, "TotalVotingPower", w), `${w}.TotalVotingPower`),
    validatorPower: int64Of(field(v, "ValidatorPower", w), `${w}.ValidatorPower`),
    timestamp: timeOf(field(v, "Timestamp", w), `${w}.Timestamp`),
  });
}
