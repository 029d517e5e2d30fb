/** slashing genesis (SDK 0.50 JSON): params, signing_infos, missed_blocks. */
import { BECH32_PREFIX, consAddressToString, fromBech32 } from "../core/address.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import { formatDec, parseDecSigned } from "../core/dec.ts";
import { ErrInvalidRequest } from "../core/errors.ts";
import { parseRfc3339, rfc3339 } from "../core/time.ts";
import { type SigningInfo, type SlashingKeeper, type SlashingParams, defaultParams } from "./keeper.ts";
import { validateParams } from "./params.ts";

export interface SlashingGenesis {
  params: SlashingParams;
  signingInfos: SigningInfo[];
  missedBlocks: { address: Uint8Array; indexes: bigint[] }[];
}

export function defaultGenesis(): SlashingGenesis {
  return { params: defaultParams(), signingInfos: [], missedBlocks: [] };
}

export function validateGenesis(g: SlashingGenesis): void {
  validateParams(g.params);
}

export async function initGenesis(ctx: WriteContext, k: SlashingKeeper, g: SlashingGenesis): Promise<void> {
  k.setParams(ctx, g.params);
  for (const s of g.signingInfos) k.setSigningInfo(ctx, s);
  for (const m of g.missedBlocks) for (const i of m.indexes) k.setMissed(ctx, m.address, i, true);
}

export async function exportGenesis(ctx: ReadContext, k: SlashingKeeper): Promise<SlashingGenesis> {
  const signingInfos: SigningInfo[] = [];
  const missedBlocks: SlashingGenesis["missedBlocks"] = [];
  for await (const s of k.iterateSigningInfos(ctx)) {
    signingInfos.push(s);
    const idx = await k.getMissedBlocks(ctx, s.address);
    if (idx.length > 0) missedBlocks.push({ address: s.address, indexes: idx });
  }
  return { params: k.getParams(ctx), signingInfos, missedBlocks };
}

const dur = (d: { seconds: bigint; nanos: number }) => (d.nanos === 0 ? `${d.seconds}s` : `${d.seconds}.${d.nanos.toString().padStart(9, "0").replace(/0+$/, "")}s`);
function pdur(s: string): { seconds: bigint; nanos: number } {
  const m = /^([0-9]+)(?:\.([0-9]{1,9}))?s$/.exec(s);
  if (m === null) throw ErrInvalidRequest.wrap(`invalid duration ${s}`);
  return { seconds: BigInt(m[1] as string), nanos: m[2] === undefined ? 0 : Number((m[2] as string).padEnd(9, "0")) };
}

const timeToJson = rfc3339;

function timeFromJson(s: string): { seconds: bigint; nanos: number } {
  try {
    return parseRfc3339(s);
  } catch {
    throw ErrInvalidRequest.wrap(`invalid time ${s}`);
  }
}

export function genesisToJson(g: SlashingGenesis): unknown {
  return {
    params: {
      signed_blocks_window: g.params.signedBlocksWindow.toString(),
      min_signed_per_window: formatDec(g.params.minSignedPerWindow),
      downtime_jail_duration: dur(g.params.downtimeJailDuration),
      slash_fraction_double_sign: formatDec(g.params.slashFractionDoubleSign),
      slash_fraction_downtime: formatDec(g.params.slashFractionDowntime),
    },
    signing_infos: g.signingInfos.map((s) => ({
      address: consAddressToString(s.address),
      validator_signing_info: { address: consAddressToString(s.address), start_height: s.startHeight.toString(), index_offset: s.indexOffset.toString(), jailed_until: timeToJson(s.jailedUntil), tombstoned: s.tombstoned, missed_blocks_counter: s.missedBlocksCounter.toString() },
    })),
    missed_blocks: g.missedBlocks.map((m) => ({ address: consAddressToString(m.address), missed_blocks: m.indexes.map((i) => ({ index: i.toString(), missed: true })) })),
  };
}

export function genesisFromJson(j: unknown): SlashingGenesis {
  const o = (j ?? {}) as Record<string, any>;
  const d = defaultParams();
  const p = (o.params ?? {}) as Record<string, any>;
  const arr = (x: unknown): Record<string, any>[] => (Array.isArray(x) ? x : []);
  return {
    params: {
      signedBlocksWindow: p.signed_blocks_window === undefined ? d.signedBlocksWindow : BigInt(p.signed_blocks_window),
      minSignedPerWindow: p.min_signed_per_window === undefined ? d.minSignedPerWindow : parseDecSigned(String(p.min_signed_per_window)),
      downtimeJailDuration: p.downtime_jail_duration === undefined ? d.downtimeJailDuration : pdur(String(p.downtime_jail_duration)),
      slashFractionDoubleSign: p.slash_fraction_double_sign === undefined ? d.slashFractionDoubleSign : parseDecSigned(String(p.slash_fraction_double_sign)),
      slashFractionDowntime: p.slash_fraction_downtime === undefined ? d.slashFractionDowntime : parseDecSigned(String(p.slash_fraction_downtime)),
    },
    signingInfos: arr(o.signing_infos).map((s) => {
      const i = (s.validator_signing_info ?? {}) as Record<string, any>;
      return {
        address: fromBech32(BECH32_PREFIX.consensus, String(s.address)),
        startHeight: BigInt(i.start_height ?? "0"),
        indexOffset: BigInt(i.index_offset ?? "0"),
        jailedUntil: i.jailed_until === undefined ? { seconds: 0n, nanos: 0 } : timeFromJson(String(i.jailed_until)),
        tombstoned: i.tombstoned === true,
        missedBlocksCounter: BigInt(i.missed_blocks_counter ?? "0"),
      };
    }),
    missedBlocks: arr(o.missed_blocks).map((m) => ({ address: fromBech32(BECH32_PREFIX.consensus, String(m.address)), indexes: arr(m.missed_blocks).filter((x) => x.missed === true).map((x) => BigInt(x.index)) })),
  };
}
