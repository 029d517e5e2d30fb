/**
 * Chain state transitions (CometBFT state/execution.go updateState, state.MakeGenesisState) and the
 * helpers that turn stored commits into ABCI commit info.
 */
import type {
  CommitInfo,
  ConsensusParams,
  ExtendedCommitInfo,
  FinalizeBlockResponse,
  ValidatorUpdate,
} from "../../modules/core/abci.ts";
import { compare, EMPTY } from "../../modules/core/bytes.ts";
import { sha256 } from "../../modules/core/hash.ts";
import type { ChainState } from "../storage/types.ts";
import { type BlockID, type Commit, EMPTY_BLOCK_ID, type ExtendedCommit, type Header, type Validator } from "../types/block.ts";
import type { GenesisDoc } from "../types/genesis.ts";
import { resultsHash } from "../types/hash.ts";
import { ValidatorSet } from "../types/validatorSet.ts";

/** CometBFT block protocol version of 0.38. */
export const BLOCK_PROTOCOL = 11n;

export function validatorAddress(pubKey: Uint8Array): Uint8Array {
  return sha256(pubKey).subarray(0, 20);
}

/** CometBFT set order: voting power descending, then address ascending. */
export function sortValidators(vals: Validator[]): Validator[] {
  return vals.sort((a, b) => (a.votingPower !== b.votingPower ? (a.votingPower > b.votingPower ? -1 : 1) : compare(a.address, b.address)));
}

export function totalVotingPower(vals: readonly Validator[]): bigint {
  let t = 0n;
  for (const v of vals) t += v.votingPower;
  return t;
}

/** applies ABCI validator updates (power 0 removes) to a set; throws on invalid updates (consensus.md §3). */
export function applyValidatorUpdates(vals: readonly Validator[], updates: readonly ValidatorUpdate[]): Validator[] {
  const seen = new Set<string>();
  const byAddr = new Map<string, Validator>();
  for (const v of vals) byAddr.set(Buffer.from(v.address).toString("hex"), { ...v });
  for (const u of updates) {
    if (u.pubKey.type !== "ed25519" || u.pubKey.bytes.length !== 32) {
      throw new Error(`validator update with unsupported key type ${u.pubKey.type}/${u.pubKey.bytes.length} bytes`);
    }
    if (u.power < 0n) throw new Error(`validator update with negative power ${u.power}`);
    const address = validatorAddress(u.pubKey.bytes);
    const key = Buffer.from(address).toString("hex");
    if (seen.has(key)) throw new Error(`duplicate validator update for ${key.toUpperCase()}`);
    seen.add(key);
    if (u.power === 0n) {
      if (!byAddr.delete(key)) throw new Error(`validator update removes unknown validator ${key.toUpperCase()}`);
    } else {
      const prev = byAddr.get(key);
      byAddr.set(key, {
        address,
        pubKey: { type: "ed25519", value: u.pubKey.bytes },
        votingPower: u.power,
        proposerPriority: prev?.proposerPriority ?? 0n,
      });
    }
  }
  const out = sortValidators([...byAddr.values()]);
  if (out.length === 0) throw new Error("validator updates would leave an empty validator set");
  if (totalVotingPower(out) > 0x7fffffffffffffffn / 8n) throw new Error("total voting power exceeds MaxInt64/8");
  return out;
}

/** a set as carried in ChainState: validators with their priorities, and the proposer's address. */
export interface CarriedSet {
  validators: Validator[];
  proposer: Uint8Array | undefined;
}

/** a ValidatorSet from the state's validators and proposer address (CometBFT ValidatorSet with Proposer). */
export function carriedSet(validators: readonly Validator[], proposer: Uint8Array | undefined): ValidatorSet {
  const p = proposer === undefined ? undefined : validators.find((v) => v.address.length === proposer.length && v.address.every((b, i) => b === proposer[i]));
  return new ValidatorSet(validators, p);
}

function carry(vs: ValidatorSet): CarriedSet {
  return { validators: vs.validators.map((v) => ({ ...v })), proposer: vs.proposer?.address };
}

/**
 * the first validator sets (CometBFT MakeGenesisState / InitChain): validators = NewValidatorSet(vals)
 * (sorted, priorities incremented once: its pick is the proposer of the initial height), next
 * validators = a copy incremented once more.
 */
export function genesisValidatorSets(vals: readonly Validator[]): Pick<ChainState, "validators" | "nextValidators" | "validatorsProposer" | "nextValidatorsProposer"> {
  if (vals.length === 0) return { validators: [], nextValidators: [] };
  const cur = ValidatorSet.create(vals);
  const next = cur.copy();
  next.incrementProposerPriority(1);
  const a = carry(cur);
  const b = carry(next);
  return {
    validators: a.validators,
    nextValidators: b.validators,
    ...(a.proposer !== undefined ? { validatorsProposer: a.proposer } : {}),
    ...(b.proposer !== undefined ? { nextValidatorsProposer: b.proposer } : {}),
  };
}

