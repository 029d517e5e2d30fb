/** `openledgerd query compute …`: params, provider(s), job(s), printed as proto-JSON (snake_case). */
import { Command } from "commander";
import * as cq from "../../../proto/gen/openledger/compute/v1/query.ts";
import { abciQuery, b64 } from "../../rpc/client.ts";
import { parseAddress } from "../../util/address.ts";
import { UserError } from "../../util/errors.ts";
import { type CliIo, emit, toJson } from "../../util/io.ts";
import { parseId } from "../tx/datanet.ts";
import { snakeKeys } from "./datanet.ts";
import { addNodeOption, queryCtx } from "./index.ts";
import { parseHeight, type QueryCtx } from "./handler.ts";

interface Codec<T> {
  encode(m: T): { finish(): Uint8Array };
  decode(b: Uint8Array): T;
  fromPartial(o: any): T;
  toJSON(m: T): unknown;
}

async function run<Q, R>(c: QueryCtx, path: string, req: Codec<Q>, value: Record<string, unknown>, res: Codec<R>, height?: string): Promise<void> {
  const r = await abciQuery(c.url, path, req.encode(req.fromPartial(value)).finish(), { height: parseHeight(height) });
  const json = snakeKeys(res.toJSON(res.decode(b64(r.value))));
  emit(c.io, c.output, json, () => toJson(json));
}

const page = (o: { limit?: string; offset?: string }) => ({ limit: o.limit === undefined ? 0n : parseId(o.limit, "--limit"), offset: o.offset === undefined ? 0n : BigInt(o.offset), countTotal: true });
const STATUS: Record<string, number> = { pending: 1, assigned: 2, submitted: 3, accepted: 4, failed: 5 };

export function computeQueryCommand(io: CliIo): Command {
  const cmd = new Command("compute").description("compute module queries");
  const P = "/openledger.compute.v1.Query/";
  const sub = (name: string, desc: string) => addNodeOption(cmd.command(name).description(desc).option("--height <h>", "query the state at this height (default: latest)"));
  const paged = (c: Command) => c.option("--limit <n>", "page size (default 100)").option("--offset <n>", "skip this many");
  sub("params", "module parameters").action(async (o: { height?: string }, c: Command) => run(queryCtx(io, c), `${P}Params`, cq.QueryParamsRequest, {}, cq.QueryParamsResponse, o.height));
  sub("provider", "one provider").argument("<address>", "provider address").action(async (a: string, o: { height?: string }, c: Command) => {
    parseAddress(a, "open", "provider address");
    return run(queryCtx(io, c), `${P}Provider`, cq.QueryProviderRequest, { address: a }, cq.QueryProviderResponse, o.height);
  });
  paged(sub("providers", "all providers")).action(async (o: { height?: string; limit?: string; offset?: string }, c: Command) => run(queryCtx(io, c), `${P}Providers`, cq.QueryProvidersRequest, { pagination: page(o) }, cq.QueryProvidersResponse, o.height));
  sub("job", "one job").argument("<id>", "job id").action(async (id: string, o: { height?: string }, c: Command) => run(queryCtx(io, c), `${P}Job`, cq.QueryJobRequest, { id: parseId(id, "job id") }, cq.QueryJobResponse, o.height));
  paged(sub("jobs", "jobs (all, of a provider, or in a status)"))
    .option("--provider <address>", "jobs assigned to this provider")
    .option("--status <s>", "pending, assigned, submitted, accepted or failed")
    .action(async (o: { height?: string; limit?: string; offset?: string; provider?: string; status?: string }, c: Command) => {
      if (o.provider !== undefined) parseAddress(o.provider, "open", "provider address");
      const status = o.status === undefined ? 0 : STATUS[o.status];
      if (status === undefined) throw new UserError(`invalid --status "${o.status}": pending, assigned, submitted, accepted or failed`);
      return run(queryCtx(io, c), `${P}Jobs`, cq.QueryJobsRequest, { provider: o.provider ?? "", status, pagination: page(o) }, cq.QueryJobsResponse, o.height);
    });
  return cmd;
}
