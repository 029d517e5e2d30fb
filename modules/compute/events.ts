/**
 * Typed events (SDK EmitTypedEvent): the event type is the proto message's full name and every
 * attribute value is the JSON of that field (strings quoted), keys in snake_case.
 */
import type { WriteContext } from "../core/context.ts";

export const EVENT_PREFIX = "openledger.compute.v1.";

function snake(k: string): string {
  return k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function emitTyped(ctx: WriteContext, name: string, fields: Record<string, string | number | boolean | bigint>): void {
  const attrs: [string, string][] = [];
  for (const [k, v] of Object.entries(fields)) attrs.push([snake(k), typeof v === "bigint" ? JSON.stringify(v.toString()) : JSON.stringify(v)]);
  ctx.events.emit(`${EVENT_PREFIX}${name}`, attrs);
}
