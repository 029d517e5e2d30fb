/** gov store layout. Numbers are never reused. Proposal ids and times are fixed-width big-endian. */
import type { Bytes, Timestamp } from "../core/abci.ts";
import { concat, lengthPrefixed, u64be } from "../core/bytes.ts";

export const MODULE_NAME = "gov";

export const PREFIX = {
  params: 0x00,
  /** id → Proposal */
  proposals: 0x01,
  /** the next proposal id */
  nextProposalId: 0x02,
  /** votingEnd(sec, nanos) ‖ id → ∅ */
  activeQueue: 0x03,
  /** depositEnd(sec, nanos) ‖ id → ∅ */
  inactiveQueue: 0x04,
  /** id ‖ len ‖ depositor → Deposit */
  deposits: 0x10,
  /** id ‖ len ‖ voter → Vote */
  votes: 0x20,
  /** the constitution text */
  constitution: 0x05,
} as const;

export const PARAMS_KEY: Bytes = Uint8Array.of(PREFIX.params);
export const NEXT_ID_KEY: Bytes = Uint8Array.of(PREFIX.nextProposalId);
export const CONSTITUTION_KEY: Bytes = Uint8Array.of(PREFIX.constitution);

export const proposalKey = (id: bigint): Bytes => concat(Uint8Array.of(PREFIX.proposals), u64be(id));
const timeBytes = (t: Timestamp): Bytes => concat(u64be(t.seconds), u64be(BigInt(t.nanos)));
export const queueKey = (prefix: number, t: Timestamp, id: bigint): Bytes => concat(Uint8Array.of(prefix), timeBytes(t), u64be(id));
/** the exclusive upper bound of queue entries due at or before t. */
export const queueEnd = (prefix: number, t: Timestamp): Bytes => concat(Uint8Array.of(prefix), timeBytes({ seconds: t.seconds, nanos: t.nanos + 1 }));
export const depositsPrefix = (id: bigint): Bytes => concat(Uint8Array.of(PREFIX.deposits), u64be(id));
export const depositKey = (id: bigint, depositor: Bytes): Bytes => concat(depositsPrefix(id), lengthPrefixed(depositor));
export const votesPrefix = (id: bigint): Bytes => concat(Uint8Array.of(PREFIX.votes), u64be(id));
export const voteKey = (id: bigint, voter: Bytes): Bytes => concat(votesPrefix(id), lengthPrefixed(voter));
