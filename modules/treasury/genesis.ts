/** treasury genesis: default / validate / init / export and the proto-JSON mapping (snake_case keys). */
import { accAddressFromString } from "../core/address.ts";
import { isValidDenom } from "../core/coins.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import { AppError } from "../core/errors.ts";
import { GenesisState } from "../../proto/gen/openledger/treasury/v1/genesis.ts";
import { EpochEarnings, ModelPolicy, VestingEntry } from "../../proto/gen/openledger/treasury/v1/types.ts";
import { ErrInvalidGenesis } from "./errors.ts";
import type { TreasuryKeeper } from "./keeper.ts";
import { MODULE_NAME, PREFIX } from "./keys.ts";
import { defaultParams, validateParams, validatePolicy } from "./params.ts";
import { snakeKeys } from "../core/protoJson.ts";

export type TreasuryGenesis = GenesisState;

export function defaultGenesis(): TreasuryGenesis {
  return { params: defaultParams(), policies: [], vesting: [], earnings: [] };
}

const fail = (m: string): never => {
  throw ErrInvalidGenesis.wrap(m);
};
const wrapErr = (f: () => void, at: string) => {
  try {
    f();
  } catch (e: unknown) {
    fail(`${at}: ${e instanceof AppError ? e.log : String(e)}`);
  }
};
const uint = (s: string, at: string) => {
  if (!/^[0-9]{1,78}$/.test(s)) fail(`${at}: "${s}" is not a non-negative integer`);
  return BigInt(s);
};

export function validateGenesis(g: TreasuryGenesis): void {
  const params = g.params ?? fail("params are required");
  wrapErr(() => validateParams(params), "params");
  const models = new Set<bigint>();
  for (const p of g.policies) {
    if (p.modelId < 1n || models.has(p.modelId)) fail(`policy: bad or duplicate model id ${p.modelId}`);
    models.add(p.modelId);
    wrapErr(() => validatePolicy(p.policy), `policy of model ${p.modelId}`);
  }
  const seen = new Set<string>();
  for (const e of g.vesting) {
    const at = `vesting ${e.address}/${e.datanetId}/${e.epoch}/${e.denom}`;
    wrapErr(() => accAddressFromString(e.address), at);
    if (!isValidDenom(e.denom)) fail(`${at}: invalid denom`);
    if (uint(e.claimed, at) > uint(e.total, at)) fail(`${at}: claimed exceeds total`);
    if (seen.has(at)) fail(`duplicate ${at}`);
    seen.add(at);
  }
  const rows = new Set<string>();
  for (const e of g.earnings) {
    const at = `earnings ${e.address}/${e.epoch}/${e.denom}`;
    wrapErr(() => accAddressFromString(e.address), at);
    if (!isValidDenom(e.denom)) fail(`${at}: invalid denom`);
    for (const v of [e.asContributor, e.asTrainer, e.asProvider, e.claimed, e.clawedBack]) uint(v, at);
    if (rows.has(at)) fail(`duplicate ${at}`);
    rows.add(at);
  }
}

export async function initGenesis(ctx: WriteContext, k: TreasuryKeeper, g: TreasuryGenesis): Promise<void> {
  validateGenesis(g);
  k.setParams(ctx, g.params ?? defaultParams());
  for (const p of g.policies) k.setModelPolicy(ctx, p);
  for (const e of g.vesting) k.setVesting(ctx, e);
  for (const e of g.earnings) k.setEarnings(ctx, e);
}

export async function exportGenesis(ctx: ReadContext, k: TreasuryKeeper): Promise<TreasuryGenesis> {
  const st = ctx.store(MODULE_NAME);
  const all = async <T>(prefix: number, dec: (b: Uint8Array) => T): Promise<T[]> => {
    const out: T[] = [];
    for await (const [, v] of st.iterate({ prefix: Uint8Array.of(prefix) })) out.push(dec(v));
    return out;
  };
  return {
    params: k.getParams(ctx),
    policies: await all(PREFIX.policy, (b) => ModelPolicy.decode(b)),
    vesting: await all(PREFIX.vesting, (b) => VestingEntry.decode(b)),
    earnings: await all(PREFIX.earnings, (b) => EpochEarnings.decode(b)),
  };
}


export function genesisToJson(g: TreasuryGenesis): unknown {
  return snakeKeys(GenesisState.toJSON(g));
}

export function genesisFromJson(j: unknown): TreasuryGenesis {
  const g = GenesisState.fromJSON(j ?? {});
  return { ...g, params: g.params ?? defaultParams() };
}
