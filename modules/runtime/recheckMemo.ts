/**
 * RecheckMemo: after a commit, the mempool rechecks every tx it still holds (CometBFT `recheck`,
 * CheckTx type RECHECK). Most of them do not touch anything the block changed: a recheck would read
 * the same values, reach the same verdict and write the same values into the check state. This memo
 * answers those from the tx's last check and rechecks the others in full.
 *
 * What a check records (CheckTracker, the layer between the check state and the tx's ante branch):
 * the keys it read from the check state, the entries it wrote into it (key, value), and whether it read
 * the header's height or time. Only checks that passed are kept.
 *
 * After a commit (`beginPass(changed)`) the old records, in the order their checks ran, face the keys
 * the block changed (the commit store's lastChangedKeys). Then for each RECHECK, in order:
 *  - the records before this tx's that no recheck claimed are txs that left the pool (included in the
 *    block, evicted): their writes become dirty (the new check state does not have them);
 *  - a record whose reads and writes avoid every dirty key, that never read the header, is replayed:
 *    its writes go into the new check state and its last answer is returned;
 *  - anything else runs in full (and its old and new writes become dirty).
 * Induction over the order: every key outside the dirty set has, when a record is replayed, the value
 * that record's check read before (the block did not change it, and every write to it since came from a
 * replayed record, in the same order), so the check would run the same way.
 *
 * Out of the dependencies by design: keys matched by `ignore` (the fee collector's balance: every check
 * credits it, and no check's verdict reads it, since a module account never signs). A replayed check
 * does not credit it again, so the check state's copy of that balance lags; only CheckTx's gas_used can
 * differ by the cost of a digit.
 *
 * The memo is off for a pass when something outside the store changed (the caller passes
 * `valid=false`: runtime or consensus params) or the store cannot tell the changed keys; a tx with a
 * range read (iterate) is never replayed. Node-local and mempool-only: nothing here reaches consensus
 * state. No clock, no randomness; Map and array iteration in insertion order only.
 */
import type { Bytes, CheckTxResponse } from "../core/abci.ts";
import { CacheKVStore, type KeyStringReader, type KeyStringWriter } from "../core/store/cache.ts";
import { toKeyString } from "../core/bytes.ts";
import type { CacheStore, IterateOptions, KV, KVStore } from "../core/store/types.ts";

interface Write {
  readonly ks: string;
  readonly key: Bytes | undefined;
  readonly value: Bytes | null;
}

interface CheckRecord {
  readonly raw: Bytes;
  readonly reads: readonly string[];
  readonly writes: readonly Write[];
  readonly response: CheckTxResponse;
  /** position in the list of the pass it belongs to. */
  index: number;
  pass: number;
}

/**
 * The check state as one check's ante sees it: reads and writes pass through to `inner` (the check
 * state) and are recorded. `branch()` gives the ante its own CacheKVStore over this layer, so its
 * first reads of each key and its flush at the end are what is recorded.
 */
export class CheckTracker implements CacheStore, KeyStringReader, KeyStringWriter {
  private readonly inner: CacheKVStore;
  private readonly ignore: (ks: string) => boolean;
  readonly reads: string[] = [];
  readonly writes: Write[] = [];
  /** a range read (iterate) happened: the check depends on keys it cannot list. */
  ranged = false;

  constructor(inner: CacheKVStore, ignore: (ks: string) => boolean) {
    this.inner = inner;
    this.ignore = ignore;
  }

  get size(): number {
    return 0;
  }

  get(key: Bytes): Bytes | undefined {
    return this.getByKeyString(toKeyString(key), key);
  }

  getByKeyString(ks: string, key: Bytes | undefined): Bytes | undefined {
    if (!this.ignore(ks)) this.reads.push(ks);
    return this.inner.getByKeyString(ks, key);
  }

  has(key: Bytes): boolean {
    return this.get(key) !== undefined;
  }

  iterate(opts?: IterateOptions): AsyncIterable<KV> {
    this.ranged = true;
    return this.inner.iterate(opts);
  }

  set(key: Bytes, value: Bytes): void {
    this.setEntry(toKeyString(key), key, value);
  }

  delete(key: Bytes): void {
    this.setEntry(toKeyString(key), key, null);
  }

  setEntry(ks: string, key: Bytes | undefined, value: Bytes | null): void {
    if (!this.ignore(ks)) this.writes.push({ ks, key, value });
    this.inner.setEntry(ks, key, value);
  }

  branch(): CacheStore {
    return new CacheKVStore(this as KVStore);
  }

  /** nothing is buffered here. */
  write(): void {}
}

export interface RecheckMemoStats {
  /** rechecks answered from the memo. */
  replayed: number;
  /** rechecks run in full. */
  full: number;
}

