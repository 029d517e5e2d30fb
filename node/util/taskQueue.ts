/**
 * A serialising task queue with two lanes: every task runs alone (no two tasks overlap at an await),
 * and a waiting "high" task (consensus: finalize, commit, recheck) runs before any waiting "low" task
 * (mempool CheckTx NEW, queries). CometBFT's local-client mutex, plus a priority so that a flood of
 * CheckTx calls cannot hold block production back by more than the task in flight.
 */
export type Lane = "high" | "low";

interface Task {
  run: () => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class TaskQueue {
  private readonly high: Task[] = [];
  private readonly low: Task[] = [];
  private lowHead = 0;
  private highHead = 0;
  private running = false;

  /** tasks waiting (not counting the one running). */
  get pending(): number {
    return this.high.length - this.highHead + (this.low.length - this.lowHead);
  }

  get busy(): boolean {
    return this.running;
  }

  push<T>(lane: Lane, run: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const task: Task = { run, resolve: resolve as (v: unknown) => void, reject };
      (lane === "high" ? this.high : this.low).push(task);
      if (!this.running) void this.drain();
    });
  }

  private next(): Task | undefined {
    if (this.highHead < this.high.length) {
      const t = this.high[this.highHead++];
      if (this.highHead > 1024 && this.highHead * 2 > this.high.length) {
        this.high.splice(0, this.highHead);
        this.highHead = 0;
      }
      return t;
    }
    if (this.lowHead < this.low.length) {
      const t = this.low[this.lowHead++];
      if (this.lowHead > 1024 && this.lowHead * 2 > this.low.length) {
        this.low.splice(0, this.lowHead);
        this.lowHead = 0;
      }
      return t;
    }
    return undefined;
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      for (let t = this.next(); t !== undefined; t = this.next()) {
        try {
          t.resolve(await t.run());
        } catch (e: unknown) {
          t.reject(e);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
