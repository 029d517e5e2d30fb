import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Block as PbBlock } from "cosmjs-types/tendermint/types/block";
import { DuplicateVoteEvidence as PbDve } from "cosmjs-types/tendermint/types/evidence";
import { BlockMeta as PbBlockMeta, ExtendedCommit as PbExtendedCommit, Proposal as PbProposal, Vote as PbVote } from "cosmjs-types/tendermint/types/types";
import { ValidatorSet as PbValidatorSet } from "cosmjs-types/tendermint/types/validator";
import { fromHex, toHex, utf8 } from "../../modules/core/bytes.ts";
import type { Block, Proposal, Vote } from "./block.ts";
import { EMPTY_BLOCK_ID } from "./block.ts";
import {
  decodeBlock,
  decodeBlockMeta,
  decodeCanonicalSignBytes,
  decodeCommit,
  decodeExtendedCommit,
  decodeProposal,
  decodeValidatorSet,
  decodeVote,
  encodeBlock,
  encodeBlockMeta,
  encodeCommit,
  encodeExtendedCommit,
  encodeProposal,
  encodeValidatorSet,
  encodeVote,
  proposalSignBytes,
  voteExtensionSignBytes,
  voteSignBytes,
} from "./encoding.ts";
import { sampleBlock, sampleBlockId, sampleCommit, sampleExtendedCommit, sampleHeader, sampleVote } from "./testdata.ts";
import { ZERO_TIME } from "./time.ts";

function sampleDve(): Uint8Array {
  const v = sampleVote();
  const pbVote = { ...v, type: v.type as number, height: v.height, round: v.round, validatorIndex: v.validatorIndex };
  return PbDve.encode(
    PbDve.fromPartial({ voteA: pbVote as never, voteB: { ...pbVote, round: 3 } as never, totalVotingPower: 10n, validatorPower: 1n, timestamp: { seconds: 5n, nanos: 0 } }),
  ).finish();
}

/** a Block value in cosmjs-types (ts-proto) shape, every nested message present. */
function toPb(b: Block) {
  return {
    header: b.header,
    data: { txs: b.data.txs },
    evidence: { evidence: b.evidence.evidence.map((e) => ({ duplicateVoteEvidence: PbDve.decode(e.raw) })) },
    lastCommit: b.lastCommit,
  };
}

function emptyVote(over: Partial<Vote>): Vote {
  return {
    type: 0,
    height: 0n,
    round: 0,
    blockId: EMPTY_BLOCK_ID,
    timestamp: ZERO_TIME,
    validatorAddress: new Uint8Array(0),
    validatorIndex: 0,
    signature: new Uint8Array(0),
    extension: new Uint8Array(0),
    extensionSignature: new Uint8Array(0),
    ...over,
  };
}

