/** attribution store layout (namespace "attribution/"). Numbers are never reused; ids are u64 big-endian. */
import type { Bytes } from "../core/abci.ts";
import { concat, lengthPrefixed, u64be } from "../core/bytes.ts";

export const MODULE_NAME = "attribution";

export const PREFIX = {
  /** 0x00 → Params */
  params: 0x00,
  /** 0x01 | u64 model id → Model */
  model: 0x01,
  /** 0x02 | u64 model id | u64 start → EmbeddingChunk */
  chunk: 0x02,
  /** 0x03 | u64 receipt id → Receipt */
  receipt: 0x03,
  /** 0x04 | lp(contributor) | u64 receipt id → ∅ */
  receiptByContributor: 0x04,
  /** 0x05 | u64 model id | u64 receipt id → ∅ */
  receiptByModel: 0x05,
  /** 0x06 | sequence byte → u64 next id */
  sequence: 0x06,
  /** 0x07 | lp(contributor) → Reputation */
  reputation: 0x07,
  /** 0x08 | u64 model id → AuditReport */
  audit: 0x08,
} as const;

export const SEQ = { model: 0x01, receipt: 0x02 } as const;
export type SeqName = keyof typeof SEQ;

const p = (b: number) => Uint8Array.of(b);
export const PARAMS_KEY: Bytes = p(PREFIX.params);
export const modelKey = (id: bigint): Bytes => concat(p(PREFIX.model), u64be(id));
export const chunkPrefix = (modelId: bigint): Bytes => concat(p(PREFIX.chunk), u64be(modelId));
export const chunkKey = (modelId: bigint, start: bigint): Bytes => concat(chunkPrefix(modelId), u64be(start));
export const receiptKey = (id: bigint): Bytes => concat(p(PREFIX.receipt), u64be(id));
export const receiptByContributorPrefix = (addr: Bytes): Bytes => concat(p(PREFIX.receiptByContributor), lengthPrefixed(addr));
export const receiptByContributorKey = (addr: Bytes, id: bigint): Bytes => concat(receiptByContributorPrefix(addr), u64be(id));
export const receiptByModelPrefix = (modelId: bigint): Bytes => concat(p(PREFIX.receiptByModel), u64be(modelId));
export const receiptByModelKey = (modelId: bigint, id: bigint): Bytes => concat(receiptByModelPrefix(modelId), u64be(id));
export const sequenceKey = (name: SeqName): Bytes => Uint8Array.of(PREFIX.sequence, SEQ[name]);
export const reputationKey = (addr: Bytes): Bytes => concat(p(PREFIX.reputation), lengthPrefixed(addr));
export const auditKey = (modelId: bigint): Bytes => concat(p(PREFIX.audit), u64be(modelId));
