/** paychan genesis: default / validate / init / export and the proto-JSON mapping (snake_case keys). */
import { accAddressFromString, accAddressToString } from "../core/address.ts";
import { equal } from "../core/bytes.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import { AppError } from "../core/errors.ts";
import { addressFromSecp256k1 } from "../core/hash.ts";
import { GenesisState } from "../../proto/gen/openledger/paychan/v1/genesis.ts";
import { Channel, ChannelStatus } from "../../proto/gen/openledger/paychan/v1/types.ts";
import { ErrInvalidGenesis } from "./errors.ts";
import type { PaychanKeeper } from "./keeper.ts";
import { MODULE_NAME, PREFIX } from "./keys.ts";
import { defaultParams, validateParams } from "./params.ts";
import { isCanonicalAmount } from "./voucher.ts";
import { snakeKeys } from "../core/protoJson.ts";

export type PaychanGenesis = GenesisState;

export function defaultGenesis(): PaychanGenesis {
  return { params: defaultParams(), channels: [], nextChannelId: 1n };
}

const fail = (m: string): never => {
  throw ErrInvalidGenesis.wrap(m);
};

export function validateGenesis(g: PaychanGenesis): void {
  const params = g.params ?? fail("params are required");
  try {
    validateParams(params);
  } catch (e) {
    fail(e instanceof AppError ? e.log : String(e));
  }
  const ids = new Set<bigint>();
  for (const c of g.channels) {
    const at = `channel ${c.id}`;
    if (c.id < 1n || c.id >= g.nextChannelId || ids.has(c.id)) fail(`${at}: bad or duplicate id`);
    ids.add(c.id);
    let payer: Uint8Array = new Uint8Array(0);
    try {
      payer = accAddressFromString(c.payer);
      accAddressFromString(c.payee);
    } catch {
      fail(`${at}: invalid address`);
    }
    if (c.payerPubkey.length !== 33 || !equal(addressFromSecp256k1(c.payerPubkey), payer)) fail(`${at}: payer_pubkey is not ${accAddressToString(payer)}'s`);
    if (c.deposit === undefined || !isCanonicalAmount(c.deposit.amount) || !isCanonicalAmount(c.redeemed)) fail(`${at}: bad amounts`);
    if (BigInt(c.redeemed) > BigInt(c.deposit?.amount ?? "0")) fail(`${at}: redeemed exceeds deposit`);
    if (c.status < ChannelStatus.CHANNEL_STATUS_OPEN || c.status > ChannelStatus.CHANNEL_STATUS_SETTLED) fail(`${at}: bad status`);
  }
}

export async function initGenesis(ctx: WriteContext, k: PaychanKeeper, g: PaychanGenesis): Promise<void> {
  validateGenesis(g);
  k.setParams(ctx, g.params ?? defaultParams());
  for (const c of g.channels) k.setChannel(ctx, c);
  k.setNextId(ctx, g.nextChannelId);
}

export async function exportGenesis(ctx: ReadContext, k: PaychanKeeper): Promise<PaychanGenesis> {
  const channels: Channel[] = [];
  for await (const [, v] of ctx.store(MODULE_NAME).iterate({ prefix: Uint8Array.of(PREFIX.channel) })) channels.push(Channel.decode(v));
  return { params: k.getParams(ctx), channels, nextChannelId: k.nextId(ctx) };
}


export function genesisToJson(g: PaychanGenesis): unknown {
  return snakeKeys(GenesisState.toJSON(g));
}

export function genesisFromJson(j: unknown): PaychanGenesis {
  const g = GenesisState.fromJSON(j ?? {});
  return { ...g, params: g.params ?? defaultParams(), nextChannelId: g.nextChannelId === 0n ? 1n : g.nextChannelId };
}
