/**
 * Test stand-ins for the block store, state store and private validator, over a real NodeDb (any
 * KvBackend, MemoryBackend in tests). Values are node:v8-serialised (bigint and Uint8Array survive);
 * reads go to the backend each time, so a "restarted" node over the same backend sees exactly what was
 * written. Bucket numbers 0xE0.. are reserved for these fakes.
 */
import { deserialize, serialize } from "node:v8";
import type { ConsensusParams, FinalizeBlockResponse } from "../../modules/core/abci.ts";
import { equal, readU64be, toHex, u64be, utf8 } from "../../modules/core/bytes.ts";
import type { BlockStore, StateStore, VoteSigner } from "../execution/types.ts";
import type { NodeDb } from "../storage/db.ts";
import type { Batch, Bucket, ChainState } from "../storage/types.ts";
import { ed25519Address, ed25519FromSeed, type Ed25519Key, signEd25519 } from "../crypto/ed25519.ts";
import type { Block, BlockID, BlockMeta, Commit, ExtendedCommit, Validator, Vote } from "../types/block.ts";
import { encodeBlock, voteExtensionSignBytes, voteSignBytes } from "../types/encoding.ts";

const enc = (v: unknown): Uint8Array => new Uint8Array(serialize(v));
const dec = <T>(b: Uint8Array | undefined): T | undefined => (b === undefined ? undefined : (deserialize(b) as T));
const H = (h: bigint) => u64be(h);
const STATE = utf8("state");

export class MemBlockStore implements BlockStore {
  private readonly blocks: Bucket;
  private readonly metas: Bucket;
  private readonly byHash: Bucket;
  private readonly seen: Bucket;
  private readonly ext: Bucket;
  private readonly meta: Bucket;

  constructor(db: NodeDb) {
    this.blocks = db.bucket(0xe0);
    this.metas = db.bucket(0xe1);
    this.byHash = db.bucket(0xe2);
    this.seen = db.bucket(0xe3);
    this.ext = db.bucket(0xe4);
    this.meta = db.bucket(0xe5);
  }

  private range(): { base: bigint; height: bigint } {
    return dec<{ base: bigint; height: bigint }>(this.meta.get(STATE)) ?? { base: 0n, height: 0n };
  }

  base(): bigint {
    return this.range().base;
  }

  height(): bigint {
    return this.range().height;
  }

  saveBlock(batch: Batch, block: Block, blockId: BlockID, seenCommit: Commit, extended?: ExtendedCommit): void {
    const h = block.header.height;
    const r = this.range();
    if (r.height !== 0n && h !== r.height + 1n) throw new Error(`MemBlockStore: saving ${h} after ${r.height}`);
    const meta: BlockMeta = { blockId, blockSize: encodeBlock(block).length, header: block.header, numTxs: block.data.txs.length };
    this.blocks.put(batch, H(h), enc(block));
    this.metas.put(batch, H(h), enc(meta));
    this.byHash.put(batch, blockId.hash, H(h));
    this.seen.put(batch, H(h), enc(seenCommit));
    if (extended !== undefined) this.ext.put(batch, H(h), enc(extended));
    this.meta.put(batch, STATE, enc({ base: r.base === 0n ? h : r.base, height: h }));
  }

  loadBlock(height: bigint): Block | undefined {
    return dec<Block>(this.blocks.get(H(height)));
  }

  loadBlockByHash(hash: Uint8Array): Block | undefined {
    const h = this.byHash.get(hash);
    return h === undefined ? undefined : this.loadBlock(readU64be(h));
  }

  loadBlockMeta(height: bigint): BlockMeta | undefined {
    return dec<BlockMeta>(this.metas.get(H(height)));
  }

  loadCommit(height: bigint): { commit: Commit; canonical: boolean } | undefined {
    const next = this.loadBlock(height + 1n);
    if (next !== undefined) return { commit: next.lastCommit, canonical: true };
    const seen = this.loadSeenCommit(height);
    return seen === undefined ? undefined : { commit: seen, canonical: false };
  }

  loadSeenCommit(height: bigint): Commit | undefined {
    return dec<Commit>(this.seen.get(H(height)));
  }

  loadExtendedCommit(height: bigint): ExtendedCommit | undefined {
    return dec<ExtendedCommit>(this.ext.get(H(height)));
  }
}

