/** `openledgerd start`: run the node (single validator until the BFT engine lands). */
import { Command } from "commander";
import type { ConfigOverrides } from "../../config/config.ts";
import type { CliIo } from "../../util/io.ts";
import { globalsOf } from "../common.ts";


export interface StartFlags {
  "rpc.laddr"?: string;
  "p2p.laddr"?: string;
  minimumGasPrices?: string;
  blockInterval?: string;
  "api.address"?: string;
  "grpc.address"?: string;
  "metrics.address"?: string;
}

/** Start flags + global log flags → config overrides. */
export function startOverrides(o: StartFlags, g: { logLevel: string | undefined; logFormat: string | undefined }): ConfigOverrides {
  return {
    rpcLaddr: o["rpc.laddr"],
    p2pLaddr: o["p2p.laddr"],
    minimumGasPrices: o.minimumGasPrices,
    blockInterval: o.blockInterval,
    apiLaddr: o["api.address"],
    grpcLaddr: o["grpc.address"],
    metricsLaddr: o["metrics.address"],
    logLevel: g.logLevel,
    logFormat: g.logFormat,
  };
}

export function addStartOptions(cmd: Command): Command {
  return cmd
    .option("--rpc.laddr <addr>", "RPC listen address (overrides config.toml), e.g. tcp://127.0.0.1:26657")
    .option("--p2p.laddr <addr>", "P2P listen address (overrides config.toml), e.g. tcp://127.0.0.1:26656")
    .option("--minimum-gas-prices <prices>", "minimum gas prices accepted into the mempool (overrides app.toml), e.g. 0.0025uopen")
    .option("--block-interval <duration>", "time between blocks: milliseconds or a duration like 1s, 500ms (overrides consensus.timeout_commit)")
    .option("--api.address <addr>", "serve Cosmos REST at this address (enables it; overrides app.toml [api]), e.g. tcp://127.0.0.1:1317")
    .option("--grpc.address <addr>", "serve gRPC at this address (enables it; overrides app.toml [grpc]), e.g. 127.0.0.1:9090")
    .option("--metrics.address <addr>", "serve Prometheus metrics at this address (enables them; overrides config.toml [instrumentation]), e.g. 127.0.0.1:26660");
}

/** SIGINT/SIGTERM as a promise (the CLI owns the process signals). */
export function shutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((res) => {
    const on = (s: NodeJS.Signals) => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      res(s);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

export function startCommand(_io: CliIo): Command {
  return addStartOptions(new Command("start").description("run the node with the home's config and genesis")).action(
    async (o: StartFlags, cmd: Command) => {
      const g = globalsOf(cmd);
      const { runNode } = await import("./handler.ts");
      await runNode(g.home, startOverrides(o, g), { shutdown: shutdownSignal() });
    },
  );
}
