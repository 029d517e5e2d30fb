/**
 * compute keeper: providers (bond escrowed in the "compute" module account), jobs (fee escrowed there
 * too), deterministic assignment from the block hash weighted by bond × reputation, deadlines and
 * reassignment, attested results, and the ≥2/3-power verdicts of the validators (vote extensions)
 * that accept (PoA receipt + fee split) or reject (slash + reassign) a result. The only writer of
 * "compute/" keys.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString, accAddressToString } from "../core/address.ts";
import { concat, equal, lengthPrefixed, readU64be, toHex, u64be } from "../core/bytes.ts";
import type { Coin } from "../core/coins.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import { nobleSigVerifier, type SigVerifier } from "../core/crypto.ts";
import { sha256 } from "../core/hash.ts";
import {
  type CanonicalResult,
  type Capabilities,
  ComputeVoteExtension,
  Job,
  JobStatus,
  JobType,
  Params,
  Provider,
  ProviderStatus,
  Verdict,
} from "../../proto/gen/openledger/compute/v1/types.ts";
import {
  ErrDeadlinePassed,
  ErrFeeTooLow,
  ErrInsufficientBond,
  ErrInvalidAttestation,
  ErrInvalidTeeQuote,
  ErrInvalidAttestationKey,
  ErrInvalidField,
  ErrInvalidInput,
  ErrInvalidJobStatus,
  ErrIndexComplete,
  ErrInvalidResult,
  ErrJobNotFound,
  ErrModelNotFound,
  ErrModelNotReady,
  ErrNotAssigned,
  ErrProviderExists,
  ErrProviderNotActive,
  ErrProviderNotFound,
  ErrUnsupportedJobType,
  ErrNotModelOwner,
} from "./errors.ts";
import { emitTyped } from "./events.ts";
import { DEFAULT_TRAINING_CONFIG, MAX_SEGMENTS, TrainingConfigError, checkTrainingJob, decodeTrainingConfig, encodeTrainingConfig } from "./training.ts";
import { type TeeQuote, TeeQuoteError, decodeTeeQuote, teeQuoteDigest } from "./teeQuote.ts";
import type { ComputeAttributionKeeper, ComputeBankKeeper, ComputeDatanetKeeper, ComputeModel, TreasurySplitter } from "./expectedKeepers.ts";
import {
  ESCROW_ACCOUNT,
  MODULE_NAME,
  PARAMS_KEY,
  PREFIX,
  type SeqName,
  deadlineKey,
  deadlinePrefix,
  jobByProviderKey,
  jobByStatusKey,
  jobByStatusPrefix,
  jobKey,
  providerKey,
  providerPrefix,
  sequenceKey,
  unbondingKey,
  unbondingPrefix,
} from "./keys.ts";
import { eligibleForJobs } from "./govApproval.ts";
import { type ComputeParams, defaultParams } from "./params.ts";
import { inferenceOutputHash, resultHash } from "./signBytes.ts";

export const MAX_MONIKER = 64;
export const MAX_ENDPOINT = 256;
export const MAX_ACCELERATOR = 64;
export const MAX_TEE_QUOTE = 16 * 1024;
/** most verdicts one vote extension may carry (VerifyVoteExtension refuses more). */
export const MAX_VERDICTS = 4096;
/** longest checkpoint chain of a training result. */
export const MAX_CHECKPOINTS = MAX_SEGMENTS + 1;

export interface RegisterProviderInput {
  provider: Bytes;
  bond: Coin;
  capabilities: Capabilities | undefined;
  attestationPubkey: Bytes;
  attestationKeyType: string;
  moniker: string;
}

export interface UpdateProviderInput {
  provider: Bytes;
  capabilities: Capabilities | undefined;
  attestationPubkey: Bytes;
  attestationKeyType: string;
  addBond: Coin | undefined;
  moniker: string;
}

export interface RequestJobInput {
  requester: Bytes;
  jobType: JobType;
  modelId: bigint;
  input: Bytes;
  inputBlobHash: Bytes;
  maxFee: Coin;
}

/** one validator's compute vote extension with its voting power (from the previous height's extended commit). */
export interface ExtensionVote {
  validator: Bytes;
  power: bigint;
  /** the compute part of the validator's vote extension (ComputeVoteExtension proto; may be empty). */
  extension: Bytes;
}

/** a submitted result awaiting the validators' replay (what ExtendVote hands to the node's verifier). */
export interface VerificationTask {
  jobId: bigint;
  jobType: JobType;
  modelId: bigint;
  /** the model's ONNX artifact hash (the blob to load). */
  onnxHash: Bytes;
  embeddingDim: number;
  /** inline input, or empty with inputBlobHash set. */
  input: Bytes;
  inputHash: Bytes;
  inputInBlob: boolean;
  result: CanonicalResult;
  resultHash: Bytes;
  /** largest per-coordinate difference (quantised units) still counted as a match. */
  embeddingTolerance: number;
  /** the block hash the task was listed under (row sampling of index jobs). */
  seed: Bytes;
  /**
   * embedding-index jobs: the rows sampled from the block hash and their inputs (int16 LE features); the
   * provider's rows are in the blob store under result.output_hash (= sha256 of all `numPoints` rows).
   */
  index?: { rows: number[]; inputs: Bytes[]; numPoints: number };
  /** training jobs: the frozen embeddings (the whole index), labels, and the job's training config (its bytes; the seed hashes them). */
  training?: { rows: Int16Array; labels: Int32Array; n: number; h: number; config: Bytes };
}

