/**
 * Evidence in blocks as CometBFT 0.38 writes it (types/evidence.go, cmtjson): each item is the
 * amino-registered interface wrapper {"type": <registered name>, "value": <the struct>}, and the struct
 * keeps CometBFT's json tags — `vote_a` / `vote_b`, but the untagged ABCI fields under their Go names
 * (`TotalVotingPower`, `ValidatorPower`, `Timestamp`; int64 as strings).
 *
 * One renderer per evidence type, picked by `Evidence.type` in `evidenceJson` (DuplicateVoteEvidence,
 * LightClientAttackEvidence).
 */
import type { Evidence, Vote } from "../types/block.ts";
import { decodeDuplicateVoteEvidence } from "../consensus/evidencePool.ts";
import { decodeLightClientAttack } from "../consensus/lightClientAttack.ts";
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
