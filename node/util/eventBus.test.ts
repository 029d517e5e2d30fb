import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BusEvent } from "../rpc/env.ts";
import { EventBus } from "./eventBus.ts";

const txEvent = (height: bigint): BusEvent => ({
  type: "Tx",
  tx: {
    height,
    index: 0,
    tx: new Uint8Array([1]),
    hash: new Uint8Array(32),
    result: { code: 0, data: new Uint8Array(0), log: "", info: "", gasWanted: 0n, gasUsed: 0n, events: [], codespace: "" },
  },
});

describe("util/eventBus", () => {
  it("delivers to every listener in order and stops after unsubscribe", () => {
    const bus = new EventBus();
    const got: string[] = [];
    const offA = bus.on((ev) => got.push(`a${ev.type === "Tx" ? ev.tx.height : ""}`));
    bus.on((ev) => got.push(`b${ev.type === "Tx" ? ev.tx.height : ""}`));
    bus.publish(txEvent(1n));
    offA();
    offA();
    bus.publish(txEvent(2n));
    assert.deepEqual(got, ["a1", "b1", "b2"]);
    assert.equal(bus.listenerCount, 1);
  });

  it("a throwing listener breaks neither publishing nor other listeners", () => {
    const errors: unknown[] = [];
    const bus = new EventBus({
      onListenerError: (e) => {
        errors.push(e);
        throw new Error("reporter also throws");
      },
    });
    let n = 0;
    bus.on(() => {
      throw new Error("boom");
    });
    bus.on(() => n++);
    assert.doesNotThrow(() => bus.publish(txEvent(1n)));
    bus.publish(txEvent(2n));
    assert.equal(n, 2);
    assert.equal(errors.length, 2);
  });

  it("a listener may unsubscribe itself while being called", () => {
    const bus = new EventBus();
    let n = 0;
    const off = bus.on(() => {
      n++;
      off();
    });
    bus.publish(txEvent(1n));
    bus.publish(txEvent(2n));
    assert.equal(n, 1);
  });
});
