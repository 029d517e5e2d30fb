/**
 * Verification of a synced block before it is persisted and executed (consensus.md §5.3, pitfall 6:
 * fully verify anything you persist), and a `verifyAndApply` built from the block executor for
 * node.ts. The reactor (reactor.ts) only sees the callback.
 *
 * Block h is verified with the commit that block h+1 carries:
 *   1. the commit: height h, one signature slot per validator of h, every non-absent signature valid
 *      over the canonical precommit sign bytes, > 2/3 of the power committing to its block id
 *      (full verification, not "stop at 2/3": cometbft#1749);                  failure → culprit "commit"
 *   2. BlockID(block h) equals the commit's block id (header hash and part-set header), and the body
 *      matches the header (data, last commit, evidence hashes);                failure → culprit "block"
 *   3. the first block synced also has its own last_commit verified against the last validators;
 *   3b. with vote extensions enabled at h, the extended commit that comes with block h is required and
 *      fully verified (its precommits as a commit of h for the same block, and every COMMIT entry's
 *      extension signature): the next proposer puts it into its block;     failure → culprit "block"
 *   4. the header against our state (chain id, height, last block id, validator, consensus, app and
 *      results hashes): a +2/3-signed header that does not follow our state means our state diverged,
 *      which is no peer's fault: a plain Error (the node halts).
 */
import { equal, toHex } from "../../modules/core/bytes.ts";
import type { BlockExecutor } from "../execution/blockExecutor.ts";
import type { BatchWriter, BlockStore } from "../execution/types.ts";
import type { ChainState } from "../storage/types.ts";
import { verifyEd25519 } from "../crypto/ed25519.ts";
import { type Block, type BlockID, type Commit, type ExtendedCommit, SignedMsgType, type Validator } from "../types/block.ts";
import { voteExtensionSignBytes, voteSignBytes } from "../types/encoding.ts";
import { voteExtensionsEnabled } from "../execution/state.ts";
import { blockId as computeBlockId, commitHash, consensusParamsHash, dataHash, evidenceHash, validatorSetHash } from "../types/hash.ts";

export type Culprit = "block" | "commit";

/** a synced block or commit that fails verification: the peer that served the culprit is at fault. */
export class BlockSyncVerifyError extends Error {
  readonly culprit: Culprit;
  constructor(culprit: Culprit, message: string) {
    super(message);
    this.name = "BlockSyncVerifyError";
    this.culprit = culprit;
  }
}

export function blockIdEqual(a: BlockID, b: BlockID): boolean {
  return equal(a.hash, b.hash) && a.partSetHeader.total === b.partSetHeader.total && equal(a.partSetHeader.hash, b.partSetHeader.hash);
}

/**
 * Full commit verification (CometBFT VerifyCommit, checking every signature): throws
 * BlockSyncVerifyError(culprit) unless `commit` is a valid commit of `height` by `vals`.
 */
export function verifyCommit(
  chainId: string,
  vals: readonly Validator[],
  height: bigint,
  commit: Commit,
  culprit: Culprit = "commit",
  /** entries already verified elsewhere (byte-identical precommits): their signature is not checked again. */
  alreadyVerified?: (index: number) => boolean,
): void {
  const fail = (m: string): never => {
    throw new BlockSyncVerifyError(culprit, `commit of height ${height}: ${m}`);
  };
  if (commit.height !== height) fail(`height ${commit.height}`);
  if (commit.blockId.hash.length !== 32) fail("nil block id");
  if (commit.signatures.length !== vals.length) fail(`${commit.signatures.length} signatures for ${vals.length} validators`);
  let total = 0n;
  let committed = 0n;
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i] as Validator;
    const s = commit.signatures[i]!;
    total += v.votingPower;
    if (s.blockIdFlag === 1) continue;
    if (s.blockIdFlag !== 2 && s.blockIdFlag !== 3) fail(`signature ${i}: bad flag ${s.blockIdFlag}`);
    if (!equal(s.validatorAddress, v.address)) fail(`signature ${i}: address ${toHex(s.validatorAddress)} is not validator ${toHex(v.address)}`);
    const bid = s.blockIdFlag === 2 ? commit.blockId : { hash: new Uint8Array(0), partSetHeader: { total: 0, hash: new Uint8Array(0) } };
    const msg = voteSignBytes(chainId, { type: SignedMsgType.Precommit, height, round: commit.round, blockId: bid, timestamp: s.timestamp });
    if (alreadyVerified?.(i) !== true && !verifyEd25519(v.pubKey.value, msg, s.signature)) fail(`signature ${i} (validator ${toHex(v.address).toUpperCase()}) is invalid`);
    if (s.blockIdFlag === 2) committed += v.votingPower;
  }
  if (committed * 3n <= total * 2n) fail(`only ${committed} of ${total} voting power committed`);
}

/**
 * step 3b: `ext` is a fully valid extended commit of `height` for block `id` by `vals`: its precommits
 * verify as a commit (every signature), and every COMMIT entry carries a valid extension signature.
 */
