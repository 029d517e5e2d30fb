/**
 * Float audit signals of the softmax head on frozen embeddings (specs/attribution.md §1.4). Floats are
 * allowed here (node/, evidence to judge, never state): results are checked with a tolerance, not
 * bit-exactly. Every loop runs in one fixed order on one thread, so one Node version gives the same
 * bits in every process.
 *
 * Model: z = Wᵀφ + b, p = softmax(z), ℓ = −log p_y, φ̃ = [φ; 1], parameters θ = (W, b) laid out class
 * major: θ[a·(h+1) + j] = W[j][a] for j < h, b[a] for j = h.
 *   g_i = (p_i − e_{y_i}) ⊗ φ̃_i
 *   H   = (1/N) Σ_i (diag p_i − p_i p_iᵀ) ⊗ φ̃_i φ̃_iᵀ + λI   (exact: logits are linear in θ)
 *   self-influence s_i = g_iᵀ H⁻¹ g_i (high = suspicious: mislabelled points have large, atypical gradients)
 * λ = dampingFactor · mean(diag H) (default 0.01, as in §1.4), or an absolute `damping`.
 */

export interface HeadParams {
  /** h·C row-major (Gemm B layout: weight[j·C + a]). */
  readonly weight: ArrayLike<number>;
  readonly bias: ArrayLike<number>;
}

export interface HeadData {
  /** n·h row-major embeddings. */
  readonly embedding: ArrayLike<number>;
  readonly n: number;
  readonly h: number;
  readonly c: number;
  /** class labels in [0, C). */
  readonly labels: ArrayLike<number>;
}

/** softmax probabilities n·C (float64, max-subtracted), from the head on the embeddings. */
export function headProbabilities(data: HeadData, head: HeadParams): Float64Array {
  const { n, h, c, embedding: e } = data;
  const p = new Float64Array(n * c);
  const z = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < c; a++) {
      let s = head.bias[a] as number;
      for (let j = 0; j < h; j++) s += (e[i * h + j] as number) * (head.weight[j * c + a] as number);
      z[a] = s;
    }
    softmaxInto(z, p, i * c);
  }
  return p;
}

/** softmax of n·C logits (float64). */
export function softmaxRows(logits: ArrayLike<number>, n: number, c: number): Float64Array {
  const p = new Float64Array(n * c);
  const z = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < c; a++) z[a] = logits[i * c + a] as number;
    softmaxInto(z, p, i * c);
  }
  return p;
}

function softmaxInto(z: Float64Array, p: Float64Array, off: number): void {
  let m = -Infinity;
  for (let a = 0; a < z.length; a++) if ((z[a] as number) > m) m = z[a] as number;
  let s = 0;
  for (let a = 0; a < z.length; a++) {
    const v = Math.exp((z[a] as number) - m);
    p[off + a] = v;
    s += v;
  }
  for (let a = 0; a < z.length; a++) p[off + a] = (p[off + a] as number) / s;
}

function checkData(data: HeadData): void {
  const { n, h, c, embedding, labels } = data;
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(h) || h < 1 || !Number.isInteger(c) || c < 2) throw new RangeError(`poa: bad head data shape n=${n} h=${h} C=${c}`);
  if (embedding.length !== n * h) throw new RangeError(`poa: ${embedding.length} embedding values for ${n}×${h}`);
  if (labels.length !== n) throw new RangeError(`poa: ${labels.length} labels for ${n} points`);
  for (let i = 0; i < n; i++) {
    const y = labels[i] as number;
    if (!Number.isInteger(y) || y < 0 || y >= c) throw new RangeError(`poa: label ${y} of point ${i} is not a class index in [0, ${c})`);
  }
}

/** the (undamped) head Hessian (1/N)Σ(diag p − ppᵀ)⊗φ̃φ̃ᵀ, d×d row-major, d = C(h+1). */
export function headHessian(data: HeadData, p: Float64Array): Float64Array {
  const { n, h, c, embedding: e } = data;
  const h1 = h + 1;
  const d = c * h1;
  const H = new Float64Array(d * d);
  const phi = new Float64Array(h1);
  const outer = new Float64Array(h1 * h1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < h; j++) phi[j] = e[i * h + j] as number;
    phi[h] = 1;
    for (let j = 0; j < h1; j++) {
      const pj = phi[j] as number;
      for (let k = j; k < h1; k++) outer[j * h1 + k] = pj * (phi[k] as number);
    }
    for (let a = 0; a < c; a++) {
      const pa = p[i * c + a] as number;
      for (let b = a; b < c; b++) {
        const w = pa * ((a === b ? 1 : 0) - (p[i * c + b] as number));
        if (w === 0) continue;
        // block (a, b), upper triangle of the inner h1×h1 (mirrored below)
        const base = a * h1 * d + b * h1;
        for (let j = 0; j < h1; j++) {
          const row = base + j * d;
          for (let k = j; k < h1; k++) H[row + k] = (H[row + k] as number) + w * (outer[j * h1 + k] as number);
        }
      }
    }
  }
  // complete each block's lower inner triangle, then mirror blocks (a < b) to (b, a), and divide by N
  for (let a = 0; a < c; a++) {
    for (let b = a; b < c; b++) {
      const base = a * h1 * d + b * h1;
      for (let j = 0; j < h1; j++) for (let k = j + 1; k < h1; k++) H[base + k * d + j] = H[base + j * d + k] as number;
    }
  }
  for (let r = 0; r < d; r++) for (let s = r + 1; s < d; s++) H[s * d + r] = H[r * d + s] as number;
  for (let r = 0; r < d * d; r++) H[r] = (H[r] as number) / n;
  return H;
}

