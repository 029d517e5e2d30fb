/**
 * `openledgerd query staking|slashing|distribution …` through abci_query, printed as proto-JSON
 * (snake_case) with LegacyDec fields shown as decimals ("0.100000000000000000"), as the SDK CLI does.
 */
import { Command } from "commander";
import * as dq from "cosmjs-types/cosmos/distribution/v1beta1/query";
import * as slq from "cosmjs-types/cosmos/slashing/v1beta1/query";
import * as sq from "cosmjs-types/cosmos/staking/v1beta1/query";
import { abciQuery, b64 } from "../../rpc/client.ts";
import { parseAddress } from "../../util/address.ts";
import { UserError } from "../../util/errors.ts";
import { type CliIo, emit, toJson } from "../../util/io.ts";
import { snakeKeys } from "./datanet.ts";
import { parseHeight, type QueryCtx } from "./handler.ts";
import { addNodeOption, queryCtx } from "./index.ts";

interface Codec<T> {
  encode(m: T): { finish(): Uint8Array };
  decode(b: Uint8Array): T;
  fromPartial(o: any): T;
  toJSON(m: T): unknown;
}

/** "100000000000000000" → "0.100000000000000000". */
export function formatProtoDec(s: string): string {
  if (!/^-?[0-9]+$/.test(s)) return s;
  const neg = s.startsWith("-");
  const d = (neg ? s.slice(1) : s).padStart(19, "0");
  return `${neg ? "-" : ""}${d.slice(0, -18).replace(/^0+(?=\d)/, "")}.${d.slice(-18)}`;
}

/** formats the LegacyDec string fields named in `keys` anywhere in the JSON; `bytesKeys` hold LegacyDec as base64 text bytes (slashing params). */
export function decFields(v: unknown, keys: ReadonlySet<string>, bytesKeys: ReadonlySet<string> = new Set()): unknown {
  if (Array.isArray(v)) return v.map((x) => decFields(x, keys, bytesKeys));
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => {
        if (typeof x === "string" && keys.has(k)) return [k, formatProtoDec(x)];
        if (typeof x === "string" && bytesKeys.has(k)) return [k, formatProtoDec(Buffer.from(x, "base64").toString("utf8") || "0")];
        return [k, decFields(x, keys, bytesKeys)];
      }),
    );
  }
  return v;
}

const STAKING_DECS = new Set(["delegator_shares", "shares", "rate", "max_rate", "max_change_rate", "min_commission_rate", "shares_dst"]);
const DISTR_DECS = new Set(["amount", "community_tax", "base_proposer_reward", "bonus_proposer_reward", "fraction"]);
const SLASHING_BYTES = new Set(["min_signed_per_window", "slash_fraction_double_sign", "slash_fraction_downtime"]);

async function run<Q, R>(c: QueryCtx, path: string, req: Codec<Q>, value: Record<string, unknown>, res: Codec<R>, height: string | undefined, decs: ReadonlySet<string>, bytes?: ReadonlySet<string>): Promise<void> {
  const r = await abciQuery(c.url, path, req.encode(req.fromPartial(value)).finish(), { height: parseHeight(height) });
  const json = decFields(snakeKeys(res.toJSON(res.decode(b64(r.value)))), decs, bytes);
  emit(c.io, c.output, json, () => toJson(json));
}

const acc = (s: string) => {
  parseAddress(s, "open", "delegator address");
  return s;
};
const val = (s: string) => {
  parseAddress(s, "openvaloper", "validator address");
  return s;
};
const page = (o: { limit?: string; offset?: string }) => {
  if (o.limit !== undefined && !/^[0-9]+$/.test(o.limit)) throw new UserError(`invalid --limit "${o.limit}"`);
  if (o.offset !== undefined && !/^[0-9]+$/.test(o.offset)) throw new UserError(`invalid --offset "${o.offset}"`);
  return { limit: BigInt(o.limit ?? "0"), offset: BigInt(o.offset ?? "0"), countTotal: true };
};

type O = { height?: string; limit?: string; offset?: string };

