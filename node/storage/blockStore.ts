/**
 * The block store (CometBFT store/store.go): blocks as tendermint.types.Block protobuf by height, block
 * metas, header hash → height, the canonical commit of h (carried by block h+1), the seen commit and
 * the extended commit of h, and the {base, height} range. Writes are staged into the caller's batch;
 * base/height advance in memory once that batch is written (NodeBatch.afterWrite).
 */
import type { Bytes } from "../../modules/core/abci.ts";
import { readU64be, u64be } from "../../modules/core/bytes.ts";
import type { BlockStoreReader } from "../rpc/env.ts";
import type { Block, BlockID, BlockMeta, Commit, ExtendedCommit } from "../types/block.ts";
import {
  decodeBlock,
  decodeBlockMeta,
  decodeCommit,
  decodeExtendedCommit,
  encodeBlockMeta,
  encodeCommit,
  encodeExtendedCommit,
} from "../types/encoding.ts";
import { blockBytes } from "../types/blockBytes.ts";
import { BUCKET } from "./buckets.ts";
import { type NodeDb, runAfterWrite } from "./db.ts";
import type { Batch, Bucket, BlockStoreWriter } from "./types.ts";

const STATE_KEY = new Uint8Array([0x73]); // "s"

export class BlockStore implements BlockStoreReader, BlockStoreWriter {
  private readonly blocks: Bucket;
  private readonly metas: Bucket;
  private readonly hashes: Bucket;
  private readonly commits: Bucket;
  private readonly seen: Bucket;
  private readonly extended: Bucket;
  private readonly stateBucket: Bucket;
  private _base: bigint;
  private _height: bigint;
  /** the range as staged by saveBlock (becomes base/height when the batch is written). */
  private pendingHeight: bigint;

  constructor(db: NodeDb) {
    this.blocks = db.bucket(BUCKET.block);
    this.metas = db.bucket(BUCKET.blockMeta);
    this.hashes = db.bucket(BUCKET.blockHash);
    this.commits = db.bucket(BUCKET.blockCommit);
    this.seen = db.bucket(BUCKET.seenCommit);
    this.extended = db.bucket(BUCKET.extendedCommit);
    this.stateBucket = db.bucket(BUCKET.blockStoreState);
    const st = this.stateBucket.get(STATE_KEY);
    if (st === undefined) {
      this._base = 0n;
      this._height = 0n;
    } else {
      if (st.length !== 16) throw new Error("block store: corrupt state record");
      this._base = readU64be(st, 0);
      this._height = readU64be(st, 8);
    }
    this.pendingHeight = this._height;
  }

  base(): bigint {
    return this._base;
  }

  height(): bigint {
    return this._height;
  }

  size(): bigint {
    return this._height === 0n ? 0n : this._height - this._base + 1n;
  }

  /**
   * Stages block `h = block.header.height` (must be height()+1 unless the store is empty), its meta,
   * hash index, the canonical commit of h−1 (block.lastCommit), the seen commit of h and, when given,
   * the extended commit of h.
   */
  saveBlock(batch: Batch, block: Block, blockId: BlockID, seenCommit: Commit, extended?: ExtendedCommit): void {
    const h = block.header.height;
    if (h <= 0n) throw new Error(`block store: cannot save block at height ${h}`);
    if (this.pendingHeight !== 0n && h !== this.pendingHeight + 1n) {
      throw new Error(`block store: can only save contiguous blocks: wanted ${this.pendingHeight + 1n}, got ${h}`);
    }
    if (seenCommit.height !== h) throw new Error(`block store: seen commit height ${seenCommit.height} != block height ${h}`);
    if (extended !== undefined && extended.height !== h) throw new Error(`block store: extended commit height ${extended.height} != ${h}`);
    // shared with consensus (the WAL record, the BlockID and the proposal to peers encoded it already)
    const bytes = blockBytes(block);
    const meta: BlockMeta = { blockId, blockSize: bytes.length, header: block.header, numTxs: block.data.txs.length };
    const key = u64be(h);
    this.blocks.put(batch, key, bytes);
    this.metas.put(batch, key, encodeBlockMeta(meta));
    this.hashes.put(batch, blockId.hash, key);
    if (h > 1n && block.lastCommit.height === h - 1n) this.commits.put(batch, u64be(h - 1n), encodeCommit(block.lastCommit));
    this.seen.put(batch, key, encodeCommit(seenCommit));
    if (extended !== undefined) this.extended.put(batch, key, encodeExtendedCommit(extended));
    const base = this._base === 0n ? h : this._base;
    this.stateBucket.put(batch, STATE_KEY, stateBytes(base, h));
    this.pendingHeight = h;
    runAfterWrite(batch, () => {
      this._base = base;
      this._height = h;
    });
  }

