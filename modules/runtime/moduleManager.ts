/** ModuleManager (cosmos-sdk types/module.Manager): modules + explicit hook orders, checked at construction. */
import type { AppModule } from "../core/module.ts";

export interface ModuleOrder {
  /** modules whose beginBlock runs, in order (every module with a beginBlock hook must be listed). */
  beginBlock: readonly string[];
  /** modules whose endBlock runs, in order. */
  endBlock: readonly string[];
  /** genesis init order (every module must be listed: dependencies first, e.g. auth before bank). */
  initGenesis: readonly string[];
  /** genesis export order (defaults to initGenesis). */
  exportGenesis?: readonly string[];
}

export interface ModuleManager {
  readonly modules: readonly AppModule[];
  readonly byName: ReadonlyMap<string, AppModule>;
  readonly order: Required<ModuleOrder>;
}

export function createModuleManager(modules: readonly AppModule[], order: ModuleOrder): ModuleManager {
  const byName = new Map<string, AppModule>();
  for (const m of modules) {
    if (byName.has(m.name)) throw new Error(`module ${m.name} registered twice`);
    byName.set(m.name, m);
  }
  const check = (what: string, names: readonly string[], needs: (m: AppModule) => boolean) => {
    const seen = new Set<string>();
    for (const n of names) {
      if (!byName.has(n)) throw new Error(`${what} order names unknown module ${n}`);
      if (seen.has(n)) throw new Error(`${what} order lists ${n} twice`);
      seen.add(n);
    }
    for (const m of modules) if (needs(m) && !seen.has(m.name)) throw new Error(`module ${m.name} is missing from the ${what} order`);
  };
  const full: Required<ModuleOrder> = { ...order, exportGenesis: order.exportGenesis ?? order.initGenesis };
  check("beginBlock", full.beginBlock, (m) => m.beginBlock !== undefined);
  check("endBlock", full.endBlock, (m) => m.endBlock !== undefined);
  check("initGenesis", full.initGenesis, () => true);
  check("exportGenesis", full.exportGenesis, () => true);
  return Object.freeze({ modules: [...modules], byName, order: full });
}
