/**
 * `openledgerd tx attribution …`: register a model against a datanet snapshot, upload its quantised
 * embedding index (from an int16 CSV, or computed here with the ONNX model on the snapshot's features),
 * and run the on-chain audit (audit-mode KNN-Shapley, feeding contributor reputation).
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { sha256 } from "@noble/hashes/sha2.js";
import { QueryModelRequest, QueryModelResponse } from "../../../proto/gen/openledger/attribution/v1/query.ts";
import type { Model } from "../../../proto/gen/openledger/attribution/v1/types.ts";
import { QuerySnapshotRequest, QuerySnapshotResponse } from "../../../proto/gen/openledger/datanet/v1/query.ts";
import { parseCsv, readPoaTable } from "../../../node/poa/csv.ts";
import { abciQuery, b64, resolveNode } from "../../rpc/client.ts";
import { UserError } from "../../util/errors.ts";
import type { CliIo } from "../../util/io.ts";
import { globalsOf, type KeyringFlags, openKeyring } from "../common.ts";
import type { EncodeMsg } from "./broadcast.ts";
import { parseId } from "./datanet.ts";
import type { TxFlags } from "./handler.ts";
import { addTxOptions } from "./index.ts";

const T = "/openledger.attribution.v1.";
const collect = (v: string, prev: string[]) => [...prev, v];
type Flags = TxFlags & KeyringFlags & { note?: string; node?: string };

function readFile(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

function hex32(v: string, what: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(v)) throw new UserError(`${what} must be 64 hex characters (a sha256)`);
  return new Uint8Array(Buffer.from(v, "hex"));
}

/** a 32-byte hash from `--x FILE` (sha256 of its bytes) or `--x-hash HEX`. */
function hashOf(file: string | undefined, hex: string | undefined, what: string): Uint8Array {
  if ((file === undefined) === (hex === undefined)) throw new UserError(`give exactly one of --${what} FILE or --${what}-hash HEX`);
  return file !== undefined ? sha256(readFile(file)) : hex32(hex as string, `--${what}-hash`);
}

const POLICY_PARTS = ["data", "trainer", "provider", "community", "burn"] as const;

/** "data=7000,trainer=2000,provider=500,community=500,burn=0" → basis points (missing parts 0; must sum to 10000). */
export function parseFeePolicy(v: string): { dataBps: number; trainerBps: number; providerBps: number; communityBps: number; burnBps: number } {
  const bps: Record<string, number> = { data: 0, trainer: 0, provider: 0, community: 0, burn: 0 };
  for (const part of v.split(",").map((s) => s.trim()).filter((s) => s !== "")) {
    const m = /^([a-z]+)=([0-9]{1,5})$/.exec(part);
    if (m === null || !(POLICY_PARTS as readonly string[]).includes(m[1] as string)) throw new UserError(`invalid --fee-policy part "${part}": use ${POLICY_PARTS.map((p) => `${p}=BPS`).join(",")}`);
    bps[m[1] as string] = Number(m[2]);
  }
  const sum = Object.values(bps).reduce((a, b) => a + b, 0);
  if (sum !== 10_000) throw new UserError(`--fee-policy parts sum to ${sum} basis points, not 10000`);
  return { dataBps: bps.data as number, trainerBps: bps.trainer as number, providerBps: bps.provider as number, communityBps: bps.community as number, burnBps: bps.burn as number };
}

/** int16 rows from a CSV: every row `dim` integers (a header row of non-numbers is skipped). */
export function parseEmbeddingCsv(text: string, name: string, dim: number): Int16Array {
  const rows = parseCsv(text, name).filter((r) => !(r.length === 1 && r[0]?.trim() === ""));
  const body = rows.length > 0 && rows[0]!.some((c) => !/^\s*-?[0-9]+\s*$/.test(c)) ? rows.slice(1) : rows;
  const out = new Int16Array(body.length * dim);
  body.forEach((r, i) => {
    if (r.length !== dim) throw new UserError(`${name}: row ${i + 1} has ${r.length} values, the model's embedding_dim is ${dim}`);
    r.forEach((c, j) => {
      const s = c.trim();
      if (!/^-?[0-9]+$/.test(s)) throw new UserError(`${name}: row ${i + 1} column ${j + 1}: "${c}" is not an integer`);
      const x = Number(s);
      if (x < -32768 || x > 32767) throw new UserError(`${name}: row ${i + 1} column ${j + 1}: ${x} does not fit in int16`);
      out[i * dim + j] = x;
    });
  });
  return out;
}

