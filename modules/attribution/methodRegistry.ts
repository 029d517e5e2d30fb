/**
 * PoA method registry (issue 6 item 3). Governance activates a method version at a height
 * (MsgActivateMethod, gov authority); BeginBlock of that height switches params.active_method. For
 * `shadow_epochs` epochs before it, every attributed inference is also computed with the scheduled
 * method: the receipt (and the payment) use the active method, a ShadowReceipt stores the shadow result,
 * and EventShadowAttribution reports both. Receipts name the version that computed them, forever.
 *
 * Store (namespace attribution/): 0x10 → MethodSchedule (at most one pending), 0x11 | u64 receipt id →
 * ShadowReceipt, 0x12 | u64 height → MethodActivation (history).
 */
import { queryGas } from "./gas.ts";
import type { Bytes } from "../core/abci.ts";
import { accAddressToString } from "../core/address.ts";
import { concat, equal, u64be } from "../core/bytes.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import { ErrUnauthorized } from "../core/errors.ts";
import type { MsgHandler, QueryHandler } from "../core/module.ts";
import type { QueryContext } from "../core/context.ts";
import { grpcError } from "../core/errors.ts";
import type { MethodVersion, Params } from "../../proto/gen/openledger/attribution/v1/types.ts";
import {
  MethodActivation,
  MethodSchedule,
  MsgActivateMethod,
  MsgActivateMethodResponse,
  QueryMethodsRequest,
  QueryMethodsResponse,
  QueryShadowReceiptRequest,
  QueryShadowReceiptResponse,
  RegistryGenesis,
  ShadowReceipt,
} from "../../proto/gen/openledger/attribution/v1/registry.ts";
import { attributeQuery, type Valuation } from "./engine/index.ts";
import { attributeQueryV2, type MethodAttribution, METHODS_V2 } from "./engine/attributeV2.ts";
import { METHODS } from "./engine/methods.ts";
import { ErrInvalidField, ErrUnsupportedMethod } from "./errors.ts";
import { emitTyped } from "./events.ts";
import { MODULE_NAME, PARAMS_KEY } from "./keys.ts";
import { merkleRoot, pointLeafHash } from "./merkle.ts";
import { msgAddress } from "../core/protoHandlers.ts";
import { snakeKeys } from "../core/protoJson.ts";

type Impl = (v: Valuation, q: Int16Array, label: number, p: { k: number; kPrime: number; dust: number }, fee: bigint, excluded?: ReadonlySet<number>) => MethodAttribution;

/** every per-inference method version this binary implements. */
const IMPLS = new Map<string, Impl>([
  [`${METHODS.poaPipeline.method}@${METHODS.poaPipeline.version}`, attributeQuery],
  [`${METHODS_V2.poaPipelineV2.method}@${METHODS_V2.poaPipelineV2.version}`, attributeQueryV2],
]);

export const REGISTERED_METHODS: readonly MethodVersion[] = Object.freeze([
  { method: METHODS.poaPipeline.method, version: METHODS.poaPipeline.version },
  { method: METHODS_V2.poaPipelineV2.method, version: METHODS_V2.poaPipelineV2.version },
]);

export function methodImpl(m: MethodVersion | undefined): Impl {
  const f = m === undefined ? undefined : IMPLS.get(`${m.method}@${m.version}`);
  if (f === undefined) throw ErrUnsupportedMethod.wrap(`${m?.method ?? ""} v${m?.version ?? 0}`);
  return f;
}

const SCHEDULE_KEY: Bytes = Uint8Array.of(0x10);
const shadowKey = (receiptId: bigint): Bytes => concat(Uint8Array.of(0x11), u64be(receiptId));
const historyPrefix: Bytes = Uint8Array.of(0x12);
const historyKey = (h: bigint): Bytes => concat(historyPrefix, u64be(h));

export function getSchedule(ctx: ReadContext): MethodSchedule | undefined {
  const b = ctx.store(MODULE_NAME).get(SCHEDULE_KEY);
  return b === undefined ? undefined : MethodSchedule.decode(b);
}

/** the method that runs in shadow at this height (the scheduled one, inside its window), if any. */
export function shadowMethod(ctx: ReadContext): MethodVersion | undefined {
  const s = getSchedule(ctx);
  if (s === undefined) return undefined;
  const h = ctx.block.height;
  return h >= s.shadowStartHeight && h < s.activationHeight ? s.method : undefined;
}