/** in-place lower Cholesky of a symmetric positive-definite d×d matrix (the upper part is zeroed). */
export function cholesky(A: Float64Array, d: number): Float64Array {
  for (let j = 0; j < d; j++) {
    let s = A[j * d + j] as number;
    for (let k = 0; k < j; k++) s -= (A[j * d + k] as number) ** 2;
    if (!(s > 0)) throw new RangeError(`poa: matrix not positive definite at column ${j} (pivot ${s}); raise the damping`);
    const l = Math.sqrt(s);
    A[j * d + j] = l;
    for (let i = j + 1; i < d; i++) {
      let t = A[i * d + j] as number;
      for (let k = 0; k < j; k++) t -= (A[i * d + k] as number) * (A[j * d + k] as number);
      A[i * d + j] = t / l;
    }
    for (let k = j + 1; k < d; k++) A[j * d + k] = 0;
  }
  return A;
}

/** solves L u = g (forward substitution) into u. */
export function forwardSolve(L: Float64Array, d: number, g: Float64Array, u: Float64Array): void {
  for (let i = 0; i < d; i++) {
    let s = g[i] as number;
    const row = i * d;
    for (let k = 0; k < i; k++) s -= (L[row + k] as number) * (u[k] as number);
    u[i] = s / (L[row + i] as number);
  }
}

/** solves LLᵀ x = g into x. */
export function choleskySolve(L: Float64Array, d: number, g: Float64Array): Float64Array {
  const u = new Float64Array(d);
  forwardSolve(L, d, g, u);
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = u[i] as number;
    for (let k = i + 1; k < d; k++) s -= (L[k * d + i] as number) * (x[k] as number);
    x[i] = s / (L[i * d + i] as number);
  }
  return x;
}

/** g_i = (p_i − e_{y_i}) ⊗ φ̃_i into g (length C(h+1)). */
export function headGradient(data: HeadData, p: Float64Array, i: number, g: Float64Array): void {
  const { h, c, embedding: e, labels } = data;
  const h1 = h + 1;
  const y = labels[i] as number;
  for (let a = 0; a < c; a++) {
    const r = (p[i * c + a] as number) - (a === y ? 1 : 0);
    const o = a * h1;
    for (let j = 0; j < h; j++) g[o + j] = r * (e[i * h + j] as number);
    g[o + h] = r;
  }
}

export interface DampingOptions {
  /** λ = dampingFactor · mean(diag H) (default 0.01). */
  readonly dampingFactor?: number;
  /** absolute λ (overrides dampingFactor). */
  readonly damping?: number;
}

export interface SelfInfluenceResult {
  /** s_i = g_iᵀ(H + λI)⁻¹g_i, index order. High = suspicious. */
  readonly scores: Float64Array;
  readonly lambda: number;
  /** parameter count C(h+1). */
  readonly dim: number;
}

function dampedFactor(H: Float64Array, d: number, o: DampingOptions): { L: Float64Array; lambda: number } {
  let lambda = o.damping;
  if (lambda === undefined) {
    let tr = 0;
    for (let r = 0; r < d; r++) tr += H[r * d + r] as number;
    lambda = (o.dampingFactor ?? 0.01) * (tr / d);
    if (!(lambda > 0)) lambda = 1e-8;
  }
  if (!(lambda > 0) || !Number.isFinite(lambda)) throw new RangeError(`poa: damping ${lambda} must be positive`);
  for (let r = 0; r < d; r++) H[r * d + r] = (H[r * d + r] as number) + lambda;
  return { L: cholesky(H, d), lambda };
}

/**
 * Self-influence of every training point under the softmax head (closed form of §1.4). `probs`
 * (n·C) may be given (e.g. softmax of the model's logits); by default they come from `head`.
 */
