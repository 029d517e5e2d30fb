/**
 * The openledger modules' generated codecs, found at startup under proto/gen/openledger/<module>/v1/
 * (query.ts: Query<X>Request/Response pairs; tx.ts: Msg types for Any). A module that lands with its
 * proto/gen directory gets REST routes, gRPC methods and OpenAPI paths without edits here.
 */
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface OpenledgerModule {
  /** "datanet" */
  name: string;
  /** "openledger.datanet.v1" */
  pkg: string;
  /** exports of query.ts (absent when the module has no queries). */
  query?: Record<string, unknown>;
  /** exports of every other generated file (tx.ts, types.ts, events.ts, …): Any types. */
  types: Record<string, unknown>[];
}

const GEN = resolve(dirname(fileURLToPath(import.meta.url)), "../../proto/gen/openledger");

async function load(): Promise<OpenledgerModule[]> {
  const out: OpenledgerModule[] = [];
  const names = existsSync(GEN) ? readdirSync(GEN).sort() : [];
  for (const name of names) {
    const dir = join(GEN, name, "v1");
    if (!existsSync(dir)) continue;
    const m: OpenledgerModule = { name, pkg: `openledger.${name}.v1`, types: [] };
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith(".ts")) continue;
      const mod = (await import(pathToFileURL(join(dir, f)).href)) as Record<string, unknown>;
      if (f === "query.ts") m.query = mod;
      m.types.push(mod);
    }
    out.push(m);
  }
  return out;
}

export const OPENLEDGER_MODULES: readonly OpenledgerModule[] = await load();
