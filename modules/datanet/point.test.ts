import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toHex } from "../core/bytes.ts";
import { encodePointV1, featuresFromBytes, featuresToBytes, pointHashV1 } from "./point.ts";
import { merkleRoot, nodeHash, snapshotLeafHash } from "./merkle.ts";
import { sha256 } from "../core/hash.ts";

describe("datanet/point", () => {
  it("schema v1 canonical encoding: u16le(dim) ‖ i16le features ‖ u32le(label) (golden)", () => {
    const p = { features: featuresToBytes([1, -2, 32767, -32768]), label: 7 };
    assert.equal(toHex(encodePointV1(p)), "0400" + "0100" + "feff" + "ff7f" + "0080" + "07000000");
    assert.equal(toHex(pointHashV1(p)), toHex(pointHashV1({ features: featuresToBytes([1, -2, 32767, -32768]), label: 7 })));
    assert.notEqual(toHex(pointHashV1(p)), toHex(pointHashV1({ ...p, label: 6 })), "the label is part of the hash");
    assert.deepEqual([...featuresFromBytes(p.features)], [1, -2, 32767, -32768]);
    assert.throws(() => featuresToBytes([40000]), RangeError);
  });
});

describe("datanet/merkle", () => {
  const mth = (xs: Uint8Array[]): Uint8Array => {
    if (xs.length === 0) return sha256(new Uint8Array(0));
    if (xs.length === 1) return xs[0] as Uint8Array;
    let k = 1;
    while (k * 2 < xs.length) k *= 2;
    return nodeHash(mth(xs.slice(0, k)), mth(xs.slice(k)));
  };
  it("equals the recursive RFC 6962 definition for 0..33 leaves", () => {
    for (let n = 0; n <= 33; n++) {
      const leaves = Array.from({ length: n }, (_, i) => snapshotLeafHash({ index: BigInt(i), contributionId: BigInt(i + 10), pointHash: sha256(Uint8Array.of(i)), contributor: new Uint8Array(20).fill(i) }));
      assert.equal(toHex(merkleRoot(leaves)), toHex(mth(leaves)), `n=${n}`);
    }
  });
  it("leaves are domain-separated from nodes and bind index, id, hash and contributor", () => {
    const base = { index: 0n, contributionId: 1n, pointHash: new Uint8Array(32), contributor: new Uint8Array(20) };
    const h = toHex(snapshotLeafHash(base));
    assert.notEqual(h, toHex(snapshotLeafHash({ ...base, index: 1n })));
    assert.notEqual(h, toHex(snapshotLeafHash({ ...base, contributionId: 2n })));
    assert.notEqual(h, toHex(snapshotLeafHash({ ...base, contributor: new Uint8Array(20).fill(1) })));
  });
});