export interface ComputeKeeper {
  getParams(ctx: ReadContext): ComputeParams;
  setParams(ctx: WriteContext, p: ComputeParams): void;
  getProvider(ctx: ReadContext, addr: Bytes): Provider | undefined;
  setProvider(ctx: WriteContext, p: Provider): void;
  iterateProviders(ctx: ReadContext): AsyncIterable<Provider>;
  getJob(ctx: ReadContext, id: bigint): Job | undefined;
  /** writes a job and keeps its status / provider / deadline indexes. */
  putJob(ctx: WriteContext, j: Job): void;
  iterateJobsByStatus(ctx: ReadContext, status: JobStatus): AsyncIterable<Job>;
  getSequence(ctx: ReadContext, name: SeqName): bigint;
  setSequence(ctx: WriteContext, name: SeqName, next: bigint): void;

  registerProvider(ctx: WriteContext, input: RegisterProviderInput): void;
  updateProvider(ctx: WriteContext, input: UpdateProviderInput): void;
  unbondProvider(ctx: WriteContext, addr: Bytes): bigint;
  requestJob(ctx: WriteContext, input: RequestJobInput): bigint;
  submitResult(ctx: WriteContext, provider: Bytes, jobId: bigint, result: CanonicalResult, attestation: Bytes, teeQuote: Bytes): Bytes;

  /** EndBlock: bond releases, missed deadlines (reassign), then assignment of pending jobs from the block hash. */
  endBlock(ctx: WriteContext): Promise<void>;
  /** submitted results awaiting a verdict (ExtendVote replays these), in job id order. */
  pendingVerifications(ctx: ReadContext, seed?: Bytes): Promise<VerificationTask[]>;
  /** the stake-weighted ≥2/3 verdicts of the previous height's vote extensions. */
  applyVerdicts(ctx: WriteContext, votes: readonly ExtensionVote[], totalPower: bigint): Promise<void>;
}

export interface ComputeKeeperDeps {
  bank: ComputeBankKeeper;
  attribution: ComputeAttributionKeeper;
  /** set once in app.ts (treasury, or the fallback splitter). */
  treasury: () => TreasurySplitter;
  /** snapshot features for the sampled replay of embedding-index jobs (without it those get no task). */
  datanet?: ComputeDatanetKeeper;
  /**
   * secp256k1 attestation checks (app.ts passes the node's native verifier behind a verdict cache, so
   * DeliverTx does not redo CheckTx's check; default @noble/curves, ~2 ms per result). Same verdicts.
   */
  sigVerifier?: SigVerifier;
}

const ACTIVE_JOB = (s: JobStatus) => s === JobStatus.JOB_STATUS_ASSIGNED || s === JobStatus.JOB_STATUS_SUBMITTED;

export function decodeComputeExtension(b: Bytes): ComputeVoteExtension {
  return ComputeVoteExtension.decode(b);
}

/** stateless check of a compute vote extension (VerifyVoteExtension): decodable, bounded, job ids strictly increasing. */
export function validateComputeExtension(b: Bytes): void {
  if (b.length === 0) return;
  let ext: ComputeVoteExtension;
  try {
    ext = ComputeVoteExtension.decode(b);
  } catch {
    throw ErrInvalidField.wrap("undecodable compute vote extension");
  }
  if (ext.verdicts.length > MAX_VERDICTS) throw ErrInvalidField.wrap(`${ext.verdicts.length} verdicts, at most ${MAX_VERDICTS}`);
  let last = 0n;
  for (const v of ext.verdicts) {
    if (v.jobId <= last) throw ErrInvalidField.wrap("verdict job ids must be strictly increasing");
    last = v.jobId;
    if (v.resultHash.length !== 32) throw ErrInvalidField.wrap("verdict result_hash must be 32 bytes");
    if (v.verdict !== Verdict.VERDICT_MATCH && v.verdict !== Verdict.VERDICT_MISMATCH) throw ErrInvalidField.wrap("verdict must be MATCH or MISMATCH");
  }
}

function checkKey(type: string, key: Bytes): void {
  if (type === "secp256k1") {
    if (key.length !== 33 || (key[0] !== 2 && key[0] !== 3)) throw ErrInvalidAttestationKey.wrap("secp256k1 attestation key must be 33 bytes, compressed");
  } else if (type === "ed25519") {
    if (key.length !== 32) throw ErrInvalidAttestationKey.wrap("ed25519 attestation key must be 32 bytes");
  } else throw ErrInvalidAttestationKey.wrap(`key type "${type}" (want secp256k1 or ed25519)`);
}

/** a present TEE quote: well-formed (teeQuote.ts), report data = the result hash, signed by the provider's attestation key. */
function checkTeeQuote(quote: Bytes, resultDigest: Bytes, keyType: string, key: Bytes, verifier: SigVerifier): void {
  let q: TeeQuote;
  try {
    q = decodeTeeQuote(quote);
  } catch (e: unknown) {
    throw ErrInvalidTeeQuote.wrap(e instanceof TeeQuoteError ? e.message : "malformed");
  }
  if (!equal(q.reportData, resultDigest)) throw ErrInvalidTeeQuote.wrap("report_data is not the result hash");
  if (!verifyAttestation(keyType, key, teeQuoteDigest(q), q.signature, verifier)) throw ErrInvalidTeeQuote.wrap("not signed by the provider's attestation key");
}

export function verifyAttestation(type: string, key: Bytes, digest: Bytes, sig: Bytes, secp: SigVerifier = nobleSigVerifier): boolean {
  if (type === "secp256k1") return secp.verify(key, digest, sig);
  if (type === "ed25519") {
    if (sig.length !== 64 || key.length !== 32) return false;
    try {
      return ed25519.verify(sig, digest, key);
    } catch {
      return false;
    }
  }
  return false;
}

