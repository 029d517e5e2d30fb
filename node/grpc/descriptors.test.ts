/**
 * The committed descriptor set (proto/descriptors/openledger.binpb) against SDK 0.50 / CometBFT 0.38:
 * every message reachable from a gRPC method we serve (requests and responses, nested types included)
 * has exactly the fields, with the same field numbers, of the cosmjs-types 0.11 type the node encodes
 * it with (cosmjs-types is generated from those releases' .proto files). The SDK .proto sources come
 * from older npm packages patched by proto/descriptors/build.sh; this catches a 0.50 field a reflection
 * client would not know (it would see an unknown field) or a field number that differs.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import descriptor from "protobufjs/ext/descriptor/index.js";
import { DESCRIPTOR_SET_PATH, loadDescriptors } from "./descriptors.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(join(ROOT, "package.json"));
const COSMJS_TYPES = join(ROOT, "node_modules/cosmjs-types");

interface FieldProto {
  name: string;
  jsonName?: string;
  number: number;
  type: number;
  typeName?: string;
}
interface MsgProto {
  name: string;
  field?: FieldProto[];
  nestedType?: MsgProto[];
  options?: { mapEntry?: boolean };
}
interface FileProto {
  name: string;
  package?: string;
  messageType?: MsgProto[];
}

const TYPE_MESSAGE = 11;

/** every message of the set by full name, with the file that defines it and its ts-proto export name. */
function indexMessages(files: FileProto[]): Map<string, { file: string; tsName: string; msg: MsgProto }> {
  const out = new Map<string, { file: string; tsName: string; msg: MsgProto }>();
  const walk = (file: string, scope: string, tsPrefix: string, msgs: MsgProto[] | undefined) => {
    for (const m of msgs ?? []) {
      out.set(`${scope}.${m.name}`, { file, tsName: tsPrefix + m.name, msg: m });
      walk(file, `${scope}.${m.name}`, `${tsPrefix}${m.name}_`, m.nestedType);
    }
  };
  for (const f of files) walk(f.name, f.package ?? "", "", f.messageType);
  return out;
}

/** field name (ts-proto camelCase) → field number, read from the `encode` of a cosmjs-types message. */
function cosmjsFields(file: string, tsName: string): Map<string, number> | undefined {
  const js = join(COSMJS_TYPES, file.replace(/\.proto$/, ".js"));
  if (!existsSync(js)) return undefined;
  const mod = require(js) as Record<string, { encode(m: unknown): unknown; fromPartial(o: unknown): object }>;
  const T = mod[tsName];
  if (T === undefined) return undefined;
  const src = T.encode.toString();
  const numbers = new Map<string, number>();
  // `if (message.x …) { …writer.uint32(TAG)…` and repeated: `for (const v of message.x) { …writer.uint32(TAG)…`
  for (const m of src.matchAll(/message\.(\w+)[^\n]*\n?[^\n]*?writer\.uint32\((\d+)\)/g)) {
    if (!numbers.has(m[1] as string)) numbers.set(m[1] as string, Number(m[2]) >>> 3);
  }
  for (const m of src.matchAll(/Object\.entries\(message\.(\w+)\)[\s\S]*?uint32\((\d+)\)/g)) numbers.set(m[1] as string, Number(m[2]) >>> 3);
  const out = new Map<string, number>();
  for (const k of Object.keys(T.fromPartial({}))) out.set(k, numbers.get(k) ?? -1);
  return out;
}

describe("proto/descriptors: SDK 0.50 / CometBFT 0.38 fields of every message the gRPC services use", () => {
  const D = descriptor as unknown as { FileDescriptorSet: { decode(b: Uint8Array): { file: FileProto[] } } };
  const files = D.FileDescriptorSet.decode(readFileSync(DESCRIPTOR_SET_PATH)).file;
  const messages = indexMessages(files);
  const bundle = loadDescriptors();

  /** the messages reachable from the served (non-openledger) methods' requests and responses, and from the Msgs txs carry. */
  const reachable = new Set<string>();
  const visit = (full: string) => {
    if (reachable.has(full)) return;
    const m = messages.get(full);
    if (m === undefined) return;
    reachable.add(full);
    for (const f of m.msg.field ?? []) if (f.type === TYPE_MESSAGE && f.typeName !== undefined) visit(f.typeName.replace(/^\./, ""));
  };
  for (const [svc, methods] of bundle.services) {
    if (svc.startsWith("openledger.")) continue;
    const served = svc.endsWith(".Query") || svc === "cosmos.tx.v1beta1.Service" || svc === "cosmos.base.tendermint.v1beta1.Service" || svc === "cosmos.base.reflection.v1beta1.ReflectionService";
    if (!served && !svc.endsWith(".Msg")) continue;
    for (const m of methods) {
      visit(m.input);
      visit(m.output);
    }
  }

  it("every reachable cosmos.* / tendermint.* message has cosmjs-types' fields and numbers", () => {
    const problems: string[] = [];
    let checked = 0;
    for (const full of [...reachable].sort()) {
      const { file, tsName, msg } = messages.get(full) as { file: string; tsName: string; msg: MsgProto };
      if (!/^(cosmos|tendermint)\//.test(file) || msg.options?.mapEntry === true) continue;
      const want = cosmjsFields(file, tsName);
      if (want === undefined) {
        problems.push(`${full}: not in cosmjs-types (${file}) — a message SDK 0.50 / CometBFT 0.38 no longer has`);
        continue;
      }
      checked++;
      const have = new Map((msg.field ?? []).map((f) => [f.jsonName ?? f.name, f.number]));
      for (const [name, num] of want) {
        if (!have.has(name)) problems.push(`${full}: field ${name} = ${num} missing`);
        else if (num !== -1 && have.get(name) !== num) problems.push(`${full}: field ${name} is ${have.get(name)}, 0.50 has ${num}`);
      }
      for (const name of have.keys()) if (!want.has(name)) problems.push(`${full}: field ${name} is not in 0.50`);
    }
    assert.deepEqual(problems, [], `${problems.length} differences; fix proto/descriptors/build.sh and run make proto`);
    assert.ok(checked > 150, `checked ${checked} messages`);
  });
});
