/** gov params (cosmos.gov.v1.Params, SDK x/gov/types/v1/params.go defaults and validation). */
import type { Params } from "cosmjs-types/cosmos/gov/v1/gov";
import { type Coin, coinsFromProto, validateCoins } from "../core/coins.ts";
import { DEC_ONE, type Dec, parseDec } from "../core/dec.ts";
import { AppError, ErrInvalidRequest } from "../core/errors.ts";

export type GovParams = Params;

const DAY = 86_400n;

export function defaultParams(): GovParams {
  return {
    minDeposit: [{ denom: "uopen", amount: "10000000" }],
    maxDepositPeriod: { seconds: 2n * DAY, nanos: 0 },
    votingPeriod: { seconds: 2n * DAY, nanos: 0 },
    quorum: "0.334000000000000000",
    threshold: "0.500000000000000000",
    vetoThreshold: "0.334000000000000000",
    minInitialDepositRatio: "0.000000000000000000",
    proposalCancelRatio: "0.500000000000000000",
    proposalCancelDest: "",
    expeditedVotingPeriod: { seconds: DAY, nanos: 0 },
    expeditedThreshold: "0.667000000000000000",
    expeditedMinDeposit: [{ denom: "uopen", amount: "50000000" }],
    burnVoteQuorum: false,
    burnProposalDepositPrevote: false,
    burnVoteVeto: true,
    minDepositRatio: "0.010000000000000000",
  };
}

export function dec(s: string, what: string): Dec {
  try {
    return parseDec(s);
  } catch (e: unknown) {
    throw ErrInvalidRequest.wrap(`invalid ${what}: ${e instanceof AppError ? e.detail : String(e)}`);
  }
}

function coins(cs: readonly { denom: string; amount: string }[], what: string): Coin[] {
  try {
    const c = coinsFromProto(cs);
    validateCoins(c);
    return c;
  } catch (e: unknown) {
    throw ErrInvalidRequest.wrap(`invalid ${what}: ${e instanceof AppError ? e.detail : String(e)}`);
  }
}

function positive(d: { seconds: bigint; nanos: number } | undefined, what: string): bigint {
  if (d === undefined) throw ErrInvalidRequest.wrap(`${what} must not be nil`);
  const ns = d.seconds * 1_000_000_000n + BigInt(d.nanos);
  if (ns <= 0n) throw ErrInvalidRequest.wrap(`${what} must be positive: ${d.seconds}s`);
  return ns;
}

function fraction(s: string, what: string, o: { positive?: boolean } = {}): Dec {
  const d = dec(s, what);
  if (d > DEC_ONE) throw ErrInvalidRequest.wrap(`${what} too large: ${s}`);
  if (o.positive === true && d === 0n) throw ErrInvalidRequest.wrap(`${what} must be positive: ${s}`);
  return d;
}

export function validateParams(p: GovParams): void {
  const min = coins(p.minDeposit, "minimum deposit");
  if (min.length === 0) throw ErrInvalidRequest.wrap("invalid minimum deposit: empty");
  const exMin = coins(p.expeditedMinDeposit, "expedited minimum deposit");
  if (exMin.length === 0) throw ErrInvalidRequest.wrap("invalid expedited minimum deposit: empty");
  for (const c of min) {
    const ex = exMin.find((e) => e.denom === c.denom);
    if (ex === undefined || ex.amount <= c.amount) throw ErrInvalidRequest.wrap(`expedited minimum deposit must be greater than minimum deposit for ${c.denom}`);
  }
  fraction(p.quorum, "quorum");
  fraction(p.threshold, "threshold", { positive: true });
  fraction(p.vetoThreshold, "veto threshold", { positive: true });
  const exTh = fraction(p.expeditedThreshold, "expedited threshold", { positive: true });
  if (exTh <= dec(p.threshold, "threshold")) throw ErrInvalidRequest.wrap("expedited threshold must be greater than the regular threshold");
  fraction(p.minInitialDepositRatio, "minimum initial deposit ratio");
  fraction(p.proposalCancelRatio, "proposal cancel ratio");
  fraction(p.minDepositRatio, "minimum deposit ratio");
  positive(p.maxDepositPeriod, "maximum deposit period");
  const vp = positive(p.votingPeriod, "voting period");
  const evp = positive(p.expeditedVotingPeriod, "expedited voting period");
  if (evp >= vp) throw ErrInvalidRequest.wrap("expedited voting period must be strictly less than the regular voting period");
}
