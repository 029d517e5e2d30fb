import { KeyOrder } from "../util/keyOrder.ts";

/**
 * LRU set of tx keys (CometBFT mapTxCache): the mempool checks it before CheckTx, so a tx seen recently
 * (in the pool, or committed OK) is refused without touching the app. The recency order lives in a
 * KeyOrder beside the map (O(1) eviction; dropping a Map's first key walks the holes at its front).
 */
export class LruCache {
  private readonly max: number;
  /** key → its stamp in `order` (of its latest push). */
  private readonly map = new Map<string, number>();
  private readonly order = new KeyOrder();
  private readonly current = (key: string): number | undefined => this.map.get(key);

  constructor(max: number) {
    this.max = Math.max(0, max);
  }

  get size(): number {
    return this.map.size;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** adds or refreshes `key`; false when it was already present (the tx is a duplicate). */
  push(key: string): boolean {
    if (this.max === 0) return true;
    const fresh = !this.map.has(key);
    this.map.set(key, this.order.push(key));
    if (fresh && this.map.size > this.max) {
      const oldest = this.order.shift(this.current);
      if (oldest !== undefined) this.map.delete(oldest);
    }
    this.order.compact(this.map.size, this.current);
    return fresh;
  }

  /** forgets `key` (its queued entry goes stale). */
  remove(key: string): void {
    this.map.delete(key);
  }

  reset(): void {
    this.map.clear();
    this.order.clear();
  }
}
