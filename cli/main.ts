/**
 * openledgerd entry point: the only place (with cli/util/io.ts and the start/dev signal handlers)
 * that touches argv, exit and the console. See run.ts for the exit-code contract.
 */
import { runCli } from "./run.ts";
import { processIo } from "./util/io.ts";

const code = await runCli(process.argv.slice(2), processIo());
process.exitCode = code;
// Exit even if a library left a handle open (a stopped node's sockets, an unread stdin pipe).
setTimeout(() => process.exit(code), 3000).unref();
