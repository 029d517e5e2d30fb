/**
 * A hand-built RpcEnv for RPC tests (and for fuzzing the server): `blocks` heights with arbitrary
 * 32-byte hashes, one validator that signs every commit, txs at heights 3 and 5 (one failed), a real
 * TxIndex over a memory bucket, a real EventBus and a scriptable mempool.
 */
import type { CheckTxResponse, ConsensusParams, ExecTxResult, FinalizeBlockResponse, QueryRequest, QueryResponse } from "../../../modules/core/abci.ts";
import { utf8 } from "../../../modules/core/bytes.ts";
import { sha256 } from "../../../modules/core/hash.ts";
import { TxIndex } from "../../storage/txIndex.ts";
import type { Block, BlockID, BlockMeta, Commit, Validator } from "../../types/block.ts";
import type { GenesisDoc } from "../../types/genesis.ts";
import { EventBus } from "../../util/eventBus.ts";
import type { RpcEnv } from "../env.ts";
import { MemoryBatch, MemoryBucket } from "./memoryBucket.ts";

export const CHAIN_ID = "openledger-test-1";
const h32 = (label: string): Uint8Array => sha256(utf8(label));

export const VALIDATOR: Validator = {
  address: sha256(new Uint8Array(32).fill(9)).subarray(0, 20),
  pubKey: { type: "ed25519", value: new Uint8Array(32).fill(9) },
  votingPower: 10n,
  proposerPriority: 0n,
};

export const PARAMS: ConsensusParams = {
  block: { maxBytes: 4194304n, maxGas: -1n },
  evidence: { maxAgeNumBlocks: 100000n, maxAgeDurationNs: 172800000000000n, maxBytes: 1048576n },
  validator: { pubKeyTypes: ["ed25519"] },
  version: { app: 0n },
  abci: { voteExtensionsEnableHeight: 0n },
};

export function blockIdOf(h: bigint): BlockID {
  return { hash: h32(`block ${h}`), partSetHeader: { total: 1, hash: h32(`parts ${h}`) } };
}

export function txResult(code: number, sender: string, recipient: string): ExecTxResult {
  return {
    code,
    data: code === 0 ? Uint8Array.of(0x12, 0x26, 0x0a, 0x24, ...utf8("/cosmos.bank.v1beta1.MsgSendResponse")) : new Uint8Array(0),
    log: code === 0 ? "" : "insufficient funds",
    info: "",
    gasWanted: 200000n,
    gasUsed: 54410n,
    codespace: code === 0 ? "" : "sdk",
    events: [
      { type: "message", attributes: [{ key: "sender", value: sender, index: true }, { key: "action", value: "/cosmos.bank.v1beta1.MsgSend", index: true }] },
      ...(code === 0
        ? [{ type: "transfer", attributes: [{ key: "recipient", value: recipient, index: true }, { key: "amount", value: "100uopen", index: false }] }]
        : []),
    ],
  };
}

export interface FakeEnv extends RpcEnv {
  blocks: Map<bigint, Block>;
  results: Map<bigint, FinalizeBlockResponse>;
  bus: EventBus;
  txIndexImpl: TxIndex;
  pool: Uint8Array[];
  queries: QueryRequest[];
  /** txs in block h */
  txsAt: Map<bigint, Uint8Array[]>;
}