describe("types/encoding", () => {
  it("voteSignBytes matches CometBFT TestVoteSignBytesTestVectors", () => {
    const ts = "2a0b088092b8c398feffffff01";
    const cases: [string, Vote, string][] = [
      ["", emptyVote({}), `0d${ts}`],
      ["", emptyVote({ height: 1n, round: 1, type: 2 }), `210802110100000000000000190100000000000000${ts}`],
      ["", emptyVote({ height: 1n, round: 1, type: 1 }), `210801110100000000000000190100000000000000${ts}`],
      ["", emptyVote({ height: 1n, round: 1 }), `1f110100000000000000190100000000000000${ts}`],
      ["test_chain_id", emptyVote({ height: 1n, round: 1 }), `2e110100000000000000190100000000000000${ts}320d746573745f636861696e5f6964`],
      [
        "test_chain_id",
        emptyVote({ height: 1n, round: 1, extension: utf8("extension") }),
        `2e110100000000000000190100000000000000${ts}320d746573745f636861696e5f6964`,
      ],
    ];
    cases.forEach(([chainId, vote, want], i) => assert.equal(toHex(voteSignBytes(chainId, vote)), want, `case ${i}`));
  });

  it("voteSignBytes includes the canonical block id and is decodable", () => {
    const v = sampleVote();
    const sb = voteSignBytes("test_chain_id", v);
    const d = decodeCanonicalSignBytes(sb, false);
    assert.equal(d.type, 2);
    assert.equal(d.height, 12345n);
    assert.equal(d.round, 2n);
    assert.deepEqual(d.blockId, v.blockId);
    assert.deepEqual(d.timestamp, v.timestamp);
    assert.equal(d.chainId, "test_chain_id");
    // a different chain id or a nil block id changes the bytes
    assert.notDeepEqual(voteSignBytes("other", v), sb);
    assert.equal(decodeCanonicalSignBytes(voteSignBytes("c", { ...v, blockId: EMPTY_BLOCK_ID }), false).blockId, null);
  });

  it("voteExtensionSignBytes is a delimited CanonicalVoteExtension", () => {
    const v = emptyVote({ height: 1n, round: 1, extension: utf8("extension") });
    assert.equal(
      toHex(voteExtensionSignBytes("test_chain_id", v)),
      // len, ext(1), height sfixed64(2), round sfixed64(3), chain_id(4)
      `2c0a09${toHex(utf8("extension"))}110100000000000000190100000000000000220d746573745f636861696e5f6964`,
    );
  });

  it("proposalSignBytes encodes pol_round -1 as a 10-byte varint and type 32", () => {
    const p: Proposal = { type: 32, height: 1n, round: 2, polRound: -1, blockId: sampleBlockId(), timestamp: ZERO_TIME, signature: new Uint8Array(0) };
    const sb = proposalSignBytes("c", p);
    const hex = toHex(sb);
    assert.ok(hex.startsWith(`${(sb.length - 1).toString(16)}0820110100000000000000190200000000000000` + "20ffffffffffffffffff01"), hex);
    const d = decodeCanonicalSignBytes(sb, true);
    assert.equal(d.polRound, -1n);
    assert.equal(d.type, 32);
    assert.deepEqual(d.blockId, p.blockId);
    assert.equal(d.chainId, "c");
  });

  it("Block encoding equals cosmjs-types (gogoproto layout) and round-trips", () => {
    const dve = sampleDve();
    for (const b of [sampleBlock(3n), sampleBlock(7n, [dve])]) {
      const ours = encodeBlock(b);
      const theirs = PbBlock.encode(PbBlock.fromPartial(toPb(b) as never)).finish();
      assert.equal(toHex(ours), toHex(theirs));
      assert.deepEqual(decodeBlock(ours), b);
    }
  });

  it("the empty last commit of the first block is still emitted (non-nullable fields)", () => {
    const b = sampleBlock(1n);
    b.lastCommit = { height: 0n, round: 0, blockId: EMPTY_BLOCK_ID, signatures: [] };
    b.data.txs = [];
    const bz = encodeBlock(b);
    assert.ok(toHex(bz).endsWith("1200" + "1a00" + "2204" + "1a021200"), toHex(bz).slice(-40));
    assert.deepEqual(decodeBlock(bz), b);
  });

  it("Commit, ExtendedCommit, Vote, Proposal, BlockMeta, ValidatorSet round-trip and equal cosmjs-types", () => {
    const c = sampleCommit();
    assert.deepEqual(decodeCommit(encodeCommit(c)), c);
    const ec = sampleExtendedCommit();
    assert.equal(toHex(encodeExtendedCommit(ec)), toHex(PbExtendedCommit.encode(PbExtendedCommit.fromPartial(ec as never)).finish()));
    assert.deepEqual(decodeExtendedCommit(encodeExtendedCommit(ec)), ec);
    const v = sampleVote();
    assert.equal(toHex(encodeVote(v)), toHex(PbVote.encode(PbVote.fromPartial(v as never)).finish()));
    assert.deepEqual(decodeVote(encodeVote(v)), v);
    const p: Proposal = { type: 32, height: 9n, round: 3, polRound: -1, blockId: sampleBlockId(), timestamp: { seconds: 7n, nanos: 8 }, signature: new Uint8Array(64).fill(2) };
    assert.equal(toHex(encodeProposal(p)), toHex(PbProposal.encode(PbProposal.fromPartial(p as never)).finish()));
    assert.deepEqual(decodeProposal(encodeProposal(p)), p);
    const meta = { blockId: sampleBlockId(), blockSize: 1234, header: sampleHeader(), numTxs: 3 };
    assert.equal(
      toHex(encodeBlockMeta(meta)),
      toHex(PbBlockMeta.encode(PbBlockMeta.fromPartial({ ...meta, blockSize: 1234n, numTxs: 3n } as never)).finish()),
    );
    assert.deepEqual(decodeBlockMeta(encodeBlockMeta(meta)), meta);
    const vals = [
      { address: new Uint8Array(20).fill(1), pubKey: { type: "ed25519" as const, value: new Uint8Array(32).fill(5) }, votingPower: 10n, proposerPriority: -3n },
      { address: new Uint8Array(20).fill(2), pubKey: { type: "ed25519" as const, value: new Uint8Array(32).fill(6) }, votingPower: 5n, proposerPriority: 3n },
    ];
    const vsBytes = encodeValidatorSet(vals, vals[0], 15n);
    const pbVals = vals.map((x) => ({ ...x, pubKey: { ed25519: x.pubKey.value } }));
    assert.equal(toHex(vsBytes), toHex(PbValidatorSet.encode(PbValidatorSet.fromPartial({ validators: pbVals, proposer: pbVals[0]!, totalVotingPower: 15n })).finish()));
    assert.deepEqual(decodeValidatorSet(vsBytes), { validators: vals, proposer: vals[0], totalVotingPower: 15n });
  });

  it("decoders reject unknown fields and bad wire types", () => {
    const bz = encodeCommit(sampleCommit());
    assert.throws(() => decodeCommit(new Uint8Array([...bz, 0x28, 0x01])), /unexpected protobuf field 5/);
    assert.throws(() => decodeCommit(fromHex("0a00")), /unexpected protobuf field 1/);
    assert.throws(() => decodeBlock(new Uint8Array(0)), /without header/);
  });
});
