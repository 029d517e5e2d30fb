/**
 * Validator sets as CometBFT 0.38 keeps them (types/validator_set.go): validators ordered by voting
 * power descending then address ascending, weighted round-robin proposer selection with priorities
 * (IncrementProposerPriority: rescale to a window of 2·P, center on the floor average, then per step
 * add power and pick the max priority, ties to the smaller address, which pays P), updates
 * (new validators start at −1.125·P'), and the validators hash. Priorities are bigint; values are
 * clipped to int64 as CometBFT does.
 */
import type { ValidatorUpdate } from "../../modules/core/abci.ts";
import { compare, equal, toHex } from "../../modules/core/bytes.ts";
import type { Bytes, Validator } from "./block.ts";
import { validatorSetHash } from "./hash.ts";
import { ed25519Address } from "../crypto/ed25519.ts";

const MAX_INT64 = (1n << 63n) - 1n;
const MIN_INT64 = -(1n << 63n);
/** total voting power bound (types.MaxTotalVotingPower = MaxInt64 / 8). */
export const MAX_TOTAL_VOTING_POWER = MAX_INT64 / 8n;
/** priority window (types.PriorityWindowSizeFactor). */
const PRIORITY_WINDOW_SIZE_FACTOR = 2n;

function clip(v: bigint): bigint {
  return v > MAX_INT64 ? MAX_INT64 : v < MIN_INT64 ? MIN_INT64 : v;
}

/** Go's truncating integer division (priority rescale). */
function truncDiv(a: bigint, b: bigint): bigint {
  return a / b;
}

/** floor division (Go big.Int Div is Euclidean; for n > 0 that is floor). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

export function addressFromPubKey(pubKey: Validator["pubKey"]): Bytes {
  return ed25519Address(pubKey.value);
}

export function makeValidator(pubKey: Bytes, votingPower: bigint, proposerPriority = 0n): Validator {
  const pk = { type: "ed25519" as const, value: Uint8Array.from(pubKey) };
  return { address: addressFromPubKey(pk), pubKey: pk, votingPower, proposerPriority };
}

function copyValidator(v: Validator): Validator {
  return { address: v.address, pubKey: v.pubKey, votingPower: v.votingPower, proposerPriority: v.proposerPriority };
}

/** voting power desc, then address asc (ValidatorsByVotingPower): the set order (validator indices). */
export function compareValidatorsByPower(a: Validator, b: Validator): number {
  if (a.votingPower !== b.votingPower) return a.votingPower > b.votingPower ? -1 : 1;
  return compare(a.address, b.address);
}

/** the one of a and b with the higher priority; ties to the smaller address (CompareProposerPriority). */
function morePriority(a: Validator | undefined, b: Validator): Validator {
  if (a === undefined) return b;
  if (a.proposerPriority !== b.proposerPriority) return a.proposerPriority > b.proposerPriority ? a : b;
  const c = compare(a.address, b.address);
  if (c === 0) throw new Error("cannot compare identical validators");
  return c < 0 ? a : b;
}

export class ValidatorSet {
  /** in set order (power desc, address asc). */
  readonly validators: Validator[];
  /** the proposer picked by the last priority increment (CometBFT's vals.Proposer). */
  proposer: Validator | undefined;
  private total: bigint | undefined;

  /** takes the validators as given (order and priorities); use `ValidatorSet.create` for a new set. */
  constructor(validators: readonly Validator[], proposer?: Validator) {
    this.validators = validators.map(copyValidator);
    this.proposer = proposer === undefined ? undefined : this.validators.find((v) => equal(v.address, proposer.address)) ?? copyValidator(proposer);
  }

  /** NewValidatorSet: validates, sorts, and increments priorities once (so the round-0 proposer is set). */
  static create(validators: readonly Validator[]): ValidatorSet {
    const vs = new ValidatorSet([]);
    vs.applyUpdates(validators.map((v) => ({ pubKey: { type: "ed25519", bytes: v.pubKey.value }, power: v.votingPower })));
    if (vs.validators.length > 0) vs.incrementProposerPriority(1);
    return vs;
  }

  get size(): number {
    return this.validators.length;
  }

  totalVotingPower(): bigint {
    if (this.total === undefined) {
      let sum = 0n;
      for (const v of this.validators) {
        sum += v.votingPower;
        if (sum > MAX_TOTAL_VOTING_POWER) throw new Error(`total voting power exceeds ${MAX_TOTAL_VOTING_POWER}`);
      }
      this.total = sum;
    }
    return this.total;
  }

  hash(): Bytes {
    return validatorSetHash(this.validators);
  }

  copy(): ValidatorSet {
    return new ValidatorSet(this.validators, this.proposer);
  }

  getByAddress(address: Bytes): { index: number; validator: Validator } | undefined {
    const index = this.validators.findIndex((v) => equal(v.address, address));
    return index < 0 ? undefined : { index, validator: this.validators[index]! };
  }

  getByIndex(index: number): Validator | undefined {
    return this.validators[index];
  }

  hasAddress(address: Bytes): boolean {
    return this.getByAddress(address) !== undefined;
  }

  /** the current proposer: the one set by the last increment, else the max priority (findProposer). */
  getProposer(): Validator {
    if (this.validators.length === 0) throw new Error("empty validator set");
    if (this.proposer === undefined) {
      let p: Validator | undefined;
      for (const v of this.validators) p = morePriority(p, v);
      this.proposer = p;
    }
    return this.proposer!;
  }

