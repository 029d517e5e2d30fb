/**
 * Cosmos gRPC (specs/cosmjs-rpc.md §6) on @grpc/grpc-js, plaintext h2c (default 127.0.0.1:9090).
 *
 * - every `<pkg>.Query` service of the descriptor set (cosmos modules and every openledger module):
 *   the request bytes go to app.query under the method path, which is the ABCI query path, and the
 *   response bytes come back unchanged; app errors map to gRPC status codes;
 * - cosmos.tx.v1beta1.Service: GetTx, GetTxsEvent, BroadcastTx, Simulate (app query), GetBlockWithTxs;
 * - cosmos.base.tendermint.v1beta1.Service: GetNodeInfo, GetSyncing, GetLatestBlock, GetBlockByHeight,
 *   GetLatestValidatorSet, GetValidatorSetByHeight, ABCIQuery;
 * - server reflection grpc.reflection.v1 and v1alpha (@grpc/reflection) over the same descriptors.
 *
 * The block/node-info answers reuse the REST handlers (node/rest) and convert their gateway JSON
 * back to protobuf. Request metadata `x-cosmos-block-height` selects the query height; responses
 * carry it as initial metadata.
 */
import * as grpc from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";
import type { Logger } from "pino";
import { Any } from "cosmjs-types/google/protobuf/any";
import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { TxResponse } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { Tx } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import * as txSvc from "cosmjs-types/cosmos/tx/v1beta1/service";
import * as tmSvc from "cosmjs-types/cosmos/base/tendermint/v1beta1/query";
import { toBase64, toHex } from "../../modules/core/bytes.ts";
import type { RpcEnv, TxRecord } from "../rpc/env.ts";
import type { Json } from "../rpc/json.ts";
import { parseLaddr } from "../rpc/server.ts";
import * as reflSvc from "cosmjs-types/cosmos/base/reflection/v1beta1/reflection";
import { anyTypeUrls, camel, type Codec } from "../rest/protoJson.ts";
import { grpcCodeOfQuery, RestError, type RestServer } from "../rest/server.ts";
import { loadDescriptors, type DescriptorBundle, type MethodInfo } from "./descriptors.ts";

export interface GrpcServerOptions {
  /** "127.0.0.1:9090" or "tcp://…"; port 0 picks a free port. */
  laddr: string;
  logger?: Logger;
}

export interface GrpcServer {
  listen(): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
  /** full service names served (reflection included). */
  services(): string[];
}

const HEIGHT_KEY = "x-cosmos-block-height";

class StatusError extends Error {
  readonly code: grpc.status;
  constructor(code: grpc.status, message: string) {
    super(message);
    this.code = code;
  }
}

const identity = (b: Buffer): Buffer => b;

/** cosmos.base.reflection interfaces → which registered Any type URLs implement them. */
const INTERFACES: Record<string, RegExp> = {
  "cosmos.tx.v1beta1.Msg": /\.Msg\w+$(?<!Response)/,
  "cosmos.crypto.PubKey": /^\/cosmos\.crypto\.\w+\.(PubKey|LegacyAminoPubKey)$/,
  "cosmos.auth.v1beta1.AccountI": /^\/cosmos\.(auth\.v1beta1\.(BaseAccount|ModuleAccount)|vesting\.v1beta1\.\w+Account)$/,
};

/** gateway JSON (snake_case keys) → ts-proto fromJSON input (camelCase keys). */
function camelize(j: Json): unknown {
  if (Array.isArray(j)) return j.map(camelize);
  if (j !== null && typeof j === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(j)) o[camel(k)] = camelize(v);
    return o;
  }
  return j;
}

function fromGateway<T>(codec: Codec<T>, j: Json): Buffer {
  return Buffer.from(codec.encode(codec.fromJSON(camelize(j))).finish());
}

/** a block JSON without the evidence list (its gateway form is not the proto one). */
function stripEvidence(j: Json): Json {
  if (j === null || typeof j !== "object" || Array.isArray(j)) return j;
  const o = { ...j };
  for (const k of ["block", "sdk_block"]) {
    const b = o[k];
    if (b !== null && typeof b === "object" && !Array.isArray(b)) o[k] = { ...b, evidence: { evidence: [] } };
  }
  return o;
}

