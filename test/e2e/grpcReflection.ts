/**
 * A generic gRPC reflection client (what grpcurl does): lists services over
 * grpc.reflection.v1[alpha].ServerReflection, fetches the FileDescriptorProtos that define a symbol
 * (with their dependencies), builds protobufjs types from them and calls a unary method with a JSON
 * request. It knows nothing about the node's protos.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";
import descriptor from "protobufjs/ext/descriptor/index.js";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const REFLECTION_PROTO_DIR = join(dirname(require.resolve("@grpc/reflection/package.json")), "build/proto");

type Version = "v1" | "v1alpha";

interface ReflectionResponse {
  listServicesResponse?: { service: { name: string }[] };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}

export class ReflectionClient {
  private readonly stub: grpc.Client & Record<string, (...a: unknown[]) => grpc.ClientDuplexStream<unknown, ReflectionResponse>>;
  private readonly address: string;

  constructor(address: string, version: Version = "v1") {
    this.address = address;
    const def = protoLoader.loadSync(`grpc/reflection/${version}/reflection.proto`, { includeDirs: [REFLECTION_PROTO_DIR], keepCase: false, longs: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(def) as any;
    const Ctor = version === "v1" ? pkg.grpc.reflection.v1.ServerReflection : pkg.grpc.reflection.v1alpha.ServerReflection;
    this.stub = new Ctor(address, grpc.credentials.createInsecure());
  }

  private ask(req: Record<string, unknown>): Promise<ReflectionResponse> {
    return new Promise((resolve, reject) => {
      const call = (this.stub.serverReflectionInfo as () => grpc.ClientDuplexStream<unknown, ReflectionResponse>)();
      let got: ReflectionResponse | undefined;
      call.on("data", (r: ReflectionResponse) => {
        got = r;
        call.end();
      });
      call.on("error", reject);
      call.on("end", () => (got !== undefined ? resolve(got) : reject(new Error("no reflection response"))));
      call.write(req);
    });
  }

  async listServices(): Promise<string[]> {
    const r = await this.ask({ listServices: "*" });
    if (r.errorResponse) throw new Error(r.errorResponse.errorMessage);
    return (r.listServicesResponse?.service ?? []).map((s) => s.name);
  }

  /** the file descriptors that define `symbol` and everything they import. */
  async filesFor(symbol: string): Promise<Buffer[]> {
    const r = await this.ask({ fileContainingSymbol: symbol });
    if (r.errorResponse) throw new Error(r.errorResponse.errorMessage);
    return r.fileDescriptorResponse?.fileDescriptorProto ?? [];
  }

  /** a protobufjs Root of the service's files (dependencies included). */
  async rootFor(service: string): Promise<protobuf.Root> {
    const D = descriptor as any;
    const files = (await this.filesFor(service)).map((b) => D.FileDescriptorProto.decode(b));
    return (protobuf.Root as any).fromDescriptor({ file: files }) as protobuf.Root;
  }

  /** calls `service/method` with a JSON request; answers the response as a plain object (longs as strings). */
  async call(service: string, method: string, request: Record<string, unknown>, metadata?: grpc.Metadata): Promise<{ response: any; headers: grpc.Metadata }> {
    const root = await this.rootFor(service);
    const svc = root.lookupService(service);
    const m = svc.methods[method];
    if (m === undefined) throw new Error(`no method ${service}/${method}`);
    m.resolve();
    const reqType = m.resolvedRequestType as protobuf.Type;
    const resType = m.resolvedResponseType as protobuf.Type;
    const client = new grpc.Client(this.address, grpc.credentials.createInsecure());
    try {
      return await new Promise((resolve, reject) => {
        let headers = new grpc.Metadata();
        const call = client.makeUnaryRequest(
          `/${service}/${method}`,
          (o: Record<string, unknown>) => Buffer.from(reqType.encode(reqType.fromObject(o)).finish()),
          (b: Buffer) => resType.toObject(resType.decode(b), { longs: String, enums: String, bytes: String, defaults: true }),
          request,
          metadata ?? new grpc.Metadata(),
          (err, res) => (err ? reject(err) : resolve({ response: res, headers })),
        );
        call.on("metadata", (md) => (headers = md));
      });
    } finally {
      client.close();
    }
  }

  close(): void {
    this.stub.close();
  }
}
