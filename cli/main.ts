/**
 * openledgerd entry point: the only place (with cli/util/io.ts) that touches argv, exit and the console.
 * User errors print "Error: <message>" and exit non-zero without a stack trace.
 */
import { CommanderError } from "commander";
import { buildProgram } from "./program.ts";
import { isUserError } from "./util/errors.ts";
import { processIo } from "./util/io.ts";

const io = processIo();
const program = buildProgram(io);
program.exitOverride();

try {
  await program.parseAsync(process.argv);
  process.exitCode = process.exitCode ?? 0;
} catch (e: unknown) {
  if (e instanceof CommanderError) {
    // help and version "errors" exit 0; parse errors were already printed by commander.
    process.exitCode = e.exitCode;
  } else if (isUserError(e)) {
    io.err(`Error: ${e.message}`);
    process.exitCode = e.exitCode;
  } else {
    io.err(`Error (internal): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exitCode = 2;
  }
}
