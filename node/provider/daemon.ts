/**
 * The compute provider daemon (`openledgerd provider start`): follows the chain over the node's
 * WebSocket (CometBFT `subscribe` to NewBlock), and at each block lists the jobs assigned to its
 * address; for each new one it fetches the model's ONNX artifact (blob store, by the model's
 * onnx_hash) and the input, runs it with onnxruntime-node, builds the canonical result, signs it with
 * its attestation key and submits MsgSubmitResult through the injected signer (the CLI's CosmJS
 * pipeline). Its own Prometheus metrics are served on `metricsListen` (/metrics).
 */
import { mkdirSync } from "node:fs";
import { open, readFile, readdir, rename, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import WebSocket from "ws";
import { toHex } from "../../modules/core/bytes.ts";
import { sha256 } from "../../modules/core/hash.ts";
import { QueryIndexChunksRequest, QueryIndexChunksResponse, QueryModelRequest, QueryModelResponse } from "../../proto/gen/openledger/attribution/v1/query.ts";
import { QueryJobsRequest, QueryJobsResponse } from "../../proto/gen/openledger/compute/v1/query.ts";
import type { MsgSubmitResult } from "../../proto/gen/openledger/compute/v1/tx.ts";
import type { MsgSetEmbeddingIndex } from "../../proto/gen/openledger/attribution/v1/tx.ts";
import { QueryParamsRequest as AttributionParamsRequest, QueryParamsResponse as AttributionParamsResponse } from "../../proto/gen/openledger/attribution/v1/query.ts";
import { QueryJobRequest, QueryJobResponse } from "../../proto/gen/openledger/compute/v1/query.ts";
import { type CanonicalResult, type Job, JobStatus, JobType } from "../../proto/gen/openledger/compute/v1/types.ts";
import { BlobStore } from "../blobstore/store.ts";
import type { OnnxModel, OnnxServiceConfig } from "../onnx/service.ts";
import { type AttestationKey, inferenceOutputHash, resultDigest, signDigest } from "./attest.ts";
import { type InferenceOutput, featuresFromBytes, int16ToBytes, quantize, runInference } from "./inference.ts";
import { runTrainingJob, trainedArtifact } from "./training.ts";
import { QueryContributionRequest, QueryContributionResponse, QuerySnapshotEntriesRequest, QuerySnapshotEntriesResponse } from "../../proto/gen/openledger/datanet/v1/query.ts";

export interface ProviderLogger {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
  error(o: object, msg: string): void;
}

export interface SubmitOutcome {
  code: number;
  log: string;
  txHash?: string;
}

export interface ProviderDaemonOptions {
  /** the node's RPC, http://host:port */
  rpcUrl: string;
  chainId: string;
  /** the provider's account (bech32), which signs MsgSubmitResult. */
  address: string;
  attestation: AttestationKey;
  /**
   * signs and broadcasts messages in one tx from `address`, waiting for inclusion; gas "auto": simulated
   * (the index rows' MsgSetEmbeddingIndex), otherwise the configured gas per message.
   */
  submit(msgs: { typeUrl: string; value: MsgSubmitResult | MsgSetEmbeddingIndex }[], gas?: "auto"): Promise<SubmitOutcome>;
  /** host:port of the /metrics endpoint (port 0: any free port); undefined: none. */
  metricsListen?: string;
  logger: ProviderLogger;
  onnx?: OnnxServiceConfig;
  /**
   * the provider's own on-disk state (`<dataDir>/blobs`: a content-addressed blob store; `<dataDir>/index-uploads`:
   * one manifest per index job whose rows are not on chain yet). An index job's rows are written there before
   * its result is submitted, so a daemon restarted before the verdict still publishes and stores them.
   * undefined: memory only (tests of the daemon in-process).
   */
  dataDir?: string;
  /** polls this often (ms) too, in case a WebSocket event is lost; default 2000. */
  pollMs?: number;
  /**
   * test-only misbehaviour: "cheat" reports a wrong label (validators must reject and slash);
   * "silent" never answers (the job must be reassigned at its deadline); "crash-after-index-submit" writes an
   * index job's rows to its own store, submits the result without publishing the rows to the node, and then
   * kills itself (SIGKILL): only a restarted daemon can serve the rows, so the verdict waits for the restart.
   */
  misbehave?: "cheat" | "silent" | "crash-after-index-submit";
}

/** jobs per page of the assigned-jobs query (the query's maximum). */
const JOBS_PAGE = 1000n;
/** rows per onnxruntime run while building an index. */
const INDEX_BATCH = 512;
/** the largest index a provider keeps in its own blob store (10k points at d = 64 are 1.25 MiB). */
const MAX_INDEX_BYTES = 256 * 1024 * 1024;
/** most index bytes in one MsgSetEmbeddingIndex tx. */
const MAX_CHUNK_BYTES = 512 * 1024;
/** the artifact and last checkpoint a job runs against: as recorded at its request (older jobs: the model's current ones). */
const jobArtifact = (j: Job, m: { onnxHash: Uint8Array }): Uint8Array => (j.modelArtifactHash.length > 0 ? j.modelArtifactHash : m.onnxHash);
const jobCheckpoint = (j: Job, m: { checkpointHashes: Uint8Array[] }): Uint8Array => (j.modelArtifactHash.length > 0 ? j.checkpointHash : (m.checkpointHashes[m.checkpointHashes.length - 1] ?? new Uint8Array(0)));

interface IndexUpload {
  modelId: bigint;
  vectors: Uint8Array;
  d: number;
  published: boolean;
}
interface IndexManifest {
  jobId: string;
  modelId: string;
  d: number;
  /** hex sha256 of the rows: their name in the provider's blob store. */
  vectors: string;
}

const JOB_TYPE_NAMES: Record<number, string> = { 1: "inference", 2: "embedding-index", 3: "training" };

export class ProviderDaemon {
  readonly registry = new Registry();
  private readonly o: ProviderDaemonOptions;
  private readonly done = new Set<string>();
  private readonly models = new Map<string, Promise<OnnxModel>>();
  /**
   * index rows this provider computed and submitted, by job id: stored on chain (MsgSetEmbeddingIndex) once the
   * job is accepted. Mirrored on disk (dataDir); `published`: the node's blob store has them (a daemon restarted
   * from disk publishes them again before anything else, so the validators can replay them).
   */
  private readonly indexUploads = new Map<bigint, IndexUpload>();
  private readonly store: BlobStore | undefined;
  private readonly manifestDir: string | undefined;
  private ws: WebSocket | undefined;
  private server: Server | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private busy: Promise<void> = Promise.resolve();
  private pendingTick = false;
  private stopped = false;
  metricsPort = 0;
  private readonly m: {
    jobs: Counter<"type" | "outcome">;
    runSeconds: Histogram<"type">;
    height: Gauge;
    wsConnected: Gauge;
  };

  constructor(o: ProviderDaemonOptions) {
    this.o = o;
    if (o.dataDir !== undefined) {
      this.store = new BlobStore(join(o.dataDir, "blobs"), { maxBytes: MAX_INDEX_BYTES });
      this.manifestDir = join(o.dataDir, "index-uploads");
      mkdirSync(this.manifestDir, { recursive: true });
    }
    collectDefaultMetrics({ register: this.registry, prefix: "openledger_provider_" });
    this.m = {
      jobs: new Counter({ name: "openledger_provider_jobs_total", help: "jobs handled by outcome (submitted, rejected_tx, failed, skipped)", labelNames: ["type", "outcome"], registers: [this.registry] }),
      runSeconds: new Histogram({ name: "openledger_provider_job_run_seconds", help: "model run time per job", labelNames: ["type"], buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10], registers: [this.registry] }),
      height: new Gauge({ name: "openledger_provider_chain_height", help: "latest block height seen", registers: [this.registry] }),
      wsConnected: new Gauge({ name: "openledger_provider_ws_connected", help: "1 while subscribed to the node's WebSocket", registers: [this.registry] }),
    };
  }

  async start(): Promise<void> {
    this.running = true;
    await this.loadIndexUploads();
    if (this.o.metricsListen !== undefined) {
      const [host, port] = splitHostPort(this.o.metricsListen);
      this.server = createServer((req, res) => {
        if (req.url !== "/metrics") {
          res.writeHead(404).end();
          return;
        }
        this.registry.metrics().then(
          (text) => res.writeHead(200, { "content-type": this.registry.contentType }).end(text),
          (e: unknown) => res.writeHead(500).end(String(e)),
        );
      });
      await new Promise<void>((resolve, reject) => {
        this.server?.once("error", reject);
        this.server?.listen(port, host, () => resolve());
      });
      this.metricsPort = (this.server.address() as AddressInfo).port;
    }
    this.connect();
    this.timer = setInterval(() => this.tick(), this.o.pollMs ?? 2000);
    this.tick();
    this.o.logger.info({ address: this.o.address, rpc: this.o.rpcUrl, metricsPort: this.metricsPort, misbehave: this.o.misbehave ?? "none" }, "provider daemon started");
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.ws?.close();
    await this.busy;
    await new Promise<void>((r) => (this.server === undefined ? r() : this.server.close(() => r())));
    for (const m of this.models.values()) await (await m.catch(() => undefined))?.release();
  }

  private connect(): void {
    if (this.stopped) return;
    const url = `${this.o.rpcUrl.replace(/^http/, "ws").replace(/\/$/, "")}/websocket`;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.on("open", () => {
      this.m.wsConnected.set(1);
      ws.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "subscribe", params: { query: "tm.event='NewBlock'" } }));
    });
    ws.on("message", (data) => {
      try {
        const msg = JSON.parse(String(data)) as { result?: { data?: { value?: { block?: { header?: { height?: string } } } } } };
        const h = msg.result?.data?.value?.block?.header?.height;
        if (h !== undefined) {
          this.m.height.set(Number(h));
          this.tick();
        }
      } catch {
        // not ours to judge: the poll covers it
      }
    });
    const retry = () => {
      this.m.wsConnected.set(0);
      if (this.running) setTimeout(() => this.connect(), 1000);
    };
    ws.on("close", retry);
    ws.on("error", (e) => {
      this.o.logger.warn({ err: e.message }, "provider: WebSocket error");
    });
  }

  /** one pass at a time; a tick during a pass runs once more after it. */
  private tick(): void {
    if (!this.running) return;
    if (this.pendingTick) return;
    this.pendingTick = true;
    this.busy = this.busy.then(async () => {
      this.pendingTick = false;
      if (!this.running) return;
      try {
        await this.pass();
      } catch (e: unknown) {
        this.o.logger.warn({ err: e instanceof Error ? e.message : String(e) }, "provider: pass failed");
      }
    });
  }

  private async pass(): Promise<void> {
    // every job assigned to this provider (all pages: a busy provider holds more than one page)
    const assigned: Job[] = [];
    let key: Uint8Array = new Uint8Array(0);
    for (;;) {
      const r = QueryJobsResponse.decode(await this.query("/openledger.compute.v1.Query/Jobs", QueryJobsRequest.encode({ provider: this.o.address, status: JobStatus.JOB_STATUS_ASSIGNED, pagination: { key, offset: 0n, limit: JOBS_PAGE, countTotal: false, reverse: false } }).finish()));
      assigned.push(...r.jobs);
      key = r.pagination?.nextKey ?? new Uint8Array(0);
      if (key.length === 0) break;
    }
    const fresh = assigned.filter((j) => j.provider === this.o.address && !this.done.has(`${j.id}:${j.attempts}`));
    for (const j of fresh) this.done.add(`${j.id}:${j.attempts}`);
    // every new job of this pass runs (inferences in one onnxruntime batch per model), then all results go
    // out in one tx (one sequence number, one inclusion wait)
    const ready: { job: Job; msg: { typeUrl: string; value: MsgSubmitResult }; label: number }[] = [];
    const inferences = this.o.misbehave === "silent" ? [] : fresh.filter((j) => j.jobType === JobType.JOB_TYPE_INFERENCE);
    // (one batch per model and artifact the jobs were requested against: a trained head may have replaced it since)
    const batchKey = (j: Job) => `${j.modelId}:${toHex(j.modelArtifactHash)}`;
    for (const key of [...new Set(inferences.map(batchKey))]) ready.push(...(await this.inferBatch(inferences.filter((j) => batchKey(j) === key))));
    for (const j of fresh) {
      if (inferences.includes(j)) continue;
      const out = await this.handle(j);
      if (out !== undefined) ready.push({ job: j, ...out });
    }
    ready.sort((a, b) => (a.job.id < b.job.id ? -1 : a.job.id > b.job.id ? 1 : 0));
    await this.submitResults(ready);
    if (this.o.misbehave === "crash-after-index-submit" && ready.some((x) => x.job.jobType === JobType.JOB_TYPE_EMBEDDING_INDEX)) {
      // test-only: a crash between the submitted result and the verdict (no cleanup, nothing flushed)
      this.o.logger.warn({ jobs: ready.map((x) => x.job.id.toString()) }, "provider (test): crashing after submitting an index result");
      process.kill(process.pid, "SIGKILL");
    }
    await this.uploadIndexes();
  }

  /** the node's blob store gets the rows (the validators replay sampled rows against them). */
  private async publish(up: IndexUpload): Promise<void> {
    const put = await this.rpc<{ hash: string }>("blob_put", { data: Buffer.from(up.vectors).toString("base64") });
    if (put.hash !== toHex(sha256(up.vectors))) throw new Error("blob_put stored the index under another hash");
    up.published = true;
  }

  /** the rows in this provider's blob store, then their manifest (written to a temp file, fsynced, renamed). */
  private async persistIndexUpload(jobId: bigint, up: IndexUpload): Promise<void> {
    if (this.store === undefined || this.manifestDir === undefined) return;
    const hash = await this.store.put(up.vectors);
    const manifest: IndexManifest = { jobId: jobId.toString(), modelId: up.modelId.toString(), d: up.d, vectors: hash };
    const file = join(this.manifestDir, `${jobId}.json`);
    const tmp = `${file}.tmp`;
    const fh = await open(tmp, "w");
    try {
      await fh.writeFile(JSON.stringify(manifest));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
    const dir = await open(this.manifestDir, "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  private async dropIndexUpload(jobId: bigint, up: IndexUpload): Promise<void> {
    this.indexUploads.delete(jobId);
    if (this.store === undefined || this.manifestDir === undefined) return;
    await rm(join(this.manifestDir, `${jobId}.json`), { force: true });
    const h = toHex(sha256(up.vectors));
    if (![...this.indexUploads.values()].some((u) => toHex(sha256(u.vectors)) === h)) await this.store.delete(h);
  }

  /** index rows a previous run of this daemon left on disk (not yet on chain): pending again, to be published. */
  private async loadIndexUploads(): Promise<void> {
    if (this.store === undefined || this.manifestDir === undefined) return;
    for (const f of (await readdir(this.manifestDir)).sort()) {
      const file = join(this.manifestDir, f);
      if (!f.endsWith(".json")) {
        await rm(file, { force: true }); // an interrupted manifest write
        continue;
      }
      try {
        const m = JSON.parse(await readFile(file, "utf8")) as IndexManifest;
        const vectors = await this.store.get(m.vectors);
        if (vectors === undefined) throw new Error(`rows ${m.vectors} missing from the provider's blob store`);
        this.indexUploads.set(BigInt(m.jobId), { modelId: BigInt(m.modelId), vectors, d: m.d, published: false });
        this.o.logger.info({ job: m.jobId, model: m.modelId, rows: vectors.length / (2 * m.d) }, "provider: index rows recovered from disk");
      } catch (e: unknown) {
        this.o.logger.warn({ file, err: e instanceof Error ? e.message : String(e) }, "provider: unreadable index manifest dropped");
        await rm(file, { force: true });
      }
    }
  }

  /** inference jobs of one model: one onnxruntime run over all their inputs (a job whose input fails is left out). */
  private async inferBatch(jobs: Job[]): Promise<{ job: Job; msg: { typeUrl: string; value: MsgSubmitResult }; label: number }[]> {
    const out: { job: Job; msg: { typeUrl: string; value: MsgSubmitResult }; label: number }[] = [];
    const failed = (j: Job, e: unknown) => {
      this.m.jobs.inc({ type: "inference", outcome: "failed" });
      this.o.logger.error({ job: j.id.toString(), err: e instanceof Error ? e.message : String(e) }, "provider: job failed");
    };
    let model: Awaited<ReturnType<typeof QueryModelResponse.decode>>["model"];
    let onnx: OnnxModel;
    try {
      model = QueryModelResponse.decode(await this.query("/openledger.attribution.v1.Query/Model", QueryModelRequest.encode({ id: (jobs[0] as Job).modelId }).finish())).model;
      if (model === undefined) throw new Error(`model ${(jobs[0] as Job).modelId} not found`);
      onnx = await this.model(jobArtifact(jobs[0] as Job, model));
    } catch (e: unknown) {
      for (const j of jobs) failed(j, e);
      return out;
    }
    const rows: { j: Job; x: Float32Array }[] = [];
    for (const j of jobs) {
      try {
        const x = featuresFromBytes(j.inputInBlob ? await this.blob(toHex(j.inputHash)) : j.input);
        if (onnx.inputDim > 0 && x.length !== onnx.inputDim) throw new Error(`input of ${x.length} features, the model takes ${onnx.inputDim}`);
        rows.push({ j, x });
      } catch (e: unknown) {
        failed(j, e);
      }
    }
    if (rows.length === 0) return out;
    const d = (rows[0] as { x: Float32Array }).x.length;
    const x = new Float32Array(rows.length * d);
    rows.forEach((r, i) => x.set(r.x, i * d));
    const t0 = performance.now();
    let res: Awaited<ReturnType<OnnxModel["run"]>>;
    try {
      res = await onnx.run(x, rows.length);
    } catch (e: unknown) {
      for (const r of rows) failed(r.j, e);
      return out;
    }
    this.m.runSeconds.observe({ type: "inference" }, (performance.now() - t0) / 1000);
    const m = model;
    rows.forEach(({ j }, i) => {
      let label = 0;
      for (let c = 1; c < res.c; c++) if ((res.logits[i * res.c + c] as number) > (res.logits[i * res.c + label] as number)) label = c;
      const embedding = quantize(res.embedding.subarray(i * res.h, (i + 1) * res.h));
      if (this.o.misbehave === "cheat") label += 1; // test-only: a wrong label (validators must reject and slash)
      const qe = int16ToBytes(embedding);
      const result: CanonicalResult = { modelArtifactHash: jobArtifact(j, m), checkpointHash: jobCheckpoint(j, m), inputHash: j.inputHash, outputHash: inferenceOutputHash(qe, label), predictedLabel: label, queryEmbedding: qe, checkpointChain: [], trainedArtifactHash: new Uint8Array(0) };
      const attestation = signDigest(this.o.attestation, resultDigest(this.o.chainId, j.id, result));
      out.push({ job: j, msg: { typeUrl: "/openledger.compute.v1.MsgSubmitResult", value: { provider: this.o.address, jobId: j.id, result, attestation, teeQuote: new Uint8Array(0) } }, label });
    });
    return out;
  }

  private async submitResults(ready: { job: Job; msg: { typeUrl: string; value: MsgSubmitResult }; label: number }[]): Promise<void> {
    if (ready.length === 0) return;
    const report = (batch: typeof ready, res: SubmitOutcome) => {
      for (const x of batch) {
        this.m.jobs.inc({ type: JOB_TYPE_NAMES[x.job.jobType] ?? "unknown", outcome: res.code === 0 ? "submitted" : "rejected_tx" });
        if (res.code === 0) this.o.logger.info({ job: x.job.id.toString(), label: x.label, tx: res.txHash }, "provider: result submitted");
        else this.o.logger.warn({ job: x.job.id.toString(), code: res.code, log: res.log }, "provider: result refused");
      }
    };
    const res = await this.o.submit(ready.map((x) => x.msg));
    if (res.code === 0 || ready.length === 1) {
      report(ready, res);
      return;
    }
    // one bad message fails the whole tx: send them one by one
    for (const x of ready) report([x], await this.o.submit([x.msg]));
  }

  /** runs one job; the signed MsgSubmitResult, or undefined when it cannot (or, in tests, will not) answer. */
  private async handle(j: Job): Promise<{ msg: { typeUrl: string; value: MsgSubmitResult }; label: number } | undefined> {
    const type = JOB_TYPE_NAMES[j.jobType] ?? "unknown";
    if (j.jobType === JobType.JOB_TYPE_EMBEDDING_INDEX && this.o.misbehave !== "silent") return this.buildIndex(j);
    if (j.jobType === JobType.JOB_TYPE_TRAINING && this.o.misbehave !== "silent") return this.train(j);
    if (j.jobType !== JobType.JOB_TYPE_INFERENCE) {
      this.m.jobs.inc({ type, outcome: "skipped" });
      this.o.logger.warn({ job: j.id.toString(), type }, "provider: job type not supported by this daemon");
      return undefined;
    }
    if (this.o.misbehave === "silent") {
      this.m.jobs.inc({ type, outcome: "skipped" });
      this.o.logger.warn({ job: j.id.toString() }, "provider (test): staying silent");
      return undefined;
    }
    try {
      const model = QueryModelResponse.decode(await this.query("/openledger.attribution.v1.Query/Model", QueryModelRequest.encode({ id: j.modelId }).finish())).model;
      if (model === undefined) throw new Error(`model ${j.modelId} not found`);
      const onnx = await this.model(jobArtifact(j, model));
      const input = j.inputInBlob ? await this.blob(toHex(j.inputHash)) : j.input;
      const t0 = performance.now();
      let out: InferenceOutput = await runInference(onnx, input);
      this.m.runSeconds.observe({ type }, (performance.now() - t0) / 1000);
      if (this.o.misbehave === "cheat") out = { embedding: out.embedding, label: out.label + 1 };
      const qe = int16ToBytes(out.embedding);
      const result: CanonicalResult = {
        modelArtifactHash: jobArtifact(j, model),
        checkpointHash: jobCheckpoint(j, model),
        inputHash: j.inputHash,
        outputHash: inferenceOutputHash(qe, out.label),
        predictedLabel: out.label,
        queryEmbedding: qe,
        checkpointChain: [],
        trainedArtifactHash: new Uint8Array(0),
      };
      const attestation = signDigest(this.o.attestation, resultDigest(this.o.chainId, j.id, result));
      return { msg: { typeUrl: "/openledger.compute.v1.MsgSubmitResult", value: { provider: this.o.address, jobId: j.id, result, attestation, teeQuote: new Uint8Array(0) } }, label: out.label };
    } catch (e: unknown) {
      this.m.jobs.inc({ type, outcome: "failed" });
      this.o.logger.error({ job: j.id.toString(), err: e instanceof Error ? e.message : String(e) }, "provider: job failed");
      return undefined;
    }
  }

  /**
   * An embedding-index job: the model run on every point of its datanet snapshot (leaf order), each
   * embedding quantised (int16, 2^-8) as the PoA engine takes it; all rows go to the node's blob store and
   * output_hash = their sha256. Validators replay rows sampled from the block hash against that blob; once
   * accepted, the rows are stored on chain by this provider (uploadIndexes). A wrong row costs the bond.
   */
  private async buildIndex(j: Job): Promise<{ msg: { typeUrl: string; value: MsgSubmitResult }; label: number } | undefined> {
    try {
      const model = QueryModelResponse.decode(await this.query("/openledger.attribution.v1.Query/Model", QueryModelRequest.encode({ id: j.modelId }).finish())).model;
      if (model === undefined) throw new Error(`model ${j.modelId} not found`);
      if (model.indexComplete) throw new Error(`model ${j.modelId} already has a complete index`);
      const onnx = await this.model(model.onnxHash);
      const features = await this.snapshotFeatures(model.snapshotId);
      const t0 = performance.now();
      const d = model.embeddingDim;
      const n = features.length;
      const rows = new Int16Array(n * d);
      for (let s = 0; s < n; s += INDEX_BATCH) {
        const part = features.slice(s, s + INDEX_BATCH);
        const x = new Float32Array(part.reduce((a, f) => a + f.length, 0));
        let o = 0;
        for (const f of part) (x.set(f, o), (o += f.length));
        const out = await onnx.run(x, part.length);
        if (out.h !== d) throw new Error(`model ${j.modelId} embeds in ${out.h} dimensions, registered as ${d}`);
        rows.set(quantize(out.embedding), s * d);
      }
      this.m.runSeconds.observe({ type: "embedding-index" }, (performance.now() - t0) / 1000);
      if (this.o.misbehave === "cheat") {
        // test-only: one corrupted row (the last), far outside the replay tolerance
        for (let c = 0; c < d; c++) rows[(n - 1) * d + c] = ((rows[(n - 1) * d + c] as number) + 100) | 0;
      }
      const vectors = int16ToBytes(rows);
      const up: IndexUpload = { modelId: j.modelId, vectors, d, published: false };
      // on this provider's disk first (fsynced), then to the node: the result goes out only after both
      await this.persistIndexUpload(j.id, up);
      this.indexUploads.set(j.id, up);
      if (this.o.misbehave !== "crash-after-index-submit") await this.publish(up);
      const result: CanonicalResult = {
        modelArtifactHash: jobArtifact(j, model),
        checkpointHash: jobCheckpoint(j, model),
        inputHash: j.inputHash,
        outputHash: sha256(vectors),
        predictedLabel: 0,
        queryEmbedding: new Uint8Array(0),
        checkpointChain: [],
        trainedArtifactHash: new Uint8Array(0),
      };
      const attestation = signDigest(this.o.attestation, resultDigest(this.o.chainId, j.id, result));
      this.o.logger.info({ job: j.id.toString(), model: j.modelId.toString(), rows: n, vectorsHash: toHex(result.outputHash), persisted: this.store !== undefined }, "provider: index built");
      return { msg: { typeUrl: "/openledger.compute.v1.MsgSubmitResult", value: { provider: this.o.address, jobId: j.id, result, attestation, teeQuote: new Uint8Array(0) } }, label: 0 };
    } catch (e: unknown) {
      this.m.jobs.inc({ type: "embedding-index", outcome: "failed" });
      this.o.logger.error({ job: j.id.toString(), err: e instanceof Error ? e.message : String(e) }, "provider: index job failed");
      return undefined;
    }
  }

  /** the features (float32) of every point of a snapshot, in leaf order. */
  private async snapshotFeatures(snapshotId: bigint): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    let key: Uint8Array = new Uint8Array(0);
    for (;;) {
      const r = QuerySnapshotEntriesResponse.decode(await this.query("/openledger.datanet.v1.Query/SnapshotEntries", QuerySnapshotEntriesRequest.encode({ snapshotId, pagination: { key, offset: 0n, limit: 1000n, countTotal: false, reverse: false } }).finish()));
      for (const e of r.entries) {
        const c = QueryContributionResponse.decode(await this.query("/openledger.datanet.v1.Query/Contribution", QueryContributionRequest.encode({ id: e.contributionId }).finish())).contribution;
        const f = c?.point?.features ?? new Uint8Array(0);
        const x = new Float32Array(f.length / 2);
        const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
        for (let k = 0; k < x.length; k++) x[k] = dv.getInt16(2 * k, true);
        out.push(x);
      }
      key = r.pagination?.nextKey ?? new Uint8Array(0);
      if (key.length === 0) break;
    }
    return out;
  }

  /**
   * The rows of this provider's accepted index jobs go on chain (MsgSetEmbeddingIndex, from the first row
   * not stored yet, chunks of at most attribution's max_chunk_points): the model's index is its rows now.
   */
  private async uploadIndexes(): Promise<void> {
    for (const [jobId, up] of [...this.indexUploads]) {
      const job = QueryJobResponse.decode(await this.query("/openledger.compute.v1.Query/Job", QueryJobRequest.encode({ id: jobId }).finish())).job;
      if (job === undefined || job.status === JobStatus.JOB_STATUS_FAILED || (job.status !== JobStatus.JOB_STATUS_ACCEPTED && job.provider !== this.o.address)) {
        await this.dropIndexUpload(jobId, up); // not (or no longer) ours
        continue;
      }
      if (job.status !== JobStatus.JOB_STATUS_ACCEPTED) {
        // the validators' verdict is pending: they replay against the node's copy of the rows
        if (!up.published && job.status === JobStatus.JOB_STATUS_SUBMITTED && Buffer.from(job.result?.outputHash ?? []).equals(sha256(up.vectors))) await this.publish(up);
        continue;
      }
      const model = QueryModelResponse.decode(await this.query("/openledger.attribution.v1.Query/Model", QueryModelRequest.encode({ id: up.modelId }).finish())).model;
      if (model === undefined || model.indexBuilder !== this.o.address || model.indexComplete || !Buffer.from(model.indexVectorsHash).equals(sha256(up.vectors))) {
        if (model?.indexComplete) this.o.logger.info({ job: jobId.toString(), model: up.modelId.toString() }, "provider: index stored on chain");
        await this.dropIndexUpload(jobId, up);
        continue;
      }
      const params = AttributionParamsResponse.decode(await this.query("/openledger.attribution.v1.Query/Params", AttributionParamsRequest.encode({}).finish())).params;
      const rowBytes = 2 * up.d;
      const chunk = Math.max(1, Math.min(params?.maxChunkPoints ?? 1024, Math.floor(MAX_CHUNK_BYTES / rowBytes)));
      const n = up.vectors.length / rowBytes;
      for (let s = Number(model.indexedPoints); s < n; s += chunk) {
        const vectors = up.vectors.subarray(s * rowBytes, Math.min(n, s + chunk) * rowBytes);
        const res = await this.o.submit([{ typeUrl: "/openledger.attribution.v1.MsgSetEmbeddingIndex", value: { owner: this.o.address, modelId: up.modelId, start: BigInt(s), vectors } }], "auto");
        if (res.code !== 0) {
          this.o.logger.warn({ job: jobId.toString(), start: s, code: res.code, log: res.log }, "provider: storing index rows refused (retried next pass)");
          break;
        }
      }
    }
  }

  /**
   * A training job: the softmax head is trained on the frozen embeddings (the model's stored index,
   * query attribution IndexChunks; labels from the snapshot, in leaf order) with the job's config
   * (node/provider/training.ts, modules/compute/training.ts); every checkpoint and the artifact with the
   * trained head go to the node's blob store, the chain of their hashes and the artifact's into the result.
   */
  private async train(j: Job): Promise<{ msg: { typeUrl: string; value: MsgSubmitResult }; label: number } | undefined> {
    try {
      const model = QueryModelResponse.decode(await this.query("/openledger.attribution.v1.Query/Model", QueryModelRequest.encode({ id: j.modelId }).finish())).model;
      if (model === undefined || !model.indexComplete) throw new Error(`model ${j.modelId} has no complete index to train on`);
      const entries: { contributionId: bigint; label: number }[] = [];
      let key: Uint8Array = new Uint8Array(0);
      for (;;) {
        const r = QuerySnapshotEntriesResponse.decode(await this.query("/openledger.datanet.v1.Query/SnapshotEntries", QuerySnapshotEntriesRequest.encode({ snapshotId: model.snapshotId, pagination: { key, offset: 0n, limit: 1000n, countTotal: false, reverse: false } }).finish()));
        entries.push(...r.entries);
        key = r.pagination?.nextKey ?? new Uint8Array(0);
        if (key.length === 0) break;
      }
      // the frozen embeddings: the model's stored index (exactly the rows the validators replay on)
      const h = model.embeddingDim;
      const rows = new Int16Array(entries.length * h);
      const labels = Int32Array.from(entries.map((e) => e.label));
      key = new Uint8Array(0);
      for (;;) {
        const r = QueryIndexChunksResponse.decode(await this.query("/openledger.attribution.v1.Query/IndexChunks", QueryIndexChunksRequest.encode({ modelId: model.id, pagination: { key, offset: 0n, limit: 100n, countTotal: false, reverse: false } }).finish()));
        for (const c of r.chunks) {
          if (Number(c.start) * h + c.vectors.length / 2 > rows.length) throw new Error(`index chunk at ${c.start} runs past ${entries.length} points`);
          const dv = new DataView(c.vectors.buffer, c.vectors.byteOffset, c.vectors.byteLength);
          for (let k = 0; k < c.vectors.length / 2; k++) rows[Number(c.start) * h + k] = dv.getInt16(2 * k, true);
        }
        key = r.pagination?.nextKey ?? new Uint8Array(0);
        if (key.length === 0) break;
      }
      const base = await this.blob(toHex(jobArtifact(j, model)));
      const run = runTrainingJob(base, j.id, j.input, rows, labels);
      if (this.o.misbehave === "cheat") {
        // test-only: a forged final head (its chain and artifact made consistent with it): only the replay
        // of the last segment can tell
        const last = run.checkpoints.length - 1;
        const forged = Uint8Array.from(run.checkpoints[last] as Uint8Array);
        forged[0] = (forged[0] as number) ^ 1;
        run.checkpoints[last] = forged;
        run.chain[last] = sha256(forged);
        run.artifact = trainedArtifact(base, forged);
      }
      for (const c of [...run.checkpoints, run.artifact.bytes]) await this.rpc("blob_put", { data: Buffer.from(c).toString("base64") });
      this.o.logger.info({ job: j.id.toString(), rows: labels.length, segments: run.config.segments, artifact: toHex(run.artifact.sha256) }, "provider: head trained");
      const result: CanonicalResult = {
        modelArtifactHash: jobArtifact(j, model),
        checkpointHash: jobCheckpoint(j, model),
        inputHash: j.inputHash,
        outputHash: sha256(Buffer.concat(run.chain)),
        predictedLabel: 0,
        queryEmbedding: new Uint8Array(0),
        checkpointChain: run.chain,
        trainedArtifactHash: run.artifact.sha256,
      };
      const attestation = signDigest(this.o.attestation, resultDigest(this.o.chainId, j.id, result));
      return { msg: { typeUrl: "/openledger.compute.v1.MsgSubmitResult", value: { provider: this.o.address, jobId: j.id, result, attestation, teeQuote: new Uint8Array(0) } }, label: 0 };
    } catch (e: unknown) {
      this.m.jobs.inc({ type: "training", outcome: "failed" });
      this.o.logger.error({ job: j.id.toString(), err: e instanceof Error ? e.message : String(e) }, "provider: training job failed");
      return undefined;
    }
  }

  private model(hash: Uint8Array): Promise<OnnxModel> {
    const key = toHex(hash);
    let m = this.models.get(key);
    if (m === undefined) {
      m = (async () => {
        const bytes = await this.blob(key);
        const { OnnxModel: Onnx } = await import("../onnx/service.ts");
        return Onnx.fromBytes(bytes, this.o.onnx ?? {});
      })();
      m.catch(() => this.models.delete(key));
      this.models.set(key, m);
    }
    return m;
  }

  private async blob(hashHex: string): Promise<Uint8Array> {
    const r = await this.rpc<{ data: string }>("blob_get", { hash: hashHex });
    const bytes = new Uint8Array(Buffer.from(r.data, "base64"));
    if (toHex(sha256(bytes)) !== hashHex) throw new Error(`blob ${hashHex}: the node returned bytes of another hash`);
    return bytes;
  }

  private async query(path: string, data: Uint8Array): Promise<Uint8Array> {
    const r = await this.rpc<{ response: { code: number; log: string; value: string | null } }>("abci_query", { path, data: toHex(data), prove: false });
    if (r.response.code !== 0) throw new Error(`${path}: code ${r.response.code} ${r.response.log}`);
    return new Uint8Array(Buffer.from(r.response.value ?? "", "base64"));
  }

  private async rpc<T>(method: string, params: Record<string, unknown>): Promise<T> {
    const res = await fetch(this.o.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }), signal: AbortSignal.timeout(30_000) });
    const body = (await res.json()) as { result?: T; error?: { message: string; data?: string } };
    if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}${body.error.data ? `: ${body.error.data}` : ""}`);
    return body.result as T;
  }
}

function splitHostPort(s: string): [string, number] {
  const m = /^(.*):(\d+)$/.exec(s.replace(/^tcp:\/\//, ""));
  if (m === null) throw new Error(`invalid listen address "${s}" (host:port)`);
  return [m[1] === "" ? "127.0.0.1" : (m[1] as string), Number(m[2])];
}