export class MemStateStore implements StateStore {
  private readonly state: Bucket;
  private readonly vals: Bucket;
  private readonly params: Bucket;
  private readonly responses: Bucket;

  constructor(db: NodeDb) {
    this.state = db.bucket(0xe8);
    this.vals = db.bucket(0xe9);
    this.params = db.bucket(0xea);
    this.responses = db.bucket(0xeb);
  }

  load(): ChainState | undefined {
    return dec<ChainState>(this.state.get(STATE));
  }

  save(batch: Batch, s: ChainState): void {
    const next = s.lastBlockHeight === 0n ? s.initialHeight : s.lastBlockHeight + 1n;
    this.state.put(batch, STATE, enc(s));
    if (s.lastBlockHeight > 0n) this.vals.put(batch, H(s.lastBlockHeight), enc(s.lastValidators));
    this.vals.put(batch, H(next), enc(s.validators));
    this.vals.put(batch, H(next + 1n), enc(s.nextValidators));
    this.params.put(batch, H(next), enc(s.consensusParams));
  }

  saveFinalizeBlockResponse(batch: Batch, height: bigint, res: FinalizeBlockResponse): void {
    this.responses.put(batch, H(height), enc(res));
  }

  loadValidators(height: bigint): Validator[] | undefined {
    return dec<Validator[]>(this.vals.get(H(height)));
  }

  loadConsensusParams(height: bigint): ConsensusParams | undefined {
    return dec<ConsensusParams>(this.params.get(H(height)));
  }

  loadFinalizeBlockResponse(height: bigint): FinalizeBlockResponse | undefined {
    return dec<FinalizeBlockResponse>(this.responses.get(H(height)));
  }
}

/** the last signature of a MemPV; share it between "restarts" to keep double-sign protection. */
export interface LastSigned {
  height: bigint;
  round: number;
  step: number;
  signBytes: Uint8Array;
  signature: Uint8Array;
  vote: Vote | undefined;
}

/** an in-memory private validator with FilePV's double-sign rules (consensus.md §4.2). */
export class MemPV implements VoteSigner {
  readonly key: Ed25519Key;
  readonly address: Uint8Array;
  readonly pubKey: Uint8Array;
  last: LastSigned;
  signCount = 0;

  constructor(seed: Uint8Array = new Uint8Array(32).fill(7), last?: LastSigned) {
    this.key = ed25519FromSeed(seed);
    this.pubKey = this.key.publicKey;
    this.address = ed25519Address(this.pubKey);
    this.last = last ?? { height: 0n, round: 0, step: 0, signBytes: new Uint8Array(0), signature: new Uint8Array(0), vote: undefined };
  }

  async signVote(chainId: string, vote: Vote, signExtension: boolean): Promise<Vote> {
    const step = vote.type === 2 ? 3 : vote.type === 1 ? 2 : 1;
    const l = this.last;
    const cmp = vote.height !== l.height ? (vote.height > l.height ? 1 : -1) : vote.round !== l.round ? vote.round - l.round : step - l.step;
    const signBytes = voteSignBytes(chainId, vote);
    const extSig = signExtension && vote.type === 2 ? signEd25519(this.key, voteExtensionSignBytes(chainId, vote)) : new Uint8Array(0);
    if (cmp < 0) throw new Error(`double sign refused: ${vote.height}/${vote.round}/${step} is below the last signed ${l.height}/${l.round}/${l.step}`);
    if (cmp === 0) {
      if (equal(signBytes, l.signBytes)) return { ...vote, signature: l.signature, extensionSignature: extSig };
      if (l.vote !== undefined && equal(voteSignBytes(chainId, { ...vote, timestamp: l.vote.timestamp }), l.signBytes)) {
        return { ...vote, timestamp: l.vote.timestamp, signature: l.signature, extensionSignature: extSig };
      }
      throw new Error(`double sign refused: conflicting data at ${vote.height}/${vote.round}/${step} (last sign bytes ${toHex(l.signBytes).slice(0, 16)}…)`);
    }
    const signature = signEd25519(this.key, signBytes);
    this.signCount++;
    this.last = { height: vote.height, round: vote.round, step, signBytes, signature, vote: { ...vote, signature } };
    return { ...vote, signature, extensionSignature: extSig };
  }
}
