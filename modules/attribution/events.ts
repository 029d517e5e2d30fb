/**
 * Typed events (SDK EmitTypedEvent): the event type is the proto message's full name and every
 * attribute value is the JSON of that field (strings quoted), keys in snake_case.
 */
import type { WriteContext } from "../core/context.ts";

export const EVENT_PREFIX = "openledger.attribution.v1.";

function snake(k: string): string {
  return k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** emits `openledger.attribution.v1.<name>` with one attribute per field (bigint → JSON string, as proto-JSON does). */
export function emitTyped(ctx: WriteContext, name: string, fields: Record<string, string | number | boolean | bigint | readonly bigint[]>): void {
  const attrs: [string, string][] = [];
  for (const [k, v] of Object.entries(fields)) {
    const j = typeof v === "bigint" ? JSON.stringify(v.toString()) : Array.isArray(v) ? JSON.stringify(v.map((x) => x.toString())) : JSON.stringify(v);
    attrs.push([snake(k), j]);
  }
  ctx.events.emit(`${EVENT_PREFIX}${name}`, attrs);
}
