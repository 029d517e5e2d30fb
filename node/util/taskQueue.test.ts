import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { TaskQueue } from "./taskQueue.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

describe("util/taskQueue", () => {
  it("runs high before low, one at a time, in order within a lane", async () => {
    const q = new TaskQueue();
    const order: string[] = [];
    let running = 0;
    const task = (name: string) => async () => {
      running++;
      assert.equal(running, 1);
      await Promise.resolve();
      order.push(name);
      running--;
      return name;
    };
    const all = [q.push("low", task("l1")), q.push("low", task("l2")), q.push("high", task("h1")), q.push("high", task("h2"))];
    assert.deepEqual(await Promise.all(all), ["l1", "l2", "h1", "h2"]);
    // l1 started at once; the high tasks queued meanwhile run before l2
    assert.deepEqual(order, ["l1", "h1", "h2", "l2"]);
    assert.equal(q.pending, 0);
  });

  it("keeps no finished task reachable (neither its request nor its response)", async () => {
    const q = new TaskQueue();
    const refs: WeakRef<object>[] = [];
    // a long lane that never fully drains between pushes: the old code kept up to 1024 finished tasks
    const done: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      const req = { i, payload: new Uint8Array(16) };
      refs.push(new WeakRef(req));
      done.push(q.push(i % 2 === 0 ? "high" : "low", async () => ({ echo: req })).then(() => undefined));
    }
    done.push(q.push("low", () => new Promise((r) => setTimeout(r, 10))));
    await Promise.all(done);
    done.length = 0;
    // a task still waiting keeps the lanes non-empty
    const blocker = q.push("low", () => new Promise((r) => setTimeout(r, 50)));
    const waiting = q.push("low", async () => 1);
    await new Promise((r) => setTimeout(r, 0));
    gc();
    await new Promise((r) => setImmediate(r));
    gc();
    const alive = refs.filter((r) => r.deref() !== undefined).length;
    assert.equal(alive, 0, `${alive} finished requests still reachable`);
    assert.equal(await waiting, 1);
    await blocker;
  });
});