export class RecheckMemo {
  private readonly ignore: (ks: string) => boolean;
  private readonly maxRecords: number;
  /** the current pass's records, in the order their checks ran (or were replayed) on the check state. */
  private records: CheckRecord[] = [];
  /** the previous pass's records (what the rechecks of this pass are matched against). */
  private prev: CheckRecord[] = [];
  private cursor = 0;
  private dirty = new Set<string>();
  /** false: this pass rechecks everything in full. */
  private valid = false;
  private pass = 0;
  private readonly byTx = new Map<Bytes, CheckRecord>();
  readonly stats: RecheckMemoStats = { replayed: 0, full: 0 };

  /** `ignore`: keys outside every check's dependencies (see the file comment); `maxRecords`: at most this many kept. */
  constructor(ignore: (ks: string) => boolean = () => false, maxRecords = 200_000) {
    this.ignore = ignore;
    this.maxRecords = maxRecords;
  }

  /** a layer for one check over the check state. */
  tracker(checkState: CacheKVStore): CheckTracker {
    return new CheckTracker(checkState, this.ignore);
  }

  /** forgets everything (InitChain, a check state rebuilt for another reason). */
  reset(): void {
    this.records = [];
    this.prev = [];
    this.cursor = 0;
    this.dirty = new Set();
    this.valid = false;
    this.byTx.clear();
  }

  /**
   * a commit happened and the check state is now the committed state: `changed` are the keys the block
   * changed (undefined: unknown), `valid` false when anything outside the store that checks depend on
   * changed (params).
   */
  beginPass(changed: readonly string[] | undefined, valid: boolean): void {
    // the previous pass's records that no recheck claimed left the pool with the last block
    for (let i = this.cursor; i < this.prev.length; i++) this.forget(this.prev[i] as CheckRecord);
    this.pass++;
    this.prev = this.records;
    this.records = [];
    this.cursor = 0;
    this.valid = valid && changed !== undefined;
    this.dirty = new Set(changed ?? []);
    if (!this.valid) {
      for (const r of this.prev) this.forget(r);
      this.prev = [];
    }
  }

  /**
   * RECHECK of `raw`: the memo's answer (its writes already replayed into `checkState`), or undefined
   * when the tx must run in full (then call `recorded` with its tracker).
   */
  replay(raw: Bytes, checkState: CacheKVStore): CheckTxResponse | undefined {
    const rec = this.byTx.get(raw);
    if (rec === undefined || rec.pass !== this.pass - 1 || rec.index < this.cursor || this.prev[rec.index] !== rec) {
      this.stats.full++;
      return undefined;
    }
    // records before this one that no recheck claimed: txs that left the pool; their writes are gone
    for (let i = this.cursor; i < rec.index; i++) {
      const gone = this.prev[i] as CheckRecord;
      this.markDirty(gone.writes);
      this.forget(gone);
    }
    this.cursor = rec.index + 1;
    if (!this.valid || this.touchesDirty(rec)) {
      // runs in full: whatever it wrote before may now differ
      this.markDirty(rec.writes);
      this.forget(rec);
      this.stats.full++;
      return undefined;
    }
    for (const w of rec.writes) checkState.setEntry(w.ks, w.key, w.value);
    this.append(rec);
    this.stats.replayed++;
    return rec.response;
  }

  /**
   * a check (NEW, or a RECHECK the memo did not answer) ran in full through `t`: its writes become dirty
   * for the rest of the pass, and it is kept when it passed and read neither the header nor a range.
   */
  recorded(raw: Bytes, t: CheckTracker, response: CheckTxResponse, headerRead: boolean): void {
    this.markDirty(t.writes);
    const old = this.byTx.get(raw);
    if (old !== undefined) {
      this.markDirty(old.writes);
      this.forget(old);
    }
    if (response.code !== 0 || headerRead || t.ranged || this.records.length >= this.maxRecords) return;
    this.append({ raw, reads: t.reads, writes: t.writes, response: { ...response, events: [] }, index: 0, pass: this.pass });
  }

  /** records kept (tests). */
  get size(): number {
    return this.byTx.size;
  }

  private append(rec: CheckRecord): void {
    rec.pass = this.pass;
    rec.index = this.records.length;
    this.records.push(rec);
    this.byTx.set(rec.raw, rec);
  }

  private forget(rec: CheckRecord): void {
    if (this.byTx.get(rec.raw) === rec) this.byTx.delete(rec.raw);
  }

  private markDirty(writes: readonly Write[]): void {
    for (let i = 0; i < writes.length; i++) this.dirty.add((writes[i] as Write).ks);
  }

  private touchesDirty(rec: CheckRecord): boolean {
    const d = this.dirty;
    if (d.size === 0) return false;
    for (let i = 0; i < rec.reads.length; i++) if (d.has(rec.reads[i] as string)) return true;
    for (let i = 0; i < rec.writes.length; i++) if (d.has((rec.writes[i] as Write).ks)) return true;
    return false;
  }
}
