/** `openledgerd tx compute …`: register-provider, update-provider, unbond-provider, request-inference, request-job. */
import { DEFAULT_TRAINING_CONFIG, encodeTrainingConfig } from "../../../modules/compute/training.ts";
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { JobType } from "../../../proto/gen/openledger/compute/v1/types.ts";
import { featuresToBytes } from "../../../node/provider/inference.ts";
import { readAttestationKeyFile } from "../../../node/provider/keyFile.ts";
import { resolveNode } from "../../rpc/client.ts";
import { parseCoin } from "../../util/coins.ts";
import { UserError } from "../../util/errors.ts";
import type { CliIo } from "../../util/io.ts";
import { globalsOf, type KeyringFlags, openKeyring } from "../common.ts";
import type { EncodeMsg } from "./broadcast.ts";
import { parseId, uploadPayload } from "./datanet.ts";
import type { TxFlags } from "./handler.ts";
import { addTxOptions } from "./index.ts";

const T = "/openledger.compute.v1.";
type Flags = TxFlags & KeyringFlags & { note?: string; node?: string };

function coin(v: string, what: string): { denom: string; amount: string } {
  try {
    const c = parseCoin(v);
    return { denom: c.denom, amount: c.amount.toString() };
  } catch (e) {
    throw new UserError(`invalid ${what} "${v}": ${(e as Error).message} (e.g. 1000000uopen)`);
  }
}

function bytesOf(v: string | undefined): bigint {
  if (v === undefined) return 0n;
  const m = /^([0-9]+)\s*(B|KiB|MiB|GiB|TiB)?$/.exec(v.trim());
  if (m === null) throw new UserError(`invalid --memory "${v}" (e.g. 80GiB)`);
  const unit = { B: 0n, KiB: 10n, MiB: 20n, GiB: 30n, TiB: 40n }[(m[2] ?? "B") as "B"];
  return BigInt(m[1] as string) << unit;
}

