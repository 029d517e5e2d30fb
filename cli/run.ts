/**
 * Runs one openledgerd command line against a CliIo and returns the exit code: 0 on success,
 * commander's code for help/usage (0 for --help, 1 for parse errors), the UserError's code (1) with
 * "Error: <message>" on stderr and no stack, 2 for an internal error (stack printed).
 * main.ts calls it with the real console; tests call it in-process with memoryIo.
 */
import { CommanderError } from "commander";
import { allCommands, buildProgram } from "./program.ts";
import { isUserError } from "./util/errors.ts";
import type { CliIo } from "./util/io.ts";

export async function runCli(args: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  for (const c of [program, ...allCommands(program)]) {
    c.exitOverride();
    c.configureOutput({ writeOut: (t) => io.out(t.replace(/\n$/, "")), writeErr: (t) => io.err(t.replace(/\n$/, "")) });
  }
  try {
    await program.parseAsync(args, { from: "user" });
    return 0;
  } catch (e: unknown) {
    if (e instanceof CommanderError) return e.exitCode;
    if (isUserError(e)) {
      io.err(`Error: ${e.message}`);
      return e.exitCode;
    }
    io.err(`Error (internal): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 2;
  }
}
