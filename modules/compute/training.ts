/**
 * Training a model's head (DESIGN.md "Training"; issue 5 item 2), version 3: a linear softmax layer on
 * the model's frozen, quantised embeddings (its embedding index: int16 at 2^-8), trained with seeded
 * mini-batch SGD on the cross-entropy loss, in integer fixed point only, so that any validator replays
 * any segment between two checkpoints bit-exactly. Pure and deterministic (no floats: every value is
 * an integer Number kept below 2^53, so every + − × is exact, and every division is by a power of two
 * or covered by the floor lemma below).
 *
 * Fixed point:
 *   x (embedding)  Q8   int16            (the index rows, as stored)
 *   W[c][j], b[c]  Q16  int32, clamped to ±2^24 (a real weight of at most ±256)
 *   logit z_c      Q16  = rnd((Σ_j W[c][j]·x_j + b[c]·2^8) / 2^8)   (|Σ| < 2^52 for h ≤ 4096)
 *   p_c            Q16  = ⌊e_c·2^16 / Σe⌋, e_c = expNegQ16(max z − z_c)      (softmax)
 *   g_c            Q16  = p_c − 2^16·[c = y]                               (∂ℓ/∂z_c of −log p_y)
 *   G[c][j] = Σ_batch g_c·x_j (Q24);  W[c][j] −= rnd(lr · rnd(G/2^8) / (2^16·B))   (lr Q16, B = 2^k)
 *   (the bias the same with x = 1.0 = 2^8)
 * rnd(a / 2^s) = ⌊(a + 2^(s−1)) / 2^s⌋ (round half up; exact: a power-of-two division of an integer
 * below 2^53 is exact in IEEE-754, and so is ⌊⌋ of it).
 * Floor lemma (softmax): for integers 0 ≤ a < 2^52 and b ≥ 1, Math.floor(a / b) = ⌊a/b⌋: the rounding
 * error of a/b is below a·2^−53/b < 1/(2b), less than the distance 1/b from a non-integer quotient to the
 * next integer.
 *
 * expNegQ16(u) ≈ 2^16·e^(−u/2^16) for u ≥ 0: v = u·log2(e) (Q16, a Q30 constant), v = n + f with f ∈
 * [0,1) in Q16, 2^−f by its degree-8 Taylor polynomial in Q30 (Horner, truncation error < 1.1e-7), then
 * a shift by n; 0 for u ≥ 12·2^16 (e^−12·2^16 < 0.5). Measured precision (training.test.ts): within 1
 * unit of round(2^16·e^(−u/2^16)) (1.5e-5) over the whole range.
 *
 * Mini-batches (v3: without replacement, each row once per epoch): epoch e visits the rows in the order of
 * a seeded permutation π_e (`epochPermutation`: Fisher–Yates, for i = n−1 … 1 swap a[i] with a[r_i mod
 * (i+1)], r_i the next u48 of the stream sha256(perm domain ‖ seed ‖ u64be(e) ‖ u32be(block)), 5 per hash
 * block, in order; the modulo bias is below (i+1)/2^48). With P = ⌈n / B⌉ steps per epoch, step t is
 * step s = t mod P of epoch ⌊t/P⌋ and takes rows π_e[s·B … min(n, (s+1)·B)): the last batch of an epoch
 * holds n − (P−1)·B rows and is still divided by B, so every row weighs lr/B once per epoch. (v2 drew
 * B rows with replacement per step.) The seed of a job is sha256(domain ‖
 * u64be(job id) ‖ sha256(training config)). Steps = epochs · ⌈n / B⌉, cut into `segments` segments
 * [⌊k·steps/S⌋, ⌊(k+1)·steps/S⌋). Checkpoint k = the head after segment k−1 (checkpoint 0 = all zero),
 * bytes = int32 LE of W (class-major: W[c][0..h)) ‖ b; the chain is sha256 of checkpoints 0 … S.
 * Rows whose label is not in [0, C) are skipped (no gradient).
 */
import { concat, u64be, utf8 } from "../core/bytes.ts";
import { sha256 } from "../core/hash.ts";
import type { Bytes } from "../core/abci.ts";

