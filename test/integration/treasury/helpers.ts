/** shared setup of the treasury / paychan / demo tests: a datanet, three contributors, a snapshot, a model with its index, a paid-inference queue. */
import assert from "node:assert/strict";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { QueryCommunityPoolRequest, QueryCommunityPoolResponse } from "cosmjs-types/cosmos/distribution/v1beta1/query";
import { QuerySupplyOfRequest, QuerySupplyOfResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { accAddressToString, moduleAddress } from "../../../modules/core/address.ts";
import { sha256 } from "../../../modules/core/hash.ts";
import { utf8 } from "../../../modules/core/bytes.ts";
import type { PaidInference, PaidInferenceSource } from "../../../modules/treasury/index.ts";
import * as atx from "../../../proto/gen/openledger/attribution/v1/tx.ts";
import * as ttx from "../../../proto/gen/openledger/treasury/v1/tx.ts";
import * as tq from "../../../proto/gen/openledger/treasury/v1/query.ts";
import { Gating } from "../../../proto/gen/openledger/datanet/v1/types.ts";
import * as dtx from "../../../proto/gen/openledger/datanet/v1/tx.ts";
import { testKey } from "../../harness/txBuilder.ts";
import { type World, anyOf, createWorld, decodeResponse, item, msgs, schema } from "../datanet/helpers.ts";

export const T = "/openledger.treasury.v1.";
export const tmsg = {
  setPolicy: (v: Partial<ttx.MsgSetFeePolicy>) => anyOf("MsgSetFeePolicy", ttx.MsgSetFeePolicy, v, T),
  claim: (v: Partial<ttx.MsgClaim>) => anyOf("MsgClaim", ttx.MsgClaim, v, T),
  updateParams: (v: Partial<ttx.MsgUpdateParams>) => anyOf("MsgUpdateParams", ttx.MsgUpdateParams, v, T),
};
const A = "/openledger.attribution.v1.";

/** a deterministic queue: what the test pushes is escrowed, attributed and split at the end of the next block. */
export function paidQueue(): PaidInferenceSource & { push(p: PaidInference): void } {
  let q: PaidInference[] = [];
  return {
    push: (p) => q.push(p),
    take() {
      const out = q;
      q = [];
      return out;
    },
  };
}

export function rows(vs: readonly (readonly number[])[]): Uint8Array {
  const out = new Uint8Array(vs.length * (vs[0]?.length ?? 0) * 2);
  const dv = new DataView(out.buffer);
  let o = 0;
  for (const v of vs) for (const x of v) (dv.setInt16(o, x, true), (o += 2));
  return out;
}

// 3 classes in 4 dims; carol, dave and erin contribute
export const POINTS: { who: string; f: number[]; label: number }[] = [
  { who: "carol", f: [10, 0, 0, 0], label: 0 },
  { who: "carol", f: [11, 1, 0, 0], label: 0 },
  { who: "dave", f: [0, 10, 0, 0], label: 1 },
  { who: "dave", f: [1, 11, 0, 0], label: 1 },
  { who: "erin", f: [0, 0, 10, 0], label: 2 },
  { who: "erin", f: [0, 1, 11, 0], label: 2 },
];
export const embed = (f: readonly number[]) => f.map((x) => x * 100);

/** a fresh, unfunded address (provider / trainer) whose balance only the split changes. */
export const freshAddr = (seed: number) => testKey(9000 + seed).bech32;

export interface Setup {
  w: World;
  queue: ReturnType<typeof paidQueue>;
  modelId: bigint;
}

export async function setupModel(o: { epochBlocks?: number; vestingEpochs?: number } = {}): Promise<Setup> {
  const queue = paidQueue();
  const w = await createWorld({
    epochBlocks: o.epochBlocks ?? 5,
    appOptions: { paidInferenceSource: queue },
    editGenesis: (g) => {
      g.distribution.mint.inflation = "0.000000000000000000";
      g.datanet.params.challenge_window_epochs = "100";
      if (o.vestingEpochs !== undefined) g.treasury.params.vesting_epochs = String(o.vestingEpochs);
    },
  });
  const a = w.actors;
  await w.ok("alice", [msgs.create({ owner: a.alice!.address, name: "clusters", schema: schema(4, 3), gating: Gating.GATING_OPEN })]);
  for (const who of ["carol", "dave", "erin"]) {
    const mine = POINTS.filter((p) => p.who === who);
    await w.ok(who, [msgs.contribute({ contributor: a[who]!.address, datanetId: 1n, items: mine.map((p) => item(p.f, p.label, "1000")) })]);
  }
  const snap = decodeResponse(await w.ok("alice", [msgs.snapshot({ creator: a.alice!.address, datanetId: 1n })]), dtx.MsgSnapshotResponse);
  const bob = a.bob!.address;
  const reg = decodeResponse(
    await w.ok("bob", [
      anyOf("MsgRegisterModel", atx.MsgRegisterModel, {
        owner: bob,
        name: "head-v1",
        snapshotId: snap.snapshotId,
        snapshotRoot: snap.root,
        onnxHash: sha256(utf8("onnx")),
        trainingConfigHash: sha256(utf8("cfg")),
        checkpointHashes: [],
        feePolicy: { dataBps: 7000, trainerBps: 1000, providerBps: 1000, communityBps: 1000, burnBps: 0 },
        embeddingDim: 4,
        tau: 0n,
      }, A),
    ]),
    atx.MsgRegisterModelResponse,
  );
  const entries = await w.entries(snap.snapshotId);
  const byId = new Map<bigint, (typeof POINTS)[number]>();
  let id = 1n;
  for (const who of ["carol", "dave", "erin"]) for (const p of POINTS.filter((x) => x.who === who)) byId.set(id++, p);
  const vecs = entries.map((e) => embed(byId.get(e.contributionId)!.f));
  await w.ok("bob", [anyOf("MsgSetEmbeddingIndex", atx.MsgSetEmbeddingIndex, { owner: bob, modelId: reg.modelId, start: 0n, vectors: rows(vecs) }, A)]);
  return { w, queue, modelId: reg.modelId };
}

/** LegacyDec on the wire: an integer string scaled by 10^18 (cosmjs-types) or "x.y". */
function decToInt(s: string): bigint {
  if (s.includes(".")) return BigInt(s.split(".")[0] as string);
  return BigInt(s) / 10n ** 18n;
}

export async function communityPool(w: World, denom = "uopen"): Promise<bigint> {
  const r = await w.query("/cosmos.distribution.v1beta1.Query/CommunityPool", QueryCommunityPoolRequest, {}, QueryCommunityPoolResponse);
  const c = r.pool.find((x) => x.denom === denom);
  return c === undefined ? 0n : decToInt(c.amount);
}

export async function supplyOf(w: World, denom = "uopen"): Promise<bigint> {
  const r = await w.query("/cosmos.bank.v1beta1.Query/SupplyOf", QuerySupplyOfRequest, { denom }, QuerySupplyOfResponse);
  return BigInt(r.amount?.amount ?? "0");
}

export const treasuryAddr = accAddressToString(moduleAddress("treasury"));

export async function earnings(w: World, address: string): Promise<tq.QueryEarningsResponse["rows"]> {
  return (await w.query(`${T}Query/Earnings`, tq.QueryEarningsRequest, { address }, tq.QueryEarningsResponse)).rows;
}

export async function vesting(w: World, address: string): Promise<tq.QueryVestingResponse> {
  return w.query(`${T}Query/Vesting`, tq.QueryVestingRequest, { address }, tq.QueryVestingResponse);
}

/** a seeded PRNG (tests only): xorshift32. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** attributes of an event as an object (JSON values decoded). */
export function attrs(e: { attributes: { key: string; value: string }[] }): Record<string, any> {
  const out: Record<string, any> = {};
  for (const a of e.attributes) {
    try {
      out[a.key] = JSON.parse(a.value);
    } catch {
      out[a.key] = a.value;
    }
  }
  return out;
}

export { assert };
export type { Any };