const hex32 = (v: string, what: string): Uint8Array => {
  const h = v.replace(/^blob:\/\//, "");
  if (!/^[0-9a-fA-F]{64}$/.test(h)) throw new UserError(`${what} must be a sha256 (64 hex characters)`);
  return new Uint8Array(Buffer.from(h, "hex"));
};

/** --input "0.5,1,…" (float32 features), --input-file (raw float32 LE bytes), or --input-blob <sha256>. */
export function inferenceInput(o: { input?: string; inputFile?: string; inputBlob?: string }): { input: Uint8Array; inputBlobHash: Uint8Array } {
  const given = [o.input, o.inputFile, o.inputBlob].filter((x) => x !== undefined).length;
  if (given !== 1) throw new UserError("give exactly one of --input f1,f2,…  --input-file FILE  --input-blob SHA256");
  if (o.input !== undefined) {
    const xs = o.input.split(",").map((x) => Number(x.trim()));
    if (xs.length === 0 || xs.some((x) => !Number.isFinite(x))) throw new UserError(`invalid --input "${o.input}": comma-separated numbers`);
    return { input: featuresToBytes(xs), inputBlobHash: new Uint8Array(0) };
  }
  if (o.inputFile !== undefined) {
    let b: Uint8Array;
    try {
      b = new Uint8Array(readFileSync(o.inputFile));
    } catch (e) {
      throw new UserError(`cannot read ${o.inputFile}: ${(e as Error).message}`);
    }
    return { input: b, inputBlobHash: new Uint8Array(0) };
  }
  return { input: new Uint8Array(0), inputBlobHash: hex32(o.inputBlob as string, "--input-blob") };
}

export function computeTxCommand(io: CliIo): Command {
  const cmd = new Command("compute").description("compute transactions: providers, inference requests, jobs");
  const run = async (from: string, o: Flags, c: Command, build: (sender: string) => EncodeMsg[], summary: (sender: string) => string[]) => {
    const g = globalsOf(c);
    const { broadcastMsgs } = await import("./broadcast.ts");
    await broadcastMsgs({ io, output: g.output, url: resolveNode(o.node, g.home), keyring: await openKeyring(g.home, o, io) }, from, build, summary, { ...o, memo: o.memo ?? o.note });
  };
  const caps = (c: Command) =>
    c
      .option("--accelerator <name>", "accelerator, e.g. cpu or nvidia-h100", "cpu")
      .option("--memory <bytes>", "accelerator memory, e.g. 80GiB")
      .option("--max-batch <n>", "largest batch", "1")
      .option("--endpoint <url>", "where the provider serves", "")
      .option("--moniker <name>", "display name", "");
  type CapFlags = { accelerator: string; memory?: string; maxBatch: string; endpoint: string; moniker: string };
  const capsOf = (o: CapFlags) => ({ accelerator: o.accelerator, memoryBytes: bytesOf(o.memory), maxBatch: Number(parseId(o.maxBatch, "--max-batch")), endpoint: o.endpoint });

  addTxOptions(
    caps(
      cmd
        .command("register-provider")
        .description("register as a compute provider: bond (escrowed in the compute module account), capabilities, attestation key")
        .argument("<from_key_or_address>", "provider key")
        .requiredOption("--bond <coin>", "bond, e.g. 2000000uopen")
        .requiredOption("--attestation-key <file>", "attestation key file (openledgerd provider keygen)"),
    ),
  ).action(async (from: string, o: Flags & CapFlags & { bond: string; attestationKey: string }, c: Command) => {
    const bond = coin(o.bond, "--bond");
    const k = readAttestationKeyFile(o.attestationKey);
    await run(from, o, c, (provider) => [{ typeUrl: `${T}MsgRegisterProvider`, value: { provider, bond, capabilities: capsOf(o), attestationPubkey: k.pub, attestationKeyType: k.type, moniker: o.moniker } }], () => [`register provider, bond ${bond.amount}${bond.denom}, ${k.type} attestation key`]);
  });

  addTxOptions(
    caps(
      cmd
        .command("update-provider")
        .description("replace the capabilities (and optionally the attestation key), add bond")
        .argument("<from_key_or_address>", "provider key")
        .option("--add-bond <coin>", "bond to add")
        .option("--attestation-key <file>", "a new attestation key file"),
    ),
  ).action(async (from: string, o: Flags & CapFlags & { addBond?: string; attestationKey?: string }, c: Command) => {
    const k = o.attestationKey === undefined ? undefined : readAttestationKeyFile(o.attestationKey);
    const addBond = o.addBond === undefined ? undefined : coin(o.addBond, "--add-bond");
    await run(from, o, c, (provider) => [{ typeUrl: `${T}MsgUpdateProvider`, value: { provider, capabilities: capsOf(o), attestationPubkey: k?.pub ?? new Uint8Array(0), attestationKeyType: k?.type ?? "", addBond, moniker: o.moniker } }], () => ["update provider"]);
  });

  addTxOptions(cmd.command("unbond-provider").description("stop taking jobs; the bond is released after the unbonding period").argument("<from_key_or_address>", "provider key")).action(async (from: string, o: Flags, c: Command) => {
    await run(from, o, c, (provider) => [{ typeUrl: `${T}MsgUnbondProvider`, value: { provider } }], () => ["unbond provider"]);
  });

  addTxOptions(
    cmd
      .command("request-inference")
      .description("pay for one inference of a model (the fee is escrowed, paid when the validators accept the result)")
      .argument("<from_key_or_address>", "requester key")
      .argument("<model_id>", "model id")
      .requiredOption("--max-fee <coin>", "fee, e.g. 1000uopen")
      .option("--input <f1,f2,…>", "float32 features")
      .option("--input-file <file>", "raw float32 little-endian features")
      .option("--input-blob <sha256>", "an input already in the blob store")
      .option("--upload", "with --input-file: upload it to the node's blob store and reference it by hash", false),
  ).action(async (from: string, modelId: string, o: Flags & { maxFee: string; input?: string; inputFile?: string; inputBlob?: string; upload: boolean }, c: Command) => {
    const fee = coin(o.maxFee, "--max-fee");
    let inp = inferenceInput(o);
    if (o.upload) {
      if (o.inputFile === undefined) throw new UserError("--upload goes with --input-file");
      const up = await uploadPayload(resolveNode(o.node, globalsOf(c).home), inp.input);
      inp = { input: new Uint8Array(0), inputBlobHash: new Uint8Array(Buffer.from(up.hash, "hex")) };
    }
    const id = parseId(modelId, "model id");
    await run(from, o, c, (requester) => [{ typeUrl: `${T}MsgRequestInference`, value: { requester, modelId: id, ...inp, maxFee: fee } }], () => [`inference of model ${id}, fee ${fee.amount}${fee.denom}`]);
  });

  addTxOptions(
    cmd
      .command("request-job")
      .description("request an embedding-index or training job for a model")
      .argument("<from_key_or_address>", "requester key")
      .argument("<type>", "embedding-index or training")
      .argument("<model_id>", "model id")
      .requiredOption("--max-fee <coin>", "fee")
      .option("--input-blob <sha256>", "job input in the blob store (embedding-index jobs)")
      .option("--learning-rate <lr>", `training: SGD learning rate, 2^-16 … 1 (default ${DEFAULT_TRAINING_CONFIG.learningRateQ16 / 65536})`)
      .option("--epochs <n>", `training: epochs (default ${DEFAULT_TRAINING_CONFIG.epochs})`)
      .option("--batch-size <n>", `training: mini-batch size, a power of two ≤ 256 (default ${DEFAULT_TRAINING_CONFIG.batchSize})`)
      .option("--segments <n>", `training: checkpoints (segments replayed by validators), ≤ 32 (default ${DEFAULT_TRAINING_CONFIG.segments})`),
  ).action(async (from: string, type: string, modelId: string, o: Flags & { maxFee: string; inputBlob?: string; learningRate?: string; epochs?: string; batchSize?: string; segments?: string }, c: Command) => {
    const jobType = type === "embedding-index" ? JobType.JOB_TYPE_EMBEDDING_INDEX : type === "training" ? JobType.JOB_TYPE_TRAINING : undefined;
    if (jobType === undefined) throw new UserError(`invalid job type "${type}": embedding-index or training`);
    const fee = coin(o.maxFee, "--max-fee");
    const id = parseId(modelId, "model id");
    // a training job's input is its config (modules/compute/training.ts); the chain checks it
    let input: Uint8Array = new Uint8Array(0);
    if (jobType === JobType.JOB_TYPE_TRAINING) {
      const int = (v: string | undefined, d: number, what: string) => {
        if (v === undefined) return d;
        if (!/^\d+$/.test(v)) throw new UserError(`${what} must be a positive integer, got "${v}"`);
        return Number(v);
      };
      const lr = o.learningRate === undefined ? DEFAULT_TRAINING_CONFIG.learningRateQ16 : Math.round(Number(o.learningRate) * 65536);
      if (!Number.isFinite(lr)) throw new UserError(`--learning-rate must be a number, got "${o.learningRate}"`);
      try {
        input = encodeTrainingConfig({ learningRateQ16: lr, epochs: int(o.epochs, DEFAULT_TRAINING_CONFIG.epochs, "--epochs"), batchSize: int(o.batchSize, DEFAULT_TRAINING_CONFIG.batchSize, "--batch-size"), segments: int(o.segments, DEFAULT_TRAINING_CONFIG.segments, "--segments") });
      } catch (e: unknown) {
        throw new UserError(`training config: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    await run(from, o, c, (requester) => [{ typeUrl: `${T}MsgRequestJob`, value: { requester, jobType, modelId: id, input, inputBlobHash: o.inputBlob === undefined ? new Uint8Array(0) : hex32(o.inputBlob, "--input-blob"), maxFee: fee } }], () => [`${type} job for model ${id}`]);
  });
  return cmd;
}
