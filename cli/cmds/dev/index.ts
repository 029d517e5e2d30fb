/** `openledgerd dev [--home .openledger-dev] [--reset]`: init once, then start the dev chain. */
import { Command } from "commander";
import type { CliIo } from "../../util/io.ts";
import { globalsOf } from "../common.ts";
import { addStartOptions, shutdownSignal, type StartFlags, startOverrides } from "../start/index.ts";

const DEV_HOME = ".openledger-dev";

export function devCommand(io: CliIo): Command {
  return addStartOptions(
    new Command("dev")
      .description(`run the single-validator dev chain (chain-id openledger-dev-1, home ${DEV_HOME}/ unless --home; created on first run)`)
      .option("--reset", "delete the dev home first and start a new chain", false),
  ).action(async (o: StartFlags & { reset: boolean }, cmd: Command) => {
    const g = globalsOf(cmd);
    const homeGiven = cmd.getOptionValueSourceWithGlobals("home") === "cli";
    const { runDev } = await import("./handler.ts");
    await runDev(io, homeGiven ? g.home : DEV_HOME, o.reset, startOverrides(o, g), shutdownSignal());
  });
}
