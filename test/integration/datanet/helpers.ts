/** shared helpers of the datanet and attribution integration tests: actors that sign txs, msg builders, queries. */
import assert from "node:assert/strict";
import type { Any } from "cosmjs-types/google/protobuf/any";
import type { Bytes, ExecTxResult } from "../../../modules/core/abci.ts";
import { sha256 } from "../../../modules/core/hash.ts";
import { utf8 } from "../../../modules/core/bytes.ts";
import { featuresToBytes } from "../../../modules/datanet/index.ts";
import * as tx from "../../../proto/gen/openledger/datanet/v1/tx.ts";
import * as q from "../../../proto/gen/openledger/datanet/v1/query.ts";
import type { Contribution, Datanet, Snapshot, SnapshotEntry } from "../../../proto/gen/openledger/datanet/v1/types.ts";
import { type TestAppOptions, type TestChain, createTestChain } from "../../harness/app.ts";
import { type TestKey, buildTx, testKey } from "../../harness/txBuilder.ts";

export const D = "/openledger.datanet.v1.";

interface Codec<T> {
  encode(m: T): { finish(): Uint8Array };
  decode(b: Uint8Array): T;
  fromPartial(o: any): T;
}

export function anyOf<T>(name: string, codec: Codec<T>, v: Partial<T> | Record<string, unknown>, prefix = D): Any {
  return { typeUrl: `${prefix}${name}`, value: codec.encode(codec.fromPartial(v)).finish() };
}

export const msgs = {
  create: (v: Partial<tx.MsgCreateDatanet>) => anyOf("MsgCreateDatanet", tx.MsgCreateDatanet, v),
  update: (v: Partial<tx.MsgUpdateDatanet>) => anyOf("MsgUpdateDatanet", tx.MsgUpdateDatanet, v),
  setGating: (v: Partial<tx.MsgSetGating>) => anyOf("MsgSetGating", tx.MsgSetGating, v),
  contribute: (v: Partial<tx.MsgContribute>) => anyOf("MsgContribute", tx.MsgContribute, v),
  review: (v: Partial<tx.MsgReviewContribution>) => anyOf("MsgReviewContribution", tx.MsgReviewContribution, v),
  challenge: (v: Partial<tx.MsgChallengeContribution>) => anyOf("MsgChallengeContribution", tx.MsgChallengeContribution, v),
  resolve: (v: Partial<tx.MsgResolveChallenge>) => anyOf("MsgResolveChallenge", tx.MsgResolveChallenge, v),
  withdraw: (v: Partial<tx.MsgWithdrawStake>) => anyOf("MsgWithdrawStake", tx.MsgWithdrawStake, v),
  snapshot: (v: Partial<tx.MsgSnapshot>) => anyOf("MsgSnapshot", tx.MsgSnapshot, v),
  updateParams: (v: Partial<tx.MsgUpdateParams>) => anyOf("MsgUpdateParams", tx.MsgUpdateParams, v),
};

/** one contribution item: a point of dim features, its payload hash, a stake. */
export function item(features: readonly number[], label: number, stake = "1000", extra: Partial<tx.ContributionInput> = {}): tx.ContributionInput {
  const f = featuresToBytes(features);
  return { contentHash: sha256(utf8(`payload:${features.join(",")}:${label}`)), size: 64n, uri: `ipfs://p/${features.join("-")}`, encrypted: false, parents: [], point: { features: f, label }, stake, ...extra };
}

export interface Actor {
  key: TestKey;
  address: string;
  accountNumber: bigint;
  seq: bigint;
}

export interface World {
  chain: TestChain;
  actors: Record<string, Actor>;
  /** signs `msgs` as `who` and runs them in one block; returns the tx result. */
  run(who: string, m: Any[]): Promise<ExecTxResult>;
  /** runs and asserts success. */
  ok(who: string, m: Any[]): Promise<ExecTxResult>;
  /** runs and asserts codespace:code, and that the datanet + attribution state did not change. */
  fails(who: string, m: Any[], code: string, what?: string): Promise<ExecTxResult>;
  query<R>(path: string, reqCodec: Codec<any>, req: Record<string, unknown>, resCodec: Codec<R>): Promise<R>;
  datanet(id: bigint): Promise<Datanet>;
  contribution(id: bigint): Promise<Contribution>;
  snapshot(id: bigint): Promise<Snapshot>;
  entries(snapshotId: bigint): Promise<SnapshotEntry[]>;
  /** empty blocks until the height reaches h. */
  advanceTo(h: bigint): Promise<void>;
}

