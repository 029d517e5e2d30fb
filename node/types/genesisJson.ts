/**
 * config/genesis.json ⇄ GenesisDoc, in the Cosmos SDK 0.50 shape:
 *
 *   {"genesis_time": RFC3339Nano, "chain_id", "initial_height": "1", "app_hash": "" (hex), "app_state": {...},
 *    "consensus": {"params": {...}, "validators": [{address, pub_key: {type, value}, power, name}]}}
 *
 * CometBFT's top-level "consensus_params" / "validators" are accepted too. 64-bit numbers are written as
 * strings and accepted as strings or safe JSON integers. Errors name the offending field.
 *
 * Defaults: block.max_bytes 4 MiB (DESIGN.md), block.max_gas -1 (unlimited, CometBFT's default),
 * evidence as CometBFT (100000 blocks, 48 h, 1 MiB), pub_key_types ["ed25519"], version.app 0,
 * abci.vote_extensions_enable_height = initial_height (this chain uses vote extensions from its first block).
 */
import type { ConsensusParams } from "../../modules/core/abci.ts";
import { fromBase64, fromHex, toBase64, toHex } from "../../modules/core/bytes.ts";
import { ed25519Address } from "../crypto/ed25519.ts";
import type { GenesisDoc, GenesisValidator } from "./genesis.ts";
import { formatRfc3339Nano, parseRfc3339 } from "./time.ts";

export const MAX_CHAIN_ID_LEN = 50;
export const MAX_BLOCK_SIZE_BYTES = 104857600n;

export function defaultConsensusParams(initialHeight = 1n): ConsensusParams {
  return {
    block: { maxBytes: 4194304n, maxGas: -1n },
    evidence: { maxAgeNumBlocks: 100000n, maxAgeDurationNs: 172800000000000n, maxBytes: 1048576n },
    validator: { pubKeyTypes: ["ed25519"] },
    version: { app: 0n },
    abci: { voteExtensionsEnableHeight: initialHeight },
  };
}

