/** the attribution AppModule declaration. */
import type { Bytes } from "../core/abci.ts";
import type { BlockContext } from "../core/context.ts";
import { type AppModule, defineModule } from "../core/module.ts";
import { type AttributionGenesis, defaultGenesis, exportGenesis, genesisFromJson, genesisToJson, initGenesis, validateGenesis } from "./genesis.ts";
import type { AttributionKeeper, AttributeInferenceRequest } from "./keeper.ts";
import { MODULE_NAME } from "./keys.ts";
import { createAttributionMsgHandlers } from "./msgServer.ts";
import { type AttributionParams, defaultParams, validateParams } from "./params.ts";
import { createAttributionQueries } from "./queryServer.ts";
import {
  applyScheduledActivation,
  createRegistryMsgHandlers,
  createRegistryQueries,
  exportRegistryGenesis,
  initRegistryGenesis,
  type RegistryGenesis,
  registryGenesisFromJson,
  registryGenesisToJson,
  registryIsEmpty,
  validateRegistryGenesis,
} from "./methodRegistry.ts";

const registryOf = (g: AttributionGenesis): RegistryGenesis | undefined => (g as AttributionGenesis & { registry?: RegistryGenesis }).registry;

/**
 * Verified inferences to attribute at the end of a block. The compute module will own this flow
 * (escrowed fees, verdicts from vote extensions) and call keeper.attributeInference itself; until then
 * a source may be injected (tests). It must be deterministic: the same requests on every node.
 */
export interface InferenceSource {
  take(ctx: BlockContext): readonly AttributeInferenceRequest[];
}

export function createAttributionAppModule(k: AttributionKeeper, authority: Bytes, source?: InferenceSource): AppModule<AttributionParams, AttributionGenesis> {
  return defineModule<AttributionParams, AttributionGenesis>({
    name: MODULE_NAME,
    consensusVersion: 1,
    msgs: [...createAttributionMsgHandlers(k, authority), ...createRegistryMsgHandlers(authority, (ctx) => k.getParams(ctx))],
    queries: [...createAttributionQueries(k), ...createRegistryQueries((ctx) => k.getParams(ctx))],
    // method registry: a scheduled method version becomes active at its height
    beginBlock: async (ctx: BlockContext) => applyScheduledActivation(ctx, (c) => k.getParams(c), (c, p) => k.setParams(c, p)),
    // the method registry's state rides along under "method_registry" (omitted when empty)
    genesis: {
      defaultGenesis,
      validateGenesis: (g) => {
        validateGenesis(g);
        validateRegistryGenesis(registryOf(g));
      },
      initGenesis: async (ctx, g) => {
        await initGenesis(ctx, k, g);
        initRegistryGenesis(ctx, registryOf(g));
      },
      exportGenesis: async (ctx) => {
        const g = await exportGenesis(ctx, k);
        const registry = await exportRegistryGenesis(ctx);
        return registryIsEmpty(registry) ? g : ({ ...g, registry } as AttributionGenesis);
      },
      fromJson: (j) => {
        const g = genesisFromJson(j);
        const r = (j as { method_registry?: unknown } | null | undefined)?.method_registry;
        return r === undefined ? g : ({ ...g, registry: registryGenesisFromJson(r) } as AttributionGenesis);
      },
      toJson: (g) => {
        const j = genesisToJson(g) as Record<string, unknown>;
        const r = registryOf(g);
        return registryIsEmpty(r) ? j : { ...j, method_registry: registryGenesisToJson(r as RegistryGenesis) };
      },
    },
    params: { defaultParams, validateParams },
    ...(source === undefined
      ? {}
      : {
          async endBlock(ctx: BlockContext) {
            for (const req of source.take(ctx)) await k.attributeInference(ctx, req);
          },
        }),
  });
}