function int16LE(v: Int16Array): Uint8Array {
  const b = new Uint8Array(v.length * 2);
  const dv = new DataView(b.buffer);
  for (let i = 0; i < v.length; i++) dv.setInt16(2 * i, v[i] as number, true);
  return b;
}

async function fetchModel(url: string, id: bigint): Promise<Model> {
  const r = await abciQuery(url, `${T}Query/Model`, QueryModelRequest.encode({ id }).finish());
  const m = QueryModelResponse.decode(b64(r.value)).model;
  if (m === undefined) throw new UserError(`model ${id} not found`);
  return m;
}

export function attributionTxCommand(io: CliIo): Command {
  const at = new Command("attribution").description("attribution transactions: models bound to datanet snapshots, their embedding indexes, audits");
  const run = async (from: string, o: Flags, cmd: Command, build: (sender: string) => EncodeMsg[], summary: (sender: string) => string[]) => {
    const g = globalsOf(cmd);
    const { broadcastMsgs } = await import("./broadcast.ts");
    await broadcastMsgs({ io, output: g.output, url: resolveNode(o.node, g.home), keyring: await openKeyring(g.home, o, io) }, from, build, summary, { ...o, memo: o.memo ?? o.note });
  };

  addTxOptions(
    at
      .command("register-model")
      .description("register a model bound to a datanet snapshot (its root is read from the node): ONNX artifact, training config and checkpoint hashes, fee-split policy")
      .argument("<from_key_or_address>", "owner key")
      .argument("<snapshot_id>", "datanet snapshot id")
      .requiredOption("--name <name>", "model name")
      .requiredOption("--embedding-dim <d>", "width of the model's embedding output")
      .option("--onnx <file>", "the ONNX artifact (its sha256 is registered)")
      .option("--onnx-hash <hex>", "the artifact's sha256 instead of --onnx")
      .option("--training-config <file>", "the training config (its sha256 is registered)")
      .option("--training-config-hash <hex>", "the config's sha256 instead of --training-config")
      .option("--checkpoint <hex>", "a checkpoint sha256, oldest first (repeatable)", collect, [])
      .option("--fee-policy <parts>", "basis points: data=…,trainer=…,provider=…,community=…,burn=… (sum 10000)", "data=10000")
      .option("--tau <t>", "near-duplicate threshold: squared L2 in embedding quanta (0: exact copies only)", "0"),
  ).action(async (from: string, snapshotId: string, o: Flags & { name: string; embeddingDim: string; onnx?: string; onnxHash?: string; trainingConfig?: string; trainingConfigHash?: string; checkpoint: string[]; feePolicy: string; tau: string }, cmd: Command) => {
    const sid = parseId(snapshotId, "snapshot id");
    const dim = Number(parseId(o.embeddingDim, "--embedding-dim"));
    if (!/^[0-9]{1,16}$/.test(o.tau)) throw new UserError(`invalid --tau "${o.tau}": a non-negative integer`);
    const onnxHash = hashOf(o.onnx, o.onnxHash, "onnx");
    const trainingConfigHash = hashOf(o.trainingConfig, o.trainingConfigHash, "training-config");
    const checkpointHashes = o.checkpoint.map((h, i) => hex32(h, `--checkpoint #${i + 1}`));
    const feePolicy = parseFeePolicy(o.feePolicy);
    const url = resolveNode(o.node, globalsOf(cmd).home);
    const snap = QuerySnapshotResponse.decode(b64((await abciQuery(url, "/openledger.datanet.v1.Query/Snapshot", QuerySnapshotRequest.encode({ id: sid }).finish())).value)).snapshot;
    if (snap === undefined) throw new UserError(`snapshot ${sid} not found`);
    await run(
      from,
      o,
      cmd,
      (owner) => [{ typeUrl: `${T}MsgRegisterModel`, value: { owner, name: o.name, snapshotId: sid, snapshotRoot: snap.root, onnxHash, trainingConfigHash, checkpointHashes, feePolicy, embeddingDim: dim, tau: BigInt(o.tau) } }],
      () => [`register model "${o.name}" on snapshot ${sid} (datanet ${snap.datanetId} v${snap.version}, ${snap.count} points, root ${Buffer.from(snap.root).toString("hex")})`, `onnx sha256 ${Buffer.from(onnxHash).toString("hex")}`],
    );
  });

  addTxOptions(
    at
      .command("set-index")
      .description("upload a model's quantised embedding index (row i = snapshot leaf i), in chunks of --chunk rows, one tx each: from an int16 CSV (--file), or computed here with the ONNX model on the snapshot's feature rows (--model + --features, int16 at 2^-8)")
      .argument("<from_key_or_address>", "model owner key")
      .argument("<model_id>", "model id")
      .option("--file <emb.csv>", "int16 embedding rows (embedding_dim integers per row; a header row is skipped)")
      .option("--model <m.onnx>", "run this ONNX model (its sha256 must be the registered one)")
      .option("--features <x.csv>", "with --model: the snapshot's rows in leaf order (header, label column, numeric features; other non-feature columns: contributor)")
      .option("--threads <n>", "onnxruntime intra-op threads (1 is the reproducible setting)", "1")
      .option("--chunk <n>", "rows per transaction", "1024"),
  ).action(async (from: string, modelId: string, o: Flags & { file?: string; model?: string; features?: string; threads: string; chunk: string }, cmd: Command) => {
    const id = parseId(modelId, "model id");
    const chunk = Number(parseId(o.chunk, "--chunk"));
    const url = resolveNode(o.node, globalsOf(cmd).home);
    const m = await fetchModel(url, id);
    const d = m.embeddingDim;
    let rows: Int16Array;
    if (o.file !== undefined) {
      if (o.model !== undefined || o.features !== undefined) throw new UserError("give --file, or --model with --features, not both");
      rows = parseEmbeddingCsv(new TextDecoder().decode(readFile(o.file)), o.file, d);
    } else {
      if (o.model === undefined || o.features === undefined) throw new UserError("give --file EMB.csv, or --model M.onnx with --features X.csv");
      const bytes = readFile(o.model);
      if (Buffer.from(sha256(bytes)).compare(Buffer.from(m.onnxHash)) !== 0) throw new UserError(`${o.model}: sha256 ${Buffer.from(sha256(bytes)).toString("hex")} is not model ${id}'s registered onnx_hash ${Buffer.from(m.onnxHash).toString("hex")}`);
      let table;
      try {
        table = readPoaTable(new TextDecoder().decode(readFile(o.features)), o.features);
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      const { OnnxModel, quantize } = await import("../../../node/onnx/service.ts");
      const onnx = await OnnxModel.fromBytes(bytes, { intraOpNumThreads: Number(parseId(o.threads, "--threads")) });
      try {
        if (onnx.inputDim !== table.d) throw new UserError(`${o.features} has ${table.d} features, the model takes ${onnx.inputDim}`);
        const out = await onnx.run(table.features, table.n);
        if (out.h !== d) throw new UserError(`the model's embedding has ${out.h} values, model ${id} registered embedding_dim ${d}`);
        rows = quantize(out.embedding);
      } finally {
        await onnx.release();
      }
    }
    const n = rows.length / d;
    const start = Number(m.indexedPoints);
    if (start + n !== Number(m.numPoints)) throw new UserError(`model ${id} has ${m.indexedPoints} of ${m.numPoints} rows stored; ${n} rows given would end at ${start + n} (give the missing rows ${start}..${Number(m.numPoints) - 1})`);
    for (let s = 0; s < n; s += chunk) {
      const part = rows.subarray(s * d, Math.min(n, s + chunk) * d);
      const at0 = BigInt(start + s);
      await run(from, o, cmd, (owner) => [{ typeUrl: `${T}MsgSetEmbeddingIndex`, value: { owner, modelId: id, start: at0, vectors: int16LE(part) } }], () => [`model ${id}: index rows ${at0}..${at0 + BigInt(part.length / d) - 1n} of ${m.numPoints}`]);
    }
  });

  addTxOptions(
    at
      .command("audit-model")
      .description("run the on-chain audit of a model's complete index (audit-mode KNN-Shapley; once per model; gas ≈ N²·d/2): flags points with a negative audit value and feeds contributor reputation")
      .argument("<from_key_or_address>", "any key (pays the gas)")
      .argument("<model_id>", "model id"),
  ).action(async (from: string, modelId: string, o: Flags, cmd: Command) => {
    const id = parseId(modelId, "model id");
    await run(from, o, cmd, (sender) => [{ typeUrl: `${T}MsgAuditModel`, value: { sender, modelId: id } }], () => [`audit model ${id}`]);
  });
  return at;
}
