/**
 * compute store layout (module namespace "compute/"). Numbers are never reused; variable-length parts
 * are length-prefixed; ids and heights are u64 big-endian so that keys sort numerically.
 */
import type { Bytes } from "../core/abci.ts";
import { concat, lengthPrefixed, u64be } from "../core/bytes.ts";

export const MODULE_NAME = "compute";
/** the module account that holds provider bonds and escrowed job fees. */
export const ESCROW_ACCOUNT = MODULE_NAME;

export const PREFIX = {
  /** 0x00 → Params */
  params: 0x00,
  /** 0x01 | lp(provider) → Provider */
  provider: 0x01,
  /** 0x02 | u64 job id → Job */
  job: 0x02,
  /** 0x03 | u8 status | u64 job id → ∅ */
  jobByStatus: 0x03,
  /** 0x04 | lp(provider) | u64 job id → ∅ (jobs ever assigned to the provider) */
  jobByProvider: 0x04,
  /** 0x05 | u64 deadline height | u64 job id → ∅ (assigned or submitted jobs) */
  deadline: 0x05,
  /** 0x06 | u64 release height | lp(provider) → ∅ (unbonding providers) */
  unbonding: 0x06,
  /** 0x07 | sequence byte → u64 next id */
  sequence: 0x07,
} as const;

export const SEQ = { job: 0x01 } as const;
export type SeqName = keyof typeof SEQ;

const p = (b: number) => Uint8Array.of(b);

export const PARAMS_KEY: Bytes = p(PREFIX.params);
export const providerPrefix = (): Bytes => p(PREFIX.provider);
export const providerKey = (addr: Bytes): Bytes => concat(p(PREFIX.provider), lengthPrefixed(addr));
export const jobKey = (id: bigint): Bytes => concat(p(PREFIX.job), u64be(id));
export const jobByStatusPrefix = (status: number): Bytes => Uint8Array.of(PREFIX.jobByStatus, status);
export const jobByStatusKey = (status: number, id: bigint): Bytes => concat(jobByStatusPrefix(status), u64be(id));
export const jobByProviderPrefix = (addr: Bytes): Bytes => concat(p(PREFIX.jobByProvider), lengthPrefixed(addr));
export const jobByProviderKey = (addr: Bytes, id: bigint): Bytes => concat(jobByProviderPrefix(addr), u64be(id));
export const deadlinePrefix = (): Bytes => p(PREFIX.deadline);
export const deadlineKey = (height: bigint, id: bigint): Bytes => concat(p(PREFIX.deadline), u64be(height), u64be(id));
export const unbondingPrefix = (): Bytes => p(PREFIX.unbonding);
export const unbondingKey = (height: bigint, addr: Bytes): Bytes => concat(p(PREFIX.unbonding), u64be(height), lengthPrefixed(addr));
export const sequenceKey = (name: SeqName): Bytes => Uint8Array.of(PREFIX.sequence, SEQ[name]);
