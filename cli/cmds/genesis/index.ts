/** `openledgerd genesis …`: edit and check config/genesis.json. */
import { Command } from "commander";
import type { CliIo } from "../../util/io.ts";
import { addKeyringOptions, globalsOf, type KeyringFlags, openKeyring } from "../common.ts";
const h = () => import("./handler.ts");


export function genesisCommand(io: CliIo): Command {
  const genesis = new Command("genesis").description("edit and validate the genesis file");

  addKeyringOptions(
    genesis
      .command("add-account")
      .description("add a funded BaseAccount to genesis (next account number; raises the bank supply)")
      .argument("<address_or_key_name>", "bech32 open1… address, or the name of a key in the keyring")
      .argument("<coins>", "initial balance, e.g. 1000000000000uopen or 10uopen,5ufoo")
      .option("--append", "add the coins to an account that is already in genesis", false),
  ).action(async (who: string, coins: string, o: KeyringFlags & { append: boolean }, cmd: Command) => {
    const g = globalsOf(cmd);
    (await h()).genesisAddAccount(io, g.output, g.home, await openKeyring(g.home, o, io), who, coins, o.append);
  });

  genesis
    .command("validate")
    .alias("validate-genesis")
    .description("check a genesis file: JSON shape, accounts, balances and supply, and the app's own genesis rules")
    .argument("[file]", "genesis file (default: <home>/config/genesis.json)")
    .action(async (file: string | undefined, _o: unknown, cmd: Command) => {
      const g = globalsOf(cmd);
      await (await h()).genesisValidate(io, g.output, g.home, file);
    });

  return genesis;
}
