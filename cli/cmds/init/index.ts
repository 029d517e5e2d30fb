/** `openledgerd init <moniker> --chain-id X`. */
import { Command } from "commander";
import type { CliIo } from "../../util/io.ts";
import { globalsOf } from "../common.ts";
const h = () => import("./handler.ts");


export function initCommand(io: CliIo): Command {
  return new Command("init")
    .description("initialize a node home: config.toml, app.toml, genesis.json, validator and node keys")
    .argument("<moniker>", "a name for this node (also the genesis validator's name)")
    .requiredOption("--chain-id <id>", "the chain id of the new genesis (e.g. openledger-dev-1)")
    .option("--overwrite", "replace an existing genesis.json (keys and data are kept)", false)
    .action(async (moniker: string, o: { chainId: string; overwrite: boolean }, cmd: Command) => {
      const g = globalsOf(cmd);
      await (await h()).initCmd(io, g.output, g.home, { moniker, chainId: o.chainId, overwrite: o.overwrite });
    });
}
