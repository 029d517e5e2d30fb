/** Test helpers: run the CLI in-process (runCli + memoryIo) or as the real executable. */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { runCli } from "../run.ts";
import { memoryIo } from "../util/io.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = join(ROOT, "cli/openledgerd");
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";
export const DEV_ADDRESS = "open15yk64u7zc9g9k2yr2wmzeva5qgwxps6y3eah9f";

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** In-process: same parsing, handlers and exit-code mapping as the executable. `inputs`: prompt answers. */
export async function cli(args: string[], inputs: string[] = []): Promise<Run> {
  const io = memoryIo(inputs);
  const code = await runCli(args, io);
  return { code, stdout: io.stdout.join("\n"), stderr: io.stderr.join("\n") };
}

/** The real cli/openledgerd, with `input` on stdin. */
export function spawnCli(args: string[], input = ""): Promise<Run> {
  return new Promise((res, rej) => {
    const p = spawn(BIN, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += String(d)));
    p.stderr.on("data", (d) => (stderr += String(d)));
    p.on("error", rej);
    p.on("close", (code) => res({ code, stdout, stderr }));
    p.stdin.end(input);
  });
}

/** A user error: exit 1, "Error: …" on stderr, no stack trace. */
export function assertUserError(r: Run, re: RegExp, what: string): void {
  assert.equal(r.code, 1, `${what}: exit code (stderr: ${r.stderr}; stdout: ${r.stdout})`);
  assert.match(r.stderr, re, what);
  assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, `${what}: no stack trace`);
}

/** Temp homes under os.tmpdir(), removed by `cleanup()`. */
export function tempHomes(): { home(): string; cleanup(): void } {
  const homes: string[] = [];
  return {
    home() {
      const h = mkdtempSync(join(tmpdir(), "openledgerd-cli-"));
      homes.push(h);
      return h;
    },
    cleanup() {
      for (const h of homes) rmSync(h, { recursive: true, force: true });
    },
  };
}
