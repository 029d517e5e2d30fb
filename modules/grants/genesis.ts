/** grants genesis: the grants and the next id (proto-JSON, snake_case). */
import { accAddressFromString } from "../core/address.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import { GenesisState } from "../../proto/gen/openledger/grants/v1/genesis.ts";
import { ErrInvalidGrant } from "./errors.ts";
import type { GrantsKeeper } from "./keeper.ts";
import { validateGrantShape } from "./keeper.ts";
import { snakeKeys } from "../core/protoJson.ts";

export type GrantsGenesis = GenesisState;

export function defaultGenesis(): GrantsGenesis {
  return { grants: [], nextGrantId: 1n };
}

export function validateGenesis(g: GrantsGenesis): void {
  const ids = new Set<bigint>();
  for (const x of g.grants) {
    if (x.id <= 0n || x.id >= g.nextGrantId) throw ErrInvalidGrant.wrap(`grant id ${x.id} not in [1, next_grant_id)`);
    if (ids.has(x.id)) throw ErrInvalidGrant.wrap(`duplicate grant ${x.id}`);
    ids.add(x.id);
    accAddressFromString(x.recipient);
    for (const r of x.reviewers) accAddressFromString(r);
    validateGrantShape(x);
    for (const m of x.milestones) if (m.status < 1 || m.status > 4) throw ErrInvalidGrant.wrap(`grant ${x.id}: invalid milestone status ${m.status}`);
  }
}

export async function initGenesis(ctx: WriteContext, k: GrantsKeeper, g: GrantsGenesis): Promise<void> {
  for (const x of g.grants) k.setGrant(ctx, x);
  k.setNextId(ctx, g.nextGrantId);
}

export async function exportGenesis(ctx: ReadContext, k: GrantsKeeper): Promise<GrantsGenesis> {
  const grants = [];
  for await (const x of k.iterateGrants(ctx)) grants.push(x);
  return { grants, nextGrantId: k.getNextId(ctx) };
}


export function genesisToJson(g: GrantsGenesis): unknown {
  return snakeKeys(GenesisState.toJSON(g));
}

export function genesisFromJson(j: unknown): GrantsGenesis {
  const g = GenesisState.fromJSON(j ?? {});
  return { ...g, nextGrantId: g.nextGrantId === 0n ? 1n : g.nextGrantId };
}