const DOMAIN = concat(utf8("openledger.compute.train.v3"), Uint8Array.of(0));
const PERM_DOMAIN = concat(utf8("openledger.compute.train.v3.permutation"), Uint8Array.of(0));
const SEGMENT_DOMAIN = concat(utf8("openledger.compute.train.v2.segments"), Uint8Array.of(0));
const CONFIG_MAGIC = utf8("oltr");
/** 3: per-epoch permutations (2: mini-batches drawn with replacement; refused now, its runs replay differently). */
export const TRAINING_CONFIG_VERSION = 3;
/** |W|, |b| ≤ 2^24 in Q16. */
export const WEIGHT_CLAMP = 2 ** 24;
/** most segments of a run (the chain has segments + 1 hashes). */
export const MAX_SEGMENTS = 32;
export const MAX_EPOCHS = 1000;
export const MAX_BATCH = 256;
export const MAX_EMBEDDING_DIM = 4096;
/**
 * Most multiply-adds of one segment (⌈steps/S⌉ · B · h, times the classes C): a request over this is
 * refused, so a validator's replay of one segment stays within ~0.1 s.
 */
export const MAX_SEGMENT_WORK = 2 ** 22;
/**
 * The validators' replay budget in work units (a segment costs ⌈steps/S⌉ · B · C · (h + 256): the
 * multiply-adds plus the softmax and sampling overhead of a row): as many sampled segments as fit, at
 * least one, at most all (README: the probability of catching a forged segment). Iris-size jobs are
 * replayed whole.
 */
export const REPLAY_WORK_BUDGET = 2 ** 26;

export interface TrainingConfig {
  /** learning rate in Q16 (1 … 2^16, i.e. ≤ 1.0). */
  learningRateQ16: number;
  epochs: number;
  /** a power of two, 1 … 256. */
  batchSize: number;
  /** checkpoints after every segment: 1 … 32. */
  segments: number;
}

export const DEFAULT_TRAINING_CONFIG: Readonly<TrainingConfig> = Object.freeze({ learningRateQ16: 32768, epochs: 20, batchSize: 16, segments: 8 });

export class TrainingConfigError extends Error {}

/** 15 bytes: "oltr" ‖ u8 version (3) ‖ u32be lr ‖ u16be epochs ‖ u16be batch ‖ u16be segments. */
export function encodeTrainingConfig(c: TrainingConfig): Bytes {
  checkConfig(c);
  const out = new Uint8Array(15);
  out.set(CONFIG_MAGIC, 0);
  const dv = new DataView(out.buffer);
  dv.setUint8(4, TRAINING_CONFIG_VERSION);
  dv.setUint32(5, c.learningRateQ16);
  dv.setUint16(9, c.epochs);
  dv.setUint16(11, c.batchSize);
  dv.setUint16(13, c.segments);
  return out;
}

export function decodeTrainingConfig(b: Bytes): TrainingConfig {
  if (b.length !== 15) throw new TrainingConfigError(`a training config is 15 bytes, got ${b.length}`);
  for (let i = 0; i < 4; i++) if (b[i] !== CONFIG_MAGIC[i]) throw new TrainingConfigError("not a training config (magic)");
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint8(4) !== TRAINING_CONFIG_VERSION) throw new TrainingConfigError(`training config version ${dv.getUint8(4)}, want ${TRAINING_CONFIG_VERSION}`);
  const c: TrainingConfig = { learningRateQ16: dv.getUint32(5), epochs: dv.getUint16(9), batchSize: dv.getUint16(11), segments: dv.getUint16(13) };
  checkConfig(c);
  return c;
}

function checkConfig(c: TrainingConfig): void {
  const int = (v: number, lo: number, hi: number, what: string) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new TrainingConfigError(`${what} ${v} is not in ${lo} … ${hi}`);
  };
  int(c.learningRateQ16, 1, 65536, "learning rate (Q16)");
  int(c.epochs, 1, MAX_EPOCHS, "epochs");
  int(c.batchSize, 1, MAX_BATCH, "batch size");
  if ((c.batchSize & (c.batchSize - 1)) !== 0) throw new TrainingConfigError(`batch size ${c.batchSize} is not a power of two`);
  int(c.segments, 1, MAX_SEGMENTS, "segments");
}

/** SGD steps of a run over n rows. */
export function trainingSteps(c: TrainingConfig, n: number): number {
  return c.epochs * Math.ceil(n / c.batchSize);
}

/** [from, to) steps of segment k. */
export function segmentBounds(c: TrainingConfig, n: number, k: number): [number, number] {
  const steps = trainingSteps(c, n);
  return [Math.floor((k * steps) / c.segments), Math.floor(((k + 1) * steps) / c.segments)];
}

