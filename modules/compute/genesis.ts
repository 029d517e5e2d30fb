/** compute genesis: params, providers, jobs, the job sequence (proto-JSON, snake_case keys). */
import { accAddressFromString } from "../core/address.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import { AppError } from "../core/errors.ts";
import { GenesisState } from "../../proto/gen/openledger/compute/v1/genesis.ts";
import { Job, ProviderStatus } from "../../proto/gen/openledger/compute/v1/types.ts";
import { ErrInvalidGenesis } from "./errors.ts";
import type { ComputeKeeper } from "./keeper.ts";
import { MODULE_NAME, PREFIX, unbondingKey } from "./keys.ts";
import { defaultParams, validateParams } from "./params.ts";
import { snakeKeys } from "../core/protoJson.ts";

export type ComputeGenesis = GenesisState;

export function defaultGenesis(): ComputeGenesis {
  return { params: defaultParams(), providers: [], jobs: [], nextJobId: 1n };
}

const fail = (m: string): never => {
  throw ErrInvalidGenesis.wrap(m);
};

export function validateGenesis(g: ComputeGenesis): void {
  try {
    validateParams(g.params ?? fail("params are required"));
  } catch (e: unknown) {
    fail(e instanceof AppError ? e.log : String(e));
  }
  const seen = new Set<string>();
  for (const p of g.providers) {
    try {
      accAddressFromString(p.address);
    } catch {
      fail(`provider ${p.address}: invalid address`);
    }
    if (seen.has(p.address)) fail(`duplicate provider ${p.address}`);
    seen.add(p.address);
    if (!/^[0-9]+$/.test(p.bond)) fail(`provider ${p.address}: bond must be an integer`);
  }
  const ids = new Set<bigint>();
  for (const j of g.jobs) {
    if (j.id < 1n || j.id >= g.nextJobId) fail(`job ${j.id}: id outside [1, next_job_id)`);
    if (ids.has(j.id)) fail(`duplicate job ${j.id}`);
    ids.add(j.id);
  }
}

export async function initGenesis(ctx: WriteContext, k: ComputeKeeper, g: ComputeGenesis): Promise<void> {
  validateGenesis(g);
  k.setParams(ctx, g.params ?? defaultParams());
  for (const p of g.providers) {
    k.setProvider(ctx, p);
    if (p.status === ProviderStatus.PROVIDER_STATUS_UNBONDING) ctx.store(MODULE_NAME).set(unbondingKey(p.unbondingHeight, accAddressFromString(p.address)), new Uint8Array(0));
  }
  for (const j of g.jobs) k.putJob(ctx, j);
  k.setSequence(ctx, "job", g.nextJobId);
}

export async function exportGenesis(ctx: ReadContext, k: ComputeKeeper): Promise<ComputeGenesis> {
  const providers = [];
  for await (const p of k.iterateProviders(ctx)) providers.push(p);
  const jobs: Job[] = [];
  for await (const [, v] of ctx.store(MODULE_NAME).iterate({ prefix: Uint8Array.of(PREFIX.job) })) jobs.push(Job.decode(v));
  return { params: k.getParams(ctx), providers, jobs, nextJobId: k.getSequence(ctx, "job") };
}


export function genesisToJson(g: ComputeGenesis): unknown {
  return snakeKeys(GenesisState.toJSON(g));
}

export function genesisFromJson(j: unknown): ComputeGenesis {
  const g = GenesisState.fromJSON(j ?? {});
  return { ...g, params: g.params ?? defaultParams(), nextJobId: g.nextJobId === 0n ? 1n : g.nextJobId };
}
