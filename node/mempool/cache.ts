/**
 * LRU set of tx keys (CometBFT mapTxCache): the mempool checks it before CheckTx, so a tx seen recently
 * (in the pool, or committed OK) is refused without touching the app.
 */
export class LruCache {
  private readonly max: number;
  private readonly map = new Map<string, true>();

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
    if (this.map.has(key)) {
      this.map.delete(key);
      this.map.set(key, true);
      return false;
    }
    this.map.set(key, true);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (oldest.done !== true) this.map.delete(oldest.value);
    }
    return true;
  }

  remove(key: string): void {
    this.map.delete(key);
  }

  reset(): void {
    this.map.clear();
  }
}
