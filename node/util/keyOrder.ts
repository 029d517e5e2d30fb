/**
 * Eviction order for bounded maps, O(1) per eviction.
 *
 * The usual "drop the oldest entry of a Map" (`m.delete(m.keys().next().value)`) is not O(1) in V8: a
 * deleted entry stays in the table as a hole until the next rehash, and an iterator walks every hole
 * at the front before it finds the first live key. A map that evicts its oldest entry on every insert
 * keeps thousands of holes at its front (up to capacity − size between rehashes), so each eviction
 * walks them: 18 µs per insert at 10,000 entries, 58 µs at 65,536 (one process, Node 24), against
 * ~1 µs with a separate queue of keys. The mempool's LRU cache and the mempool reactor's sender maps
 * (10,000 tx hashes each) paid that once per tx each as soon as they were full.
 *
 * `KeyOrder` is a FIFO of (key, stamp) pairs beside the map: an owner stamps a key each time it (re)inserts
 * it, and when evicting takes entries from the head, skipping those whose stamp is no longer the key's
 * current one (the key was refreshed or removed since). Stale entries are bounded: when they outnumber
 * the live keys the queue is compacted (amortised O(1)).
 */
export class KeyOrder {
  private keys: string[] = [];
  private stamps: number[] = [];
  private head = 0;
  private next = 1;

  /** entries queued (live and stale). */
  get length(): number {
    return this.keys.length - this.head;
  }

  /** queues `key` at the tail; returns its stamp (the owner keeps it as the key's current one). */
  push(key: string): number {
    const s = this.next++;
    this.keys.push(key);
    this.stamps.push(s);
    return s;
  }

  /**
   * the oldest key whose queued stamp is still current (`current(key)` returns the key's current stamp,
   * undefined when it is gone), removed from the queue; undefined when none is left.
   */
  shift(current: (key: string) => number | undefined, any = false): string | undefined {
    while (this.head < this.keys.length) {
      const i = this.head++;
      const k = this.keys[i] as string;
      const s = this.stamps[i] as number;
      this.keys[i] = "";
      if (this.head >= 1024 && this.head * 2 >= this.keys.length) this.rebase();
      if (any || current(k) === s) return k;
    }
    return undefined;
  }

  /** the oldest entry, removed from the queue, stale or not (for owners that never refresh nor remove a key). */
  shiftOldest(): string | undefined {
    return this.shift(() => undefined, true);
  }

  /** drops stale entries when the queue holds more than twice `live` (+ slack): call after a push. */
  compact(live: number, current: (key: string) => number | undefined): void {
    if (this.length <= 2 * live + 1024) return;
    const keys: string[] = [];
    const stamps: number[] = [];
    for (let i = this.head; i < this.keys.length; i++) {
      const k = this.keys[i] as string;
      const s = this.stamps[i] as number;
      if (current(k) === s) {
        keys.push(k);
        stamps.push(s);
      }
    }
    this.keys = keys;
    this.stamps = stamps;
    this.head = 0;
  }

  clear(): void {
    this.keys = [];
    this.stamps = [];
    this.head = 0;
  }

  private rebase(): void {
    this.keys = this.keys.slice(this.head);
    this.stamps = this.stamps.slice(this.head);
    this.head = 0;
  }
}
