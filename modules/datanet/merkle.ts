/**
 * Snapshot Merkle root (RFC 6962 shape, sha256, domain-separated leaves and nodes):
 *
 *     leaf(i)  = sha256(0x00 ‖ u64be(i) ‖ u64be(contribution_id) ‖ point_hash(32) ‖ u8(len) ‖ contributor address bytes)
 *     node     = sha256(0x01 ‖ left ‖ right)
 *     MTH([])  = sha256("")        MTH([x]) = x
 *     MTH(D_n) = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n
 *
 * Leaves are the accepted contributions in registration order; leaf i is embedding-index row i of a
 * model bound to the snapshot.
 */
import type { Bytes } from "../core/abci.ts";
import { concat, u64be } from "../core/bytes.ts";
import { sha256 } from "../core/hash.ts";

export interface SnapshotLeaf {
  index: bigint;
  contributionId: bigint;
  pointHash: Bytes;
  contributor: Bytes;
}

export function snapshotLeafHash(l: SnapshotLeaf): Bytes {
  if (l.pointHash.length !== 32) throw new RangeError("point hash must be 32 bytes");
  if (l.contributor.length > 255) throw new RangeError("address longer than 255 bytes");
  return sha256(concat(Uint8Array.of(0), u64be(l.index), u64be(l.contributionId), l.pointHash, Uint8Array.of(l.contributor.length), l.contributor));
}

export function nodeHash(left: Bytes, right: Bytes): Bytes {
  return sha256(concat(Uint8Array.of(1), left, right));
}

/** RFC 6962 Merkle tree hash of already-hashed leaves. */
export function merkleRoot(leaves: readonly Bytes[]): Bytes {
  if (leaves.length === 0) return sha256(new Uint8Array(0));
  // bottom-up over the RFC 6962 shape: pair adjacent nodes; an odd last node is promoted unchanged
  let level: Bytes[] = [...leaves];
  while (level.length > 1) {
    const next: Bytes[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i] as Bytes, level[i + 1] as Bytes));
    if (level.length % 2 === 1) next.push(level[level.length - 1] as Bytes);
    level = next;
  }
  return level[0] as Bytes;
}
