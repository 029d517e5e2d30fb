/** `genesis gentx` and `genesis collect-gentxs` subcommands (added to the genesis command in program.ts). */
import type { Command } from "commander";
import type { CliIo } from "../../util/io.ts";
import { emit } from "../../util/io.ts";
import { addKeyringOptions, globalsOf, type KeyringFlags, openKeyring } from "../common.ts";
import type { GentxOptions } from "../../genesis/gentx.ts";

export function addGentxCommands(genesis: Command, io: CliIo): void {
  addKeyringOptions(
    genesis
      .command("gentx")
      .description("sign a MsgCreateValidator with this home's consensus key into config/gentx/gentx-<node id>.json")
      .argument("<key_name>", "keyring key that funds the self-delegation (its account must be in genesis)")
      .argument("<amount>", "self-delegation, e.g. 10000000uopen")
      .option("--chain-id <id>", "chain id to sign for (default: genesis.json's)")
      .option("--moniker <name>", "validator name (default: the node id's first 8 characters)")
      .option("--commission-rate <dec>", "initial commission rate", "0.10")
      .option("--commission-max-rate <dec>", "maximum commission rate", "0.20")
      .option("--commission-max-change-rate <dec>", "maximum daily commission change", "0.01")
      .option("--min-self-delegation <int>", "minimum self-delegation in uopen", "1")
      .option("--details <text>", "validator description")
      .option("--website <url>", "validator website")
      .option("--identity <id>", "keybase-style identity")
      .option("--security-contact <email>", "security contact")
      .option("--ip <ip>", "this node's public IP, put in the memo (nodeid@ip:port)", "127.0.0.1")
      .option("--p2p-port <port>", "this node's p2p port for the memo", "26656")
      .option("--output-document <file>", "write the gentx here instead of config/gentx/"),
  ).action(async (key: string, amount: string, o: GentxOptions & KeyringFlags, cmd: Command) => {
    const g = globalsOf(cmd);
    const { createGentx } = await import("../../genesis/gentx.ts");
    const r = await createGentx(g.home, await openKeyring(g.home, o, io), key, amount, o);
    emit(io, g.output, { file: r.file, node_id: r.nodeId, validator_address: r.validatorAddress, gentx: r.json }, `Genesis transaction written to "${r.file}"`);
  });

  genesis
    .command("collect-gentxs")
    .description("put the gentxs of config/gentx/ into app_state.genutil.gen_txs (InitChain then returns the validator set)")
    .option("--gentx-dir <dir>", "directory of gentx files (default: <home>/config/gentx)")
    .action(async (o: { gentxDir?: string }, cmd: Command) => {
      const g = globalsOf(cmd);
      const { collectGentxs } = await import("../../genesis/gentx.ts");
      const r = await collectGentxs(g.home, o.gentxDir);
      emit(io, g.output, { genesis: r.genesis, gen_txs: r.count, files: r.files }, `Collected ${r.count} gentx(s) into ${r.genesis}`);
    });
}
