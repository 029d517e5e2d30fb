/**
 * Gas: a deterministic meter plus a metered KVStore wrapper, with cosmos-sdk's KVGasConfig costs
 * (store/types/gas.go). Out of gas throws sdk:11.
 */
import type { Bytes } from "./abci.ts";
import { ErrOutOfGas } from "./errors.ts";
import type { IterateOptions, KV, KVStore } from "./store/types.ts";

// KV_GAS as numbers, for the metered store's fast path (BasicGasMeter.consumeNum)
const HAS_COST = 1000;
const READ_FLAT = 1000;
const READ_PER_BYTE = 3;
const WRITE_FLAT = 2000;
const WRITE_PER_BYTE = 30;

export const KV_GAS = Object.freeze({
  hasCost: 1000n,
  deleteCost: 1000n,
  readCostFlat: 1000n,
  readCostPerByte: 3n,
  writeCostFlat: 2000n,
  writeCostPerByte: 30n,
  iterNextCostFlat: 30n,
});

/** auth's defaults (also runtime fallbacks): tx size and secp256k1 verification costs. */
export const TX_SIZE_COST_PER_BYTE = 10n;
export const SECP256K1_VERIFY_COST = 1000n;

export const MAX_GAS = 0xffffffffffffffffn;

export interface GasMeter {
  /** gas consumed so far (never above the limit: the consumption that exceeds it throws). */
  readonly consumed: bigint;
  /** the limit (MAX_GAS for an infinite meter). */
  readonly limit: bigint;
  consume(amount: bigint, descriptor: string): void;
  /** gas still available. */
  remaining(): bigint;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MAX_SAFE_BIG = BigInt(MAX_SAFE);

/**
 * The meter counts in a JS number while the total stays a safe integer (every real tx: limits are far
 * below 2^53), so metering allocates no BigInts; past 2^53 it continues in bigint. Same totals, same
 * errors as counting in bigint throughout.
 */
export class BasicGasMeter implements GasMeter {
  /** consumed, while `big` is null (an exact safe integer). */
  private n = 0;
  /** consumed, once it left the safe-integer range. */
  private big: bigint | null = null;
  readonly limit: bigint;
  /** the limit as a number: exact when ≤ 2^53 − 1, else Infinity (a safe total can never exceed it). */
  private readonly limitN: number;
  constructor(limit: bigint) {
    this.limit = limit;
    this.limitN = limit <= MAX_SAFE_BIG ? Number(limit) : Number.POSITIVE_INFINITY;
  }
  get consumed(): bigint {
    return this.big ?? BigInt(this.n);
  }
  consume(amount: bigint, descriptor: string): void {
    if (amount < 0n) throw new RangeError("negative gas");
    if (this.big === null && amount <= MAX_SAFE_BIG) this.consumeNum(Number(amount), descriptor);
    else this.consumeBig(amount, descriptor);
  }
  /** consume() of a non-negative safe integer amount, without BigInts. */
  consumeNum(amount: number, descriptor: string): void {
    if (this.big !== null) return this.consumeBig(BigInt(amount), descriptor);
    const next = this.n + amount;
    if (next > MAX_SAFE) return this.consumeBig(BigInt(amount), descriptor);
    if (next > this.limitN) {
      this.n = this.limitN;
      throw ErrOutOfGas.wrap(`out of gas in location: ${descriptor}; gasWanted: ${this.limit}, gasUsed: ${next}`);
    }
    this.n = next;
  }
  private consumeBig(amount: bigint, descriptor: string): void {
    const next = (this.big ?? BigInt(this.n)) + amount;
    if (next > this.limit) {
      this.big = this.limit;
      throw ErrOutOfGas.wrap(`out of gas in location: ${descriptor}; gasWanted: ${this.limit}, gasUsed: ${next}`);
    }
    this.big = next;
  }
  /** remaining() as a number (exact below 2^53; only compared with small amounts). */
  remainingNum(): number {
    if (this.big !== null) return Number(this.limit - this.big);
    return this.limitN - this.n;
  }
  remaining(): bigint {
    return this.limit - this.consumed;
  }
}

/** A meter that throws sdk:11 once consumption exceeds `limit`. */
export function createGasMeter(limit: bigint): GasMeter {
  return new BasicGasMeter(limit);
}

/** A meter that counts but never runs out (blocks, genesis, queries, simulation). */
export function createInfiniteGasMeter(): GasMeter {
  return new BasicGasMeter(MAX_GAS);
}

/** Charges every access of `parent` to `meter` (cosmos-sdk store/gaskv). Key lengths are module-relative. */
export class GasKVStore implements KVStore {
  readonly parent: KVStore;
  readonly meter: GasMeter;
  constructor(parent: KVStore, meter: GasMeter) {
    this.parent = parent;
    this.meter = meter;
  }