function checkCaps(c: Capabilities | undefined): Capabilities {
  const caps = c ?? { accelerator: "", memoryBytes: 0n, maxBatch: 0, endpoint: "" };
  if (caps.accelerator.length > MAX_ACCELERATOR) throw ErrInvalidField.wrap(`accelerator longer than ${MAX_ACCELERATOR}`);
  if (caps.endpoint.length > MAX_ENDPOINT) throw ErrInvalidField.wrap(`endpoint longer than ${MAX_ENDPOINT}`);
  if (caps.maxBatch < 1) throw ErrInvalidField.wrap("max_batch must be at least 1");
  return { ...caps };
}

const deadlineBlocks = (p: ComputeParams, t: JobType): bigint =>
  t === JobType.JOB_TYPE_INFERENCE ? p.inferenceDeadlineBlocks : t === JobType.JOB_TYPE_EMBEDDING_INDEX ? p.indexDeadlineBlocks : p.trainingDeadlineBlocks;

const coinStr = (c: { denom: string; amount: string } | undefined) => (c === undefined ? "" : `${c.amount}${c.denom}`);

/** int16 little-endian bytes → Int16Array. */
export function int16FromLE(b: Bytes): Int16Array {
  const out = new Int16Array(b.length >> 1);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = dv.getInt16(2 * i, true);
  return out;
}