export class GenesisError extends Error {
  constructor(message: string) {
    super(`genesis: ${message}`);
    this.name = "GenesisError";
  }
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function int(v: unknown, field: string, dflt?: bigint): bigint {
  if (v === undefined || v === null) {
    if (dflt !== undefined) return dflt;
    throw new GenesisError(`${field} is required`);
  }
  if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  throw new GenesisError(`${field} must be an integer (string), got ${JSON.stringify(v)}`);
}

function parseParams(p: unknown, initialHeight: bigint): ConsensusParams {
  const d = defaultConsensusParams(initialHeight);
  if (p === undefined || p === null) return d;
  if (!isObj(p)) throw new GenesisError("consensus.params must be an object");
  const block = isObj(p.block) ? p.block : {};
  const ev = isObj(p.evidence) ? p.evidence : {};
  const val = isObj(p.validator) ? p.validator : {};
  const ver = isObj(p.version) ? p.version : {};
  const abci = isObj(p.abci) ? p.abci : {};
  const types = val.pub_key_types === undefined ? d.validator.pubKeyTypes : val.pub_key_types;
  if (!Array.isArray(types) || !types.every((t) => typeof t === "string")) throw new GenesisError("consensus.params.validator.pub_key_types must be a list of strings");
  return {
    block: { maxBytes: int(block.max_bytes, "consensus.params.block.max_bytes", d.block.maxBytes), maxGas: int(block.max_gas, "consensus.params.block.max_gas", d.block.maxGas) },
    evidence: {
      maxAgeNumBlocks: int(ev.max_age_num_blocks, "consensus.params.evidence.max_age_num_blocks", d.evidence.maxAgeNumBlocks),
      maxAgeDurationNs: int(ev.max_age_duration, "consensus.params.evidence.max_age_duration", d.evidence.maxAgeDurationNs),
      maxBytes: int(ev.max_bytes, "consensus.params.evidence.max_bytes", d.evidence.maxBytes),
    },
    validator: { pubKeyTypes: [...(types as string[])] },
    version: { app: int(ver.app, "consensus.params.version.app", d.version.app) },
    abci: { voteExtensionsEnableHeight: int(abci.vote_extensions_enable_height, "consensus.params.abci.vote_extensions_enable_height", d.abci.voteExtensionsEnableHeight) },
  };
}

/** CometBFT ConsensusParams.ValidateBasic (the parts that apply to these params). */
export function validateConsensusParams(p: ConsensusParams): void {
  if (p.block.maxBytes === 0n) throw new GenesisError("consensus.params.block.max_bytes cannot be 0");
  if (p.block.maxBytes < -1n) throw new GenesisError("consensus.params.block.max_bytes must be -1 or greater than 0");
  if (p.block.maxBytes > MAX_BLOCK_SIZE_BYTES) throw new GenesisError(`consensus.params.block.max_bytes is too big (max ${MAX_BLOCK_SIZE_BYTES})`);
  if (p.block.maxGas < -1n) throw new GenesisError("consensus.params.block.max_gas must be greater or equal to -1");
  if (p.evidence.maxAgeNumBlocks <= 0n) throw new GenesisError("consensus.params.evidence.max_age_num_blocks must be greater than 0");
  if (p.evidence.maxAgeDurationNs <= 0n) throw new GenesisError("consensus.params.evidence.max_age_duration must be greater than 0");
  const maxBlock = p.block.maxBytes === -1n ? MAX_BLOCK_SIZE_BYTES : p.block.maxBytes;
  if (p.evidence.maxBytes > maxBlock) throw new GenesisError("consensus.params.evidence.max_bytes must not exceed block.max_bytes");
  if (p.evidence.maxBytes < 0n) throw new GenesisError("consensus.params.evidence.max_bytes must be non-negative");
  if (p.validator.pubKeyTypes.length === 0) throw new GenesisError("consensus.params.validator.pub_key_types must not be empty");
  for (const t of p.validator.pubKeyTypes) if (t !== "ed25519") throw new GenesisError(`consensus.params.validator.pub_key_types: unsupported key type ${JSON.stringify(t)}`);
  if (p.abci.voteExtensionsEnableHeight < 0n) throw new GenesisError("consensus.params.abci.vote_extensions_enable_height cannot be negative");
}

function parseValidator(v: unknown, i: number): GenesisValidator {
  const f = `validators[${i}]`;
  if (!isObj(v)) throw new GenesisError(`${f} must be an object`);
  if (!isObj(v.pub_key)) throw new GenesisError(`${f}.pub_key is required`);
  if (v.pub_key.type !== "tendermint/PubKeyEd25519") throw new GenesisError(`${f}.pub_key.type must be "tendermint/PubKeyEd25519"`);
  let pk: Uint8Array;
  try {
    pk = fromBase64(String(v.pub_key.value));
  } catch {
    throw new GenesisError(`${f}.pub_key.value must be base64`);
  }
  if (pk.length !== 32) throw new GenesisError(`${f}.pub_key.value must be 32 bytes`);
  const address = ed25519Address(pk);
  if (v.address !== undefined && v.address !== "") {
    let given: Uint8Array;
    try {
      given = fromHex(String(v.address));
    } catch {
      throw new GenesisError(`${f}.address must be hex`);
    }
    if (toHex(given) !== toHex(address)) throw new GenesisError(`${f}.address ${v.address} does not match its pub_key (${toHex(address).toUpperCase()})`);
  }
  const power = int(v.power, `${f}.power`);
  if (power <= 0n) throw new GenesisError(`${f}.power must be positive`);
  if (v.name !== undefined && typeof v.name !== "string") throw new GenesisError(`${f}.name must be a string`);
  return { address, pubKey: { type: "ed25519", value: pk }, power, name: (v.name as string | undefined) ?? "" };
}

/** parses and validates a genesis document (JSON text or an already parsed value). */
export function parseGenesis(input: string | unknown): GenesisDoc {
  let j: unknown = input;
  if (typeof input === "string") {
    try {
      j = JSON.parse(input);
    } catch (e) {
      throw new GenesisError(`not valid JSON: ${(e as Error).message}`);
    }
  }
  if (!isObj(j)) throw new GenesisError("document must be a JSON object");
  if (typeof j.chain_id !== "string" || j.chain_id.trim() === "") throw new GenesisError("chain_id is required");
  if (Buffer.byteLength(j.chain_id, "utf8") > MAX_CHAIN_ID_LEN) throw new GenesisError(`chain_id is too long (max ${MAX_CHAIN_ID_LEN} bytes): ${JSON.stringify(j.chain_id)}`);
  const initialHeight = int(j.initial_height, "initial_height", 1n);
  if (initialHeight < 0n) throw new GenesisError("initial_height cannot be negative");
  const ih = initialHeight === 0n ? 1n : initialHeight;
  if (typeof j.genesis_time !== "string") throw new GenesisError("genesis_time is required (RFC3339)");
  let genesisTime;
  try {
    genesisTime = parseRfc3339(j.genesis_time);
  } catch (e) {
    throw new GenesisError(`genesis_time: ${(e as Error).message}`);
  }
  const consensus = isObj(j.consensus) ? j.consensus : undefined;
  const params = parseParams(consensus?.params ?? j.consensus_params, ih);
  validateConsensusParams(params);
  const rawVals = consensus?.validators ?? j.validators ?? [];
  if (!Array.isArray(rawVals)) throw new GenesisError("validators must be a list");
  const validators = rawVals.map(parseValidator);
  const seen = new Set<string>();
  for (const v of validators) {
    const k = toHex(v.address);
    if (seen.has(k)) throw new GenesisError(`duplicate validator ${k.toUpperCase()}`);
    seen.add(k);
  }
  let appHash: Uint8Array = new Uint8Array(0);
  if (j.app_hash !== undefined && j.app_hash !== null && j.app_hash !== "") {
    try {
      appHash = fromHex(String(j.app_hash));
    } catch {
      throw new GenesisError("app_hash must be hex");
    }
  }
  const appState = j.app_state === undefined || j.app_state === null ? {} : j.app_state;
  if (!isObj(appState)) throw new GenesisError("app_state must be an object");
  return { genesisTime, chainId: j.chain_id, initialHeight: ih, consensusParams: params, validators, appHash, appState };
}

/** the SDK 0.50 genesis.json object (64-bit numbers as strings). */
export function genesisToJson(g: GenesisDoc): Record<string, unknown> {
  const p = g.consensusParams;
  return {
    app_name: "openledgerd",
    app_version: "",
    genesis_time: formatRfc3339Nano(g.genesisTime),
    chain_id: g.chainId,
    initial_height: g.initialHeight.toString(),
    app_hash: toHex(g.appHash).toUpperCase(),
    app_state: g.appState,
    consensus: {
      validators: g.validators.map((v) => ({
        address: toHex(v.address).toUpperCase(),
        pub_key: { type: "tendermint/PubKeyEd25519", value: toBase64(v.pubKey.value) },
        power: v.power.toString(),
        name: v.name,
      })),
      params: {
        block: { max_bytes: p.block.maxBytes.toString(), max_gas: p.block.maxGas.toString() },
        evidence: {
          max_age_num_blocks: p.evidence.maxAgeNumBlocks.toString(),
          max_age_duration: p.evidence.maxAgeDurationNs.toString(),
          max_bytes: p.evidence.maxBytes.toString(),
        },
        validator: { pub_key_types: [...p.validator.pubKeyTypes] },
        version: { app: p.version.app.toString() },
        abci: { vote_extensions_enable_height: p.abci.voteExtensionsEnableHeight.toString() },
      },
    },
  };
}

export function serializeGenesis(g: GenesisDoc): string {
  return `${JSON.stringify(genesisToJson(g), null, 2)}\n`;
}