  /** IncrementProposerPriority(times): rescale, center, then `times` add-and-pick steps. */
  incrementProposerPriority(times: number): void {
    if (this.validators.length === 0) throw new Error("empty validator set");
    if (!Number.isInteger(times) || times <= 0) throw new Error("cannot increment proposer priority a non-positive number of times");
    this.rescalePriorities(PRIORITY_WINDOW_SIZE_FACTOR * this.totalVotingPower());
    this.shiftByAvgProposerPriority();
    let proposer: Validator | undefined;
    for (let i = 0; i < times; i++) proposer = this.incrementOnce();
    this.proposer = proposer;
  }

  rescalePriorities(diffMax: bigint): void {
    if (diffMax <= 0n) return;
    let max = MIN_INT64;
    let min = MAX_INT64;
    for (const v of this.validators) {
      if (v.proposerPriority < min) min = v.proposerPriority;
      if (v.proposerPriority > max) max = v.proposerPriority;
    }
    let diff = max - min;
    if (diff < 0n) diff = -diff;
    const ratio = (diff + diffMax - 1n) / diffMax;
    if (diff > diffMax) for (const v of this.validators) v.proposerPriority = truncDiv(v.proposerPriority, ratio);
  }

  private shiftByAvgProposerPriority(): void {
    let sum = 0n;
    for (const v of this.validators) sum += v.proposerPriority;
    const avg = floorDiv(sum, BigInt(this.validators.length));
    for (const v of this.validators) v.proposerPriority = clip(v.proposerPriority - avg);
  }

  private incrementOnce(): Validator {
    for (const v of this.validators) v.proposerPriority = clip(v.proposerPriority + v.votingPower);
    let most: Validator | undefined;
    for (const v of this.validators) most = morePriority(most, v);
    most!.proposerPriority = clip(most!.proposerPriority - this.totalVotingPower());
    return most!;
  }

  /**
   * UpdateWithChangeSet: power 0 removes, others add or update. Throws (set unchanged) on duplicate
   * keys, negative power, removal of an unknown validator, an empty result or too much total power.
   * New validators start at −(P' + P'/8) where P' is the total after updates before removals.
   */
  applyUpdates(updates: readonly ValidatorUpdate[]): void {
    const seen = new Set<string>();
    const changes: { address: Bytes; pubKey: Validator["pubKey"]; power: bigint }[] = [];
    for (const u of updates) {
      if (u.pubKey.type !== "ed25519") throw new Error(`unsupported validator key type ${u.pubKey.type}`);
      if (u.pubKey.bytes.length !== 32) throw new Error("ed25519 validator key must be 32 bytes");
      if (u.power < 0n) throw new Error(`negative voting power ${u.power}`);
      if (u.power > MAX_TOTAL_VOTING_POWER) throw new Error(`voting power ${u.power} exceeds the maximum`);
      const pubKey = { type: "ed25519" as const, value: Uint8Array.from(u.pubKey.bytes) };
      const address = addressFromPubKey(pubKey);
      const k = toHex(address);
      if (seen.has(k)) throw new Error(`duplicate validator update ${k.toUpperCase()}`);
      seen.add(k);
      changes.push({ address, pubKey, power: u.power });
    }
    changes.sort((a, b) => compare(a.address, b.address));
    const current = new Map(this.validators.map((v) => [toHex(v.address), v]));
    for (const c of changes) {
      if (c.power === 0n && !current.has(toHex(c.address))) throw new Error(`cannot remove unknown validator ${toHex(c.address).toUpperCase()}`);
    }
    // P' = total after applying the updates, before removing the deleted ones
    let totalAfterUpdates = this.validators.length === 0 ? 0n : this.totalVotingPower();
    for (const c of changes) {
      if (c.power === 0n) continue;
      const cur = current.get(toHex(c.address));
      totalAfterUpdates += c.power - (cur?.votingPower ?? 0n);
      if (totalAfterUpdates > MAX_TOTAL_VOTING_POWER) throw new Error(`total voting power exceeds ${MAX_TOTAL_VOTING_POWER}`);
    }
    const next = new Map(this.validators.map((v) => [toHex(v.address), copyValidator(v)]));
    for (const c of changes) {
      const k = toHex(c.address);
      if (c.power === 0n) {
        next.delete(k);
        continue;
      }
      const cur = next.get(k);
      if (cur !== undefined) {
        next.set(k, { ...cur, pubKey: c.pubKey, votingPower: c.power });
      } else {
        next.set(k, { address: c.address, pubKey: c.pubKey, votingPower: c.power, proposerPriority: -(totalAfterUpdates + (totalAfterUpdates >> 3n)) });
      }
    }
    if (next.size === 0) throw new Error("applying the validator changes would result in an empty set");
    const vals = [...next.values()];
    this.validators.length = 0;
    this.validators.push(...vals);
    this.total = undefined;
    this.totalVotingPower();
    // keep priorities in the window and centered, then order by power
    this.rescalePriorities(PRIORITY_WINDOW_SIZE_FACTOR * this.totalVotingPower());
    this.shiftByAvgProposerPriority();
    this.validators.sort(compareValidatorsByPower);
    if (this.proposer !== undefined) {
      this.proposer = this.validators.find((v) => equal(v.address, this.proposer!.address));
    }
  }
}

/** proposer of round `round` of a height whose round-0 set is `base` (copied; base is not changed). */
export function proposerForRound(base: ValidatorSet, round: number): Validator {
  const vs = base.copy();
  if (round > 0) vs.incrementProposerPriority(round);
  return vs.getProposer();
}
