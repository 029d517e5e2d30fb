/**
 * A writer-preferring readers/writer lock: once a writer waits, new readers queue behind it, so the
 * writer waits only for the readers already inside. The mempool uses it: CheckTx NEW + admission hold a
 * read lock; Commit + update + recheck hold the write lock (CometBFT's mempool Lock/Unlock around Commit).
 */
export type Release = () => void;

export class RwLock {
  private readers = 0;
  private writer = false;
  private readonly waitingWriters: (() => void)[] = [];
  private waitingReaders: (() => void)[] = [];

  get writeLocked(): boolean {
    return this.writer;
  }

  async read(): Promise<Release> {
    if (this.writer || this.waitingWriters.length > 0) {
      await new Promise<void>((r) => this.waitingReaders.push(r));
    } else {
      this.readers++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.readers--;
      this.wake();
    };
  }

  async write(): Promise<Release> {
    if (this.writer || this.readers > 0) {
      await new Promise<void>((r) => this.waitingWriters.push(r));
    } else {
      this.writer = true;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.writer = false;
      this.wake();
    };
  }

  private wake(): void {
    if (this.writer) return;
    if (this.waitingWriters.length > 0) {
      if (this.readers > 0) return;
      this.writer = true;
      this.waitingWriters.shift()?.();
      return;
    }
    const rs = this.waitingReaders;
    this.waitingReaders = [];
    this.readers += rs.length;
    for (const r of rs) r();
  }
}

/** counting semaphore: at most `n` holders. */
export class Semaphore {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(n: number) {
    this.free = n;
  }

  async acquire(): Promise<Release> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((r) => this.waiting.push(r));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const w = this.waiting.shift();
      if (w !== undefined) w();
      else this.free++;
    };
  }
}

/** resolves on the next macrotask: lets timers and I/O run between batches of work. */
export function yieldToLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
