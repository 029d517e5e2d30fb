/** `openledgerd tx …`: sign and broadcast transactions. */
import { Command, Option } from "commander";
import { resolveNode } from "../../rpc/client.ts";
import type { CliIo } from "../../util/io.ts";
import { addKeyringOptions, globalsOf, type KeyringFlags, openKeyring } from "../common.ts";
import { addNodeOption } from "../query/index.ts";
import type { TxFlags } from "./handler.ts";

export function addTxOptions(cmd: Command): Command {
  addNodeOption(cmd);
  return addKeyringOptions(
    cmd
      .option("--fees <coins>", "fee to pay, e.g. 5000uopen (instead of --gas-prices)")
      .option("--gas-prices <price>", "fee per unit of gas, e.g. 0.0025uopen (default 0.0025uopen)")
      .option("--gas <gas>", "gas limit: a number, or auto to simulate (default 200000)")
      .option("--gas-adjustment <factor>", "multiplier on the simulated gas with --gas auto", "1.4")
      .option("--note <text>", "tx memo")
      .option("--memo <text>", "tx memo (same as --note)")
      .option("-y, --yes", "sign and broadcast without the confirmation prompt", false)
      .option("--chain-id <id>", "chain id to sign for (default: the node's)")
      .addOption(new Option("--broadcast-mode <mode>", "sync: return after CheckTx; block: wait for inclusion").choices(["sync", "block"]).default("block"))
      .option("--timeout <seconds>", "how long to wait for inclusion in block mode", "60"),
  );
}

export function txCommand(io: CliIo): Command {
  const tx = new Command("tx").description("sign and broadcast transactions");
  const bank = tx.command("bank").description("bank module transactions");
  addTxOptions(
    bank
      .command("send")
      .description("send coins from a key (name or address) to an address")
      .argument("<from_key_or_address>", "key name, or the address of a key in the keyring")
      .argument("<to_address>", "recipient open1… address")
      .argument("<amount>", "coins, e.g. 1000uopen"),
  ).action(async (from: string, to: string, amount: string, o: TxFlags & KeyringFlags & { note?: string; node?: string }, cmd: Command) => {
    const g = globalsOf(cmd);
    const flags: TxFlags = { ...o, memo: o.memo ?? o.note };
    const { bankSend } = await import("./handler.ts");
    await bankSend({ io, output: g.output, url: resolveNode(o.node, g.home), keyring: await openKeyring(g.home, o, io) }, from, to, amount, flags);
  });
  return tx;
}
