import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { utf8 } from "../../modules/core/bytes.ts";
import { verifyEd25519 } from "../crypto/ed25519.ts";
import type { Proposal, Vote } from "../types/block.ts";
import { EMPTY_BLOCK_ID } from "../types/block.ts";
import { proposalSignBytes, voteExtensionSignBytes, voteSignBytes } from "../types/encoding.ts";
import { sampleBlockId } from "../types/testdata.ts";
import { DoubleSignError, FilePV } from "./filePV.ts";

const CHAIN = "openledger-test-1";

function vote(over: Partial<Vote> = {}): Vote {
  return {
    type: 1,
    height: 10n,
    round: 0,
    blockId: sampleBlockId("x"),
    timestamp: { seconds: 1700000000n, nanos: 0 },
    validatorAddress: new Uint8Array(20),
    validatorIndex: 0,
    signature: new Uint8Array(0),
    extension: new Uint8Array(0),
    extensionSignature: new Uint8Array(0),
    ...over,
  };
}

function withPV(fn: (dir: string, pv: FilePV) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "privval-"));
  try {
    fn(dir, FilePV.loadOrGen(join(dir, "key.json"), join(dir, "state.json")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function code(e: unknown): string {
  assert.ok(e instanceof DoubleSignError, String(e));
  return e.code;
}

describe("privval/filePV", () => {
  it("signs votes verifiably and persists the state before returning", () => {
    withPV((dir, pv) => {
      const v = pv.signVote(CHAIN, vote());
      assert.ok(verifyEd25519(pv.publicKey, voteSignBytes(CHAIN, v), v.signature));
      const st = JSON.parse(readFileSync(join(dir, "state.json"), "utf8"));
      assert.deepEqual(
        { height: st.height, round: st.round, step: st.step },
        { height: "10", round: 0, step: 2 },
      );
      assert.match(st.signbytes, /^[0-9A-F]+$/);
      assert.equal(st.signature, Buffer.from(v.signature).toString("base64"));
      assert.equal(statSync(join(dir, "state.json")).mode & 0o777, 0o600);
    });
  });

  it("same HRS: identical bytes → same signature; only timestamp differs → stored signature and timestamp; else refuse", () => {
    withPV((_dir, pv) => {
      const a = pv.signVote(CHAIN, vote());
      assert.deepEqual(pv.signVote(CHAIN, vote()).signature, a.signature);
      const later = pv.signVote(CHAIN, vote({ timestamp: { seconds: 1700000005n, nanos: 1 } }));
      assert.deepEqual(later.signature, a.signature);
      assert.deepEqual(later.timestamp, a.timestamp);
      assert.throws(() => pv.signVote(CHAIN, vote({ blockId: sampleBlockId("other") })), (e) => code(e) === "CONFLICTING_DATA");
      assert.throws(() => pv.signVote(CHAIN, vote({ blockId: EMPTY_BLOCK_ID })), (e) => code(e) === "CONFLICTING_DATA");
    });
  });

  it("refuses height, round and step regressions", () => {
    withPV((_dir, pv) => {
      pv.signVote(CHAIN, vote({ type: 2, height: 10n, round: 2 }));
      assert.throws(() => pv.signVote(CHAIN, vote({ height: 9n })), (e) => code(e) === "HEIGHT_REGRESSION");
      assert.throws(() => pv.signVote(CHAIN, vote({ height: 10n, round: 1 })), (e) => code(e) === "ROUND_REGRESSION");
      assert.throws(() => pv.signVote(CHAIN, vote({ type: 1, height: 10n, round: 2 })), (e) => code(e) === "STEP_REGRESSION");
      const p: Proposal = { type: 32, height: 10n, round: 2, polRound: -1, blockId: sampleBlockId(), timestamp: { seconds: 1n, nanos: 0 }, signature: new Uint8Array(0) };
      assert.throws(() => pv.signProposal(CHAIN, p), (e) => code(e) === "STEP_REGRESSION");
      const p3 = pv.signProposal(CHAIN, { ...p, round: 3 });
      assert.ok(verifyEd25519(pv.publicKey, proposalSignBytes(CHAIN, p3), p3.signature));
      // proposal at same HRS with a different timestamp → stored signature and timestamp
      const again = pv.signProposal(CHAIN, { ...p, round: 3, timestamp: { seconds: 2n, nanos: 0 } });
      assert.deepEqual(again.signature, p3.signature);
      assert.deepEqual(again.timestamp, p3.timestamp);
      assert.throws(() => pv.signProposal(CHAIN, { ...p, round: 3, polRound: 1 }), (e) => code(e) === "CONFLICTING_DATA");
    });
  });

  it("signs vote extensions of non-nil precommits only", () => {
    withPV((_dir, pv) => {
      const v = pv.signVote(CHAIN, vote({ type: 2, extension: utf8("verdicts") }));
      assert.ok(verifyEd25519(pv.publicKey, voteExtensionSignBytes(CHAIN, v), v.extensionSignature));
      assert.throws(() => pv.signVote(CHAIN, vote({ type: 1, height: 11n, extension: utf8("x") })), /only allowed in non-nil precommits/);
      const nil = pv.signVote(CHAIN, vote({ type: 2, height: 12n, blockId: EMPTY_BLOCK_ID }));
      assert.equal(nil.extensionSignature.length, 0);
    });
  });

  it("a restart keeps the protection (state reloaded from disk)", () => {
    const dir = mkdtempSync(join(tmpdir(), "privval-"));
    try {
      const keyPath = join(dir, "key.json");
      const statePath = join(dir, "state.json");
      const pv = FilePV.loadOrGen(keyPath, statePath);
      const a = pv.signVote(CHAIN, vote({ type: 2, height: 20n, round: 1 }));
      const pv2 = FilePV.load(keyPath, statePath);
      assert.deepEqual(pv2.publicKey, pv.publicKey);
      assert.equal(pv2.lastSignState().height, 20n);
      assert.deepEqual(pv2.signVote(CHAIN, vote({ type: 2, height: 20n, round: 1 })).signature, a.signature);
      assert.throws(() => pv2.signVote(CHAIN, vote({ type: 2, height: 20n, round: 1, blockId: sampleBlockId("evil") })), DoubleSignError);
      assert.throws(() => pv2.signVote(CHAIN, vote({ height: 19n })), DoubleSignError);
      const b = pv2.signVote(CHAIN, vote({ height: 21n }));
      assert.ok(verifyEd25519(pv.publicKey, voteSignBytes(CHAIN, b), b.signature));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
