/**
 * Enforces DESIGN.md's layer rules by scanning import specifiers of every .ts file:
 * - modules/ never imports node/, cli/, test/, localnet/ or IO packages (level, libp2p, ws, pino, onnxruntime);
 * - modules/<x> reaches modules/<y> only from modules/app.ts (core is shared; runtime never imports modules);
 * - only modules/core/hash.ts may import node:crypto; no other node: builtin is allowed in modules/;
 * - node/ imports modules/ only as `import type`, except the pure helpers of modules/core (bytes, hash, store)
 *   and the integer training SGD (modules/compute/training.ts, shared by the provider and the replay);
 * - nothing imports test/;
 * - modules/ has no clock, randomness, env or timers (banned globals, outside tests and testing helpers).
 */
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith(".ts")) out.push(p);
  }
  return out;
}

interface Import {
  spec: string;
  typeOnly: boolean;
  line: number;
}

const IMPORT_RE = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gm;

function importsOf(file: string): Import[] {
  const src = readFileSync(file, "utf8");
  const out: Import[] = [];
  for (const m of src.matchAll(IMPORT_RE)) {
    const spec = m[3] ?? m[4] ?? m[5];
    if (spec === undefined) continue;
    const line = src.slice(0, m.index).split("\n").length;
    const typeOnly = m[2] !== undefined || (m[5] !== undefined && /typeof|type\s/.test(src.slice(Math.max(0, (m.index ?? 0) - 20), m.index)));
    out.push({ spec, typeOnly, line });
  }
  return out;
}

function topOf(rel: string): string {
  return rel.split("/")[0] ?? "";
}

const files = ["modules", "node", "cli", "localnet", "test"].flatMap((d) => {
  try {
    return walk(join(ROOT, d));
  } catch {
    return [];
  }
});

const IO_PACKAGES = ["level", "classic-level", "libp2p", "@libp2p", "ws", "pino", "onnxruntime-node", "@grpc", "secp256k1"];
const isTest = (rel: string) => rel.endsWith(".test.ts") || rel.includes("/testing/");

describe("architecture/boundaries", () => {
  it("finds the source tree", () => {
    assert.ok(files.some((f) => relative(ROOT, f).startsWith("modules/")), "no modules/ files found");
  });

  for (const file of files) {
    const rel = relative(ROOT, file);
    const top = topOf(rel);
    it(`${rel} respects the layer rules`, () => {
      for (const imp of importsOf(file)) {
        const where = `${rel}:${imp.line} imports ${imp.spec}`;
        if (imp.spec.startsWith(".")) {
          const target = relative(ROOT, resolve(dirname(file), imp.spec));
          const ttop = topOf(target);
          if (top !== "test") assert.notEqual(ttop, "test", `${where}: nothing outside test/ imports test/`);
          if (top === "modules") {
            assert.ok(ttop === "modules" || ttop === "proto", `${where}: modules/ may import only modules/ and proto/`);
            const from = rel.split("/")[1] ?? "";
            const to = target.split("/")[1] ?? "";
            const fromIsApp = rel === "modules/app.ts" || rel.startsWith("modules/app.");
            if (!fromIsApp && !isTest(rel) && to !== "core" && from !== to && ttop === "modules") {
              assert.fail(`${where}: modules/${from} may reach modules/${to} only through expected keepers wired in modules/app.ts`);
            }
            if (from === "core" && ttop === "modules") assert.equal(to, "core", `${where}: core imports no module`);
          }
          if (top === "node" && ttop === "modules" && !isTest(rel)) {
            // modules/compute/training.ts: the integer SGD of training jobs, a pure function library (no
            // state access) that the provider's run and the validators' replay must share bit for bit
            const pure = /^modules\/core\/(bytes|hash|abci|store\/)/.test(target) || target.startsWith("modules/core/store") || target === "modules/compute/training.ts";
            assert.ok(imp.typeOnly || pure, `${where}: node/ sees modules/ only through types and core's pure helpers`);
          }
        } else if (top === "modules" && !isTest(rel)) {
          if (imp.spec.startsWith("node:")) {
            assert.ok(imp.spec === "node:crypto" && rel === "modules/core/hash.ts", `${where}: no node: builtins in modules/ (hashes go through modules/core/hash.ts)`);
          }
          for (const p of IO_PACKAGES) {
            assert.ok(imp.spec !== p && !imp.spec.startsWith(`${p}/`), `${where}: IO package in modules/`);
          }
        }
      }
    });
  }

  const BANNED = /\b(Date\.now|new Date\(|Math\.random|process\.env|performance\.now|setTimeout|setInterval|setImmediate|randomUUID|randomBytes|localeCompare|toLocale\w*|Intl\.)/;
  for (const file of files) {
    const rel = relative(ROOT, file);
    if (!rel.startsWith("modules/") || isTest(rel)) continue;
    it(`${rel} has no clock, randomness, env or locale`, () => {
      const lines = readFileSync(file, "utf8").split("\n");
      lines.forEach((l, i) => {
        const code = l.replace(/\/\/.*$/, "");
        if (/^\s*(\*|\/\*)/.test(l)) return;
        const m = BANNED.exec(code);
        assert.equal(m, null, `${rel}:${i + 1}: ${m?.[0]} breaks determinism`);
      });
    });
  }
});
