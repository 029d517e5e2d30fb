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

/** the task at `i`, its slot cleared (the array keeps its element kind: no holes). */
function take(lane: (Task | null)[], i: number): Task {
  const t = lane[i] as Task;
  lane[i] = null;
  return t;
}

export class TaskQueue {
  private readonly high: (Task | null)[] = [];
  private readonly low: (Task | null)[] = [];
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

  /**
   * takes the next task and clears its slot: a finished task must not stay reachable from the lane (its
   * closure holds the request and its resolve function the settled promise with the response, e.g. a
   * whole FinalizeBlock response or a CheckTx's events); kept, they survived young-generation GCs and
   * were promoted, and only a later compaction freed them in the old generation.
   */
  private next(): Task | undefined {
    if (this.highHead < this.high.length) {
      const t = take(this.high, this.highHead++);
      if (this.highHead === this.high.length) {
        this.high.length = 0;
        this.highHead = 0;
      } else if (this.highHead > 1024 && this.highHead * 2 > this.high.length) {
        this.high.splice(0, this.highHead);
        this.highHead = 0;
      }
      return t;
    }
    if (this.lowHead < this.low.length) {
      const t = take(this.low, this.lowHead++);
      if (this.lowHead === this.low.length) {
        this.low.length = 0;
        this.lowHead = 0;
      } else if (this.lowHead > 1024 && this.lowHead * 2 > this.low.length) {
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
