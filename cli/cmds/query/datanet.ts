/** `openledgerd query datanet …` and `query attribution …`: module queries through abci_query, printed as proto-JSON (snake_case). */
import { Command } from "commander";
import * as dq from "../../../proto/gen/openledger/datanet/v1/query.ts";
import * as aq from "../../../proto/gen/openledger/attribution/v1/query.ts";
import { contributionStatusFromJSON } from "../../../proto/gen/openledger/datanet/v1/types.ts";
import { abciQuery, b64 } from "../../rpc/client.ts";
import { parseAddress } from "../../util/address.ts";
import { UserError } from "../../util/errors.ts";
import { type CliIo, emit, toJson } from "../../util/io.ts";
import { parseId } from "../tx/datanet.ts";
import { addNodeOption, queryCtx } from "./index.ts";
import { parseHeight, type QueryCtx } from "./handler.ts";

interface Codec<T> {
  encode(m: T): { finish(): Uint8Array };
  decode(b: Uint8Array): T;
  fromPartial(o: any): T;
  toJSON(m: T): unknown;
}

export function snakeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeKeys(x)]));
  return v;
}

async function run<Q, R>(c: QueryCtx, path: string, req: Codec<Q>, value: Record<string, unknown>, res: Codec<R>, height?: string): Promise<void> {
  const r = await abciQuery(c.url, path, req.encode(req.fromPartial(value)).finish(), { height: parseHeight(height) });
  const json = snakeKeys(res.toJSON(res.decode(b64(r.value))));
  emit(c.io, c.output, json, () => toJson(json));
}

const page = (o: { limit?: string; offset?: string }) => ({ limit: o.limit === undefined ? 0n : parseId(o.limit, "--limit"), offset: o.offset === undefined ? 0n : BigInt(o.offset), countTotal: true });

export function datanetQueryCommand(io: CliIo): Command {
  const cmd = new Command("datanet").description("datanet module queries");
  const P = "/openledger.datanet.v1.Query/";
  const sub = (name: string, desc: string) => addNodeOption(cmd.command(name).description(desc).option("--height <h>", "query the state at this height (default: latest)"));
  const paged = (c: Command) => c.option("--limit <n>", "page size (default 100)").option("--offset <n>", "skip this many");

  sub("params", "module parameters").action(async (o: { height?: string }, c: Command) => run(queryCtx(io, c), `${P}Params`, dq.QueryParamsRequest, {}, dq.QueryParamsResponse, o.height));
  sub("datanet", "one datanet").argument("<id>", "datanet id").action(async (id: string, o: { height?: string }, c: Command) => run(queryCtx(io, c), `${P}Datanet`, dq.QueryDatanetRequest, { id: parseId(id, "datanet id") }, dq.QueryDatanetResponse, o.height));
  paged(sub("datanets", "all datanets")).action(async (o: { height?: string; limit?: string; offset?: string }, c: Command) => run(queryCtx(io, c), `${P}Datanets`, dq.QueryDatanetsRequest, { pagination: page(o) }, dq.QueryDatanetsResponse, o.height));
  sub("contribution", "one contribution").argument("<id>", "contribution id").action(async (id: string, o: { height?: string }, c: Command) => run(queryCtx(io, c), `${P}Contribution`, dq.QueryContributionRequest, { id: parseId(id, "contribution id") }, dq.QueryContributionResponse, o.height));
  paged(sub("contributions", "contributions of a datanet (registration order), or of a contributor with --contributor"))
    .argument("[datanet_id]", "datanet id")
    .option("--contributor <address>", "list this contributor's contributions instead")
    .option("--status <s>", "pending, accepted, rejected or slashed")
    .action(async (datanetId: string | undefined, o: { height?: string; limit?: string; offset?: string; contributor?: string; status?: string }, c: Command) => {
      const ctx = queryCtx(io, c);
      if (o.contributor !== undefined) {
        parseAddress(o.contributor, "open", "contributor address");
        return run(ctx, `${P}ContributionsByContributor`, dq.QueryContributionsByContributorRequest, { contributor: o.contributor, pagination: page(o) }, dq.QueryContributionsByContributorResponse, o.height);
      }
      if (datanetId === undefined) throw new UserError("give a datanet id or --contributor <address>");
      let status = 0;
      if (o.status !== undefined) {
        status = contributionStatusFromJSON(`CONTRIBUTION_STATUS_${o.status.toUpperCase()}`);
        if (status < 1) throw new UserError(`invalid --status "${o.status}": use pending, accepted, rejected or slashed`);
      }
      return run(ctx, `${P}Contributions`, dq.QueryContributionsRequest, { datanetId: parseId(datanetId, "datanet id"), status, pagination: page(o) }, dq.QueryContributionsResponse, o.height);
    });
  sub("contribution-by-hash", "the contribution of a datanet with this point hash or content hash")
    .argument("<datanet_id>", "datanet id")
    .argument("<hash>", "64 hex characters")
    .action(async (datanetId: string, hash: string, o: { height?: string }, c: Command) => {
      if (!/^[0-9a-fA-F]{64}$/.test(hash)) throw new UserError("hash must be 64 hex characters");
      return run(queryCtx(io, c), `${P}ContributionByHash`, dq.QueryContributionByHashRequest, { datanetId: parseId(datanetId, "datanet id"), hash: new Uint8Array(Buffer.from(hash, "hex")) }, dq.QueryContributionByHashResponse, o.height);
    });
  sub("snapshot", "one snapshot (with --entries: its leaves)")
    .argument("<id>", "snapshot id")
    .option("--entries", "list the leaves (index, contribution, point hash, contributor, label)", false)
    .option("--limit <n>", "page size of --entries")
    .action(async (id: string, o: { height?: string; entries: boolean; limit?: string }, c: Command) => {
      const sid = parseId(id, "snapshot id");
      if (o.entries) return run(queryCtx(io, c), `${P}SnapshotEntries`, dq.QuerySnapshotEntriesRequest, { snapshotId: sid, pagination: page(o) }, dq.QuerySnapshotEntriesResponse, o.height);
      return run(queryCtx(io, c), `${P}Snapshot`, dq.QuerySnapshotRequest, { id: sid }, dq.QuerySnapshotResponse, o.height);
    });
  paged(sub("snapshots", "snapshots of a datanet").argument("<datanet_id>", "datanet id")).action(async (datanetId: string, o: { height?: string; limit?: string; offset?: string }, c: Command) =>
    run(queryCtx(io, c), `${P}Snapshots`, dq.QuerySnapshotsRequest, { datanetId: parseId(datanetId, "datanet id"), pagination: page(o) }, dq.QuerySnapshotsResponse, o.height),
  );
  sub("challenge", "one challenge").argument("<id>", "challenge id").action(async (id: string, o: { height?: string }, c: Command) => run(queryCtx(io, c), `${P}Challenge`, dq.QueryChallengeRequest, { id: parseId(id, "challenge id") }, dq.QueryChallengeResponse, o.height));
  return cmd;
}

