/** attribution genesis: params, models, embedding chunks, receipts, sequences, reputations, audit reports (proto-JSON, snake_case keys). */
import { accAddressFromString } from "../core/address.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import { AppError } from "../core/errors.ts";
import { GenesisState } from "../../proto/gen/openledger/attribution/v1/genesis.ts";
import { AuditReport, EmbeddingChunk, Model, Receipt, Reputation } from "../../proto/gen/openledger/attribution/v1/types.ts";
import { ErrInvalidGenesis } from "./errors.ts";
import type { AttributionKeeper } from "./keeper.ts";
import { MODULE_NAME, PREFIX } from "./keys.ts";
import { defaultParams, validateParams } from "./params.ts";
import { snakeKeys } from "../core/protoJson.ts";

export type AttributionGenesis = GenesisState;

export function defaultGenesis(): AttributionGenesis {
  return { params: defaultParams(), models: [], chunks: [], receipts: [], nextModelId: 1n, nextReceiptId: 1n, reputations: [], audits: [] };
}

const fail = (m: string): never => {
  throw ErrInvalidGenesis.wrap(m);
};

export function validateGenesis(g: AttributionGenesis): void {
  try {
    validateParams(g.params ?? fail("params are required"));
  } catch (e: unknown) {
    fail(e instanceof AppError ? e.log : String(e));
  }
  const models = new Map<bigint, Model>();
  for (const m of g.models) {
    if (m.id < 1n || m.id >= g.nextModelId) fail(`model ${m.id}: id outside [1, next_model_id)`);
    if (models.has(m.id)) fail(`duplicate model ${m.id}`);
    try {
      accAddressFromString(m.owner);
    } catch {
      fail(`model ${m.id}: invalid owner`);
    }
    if (m.embeddingDim < 1) fail(`model ${m.id}: embedding_dim must be positive`);
    models.set(m.id, m);
  }
  const covered = new Map<bigint, bigint>();
  for (const c of g.chunks) {
    const m = models.get(c.modelId) ?? fail(`chunk of unknown model ${c.modelId}`);
    if (c.start !== (covered.get(c.modelId) ?? 0n)) fail(`model ${c.modelId}: chunk at ${c.start} out of order`);
    if (c.vectors.length !== 2 * m.embeddingDim * c.count) fail(`model ${c.modelId}: chunk at ${c.start} has a wrong size`);
    covered.set(c.modelId, c.start + BigInt(c.count));
  }
  for (const m of g.models) if ((covered.get(m.id) ?? 0n) !== m.indexedPoints) fail(`model ${m.id}: chunks cover ${covered.get(m.id) ?? 0n} vectors, indexed_points ${m.indexedPoints}`);
  const receipts = new Set<bigint>();
  for (const r of g.receipts) {
    if (r.id < 1n || r.id >= g.nextReceiptId) fail(`receipt ${r.id}: id outside [1, next_receipt_id)`);
    if (receipts.has(r.id)) fail(`duplicate receipt ${r.id}`);
    receipts.add(r.id);
    if (!models.has(r.modelId)) fail(`receipt ${r.id}: unknown model ${r.modelId}`);
    let sum = BigInt(r.remainder === "" ? "0" : r.remainder);
    for (const s of r.shares) {
      try {
        accAddressFromString(s.contributor);
      } catch {
        fail(`receipt ${r.id}: invalid contributor`);
      }
      sum += BigInt(s.amount);
    }
    if (sum !== BigInt(r.fee?.amount ?? "0")) fail(`receipt ${r.id}: shares + remainder ≠ fee`);
  }
  const reps = new Set<string>();
  for (const r of g.reputations) {
    try {
      accAddressFromString(r.contributor);
    } catch {
      fail(`reputation: invalid contributor ${JSON.stringify(r.contributor.slice(0, 90))}`);
    }
    if (reps.has(r.contributor)) fail(`duplicate reputation ${r.contributor}`);
    reps.add(r.contributor);
    if (r.flaggedPoints > r.auditedPoints) fail(`reputation ${r.contributor}: flagged_points > audited_points`);
    for (const v of [r.paidValue, r.negativeValue, r.auditValue]) if (!/^-?[0-9]+$/.test(v === "" ? "0" : v)) fail(`reputation ${r.contributor}: value ${JSON.stringify(v)} is not an integer`);
  }
  const audited = new Set<bigint>();
  for (const a of g.audits) {
    if (!models.has(a.modelId)) fail(`audit report of unknown model ${a.modelId}`);
    if (audited.has(a.modelId)) fail(`duplicate audit report of model ${a.modelId}`);
    audited.add(a.modelId);
  }
}

export async function initGenesis(ctx: WriteContext, k: AttributionKeeper, g: AttributionGenesis): Promise<void> {
  validateGenesis(g);
  k.setParams(ctx, g.params ?? defaultParams());
  for (const m of g.models) k.setModel(ctx, m);
  for (const c of g.chunks) k.setChunk(ctx, c);
  for (const r of g.receipts) k.setReceipt(ctx, r);
  k.setSequence(ctx, "model", g.nextModelId);
  k.setSequence(ctx, "receipt", g.nextReceiptId);
  for (const r of g.reputations) k.setReputation(ctx, r);
  for (const a of g.audits) k.setAuditReport(ctx, a);
}

export async function exportGenesis(ctx: ReadContext, k: AttributionKeeper): Promise<AttributionGenesis> {
  const st = ctx.store(MODULE_NAME);
  const all = async <T>(prefix: number, dec: (b: Uint8Array) => T): Promise<T[]> => {
    const out: T[] = [];
    for await (const [, v] of st.iterate({ prefix: Uint8Array.of(prefix) })) out.push(dec(v));
    return out;
  };
  return {
    params: k.getParams(ctx),
    models: await all(PREFIX.model, (b) => Model.decode(b)),
    chunks: await all(PREFIX.chunk, (b) => EmbeddingChunk.decode(b)),
    receipts: await all(PREFIX.receipt, (b) => Receipt.decode(b)),
    nextModelId: k.getSequence(ctx, "model"),
    nextReceiptId: k.getSequence(ctx, "receipt"),
    reputations: await all(PREFIX.reputation, (b) => Reputation.decode(b)),
    audits: await all(PREFIX.audit, (b) => AuditReport.decode(b)),
  };
}


export function genesisToJson(g: AttributionGenesis): unknown {
  return snakeKeys(GenesisState.toJSON(g));
}

export function genesisFromJson(j: unknown): AttributionGenesis {
  const g = GenesisState.fromJSON(j ?? {});
  const one = (x: bigint) => (x === 0n ? 1n : x);
  return { ...g, params: g.params ?? defaultParams(), nextModelId: one(g.nextModelId), nextReceiptId: one(g.nextReceiptId) };
}
