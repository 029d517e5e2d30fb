/**
 * `openledgerd provider …`: the compute provider's side.
 *   keygen --out FILE [--type secp256k1|ed25519]   a new attestation key file (register it with tx compute register-provider)
 *   start <from_key> --attestation-key FILE        the daemon: follows the chain, runs assigned jobs, submits attested results
 */
import { Command, Option } from "commander";
import { resolveNode, rpcCall } from "../../rpc/client.ts";
import { errorMessage, UserError } from "../../util/errors.ts";
import { type CliIo, emit } from "../../util/io.ts";
import { addKeyringOptions, globalsOf, type KeyringFlags, openKeyring } from "../common.ts";
import { addNodeOption } from "../query/index.ts";

export function providerCommand(io: CliIo): Command {
  const cmd = new Command("provider").description("compute provider: attestation keys and the job daemon");

  cmd
    .command("keygen")
    .description("write a new attestation key file (mode 0600); its public key goes into tx compute register-provider")
    .requiredOption("--out <file>", "where to write the key file (must not exist)")
    .addOption(new Option("--type <type>", "signature scheme").choices(["secp256k1", "ed25519"]).default("secp256k1"))
    .action(async (o: { out: string; type: "secp256k1" | "ed25519" }, c: Command) => {
      const { generateAttestationKey, writeAttestationKeyFile } = await import("../../../node/provider/keyFile.ts");
      const k = generateAttestationKey(o.type);
      try {
        writeAttestationKeyFile(o.out, k);
      } catch (e) {
        throw new UserError(`cannot write ${o.out}: ${errorMessage(e)}`);
      }
      const out = { file: o.out, type: k.type, pub_key: Buffer.from(k.pub).toString("hex") };
      emit(io, globalsOf(c).output, out, () => `wrote ${o.out} (${k.type}, public key ${out.pub_key})`);
    });

  addKeyringOptions(
    addNodeOption(
      cmd
        .command("start")
        .description("run the provider daemon: follow the chain over WebSocket, run the jobs assigned to this key with onnxruntime, submit attested results; Prometheus metrics on --metrics-addr")
        .argument("<from_key_or_address>", "the provider's account key (signs MsgSubmitResult)")
        .requiredOption("--attestation-key <file>", "attestation key file (provider keygen)")
        .option("--metrics-addr <host:port>", "serve /metrics here", "127.0.0.1:26670")
        .option("--gas-prices <price>", "fee per unit of gas", "0.0025uopen")
        .option("--gas <n>", "gas limit of each MsgSubmitResult", "400000")
        .option("--execution-provider <ep>", "onnxruntime execution provider (cpu, cuda, …)", "cpu")
        .option("--data-dir <dir>", "the daemon's own store: index rows kept on disk from before their result is submitted until they are on chain (default <home>/provider/<address>)"),
    ),
  ).action(async (from: string, o: KeyringFlags & { node?: string; attestationKey: string; metricsAddr: string; gasPrices: string; gas: string; executionProvider: string; dataDir?: string }, c: Command) => {
    const g = globalsOf(c);
    const url = resolveNode(o.node, g.home);
    const keyring = await openKeyring(g.home, o, io);
    const key = keyring.resolve(from);
    const [{ readAttestationKeyFile }, { ProviderDaemon }, { DirectSecp256k1Wallet }, { SigningStargateClient, GasPrice, calculateFee }, { openledgerRegistry }, { createLogger }] = await Promise.all([
      import("../../../node/provider/keyFile.ts"),
      import("../../../node/provider/daemon.ts"),
      import("@cosmjs/proto-signing"),
      import("@cosmjs/stargate"),
      import("../tx/broadcast.ts"),
      import("../../../node/util/logger.ts"),
    ]);
    let att: ReturnType<typeof readAttestationKeyFile>;
    try {
      att = readAttestationKeyFile(o.attestationKey);
    } catch (e) {
      throw new UserError(errorMessage(e));
    }
    const status = await rpcCall<{ node_info: { network: string } }>(url, "status");
    const chainId = status.node_info.network;
    const wallet = await DirectSecp256k1Wallet.fromKey(await keyring.privkey(key.name), "open");
    let client: Awaited<ReturnType<typeof SigningStargateClient.connectWithSigner>>;
    try {
      client = await SigningStargateClient.connectWithSigner(url, wallet, { registry: openledgerRegistry(), gasPrice: GasPrice.fromString(o.gasPrices), broadcastPollIntervalMs: 300 });
    } catch (e) {
      throw new UserError(`cannot reach the node at ${url}: ${errorMessage(e)}`);
    }
    const fee = calculateFee(Number(o.gas), GasPrice.fromString(o.gasPrices));
    const logger = createLogger({ level: "info", format: "json" }).child({ module: "provider" });
    const misbehave = process.env.OPENLEDGER_TEST_PROVIDER;
    const { join } = await import("node:path");
    const daemon = new ProviderDaemon({
      rpcUrl: url,
      chainId,
      address: key.address,
      attestation: att,
      metricsListen: o.metricsAddr,
      dataDir: o.dataDir ?? join(g.home, "provider", key.address),
      logger,
      onnx: { executionProvider: o.executionProvider },
      ...(misbehave === "cheat" || misbehave === "silent" || misbehave === "crash-after-index-submit" ? { misbehave } : {}),
      submit: async (msgs, gas) => {
        try {
          if (gas === "auto") {
            const r = await client.signAndBroadcast(key.address, msgs, 1.3);
            return { code: r.code, log: r.rawLog ?? "", txHash: r.transactionHash };
          }
          const f = { ...fee, gas: String(Number(fee.gas) * msgs.length), amount: fee.amount.map((c) => ({ denom: c.denom, amount: String(BigInt(c.amount) * BigInt(msgs.length)) })) };
          const r = await client.signAndBroadcast(key.address, msgs, f);
          return { code: r.code, log: r.rawLog ?? "", txHash: r.transactionHash };
        } catch (e) {
          return { code: -1, log: errorMessage(e) };
        }
      },
    });
    await daemon.start();
    io.err(`provider ${key.address} following ${url} (chain ${chainId}); metrics on http://${o.metricsAddr.replace(/:\d+$/, "")}:${daemon.metricsPort}/metrics`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await daemon.stop();
    client.disconnect();
  });
  return cmd;
}
