/** `openledgerd poa`: offline Proof of Attribution tools for data scientists and auditors (issue 4 item 7). */
import { Command, Option } from "commander";
import type { CliIo } from "../../util/io.ts";
import { UserError } from "../../util/errors.ts";
import { globalsOf } from "../common.ts";
import { POA_METHODS, type PoaMethod } from "./value.ts";

function positiveInt(v: string, name: string): number {
  if (!/^[1-9][0-9]*$/.test(v) || !Number.isSafeInteger(Number(v))) throw new UserError(`${name} must be a positive integer, got "${v}"`);
  return Number(v);
}

function nonNegInt(v: string, name: string): number {
  if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new UserError(`${name} must be a non-negative integer, got "${v}"`);
  return Number(v);
}

function nonNegNumber(v: string, name: string, positive = false): number {
  const x = Number(v);
  if (v.trim() === "" || !Number.isFinite(x) || x < 0 || (positive && x === 0)) throw new UserError(`${name} must be a ${positive ? "positive" : "non-negative"} number, got "${v}"`);
  return x;
}

interface RawValueOptions {
  train: string;
  test?: string;
  k?: string;
  method: string;
  model?: string;
  dedup?: boolean;
  tau?: string;
  scale?: string;
  topK?: string;
  dust?: string;
  threads?: string;
  executionProvider?: string;
  dampingFactor?: string;
  out: string;
  progress: boolean;
}

export function poaCommand(io: CliIo): Command {
  const poa = new Command("poa").description("offline Proof of Attribution tools: value data points with KNN-Shapley, audit mode or self-influence");
  poa.addCommand(
    new Command("value")
      .description(
        "value every training row: knn-shapley (for the --test rows, their own labels), audit (each row a query played by the other N−1; no --test) or self-influence (needs --model; high = suspicious). CSV input: a header, a `label` column, an optional `contributor` column, every other column numeric. Output: index,contributor,value[,value_fixed (scale 2^40)][,collapsed_to]",
      )
      .requiredOption("--train <csv>", "training rows (the points valued)")
      .option("--test <csv>", "query rows for knn-shapley (same feature columns)")
      .option("--k <K>", "neighbours K of the KNN game (knn-shapley, audit)")
      .addOption(new Option("--method <method>", "valuation method").choices([...POA_METHODS]).default("knn-shapley"))
      .option("--model <onnx>", "ONNX model (input x; outputs embedding, logits): distances on its float embeddings, audit queries labelled by its prediction, self-influence of its head")
      .option("--dedup", "exact dedup + near-duplicate collapse before valuation and top-K′ truncation per query (off: raw values)", false)
      .option("--tau <t>", "with --dedup: collapse rows within this squared distance of an earlier row (valuation-space units), or auto: the median nearest-neighbour squared distance / 16 (specs/attribution.md §3.4)", "0")
      .option("--scale <s>", "with --dedup: quanta per unit when quantising the space for dedup", "256")
      .option("--top-k <K'>", "with --dedup: keep each query's K′ nearest players (default K)")
      .option("--dust <units>", "with --dedup: drop kept values below this many fixed-point units (2^-40)", "0")
      .option("--threads <n>", "onnxruntime intra-op threads (1: reproducible)", "1")
      .option("--execution-provider <ep>", "onnxruntime execution provider", "cpu")
      .option("--damping-factor <f>", "self-influence damping λ = f · mean(diag H) (default 0.01)")
      .requiredOption("--out <csv>", "output CSV (- for stdout)")
      .option("--no-progress", "no progress bar on stderr")
      .action(async (o: RawValueOptions, cmd: Command) => {
        const g = globalsOf(cmd);
        const method = o.method as PoaMethod;
        if (method !== "self-influence" && o.k === undefined) throw new UserError(`--method ${method} needs --k`);
        const { poaValueCommand } = await import("./handler.ts");
        await poaValueCommand(io, g.output, {
          train: o.train,
          ...(o.test === undefined ? {} : { test: o.test }),
          k: o.k === undefined ? 0 : positiveInt(o.k, "--k"),
          method,
          ...(o.model === undefined ? {} : { model: o.model }),
          dedup: o.dedup === true,
          tau: o.tau === "auto" ? "auto" : nonNegNumber(o.tau ?? "0", "--tau"),
          scale: nonNegNumber(o.scale ?? "256", "--scale", true),
          ...(o.topK === undefined ? {} : { kPrime: nonNegInt(o.topK, "--top-k") }),
          dust: nonNegInt(o.dust ?? "0", "--dust"),
          threads: nonNegInt(o.threads ?? "1", "--threads"),
          executionProvider: o.executionProvider ?? "cpu",
          ...(o.dampingFactor === undefined ? {} : { dampingFactor: nonNegNumber(o.dampingFactor, "--damping-factor", true) }),
          out: o.out,
          progress: o.progress,
        });
      }),
  );
  return poa;
}
