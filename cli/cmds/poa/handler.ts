/** `openledgerd poa value`: reads the CSVs (and the model), values the rows, writes OUT.csv. */
import { readFileSync, writeFileSync } from "node:fs";
import { CsvError, formatValue, readPoaTable, writeCsv, type PoaTable } from "../../../node/poa/csv.ts";
import { errorMessage, UserError } from "../../util/errors.ts";
import { emit, type CliIo, type OutputFormat } from "../../util/io.ts";
import { poaValue, type PoaMethod } from "./value.ts";

export interface ValueFlags {
  train: string;
  test?: string;
  k: number;
  method: PoaMethod;
  model?: string;
  dedup: boolean;
  tau: number | "auto";
  scale: number;
  kPrime?: number;
  dust: number;
  threads: number;
  executionProvider: string;
  dampingFactor?: number;
  out: string;
  progress: boolean;
}

function readTable(path: string, what: string): PoaTable {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UserError(`cannot read ${what} ${path}: ${errorMessage(e)}`);
  }
  try {
    return readPoaTable(text, path);
  } catch (e) {
    if (e instanceof CsvError) throw new UserError(e.message);
    throw e;
  }
}

/** a one-line progress bar on stderr (a line per 10%; none for short runs). */
function progressBar(io: CliIo, label: string, work: number): ((done: number, total: number) => void) | undefined {
  if (work < 2e7) return undefined;
  const started = performance.now();
  let shown = -1;
  return (done, total) => {
    const tenth = Math.floor((10 * done) / total);
    if (tenth === shown) return;
    shown = tenth;
    const bar = "#".repeat(tenth * 2).padEnd(20, "-");
    io.err(`${label} [${bar}] ${String(Math.floor((100 * done) / total)).padStart(3)}% ${done}/${total} queries, ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
}

export async function poaValueCommand(io: CliIo, output: OutputFormat, f: ValueFlags): Promise<void> {
  const started = performance.now();
  const train = readTable(f.train, "--train");
  if (f.test !== undefined && f.method !== "knn-shapley") io.err(`note: --method ${f.method} ignores --test`);
  const test = f.test !== undefined && f.method === "knn-shapley" ? readTable(f.test, "--test") : null;
  let model: Uint8Array | undefined;
  if (f.model !== undefined) {
    try {
      model = new Uint8Array(readFileSync(f.model));
    } catch (e) {
      throw new UserError(`cannot read --model ${f.model}: ${errorMessage(e)}`);
    }
  }
  const queries = f.method === "knn-shapley" ? (test?.n ?? 0) : train.n;
  const onProgress = f.progress && f.method !== "self-influence" ? progressBar(io, `poa ${f.method}`, queries * train.n * Math.max(train.d, 8)) : undefined;
  const r = await poaValue(train, test, {
    method: f.method,
    k: f.k,
    ...(model === undefined ? {} : { model }),
    threads: f.threads,
    executionProvider: f.executionProvider,
    dedup: f.dedup,
    tau: f.tau,
    scale: f.scale,
    ...(f.kPrime === undefined ? {} : { kPrime: f.kPrime }),
    dust: f.dust,
    ...(f.dampingFactor === undefined ? {} : { dampingFactor: f.dampingFactor }),
    ...(onProgress === undefined ? {} : { onProgress }),
  });
  const header = ["index", "contributor", "value", ...(r.fixed !== null ? ["value_fixed"] : []), ...(r.representative !== null ? ["collapsed_to"] : [])];
  const rows: string[][] = [];
  for (let i = 0; i < r.n; i++) {
    const row = [String(i), train.contributors?.[i] ?? "", formatValue(r.values[i] as number)];
    if (r.fixed !== null) row.push((r.fixed[i] as bigint).toString());
    if (r.representative !== null) row.push(r.representative[i] === i ? "" : String(r.representative[i]));
    rows.push(row);
  }
  const csv = writeCsv(header, rows);
  if (f.out === "-") {
    io.out(csv.replace(/\n$/, ""));
    return;
  }
  try {
    writeFileSync(f.out, csv);
  } catch (e) {
    throw new UserError(`cannot write --out ${f.out}: ${errorMessage(e)}`);
  }
  const seconds = (performance.now() - started) / 1000;
  const dropped = r.representative === null ? 0 : r.representative.reduce((a, v, i) => a + (v === i ? 0 : 1), 0);
  emit(
    io,
    output,
    {
      out: f.out,
      method: r.method,
      rows: r.n,
      queries: r.queries,
      k: f.method === "self-influence" ? null : f.k,
      space: r.space,
      model_sha256: r.modelSha256,
      dedup: f.dedup,
      tau_quanta: r.tauQuanta,
      dropped,
      fixed_scale_bits: r.fixed === null ? null : 40,
      max_fixed_float_gap: r.maxFixedFloatGap,
      lambda: r.lambda,
      classes: r.labelClasses,
      seconds: Number(seconds.toFixed(3)),
    },
    `wrote ${r.n} values (${r.method}${f.method === "self-influence" ? "" : `, K=${f.k}, ${r.queries} queries`}, ${r.space}${f.dedup ? `, ${dropped} rows collapsed` : ""}) to ${f.out} in ${seconds.toFixed(2)} s`,
  );
}