export function stakingQueryCommand(io: CliIo): Command {
  const cmd = new Command("staking").description("staking module queries");
  const P = "/cosmos.staking.v1beta1.Query/";
  const sub = (name: string, desc: string) => addNodeOption(cmd.command(name).description(desc).option("--height <h>", "query the state at this height (default: latest)"));
  const paged = (c: Command) => c.option("--limit <n>", "page size (default 100)").option("--offset <n>", "skip this many");
  paged(sub("validators", "all validators (bonded, unbonding and unbonded)"))
    .option("--status <s>", "bonded, unbonding or unbonded")
    .action(async (o: O & { status?: string }, c: Command) => {
      const st = o.status === undefined ? "" : { bonded: "BOND_STATUS_BONDED", unbonding: "BOND_STATUS_UNBONDING", unbonded: "BOND_STATUS_UNBONDED" }[o.status];
      if (st === undefined) throw new UserError(`invalid --status "${o.status}": bonded, unbonding or unbonded`);
      await run(queryCtx(io, c), `${P}Validators`, sq.QueryValidatorsRequest, { status: st, pagination: page(o) }, sq.QueryValidatorsResponse, o.height, STAKING_DECS);
    });
  sub("validator", "one validator").argument("<validator>", "openvaloper1…").action(async (v: string, o: O, c: Command) => run(queryCtx(io, c), `${P}Validator`, sq.QueryValidatorRequest, { validatorAddr: val(v) }, sq.QueryValidatorResponse, o.height, STAKING_DECS));
  sub("delegation", "a delegation").argument("<delegator>", "open1…").argument("<validator>", "openvaloper1…").action(async (d: string, v: string, o: O, c: Command) =>
    run(queryCtx(io, c), `${P}Delegation`, sq.QueryDelegationRequest, { delegatorAddr: acc(d), validatorAddr: val(v) }, sq.QueryDelegationResponse, o.height, STAKING_DECS),
  );
  paged(sub("delegations", "a delegator's delegations")).argument("<delegator>", "open1…").action(async (d: string, o: O, c: Command) =>
    run(queryCtx(io, c), `${P}DelegatorDelegations`, sq.QueryDelegatorDelegationsRequest, { delegatorAddr: acc(d), pagination: page(o) }, sq.QueryDelegatorDelegationsResponse, o.height, STAKING_DECS),
  );
  paged(sub("delegations-to", "a validator's delegations")).argument("<validator>", "openvaloper1…").action(async (v: string, o: O, c: Command) =>
    run(queryCtx(io, c), `${P}ValidatorDelegations`, sq.QueryValidatorDelegationsRequest, { validatorAddr: val(v), pagination: page(o) }, sq.QueryValidatorDelegationsResponse, o.height, STAKING_DECS),
  );
  paged(sub("unbonding-delegations", "a delegator's unbonding delegations")).argument("<delegator>", "open1…").action(async (d: string, o: O, c: Command) =>
    run(queryCtx(io, c), `${P}DelegatorUnbondingDelegations`, sq.QueryDelegatorUnbondingDelegationsRequest, { delegatorAddr: acc(d), pagination: page(o) }, sq.QueryDelegatorUnbondingDelegationsResponse, o.height, STAKING_DECS),
  );
  paged(sub("redelegations", "a delegator's redelegations")).argument("<delegator>", "open1…").action(async (d: string, o: O, c: Command) =>
    run(queryCtx(io, c), `${P}Redelegations`, sq.QueryRedelegationsRequest, { delegatorAddr: acc(d), srcValidatorAddr: "", dstValidatorAddr: "", pagination: page(o) }, sq.QueryRedelegationsResponse, o.height, STAKING_DECS),
  );
  sub("historical-info", "the header and validator set kept for a height (the last historical_entries blocks)")
    .argument("<height>", "block height")
    .action(async (h: string, o: O, c: Command) => {
      if (!/^[0-9]+$/.test(h) || BigInt(h) > 0x7fffffffffffffffn) throw new UserError(`height argument provided must be a non-negative-integer: "${h}"`);
      await run(queryCtx(io, c), `${P}HistoricalInfo`, sq.QueryHistoricalInfoRequest, { height: BigInt(h) }, sq.QueryHistoricalInfoResponse, o.height, STAKING_DECS);
    });
  sub("pool", "bonded and not-bonded tokens").action(async (o: O, c: Command) => run(queryCtx(io, c), `${P}Pool`, sq.QueryPoolRequest, {}, sq.QueryPoolResponse, o.height, STAKING_DECS));
  sub("params", "staking parameters").action(async (o: O, c: Command) => run(queryCtx(io, c), `${P}Params`, sq.QueryParamsRequest, {}, sq.QueryParamsResponse, o.height, STAKING_DECS));
  return cmd;
}

