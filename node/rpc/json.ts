/**
 * CometBFT 0.38 JSON shapes of the RPC results (specs/cosmjs-rpc.md §2, §4, §7):
 * 64-bit integers as strings, 32-bit ones (code, index, round, parts.total, block_id_flag) as numbers,
 * hashes and addresses UPPER hex, tx bytes / data / signatures / pubkeys standard padded base64,
 * times RFC3339Nano UTC without trailing zeros. ABCI results (ExecTxResult, CheckTx, Query) are
 * gogoproto-jsonpb shaped: every field present, empty bytes as null, attribute `index` booleans.
 */
import type {
  AbciEvent,
  CheckTxResponse,
  ConsensusParams,
  ExecTxResult,
  FinalizeBlockResponse,
  QueryResponse,
  Timestamp,
  ValidatorUpdate,
} from "../../modules/core/abci.ts";
import { toBase64, toHex } from "../../modules/core/bytes.ts";
import type { Block, BlockID, BlockMeta, Commit, CommitSig, Header, Validator } from "../types/block.ts";
import type { GenesisDoc } from "../types/genesis.ts";
import { formatRfc3339Nano } from "../types/time.ts";
import type { TxRecord } from "./env.ts";
import { evidenceJson } from "./evidenceJson.ts";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

/** the CometBFT version cosmjs's connectComet keys on (must start with "0.38."). */
export const COMETBFT_VERSION = "0.38.17";
export const P2P_PROTOCOL = 8n;
export const BLOCK_PROTOCOL = 11n;

export const hex = (b: Uint8Array): string => toHex(b).toUpperCase();
export const b64 = (b: Uint8Array): string => toBase64(b);
/** base64, or null for empty bytes (jsonpb). */
export const b64OrNull = (b: Uint8Array): string | null => (b.length === 0 ? null : toBase64(b));
export const int = (n: bigint | number): string => n.toString();
export const time = (t: Timestamp): string => formatRfc3339Nano(t);

export function blockIdJson(id: BlockID): Obj {
  return { hash: hex(id.hash), parts: { total: id.partSetHeader.total, hash: hex(id.partSetHeader.hash) } };
}

export function headerJson(h: Header): Obj {
  return {
    version: { block: int(h.version.block), app: int(h.version.app) },
    chain_id: h.chainId,
    height: int(h.height),
    time: time(h.time),
    last_block_id: blockIdJson(h.lastBlockId),
    last_commit_hash: hex(h.lastCommitHash),
    data_hash: hex(h.dataHash),
    validators_hash: hex(h.validatorsHash),
    next_validators_hash: hex(h.nextValidatorsHash),
    consensus_hash: hex(h.consensusHash),
    app_hash: hex(h.appHash),
    last_results_hash: hex(h.lastResultsHash),
    evidence_hash: hex(h.evidenceHash),
    proposer_address: hex(h.proposerAddress),
  };
}

const ZERO_TIME_TEXT = "0001-01-01T00:00:00Z";

export function commitSigJson(s: CommitSig): Obj {
  if (s.blockIdFlag === 1) {
    return { block_id_flag: 1, validator_address: "", timestamp: ZERO_TIME_TEXT, signature: null };
  }
  return {
    block_id_flag: s.blockIdFlag,
    validator_address: hex(s.validatorAddress),
    timestamp: time(s.timestamp),
    signature: b64OrNull(s.signature),
  };
}

export function commitJson(c: Commit): Obj {
  return { height: int(c.height), round: c.round, block_id: blockIdJson(c.blockId), signatures: c.signatures.map(commitSigJson) };
}

export function blockJson(b: Block): Obj {
  return {
    header: headerJson(b.header),
    data: { txs: b.data.txs.map(b64) },
    evidence: {
      evidence: b.evidence.evidence.map(evidenceJson),
    },
    last_commit: commitJson(b.lastCommit),
  };
}

export function blockMetaJson(m: BlockMeta): Obj {
  return { block_id: blockIdJson(m.blockId), block_size: int(m.blockSize), header: headerJson(m.header), num_txs: int(m.numTxs) };
}

export function eventJson(e: AbciEvent): Obj {
  return { type: e.type, attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: a.index })) };
}

export function execTxResultJson(r: ExecTxResult): Obj {
  return {
    code: r.code,
    data: b64OrNull(r.data),
    log: r.log,
    info: r.info,
    gas_wanted: int(r.gasWanted),
    gas_used: int(r.gasUsed),
    events: r.events.map(eventJson),
    codespace: r.codespace,
  };
}

