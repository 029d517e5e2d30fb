/**
 * HistoricalInfo (SDK 0.50 x/staking keeper/historical_info.go, types/historical_info.go): at each
 * BeginBlock the header of the block and the last bonded validator set are kept under
 * 0x50 | u64be(height) for the last `historical_entries` heights (IBC reads them as this chain's own
 * consensus states). Not exported in genesis (as the SDK).
 */
import { HistoricalInfo } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { Header } from "cosmjs-types/tendermint/types/types";
import { BinaryWriter } from "cosmjs-types/binary";
import type { Bytes } from "../core/abci.ts";
import { EMPTY, compare } from "../core/bytes.ts";
import type { BlockHeader } from "../core/context.ts";
import { type Val, consAddressOf } from "./types.ts";

/**
 * The tendermint Header kept for a block, built from what the block context carries, as SDK 0.50's
 * FinalizeBlock builds its context header from RequestFinalizeBlock: chain_id, height, time,
 * proposer_address, next_validators_hash and app_hash (the state root after the previous block) are
 * filled; version, last_block_id and the other hashes (last_commit, data, validators, consensus,
 * last_results, evidence) stay empty, as in the SDK (ABCI does not hand them to the application).
 */
export function historicalHeader(b: BlockHeader): Header {
  return {
    version: { block: 0n, app: 0n },
    chainId: b.chainId,
    height: b.height,
    time: { seconds: b.time.seconds, nanos: b.time.nanos },
    lastBlockId: { hash: EMPTY, partSetHeader: { total: 0, hash: EMPTY } },
    lastCommitHash: EMPTY,
    dataHash: EMPTY,
    validatorsHash: EMPTY,
    nextValidatorsHash: b.nextValidatorsHash ?? EMPTY,
    consensusHash: EMPTY,
    appHash: b.appHash ?? EMPTY,
    lastResultsHash: EMPTY,
    evidenceHash: EMPTY,
    proposerAddress: b.proposer,
  };
}

/** one validator of the set: its stored proto bytes (cosmos.staking.v1beta1.Validator) and its decoded form. */
export interface StoredValidator {
  readonly raw: Bytes;
  readonly val: Val;
}

/**
 * SDK ValidatorsByVotingPower (as CometBFT orders a validator set): consensus power descending (0 when
 * not bonded), then consensus address ascending. A stable sort of a copy; integer comparisons only.
 */
export function sortByVotingPower(vals: readonly StoredValidator[], consensusPower: (v: Val) => bigint): StoredValidator[] {
  const keyed = vals.map((s) => ({ s, power: consensusPower(s.val), cons: consAddressOf(s.val.consPubKey) }));
  keyed.sort((a, b) => (a.power === b.power ? compare(a.cons, b.cons) : a.power > b.power ? -1 : 1));
  return keyed.map((k) => k.s);
}

/**
 * HistoricalInfo{header, valset} as proto bytes. The validators are written as their stored bytes
 * (the store holds exactly `Validator.encode`), so the entry costs no re-encoding of the set.
 */
export function encodeHistoricalInfo(header: Header, sorted: readonly StoredValidator[]): Bytes {
  const w = BinaryWriter.create();
  Header.encode(header, w.uint32(10).fork()).ldelim();
  for (const s of sorted) w.uint32(18).bytes(s.raw);
  return w.finish();
}

export function decodeHistoricalInfo(b: Bytes): HistoricalInfo {
  return HistoricalInfo.decode(b);
}
