/**
 * datanet store layout (module namespace "datanet/"). Numbers are never reused; variable-length parts
 * are length-prefixed; ids are u64 big-endian so that keys sort numerically.
 */
import type { Bytes } from "../core/abci.ts";
import { concat, lengthPrefixed, u64be } from "../core/bytes.ts";

export const MODULE_NAME = "datanet";
/** the escrow module account that holds bonded stakes and challenge bonds. */
export const ESCROW_ACCOUNT = MODULE_NAME;

export const PREFIX = {
  /** 0x00 → Params (proto) */
  params: 0x00,
  /** 0x01 | u64 datanet id → Datanet */
  datanet: 0x01,
  /** 0x02 | u64 contribution id → Contribution */
  contribution: 0x02,
  /** 0x03 | u64 datanet id | u64 contribution id → ∅ (registration order) */
  byDatanet: 0x03,
  /** 0x04 | lp(contributor) | u64 contribution id → ∅ */
  byContributor: 0x04,
  /** 0x05 | u64 datanet id | point hash (32) → u64 contribution id (exact duplicates refused) */
  pointHash: 0x05,
  /** 0x06 | u64 datanet id | u64 contribution id → ∅ (accepted, not slashed) */
  accepted: 0x06,
  /** 0x07 | u64 snapshot id → Snapshot */
  snapshot: 0x07,
  /** 0x08 | u64 snapshot id | u64 leaf index → u64 contribution id */
  snapshotEntry: 0x08,
  /** 0x09 | u64 datanet id | u64 version → u64 snapshot id */
  snapshotByDatanet: 0x09,
  /** 0x0a | u64 challenge id → Challenge */
  challenge: 0x0a,
  /** 0x0b | u64 datanet id | lp(contributor) → u64 epoch ‖ u64 count (per-epoch quota) */
  quota: 0x0b,
  /** 0x0c | sequence byte → u64 next id */
  sequence: 0x0c,
  /** 0x0d | u64 datanet id | content hash (32) → u64 contribution id */
  contentHash: 0x0d,
  /**
   * 0x0e | u64 datanet id → u64 contributions of the datanet ever slashed (absent = 0). Derived: kept by
   * setContribution (also on genesis import), not in the genesis file; lets attribution skip the per-point
   * slashed check for datanets without any slash.
   */
  slashedCount: 0x0e,
} as const;

export const SEQ = { datanet: 0x01, contribution: 0x02, snapshot: 0x03, challenge: 0x04 } as const;
export type SeqName = keyof typeof SEQ;

const p = (b: number) => Uint8Array.of(b);

export const PARAMS_KEY: Bytes = p(PREFIX.params);
export const datanetKey = (id: bigint): Bytes => concat(p(PREFIX.datanet), u64be(id));
export const contributionKey = (id: bigint): Bytes => concat(p(PREFIX.contribution), u64be(id));
export const byDatanetPrefix = (datanetId: bigint): Bytes => concat(p(PREFIX.byDatanet), u64be(datanetId));
export const byDatanetKey = (datanetId: bigint, id: bigint): Bytes => concat(byDatanetPrefix(datanetId), u64be(id));
export const byContributorPrefix = (addr: Bytes): Bytes => concat(p(PREFIX.byContributor), lengthPrefixed(addr));
export const byContributorKey = (addr: Bytes, id: bigint): Bytes => concat(byContributorPrefix(addr), u64be(id));
export const pointHashKey = (datanetId: bigint, hash: Bytes): Bytes => concat(p(PREFIX.pointHash), u64be(datanetId), hash);
export const contentHashKey = (datanetId: bigint, hash: Bytes): Bytes => concat(p(PREFIX.contentHash), u64be(datanetId), hash);
export const acceptedPrefix = (datanetId: bigint): Bytes => concat(p(PREFIX.accepted), u64be(datanetId));
export const acceptedKey = (datanetId: bigint, id: bigint): Bytes => concat(acceptedPrefix(datanetId), u64be(id));
export const snapshotKey = (id: bigint): Bytes => concat(p(PREFIX.snapshot), u64be(id));
export const snapshotEntryPrefix = (snapshotId: bigint): Bytes => concat(p(PREFIX.snapshotEntry), u64be(snapshotId));
export const snapshotEntryKey = (snapshotId: bigint, index: bigint): Bytes => concat(snapshotEntryPrefix(snapshotId), u64be(index));
export const snapshotByDatanetPrefix = (datanetId: bigint): Bytes => concat(p(PREFIX.snapshotByDatanet), u64be(datanetId));
export const snapshotByDatanetKey = (datanetId: bigint, version: bigint): Bytes => concat(snapshotByDatanetPrefix(datanetId), u64be(version));
export const challengeKey = (id: bigint): Bytes => concat(p(PREFIX.challenge), u64be(id));
export const quotaKey = (datanetId: bigint, addr: Bytes): Bytes => concat(p(PREFIX.quota), u64be(datanetId), lengthPrefixed(addr));
export const slashedCountKey = (datanetId: bigint): Bytes => concat(p(PREFIX.slashedCount), u64be(datanetId));
export const sequenceKey = (name: SeqName): Bytes => Uint8Array.of(PREFIX.sequence, SEQ[name]);