export async function makeFakeEnv(nBlocks = 8): Promise<FakeEnv> {
  const blocks = new Map<bigint, Block>();
  const metas = new Map<bigint, BlockMeta>();
  const results = new Map<bigint, FinalizeBlockResponse>();
  const commits = new Map<bigint, Commit>();
  const txsAt = new Map<bigint, Uint8Array[]>([
    [3n, [utf8("tx-3-0"), utf8("tx-3-1")]],
    [5n, [utf8("tx-5-0")]],
  ]);
  const bucket = new MemoryBucket();
  const txIndex = new TxIndex(bucket);
  const baseSeconds = 1_790_000_000n;
  for (let h = 1n; h <= BigInt(nBlocks); h++) {
    const txs = txsAt.get(h) ?? [];
    const txResults = txs.map((_, i) => (h === 3n && i === 1 ? txResult(5, "open1alice", "") : txResult(0, h === 5n ? "open1bob" : "open1alice", "open1carol")));
    const lastCommit: Commit =
      h === 1n
        ? { height: 0n, round: 0, blockId: { hash: new Uint8Array(0), partSetHeader: { total: 0, hash: new Uint8Array(0) } }, signatures: [] }
        : {
            height: h - 1n,
            round: 0,
            blockId: blockIdOf(h - 1n),
            signatures: [
              { blockIdFlag: 2, validatorAddress: VALIDATOR.address, timestamp: { seconds: baseSeconds + h - 1n, nanos: 500_000_000 }, signature: new Uint8Array(64).fill(7) },
              { blockIdFlag: 1, validatorAddress: new Uint8Array(0), timestamp: { seconds: -62135596800n, nanos: 0 }, signature: new Uint8Array(0) },
            ],
          };
    const block: Block = {
      header: {
        version: { block: 11n, app: 0n },
        chainId: CHAIN_ID,
        height: h,
        time: { seconds: baseSeconds + h, nanos: h === 2n ? 100_000_000 : 0 },
        lastBlockId: h === 1n ? { hash: new Uint8Array(0), partSetHeader: { total: 0, hash: new Uint8Array(0) } } : blockIdOf(h - 1n),
        lastCommitHash: h32(`lch ${h}`),
        dataHash: h32(`data ${h}`),
        validatorsHash: h32("vals"),
        nextValidatorsHash: h32("vals"),
        consensusHash: h32("cons"),
        appHash: h32(`app ${h - 1n}`),
        lastResultsHash: h32(`lrh ${h}`),
        evidenceHash: h32("ev"),
        proposerAddress: VALIDATOR.address,
      },
      data: { txs },
      evidence: { evidence: [] },
      lastCommit,
    };
    blocks.set(h, block);
    metas.set(h, { blockId: blockIdOf(h), blockSize: 1000 + txs.length * 100, header: block.header, numTxs: txs.length });
    results.set(h, {
      events: [{ type: "coinbase", attributes: [{ key: "minter", value: "open1mint", index: true }] }],
      txResults,
      validatorUpdates: h === 2n ? [{ pubKey: { type: "ed25519", bytes: VALIDATOR.pubKey.value }, power: 10n }] : [],
      consensusParamUpdates: null,
      appHash: h32(`app ${h}`),
    });
    commits.set(h, {
      height: h,
      round: 0,
      blockId: blockIdOf(h),
      signatures: [{ blockIdFlag: 2, validatorAddress: VALIDATOR.address, timestamp: { seconds: baseSeconds + h, nanos: 1 }, signature: new Uint8Array(64).fill(8) }],
    });
    const batch = new MemoryBatch();
    txIndex.indexBlock(batch, h, txs, txResults);
    await bucket.commit(batch);
  }

  const genesis: GenesisDoc = {
    genesisTime: { seconds: baseSeconds, nanos: 0 },
    chainId: CHAIN_ID,
    initialHeight: 1n,
    consensusParams: PARAMS,
    validators: [{ address: VALIDATOR.address, pubKey: VALIDATOR.pubKey, power: 10n, name: "node0" }],
    appHash: new Uint8Array(0),
    appState: { bank: { balances: [] } },
  };
  const bus = new EventBus();
  const pool: Uint8Array[] = [];
  const seen = new Set<string>();
  const queries: QueryRequest[] = [];
  const checkResp = (tx: Uint8Array): CheckTxResponse => {
    const bad = tx[0] === 0xee;
    return {
      code: bad ? 32 : 0,
      data: new Uint8Array(0),
      log: bad ? "account sequence mismatch, expected 1, got 0: incorrect account sequence" : "",
      info: "",
      gasWanted: 200000n,
      gasUsed: 1000n,
      events: [],
      codespace: bad ? "sdk" : "",
      sender: "open1alice",
      sequence: 0n,
      priority: 0n,
    };
  };
  const height = (): bigint => BigInt(blocks.size);

  const env: FakeEnv = {
    blocks,
    results,
    bus,
    txIndexImpl: txIndex,
    pool,
    queries,
    txsAt,
    nodeInfo: { id: "6b5c5b1a0f3f0c8f3e6f6e0c1e0b3b9f1a2b3c4d", listenAddr: "tcp://127.0.0.1:26656", network: CHAIN_ID, moniker: "node0", rpcAddress: "tcp://127.0.0.1:26657" },
    genesis,
    genesisJson: "{}",
    blockStore: {
      base: () => (blocks.size > 0 ? 1n : 0n),
      height,
      loadBlock: (h) => blocks.get(h),
      loadBlockByHash: (hash) => {
        for (const [h, b] of blocks) if (Buffer.compare(blockIdOf(h).hash, hash) === 0) return b;
        return undefined;
      },
      loadBlockMeta: (h) => metas.get(h),
      loadCommit: (h) => {
        if (h < height()) return { commit: blocks.get(h + 1n)?.lastCommit as Commit, canonical: true };
        const c = commits.get(h);
        return c === undefined ? undefined : { commit: c, canonical: false };
      },
    },
    state: {
      loadValidators: (h) => (h >= 1n && h <= height() + 1n ? [VALIDATOR] : undefined),
      loadConsensusParams: (h) => (h >= 1n && h <= height() + 1n ? PARAMS : undefined),
      loadFinalizeBlockResponse: (h) => results.get(h),
    },
    txIndex,
    mempool: {
      checkAndAdd: async (tx) => {
        const k = Buffer.from(tx).toString("hex");
        if (seen.has(k)) throw Object.assign(new Error("tx already exists in cache"), { code: "TX_IN_CACHE" });
        seen.add(k);
        const r = checkResp(tx);
        if (r.code === 0) pool.push(tx);
        return r;
      },
      checkOnly: async (tx) => checkResp(tx),
      size: () => pool.length,
      sizeBytes: () => pool.reduce((n, t) => n + t.length, 0),
      reap: (limit) => pool.slice(0, limit),
    },
    events: bus,
    app: {
      query: async (req: QueryRequest): Promise<QueryResponse> => {
        queries.push(req);
        if (req.path === "/cosmos.auth.v1beta1.Query/Account") {
          return {
            code: 22,
            log: "rpc error: code = NotFound desc = account open1x not found: key not found",
            info: "",
            index: 0n,
            key: new Uint8Array(0),
            value: new Uint8Array(0),
            proofOps: null,
            height: req.height === 0n ? height() : req.height,
            codespace: "sdk",
          };
        }
        return {
          code: 0,
          log: "",
          info: "",
          index: 0n,
          key: req.prove ? utf8("k") : new Uint8Array(0),
          value: Uint8Array.of(1, 2, 3),
          proofOps: req.prove ? { ops: [{ type: "ics23:iavl", key: utf8("k"), data: Uint8Array.of(1, 2, 3) }] } : null,
          height: 0n,
          codespace: "",
        };
      },
      info: async () => ({ data: "openledger", version: "0.1.0", appVersion: 1n, lastBlockHeight: height(), lastBlockAppHash: h32(`app ${height()}`) }),
    },
    validatorInfo: { address: VALIDATOR.address, pubKey: VALIDATOR.pubKey.value, votingPower: 10n },
    catchingUp: () => false,
    peers: () => [],
  };
  return env;
}
