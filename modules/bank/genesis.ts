/** bank genesis in the SDK 0.50 JSON shape: {params, balances, supply, denom_metadata, send_enabled}. */
import type { Metadata } from "cosmjs-types/cosmos/bank/v1beta1/bank";
import type { Bytes } from "../core/abci.ts";
import { accAddressFromString, accAddressToString } from "../core/address.ts";
import { compare, toKeyString } from "../core/bytes.ts";
import { type Coin, addCoins, coinsEqual, coinsFromProto, coinsToProto, formatCoins, validateCoins, validateDenom } from "../core/coins.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import { AppError } from "../core/errors.ts";
import { ErrInvalidGenesis } from "./errors.ts";
import type { BankKeeper, Balance } from "./keeper.ts";
import { type BankParams, defaultParams } from "./params.ts";

export interface BankGenesis {
  params: BankParams;
  balances: Balance[];
  /** empty: computed from balances at init. */
  supply: Coin[];
  denomMetadata: Metadata[];
  sendEnabled: { denom: string; enabled: boolean }[];
}

export function defaultGenesis(): BankGenesis {
  return { params: defaultParams(), balances: [], supply: [], denomMetadata: [], sendEnabled: [] };
}

export function validateGenesis(g: BankGenesis): void {
  const seen = new Set<string>();
  let total: Coin[] = [];
  for (const b of g.balances) {
    const k = toKeyString(b.address);
    if (seen.has(k)) throw ErrInvalidGenesis.wrap(`duplicate balance for address ${accAddressToString(b.address)}`);
    seen.add(k);
    try {
      validateCoins(b.coins);
    } catch (e: unknown) {
      throw ErrInvalidGenesis.wrap(`balance of ${accAddressToString(b.address)}: ${e instanceof AppError ? e.log : String(e)}`);
    }
    total = addCoins(total, b.coins);
  }
  if (g.supply.length > 0) {
    validateCoins(g.supply);
    if (!coinsEqual(g.supply, total)) throw ErrInvalidGenesis.wrap(`genesis supply is incorrect, expected ${formatCoins(g.supply)}, got ${formatCoins(total)}`);
  }
  const denoms = new Set<string>();
  for (const m of g.denomMetadata) {
    validateDenom(m.base);
    if (denoms.has(m.base)) throw ErrInvalidGenesis.wrap(`duplicate client metadata for denom ${m.base}`);
    denoms.add(m.base);
  }
  const se = new Set<string>();
  for (const s of g.sendEnabled) {
    validateDenom(s.denom);
    if (se.has(s.denom)) throw ErrInvalidGenesis.wrap(`duplicate send enabled found: ${s.denom}`);
    se.add(s.denom);
  }
}

export async function initGenesis(ctx: WriteContext, k: BankKeeper, g: BankGenesis): Promise<void> {
  validateGenesis(g);
  k.setParams(ctx, g.params);
  for (const s of g.sendEnabled) k.setSendEnabled(ctx, s.denom, s.enabled);
  let total: Coin[] = [];
  for (const b of g.balances) {
    for (const c of b.coins) k.setBalance(ctx, b.address, c);
    total = addCoins(total, b.coins);
  }
  for (const c of total) k.setSupply(ctx, c);
  for (const m of g.denomMetadata) k.setDenomMetadata(ctx, m);
}

export async function exportGenesis(ctx: ReadContext, k: BankKeeper): Promise<BankGenesis> {
  const balances: Balance[] = [];
  for await (const b of k.iterateAllBalances(ctx)) balances.push(b);
  balances.sort((a, b) => compare(a.address, b.address));
  const denomMetadata: Metadata[] = [];
  for await (const m of k.iterateDenomMetadata(ctx)) denomMetadata.push(m);
  const sendEnabled: { denom: string; enabled: boolean }[] = [];
  for await (const s of k.iterateSendEnabled(ctx)) sendEnabled.push(s);
  return { params: k.getParams(ctx), balances, supply: await k.getTotalSupply(ctx), denomMetadata, sendEnabled };
}

export function metadataToJson(m: Metadata): Record<string, unknown> {
  return {
    description: m.description,
    denom_units: m.denomUnits.map((u) => ({ denom: u.denom, exponent: u.exponent, aliases: [...u.aliases] })),
    base: m.base,
    display: m.display,
    name: m.name,
    symbol: m.symbol,
    uri: m.uri,
    uri_hash: m.uriHash,
  };
}

export function metadataFromJson(j: unknown): Metadata {
  const o = (j ?? {}) as Record<string, unknown>;
  const units = Array.isArray(o.denom_units) ? (o.denom_units as Record<string, unknown>[]) : [];
  return {
    description: String(o.description ?? ""),
    denomUnits: units.map((u) => ({ denom: String(u.denom ?? ""), exponent: Number(u.exponent ?? 0), aliases: Array.isArray(u.aliases) ? u.aliases.map(String) : [] })),
    base: String(o.base ?? ""),
    display: String(o.display ?? ""),
    name: String(o.name ?? ""),
    symbol: String(o.symbol ?? ""),
    uri: String(o.uri ?? ""),
    uriHash: String(o.uri_hash ?? ""),
  };
}

export function genesisToJson(g: BankGenesis): unknown {
  return {
    params: { send_enabled: [], default_send_enabled: g.params.defaultSendEnabled },
    balances: g.balances.map((b) => ({ address: accAddressToString(b.address), coins: coinsToProto(b.coins) })),
    supply: coinsToProto(g.supply),
    denom_metadata: g.denomMetadata.map(metadataToJson),
    send_enabled: g.sendEnabled.map((s) => ({ denom: s.denom, enabled: s.enabled })),
  };
}

function protoCoins(j: unknown): { denom: string; amount: string }[] {
  return Array.isArray(j) ? j.map((c: Record<string, unknown>) => ({ denom: String(c?.denom ?? ""), amount: String(c?.amount ?? "") })) : [];
}

export function genesisFromJson(j: unknown): BankGenesis {
  const o = (j ?? {}) as Record<string, unknown>;
  const p = (o.params ?? {}) as Record<string, unknown>;
  const balances = (Array.isArray(o.balances) ? o.balances : []).map((b: Record<string, unknown>) => {
    const address: Bytes = accAddressFromString(String(b?.address ?? ""));
    return { address, coins: coinsFromProto(protoCoins(b?.coins)) };
  });
  const legacy = Array.isArray(p.send_enabled) ? (p.send_enabled as Record<string, unknown>[]) : [];
  const sendEnabled = [...(Array.isArray(o.send_enabled) ? (o.send_enabled as Record<string, unknown>[]) : []), ...legacy].map((s) => ({ denom: String(s.denom ?? ""), enabled: s.enabled === true }));
  return {
    params: { defaultSendEnabled: p.default_send_enabled === undefined ? true : p.default_send_enabled === true },
    balances,
    supply: coinsFromProto(protoCoins(o.supply)),
    denomMetadata: (Array.isArray(o.denom_metadata) ? o.denom_metadata : []).map(metadataFromJson),
    sendEnabled,
  };
}
