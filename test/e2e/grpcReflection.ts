/**
 * A generic gRPC reflection client (what grpcurl does): lists services over
 * grpc.reflection.v1[alpha].ServerReflection, fetches the FileDescriptorProtos that define a symbol
 * (with their dependencies), builds protobufjs types from them and calls a unary method with a JSON
 * request. It knows nothing about the node's protos.
 */
import * as grpc from "@grpc/grpc-js";
import { create, createFileRegistry, fromBinary, type FileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
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

  /** the reflected files collected so far (by file name), for `registry()`. */
  private readonly known = new Map<string, FileDescriptorProto>();

  /** a @bufbuild/protobuf registry of every file reflection gave for `symbols` so far (dependencies included). */
  async registry(...symbols: string[]): Promise<FileRegistry> {
    const add = (bs: Buffer[]) => {
      for (const b of bs) {
        const f = fromBinary(FileDescriptorProtoSchema, b);
        this.known.set(f.name, f);
      }
    };
    for (const s of symbols) add(await this.filesFor(s));
    // imports the server left out of an answer (sent earlier): asked for by file name
    for (let missing = this.missingImports(); missing.length > 0; missing = this.missingImports()) {
      for (const name of missing) {
        const r = await this.ask({ fileByFilename: name });
        if (r.errorResponse) throw new Error(`${name}: ${r.errorResponse.errorMessage}`);
        add(r.fileDescriptorResponse?.fileDescriptorProto ?? []);
        if (!this.known.has(name)) throw new Error(`reflection did not answer ${name}`);
      }
    }
    // a FileDescriptorSet's files go dependencies first
    const ordered: FileDescriptorProto[] = [];
    const done = new Set<string>();
    const visit = (f: FileDescriptorProto) => {
      if (done.has(f.name)) return;
      done.add(f.name);
      for (const d of f.dependency) visit(this.known.get(d) as FileDescriptorProto);
      ordered.push(f);
    };
    for (const f of this.known.values()) visit(f);
    return createFileRegistry(create(FileDescriptorSetSchema, { file: ordered }));
  }

  private missingImports(): string[] {
    return [...new Set([...this.known.values()].flatMap((f) => f.dependency.filter((d) => !this.known.has(d))))];
  }

  /** calls `path` with raw request bytes; answers the raw response bytes. */
  async callBytes(path: string, request: Uint8Array): Promise<Uint8Array> {
    const client = new grpc.Client(this.address, grpc.credentials.createInsecure());
    try {
      return await new Promise((resolve, reject) => {
        client.makeUnaryRequest(path, (b: Uint8Array) => Buffer.from(b), (b: Buffer) => new Uint8Array(b), request, (err, res) => (err ? reject(err) : resolve(res as Uint8Array)));
      });
    } finally {
      client.close();
    }
  }

  /**
   * The fields a reflection client does not know in `bytes` decoded as `typeName` (paths, empty when it
   * knows them all): messages nested in google.protobuf.Any are unpacked with their reflected types too.
   */
  async unknownFields(typeName: string, bytes: Uint8Array): Promise<string[]> {
    let reg = await this.registry(typeName);
    const out: string[] = [];
    const walk = async (v: unknown, path: string): Promise<void> => {
      if (v === null || typeof v !== "object" || v instanceof Uint8Array) return;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) await walk(v[i], `${path}[${i}]`);
        return;
      }
      const o = v as Record<string, unknown> & { $typeName?: string; $unknown?: { no: number }[] };
      if (o.$unknown !== undefined && o.$unknown.length > 0) out.push(`${path} (${o.$typeName}): unknown field(s) ${o.$unknown.map((u) => u.no).join(", ")}`);
      if (o.$typeName === "google.protobuf.Any" && typeof o.typeUrl === "string" && o.typeUrl !== "") {
        const name = o.typeUrl.slice(o.typeUrl.lastIndexOf("/") + 1);
        if (reg.getMessage(name) === undefined) reg = await this.registry(name);
        const d = reg.getMessage(name);
        if (d === undefined) out.push(`${path}: Any of ${name}, a type reflection does not describe`);
        else await walk(fromBinary(d, o.value as Uint8Array), `${path}<${name}>`);
        return;
      }
      for (const [k, x] of Object.entries(o)) if (k !== "$typeName" && k !== "$unknown") await walk(x, `${path}.${k}`);
    };
    const d = reg.getMessage(typeName);
    if (d === undefined) return [`${typeName}: not described by reflection`];
    await walk(fromBinary(d, bytes), typeName);
    return out;
  }

  close(): void {
    this.stub.close();
  }
}