export function createComputeKeeper(deps: ComputeKeeperDeps): ComputeKeeper {
  const secpVerifier = deps.sigVerifier ?? nobleSigVerifier;
  const rs = (ctx: ReadContext) => ctx.store(MODULE_NAME);
  const ws = (ctx: WriteContext) => ctx.store(MODULE_NAME);

  const modelOf = (ctx: ReadContext, id: bigint): ComputeModel => {
    const m = deps.attribution.getModel(ctx, id);
    if (m === undefined) throw ErrModelNotFound.wrap(`model ${id}`);
    return m;
  };

  const nextId = (ctx: WriteContext, name: SeqName): bigint => {
    const id = k.getSequence(ctx, name);
    k.setSequence(ctx, name, id + 1n);
    return id;
  };

  const activeProvider = (ctx: ReadContext, addr: Bytes): Provider => {
    const p = k.getProvider(ctx, addr);
    if (p === undefined) throw ErrProviderNotFound.wrap(accAddressToString(addr));
    return p;
  };

  /** reputation ± delta, clamped to [0, max]. */
  const bumpReputation = (p: Provider, delta: number, max: number): number => Math.max(0, Math.min(max, p.reputation + delta));

  /** back to PENDING (assigned at this block's end), or FAILED with a refund when out of attempts. */
  const requeue = (ctx: WriteContext, p: ComputeParams, j: Job, reason: string): void => {
    const excluded = j.provider !== "" && !j.excluded.includes(j.provider) ? [...j.excluded, j.provider] : j.excluded;
    const base: Job = { ...j, excluded, provider: "", deadlineHeight: 0n, result: undefined, attestation: new Uint8Array(0), teeQuote: new Uint8Array(0), resultHash: new Uint8Array(0), submittedHeight: 0n };
    if (j.attempts >= p.maxAttempts) fail(ctx, base, `${reason}; out of attempts (${j.attempts})`);
    else k.putJob(ctx, { ...base, status: JobStatus.JOB_STATUS_PENDING });
  };

  const fail = (ctx: WriteContext, j: Job, reason: string): void => {
    const fee = j.fee;
    if (fee !== undefined && BigInt(fee.amount) > 0n) deps.bank.sendCoinsFromModuleToAccount(ctx, ESCROW_ACCOUNT, accAddressFromString(j.requester), [{ denom: fee.denom, amount: BigInt(fee.amount) }]);
    k.putJob(ctx, { ...j, status: JobStatus.JOB_STATUS_FAILED, finishedHeight: ctx.block.height, failureReason: reason });
    emitTyped(ctx, "EventJobFailed", { jobId: j.id, reason });
  };

  /** the verdict "accepted": provider rewarded, fee paid (inference: PoA receipt + treasury split). */
  const accept = async (ctx: WriteContext, p: ComputeParams, j: Job): Promise<void> => {
    const provAddr = accAddressFromString(j.provider);
    const prov = k.getProvider(ctx, provAddr);
    if (prov !== undefined) k.setProvider(ctx, { ...prov, reputation: bumpReputation(prov, p.reputationReward, p.maxReputation), jobsAccepted: prov.jobsAccepted + 1n });
    const fee: Coin = { denom: j.fee?.denom ?? p.bondDenom, amount: BigInt(j.fee?.amount ?? "0") };
    let receiptId = 0n;
    if (j.jobType === JobType.JOB_TYPE_INFERENCE) {
      const treasury = deps.treasury();
      const data = treasury.dataPart(ctx, j.modelId, fee);
      let shares: { contributor: Bytes; amount: bigint }[] = [];
      let remainder = data;
      const r = j.result as CanonicalResult;
      try {
        const a = await deps.attribution.attributeInference(ctx, { modelId: j.modelId, queryEmbedding: int16FromLE(r.queryEmbedding), label: r.predictedLabel, fee: { denom: fee.denom, amount: data } });
        receiptId = a.receiptId;
        shares = a.shares;
        remainder = a.remainder;
      } catch (e: unknown) {
        // attribution validates before it writes: an unattributable inference pays its data part to the pool
        ctx.logger.info({ job: j.id.toString(), err: e instanceof Error ? e.message : String(e) }, "compute: inference not attributed");
      }
      await treasury.splitInferenceFee(ctx, { fromModule: ESCROW_ACCOUNT, modelId: j.modelId, receiptId, jobId: j.id, fee, provider: provAddr, contributorShares: shares, dataRemainder: remainder });
    } else {
      if (j.jobType === JobType.JOB_TYPE_EMBEDDING_INDEX) await deps.attribution.adoptIndexBuild(ctx, j.modelId, j.provider, (j.result as CanonicalResult).outputHash);
      if (fee.amount > 0n) deps.bank.sendCoinsFromModuleToAccount(ctx, ESCROW_ACCOUNT, provAddr, [fee]);
    }
    if (j.jobType === JobType.JOB_TYPE_TRAINING && j.result !== undefined) {
      // the model registry points to the trained head: its artifact, the checkpoint chain, the config run
      deps.attribution.recordTrainedHead(ctx, j.modelId, { onnxHash: j.result.trainedArtifactHash, checkpointHashes: j.result.checkpointChain, trainingConfigHash: j.inputHash });
    }
    k.putJob(ctx, { ...j, status: JobStatus.JOB_STATUS_ACCEPTED, receiptId, finishedHeight: ctx.block.height });
    emitTyped(ctx, "EventJobAccepted", { jobId: j.id, provider: j.provider, receiptId, fee: coinStr(j.fee) });
  };

  /** the verdict "wrong": provider's bond slashed (burned), reputation cut, job reassigned. */
  const reject = (ctx: WriteContext, p: ComputeParams, j: Job): void => {
    const provAddr = accAddressFromString(j.provider);
    const prov = k.getProvider(ctx, provAddr);
    let cut = 0n;
    if (prov !== undefined) {
      const bond = BigInt(prov.bond);
      cut = (bond * BigInt(p.slashFractionBps)) / 10_000n;
      if (cut > 0n) deps.bank.burnCoins(ctx, ESCROW_ACCOUNT, [{ denom: p.bondDenom, amount: cut }]);
      k.setProvider(ctx, { ...prov, bond: (bond - cut).toString(), reputation: bumpReputation(prov, -p.reputationSlashPenalty, p.maxReputation), jobsRejected: prov.jobsRejected + 1n });
    }
    emitTyped(ctx, "EventResultRejected", { jobId: j.id, provider: j.provider, slashed: `${cut}${p.bondDenom}` });
    requeue(ctx, p, j, `result of ${j.provider} rejected`);
  };

  const k: ComputeKeeper = {
    getParams(ctx) {
      const b = rs(ctx).get(PARAMS_KEY);
      return b === undefined ? defaultParams() : Params.decode(b);
    },
    setParams(ctx, p) {
      ws(ctx).set(PARAMS_KEY, Params.encode(p).finish());
    },
    getProvider(ctx, addr) {
      const b = rs(ctx).get(providerKey(addr));
      return b === undefined ? undefined : Provider.decode(b);
    },
    setProvider(ctx, p) {
      ws(ctx).set(providerKey(accAddressFromString(p.address)), Provider.encode(p).finish());
    },
    async *iterateProviders(ctx) {
      for await (const [, v] of rs(ctx).iterate({ prefix: providerPrefix() })) yield Provider.decode(v);
    },
    getJob(ctx, id) {
      const b = rs(ctx).get(jobKey(id));
      return b === undefined ? undefined : Job.decode(b);
    },
    putJob(ctx, j) {
      const st = ws(ctx);
      const prev = k.getJob(ctx, j.id);
      if (prev !== undefined) {
        if (prev.status !== j.status) st.delete(jobByStatusKey(prev.status, j.id));
        if (ACTIVE_JOB(prev.status) && prev.deadlineHeight > 0n) st.delete(deadlineKey(BigInt(prev.deadlineHeight), j.id));
      }
      st.set(jobByStatusKey(j.status, j.id), new Uint8Array(0));
      if (j.provider !== "") st.set(jobByProviderKey(accAddressFromString(j.provider), j.id), new Uint8Array(0));
      if (ACTIVE_JOB(j.status) && j.deadlineHeight > 0n) st.set(deadlineKey(BigInt(j.deadlineHeight), j.id), new Uint8Array(0));
      st.set(jobKey(j.id), Job.encode(j).finish());
    },
    async *iterateJobsByStatus(ctx, status) {
      const ids: bigint[] = [];
      const prefix = jobByStatusPrefix(status);
      for await (const [key] of rs(ctx).iterate({ prefix })) ids.push(readU64be(key, prefix.length));
      for (const id of ids) {
        const j = k.getJob(ctx, id);
        if (j !== undefined) yield j;
      }
    },
    getSequence(ctx, name) {
      const b = rs(ctx).get(sequenceKey(name));
      return b === undefined ? 1n : readU64be(b);
    },
    setSequence(ctx, name, next) {
      ws(ctx).set(sequenceKey(name), u64be(next));
    },

    registerProvider(ctx, input) {
      const p = k.getParams(ctx);
      if (k.getProvider(ctx, input.provider) !== undefined) throw ErrProviderExists.wrap(accAddressToString(input.provider));
      if (input.bond.denom !== p.bondDenom) throw ErrInsufficientBond.wrap(`bond must be in ${p.bondDenom}`);
      if (input.bond.amount < BigInt(p.minBond)) throw ErrInsufficientBond.wrap(`bond ${input.bond.amount}${input.bond.denom} < min ${p.minBond}${p.bondDenom}`);
      checkKey(input.attestationKeyType, input.attestationPubkey);
      const caps = checkCaps(input.capabilities);
      if (input.moniker.length > MAX_MONIKER) throw ErrInvalidField.wrap(`moniker longer than ${MAX_MONIKER}`);
      deps.bank.sendCoinsFromAccountToModule(ctx, input.provider, ESCROW_ACCOUNT, [input.bond]);
      const prov: Provider = {
        address: accAddressToString(input.provider),
        bond: input.bond.amount.toString(),
        capabilities: caps,
        attestationPubkey: Uint8Array.from(input.attestationPubkey),
        attestationKeyType: input.attestationKeyType,
        reputation: p.initialReputation,
        status: ProviderStatus.PROVIDER_STATUS_ACTIVE,
        unbondingHeight: 0n,
        jobsAccepted: 0n,
        jobsRejected: 0n,
        jobsMissed: 0n,
        moniker: input.moniker,
        registeredHeight: ctx.block.height,
      };
      k.setProvider(ctx, prov);
      emitTyped(ctx, "EventProviderRegistered", { provider: prov.address, bond: `${prov.bond}${p.bondDenom}` });
    },

    updateProvider(ctx, input) {
      const p = k.getParams(ctx);
      const prov = activeProvider(ctx, input.provider);
      if (prov.status !== ProviderStatus.PROVIDER_STATUS_ACTIVE) throw ErrProviderNotActive.wrap(`${prov.address} is unbonding`);
      const caps = input.capabilities === undefined ? prov.capabilities : checkCaps(input.capabilities);
      let key = prov.attestationPubkey;
      let type = prov.attestationKeyType;
      if (input.attestationPubkey.length > 0) {
        checkKey(input.attestationKeyType, input.attestationPubkey);
        key = Uint8Array.from(input.attestationPubkey);
        type = input.attestationKeyType;
      }
      if (input.moniker.length > MAX_MONIKER) throw ErrInvalidField.wrap(`moniker longer than ${MAX_MONIKER}`);
      let bond = BigInt(prov.bond);
      if (input.addBond !== undefined && input.addBond.amount > 0n) {
        if (input.addBond.denom !== p.bondDenom) throw ErrInsufficientBond.wrap(`bond must be in ${p.bondDenom}`);
        deps.bank.sendCoinsFromAccountToModule(ctx, input.provider, ESCROW_ACCOUNT, [input.addBond]);
        bond += input.addBond.amount;
      }
      const next: Provider = { ...prov, capabilities: caps, attestationPubkey: key, attestationKeyType: type, bond: bond.toString(), moniker: input.moniker === "" ? prov.moniker : input.moniker };
      k.setProvider(ctx, next);
      emitTyped(ctx, "EventProviderUpdated", { provider: next.address, bond: `${next.bond}${p.bondDenom}` });
    },

    unbondProvider(ctx, addr) {
      const p = k.getParams(ctx);
      const prov = activeProvider(ctx, addr);
      if (prov.status !== ProviderStatus.PROVIDER_STATUS_ACTIVE) throw ErrProviderNotActive.wrap(`${prov.address} is already unbonding`);
      const release = ctx.block.height + p.unbondingBlocks;
      k.setProvider(ctx, { ...prov, status: ProviderStatus.PROVIDER_STATUS_UNBONDING, unbondingHeight: release });
      ws(ctx).set(unbondingKey(release, addr), new Uint8Array(0));
      emitTyped(ctx, "EventProviderUnbonding", { provider: prov.address, releaseHeight: release });
      return release;
    },

    requestJob(ctx, input) {
      const p = k.getParams(ctx);
      if (input.jobType !== JobType.JOB_TYPE_INFERENCE && input.jobType !== JobType.JOB_TYPE_EMBEDDING_INDEX && input.jobType !== JobType.JOB_TYPE_TRAINING) throw ErrUnsupportedJobType.wrap(String(input.jobType));
      const m = modelOf(ctx, input.modelId);
      if (input.jobType === JobType.JOB_TYPE_INFERENCE && !m.indexComplete) throw ErrModelNotReady.wrap(`model ${m.id}: the embedding index is not complete`);
      let jobInput = input.input;
      if (input.jobType === JobType.JOB_TYPE_TRAINING) {
        // the trained head replaces the model's (accept → attribution.recordTrainedHead): its owner's call
        if (m.owner !== accAddressToString(input.requester)) throw ErrNotModelOwner.wrap(`${accAddressToString(input.requester)} does not own model ${m.id}`);
        if (!m.indexComplete) throw ErrModelNotReady.wrap(`model ${m.id}: training needs the complete embedding index`);
        if (input.inputBlobHash.length > 0) throw ErrInvalidInput.wrap("a training job's config goes inline (input), not in a blob");
        // empty: the default config, stored encoded (the job's input hash is sha256 of the config it runs)
        if (jobInput.length === 0) jobInput = encodeTrainingConfig(DEFAULT_TRAINING_CONFIG);
        try {
          checkTrainingJob(decodeTrainingConfig(jobInput), Number(m.numPoints), m.embeddingDim);
        } catch (e: unknown) {
          if (e instanceof TrainingConfigError) throw ErrInvalidInput.wrap(`training config: ${e.message}`);
          throw e;
        }
      }
      if (input.jobType === JobType.JOB_TYPE_EMBEDDING_INDEX && m.indexComplete) throw ErrIndexComplete.wrap(`model ${m.id} already has a complete embedding index`);
      if (input.maxFee.denom !== p.bondDenom) throw ErrFeeTooLow.wrap(`fee must be in ${p.bondDenom}`);
      if (input.maxFee.amount < BigInt(p.minInferenceFee)) throw ErrFeeTooLow.wrap(`fee ${input.maxFee.amount}${input.maxFee.denom} < min ${p.minInferenceFee}${p.bondDenom}`);
      let inputHash: Bytes;
      let inBlob = false;
      if (input.inputBlobHash.length > 0) {
        if (input.input.length > 0) throw ErrInvalidInput.wrap("give input bytes or a blob hash, not both");
        if (input.inputBlobHash.length !== 32) throw ErrInvalidInput.wrap("input_blob_hash must be a 32-byte sha256");
        inputHash = Uint8Array.from(input.inputBlobHash);
        inBlob = true;
      } else {
        if (input.jobType === JobType.JOB_TYPE_INFERENCE && (input.input.length === 0 || input.input.length % 4 !== 0)) throw ErrInvalidInput.wrap("inference input must be float32 little-endian features");
        if (jobInput.length > p.maxInputBytes) throw ErrInvalidInput.wrap(`input of ${jobInput.length} bytes, at most ${p.maxInputBytes}`);
        inputHash = sha256(jobInput);
      }
      if (input.maxFee.amount > 0n) deps.bank.sendCoinsFromAccountToModule(ctx, input.requester, ESCROW_ACCOUNT, [input.maxFee]);
      const id = nextId(ctx, "job");
      const j: Job = {
        id,
        jobType: input.jobType,
        requester: accAddressToString(input.requester),
        modelId: m.id,
        input: Uint8Array.from(jobInput),
        inputHash,
        inputInBlob: inBlob,
        fee: { denom: input.maxFee.denom, amount: input.maxFee.amount.toString() },
        status: JobStatus.JOB_STATUS_PENDING,
        provider: "",
        createdHeight: ctx.block.height,
        assignedHeight: 0n,
        deadlineHeight: 0n,
        attempts: 0,
        result: undefined,
        attestation: new Uint8Array(0),
        teeQuote: new Uint8Array(0),
        submittedHeight: 0n,
        resultHash: new Uint8Array(0),
        receiptId: 0n,
        finishedHeight: 0n,
        failureReason: "",
        excluded: [],
        // what the job runs against (a training job accepted meanwhile may move the model to a new head)
        modelArtifactHash: Uint8Array.from(m.onnxHash),
        checkpointHash: Uint8Array.from(m.checkpointHashes[m.checkpointHashes.length - 1] ?? new Uint8Array(0)),
      };
      k.putJob(ctx, j);
      emitTyped(ctx, "EventJobRequested", { jobId: id, jobType: jobTypeName(input.jobType), requester: j.requester, modelId: m.id, fee: coinStr(j.fee) });
      return id;
    },

    submitResult(ctx, provider, jobId, result, attestation, teeQuote) {
      const p = k.getParams(ctx);
      const j = k.getJob(ctx, jobId);
      if (j === undefined) throw ErrJobNotFound.wrap(`job ${jobId}`);
      const who = accAddressToString(provider);
      if (j.status !== JobStatus.JOB_STATUS_ASSIGNED) throw ErrInvalidJobStatus.wrap(`job ${jobId} is ${jobStatusName(j.status)}, not assigned`);
      if (j.provider !== who) throw ErrNotAssigned.wrap(`job ${jobId} is assigned to ${j.provider}`);
      if (ctx.block.height > j.deadlineHeight) throw ErrDeadlinePassed.wrap(`deadline ${j.deadlineHeight}, height ${ctx.block.height}`);
      if (teeQuote.length > MAX_TEE_QUOTE) throw ErrInvalidField.wrap(`tee_quote longer than ${MAX_TEE_QUOTE} bytes`);
      const prov = activeProvider(ctx, provider);
      const m = modelOf(ctx, j.modelId);
      // the model's artifact and last checkpoint as recorded when the job was requested (jobs from before
      // that record: the model's current ones)
      const artifact = j.modelArtifactHash.length > 0 ? j.modelArtifactHash : m.onnxHash;
      if (!equal(result.modelArtifactHash, artifact)) throw ErrInvalidResult.wrap(`model_artifact_hash is not the job's artifact ${toHex(artifact)} (model ${m.id} when requested)`);
      const lastCheckpoint = j.modelArtifactHash.length > 0 ? j.checkpointHash : (m.checkpointHashes[m.checkpointHashes.length - 1] ?? new Uint8Array(0));
      if (!equal(result.checkpointHash, lastCheckpoint)) throw ErrInvalidResult.wrap("checkpoint_hash is not the model's last checkpoint when the job was requested");
      if (!equal(result.inputHash, j.inputHash)) throw ErrInvalidResult.wrap("input_hash is not the job's input hash");
      if (result.outputHash.length !== 32) throw ErrInvalidResult.wrap("output_hash must be 32 bytes");
      if (j.jobType === JobType.JOB_TYPE_INFERENCE) {
        if (result.queryEmbedding.length !== 2 * m.embeddingDim) throw ErrInvalidResult.wrap(`query_embedding must hold ${m.embeddingDim} int16 values`);
        if (!equal(result.outputHash, inferenceOutputHash(result.queryEmbedding, result.predictedLabel))) throw ErrInvalidResult.wrap("output_hash is not sha256 of the embedding and label");
        if (result.predictedLabel > 0x7fffffff) throw ErrInvalidResult.wrap("predicted_label out of range");
      } else if (j.jobType === JobType.JOB_TYPE_EMBEDDING_INDEX) {
        // the provider computed every row; output_hash = sha256 of them all (int16 LE, leaf order) = their blob's
        // hash. Validators replay rows sampled from the block hash against that blob (ExtendVote).
        if (m.indexComplete) throw ErrIndexComplete.wrap(`model ${m.id} already has a complete embedding index`);
        if (result.predictedLabel !== 0 || result.queryEmbedding.length > 0 || result.checkpointChain.length > 0 || result.trainedArtifactHash.length > 0) throw ErrInvalidResult.wrap("an embedding-index result carries only output_hash");
      } else if (j.jobType === JobType.JOB_TYPE_TRAINING) {
        // a head trained on the frozen index: the checkpoint chain is replayed segment by segment by validators
        if (!m.indexComplete) throw ErrModelNotReady.wrap(`model ${m.id}: training needs the complete embedding index`);
        const chain = result.checkpointChain;
        if (chain.length < 2 || chain.length > MAX_CHECKPOINTS) throw ErrInvalidResult.wrap(`checkpoint_chain of ${chain.length} hashes (2 … ${MAX_CHECKPOINTS})`);
        if (chain.some((c) => c.length !== 32)) throw ErrInvalidResult.wrap("each checkpoint hash is 32 bytes");
        if (!equal(result.outputHash, sha256(concat(...chain)))) throw ErrInvalidResult.wrap("output_hash of a training job must be sha256 of its checkpoint chain");
        let segments: number;
        try {
          segments = decodeTrainingConfig(j.input).segments;
        } catch {
          throw ErrInvalidResult.wrap(`job ${jobId} has no valid training config`);
        }
        if (chain.length !== segments + 1) throw ErrInvalidResult.wrap(`checkpoint_chain of ${chain.length} hashes; the job's config has ${segments} segments (${segments + 1} checkpoints)`);
        if (result.trainedArtifactHash.length !== 32) throw ErrInvalidResult.wrap("trained_artifact_hash (the ONNX artifact with the trained head) must be 32 bytes");
      }
      if (j.jobType !== JobType.JOB_TYPE_TRAINING && (result.trainedArtifactHash.length > 0 || result.checkpointChain.length > 0)) throw ErrInvalidResult.wrap("only training results carry a checkpoint chain and a trained artifact");
      const digest = resultHash(ctx.block.chainId, jobId, result);
      if (!verifyAttestation(prov.attestationKeyType, prov.attestationPubkey, digest, attestation, secpVerifier)) throw ErrInvalidAttestation.wrap(`job ${jobId}: not signed by ${who}'s attestation key`);
      if (teeQuote.length > 0) checkTeeQuote(teeQuote, digest, prov.attestationKeyType, prov.attestationPubkey, secpVerifier);
      k.putJob(ctx, {
        ...j,
        status: JobStatus.JOB_STATUS_SUBMITTED,
        result: { ...result },
        attestation: Uint8Array.from(attestation),
        teeQuote: Uint8Array.from(teeQuote),
        submittedHeight: ctx.block.height,
        resultHash: digest,
        // the verification window: validators vote in the next block's extensions
        deadlineHeight: ctx.block.height + deadlineBlocks(p, j.jobType),
      });
      emitTyped(ctx, "EventResultSubmitted", { jobId, provider: who, resultHash: toHex(digest) });
      return digest;
    },

    async endBlock(ctx) {
      const p = k.getParams(ctx);
      const h = ctx.block.height;
      const st = ws(ctx);
      // 1. bond releases of unbonding providers
      const released: Bytes[] = [];
      for await (const [key] of st.iterate({ prefix: unbondingPrefix() })) {
        if (readU64be(key, 1) > h) break;
        released.push(key);
      }
      for (const key of released) {
        st.delete(key);
        const addr = key.subarray(1 + 8 + 1);
        const prov = k.getProvider(ctx, addr);
        if (prov === undefined) continue;
        const bond = BigInt(prov.bond);
        if (bond > 0n) deps.bank.sendCoinsFromModuleToAccount(ctx, ESCROW_ACCOUNT, addr, [{ denom: p.bondDenom, amount: bond }]);
        st.delete(providerKey(addr));
        emitTyped(ctx, "EventProviderBondReleased", { provider: prov.address, amount: `${bond}${p.bondDenom}` });
      }
      // 2. deadlines: a silent provider loses reputation and its job; an unverified result is retried elsewhere
      const due: bigint[] = [];
      for await (const [key] of st.iterate({ prefix: deadlinePrefix() })) {
        if (readU64be(key, 1) >= h) break;
        due.push(readU64be(key, 9));
      }
      for (const id of due) {
        const j = k.getJob(ctx, id);
        if (j === undefined || !ACTIVE_JOB(j.status)) continue;
        if (j.status === JobStatus.JOB_STATUS_ASSIGNED) {
          const addr = accAddressFromString(j.provider);
          const prov = k.getProvider(ctx, addr);
          if (prov !== undefined) k.setProvider(ctx, { ...prov, reputation: bumpReputation(prov, -p.reputationMissPenalty, p.maxReputation), jobsMissed: prov.jobsMissed + 1n });
          emitTyped(ctx, "EventJobMissed", { jobId: id, provider: j.provider });
          requeue(ctx, p, j, `${j.provider} missed the deadline`);
        } else {
          requeue(ctx, p, j, "no ≥2/3 verdict before the verification deadline");
        }
      }
      // 3. assignment: weighted by bond × reputation, drawn from the block hash
      const providers: Provider[] = [];
      // governance: suspended providers, and unapproved ones when approval is required, get no new jobs (govApproval.ts)
      for await (const prov of k.iterateProviders(ctx)) if (prov.status === ProviderStatus.PROVIDER_STATUS_ACTIVE && eligibleForJobs(ctx, prov.address)) providers.push(prov);
      const pending: Job[] = [];
      for await (const j of k.iterateJobsByStatus(ctx, JobStatus.JOB_STATUS_PENDING)) pending.push(j);
      for (const j of pending) {
        const cands = providers.filter((x) => !j.excluded.includes(x.address));
        const chosen = chooseProvider(cands, ctx.block.hash, j.id, j.attempts);
        if (chosen === undefined) {
          if (h >= j.createdHeight + deadlineBlocks(p, j.jobType) * BigInt(p.maxAttempts)) fail(ctx, j, "no eligible provider");
          continue;
        }
        const deadline = h + deadlineBlocks(p, j.jobType);
        k.putJob(ctx, { ...j, status: JobStatus.JOB_STATUS_ASSIGNED, provider: chosen.address, assignedHeight: h, deadlineHeight: deadline, attempts: j.attempts + 1 });
        emitTyped(ctx, "EventJobAssigned", { jobId: j.id, provider: chosen.address, deadlineHeight: deadline, attempt: j.attempts + 1 });
      }
    },

    async pendingVerifications(ctx, seed) {
      const p = k.getParams(ctx);
      const out: VerificationTask[] = [];
      for await (const j of k.iterateJobsByStatus(ctx, JobStatus.JOB_STATUS_SUBMITTED)) {
        const m = deps.attribution.getModel(ctx, j.modelId);
        if (m === undefined || j.result === undefined) continue;
        let index: VerificationTask["index"];
        if (j.jobType === JobType.JOB_TYPE_EMBEDDING_INDEX) {
          if (deps.datanet === undefined) continue;
          const rows = deps.attribution.sampleIndexRows(ctx, m.id, seed ?? ctx.block.hash, p.indexSampleRows);
          index = { rows, inputs: await deps.datanet.snapshotRowFeatures(ctx, m.snapshotId, rows), numPoints: Number(m.numPoints) };
        }
        let training: VerificationTask["training"];
        if (j.jobType === JobType.JOB_TYPE_TRAINING) {
          if (deps.datanet === undefined || !m.indexComplete) continue;
          const n = Number(m.numPoints);
          const all = Array.from({ length: n }, (_, i) => i);
          training = { rows: await deps.attribution.getIndexRows(ctx, m.id, all), labels: await deps.datanet.snapshotLabels(ctx, m.snapshotId), n, h: m.embeddingDim, config: j.input };
        }
        out.push({
          ...(training !== undefined ? { training } : {}),
          ...(index !== undefined ? { index } : {}),
          jobId: j.id,
          jobType: j.jobType,
          modelId: j.modelId,
          // the artifact the result was computed with (= the model's at submission; a training job accepted
          // since then may have moved the model to a new head)
          onnxHash: j.result.modelArtifactHash,
          embeddingDim: m.embeddingDim,
          input: j.input,
          inputHash: j.inputHash,
          inputInBlob: j.inputInBlob,
          result: j.result,
          resultHash: j.resultHash,
          embeddingTolerance: p.embeddingTolerance,
          seed: seed ?? ctx.block.hash,
        });
      }
      return out;
    },

    async applyVerdicts(ctx, votes, totalPower) {
      if (totalPower <= 0n) return;
      const p = k.getParams(ctx);
      // per job: power for MATCH and for MISMATCH of the job's current result hash; one count per validator
      const tally = new Map<bigint, { hash: Bytes; match: bigint; mismatch: bigint }>();
      for (const v of votes) {
        if (v.power <= 0n || v.extension.length === 0) continue;
        let ext: ComputeVoteExtension;
        try {
          validateComputeExtension(v.extension);
          ext = ComputeVoteExtension.decode(v.extension);
        } catch {
          continue; // VerifyVoteExtension refused such extensions; never count them
        }
        for (const vd of ext.verdicts) {
          const t = tally.get(vd.jobId) ?? { hash: vd.resultHash, match: 0n, mismatch: 0n };
          if (!tally.has(vd.jobId)) tally.set(vd.jobId, t);
          if (!equal(t.hash, vd.resultHash)) continue;
          if (vd.verdict === Verdict.VERDICT_MATCH) t.match += v.power;
          else t.mismatch += v.power;
        }
      }
      const ids = [...tally.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (const id of ids) {
        const t = tally.get(id) as { hash: Bytes; match: bigint; mismatch: bigint };
        const j = k.getJob(ctx, id);
        if (j === undefined || j.status !== JobStatus.JOB_STATUS_SUBMITTED || !equal(j.resultHash, t.hash)) continue;
        if (t.match * 3n > totalPower * 2n) await accept(ctx, p, j);
        else if (t.mismatch * 3n > totalPower * 2n) reject(ctx, p, j);
      }
    },
  };
  return Object.freeze(k);
}

/**
 * Weighted draw without floats: weights w_i = bond_i × reputation_i (providers in address byte order,
 * as stored), r = sha256(block hash ‖ u64be(job id) ‖ u64be(attempt)) mod Σw, the first provider whose
 * cumulative weight exceeds r. Undefined when no provider has weight.
 */
export function chooseProvider(providers: readonly Provider[], blockHash: Bytes, jobId: bigint, attempt: number): Provider | undefined {
  const ws = providers.map((x) => BigInt(x.bond) * BigInt(x.reputation));
  const total = ws.reduce((a, b) => a + b, 0n);
  if (total <= 0n) return undefined;
  const seed = sha256(concat(lengthPrefixed(blockHash), u64be(jobId), u64be(BigInt(attempt))));
  let r = 0n;
  for (const b of seed) r = (r << 8n) | BigInt(b);
  r %= total;
  let acc = 0n;
  for (let i = 0; i < providers.length; i++) {
    acc += ws[i] as bigint;
    if (r < acc) return providers[i];
  }
  return undefined;
}

export function jobTypeName(t: JobType): string {
  return t === JobType.JOB_TYPE_INFERENCE ? "inference" : t === JobType.JOB_TYPE_EMBEDDING_INDEX ? "embedding-index" : t === JobType.JOB_TYPE_TRAINING ? "training" : "unspecified";
}

export function jobStatusName(s: JobStatus): string {
  const names: Record<number, string> = { 1: "pending", 2: "assigned", 3: "submitted", 4: "accepted", 5: "failed" };
  return names[s] ?? "unspecified";
}

void PREFIX;