/** the state before the first block (CometBFT MakeGenesisState); InitChain may still replace parts. */
export function makeGenesisState(genesis: GenesisDoc): ChainState {
  const vals = sortValidators(
    genesis.validators.map((v) => ({
      address: v.address.length === 20 ? v.address : validatorAddress(v.pubKey.value),
      pubKey: { type: "ed25519" as const, value: v.pubKey.value },
      votingPower: v.power,
      proposerPriority: 0n,
    })),
  );
  const sets = genesisValidatorSets(vals);
  return {
    chainId: genesis.chainId,
    initialHeight: genesis.initialHeight,
    lastBlockHeight: 0n,
    lastBlockId: EMPTY_BLOCK_ID,
    lastBlockTime: genesis.genesisTime,
    ...sets,
    lastValidators: [],
    lastHeightValidatorsChanged: genesis.initialHeight,
    consensusParams: genesis.consensusParams,
    lastHeightConsensusParamsChanged: genesis.initialHeight,
    lastResultsHash: EMPTY,
    appHash: genesis.appHash,
  };
}

/** the height of the next block to produce. */
export function nextHeight(state: ChainState): bigint {
  return state.lastBlockHeight === 0n ? state.initialHeight : state.lastBlockHeight + 1n;
}

/** merges ABCI consensus param updates into params (fields of the update replace the old ones). */
export function mergeConsensusParams(params: ConsensusParams, upd: ConsensusParams | null): ConsensusParams {
  if (upd === null) return params;
  return {
    block: upd.block ?? params.block,
    evidence: upd.evidence ?? params.evidence,
    validator: upd.validator ?? params.validator,
    version: upd.version ?? params.version,
    abci: upd.abci ?? params.abci,
  };
}

/**
 * the state after block `header.height` executed with result `res` (CometBFT state.updateState):
 * validator changes take effect at h+2; the new next set (after the updates: new validators start at
 * −1.125·P) has its proposer priorities incremented once, so every set carried in the state holds
 * the priorities whose pick is the round-0 proposer of its height.
 */
export function updateState(state: ChainState, blockId: BlockID, header: Header, res: FinalizeBlockResponse): ChainState {
  const h = header.height;
  const nValSet = carriedSet(state.nextValidators, state.nextValidatorsProposer);
  let lastHeightValidatorsChanged = state.lastHeightValidatorsChanged;
  if (res.validatorUpdates.length > 0) {
    applyValidatorUpdates(state.nextValidators, res.validatorUpdates); // validation with precise errors
    nValSet.applyUpdates(res.validatorUpdates);
    lastHeightValidatorsChanged = h + 2n;
  }
  nValSet.incrementProposerPriority(1);
  const next = carry(nValSet);
  let consensusParams = state.consensusParams;
  let lastHeightConsensusParamsChanged = state.lastHeightConsensusParamsChanged;
  if (res.consensusParamUpdates !== null) {
    consensusParams = mergeConsensusParams(state.consensusParams, res.consensusParamUpdates);
    lastHeightConsensusParamsChanged = h + 1n;
  }
  return {
    chainId: state.chainId,
    initialHeight: state.initialHeight,
    lastBlockHeight: h,
    lastBlockId: blockId,
    lastBlockTime: header.time,
    validators: state.nextValidators,
    nextValidators: next.validators,
    lastValidators: state.validators,
    ...(state.nextValidatorsProposer !== undefined ? { validatorsProposer: state.nextValidatorsProposer } : {}),
    ...(next.proposer !== undefined ? { nextValidatorsProposer: next.proposer } : {}),
    ...(state.validatorsProposer !== undefined ? { lastValidatorsProposer: state.validatorsProposer } : {}),
    lastHeightValidatorsChanged,
    consensusParams,
    lastHeightConsensusParamsChanged,
    lastResultsHash: resultsHash(res.txResults),
    appHash: res.appHash,
  };
}

/** vote extensions are required at height h (consensus params abci.vote_extensions_enable_height). */
export function voteExtensionsEnabled(params: ConsensusParams, h: bigint): boolean {
  const e = params.abci.voteExtensionsEnableHeight;
  return e > 0n && h >= e;
}

/** ABCI CommitInfo of a block's last_commit against the validator set that signed it. */
export function commitInfo(commit: Commit, lastValidators: readonly Validator[]): CommitInfo {
  if (commit.signatures.length === 0) return { round: commit.round, votes: [] };
  if (commit.signatures.length !== lastValidators.length) {
    throw new Error(`commit of height ${commit.height} has ${commit.signatures.length} signatures for ${lastValidators.length} validators`);
  }
  return {
    round: commit.round,
    votes: lastValidators.map((v, i) => ({
      validator: { address: v.address, power: v.votingPower },
      blockIdFlag: commit.signatures[i]?.blockIdFlag ?? 1,
    })),
  };
}

/** ABCI ExtendedCommitInfo for PrepareProposal's local_last_commit. */
export function extendedCommitInfo(
  commit: Commit,
  extended: ExtendedCommit | undefined,
  lastValidators: readonly Validator[],
): ExtendedCommitInfo {
  const base = commitInfo(commit, lastValidators);
  return {
    round: base.round,
    votes: base.votes.map((v, i) => {
      const s = extended?.extendedSignatures[i];
      return {
        ...v,
        voteExtension: s?.extension ?? EMPTY,
        extensionSignature: s?.extensionSignature ?? EMPTY,
      };
    }),
  };
}