/** BeginBlock: applies a scheduled activation whose height has come. */
export function applyScheduledActivation(ctx: WriteContext, get: (ctx: ReadContext) => Params, set: (ctx: WriteContext, p: Params) => void): void {
  const s = getSchedule(ctx);
  if (s === undefined || ctx.block.height < s.activationHeight || s.method === undefined) return;
  const p = get(ctx);
  const from = p.activeMethod ?? { method: "", version: 0 };
  set(ctx, { ...p, activeMethod: { ...s.method } });
  const st = ctx.store(MODULE_NAME);
  st.delete(SCHEDULE_KEY);
  st.set(historyKey(ctx.block.height), MethodActivation.encode({ from, to: s.method, height: ctx.block.height }).finish());
  emitTyped(ctx, "EventMethodActivated", { fromMethod: from.method, fromVersion: from.version, method: s.method.method, version: s.method.version, height: ctx.block.height });
}

export interface ShadowInput {
  receiptId: bigint;
  modelId: bigint;
  active: MethodVersion;
  activeShares: { contributor: string; amount: string }[];
  valuation: Valuation;
  contributors: readonly Bytes[];
  query: Int16Array;
  label: number;
  params: { k: number; kPrime: number; dust: number };
  fee: bigint;
  /** original indices of paid points that must not be paid (slashed after the snapshot). */
  excludedOf?: (points: readonly { index: number }[]) => ReadonlySet<number>;
}

/** inside a shadow window: computes the scheduled method beside the active one, stores and reports it. */
export function recordShadow(ctx: WriteContext, i: ShadowInput): void {
  const shadow = shadowMethod(ctx);
  if (shadow === undefined || (shadow.method === i.active.method && shadow.version === i.active.version)) return;
  const run = methodImpl(shadow);
  // the shadow run is engine work like the active one (gas.ts), charged before it runs
  ctx.gas.consume(queryGas(BigInt(i.valuation.index.n), i.valuation.index.d), "attribution: shadow method");
  let a = run(i.valuation, i.query, i.label, i.params, i.fee);
  const excluded = i.excludedOf?.(a.points);
  if (excluded !== undefined && excluded.size > 0) a = run(i.valuation, i.query, i.label, i.params, i.fee, excluded);
  const addrOf = (id: number) => i.contributors[id] as Bytes;
  const shadowShares = a.shares.map((s) => ({ contributor: accAddressToString(addrOf(s.contributor)), amount: s.amount.toString() }));
  const r: ShadowReceipt = {
    receiptId: i.receiptId,
    modelId: i.modelId,
    active: i.active,
    shadow,
    activeShares: i.activeShares,
    shadowShares,
    shadowRemainder: a.remainder.toString(),
    shadowPointsRoot: merkleRoot(a.points.map((p) => pointLeafHash(BigInt(p.index), p.value, addrOf(p.contributor)))),
    shadowPoints: a.points.map((p) => ({ index: BigInt(p.index), contributor: accAddressToString(addrOf(p.contributor)), value: p.value.toString(), excluded: p.excluded })),
    height: ctx.block.height,
  };
  ctx.store(MODULE_NAME).set(shadowKey(i.receiptId), ShadowReceipt.encode(r).finish());
  emitTyped(ctx, "EventShadowAttribution", {
    receiptId: i.receiptId,
    activeMethod: i.active.method,
    activeVersion: i.active.version,
    shadowMethod: shadow.method,
    shadowVersion: shadow.version,
    activeShares: JSON.stringify(i.activeShares),
    shadowShares: JSON.stringify(shadowShares),
  });
}

const addr = msgAddress;

export function createRegistryMsgHandlers(authority: Bytes, get: (ctx: ReadContext) => Params): MsgHandler[] {
  const activate: MsgHandler<MsgActivateMethod, MsgActivateMethodResponse> = {
    typeUrl: "/openledger.attribution.v1.MsgActivateMethod",
    responseTypeUrl: "/openledger.attribution.v1.MsgActivateMethodResponse",
    decode: (b) => MsgActivateMethod.decode(b),
    encodeResponse: (r) => MsgActivateMethodResponse.encode(r).finish(),
    signers: (m) => [addr(m.authority, "authority")],
    validateBasic(m) {
      addr(m.authority, "authority");
      methodImpl(m.method);
      if (m.activationHeight <= 0n) throw ErrInvalidField.wrap("activation_height must be positive");
      if (m.shadowEpochs > 100) throw ErrInvalidField.wrap("shadow_epochs must be at most 100");
    },
    async handle(ctx, m) {
      if (!equal(addr(m.authority, "authority"), authority)) throw ErrUnauthorized.wrap(`invalid authority; expected ${accAddressToString(authority)}, got ${m.authority}`);
      const method = m.method as MethodVersion;
      methodImpl(method);
      const active = get(ctx).activeMethod;
      if (active !== undefined && active.method === method.method && active.version === method.version) throw ErrInvalidField.wrap(`${method.method} v${method.version} is already active`);
      const shadowStart = m.activationHeight - BigInt(m.shadowEpochs) * ctx.runtimeParams.epochBlocks;
      // the whole shadow window (and the activation) lies in the future
      if (shadowStart <= ctx.block.height) throw ErrInvalidField.wrap(`activation_height ${m.activationHeight} − ${m.shadowEpochs} epoch(s) of ${ctx.runtimeParams.epochBlocks} blocks = ${shadowStart} is not after the current height ${ctx.block.height}`);
      const s: MethodSchedule = { method: { method: method.method, version: method.version }, activationHeight: m.activationHeight, shadowStartHeight: shadowStart, scheduledHeight: ctx.block.height };
      ctx.store(MODULE_NAME).set(SCHEDULE_KEY, MethodSchedule.encode(s).finish());
      emitTyped(ctx, "EventMethodScheduled", { method: method.method, version: method.version, activationHeight: m.activationHeight, shadowStartHeight: shadowStart });
      return { shadowStartHeight: shadowStart };
    },
  };
  return [activate] as MsgHandler[];
}

