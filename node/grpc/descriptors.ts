/**
 * The FileDescriptorSet the gRPC server registers and its reflection serves: proto/descriptors/
 * openledger.binpb (built by proto/descriptors/build.sh from the SDK/CometBFT .proto files and
 * proto/openledger/**), plus a `Query` service for every openledger module's query.proto, made from
 * its Query<X>Request/Response message pairs (the module protos declare no services; the app answers
 * `/openledger.<module>.v1.Query/<X>` on app.query), so a new module is served without edits here.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import descriptor from "protobufjs/ext/descriptor/index.js";

export const DESCRIPTOR_SET_PATH = resolve(dirname(fileURLToPath(import.meta.url)), "../../proto/descriptors/openledger.binpb");

export interface MethodInfo {
  /** "/cosmos.bank.v1beta1.Query/Balance" */
  path: string;
  service: string;
  name: string;
  /** fully qualified, no leading dot: "cosmos.bank.v1beta1.QueryBalanceRequest" */
  input: string;
  output: string;
}

export interface DescriptorBundle {
  /** every file, encoded FileDescriptorProto (what reflection answers). */
  files: Buffer[];
  /** services by full name → methods. */
  services: Map<string, MethodInfo[]>;
}

interface FileProto {
  name?: string;
  package?: string;
  messageType?: { name?: string }[];
  service?: { name?: string; method?: { name?: string; inputType?: string; outputType?: string }[] }[];
}

export function loadDescriptors(path = DESCRIPTOR_SET_PATH): DescriptorBundle {
  const D = descriptor as unknown as {
    FileDescriptorSet: { decode(b: Uint8Array): { file: FileProto[] } };
    FileDescriptorProto: { fromObject(o: unknown): unknown; encode(m: unknown): { finish(): Uint8Array } };
  };
  const set = D.FileDescriptorSet.decode(readFileSync(path));
  const services = new Map<string, MethodInfo[]>();
  const files: Buffer[] = [];
  for (const f of set.file) {
    const pkg = f.package ?? "";
    if (/^openledger\/\w+\/v1\/query\.proto$/.test(f.name ?? "") && (f.service ?? []).length === 0) {
      const names = new Set((f.messageType ?? []).map((m) => m.name ?? ""));
      const method = [...names]
        .map((n) => /^Query(\w+)Request$/.exec(n)?.[1])
        .filter((x): x is string => x !== undefined && names.has(`Query${x}Response`))
        .map((x) => ({ name: x, inputType: `.${pkg}.Query${x}Request`, outputType: `.${pkg}.Query${x}Response` }));
      if (method.length > 0) f.service = [{ name: "Query", method }];
    }
    for (const s of f.service ?? []) {
      const full = `${pkg}.${s.name ?? ""}`;
      services.set(
        full,
        (s.method ?? []).map((m) => ({
          path: `/${full}/${m.name ?? ""}`,
          service: full,
          name: m.name ?? "",
          input: (m.inputType ?? "").replace(/^\./, ""),
          output: (m.outputType ?? "").replace(/^\./, ""),
        })),
      );
    }
    files.push(Buffer.from(D.FileDescriptorProto.encode(D.FileDescriptorProto.fromObject(f)).finish()));
  }
  return { files, services };
}
