/** Msg and query routers built from the modules (cosmos-sdk MsgServiceRouter / GRPCQueryRouter). */
import type { AppModule, MsgHandler, QueryHandler } from "../core/module.ts";

export interface Routers {
  msgs: ReadonlyMap<string, { handler: MsgHandler; module: string }>;
  queries: ReadonlyMap<string, QueryHandler>;
}

export function createRouters(modules: readonly AppModule[]): Routers {
  const msgs = new Map<string, { handler: MsgHandler; module: string }>();
  const queries = new Map<string, QueryHandler>();
  for (const m of modules) {
    for (const h of m.msgs) {
      if (msgs.has(h.typeUrl)) throw new Error(`msg ${h.typeUrl} registered by ${msgs.get(h.typeUrl)?.module} and ${m.name}`);
      msgs.set(h.typeUrl, { handler: h, module: m.name });
    }
    for (const q of m.queries) {
      if (queries.has(q.path)) throw new Error(`query ${q.path} registered twice`);
      queries.set(q.path, q);
    }
  }
  return { msgs, queries };
}

/** SDK GetModuleNameFromTypeURL: "/cosmos.bank.v1beta1.MsgSend" → "bank". */
export function moduleNameFromTypeUrl(typeUrl: string): string {
  const parts = typeUrl.split(".");
  return parts.length > 1 ? (parts[1] as string) : "";
}
