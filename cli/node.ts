/** The node/ pieces `start` and `genesis validate` compose (imported on demand). */
import type { GenesisDoc } from "../node/types/genesis.ts";
import { errorMessage, UserError } from "./util/errors.ts";

export async function loadStartNode(): Promise<typeof import("../node/node.ts").startNode> {
  return (await import("../node/node.ts")).startNode;
}

/** Parses and validates genesis.json text (node/types/genesisJson.ts) into a GenesisDoc. */
export async function parseGenesisDoc(text: string, file: string): Promise<GenesisDoc> {
  const { parseGenesis } = await import("../node/types/genesisJson.ts");
  try {
    return parseGenesis(text);
  } catch (e) {
    throw new UserError(`invalid genesis ${file}: ${errorMessage(e).replace(/^genesis: /, "")}`);
  }
}