/** ResponseCheckTx (0.38): the ExecTxResult fields only. */
export function checkTxJson(r: CheckTxResponse): Obj {
  return execTxResultJson(r);
}

export const EMPTY_EXEC_TX_RESULT: ExecTxResult = Object.freeze({
  code: 0,
  data: new Uint8Array(0),
  log: "",
  info: "",
  gasWanted: 0n,
  gasUsed: 0n,
  events: [],
  codespace: "",
}) as ExecTxResult;

/** one element of tx_search.txs, and the result of `tx`. */
export function txRecordJson(r: TxRecord): Obj {
  return { hash: hex(r.hash), height: int(r.height), index: r.index, tx_result: execTxResultJson(r.result), tx: b64(r.tx) };
}

export function queryResponseJson(r: QueryResponse, fallbackHeight: bigint): Obj {
  const height = r.code === 0 && r.height === 0n ? fallbackHeight : r.height;
  return {
    response: {
      code: r.code,
      log: r.log,
      info: r.info,
      index: int(r.index),
      key: b64OrNull(r.key),
      value: b64OrNull(r.value),
      proofOps:
        r.proofOps === null || r.proofOps.ops.length === 0
          ? null
          : { ops: r.proofOps.ops.map((op) => ({ type: op.type, key: b64(op.key), data: b64(op.data) })) },
      height: int(height),
      codespace: r.codespace,
    },
  };
}

export function pubKeyJson(pk: { type: "ed25519" | "secp256k1"; value: Uint8Array }): Obj {
  return { type: pk.type === "ed25519" ? "tendermint/PubKeyEd25519" : "tendermint/PubKeySecp256k1", value: b64(pk.value) };
}

export function validatorJson(v: Validator): Obj {
  return {
    address: hex(v.address),
    pub_key: pubKeyJson(v.pubKey),
    voting_power: int(v.votingPower),
    proposer_priority: int(v.proposerPriority),
  };
}

/** abci.ValidatorUpdate as CometBFT 0.38 writes it in block_results / NewBlock events. */
export function validatorUpdateJson(u: ValidatorUpdate): Obj {
  const t = u.pubKey.type;
  return {
    pub_key: { Sum: { type: `tendermint.crypto.PublicKey_${t === "ed25519" ? "Ed25519" : "Secp256K1"}`, value: { [t]: b64(u.pubKey.bytes) } } },
    power: int(u.power),
  };
}

export function consensusParamsJson(p: ConsensusParams): Obj {
  return {
    block: { max_bytes: int(p.block.maxBytes), max_gas: int(p.block.maxGas) },
    evidence: {
      max_age_num_blocks: int(p.evidence.maxAgeNumBlocks),
      max_age_duration: int(p.evidence.maxAgeDurationNs),
      max_bytes: int(p.evidence.maxBytes),
    },
    validator: { pub_key_types: [...p.validator.pubKeyTypes] },
    version: { app: int(p.version.app) },
    abci: { vote_extensions_enable_height: int(p.abci.voteExtensionsEnableHeight) },
  };
}

export function blockResultsJson(height: bigint, r: FinalizeBlockResponse, extraEvents: AbciEvent[] = []): Obj {
  return {
    height: int(height),
    txs_results: r.txResults.length === 0 ? null : r.txResults.map(execTxResultJson),
    finalize_block_events: [...r.events, ...extraEvents].map(eventJson),
    validator_updates: r.validatorUpdates.length === 0 ? null : r.validatorUpdates.map(validatorUpdateJson),
    consensus_param_updates: r.consensusParamUpdates === null ? null : consensusParamsJson(r.consensusParamUpdates),
    app_hash: b64(r.appHash),
  };
}

/** result_finalize_block of the NewBlock event (ResponseFinalizeBlock jsonpb). */
export function finalizeBlockJson(r: FinalizeBlockResponse): Obj {
  return {
    events: r.events.map(eventJson),
    tx_results: r.txResults.map(execTxResultJson),
    validator_updates: r.validatorUpdates.map(validatorUpdateJson),
    consensus_param_updates: r.consensusParamUpdates === null ? null : consensusParamsJson(r.consensusParamUpdates),
    app_hash: b64(r.appHash),
  };
}

export function genesisJson(g: GenesisDoc): Obj {
  return {
    genesis_time: time(g.genesisTime),
    chain_id: g.chainId,
    initial_height: int(g.initialHeight),
    consensus_params: consensusParamsJson(g.consensusParams),
    validators: g.validators.map((v) => ({ address: hex(v.address), pub_key: pubKeyJson(v.pubKey), power: int(v.power), name: v.name })),
    app_hash: hex(g.appHash),
    app_state: g.appState as Json,
  };
}
