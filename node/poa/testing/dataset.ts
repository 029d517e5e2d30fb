/**
 * Seeded synthetic PoA datasets (issue 4 item 5; specs/attribution.md §4): the engine's Gaussian
 * mixture (modules/attribution/engine/testing/reference.ts: one centre per class, int16 at 2^-8) as
 * float features, with contributors and planted gaming:
 * - label flips (a fraction of honest points, planted by the mixture),
 * - bad contributors (every point of theirs flipped),
 * - exact duplicates and near duplicates (a few coordinates moved by ±`nearNoise`) of honest points,
 *   submitted by an attacker identity,
 * - a Sybil split (one honest contributor's points spread over `sybil` identities).
 * Ground truth comes back beside the rows. Test and benchmark use only.
 */
import { createRng, gaussianMixture } from "../../../modules/attribution/engine/testing/reference.ts";
import { writeCsv } from "../csv.ts";

export interface PoaDatasetOptions {
  readonly n: number;
  readonly d: number;
  readonly classes?: number;
  readonly seed: number;
  /** fraction of honest points whose label is flipped (default 0.1). */
  readonly flip?: number;
  /** honest contributors (points assigned round-robin; default 10). */
  readonly contributors?: number;
  /** contributors whose points are all flipped (default 0). */
  readonly badContributors?: number;
  /** points (of the base n) copied exactly / nearly by the "copycat" identity (default 0). */
  readonly exactDuplicates?: number;
  readonly nearDuplicates?: number;
  /** coordinates moved per near copy (default 2) and by how much (feature units, default 1/16). */
  readonly nearCoords?: number;
  readonly nearNoise?: number;
  /** split contributor c0's points over this many identities "c0-s<k>" (default 1: no split). */
  readonly sybil?: number;
  readonly spread?: number;
  readonly noise?: number;
}

export interface PoaDataset {
  readonly n: number;
  readonly d: number;
  readonly classes: number;
  /** n·d row-major float features (exact multiples of 2^-8). */
  readonly features: Float64Array;
  readonly labels: Int32Array;
  readonly clean: Int32Array;
  readonly contributors: string[];
  /** 1 where the label differs from the true class. */
  readonly flipped: Uint8Array;
  /** the base row a planted copy was made from, else −1. */
  readonly copyOf: Int32Array;
  readonly kind: ("honest" | "flip" | "bad" | "exact" | "near")[];
  /** the class centres, for drawing a test set from the same mixture. */
  readonly centres: Float64Array;
}

export function poaDataset(o: PoaDatasetOptions): PoaDataset {
  const classes = o.classes ?? 10;
  const nContrib = o.contributors ?? 10;
  const bad = o.badContributors ?? 0;
  if (bad > nContrib) throw new RangeError("more bad contributors than contributors");
  const mix = gaussianMixture({ n: o.n, d: o.d, classes, flip: o.flip ?? 0.1, seed: o.seed, ...(o.spread === undefined ? {} : { spread: o.spread }), ...(o.noise === undefined ? {} : { noise: o.noise }) });
  const rng = createRng(o.seed ^ 0x5eed);
  const rows: { x: Float64Array; y: number; clean: number; who: string; kind: PoaDataset["kind"][number]; copyOf: number }[] = [];
  const sybil = o.sybil ?? 1;
  for (let i = 0; i < o.n; i++) {
    const c = i % nContrib;
    const x = new Float64Array(o.d);
    for (let k = 0; k < o.d; k++) x[k] = (mix.vectors[i * o.d + k] as number) / 256;
    const clean = mix.clean[i] as number;
    let y = mix.labels[i] as number;
    let kind: PoaDataset["kind"][number] = mix.flipped[i] === 1 ? "flip" : "honest";
    if (c < bad) {
      y = (clean + 1 + rng.int(classes - 1)) % classes;
      kind = "bad";
    }
    const who = c === 0 && sybil > 1 && bad === 0 ? `c0-s${Math.floor(i / nContrib) % sybil}` : c < bad ? `bad${c}` : `c${c}`;
    rows.push({ x, y, clean, who, kind, copyOf: -1 });
  }
  const honest = rows.map((r, i) => (r.kind === "honest" ? i : -1)).filter((i) => i >= 0);
  const pick = () => honest[rng.int(honest.length)] as number;
  for (let t = 0; t < (o.exactDuplicates ?? 0); t++) {
    const s = pick();
    const r = rows[s]!;
    rows.push({ x: Float64Array.from(r.x), y: r.y, clean: r.clean, who: "copycat", kind: "exact", copyOf: s });
  }
  for (let t = 0; t < (o.nearDuplicates ?? 0); t++) {
    const s = pick();
    const r = rows[s]!;
    const x = Float64Array.from(r.x);
    for (let m = 0; m < (o.nearCoords ?? 2); m++) {
      const k = rng.int(o.d);
      x[k] = (x[k] as number) + (rng.int(2) === 0 ? -1 : 1) * (o.nearNoise ?? 1 / 16);
    }
    rows.push({ x, y: r.y, clean: r.clean, who: "copycat", kind: "near", copyOf: s });
  }
  const n = rows.length;
  const features = new Float64Array(n * o.d);
  rows.forEach((r, i) => features.set(r.x, i * o.d));
  return {
    n,
    d: o.d,
    classes,
    features,
    labels: Int32Array.from(rows.map((r) => r.y)),
    clean: Int32Array.from(rows.map((r) => r.clean)),
    contributors: rows.map((r) => r.who),
    flipped: Uint8Array.from(rows.map((r) => (r.y !== r.clean ? 1 : 0))),
    copyOf: Int32Array.from(rows.map((r) => r.copyOf)),
    kind: rows.map((r) => r.kind),
    centres: mix.centres,
  };
}

/** a clean test set from the same mixture (same centres). */
export function poaTestSet(train: PoaDataset, n: number, seed: number): PoaDataset {
  const mix = gaussianMixture({ n, d: train.d, classes: train.classes, flip: 0, seed, centres: train.centres });
  const features = new Float64Array(n * train.d);
  for (let i = 0; i < features.length; i++) features[i] = (mix.vectors[i] as number) / 256;
  return {
    n,
    d: train.d,
    classes: train.classes,
    features,
    labels: mix.labels,
    clean: mix.clean,
    contributors: new Array<string>(n).fill(""),
    flipped: new Uint8Array(n),
    copyOf: new Int32Array(n).fill(-1),
    kind: new Array(n).fill("honest"),
    centres: train.centres,
  };
}

/** the dataset as a `poa value` CSV: f0..f{d−1}, label[, contributor]. */
export function datasetCsv(ds: PoaDataset, withContributor = true): string {
  const header = [...Array.from({ length: ds.d }, (_, k) => `f${k}`), "label", ...(withContributor ? ["contributor"] : [])];
  const rows: string[][] = [];
  for (let i = 0; i < ds.n; i++) {
    const r: string[] = [];
    for (let k = 0; k < ds.d; k++) r.push(String(ds.features[i * ds.d + k]));
    r.push(String(ds.labels[i]));
    if (withContributor) r.push(ds.contributors[i] as string);
    rows.push(r);
  }
  return writeCsv(header, rows);
}
