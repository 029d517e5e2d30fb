/** Helpers shared by the commands: global options, keyring flags, action wrapper. */
import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { DEFAULT_HOME } from "../config/paths.ts";
import { KEYRING_BACKENDS, parseKeyringBackend } from "../keyring/backends.ts";
import type { Keyring } from "../keyring/keyring.ts";
import { errorMessage, UserError } from "../util/errors.ts";
import { type CliIo, type OutputFormat, parseOutput } from "../util/io.ts";

export interface GlobalOptions {
  home: string;
  output: OutputFormat;
  logLevel: string | undefined;
  logFormat: string | undefined;
}

export function globalsOf(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals<{ home?: string; output?: string; logLevel?: string; logFormat?: string }>();
  return {
    home: o.home ?? DEFAULT_HOME,
    output: parseOutput(o.output),
    logLevel: o.logLevel,
    logFormat: o.logFormat,
  };
}

export function addGlobalOptions(program: Command): Command {
  return program
    .option("--home <dir>", "node home directory", DEFAULT_HOME)
    .addOption(new Option("-o, --output <format>", "output format").choices(["text", "json"]).default("text"))
    .option("--log-level <level>", "log level: trace|debug|info|warn|error (overrides config.toml)")
    .addOption(new Option("--log-format <format>", "log format (overrides config.toml)").choices(["json", "pretty"]));
}

export function addKeyringOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--keyring-backend <backend>", "keyring backend").choices([...KEYRING_BACKENDS]).default("test"))
    .option("--keyring-passphrase-file <file>", "read the file keyring's passphrase from the first line of this file");
}

export interface KeyringFlags {
  keyringBackend?: string;
  keyringPassphraseFile?: string;
}

export async function openKeyring(home: string, flags: KeyringFlags, io: CliIo): Promise<Keyring> {
  const { Keyring } = await import("../keyring/keyring.ts");
  const backend = parseKeyringBackend(flags.keyringBackend);
  const file = flags.keyringPassphraseFile;
  return new Keyring({
    home,
    backend,
    passphrase: async (creating) => {
      if (file !== undefined) {
        let text: string;
        try {
          text = readFileSync(file, "utf8");
        } catch (e) {
          throw new UserError(`cannot read --keyring-passphrase-file: ${errorMessage(e)}`);
        }
        return text.split(/\r?\n/)[0] ?? "";
      }
      const p = await io.prompt("Enter keyring passphrase (attempt 1/1): ", { secret: true });
      if (creating && io.isInteractive) {
        const again = await io.prompt("Re-enter keyring passphrase: ", { secret: true });
        if (again !== p) throw new UserError("passphrases do not match");
      }
      return p;
    },
  });
}

/** Parses a non-negative integer flag. */
export function intFlag(v: string | undefined, name: string, def: number): number {
  if (v === undefined) return def;
  if (!/^[0-9]+$/.test(v)) throw new UserError(`invalid ${name} "${v}": expected a non-negative integer`);
  return Number(v);
}

/** Asks y/N; anything but y/yes is a refusal. */
export async function confirm(io: CliIo, question: string): Promise<boolean> {
  const a = (await io.prompt(`${question} [y/N]: `)).trim().toLowerCase();
  return a === "y" || a === "yes";
}
