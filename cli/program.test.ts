import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { allCommands, buildProgram } from "./program.ts";
import { memoryIo } from "./util/io.ts";

describe("cli/help", () => {
  it("--help exits 0 with usage for the program and every command and subcommand", async () => {
    const paths: string[][] = [[]];
    for (const c of allCommands(buildProgram(memoryIo()))) {
      if (c.name() === "help") continue;
      const path: string[] = [];
      for (let x: typeof c | null = c; x !== null && x.parent !== null; x = x.parent) path.unshift(x.name());
      paths.push(path);
    }
    assert.ok(paths.length >= 20, `found ${paths.length} commands`);
    for (const want of [["init"], ["keys", "add"], ["genesis", "add-account"], ["tx", "bank", "send"], ["query", "bank", "balances"], ["status"], ["start"], ["dev"]]) {
      assert.ok(paths.some((p) => p.join(" ") === want.join(" ")), `command ${want.join(" ")} exists`);
    }
    // every command in-process (what main.ts does with commander's exit code) ...
    for (const path of paths) {
      const name = ["openledgerd", ...path].join(" ");
      const program = buildProgram(memoryIo());
      let help = "";
      for (const c of [program, ...allCommands(program)]) c.exitOverride().configureOutput({ writeOut: (t) => void (help += t), writeErr: (t) => void (help += t) });
      await assert.rejects(program.parseAsync(["node", "openledgerd", ...path, "--help"]), (e: { exitCode?: number }) => e.exitCode === 0, `${name} --help exit code`);
      assert.match(help, /^Usage: /m, `${name} --help prints usage`);
    }
  });
});