export function attributionQueryCommand(io: CliIo): Command {
  const cmd = new Command("attribution").description("attribution module queries: models, PoA receipts, reputation, audit reports");
  const P = "/openledger.attribution.v1.Query/";
  const sub = (name: string, desc: string) => addNodeOption(cmd.command(name).description(desc).option("--height <h>", "query the state at this height (default: latest)"));
  sub("params", "module parameters (active method version, K, K′, dust)").action(async (o: { height?: string }, c: Command) => run(queryCtx(io, c), `${P}Params`, aq.QueryParamsRequest, {}, aq.QueryParamsResponse, o.height));
  sub("model", "one registered model").argument("<id>", "model id").action(async (id: string, o: { height?: string }, c: Command) => run(queryCtx(io, c), `${P}Model`, aq.QueryModelRequest, { id: parseId(id, "model id") }, aq.QueryModelResponse, o.height));
  sub("models", "all models").option("--limit <n>", "page size").action(async (o: { height?: string; limit?: string }, c: Command) => run(queryCtx(io, c), `${P}Models`, aq.QueryModelsRequest, { pagination: page(o) }, aq.QueryModelsResponse, o.height));
  sub("receipt", "one attribution receipt").argument("<id>", "receipt id").action(async (id: string, o: { height?: string }, c: Command) => run(queryCtx(io, c), `${P}Receipt`, aq.QueryReceiptRequest, { id: parseId(id, "receipt id") }, aq.QueryReceiptResponse, o.height));
  sub("receipts", "receipts of a model (--model) or of a contributor (--contributor)")
    .option("--model <id>", "model id")
    .option("--contributor <address>", "contributor address")
    .option("--limit <n>", "page size")
    .action(async (o: { height?: string; model?: string; contributor?: string; limit?: string }, c: Command) => {
      const ctx = queryCtx(io, c);
      if ((o.model === undefined) === (o.contributor === undefined)) throw new UserError("give exactly one of --model <id> or --contributor <address>");
      if (o.model !== undefined) return run(ctx, `${P}ReceiptsByModel`, aq.QueryReceiptsByModelRequest, { modelId: parseId(o.model, "--model"), pagination: page(o) }, aq.QueryReceiptsByModelResponse, o.height);
      parseAddress(o.contributor as string, "open", "contributor address");
      return run(ctx, `${P}ReceiptsByContributor`, aq.QueryReceiptsByContributorRequest, { contributor: o.contributor, pagination: page(o) }, aq.QueryReceiptsByContributorResponse, o.height);
    });
  sub("reputation", "a data contributor's reputation from PoA receipts and audits").argument("<address>", "contributor address").action(async (a: string, o: { height?: string }, c: Command) => {
    parseAddress(a, "open", "contributor address");
    return run(queryCtx(io, c), `${P}Reputation`, aq.QueryReputationRequest, { contributor: a }, aq.QueryReputationResponse, o.height);
  });
  sub("audit-report", "the audit-mode KNN-Shapley report of a model").argument("<model-id>", "model id").action(async (id: string, o: { height?: string }, c: Command) => run(queryCtx(io, c), `${P}AuditReport`, aq.QueryAuditReportRequest, { modelId: parseId(id, "model id") }, aq.QueryAuditReportResponse, o.height));
  return cmd;
}
