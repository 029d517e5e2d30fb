/** The `openledgerd` command tree (commander). main.ts runs it; tests build it in-process too. */
import { Command } from "commander";
import type { CliIo } from "./util/io.ts";
import { addGlobalOptions } from "./cmds/common.ts";
import { genesisCommand } from "./cmds/genesis/index.ts";
import { addGentxCommands } from "./cmds/genesis/gentx.ts";
import { distributionTxCommand, slashingTxCommand, stakingTxCommand } from "./cmds/tx/staking.ts";
import { distributionQueryCommand, slashingQueryCommand, stakingQueryCommand } from "./cmds/query/staking.ts";
import { queryCommand, statusCommand } from "./cmds/query/index.ts";
import { txCommand } from "./cmds/tx/index.ts";
import { datanetTxCommand } from "./cmds/tx/datanet.ts";
import { attributionTxCommand } from "./cmds/tx/attribution.ts";
import { paychanTxCommand, treasuryTxCommand } from "./cmds/tx/treasury.ts";
import { paychanQueryCommand, treasuryQueryCommand } from "./cmds/query/treasury.ts";
import { attributionQueryCommand, datanetQueryCommand } from "./cmds/query/datanet.ts";
import { devCommand } from "./cmds/dev/index.ts";
import { startCommand } from "./cmds/start/index.ts";
import { initCommand } from "./cmds/init/index.ts";
import { keysCommand } from "./cmds/keys/index.ts";
import { replayCommand } from "./cmds/replay/index.ts";
import { poaCommand } from "./cmds/poa/index.ts";
import { blobCommand } from "./cmds/blob/index.ts";
import { govTxCommand, grantsTxCommand } from "./cmds/tx/gov.ts";
import { addApprovalQueries, addRegistryQueries, govQueryCommand, grantsQueryCommand } from "./cmds/query/gov.ts";
import { computeTxCommand } from "./cmds/tx/compute.ts";
import { computeQueryCommand } from "./cmds/query/compute.ts";
import { providerCommand } from "./cmds/provider/index.ts";
import { VERSION } from "./version.ts";

export { VERSION } from "./version.ts";

export function buildProgram(io: CliIo): Command {
  const program = new Command("openledgerd")
    .description("OpenLedger appchain node: datanets, attested compute and Proof of Attribution on a Cosmos-style chain")
    .version(VERSION, "-v, --version", "print the version")
    .showHelpAfterError("(run with --help for usage)")
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false });
  addGlobalOptions(program);
  program.addCommand(initCommand(io));
  program.addCommand(keysCommand(io));
  const genesis = genesisCommand(io);
  addGentxCommands(genesis, io);
  program.addCommand(genesis);
  program.addCommand(startCommand(io));
  program.addCommand(devCommand(io));
  program.addCommand(txCommand(io).addCommand(datanetTxCommand(io)).addCommand(attributionTxCommand(io)).addCommand(treasuryTxCommand(io)).addCommand(paychanTxCommand(io)).addCommand(stakingTxCommand(io)).addCommand(slashingTxCommand(io)).addCommand(distributionTxCommand(io)));
  program.addCommand(
    queryCommand(io).addCommand(datanetQueryCommand(io)).addCommand(treasuryQueryCommand(io)).addCommand(paychanQueryCommand(io)).addCommand(attributionQueryCommand(io)).addCommand(stakingQueryCommand(io)).addCommand(slashingQueryCommand(io)).addCommand(distributionQueryCommand(io)),
  );
  // gov (and grants): added to tx / query here so the lines above stay as they are
  program.commands.find((c) => c.name() === "tx")?.addCommand(govTxCommand(io)).addCommand(grantsTxCommand(io));
  program.commands.find((c) => c.name() === "query")?.addCommand(govQueryCommand(io)).addCommand(grantsQueryCommand(io));
  // compute: tx / query subcommands and the provider daemon
  program.commands.find((c) => c.name() === "tx")?.addCommand(computeTxCommand(io));
  program.commands.find((c) => c.name() === "query")?.addCommand(computeQueryCommand(io));
  program.addCommand(providerCommand(io));
  // governance decisions shown under the modules they decide (attribution methods, compute approvals)
  {
    const q = program.commands.find((c) => c.name() === "query");
    const sub = (n: string) => q?.commands.find((c) => c.name() === n);
    const attribution = sub("attribution");
    if (attribution !== undefined) addRegistryQueries(io, attribution);
    let compute = sub("compute");
    if (compute === undefined) {
      compute = new Command("compute").description("compute module queries");
      q?.addCommand(compute);
    }
    addApprovalQueries(io, compute);
  }
  program.addCommand(statusCommand(io));
  program.addCommand(replayCommand(io));
  program.addCommand(poaCommand(io));
  program.addCommand(blobCommand(io));
  for (const c of allCommands(program)) {
    c.showHelpAfterError("(run with --help for usage)");
    c.configureHelp({ showGlobalOptions: true });
  }
  return program;
}

/** Every command and subcommand (for help tests and uniform settings). */
export function allCommands(root: Command): Command[] {
  const out: Command[] = [];
  const walk = (c: Command) => {
    for (const s of c.commands) {
      out.push(s);
      walk(s);
    }
  };
  walk(root);
  return out;
}
