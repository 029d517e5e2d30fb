/** `openledgerd replay`: re-execute the stored chain from genesis and check every app hash. */
import { Command } from "commander";
import type { CliIo } from "../../util/io.ts";
import { UserError } from "../../util/errors.ts";
import { globalsOf } from "../common.ts";

export function replayCommand(io: CliIo): Command {
  return new Command("replay")
    .description("re-execute every stored block from genesis in a fresh in-memory app and check each app hash (stop the node first)")
    .option("--to-height <height>", "stop after this height (default: the last stored block)")
    .action(async (o: { toHeight?: string }, cmd: Command) => {
      const g = globalsOf(cmd);
      let to: bigint | undefined;
      if (o.toHeight !== undefined) {
        if (!/^[1-9][0-9]*$/.test(o.toHeight)) throw new UserError(`--to-height must be a positive integer, got "${o.toHeight}"`);
        to = BigInt(o.toHeight);
      }
      const { replay } = await import("./handler.ts");
      await replay(io, g.output, g.home, to);
    });
}