function txResponseOf(r: TxRecord, time: string): TxResponse {
  return TxResponse.fromPartial({
    height: r.height,
    txhash: toHex(r.hash).toUpperCase(),
    codespace: r.result.codespace,
    code: r.result.code,
    data: toHex(r.result.data).toUpperCase(),
    rawLog: r.result.log,
    logs: [],
    info: r.result.info,
    gasWanted: r.result.gasWanted,
    gasUsed: r.result.gasUsed,
    tx: Any.fromPartial({ typeUrl: "/cosmos.tx.v1beta1.Tx", value: r.tx }),
    timestamp: time,
    events: r.result.events.map((e) => ({ type: e.type, attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: (a as { index?: boolean }).index ?? true })) })),
  });
}

function decodeTx(raw: Uint8Array): Tx {
  try {
    return Tx.decode(raw);
  } catch {
    return Tx.fromPartial({});
  }
}

export function createGrpcServer(env: RpcEnv, rest: RestServer, opts: GrpcServerOptions, bundle: DescriptorBundle = loadDescriptors()): GrpcServer {
  const log = opts.logger?.child({ module: "grpc" });
  const server = new grpc.Server({ "grpc.max_receive_message_length": 8 * 1024 * 1024 });
  const served: string[] = [];

  function heightOf(call: grpc.ServerUnaryCall<Buffer, Buffer>): bigint {
    const v = call.metadata.get(HEIGHT_KEY)[0];
    const s = typeof v === "string" ? v : v?.toString();
    return s !== undefined && /^\d+$/.test(s) ? BigInt(s) : 0n;
  }

  function blockTimeText(h: bigint): string {
    const t = env.blockStore.loadBlockMeta(h)?.header.time;
    return t === undefined ? "" : new Date(Number(t.seconds) * 1000).toISOString().replace(/\.\d+Z$/, "Z");
  }

  async function appQuery(path: string, data: Buffer, height: bigint): Promise<Buffer> {
    const r = await env.app.query({ path, data, height, prove: false });
    if (r.code !== 0) {
      const code = grpcCodeOfQuery(r);
      const m = /rpc error: code = \w+ desc = (.*)$/s.exec(r.log);
      throw new StatusError(code === 2 ? grpc.status.UNKNOWN : (code as grpc.status), m !== null ? (m[1] as string) : r.log);
    }
    return Buffer.from(r.value);
  }

  async function viaRest(url: string, height = 0n, body?: unknown, method: "GET" | "POST" = "GET"): Promise<Json> {
    try {
      return await rest.call(method, url, body, height);
    } catch (e) {
      if (e instanceof RestError) throw new StatusError(e.grpcCode as grpc.status, e.message);
      throw e;
    }
  }

  function validatorSetBytes(j: Json): Buffer {
    const o = j as { block_height: string; validators: { address: string; pub_key: { key: string }; voting_power: string; proposer_priority: string }[]; pagination: Json };
    const res = tmSvc.GetLatestValidatorSetResponse.fromPartial({
      blockHeight: BigInt(o.block_height),
      validators: o.validators.map((v) => ({
        address: v.address,
        pubKey: Any.fromPartial({ typeUrl: "/cosmos.crypto.ed25519.PubKey", value: Ed25519PubKey.encode({ key: Buffer.from(v.pub_key.key, "base64") }).finish() }),
        votingPower: BigInt(v.voting_power),
        proposerPriority: BigInt(v.proposer_priority),
      })),
      pagination: { nextKey: new Uint8Array(0), total: BigInt((o.pagination as { total: string }).total) },
    });
    return Buffer.from(tmSvc.GetLatestValidatorSetResponse.encode(res).finish());
  }

  function pageParams(p: { offset: bigint; limit: bigint } | undefined): string {
    return p === undefined ? "" : `&pagination.offset=${p.offset}&pagination.limit=${p.limit}`;
  }

  /** hand-written methods of the tx and tendermint Services (request bytes → response bytes). */
  const special: Record<string, (req: Buffer, height: bigint) => Promise<Buffer>> = {
    "/cosmos.tx.v1beta1.Service/Simulate": (req, h) => appQuery("/cosmos.tx.v1beta1.Service/Simulate", req, h),
    "/cosmos.tx.v1beta1.Service/GetTx": async (req) => {
      const { hash } = txSvc.GetTxRequest.decode(req);
      if (!/^[0-9a-fA-F]{64}$/.test(hash)) throw new StatusError(grpc.status.INVALID_ARGUMENT, `invalid tx hash ${hash}`);
      const r = env.txIndex.getByHash(Buffer.from(hash, "hex"));
      if (r === undefined) throw new StatusError(grpc.status.NOT_FOUND, `tx not found: ${hash}`);
      return Buffer.from(txSvc.GetTxResponse.encode({ tx: decodeTx(r.tx), txResponse: txResponseOf(r, blockTimeText(r.height)) }).finish());
    },
    "/cosmos.tx.v1beta1.Service/GetTxsEvent": async (req) => {
      const q = txSvc.GetTxsEventRequest.decode(req);
      const query = [q.query, ...q.events].map((s) => s.trim()).filter((s) => s !== "").join(" AND ");
      if (query === "") throw new StatusError(grpc.status.INVALID_ARGUMENT, "query cannot be empty");
      let limit = Number(q.limit);
      let page = Number(q.page);
      if (limit === 0 && q.pagination !== undefined) limit = Number(q.pagination.limit);
      if (limit === 0) limit = 100;
      if (page === 0 && q.pagination !== undefined) page = Math.floor(Number(q.pagination.offset) / limit) + 1;
      if (page === 0) page = 1;
      let res: { total: number; txs: TxRecord[] };
      try {
        res = await env.txIndex.search(query, { page, perPage: limit, orderBy: q.orderBy === 2 ? "desc" : "asc" });
      } catch (e) {
        throw new StatusError(grpc.status.INVALID_ARGUMENT, e instanceof Error ? e.message : String(e));
      }
      const out = txSvc.GetTxsEventResponse.fromPartial({
        txs: res.txs.map((r) => decodeTx(r.tx)),
        txResponses: res.txs.map((r) => txResponseOf(r, blockTimeText(r.height))),
        total: BigInt(res.total),
      });
      return Buffer.from(txSvc.GetTxsEventResponse.encode(out).finish());
    },
    "/cosmos.tx.v1beta1.Service/BroadcastTx": async (req) => {
      const q = txSvc.BroadcastTxRequest.decode(req);
      const j = (await viaRest("/cosmos/tx/v1beta1/txs", 0n, { tx_bytes: toBase64(q.txBytes), mode: String(q.mode === 3 ? "BROADCAST_MODE_ASYNC" : "BROADCAST_MODE_SYNC") }, "POST")) as { tx_response: Json };
      return Buffer.from(txSvc.BroadcastTxResponse.encode({ txResponse: TxResponse.fromJSON(camelize(j.tx_response)) }).finish());
    },
    "/cosmos.tx.v1beta1.Service/GetBlockWithTxs": async (req) => {
      const q = txSvc.GetBlockWithTxsRequest.decode(req);
      const block = env.blockStore.loadBlock(q.height);
      const j = stripEvidence(await viaRest(`/cosmos/base/tendermint/v1beta1/blocks/${q.height}`)) as { block_id: Json; block: Json };
      const txs = block?.data.txs ?? [];
      const b = tmSvc.GetBlockByHeightResponse.fromJSON(camelize({ block_id: j.block_id, block: j.block }));
      const out = txSvc.GetBlockWithTxsResponse.fromPartial({
        txs: txs.map(decodeTx),
        ...(b.blockId !== undefined ? { blockId: b.blockId } : {}),
        ...(b.block !== undefined ? { block: b.block } : {}),
        pagination: { nextKey: new Uint8Array(0), total: BigInt(txs.length) },
      });
      return Buffer.from(txSvc.GetBlockWithTxsResponse.encode(out).finish());
    },
    "/cosmos.base.tendermint.v1beta1.Service/GetNodeInfo": async () => fromGateway(tmSvc.GetNodeInfoResponse, await viaRest("/cosmos/base/tendermint/v1beta1/node_info")),
    "/cosmos.base.tendermint.v1beta1.Service/GetSyncing": async () => fromGateway(tmSvc.GetSyncingResponse, await viaRest("/cosmos/base/tendermint/v1beta1/syncing")),
    "/cosmos.base.tendermint.v1beta1.Service/GetLatestBlock": async () =>
      fromGateway(tmSvc.GetLatestBlockResponse, stripEvidence(await viaRest("/cosmos/base/tendermint/v1beta1/blocks/latest"))),
    "/cosmos.base.tendermint.v1beta1.Service/GetBlockByHeight": async (req) => {
      const { height } = tmSvc.GetBlockByHeightRequest.decode(req);
      return fromGateway(tmSvc.GetBlockByHeightResponse, stripEvidence(await viaRest(`/cosmos/base/tendermint/v1beta1/blocks/${height}`)));
    },
    "/cosmos.base.tendermint.v1beta1.Service/GetLatestValidatorSet": async (req) => {
      const q = tmSvc.GetLatestValidatorSetRequest.decode(req);
      return validatorSetBytes(await viaRest(`/cosmos/base/tendermint/v1beta1/validatorsets/latest?${pageParams(q.pagination)}`));
    },
    "/cosmos.base.tendermint.v1beta1.Service/GetValidatorSetByHeight": async (req) => {
      const q = tmSvc.GetValidatorSetByHeightRequest.decode(req);
      return validatorSetBytes(await viaRest(`/cosmos/base/tendermint/v1beta1/validatorsets/${q.height}?${pageParams(q.pagination)}`));
    },
    "/cosmos.base.reflection.v1beta1.ReflectionService/ListAllInterfaces": async () =>
      Buffer.from(reflSvc.ListAllInterfacesResponse.encode({ interfaceNames: Object.keys(INTERFACES) }).finish()),
    "/cosmos.base.reflection.v1beta1.ReflectionService/ListImplementations": async (req) => {
      const { interfaceName } = reflSvc.ListImplementationsRequest.decode(req);
      const re = INTERFACES[interfaceName];
      if (re === undefined) throw new StatusError(grpc.status.NOT_FOUND, `unknown interface ${interfaceName}`);
      return Buffer.from(reflSvc.ListImplementationsResponse.encode({ implementationMessageNames: anyTypeUrls().filter((u) => re.test(u)) }).finish());
    },
    "/cosmos.base.tendermint.v1beta1.Service/ABCIQuery": async (req) => {
      const q = tmSvc.ABCIQueryRequest.decode(req);
      const r = await env.app.query({ path: q.path, data: q.data, height: q.height, prove: q.prove });
      return Buffer.from(
        tmSvc.ABCIQueryResponse.encode(
          tmSvc.ABCIQueryResponse.fromPartial({ code: r.code, log: r.log, info: r.info, index: r.index, key: r.key, value: r.value, height: r.height, codespace: r.codespace }),
        ).finish(),
      );
    },
  };

  function handlerFor(m: MethodInfo): ((req: Buffer, height: bigint) => Promise<Buffer>) | undefined {
    const s = special[m.path];
    if (s !== undefined) return s;
    if (m.service.endsWith(".Query")) return (req, h) => appQuery(m.path, req, h);
    return undefined;
  }

  for (const [service, methods] of bundle.services) {
    const def: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
    const impl: grpc.UntypedServiceImplementation = {};
    for (const m of methods) {
      const h = handlerFor(m);
      if (h === undefined) continue;
      def[m.name] = {
        path: m.path,
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      };
      impl[m.name] = (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        const md = new grpc.Metadata();
        md.set(HEIGHT_KEY, env.blockStore.height().toString());
        call.sendMetadata(md);
        h(call.request, heightOf(call)).then(
          (res) => cb(null, res),
          (e: unknown) => {
            if (e instanceof StatusError) cb({ code: e.code, details: e.message });
            else {
              log?.warn({ err: e, method: m.path }, "grpc handler failed");
              cb({ code: grpc.status.INTERNAL, details: e instanceof Error ? e.message : String(e) });
            }
          },
        );
      };
    }
    if (Object.keys(def).length === 0) continue;
    server.addService(def, impl);
    served.push(service);
  }
  // reflection lists the services served here (not the Msg services the descriptors also hold)
  new ReflectionService({ openledger: { fileDescriptorProtos: bundle.files } } as never, { services: [...served] }).addToServer(server);
  served.push("grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection");

  return {
    services: () => [...served].sort(),
    async listen() {
      const { host, port } = parseLaddr(opts.laddr);
      const bound = await new Promise<number>((resolve, reject) => {
        server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err !== null ? reject(err) : resolve(p)));
      });
      return { host, port: bound };
    },
    async close() {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(t);
          resolve();
        });
      });
    },
  };
}