  get(key: Bytes): Bytes | undefined {
    const m = this.meter;
    if (m instanceof BasicGasMeter) {
      m.consumeNum(READ_FLAT, "ReadFlat");
      const v = this.parent.get(key);
      const kb = READ_PER_BYTE * key.length;
      const vb = READ_PER_BYTE * (v === undefined ? 0 : v.length);
      if (m.remainingNum() >= kb + vb) m.consumeNum(kb + vb, "ReadPerByte");
      else {
        m.consumeNum(kb, "ReadPerByte");
        m.consumeNum(vb, "ReadPerByte");
      }
      return v;
    }
    m.consume(KV_GAS.readCostFlat, "ReadFlat");
    const v = this.parent.get(key);
    const kb = KV_GAS.readCostPerByte * BigInt(key.length);
    const vb = KV_GAS.readCostPerByte * BigInt(v?.length ?? 0);
    // one consume when both fit: the same end state as the SDK's two (which run when either may not)
    if (m.remaining() >= kb + vb) m.consume(kb + vb, "ReadPerByte");
    else {
      m.consume(kb, "ReadPerByte");
      m.consume(vb, "ReadPerByte");
    }
    return v;
  }

  has(key: Bytes): boolean {
    const m = this.meter;
    if (m instanceof BasicGasMeter) m.consumeNum(HAS_COST, "Has");
    else m.consume(KV_GAS.hasCost, "Has");
    return this.parent.has(key);
  }

  set(key: Bytes, value: Bytes): void {
    const m = this.meter;
    if (m instanceof BasicGasMeter) {
      const kb = WRITE_PER_BYTE * key.length;
      const vb = WRITE_PER_BYTE * value.length;
      if (m.remainingNum() >= WRITE_FLAT + kb + vb) m.consumeNum(WRITE_FLAT + kb + vb, "WriteFlat");
      else {
        m.consumeNum(WRITE_FLAT, "WriteFlat");
        m.consumeNum(kb, "WritePerByte");
        m.consumeNum(vb, "WritePerByte");
      }
      this.parent.set(key, value);
      return;
    }
    const kb = KV_GAS.writeCostPerByte * BigInt(key.length);
    const vb = KV_GAS.writeCostPerByte * BigInt(value.length);
    // one consume when all three fit: the same end state as the SDK's three (which run when one may not)
    if (m.remaining() >= KV_GAS.writeCostFlat + kb + vb) m.consume(KV_GAS.writeCostFlat + kb + vb, "WriteFlat");
    else {
      m.consume(KV_GAS.writeCostFlat, "WriteFlat");
      m.consume(kb, "WritePerByte");
      m.consume(vb, "WritePerByte");
    }
    this.parent.set(key, value);
  }

  delete(key: Bytes): void {
    this.meter.consume(KV_GAS.deleteCost, "Delete");
    this.parent.delete(key);
  }

  async *iterate(opts?: IterateOptions): AsyncIterable<KV> {
    for await (const kv of this.parent.iterate(opts)) {
      this.meter.consume(KV_GAS.iterNextCostFlat, "IterNextFlat");
      this.meter.consume(KV_GAS.readCostPerByte * BigInt(kv[0].length + kv[1].length), "ValuePerByte");
      yield kv;
    }
  }
}