export function slashingQueryCommand(io: CliIo): Command {
  const cmd = new Command("slashing").description("slashing module queries");
  const P = "/cosmos.slashing.v1beta1.Query/";
  const sub = (name: string, desc: string) => addNodeOption(cmd.command(name).description(desc).option("--height <h>", "query the state at this height (default: latest)"));
  sub("signing-info", "a validator's signing info (uptime, jail, tombstone)").argument("<cons_address>", "openvalcons1… address").action(async (a: string, o: O, c: Command) => {
    parseAddress(a, "openvalcons", "consensus address");
    await run(queryCtx(io, c), `${P}SigningInfo`, slq.QuerySigningInfoRequest, { consAddress: a }, slq.QuerySigningInfoResponse, o.height, new Set());
  });
  sub("signing-infos", "every validator's signing info")
    .option("--limit <n>", "page size (default 100)")
    .option("--offset <n>", "skip this many")
    .action(async (o: O, c: Command) => run(queryCtx(io, c), `${P}SigningInfos`, slq.QuerySigningInfosRequest, { pagination: page(o) }, slq.QuerySigningInfosResponse, o.height, new Set()));
  sub("params", "slashing parameters").action(async (o: O, c: Command) => run(queryCtx(io, c), `${P}Params`, slq.QueryParamsRequest, {}, slq.QueryParamsResponse, o.height, new Set(), SLASHING_BYTES));
  return cmd;
}

export function distributionQueryCommand(io: CliIo): Command {
  const cmd = new Command("distribution").description("distribution module queries");
  const P = "/cosmos.distribution.v1beta1.Query/";
  const sub = (name: string, desc: string) => addNodeOption(cmd.command(name).description(desc).option("--height <h>", "query the state at this height (default: latest)"));
  sub("rewards", "a delegator's rewards (all validators, or one)")
    .argument("<delegator>", "open1…")
    .argument("[validator]", "openvaloper1…")
    .action(async (d: string, v: string | undefined, o: O, c: Command) => {
      if (v === undefined) await run(queryCtx(io, c), `${P}DelegationTotalRewards`, dq.QueryDelegationTotalRewardsRequest, { delegatorAddress: acc(d) }, dq.QueryDelegationTotalRewardsResponse, o.height, DISTR_DECS);
      else await run(queryCtx(io, c), `${P}DelegationRewards`, dq.QueryDelegationRewardsRequest, { delegatorAddress: acc(d), validatorAddress: val(v) }, dq.QueryDelegationRewardsResponse, o.height, DISTR_DECS);
    });
  sub("commission", "a validator's accumulated commission").argument("<validator>", "openvaloper1…").action(async (v: string, o: O, c: Command) =>
    run(queryCtx(io, c), `${P}ValidatorCommission`, dq.QueryValidatorCommissionRequest, { validatorAddress: val(v) }, dq.QueryValidatorCommissionResponse, o.height, DISTR_DECS),
  );
  sub("outstanding-rewards", "a validator's outstanding (not yet withdrawn) rewards").argument("<validator>", "openvaloper1…").action(async (v: string, o: O, c: Command) =>
    run(queryCtx(io, c), `${P}ValidatorOutstandingRewards`, dq.QueryValidatorOutstandingRewardsRequest, { validatorAddress: val(v) }, dq.QueryValidatorOutstandingRewardsResponse, o.height, DISTR_DECS),
  );
  sub("withdraw-addr", "where a delegator's rewards are paid").argument("<delegator>", "open1…").action(async (d: string, o: O, c: Command) =>
    run(queryCtx(io, c), `${P}DelegatorWithdrawAddress`, dq.QueryDelegatorWithdrawAddressRequest, { delegatorAddress: acc(d) }, dq.QueryDelegatorWithdrawAddressResponse, o.height, DISTR_DECS),
  );
  sub("community-pool", "the community pool").action(async (o: O, c: Command) => run(queryCtx(io, c), `${P}CommunityPool`, dq.QueryCommunityPoolRequest, {}, dq.QueryCommunityPoolResponse, o.height, DISTR_DECS));
  sub("params", "distribution parameters").action(async (o: O, c: Command) => run(queryCtx(io, c), `${P}Params`, dq.QueryParamsRequest, {}, dq.QueryParamsResponse, o.height, DISTR_DECS));
  return cmd;
}
