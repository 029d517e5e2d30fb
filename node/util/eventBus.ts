/**
 * EventBus: the node's in-process fan-out of CometBFT events (NewBlock, NewBlockHeader, Tx) to the
 * RPC subscriptions and anything else that listens. Publishing is synchronous; a listener that throws
 * is reported through `onListenerError` and never stops the other listeners or the publisher.
 */
import type { BusEvent, EventBusView } from "../rpc/env.ts";

export type BusListener = (ev: BusEvent) => void;

export class EventBus implements EventBusView {
  private readonly listeners = new Set<BusListener>();
  private readonly onListenerError: (err: unknown, ev: BusEvent) => void;

  constructor(opts: { onListenerError?: (err: unknown, ev: BusEvent) => void } = {}) {
    this.onListenerError = opts.onListenerError ?? (() => {});
  }

  /** registers a listener; returns a function that removes it (idempotent). */
  on(listener: BusListener): () => void {
    // a wrapper per registration, so that the same function registered twice gets two deliveries
    const wrapped: BusListener = (ev) => listener(ev);
    this.listeners.add(wrapped);
    return () => {
      this.listeners.delete(wrapped);
    };
  }

  /** delivers `ev` to every current listener, in registration order. */
  publish(ev: BusEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(ev);
      } catch (err) {
        try {
          this.onListenerError(err, ev);
        } catch {
          // an error reporter that throws must not break publishing either
        }
      }
    }
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
