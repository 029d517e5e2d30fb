/** The node/ pieces `start` composes (late-bound where another part of the tree still lands them). */
import type { Logger } from "pino";
import type { Application } from "../modules/core/abci.ts";
import type { NodeOptions } from "../node/options.ts";
import type { GenesisDoc } from "../node/types/genesis.ts";
import { loadModule } from "./deps.ts";
import { UserError } from "./util/errors.ts";

export interface RunningNode {
  stop(): Promise<void>;
  rpcPort: number;
}

interface NodeModuleApi {
  startNode(opts: NodeOptions, deps: { app: Application; logger: Logger; genesis: GenesisDoc; genesisJson: string }): Promise<RunningNode>;
}

interface GenesisJsonApi {
  parseGenesisJson?: (text: string) => GenesisDoc;
  parseGenesis?: (text: string) => GenesisDoc;
  genesisFromJson?: (text: string) => GenesisDoc;
}

export async function loadStartNode(): Promise<NodeModuleApi["startNode"]> {
  return (await loadModule<NodeModuleApi>("../node/node.ts", "the node (node/node.ts)")).startNode;
}

/** Parses genesis.json text into a GenesisDoc with node/types/genesisJson.ts. */
export async function parseGenesisDoc(text: string): Promise<GenesisDoc> {
  const m = await loadModule<GenesisJsonApi>("../node/types/genesisJson.ts", "the genesis parser (node/types/genesisJson.ts)");
  const parse = m.parseGenesisJson ?? m.parseGenesis ?? m.genesisFromJson;
  if (parse === undefined) throw new UserError("node/types/genesisJson.ts exports no genesis parser");
  return parse(text);
}
