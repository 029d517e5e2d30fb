/** `openledgerd query …` (alias `q`): read chain state through the node's RPC. */
import { Command } from "commander";
import { resolveNode } from "../../rpc/client.ts";
import type { CliIo } from "../../util/io.ts";
import { globalsOf } from "../common.ts";
import type { QueryCtx } from "./handler.ts";

const h = () => import("./handler.ts");


export function addNodeOption(cmd: Command): Command {
  return cmd.option("--node <url>", "RPC endpoint of the node (default: rpc.laddr of <home>/config/config.toml, else tcp://127.0.0.1:26657)");
}

export function queryCtx(io: CliIo, cmd: Command): QueryCtx {
  const g = globalsOf(cmd);
  return { io, output: g.output, url: resolveNode(cmd.optsWithGlobals<{ node?: string }>().node, g.home) };
}

export function statusCommand(io: CliIo, name = "status"): Command {
  return addNodeOption(new Command(name).description("the node's status: chain id, latest block, app hash, validator")).action(
    async (_o: unknown, cmd: Command) => {
      await (await h()).queryStatus(queryCtx(io, cmd));
    },
  );
}

export function queryCommand(io: CliIo): Command {
  const query = new Command("query").alias("q").description("query chain state through the node's RPC");
  addNodeOption(query);

  const bank = query.command("bank").description("bank module queries");
  bank
    .command("balances")
    .description("an account's balances (all denoms, or one with --denom)")
    .argument("<address>", "bech32 open1… address")
    .option("--denom <denom>", "only this denom")
    .option("--height <h>", "query the state at this height (default: latest)")
    .option("--prove", "verify an ICS-23 proof of each balance against the app hash of block height+1", false)
    .action(async (address: string, o: { denom?: string; height?: string; prove: boolean }, cmd: Command) => {
      await (await h()).queryBalances(queryCtx(io, cmd), address, o);
    });

  const auth = query.command("auth").description("auth module queries");
  auth
    .command("account")
    .description("an account's number, sequence and public key")
    .argument("<address>", "bech32 open1… address")
    .option("--height <h>", "query the state at this height (default: latest)")
    .option("--prove", "verify an ICS-23 proof of the account against the app hash of block height+1", false)
    .action(async (address: string, o: { height?: string; prove: boolean }, cmd: Command) => {
      await (await h()).queryAccount(queryCtx(io, cmd), address, o);
    });

  query
    .command("tx")
    .description("a transaction by its hash, with its result")
    .argument("<hash>", "tx hash (64 hex characters)")
    .action(async (hash: string, _o: unknown, cmd: Command) => {
      await (await h()).queryTx(queryCtx(io, cmd), hash);
    });

  query
    .command("block")
    .description("a block (default: the latest)")
    .argument("[height]", "block height")
    .action(async (height: string | undefined, _o: unknown, cmd: Command) => {
      await (await h()).queryBlock(queryCtx(io, cmd), height);
    });

  query.addCommand(statusCommand(io));
  return query;
}