export function createRegistryQueries(get: (ctx: ReadContext) => Params): QueryHandler[] {
  const q = <Q, R>(name: string, req: { decode(b: Uint8Array): Q }, res: { encode(r: R): { finish(): Uint8Array } }, handle: (ctx: QueryContext, r: Q) => Promise<R>): QueryHandler<Q, R> => ({
    path: `/openledger.attribution.v1.Query/${name}`,
    decode: (b) => req.decode(b),
    encode: (r) => res.encode(r).finish(),
    handle,
  });
  return [
    q("Methods", QueryMethodsRequest, QueryMethodsResponse, async (ctx) => {
      const history: MethodActivation[] = [];
      for await (const [, v] of ctx.store(MODULE_NAME).iterate({ prefix: historyPrefix })) history.push(MethodActivation.decode(v));
      const scheduled = getSchedule(ctx);
      const res: QueryMethodsResponse = { active: get(ctx).activeMethod, supported: [...REGISTERED_METHODS], scheduled, history };
      return res;
    }),
    q("ShadowReceipt", QueryShadowReceiptRequest, QueryShadowReceiptResponse, async (ctx, r) => {
      const b = ctx.store(MODULE_NAME).get(shadowKey(r.receiptId));
      if (b === undefined) throw grpcError("NotFound", `no shadow result for receipt ${r.receiptId}`);
      return { shadow: ShadowReceipt.decode(b) };
    }),
  ] as QueryHandler[];
}

// ---- genesis: the registry's state rides in the attribution genesis under "method_registry" ----

export type { RegistryGenesis };

export function registryIsEmpty(r: RegistryGenesis | undefined): boolean {
  return r === undefined || (r.scheduled === undefined && r.history.length === 0 && r.shadowReceipts.length === 0);
}

export function validateRegistryGenesis(r: RegistryGenesis | undefined): void {
  if (r === undefined) return;
  if (r.scheduled !== undefined) {
    methodImpl(r.scheduled.method);
    if (r.scheduled.shadowStartHeight > r.scheduled.activationHeight) throw ErrInvalidField.wrap("method_registry: shadow_start_height after activation_height");
  }
  const heights = new Set<bigint>();
  for (const h of r.history) {
    if (heights.has(h.height)) throw ErrInvalidField.wrap(`method_registry: two activations at height ${h.height}`);
    heights.add(h.height);
  }
  const ids = new Set<bigint>();
  for (const x of r.shadowReceipts) {
    if (ids.has(x.receiptId)) throw ErrInvalidField.wrap(`method_registry: duplicate shadow receipt ${x.receiptId}`);
    ids.add(x.receiptId);
  }
}

export function initRegistryGenesis(ctx: WriteContext, r: RegistryGenesis | undefined): void {
  if (r === undefined) return;
  const st = ctx.store(MODULE_NAME);
  if (r.scheduled !== undefined) st.set(SCHEDULE_KEY, MethodSchedule.encode(r.scheduled).finish());
  for (const h of r.history) st.set(historyKey(h.height), MethodActivation.encode(h).finish());
  for (const x of r.shadowReceipts) st.set(shadowKey(x.receiptId), ShadowReceipt.encode(x).finish());
}

export async function exportRegistryGenesis(ctx: ReadContext): Promise<RegistryGenesis> {
  const st = ctx.store(MODULE_NAME);
  const history: MethodActivation[] = [];
  for await (const [, v] of st.iterate({ prefix: historyPrefix })) history.push(MethodActivation.decode(v));
  const shadowReceipts: ShadowReceipt[] = [];
  for await (const [, v] of st.iterate({ prefix: Uint8Array.of(0x11) })) shadowReceipts.push(ShadowReceipt.decode(v));
  return { scheduled: getSchedule(ctx), history, shadowReceipts };
}


export const registryGenesisToJson = (r: RegistryGenesis): unknown => snakeKeys(RegistryGenesis.toJSON(r));
export const registryGenesisFromJson = (j: unknown): RegistryGenesis => RegistryGenesis.fromJSON(j ?? {});
