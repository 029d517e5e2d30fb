/** compute invariants: the escrow account holds exactly the bonds plus the fees of unfinished jobs. */
import type { ReadContext } from "../core/context.ts";
import { moduleAddress } from "../core/address.ts";
import type { Invariant } from "../core/module.ts";
import { JobStatus } from "../../proto/gen/openledger/compute/v1/types.ts";
import type { ComputeBankKeeper } from "./expectedKeepers.ts";
import type { ComputeKeeper } from "./keeper.ts";
import { ESCROW_ACCOUNT } from "./keys.ts";

export function escrowInvariant(k: ComputeKeeper, bank: ComputeBankKeeper): Invariant {
  return async (ctx: ReadContext) => {
    const p = k.getParams(ctx);
    let want = 0n;
    for await (const prov of k.iterateProviders(ctx)) want += BigInt(prov.bond);
    for (const s of [JobStatus.JOB_STATUS_PENDING, JobStatus.JOB_STATUS_ASSIGNED, JobStatus.JOB_STATUS_SUBMITTED]) {
      for await (const j of k.iterateJobsByStatus(ctx, s)) if (j.fee !== undefined && j.fee.denom === p.bondDenom) want += BigInt(j.fee.amount);
    }
    const have = bank.getBalance(ctx, moduleAddress(ESCROW_ACCOUNT), p.bondDenom);
    return have === want ? null : `compute escrow holds ${have}${p.bondDenom}, bonds + open fees = ${want}${p.bondDenom}`;
  };
}
