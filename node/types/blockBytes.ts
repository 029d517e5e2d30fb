/**
 * A block's protobuf bytes and BlockID, computed once per block object. A validator needed the same
 * encoding of a ~250 KB block up to four times per height: the WAL record of the proposal (or of our
 * own value), the machine's BlockID check (the part-set header hashes the encoded bytes), the driver's
 * block map, and the proposal sent to peers (~0.8 ms per encode of a 1,000-tx block). Blocks are never
 * mutated once built or decoded (the reactor's relays already relied on it). Only our own encoding is
 * kept: the bytes a peer sent are not used, so a non-canonical encoding can never change a BlockID.
 * WeakMaps keyed by the block: a few entries per height, never on a per-tx path.
 */
import type { Block, BlockID, Bytes } from "./block.ts";
import { encodeBlock } from "./encoding.ts";
import { headerHash, partSetHeader } from "./hash.ts";

const bytesMemo = new WeakMap<Block, Bytes>();
const idMemo = new WeakMap<Block, BlockID>();

/** encodeBlock(block), once per block object (the result is shared: never mutate it). */
export function blockBytes(block: Block): Bytes {
  let b = bytesMemo.get(block);
  if (b === undefined) {
    b = encodeBlock(block);
    bytesMemo.set(block, b);
  }
  return b;
}

/** the BlockID (header hash + part-set header of blockBytes), once per block object. */
export function memoBlockId(block: Block): BlockID {
  let id = idMemo.get(block);
  if (id === undefined) {
    id = { hash: headerHash(block.header), partSetHeader: partSetHeader(blockBytes(block)) };
    idMemo.set(block, id);
  }
  return id;
}