export function verifyExtendedCommit(
  chainId: string,
  vals: readonly Validator[],
  height: bigint,
  id: BlockID,
  ext: ExtendedCommit,
  culprit: Culprit = "block",
  /** a commit of the same height already fully verified: its identical precommits are not checked again. */
  verified?: Commit,
): void {
  if (!blockIdEqual(ext.blockId, id)) throw new BlockSyncVerifyError(culprit, `extended commit of height ${height} is for another block`);
  const same = (i: number): boolean => {
    const a = verified?.signatures[i];
    const b = ext.extendedSignatures[i];
    return verified !== undefined && verified.round === ext.round && a !== undefined && b !== undefined && a.blockIdFlag === b.blockIdFlag && equal(a.signature, b.signature) && a.timestamp.seconds === b.timestamp.seconds && a.timestamp.nanos === b.timestamp.nanos && equal(a.validatorAddress, b.validatorAddress);
  };
  verifyCommit(
    chainId,
    vals,
    height,
    {
      height: ext.height,
      round: ext.round,
      blockId: ext.blockId,
      signatures: ext.extendedSignatures.map((s) => ({ blockIdFlag: s.blockIdFlag, validatorAddress: s.validatorAddress, timestamp: s.timestamp, signature: s.signature })),
    },
    culprit,
    same,
  );
  for (let i = 0; i < vals.length; i++) {
    const s = ext.extendedSignatures[i]!;
    if (s.blockIdFlag !== 2) {
      if (s.extension.length !== 0 || s.extensionSignature.length !== 0) throw new BlockSyncVerifyError(culprit, `extended commit of height ${height}: entry ${i} is not a COMMIT but has an extension`);
      continue;
    }
    const v = vals[i] as Validator;
    if (!verifyEd25519(v.pubKey.value, voteExtensionSignBytes(chainId, { extension: s.extension, height, round: ext.round }), s.extensionSignature)) {
      throw new BlockSyncVerifyError(culprit, `extended commit of height ${height}: extension signature ${i} (validator ${toHex(v.address).toUpperCase()}) is invalid`);
    }
  }
}

/** step 2: the block is the one the (verified) commit signed, and its body matches its header. */
export function verifyBlockAgainstCommit(block: Block, commit: Commit): BlockID {
  const id = computeBlockId(block);
  const h = block.header.height;
  if (!blockIdEqual(id, commit.blockId)) {
    throw new BlockSyncVerifyError("block", `block ${h}: id ${toHex(id.hash)} is not the committed ${toHex(commit.blockId.hash)}`);
  }
  if (!equal(block.header.dataHash, dataHash(block.data.txs))) throw new BlockSyncVerifyError("block", `block ${h}: txs do not match data_hash`);
  if (!equal(block.header.lastCommitHash, commitHash(block.lastCommit))) throw new BlockSyncVerifyError("block", `block ${h}: last_commit does not match last_commit_hash`);
  if (block.evidence.evidence.length === 0 && !equal(block.header.evidenceHash, evidenceHash([]))) {
    throw new BlockSyncVerifyError("block", `block ${h}: evidence does not match evidence_hash`);
  }
  return id;
}

/** step 4: the header follows our state (a mismatch is our divergence, not a peer's fault). */
export function checkHeaderAgainstState(state: ChainState, block: Block): void {
  const h = block.header;
  const want = state.lastBlockHeight === 0n ? state.initialHeight : state.lastBlockHeight + 1n;
  const problems: string[] = [];
  if (h.chainId !== state.chainId) problems.push(`chain id ${h.chainId}`);
  if (h.height !== want) problems.push(`height ${h.height} (want ${want})`);
  if (!blockIdEqual(h.lastBlockId, state.lastBlockId)) problems.push("last_block_id");
  if (!equal(h.validatorsHash, validatorSetHash(state.validators))) problems.push("validators_hash");
  if (!equal(h.nextValidatorsHash, validatorSetHash(state.nextValidators))) problems.push("next_validators_hash");
  if (!equal(h.consensusHash, consensusParamsHash(state.consensusParams))) problems.push("consensus_hash");
  if (!equal(h.appHash, state.appHash)) problems.push(`app_hash ${toHex(h.appHash)} (ours ${toHex(state.appHash)})`);
  if (!equal(h.lastResultsHash, state.lastResultsHash)) problems.push("last_results_hash");
  if (problems.length > 0) throw new Error(`block sync: committed block ${h.height} does not follow our state: ${problems.join(", ")}`);
}

export type VerifyAndApply = (block: Block, nextCommit: Commit, extCommit: ExtendedCommit | undefined) => Promise<void>;

export interface VerifyAndApplyDeps {
  executor: Pick<BlockExecutor, "applyBlock">;
  blockStore: Pick<BlockStore, "saveBlock">;
  db: BatchWriter;
  getState(): ChainState;
  setState(s: ChainState): void;
}

/**
 * verify (steps 1–4), save the block with the next block's last_commit as its seen commit (and the
 * extended commit when given), then execute it through the block executor.
 */
export function makeVerifyAndApply(d: VerifyAndApplyDeps): VerifyAndApply {
  let first = true;
  return async (block, nextCommit, extCommit) => {
    const state = d.getState();
    const h = block.header.height;
    verifyCommit(state.chainId, state.validators, h, nextCommit, "commit");
    const id = verifyBlockAgainstCommit(block, nextCommit);
    if (first && h > state.initialHeight) {
      verifyCommit(state.chainId, state.lastValidators, h - 1n, block.lastCommit, "block");
      if (!blockIdEqual(block.lastCommit.blockId, state.lastBlockId)) throw new BlockSyncVerifyError("block", `block ${h}: last_commit is not for our last block`);
    }
    checkHeaderAgainstState(state, block);
    if (voteExtensionsEnabled(state.consensusParams, h)) {
      if (extCommit === undefined) throw new BlockSyncVerifyError("block", `block ${h}: vote extensions are enabled but no extended commit came with it`);
      verifyExtendedCommit(state.chainId, state.validators, h, id, extCommit, "block", nextCommit);
    } else if (extCommit !== undefined && (extCommit.height !== h || !blockIdEqual(extCommit.blockId, id))) {
      throw new BlockSyncVerifyError("block", `block ${h}: extended commit is for another block`);
    }
    const batch = d.db.newBatch();
    d.blockStore.saveBlock(batch, block, id, nextCommit, extCommit);
    await batch.write(true);
    d.setState(await d.executor.applyBlock(state, id, block));
    first = false;
  };
}
