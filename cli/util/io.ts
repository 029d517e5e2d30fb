/**
 * The console side of the CLI: stdout/stderr writers, output format, prompts and stdin lines.
 * Handlers receive a CliIo so tests can drive them in-process with captured output.
 */
import { createInterface } from "node:readline";
import { UserError } from "./errors.ts";

export type OutputFormat = "text" | "json";

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Ask a question; `secret` disables echo on a TTY. Non-TTY stdin: reads the next line. */
  prompt(question: string, opts?: { secret?: boolean }): Promise<string>;
  /** All of stdin (non-TTY) as text. */
  readAll(): Promise<string>;
  isInteractive: boolean;
}

/** JSON with bigint → string and Uint8Array → base64. */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (typeof v === "bigint") return v.toString();
      if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
      return v;
    },
    indent,
  );
}

/** Print either JSON (one document) or text lines. */
export function emit(io: CliIo, output: OutputFormat, json: unknown, text: string | (() => string)): void {
  if (output === "json") io.out(toJson(json));
  else io.out(typeof text === "function" ? text() : text);
}

export function parseOutput(v: unknown): OutputFormat {
  if (v === undefined || v === "text") return "text";
  if (v === "json") return "json";
  throw new UserError(`invalid --output ${String(v)}: use text or json`);
}

/** Line reader over a stream, shared by successive prompts (piped input gives one answer per line). */
class LineQueue {
  private lines: string[] = [];
  private waiters: ((l: string | null) => void)[] = [];
  private ended = false;
  private started = false;
  private readonly input: NodeJS.ReadableStream;
  constructor(input: NodeJS.ReadableStream) {
    this.input = input;
  }
  private start(): void {
    if (this.started) return;
    this.started = true;
    const rl = createInterface({ input: this.input, crlfDelay: Infinity, terminal: false });
    rl.on("line", (l) => {
      const w = this.waiters.shift();
      if (w) w(l);
      else this.lines.push(l);
    });
    rl.on("close", () => {
      this.ended = true;
      for (const w of this.waiters.splice(0)) w(null);
    });
  }
  next(): Promise<string | null> {
    this.start();
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (this.ended) return Promise.resolve(null);
    return new Promise((res) => this.waiters.push(res));
  }
  async rest(): Promise<string> {
    const out: string[] = [];
    for (;;) {
      const l = await this.next();
      if (l === null) return out.join("\n");
      out.push(l);
    }
  }
}

function ttyPrompt(question: string, secret: boolean): Promise<string> {
  const stdin = process.stdin;
  const stderr = process.stderr;
  return new Promise((resolve, reject) => {
    stderr.write(question);
    if (!secret) {
      const rl = createInterface({ input: stdin, output: stderr, terminal: true });
      rl.once("line", (l) => {
        rl.close();
        resolve(l);
      });
      rl.once("SIGINT", () => {
        rl.close();
        reject(new UserError("aborted", 130));
      });
      return;
    }
    let buf = "";
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") {
          done();
          resolve(buf);
          return;
        }
        if (ch === "\u0003") {
          done();
          reject(new UserError("aborted", 130));
          return;
        }
        if (ch === "\u007f" || ch === "\b") buf = buf.slice(0, -1);
        else buf += ch;
      }
    };
    const done = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write("\n");
    };
    stdin.on("data", onData);
  });
}

/** The real console. */
export function processIo(): CliIo {
  const interactive = process.stdin.isTTY === true;
  const queue = new LineQueue(process.stdin);
  return {
    out: (t) => {
      process.stdout.write(t.endsWith("\n") ? t : `${t}\n`);
    },
    err: (t) => {
      process.stderr.write(t.endsWith("\n") ? t : `${t}\n`);
    },
    isInteractive: interactive,
    async prompt(question, opts) {
      if (interactive) return ttyPrompt(question, opts?.secret === true);
      process.stderr.write(question.endsWith("\n") ? question : `${question}\n`);
      const l = await queue.next();
      if (l === null) throw new UserError(`no input for prompt "${question.trim()}" (stdin closed)`);
      return l;
    },
    readAll: () => queue.rest(),
  };
}

/** A scripted console for tests: answers prompts from `inputs` in order. */
export function memoryIo(inputs: string[] = []): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const queue = [...inputs];
  return {
    stdout,
    stderr,
    out: (t) => void stdout.push(t),
    err: (t) => void stderr.push(t),
    isInteractive: false,
    async prompt(question) {
      const a = queue.shift();
      if (a === undefined) throw new UserError(`no input for prompt "${question.trim()}" (stdin closed)`);
      return a;
    },
    readAll: async () => queue.splice(0).join("\n"),
  };
}
