/**
 * points_root of a receipt (RFC 6962 shape, sha256): leaf = sha256(0x00 ‖ u64be(snapshot index) ‖
 * i64be(value at scale 2^40) ‖ u8(len) ‖ contributor address), node = sha256(0x01 ‖ left ‖ right),
 * leaves in the receipt's point order (nearest first); the empty tree is sha256("").
 */
import type { Bytes } from "../core/abci.ts";
import { concat, u64be } from "../core/bytes.ts";
import { sha256 } from "../core/hash.ts";

export function pointLeafHash(index: bigint, value: bigint, contributor: Bytes): Bytes {
  const v = new Uint8Array(8);
  new DataView(v.buffer).setBigInt64(0, value);
  return sha256(concat(Uint8Array.of(0), u64be(index), v, Uint8Array.of(contributor.length), contributor));
}

export function merkleRoot(leaves: readonly Bytes[]): Bytes {
  if (leaves.length === 0) return sha256(new Uint8Array(0));
  let level: Bytes[] = [...leaves];
  while (level.length > 1) {
    const next: Bytes[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(sha256(concat(Uint8Array.of(1), level[i] as Bytes, level[i + 1] as Bytes)));
    if (level.length % 2 === 1) next.push(level[level.length - 1] as Bytes);
    level = next;
  }
  return level[0] as Bytes;
}
