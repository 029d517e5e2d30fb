/** `openledgerd keys …`: manage the local keyring (test or file backend). */
import { Command } from "commander";
import type { CliIo } from "../../util/io.ts";
import { addKeyringOptions, globalsOf, intFlag, type KeyringFlags, openKeyring } from "../common.ts";
const h = () => import("./handler.ts");


export function keysCommand(io: CliIo): Command {
  const keys = new Command("keys").description("manage the keyring: add, import, list, show and delete keys");

  addKeyringOptions(
    keys
      .command("add")
      .description("create a new key (prints its mnemonic once), or recover one from a mnemonic with --recover")
      .argument("<name>", "key name")
      .option("--recover", "read a BIP39 mnemonic from stdin (or a prompt) instead of generating one", false)
      .option("--account <n>", "HD account number (m/44'/118'/ACCOUNT'/0/INDEX)", "0")
      .option("--index <n>", "HD address index (m/44'/118'/ACCOUNT'/0/INDEX)", "0")
      .option("--hd-path <path>", "full HD path (overrides --account and --index)"),
  ).action(async (name: string, o: KeyringFlags & { recover: boolean; account: string; index: string; hdPath?: string }, cmd: Command) => {
    const g = globalsOf(cmd);
    await (await h()).keysAdd(io, await openKeyring(g.home, o, io), g.output, name, {
      recover: o.recover,
      account: intFlag(o.account, "--account", 0),
      index: intFlag(o.index, "--index", 0),
      hdPath: o.hdPath,
    });
  });

  addKeyringOptions(
    keys
      .command("import")
      .description("import a key from a BIP39 mnemonic read from stdin (or a prompt); same as `keys add NAME --recover`")
      .argument("<name>", "key name")
      .option("--account <n>", "HD account number", "0")
      .option("--index <n>", "HD address index", "0")
      .option("--hd-path <path>", "full HD path (overrides --account and --index)"),
  ).action(async (name: string, o: KeyringFlags & { account: string; index: string; hdPath?: string }, cmd: Command) => {
    const g = globalsOf(cmd);
    await (await h()).keysAdd(io, await openKeyring(g.home, o, io), g.output, name, {
      recover: true,
      account: intFlag(o.account, "--account", 0),
      index: intFlag(o.index, "--index", 0),
      hdPath: o.hdPath,
    });
  });

  addKeyringOptions(keys.command("list").description("list all keys")).action(async (o: KeyringFlags, cmd: Command) => {
    const g = globalsOf(cmd);
    (await h()).keysList(io, await openKeyring(g.home, o, io), g.output);
  });

  addKeyringOptions(
    keys
      .command("show")
      .description("show a key's address and public key")
      .argument("<name_or_address>", "key name or its bech32 address")
      .option("-a, --address", "print only the address", false)
      .option("-p, --pubkey", "print only the public key", false)
      .option("--bech <prefix>", "address kind: acc (open…) or val (openvaloper…)", "acc"),
  ).action(async (name: string, o: KeyringFlags & { address: boolean; pubkey: boolean; bech: string }, cmd: Command) => {
    const g = globalsOf(cmd);
    (await h()).keysShow(io, await openKeyring(g.home, o, io), g.output, name, o);
  });

  addKeyringOptions(
    keys
      .command("delete")
      .description("delete a key from the keyring")
      .argument("<name>", "key name")
      .option("-y, --yes", "skip the confirmation prompt", false),
  ).action(async (name: string, o: KeyringFlags & { yes: boolean }, cmd: Command) => {
    const g = globalsOf(cmd);
    await (await h()).keysDelete(io, await openKeyring(g.home, o, io), name, o.yes);
  });

  return keys;
}