export function selfInfluence(data: HeadData, head: HeadParams | null, options: DampingOptions & { probs?: Float64Array } = {}): SelfInfluenceResult {
  checkData(data);
  const p = options.probs ?? (head === null ? null : headProbabilities(data, head));
  if (p === null) throw new RangeError("poa: self-influence needs the head or the probabilities");
  if (p.length !== data.n * data.c) throw new RangeError(`poa: ${p.length} probabilities for ${data.n}×${data.c}`);
  const d = data.c * (data.h + 1);
  const { L, lambda } = dampedFactor(headHessian(data, p), d, options);
  const g = new Float64Array(d);
  const u = new Float64Array(d);
  const scores = new Float64Array(data.n);
  for (let i = 0; i < data.n; i++) {
    headGradient(data, p, i, g);
    forwardSolve(L, d, g, u);
    let s = 0;
    for (let k = 0; k < d; k++) s += (u[k] as number) * (u[k] as number);
    scores[i] = s;
  }
  return { scores, lambda, dim: d };
}

/**
 * Influence of every training point on one query (x_q's embedding, target label y_q):
 * v_i = g_qᵀ(H + λI)⁻¹g_i (positive: removing i would raise the query's loss).
 */
export function headInfluence(data: HeadData, head: HeadParams, query: ArrayLike<number>, yq: number, options: DampingOptions = {}): Float64Array {
  checkData(data);
  const p = headProbabilities(data, head);
  const d = data.c * (data.h + 1);
  const { L } = dampedFactor(headHessian(data, p), d, options);
  const qd: HeadData = { embedding: query, n: 1, h: data.h, c: data.c, labels: [yq] };
  const pq = headProbabilities(qd, head);
  const gq = new Float64Array(d);
  headGradient(qd, pq, 0, gq);
  const s = choleskySolve(L, d, gq);
  const g = new Float64Array(d);
  const out = new Float64Array(data.n);
  for (let i = 0; i < data.n; i++) {
    headGradient(data, p, i, g);
    let v = 0;
    for (let k = 0; k < d; k++) v += (s[k] as number) * (g[k] as number);
    out[i] = v;
  }
  return out;
}

export interface FitOptions {
  /** L2 penalty μ on all head parameters: minimises (1/N)Σℓ_i + (μ/2)‖θ‖² (default 1e-3). */
  readonly l2?: number;
  readonly maxIter?: number;
  /** stop when ‖gradient‖∞ < tol (default 1e-8). */
  readonly tol?: number;
}

/**
 * Fits the softmax head on frozen embeddings by damped Newton with backtracking (the objective is
 * strictly convex for μ > 0). Float, deterministic for one Node version. Returns Gemm-layout weights
 * (h·C) and bias (C), ready for `writeHead`.
 */
export function fitSoftmaxHead(data: HeadData, options: FitOptions = {}): { weight: Float64Array; bias: Float64Array; iterations: number; loss: number } {
  checkData(data);
  const { n, h, c } = data;
  const h1 = h + 1;
  const d = c * h1;
  const mu = options.l2 ?? 1e-3;
  const maxIter = options.maxIter ?? 30;
  const tol = options.tol ?? 1e-8;
  let theta = new Float64Array(d);
  const toHead = (t: Float64Array): { weight: Float64Array; bias: Float64Array } => {
    const weight = new Float64Array(h * c);
    const bias = new Float64Array(c);
    for (let a = 0; a < c; a++) {
      for (let j = 0; j < h; j++) weight[j * c + a] = t[a * h1 + j] as number;
      bias[a] = t[a * h1 + h] as number;
    }
    return { weight, bias };
  };
  const objective = (t: Float64Array): { loss: number; p: Float64Array } => {
    const p = headProbabilities(data, toHead(t));
    let loss = 0;
    for (let i = 0; i < n; i++) loss -= Math.log(Math.max(p[i * c + (data.labels[i] as number)] as number, 1e-300));
    let r = 0;
    for (let k = 0; k < d; k++) r += (t[k] as number) ** 2;
    return { loss: loss / n + 0.5 * mu * r, p };
  };
  let cur = objective(theta);
  let it = 0;
  const g = new Float64Array(d);
  for (; it < maxIter; it++) {
    const grad = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      headGradient(data, cur.p, i, g);
      for (let k = 0; k < d; k++) grad[k] = (grad[k] as number) + (g[k] as number) / n;
    }
    let gmax = 0;
    for (let k = 0; k < d; k++) {
      grad[k] = (grad[k] as number) + mu * (theta[k] as number);
      gmax = Math.max(gmax, Math.abs(grad[k] as number));
    }
    if (gmax < tol) break;
    const H = headHessian(data, cur.p);
    for (let r = 0; r < d; r++) H[r * d + r] = (H[r * d + r] as number) + mu;
    const step = choleskySolve(cholesky(H, d), d, grad);
    let t = 1;
    let next = theta;
    let nextObj = cur;
    for (let ls = 0; ls < 30; ls++, t /= 2) {
      next = theta.map((v, k) => v - t * (step[k] as number));
      nextObj = objective(next);
      if (nextObj.loss <= cur.loss) break;
    }
    if (nextObj.loss > cur.loss) break;
    const improved = cur.loss - nextObj.loss;
    theta = next;
    cur = nextObj;
    if (improved < 1e-14) break;
  }
  return { ...toHead(theta), iterations: it, loss: cur.loss };
}