  loadBlock(height: bigint): Block | undefined {
    if (height <= 0n) return undefined;
    const bz = this.blocks.get(u64be(height));
    return bz === undefined ? undefined : decodeBlock(bz);
  }

  /** the stored protobuf bytes of block `height` (block sync serves these unchanged). */
  loadBlockBytes(height: bigint): Bytes | undefined {
    if (height <= 0n) return undefined;
    return this.blocks.get(u64be(height));
  }

  loadBlockByHash(hash: Bytes): Block | undefined {
    const h = this.heightByHash(hash);
    return h === undefined ? undefined : this.loadBlock(h);
  }

  heightByHash(hash: Bytes): bigint | undefined {
    if (hash.length === 0) return undefined;
    const v = this.hashes.get(hash);
    return v === undefined ? undefined : readU64be(v);
  }

  loadBlockMeta(height: bigint): BlockMeta | undefined {
    if (height <= 0n) return undefined;
    const bz = this.metas.get(u64be(height));
    return bz === undefined ? undefined : decodeBlockMeta(bz);
  }

  loadBlockMetaByHash(hash: Bytes): BlockMeta | undefined {
    const h = this.heightByHash(hash);
    return h === undefined ? undefined : this.loadBlockMeta(h);
  }

  /** the commit of `height` carried by block height+1 (undefined until that block is stored). */
  loadBlockCommit(height: bigint): Commit | undefined {
    if (height <= 0n) return undefined;
    const bz = this.commits.get(u64be(height));
    return bz === undefined ? undefined : decodeCommit(bz);
  }

  loadSeenCommit(height: bigint): Commit | undefined {
    if (height <= 0n) return undefined;
    const bz = this.seen.get(u64be(height));
    return bz === undefined ? undefined : decodeCommit(bz);
  }

  loadExtendedCommit(height: bigint): ExtendedCommit | undefined {
    if (height <= 0n) return undefined;
    const bz = this.extended.get(u64be(height));
    return bz === undefined ? undefined : decodeExtendedCommit(bz);
  }

  loadCommit(height: bigint): { commit: Commit; canonical: boolean } | undefined {
    const c = this.loadBlockCommit(height);
    if (c !== undefined) return { commit: c, canonical: true };
    const s = this.loadSeenCommit(height);
    return s === undefined ? undefined : { commit: s, canonical: false };
  }

  /**
   * Stages removal of blocks below `retainHeight` (never the latest block); returns how many.
   * Seen/extended commits below it go too; the canonical commit of retainHeight−1 is kept.
   */
  pruneBlocks(batch: Batch, retainHeight: bigint): number {
    if (retainHeight <= this._base) return 0;
    if (retainHeight > this._height) throw new Error(`block store: cannot prune beyond the latest height ${this._height}`);
    let n = 0;
    for (let h = this._base; h < retainHeight; h++) {
      const key = u64be(h);
      const meta = this.loadBlockMeta(h);
      if (meta !== undefined) this.hashes.del(batch, meta.blockId.hash);
      this.blocks.del(batch, key);
      this.metas.del(batch, key);
      this.seen.del(batch, key);
      this.extended.del(batch, key);
      if (h < retainHeight - 1n) this.commits.del(batch, key);
      n++;
    }
    const height = this._height;
    this.stateBucket.put(batch, STATE_KEY, stateBytes(retainHeight, height));
    runAfterWrite(batch, () => {
      this._base = retainHeight;
    });
    return n;
  }
}

function stateBytes(base: bigint, height: bigint): Bytes {
  const out = new Uint8Array(16);
  out.set(u64be(base), 0);
  out.set(u64be(height), 8);
  return out;
}
