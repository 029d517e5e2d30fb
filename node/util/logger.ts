/**
 * Node logging (pino). JSON lines by default; `format: "pretty"` renders through pino-pretty's stream
 * (synchronous, same process). Components log through `logger.child({module: "…"})`.
 */
import { pino, type Logger } from "pino";
import pretty from "pino-pretty";

export type { Logger };

export interface LoggerOptions {
  level: string;
  format: "json" | "pretty";
  /** where JSON lines go (default stdout); tests pass a stream. */
  destination?: NodeJS.WritableStream;
}

const LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

export function createLogger(opts: LoggerOptions): Logger {
  const level = opts.level.toLowerCase();
  if (!LEVELS.has(level)) throw new Error(`unknown log level "${opts.level}" (want one of ${[...LEVELS].join(", ")})`);
  const base = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  if (opts.format === "pretty") {
    const stream = pretty({
      colorize: opts.destination === undefined ? process.stdout.isTTY === true : false,
      translateTime: "SYS:HH:MM:ss.l",
      ignore: "pid,hostname",
      sync: true,
      ...(opts.destination !== undefined ? { destination: opts.destination } : {}),
    });
    return pino(base, stream);
  }
  if (opts.format !== "json") throw new Error(`unknown log format "${String(opts.format)}" (want json or pretty)`);
  return opts.destination !== undefined ? pino(base, opts.destination) : pino(base);
}

/** a logger that drops everything (tests). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