export const NAMES = ["alice", "bob", "carol", "dave", "erin"] as const;

export async function createWorld(o: { epochBlocks?: number; editGenesis?: (g: Record<string, any>) => void; appOptions?: TestAppOptions["appOptions"] } = {}): Promise<World> {
  const keys = NAMES.map((_, i) => testKey(400 + i));
  const chain = await createTestChain({
    ...(o.appOptions !== undefined ? { appOptions: o.appOptions } : {}),
    funded: keys.map((key) => ({ key, coins: [{ denom: "uopen", amount: "100000000" }] })),
    editGenesis: (g) => {
      g.runtime.epoch_blocks = String(o.epochBlocks ?? 5);
      o.editGenesis?.(g);
    },
  });
  const actors: Record<string, Actor> = {};
  NAMES.forEach((n, i) => {
    const key = keys[i] as TestKey;
    actors[n] = { key, address: key.bech32, accountNumber: BigInt(i), seq: 0n };
  });
  const state = async () => {
    const g = await chain.app.exportGenesis();
    return JSON.stringify({ d: g.datanet, a: g.attribution });
  };
  const w: World = {
    chain,
    actors,
    async run(who, m) {
      const a = actors[who] as Actor;
      const t = buildTx({ key: a.key, msgs: m, chainId: chain.chainId, accountNumber: a.accountNumber, sequence: a.seq, gasLimit: 4_000_000n, fee: [{ denom: "uopen", amount: "10000" }] });
      a.seq++;
      const res = await chain.block([t.raw]);
      return res.txResults[0] as ExecTxResult;
    },
    async ok(who, m) {
      const r = await w.run(who, m);
      assert.equal(r.code, 0, `${who}: ${r.codespace}:${r.code} ${r.log}`);
      return r;
    },
    async fails(who, m, code, what = "") {
      const before = await state();
      const r = await w.run(who, m);
      assert.equal(`${r.codespace}:${r.code}`, code, `${what} ${r.log}`);
      assert.equal(await state(), before, `${what}: a failed tx changed module state`);
      return r;
    },
    async query(path, reqCodec, req, resCodec) {
      const r = await chain.query(path, reqCodec.encode(reqCodec.fromPartial(req)).finish());
      if (r.code !== 0) throw Object.assign(new Error(`${path}: ${r.codespace}:${r.code} ${r.log}`), { code: `${r.codespace}:${r.code}` });
      return resCodec.decode(r.value);
    },
    async datanet(id) {
      return (await w.query(`${D}Query/Datanet`, q.QueryDatanetRequest, { id }, q.QueryDatanetResponse)).datanet as Datanet;
    },
    async contribution(id) {
      return (await w.query(`${D}Query/Contribution`, q.QueryContributionRequest, { id }, q.QueryContributionResponse)).contribution as Contribution;
    },
    async snapshot(id) {
      return (await w.query(`${D}Query/Snapshot`, q.QuerySnapshotRequest, { id }, q.QuerySnapshotResponse)).snapshot as Snapshot;
    },
    async entries(snapshotId) {
      const out: SnapshotEntry[] = [];
      let key: Bytes = new Uint8Array(0);
      for (;;) {
        const r = await w.query(`${D}Query/SnapshotEntries`, q.QuerySnapshotEntriesRequest, { snapshotId, pagination: { key, limit: 2n } }, q.QuerySnapshotEntriesResponse);
        out.push(...r.entries);
        key = r.pagination?.nextKey ?? new Uint8Array(0);
        if (key.length === 0) return out;
      }
    },
    async advanceTo(h) {
      while (chain.height < h) await chain.block([]);
    },
  };
  return w;
}

export const schema = (dim = 4, numClasses = 3) => ({ kind: "vector-label/v1", dim, numClasses });

export function decodeResponse<T>(r: ExecTxResult, codec: Codec<T>): T {
  // TxMsgData{msg_responses: [Any]}: field 2, the Any's value is field 2 inside it
  const { TxMsgData } = txMsgData;
  const d = TxMsgData.decode(r.data);
  const first = d.msgResponses[0];
  assert.ok(first, "no msg response");
  return codec.decode(first.value);
}

import * as abciTypes from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
const txMsgData = abciTypes;
