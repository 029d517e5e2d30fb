/** staking invariants: pools match the tokens they hold; no negative or orphaned records. */
import type { ReadContext } from "../core/context.ts";
import type { Invariant } from "../core/module.ts";
import type { StakingKeeper } from "./keeper.ts";
import { BOND_STATUS } from "./types.ts";

/** bonded pool = Σ bonded validators' tokens; not-bonded pool = Σ unbonding/unbonded validators' tokens + Σ unbonding entries. */
export function modulePoolsInvariant(k: StakingKeeper): Invariant {
  return async (ctx: ReadContext) => {
    let bonded = 0n;
    let notBonded = 0n;
    for await (const v of k.iterateValidators(ctx)) {
      if (v.tokens < 0n || v.delegatorShares < 0n) return `validator has negative tokens or shares`;
      if (v.status === BOND_STATUS.bonded) bonded += v.tokens;
      else notBonded += v.tokens;
    }
    for await (const u of k.iterateAllUnbondingDelegations(ctx)) for (const e of u.entries) notBonded += e.balance;
    const bp = k.totalBondedTokens(ctx);
    const nbp = k.notBondedTokens(ctx);
    if (bp !== bonded) return `bonded pool balance ${bp} != sum of bonded validator tokens ${bonded}`;
    if (nbp !== notBonded) return `not-bonded pool balance ${nbp} != sum of unbonding/unbonded tokens ${notBonded}`;
    return null;
  };
}

/** every delegation has positive shares and its validator exists; Σ shares per validator = its delegator shares. */
export function delegatorSharesInvariant(k: StakingKeeper): Invariant {
  return async (ctx: ReadContext) => {
    const sums = new Map<string, bigint>();
    for await (const d of k.iterateAllDelegations(ctx)) {
      if (d.shares <= 0n) return "delegation with non-positive shares";
      const key = Buffer.from(d.validator).toString("hex");
      sums.set(key, (sums.get(key) ?? 0n) + d.shares);
    }
    for await (const v of k.iterateValidators(ctx)) {
      const s = sums.get(Buffer.from(v.operator).toString("hex")) ?? 0n;
      if (s !== v.delegatorShares) return `validator delegator shares ${v.delegatorShares} != sum of delegations ${s}`;
      sums.delete(Buffer.from(v.operator).toString("hex"));
    }
    if (sums.size > 0) return "delegation to a validator that does not exist";
    return null;
  };
}
