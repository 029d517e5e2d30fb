/**
 * Two-branch chains for fork tests (S13): real headers (hashes, last-commit hashes, validators hash),
 * real ed25519 commits of chosen rounds and signers, and the block-store / state-store views an
 * evidence pool reads. S13's validator set: two honest keys of power 12 and one key of 43 (64 %) that
 * runs twice (one copy per branch).
 */
import { sha256 } from "../../../modules/core/hash.ts";
import { utf8 } from "../../../modules/core/bytes.ts";
import type { ChainState } from "../../storage/types.ts";
import type { Block, BlockID, Commit, CommitSig, Header, Timestamp, Validator } from "../../types/block.ts";
import { commitHash, headerHash, validatorSetHash } from "../../types/hash.ts";
import { silentLogger } from "../../util/logger.ts";
import { EvidencePool } from "../evidencePool.ts";
import { ed25519Scheme, makeValidatorSet, signedVote, type TestKey, testKeys } from "../testing.ts";

export const FORK_CHAIN = "fork-test-1";
export const keys = testKeys(3, ed25519Scheme, "fork");
export const set = makeValidatorSet(keys, [12n, 12n, 43n]);
export const vals: Validator[] = set.validators;
export const keyAt = (i: number): TestKey => keys.find((k) => Buffer.compare(Buffer.from(k.address), Buffer.from(vals[i]!.address)) === 0)!;
export const sharedIdx = vals.findIndex((v) => v.votingPower === 43n);
export const honestIdx = [0, 1, 2].filter((i) => i !== sharedIdx);
export const ts = (s: number): Timestamp => ({ seconds: BigInt(s), nanos: 0 });

const EMPTY = new Uint8Array(0);

/** a commit of `height` in `round` for `id` signed by the validators at `signers` (the others absent); `corrupt`: that signature broken. */
export function signCommit(height: bigint, id: BlockID, round: number, signers: readonly number[], corrupt?: number): Commit {
  return {
    height,
    round,
    blockId: id,
    signatures: vals.map((v, i): CommitSig => {
      if (!signers.includes(i)) return { blockIdFlag: 1, validatorAddress: EMPTY, timestamp: ts(0), signature: EMPTY };
      const vote = signedVote(keyAt(i), ed25519Scheme, FORK_CHAIN, set, { type: 2, height, round, blockId: id, timestamp: ts(1_700_000_000 + Number(height) * 10 + i) });
      const sig = Uint8Array.from(vote.signature);
      if (corrupt === i) sig[0] = sig[0]! ^ 1;
      return { blockIdFlag: 2, validatorAddress: v.address, timestamp: vote.timestamp, signature: sig };
    }),
  };
}

export interface ChainBlock {
  block: Block;
  id: BlockID;
  /** the commit of this block (the next block's last commit). */
  commit: Commit;
}

/**
 * a branch: heights 1..`forkAt − 1` shared with every other branch built from the same `common`, then
 * its own blocks up to `top`, each committed in `round(h)` by `signers`. App hash of h+1 = f(block h), so
 * headers at `forkAt` are validly derived on both branches (same app hash), later ones differ.
 */
export function buildBranch(o: { tag: string; forkAt: bigint; top: bigint; round: (h: bigint) => number; signers: readonly number[]; common?: ChainBlock[] }): ChainBlock[] {
  const out: ChainBlock[] = [];
  const valsHash = validatorSetHash(vals);
  for (let h = 1n; h <= o.top; h++) {
    if (h < o.forkAt && o.common?.[Number(h) - 1] !== undefined) {
      out.push(o.common[Number(h) - 1]!);
      continue;
    }
    const tag = h < o.forkAt ? "common" : o.tag;
    const prev = out[out.length - 1];
    const lastCommit: Commit = prev?.commit ?? { height: 0n, round: 0, blockId: { hash: EMPTY, partSetHeader: { total: 0, hash: EMPTY } }, signatures: [] };
    const header: Header = {
      version: { block: 11n, app: 0n },
      chainId: FORK_CHAIN,
      height: h,
      time: ts(1_700_000_000 + Number(h) * 10 + (tag === "common" ? 0 : tag.length)),
      lastBlockId: prev?.id ?? { hash: EMPTY, partSetHeader: { total: 0, hash: EMPTY } },
      lastCommitHash: commitHash(lastCommit),
      dataHash: sha256(utf8(`${tag}/data/${h}`)),
      validatorsHash: valsHash,
      nextValidatorsHash: valsHash,
      consensusHash: sha256(utf8("params")),
      appHash: prev === undefined ? sha256(utf8("genesis")) : sha256(prev.id.hash),
      lastResultsHash: sha256(utf8("results")),
      evidenceHash: EMPTY,
      proposerAddress: vals[Number(h) % vals.length]!.address,
    };
    const id: BlockID = { hash: headerHash(header), partSetHeader: { total: 1, hash: sha256(utf8(`${tag}/parts/${h}`)) } };
    const signers = h < o.forkAt ? [0, 1, 2] : o.signers;
    const block: Block = { header, data: { txs: [] }, evidence: { evidence: [] }, lastCommit };
    out.push({ block, id, commit: signCommit(h, id, h < o.forkAt ? 0 : o.round(h), signers) });
  }
  return out;
}

/** the chain state of a node whose last block is `chain[last − 1]`. */
export function stateOf(chain: ChainBlock[], last: bigint): ChainState {
  const b = chain[Number(last) - 1]!;
  return {
    chainId: FORK_CHAIN,
    lastBlockHeight: last,
    lastBlockId: b.id,
    lastBlockTime: b.block.header.time,
    consensusParams: { evidence: { maxAgeNumBlocks: 100_000n, maxAgeDurationNs: 172_800_000_000_000n, maxBytes: 1_048_576n } },
  } as unknown as ChainState;
}

/** an evidence pool over `chain` up to `last` (canonical commits below `last`, the seen commit of `last`: `seen` or the chain's). */
export function poolOn(chain: ChainBlock[], last: bigint, dir?: string, seen?: Map<bigint, Commit>): { p: EvidencePool; state: ChainState; setLast(h: bigint): void } {
  let state = stateOf(chain, last);
  const at = (h: bigint) => (h >= 1n && h <= state.lastBlockHeight ? chain[Number(h) - 1] : undefined);
  const p = new EvidencePool(dir !== undefined ? { dir } : {}, {
    blockStore: {
      loadBlockMeta: (h) => {
        const b = at(h);
        return b === undefined ? undefined : ({ blockId: b.id, header: b.block.header } as never);
      },
      loadBlock: (h) => at(h)?.block,
      height: () => state.lastBlockHeight,
      base: () => 1n,
      loadBlockCommit: (h) => (h < state.lastBlockHeight ? at(h)?.commit : undefined),
      loadSeenCommit: (h) => seen?.get(h) ?? at(h)?.commit,
    },
    stateStore: { loadValidators: (h) => (h <= state.lastBlockHeight ? vals : undefined) },
    getState: () => state,
    logger: silentLogger(),
  });
  return {
    p,
    get state() {
      return state;
    },
    setLast(h: bigint) {
      state = stateOf(chain, h);
    },
  } as { p: EvidencePool; state: ChainState; setLast(h: bigint): void };
}