/** multiply-adds of the longest segment without the class factor (⌈steps/S⌉ · B · h). */
export function segmentWork(c: TrainingConfig, n: number, h: number): number {
  return Math.ceil(trainingSteps(c, n) / c.segments) * c.batchSize * h;
}

/** checks a config against a model (requestJob): n ≥ 1 rows, h ≤ 4096, steps ≥ segments, bounded segment work. */
export function checkTrainingJob(c: TrainingConfig, n: number, h: number): void {
  if (n < 1) throw new TrainingConfigError("the model has no points to train on");
  if (h < 1 || h > MAX_EMBEDDING_DIM) throw new TrainingConfigError(`embedding dim ${h} is not in 1 … ${MAX_EMBEDDING_DIM}`);
  if (trainingSteps(c, n) < c.segments) throw new TrainingConfigError(`${trainingSteps(c, n)} steps cannot fill ${c.segments} segments`);
  if (segmentWork(c, n, h) > MAX_SEGMENT_WORK) throw new TrainingConfigError(`a segment of ${segmentWork(c, n, h)} row-dims is over ${MAX_SEGMENT_WORK}: use more segments or fewer epochs`);
}

/** the SGD seed of a job: sha256(domain ‖ u64be(job id) ‖ sha256(training config)). */
export function trainingSeed(jobId: bigint, configHash: Bytes): Bytes {
  return sha256(concat(DOMAIN, u64be(jobId), configHash));
}

export interface TrainingData {
  /** n·h int16 rows (Q8: the model's embedding index). */
  rows: Int16Array;
  labels: Int32Array;
  n: number;
  h: number;
  classes: number;
}

const P2 = Array.from({ length: 64 }, (_, i) => 2 ** i);
/** round(a / 2^s), half up; exact for |a| < 2^53. */
const rshift = (a: number, s: number): number => (s === 0 ? a : Math.floor((a + (P2[s - 1] as number)) / (P2[s] as number)));
const clamp = (v: number) => (v > WEIGHT_CLAMP ? WEIGHT_CLAMP : v < -WEIGHT_CLAMP ? -WEIGHT_CLAMP : v);

/** log2(e) in Q30. */
const LOG2E_Q30 = 1549082005;
/** (−ln 2)^k / k! in Q30, k = 0 … 8: 2^−y = Σ a_k y^k for y ∈ [0, 1). */
const EXP2_NEG_Q30 = [1073741824, -744261118, 257941248, -59597083, 10327387, -1431680, 165394, -16377, 1419];
const EXP_CUTOFF = 12 * 65536;

/** 2^16 · e^(−u / 2^16) for an integer u ≥ 0, in integers (precision: see the file comment). */
export function expNegQ16(u: number): number {
  if (u >= EXP_CUTOFF) return 0;
  const v = rshift(u * LOG2E_Q30, 30);
  const n = Math.floor(v / 65536);
  const f = v - n * 65536;
  let acc = EXP2_NEG_Q30[8] as number;
  for (let k = 7; k >= 0; k--) acc = (EXP2_NEG_Q30[k] as number) + rshift(acc * f, 16);
  return n + 14 > 52 ? 0 : rshift(acc, 14 + n);
}

export function zeroCheckpoint(classes: number, h: number): Bytes {
  return new Uint8Array(4 * (classes * h + classes));
}

export function decodeCheckpoint(b: Bytes, classes: number, h: number): Int32Array {
  if (b.length !== 4 * (classes * h + classes)) throw new RangeError(`checkpoint of ${b.length} bytes; ${classes} classes × ${h} need ${4 * (classes * h + classes)}`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const w = new Int32Array(classes * h + classes);
  for (let i = 0; i < w.length; i++) w[i] = dv.getInt32(4 * i, true);
  return w;
}

export function encodeCheckpoint(w: Int32Array): Bytes {
  const out = new Uint8Array(4 * w.length);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < w.length; i++) dv.setInt32(4 * i, w[i] as number, true);
  return out;
}

/**
 * epoch e's order of the n rows: a Fisher–Yates shuffle of 0 … n−1 driven by the u48 stream
 * sha256(PERM_DOMAIN ‖ seed ‖ u64be(e) ‖ u32be(block)) (5 draws per block, bytes 6i … 6i+6, big-endian).
 */
