/**
 * Gas: a deterministic meter plus a metered KVStore wrapper, with cosmos-sdk's KVGasConfig costs
 * (store/types/gas.go). Out of gas throws sdk:11.
 */
import type { Bytes } from "./abci.ts";
import { ErrOutOfGas } from "./errors.ts";
import type { IterateOptions, KV, KVStore } from "./store/types.ts";

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

class BasicGasMeter implements GasMeter {
  consumed = 0n;
  readonly limit: bigint;
  constructor(limit: bigint) {
    this.limit = limit;
  }
  consume(amount: bigint, descriptor: string): void {
    if (amount < 0n) throw new RangeError("negative gas");
    const next = this.consumed + amount;
    if (next > this.limit) {
      this.consumed = this.limit;
      throw ErrOutOfGas.wrap(`out of gas in location: ${descriptor}; gasWanted: ${this.limit}, gasUsed: ${next}`);
    }
    this.consumed = next;
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
    this.meter.consume(KV_GAS.hasCost, "Has");
    return this.parent.has(key);
  }

  set(key: Bytes, value: Bytes): void {
    const m = this.meter;
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
