/**
 * Test helpers for the consensus core (unit tests and the simulator): deterministic keys, validator
 * sets, signature schemes (real ed25519, or a cheap hash-based fake for the simulator's speed),
 * simple signers and block builders. Not used by production code.
 */
import { createHash } from "node:crypto";
import type { Bytes, Timestamp } from "../../modules/core/abci.ts";
import { concat, EMPTY, equal, utf8 } from "../../modules/core/bytes.ts";
import { sha256 } from "../../modules/core/hash.ts";
import { ed25519FromSeed, signEd25519, verifyEd25519 } from "../crypto/ed25519.ts";
import { type Block, type BlockID, type Commit, EMPTY_BLOCK_ID, type Proposal, SignedMsgType, type Vote } from "../types/block.ts";
import { proposalSignBytes, voteExtensionSignBytes, voteSignBytes } from "../types/encoding.ts";
import { commitHash, dataHash, evidenceHash } from "../types/hash.ts";
import { makeValidator, ValidatorSet } from "../types/validatorSet.ts";
import type { ConsensusSigner, SignatureVerifier } from "./state.ts";

export interface TestKey {
  seed: Bytes;
  publicKey: Bytes;
  address: Bytes;
}

export interface SigScheme {
  name: "ed25519" | "fake";
  pubKey(seed: Bytes): Bytes;
  sign(key: TestKey, msg: Bytes): Bytes;
  verifier: SignatureVerifier;
}

export const ed25519Scheme: SigScheme = {
  name: "ed25519",
  pubKey: (seed) => ed25519FromSeed(seed).publicKey,
  sign: (key, msg) => signEd25519(key, msg),
  verifier: { verify: verifyEd25519 },
};

/** a cheap fake: pubkey = sha256(seed); sig = sha256(pubkey ‖ msg) twice. Anyone can forge it (sim only). */
function fakeSig(pub: Bytes, msg: Bytes): Bytes {
  const d = createHash("sha256").update(pub).update(msg).digest();
  const out = new Uint8Array(64);
  out.set(d, 0);
  out.set(d, 32);
  return out;
}

export const fakeScheme: SigScheme = {
  name: "fake",
  pubKey: (seed) => sha256(concat(utf8("fake-pub"), seed)),
  sign: (key, msg) => fakeSig(key.publicKey, msg),
  verifier: { verify: fakeVerify },
};

/** verdicts memoized per signature object (the simulator's nodes share message objects). */
const fakeMemo = new WeakMap<Bytes, { pub: Bytes; msg: Bytes; ok: boolean }>();

function fakeVerify(pub: Bytes, msg: Bytes, sig: Bytes): boolean {
  const m = fakeMemo.get(sig);
  if (m !== undefined && m.pub === pub && m.msg === msg) return m.ok;
  const ok = sig.length === 64 && equal(sig, fakeSig(pub, msg));
  fakeMemo.set(sig, { pub, msg, ok });
  return ok;
}

export function testKeys(n: number, scheme: SigScheme, tag = "val"): TestKey[] {
  const out: TestKey[] = [];
  for (let i = 0; i < n; i++) {
    const seed = sha256(utf8(`${tag}-${i}`));
    const publicKey = scheme.pubKey(seed);
    out.push({ seed, publicKey, address: sha256(publicKey).subarray(0, 20) });
  }
  return out;
}

export function makeValidatorSet(keys: readonly TestKey[], powers: readonly bigint[]): ValidatorSet {
  return ValidatorSet.create(keys.map((k, i) => makeValidator(k.publicKey, powers[i] ?? 10n)));
}

/** a signer with no double-sign protection (tests that drive one machine; byzantine sim nodes). */
export function rawSigner(key: TestKey, chainId: string, scheme: SigScheme): ConsensusSigner {
  return {
    address: key.address,
    signVote(vote: Vote, signExtension: boolean): Vote {
      const signature = scheme.sign(key, voteSignBytes(chainId, vote));
      const extensionSignature = signExtension ? scheme.sign(key, voteExtensionSignBytes(chainId, vote)) : EMPTY;
      return { ...vote, signature, extensionSignature };
    },
    signProposal(p: Proposal): Proposal {
      return { ...p, signature: scheme.sign(key, proposalSignBytes(chainId, p)) };
    },
  };
}

export function signedVote(
  key: TestKey,
  scheme: SigScheme,
  chainId: string,
  vals: ValidatorSet,
  f: { type: 1 | 2; height: bigint; round: number; blockId?: BlockID; timestamp?: Timestamp; extension?: Bytes },
): Vote {
  const idx = vals.getByAddress(key.address)!.index;
  const blockId = f.blockId ?? EMPTY_BLOCK_ID;
  const vote: Vote = {
    type: f.type,
    height: f.height,
    round: f.round,
    blockId,
    timestamp: f.timestamp ?? { seconds: 1_700_000_000n, nanos: 0 },
    validatorAddress: key.address,
    validatorIndex: idx,
    signature: EMPTY,
    extension: f.extension ?? EMPTY,
    extensionSignature: EMPTY,
  };
  const ext = f.type === 2 && blockId.hash.length > 0 && f.extension !== undefined;
  return rawSigner(key, chainId, scheme).signVote(vote, ext);
}

export function signedProposal(key: TestKey, scheme: SigScheme, chainId: string, f: { height: bigint; round: number; polRound: number; blockId: BlockID; timestamp?: Timestamp }): Proposal {
  const p: Proposal = {
    type: SignedMsgType.Proposal,
    height: f.height,
    round: f.round,
    polRound: f.polRound,
    blockId: f.blockId,
    timestamp: f.timestamp ?? { seconds: 1_700_000_000n, nanos: 0 },
    signature: EMPTY,
  };
  return rawSigner(key, chainId, scheme).signProposal(p);
}

const Z32 = new Uint8Array(32);

/** a structurally complete block (hashes of its body filled in) with the given header facts. */
export function makeTestBlock(f: {
  chainId: string;
  height: bigint;
  time: Timestamp;
  lastBlockId?: BlockID;
  lastCommit?: Commit;
  proposer: Bytes;
  validatorsHash?: Bytes;
  txs?: Bytes[];
}): Block {
  const txs = f.txs ?? [];
  const lastCommit: Commit = f.lastCommit ?? { height: 0n, round: 0, blockId: EMPTY_BLOCK_ID, signatures: [] };
  return {
    header: {
      version: { block: 11n, app: 0n },
      chainId: f.chainId,
      height: f.height,
      time: f.time,
      lastBlockId: f.lastBlockId ?? EMPTY_BLOCK_ID,
      lastCommitHash: commitHash(lastCommit),
      dataHash: dataHash(txs),
      validatorsHash: f.validatorsHash ?? Z32,
      nextValidatorsHash: f.validatorsHash ?? Z32,
      consensusHash: Z32,
      appHash: EMPTY,
      lastResultsHash: EMPTY,
      evidenceHash: evidenceHash([]),
      proposerAddress: f.proposer,
    },
    data: { txs },
    evidence: { evidence: [] },
    lastCommit,
  };
}