export function epochPermutation(seed: Bytes, epoch: number, n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const msg = new Uint8Array(PERM_DOMAIN.length + seed.length + 12);
  msg.set(PERM_DOMAIN, 0);
  msg.set(seed, PERM_DOMAIN.length);
  const off = PERM_DOMAIN.length + seed.length;
  const mv = new DataView(msg.buffer);
  mv.setUint32(off, Math.floor(epoch / 4294967296));
  mv.setUint32(off + 4, epoch >>> 0);
  let hsh: Uint8Array = new Uint8Array(0);
  let at = 32;
  let blk = 0;
  for (let i = n - 1; i >= 1; i--) {
    if (at + 6 > 32) {
      mv.setUint32(off + 8, blk++);
      hsh = sha256(msg);
      at = 0;
    }
    let v = 0;
    for (let b = 0; b < 6; b++) v = v * 256 + (hsh[at + b] as number);
    at += 6;
    const j = v % (i + 1);
    const t = p[i] as number;
    p[i] = p[j] as number;
    p[j] = t;
  }
  return p;
}

/** the row indices of step t (B of them; the last step of an epoch: what is left of its permutation). */
export function batchRows(seed: Bytes, t: number, batch: number, n: number): number[] {
  const perEpoch = Math.ceil(n / batch);
  const s = t % perEpoch;
  return Array.from(epochPermutation(seed, Math.floor(t / perEpoch), n).subarray(s * batch, Math.min(n, (s + 1) * batch)));
}

/** Q16 logits of one row under weights w (C·h W class-major, then C biases). */
export function headLogits(w: Int32Array, x: Int16Array | readonly number[], classes: number, h: number): number[] {
  const z: number[] = [];
  for (let c = 0; c < classes; c++) {
    let s = (w[classes * h + c] as number) * 256;
    const o = c * h;
    for (let j = 0; j < h; j++) s += (w[o + j] as number) * (x[j] as number);
    z.push(rshift(s, 8));
  }
  return z;
}

/** the integer head's prediction: argmax of the Q16 logits, the lowest class on ties. */
export function headPredict(w: Int32Array, x: Int16Array | readonly number[], classes: number, h: number): number {
  const z = headLogits(w, x, classes, h);
  let best = 0;
  for (let c = 1; c < classes; c++) if ((z[c] as number) > (z[best] as number)) best = c;
  return best;
}

/** Q16 softmax of Q16 logits (Σ ≤ 2^16, each ⌊⌋). */
export function softmaxQ16(z: readonly number[]): number[] {
  let m = z[0] as number;
  for (const v of z) if (v > m) m = v;
  const e = z.map((v) => expNegQ16(m - v));
  let s = 0;
  for (const v of e) s += v;
  return e.map((v) => Math.floor((v * 65536) / s));
}

/**
 * runs steps [from, to) from checkpoint bytes `start`; the checkpoint bytes after them. The same
 * arithmetic as batchRows / headLogits / softmaxQ16 (which tests and predictions use), inlined with
 * preallocated buffers (a golden hash in training.test.ts pins the result).
 */
export function trainSteps(d: TrainingData, seed: Bytes, cfg: TrainingConfig, start: Bytes, from: number, to: number): Bytes {
  const C = d.classes;
  const h = d.h;
  const n = d.n;
  const B = cfg.batchSize;
  const rows = d.rows;
  const w = decodeCheckpoint(start, C, h);
  const G: number[] = new Array<number>(C * h + C).fill(0);
  const z: number[] = new Array<number>(C).fill(0);
  const e: number[] = new Array<number>(C).fill(0);
  let shift = 16;
  for (let b = B; b > 1; b >>= 1) shift++;
  const lr = cfg.learningRateQ16;
  // each epoch's permutation, made once per epoch the steps touch
  const perEpoch = Math.ceil(n / B);
  let epoch = -1;
  let perm: Int32Array = new Int32Array(0);
  for (let t = from; t < to; t++) {
    if (Math.floor(t / perEpoch) !== epoch) {
      epoch = Math.floor(t / perEpoch);
      perm = epochPermutation(seed, epoch, n);
    }
    const first = (t % perEpoch) * B;
    const last = Math.min(n, first + B);
    G.fill(0);
    for (let k = first; k < last; k++) {
      const i = perm[k] as number;
      const y = d.labels[i] as number;
      if (y < 0 || y >= C) continue;
      const o = i * h;
      // logits (Q16) and their max
      let m = 0;
      for (let c = 0; c < C; c++) {
        let sc = (w[C * h + c] as number) * 256;
        const wo = c * h;
        for (let j = 0; j < h; j++) sc += (w[wo + j] as number) * (rows[o + j] as number);
        const zc = Math.floor((sc + 128) / 256);
        z[c] = zc;
        if (c === 0 || zc > m) m = zc;
      }
      // softmax (Q16) and the gradient g_c = p_c − 2^16·[c = y]
      let sum = 0;
      for (let c = 0; c < C; c++) {
        const v = expNegQ16(m - (z[c] as number));
        e[c] = v;
        sum += v;
      }
      for (let c = 0; c < C; c++) {
        const g = Math.floor(((e[c] as number) * 65536) / sum) - (c === y ? 65536 : 0);
        if (g === 0) continue;
        const wo = c * h;
        for (let j = 0; j < h; j++) G[wo + j] = (G[wo + j] as number) + g * (rows[o + j] as number);
        G[C * h + c] = (G[C * h + c] as number) + g * 256;
      }
    }
    for (let k = 0; k < G.length; k++) {
      const gk = G[k] as number;
      if (gk !== 0) w[k] = clamp((w[k] as number) - rshift(lr * rshift(gk, 8), shift));
    }
  }
  return encodeCheckpoint(w);
}

