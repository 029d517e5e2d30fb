/**
 * ABCI events with the Cosmos SDK names. Every attribute is indexed (index: true), as the SDK does for
 * the events CosmJS and explorers search (message.sender, transfer.recipient, tx.acc_seq, …).
 */
import type { AbciEvent, EventAttribute } from "./abci.ts";

export type Attributes = Readonly<Record<string, string>> | readonly (readonly [string, string])[];

/**
 * one event; attribute order is the given order (object insertion order or the pairs' order). The
 * attributes array is allocated at its final length: an array grown by push from [] gets a 17-slot
 * backing store, and a block's results keep ~12 such arrays per tx alive until it is saved and committed.
 */
export function abciEvent(type: string, attrs: Attributes): AbciEvent {
  if (type === "") throw new Error("event: empty type");
  let attributes: EventAttribute[];
  if (Array.isArray(attrs)) {
    const pairs = attrs as readonly (readonly [string, string])[];
    attributes = new Array(pairs.length);
    for (let i = 0; i < pairs.length; i++) {
      const [key, value] = pairs[i] as readonly [string, string];
      if (key === "") throw new Error(`event ${type}: empty attribute key`);
      attributes[i] = { key, value, index: true };
    }
  } else {
    // for-in over a plain record: its own keys in Object.entries order, without the [key, value] pairs
    const rec = attrs as Record<string, string>;
    let n = 0;
    for (const key in rec) if (Object.hasOwn(rec, key)) n++;
    attributes = new Array(n);
    let i = 0;
    for (const key in rec) {
      if (!Object.hasOwn(rec, key)) continue;
      if (key === "") throw new Error(`event ${type}: empty attribute key`);
      attributes[i++] = { key, value: rec[key] as string, index: true };
    }
  }
  return { type, attributes };
}

/** Collects events of one scope (a tx's ante, one message, a block hook). */
export class EventManager {
  readonly events: AbciEvent[] = [];

  emit(type: string, attrs: Attributes): void {
    this.events.push(abciEvent(type, attrs));
  }

  emitEvent(e: AbciEvent): void {
    this.events.push(e);
  }

  emitEvents(es: readonly AbciEvent[]): void {
    for (const e of es) this.events.push(e);
  }
}

/**
 * An event buffer that keeps nothing: for runs whose events nobody reads (CheckTx's recheck of pooled
 * txs, whose response only says whether the tx stays). Emitting costs no event objects.
 */
export class DiscardingEventManager extends EventManager {
  override emit(_type: string, _attrs: Attributes): void {}
  override emitEvent(_e: AbciEvent): void {}
  override emitEvents(_es: readonly AbciEvent[]): void {}
}

/** the same events with one more attribute appended to each (e.g. msg_index). */
export function withAttribute(events: readonly AbciEvent[], key: string, value: string): AbciEvent[] {
  return events.map((e) => ({ type: e.type, attributes: [...e.attributes, { key, value, index: true }] }));
}

/** Event and attribute names of the SDK (types/events.go, x/bank/types/events.go). */
export const EVENT = Object.freeze({
  message: "message",
  tx: "tx",
  transfer: "transfer",
  coinSpent: "coin_spent",
  coinReceived: "coin_received",
  coinbase: "coinbase",
  burn: "burn",
});
