/** `openledgerd query treasury …` (params, fee-policy, vesting, earnings with CSV export) and `query paychan …`. */
import { Command } from "commander";
import * as tq from "../../../proto/gen/openledger/treasury/v1/query.ts";
import * as pq from "../../../proto/gen/openledger/paychan/v1/query.ts";
import { EpochEarnings } from "../../../proto/gen/openledger/treasury/v1/types.ts";
import { abciQuery, b64 } from "../../rpc/client.ts";
import { parseAddress } from "../../util/address.ts";
import { UserError } from "../../util/errors.ts";
import { type CliIo, emit, toJson } from "../../util/io.ts";
import { parseId } from "../tx/datanet.ts";
import { snakeKeys } from "./datanet.ts";
import { parseHeight, type QueryCtx } from "./handler.ts";
import { addNodeOption, queryCtx } from "./index.ts";

interface Codec<T> {
  encode(m: T): { finish(): Uint8Array };
  decode(b: Uint8Array): T;
  fromPartial(o: any): T;
  toJSON(m: T): unknown;
}

async function fetch<Q, R>(c: QueryCtx, path: string, req: Codec<Q>, value: Record<string, unknown>, res: Codec<R>, height?: string): Promise<R> {
  const r = await abciQuery(c.url, path, req.encode(req.fromPartial(value)).finish(), { height: parseHeight(height) });
  return res.decode(b64(r.value));
}

async function run<Q, R>(c: QueryCtx, path: string, req: Codec<Q>, value: Record<string, unknown>, res: Codec<R>, height?: string): Promise<void> {
  const json = snakeKeys(res.toJSON(await fetch(c, path, req, value, res, height)));
  emit(c.io, c.output, json, () => toJson(json));
}

export const EARNINGS_CSV_HEADER = "address,epoch,denom,as_contributor,as_trainer,as_provider,claimed,clawed_back,splits";

/** one CSV line per (epoch, denom) row of an earnings statement. */
export function earningsCsv(rows: readonly EpochEarnings[]): string {
  return [EARNINGS_CSV_HEADER, ...rows.map((r) => [r.address, r.epoch, r.denom, r.asContributor, r.asTrainer, r.asProvider, r.claimed, r.clawedBack, r.splits].join(","))].join("\n");
}

const epochFlag = (v: string | undefined, what: string): bigint => {
  if (v === undefined) return 0n;
  if (!/^[0-9]{1,19}$/.test(v)) throw new UserError(`invalid ${what} "${v}": a non-negative integer`);
  return BigInt(v);
};

export function treasuryQueryCommand(io: CliIo): Command {
  const cmd = new Command("treasury").description("treasury queries: fee policies, vesting, earnings statements");
  const P = "/openledger.treasury.v1.Query/";
  const sub = (name: string, desc: string) => addNodeOption(cmd.command(name).description(desc).option("--height <h>", "query the state at this height (default: latest)"));
  sub("params", "module parameters").action(async (o: { height?: string }, c: Command) => run(queryCtx(io, c), `${P}Params`, tq.QueryParamsRequest, {}, tq.QueryParamsResponse, o.height));
  sub("fee-policy", "the effective fee-split policy of a model and where it comes from (treasury, model or default)")
    .argument("<model_id>", "model id")
    .action(async (id: string, o: { height?: string }, c: Command) => run(queryCtx(io, c), `${P}FeePolicy`, tq.QueryFeePolicyRequest, { modelId: parseId(id, "model id") }, tq.QueryFeePolicyResponse, o.height));
  sub("vesting", "an address's vesting entries, what is claimable now and what is unvested")
    .argument("<address>", "open1… address")
    .action(async (a: string, o: { height?: string }, c: Command) => {
      parseAddress(a, "open", "address");
      return run(queryCtx(io, c), `${P}Vesting`, tq.QueryVestingRequest, { address: a }, tq.QueryVestingResponse, o.height);
    });
  sub("earnings", "an address's earnings statement per epoch (as contributor, trainer, provider; claimed; clawed back); --csv for a spreadsheet")
    .argument("<address>", "open1… address")
    .option("--from-epoch <n>", "first epoch (default 0)")
    .option("--to-epoch <n>", "last epoch (default: no bound)")
    .option("--csv", "print CSV (header + one line per epoch and denom) instead of text/JSON", false)
    .action(async (a: string, o: { height?: string; fromEpoch?: string; toEpoch?: string; csv: boolean }, c: Command) => {
      parseAddress(a, "open", "address");
      const ctx = queryCtx(io, c);
      const rows: EpochEarnings[] = [];
      let key: Uint8Array = new Uint8Array(0);
      for (;;) {
        const r = await fetch(ctx, `${P}Earnings`, tq.QueryEarningsRequest, { address: a, fromEpoch: epochFlag(o.fromEpoch, "--from-epoch"), toEpoch: epochFlag(o.toEpoch, "--to-epoch"), pagination: { key, limit: 1000n } }, tq.QueryEarningsResponse, o.height);
        rows.push(...r.rows);
        key = r.pagination?.nextKey ?? new Uint8Array(0);
        if (key.length === 0) break;
      }
      if (o.csv) return io.out(earningsCsv(rows));
      const json = snakeKeys({ rows: rows.map((r) => EpochEarnings.toJSON(r)) });
      emit(io, ctx.output, json, () => (rows.length === 0 ? "no earnings" : earningsCsv(rows).split("\n").map((l) => l.split(",").join("\t")).join("\n")));
    });
  return cmd;
}

export function paychanQueryCommand(io: CliIo): Command {
  const cmd = new Command("paychan").description("payment channel queries");
  const P = "/openledger.paychan.v1.Query/";
  const sub = (name: string, desc: string) => addNodeOption(cmd.command(name).description(desc).option("--height <h>", "query the state at this height (default: latest)"));
  sub("params", "module parameters").action(async (o: { height?: string }, c: Command) => run(queryCtx(io, c), `${P}Params`, pq.QueryParamsRequest, {}, pq.QueryParamsResponse, o.height));
  sub("channel", "one channel").argument("<id>", "channel id").action(async (id: string, o: { height?: string }, c: Command) => run(queryCtx(io, c), `${P}Channel`, pq.QueryChannelRequest, { id: parseId(id, "channel id") }, pq.QueryChannelResponse, o.height));
  sub("channels", "channels of a payer or payee (all without --address)")
    .option("--address <address>", "payer or payee")
    .option("--limit <n>", "page size (default 100)")
    .action(async (o: { height?: string; address?: string; limit?: string }, c: Command) => {
      if (o.address !== undefined) parseAddress(o.address, "open", "address");
      return run(queryCtx(io, c), `${P}Channels`, pq.QueryChannelsRequest, { address: o.address ?? "", pagination: { limit: o.limit === undefined ? 0n : parseId(o.limit, "--limit") } }, pq.QueryChannelsResponse, o.height);
    });
  return cmd;
}