/** the whole run: checkpoints 0 … S (bytes) and their hash chain. */
export function trainHead(d: TrainingData, seed: Bytes, cfg: TrainingConfig): { checkpoints: Bytes[]; chain: Bytes[] } {
  const checkpoints = [zeroCheckpoint(d.classes, d.h)];
  for (let k = 0; k < cfg.segments; k++) {
    const [from, to] = segmentBounds(cfg, d.n, k);
    checkpoints.push(trainSteps(d, seed, cfg, checkpoints[k] as Bytes, from, to));
  }
  return { checkpoints, chain: checkpoints.map((c) => sha256(c)) };
}

/** replays segment k from checkpoint k's bytes; the checkpoint k+1 bytes an honest run gives. */
export function replaySegment(d: TrainingData, seed: Bytes, cfg: TrainingConfig, checkpointK: Bytes, k: number): Bytes {
  const [from, to] = segmentBounds(cfg, d.n, k);
  return trainSteps(d, seed, cfg, checkpointK, from, to);
}

/**
 * Most work units (as in replayCount) of one segment a validator replays at all: a bigger one (many
 * classes: the request check cannot see C) would hold ExtendVote for seconds, so it gets no verdict
 * (the job runs out of attempts and is refunded).
 */
export const MAX_REPLAY_SEGMENT_WORK = 2 ** 28;

/** work units of one segment (⌈steps/S⌉ · B · C · (h + 256)). */
export function segmentReplayWork(cfg: TrainingConfig, n: number, h: number, classes: number): number {
  return Math.ceil(trainingSteps(cfg, n) / cfg.segments) * cfg.batchSize * classes * (h + 256);
}

/** how many segments a validator replays: as many as REPLAY_WORK_BUDGET holds (≥ 1, ≤ S). */
export function replayCount(cfg: TrainingConfig, n: number, h: number, classes: number): number {
  const per = Math.max(1, segmentReplayWork(cfg, n, h, classes));
  return Math.max(1, Math.min(cfg.segments, Math.floor(REPLAY_WORK_BUDGET / per)));
}

/**
 * The segments validators replay at a height: `count` distinct ones of 0 … S−1 drawn from the block hash
 * (a partial Fisher–Yates shuffle, r_i = u48(sha256(domain ‖ block hash ‖ u64be(job id) ‖ u64be(i))) mod (S − i)).
 */
export function sampledSegments(blockHash: Bytes, jobId: bigint, segments: number, count: number): number[] {
  const idx = Array.from({ length: segments }, (_, i) => i);
  const r = Math.min(count, segments);
  for (let i = 0; i < r; i++) {
    const hsh = sha256(concat(SEGMENT_DOMAIN, blockHash, u64be(jobId), u64be(BigInt(i))));
    let v = 0;
    for (let b = 0; b < 6; b++) v = v * 256 + (hsh[b] as number);
    const j = i + (v % (segments - i));
    const tmp = idx[i] as number;
    idx[i] = idx[j] as number;
    idx[j] = tmp;
  }
  return idx.slice(0, r);
}
