/** Black-box tests of the real cli/openledgerd executable: exit codes, stdin, no stack traces. */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { assertUserError, DEV_ADDRESS, DEV_MNEMONIC, spawnCli as run, tempHomes } from "./testing/cliHarness.ts";

const { home, cleanup } = tempHomes();
after(cleanup);

describe("cli/executable", () => {
  it("--help exits 0 and prints usage", async () => {
    const sample = [[], ["keys", "add"], ["tx", "bank", "send"], ["query", "bank", "balances"], ["start"]];
    const results = await Promise.all(sample.map((p) => run([...p, "--help"])));
    results.forEach((r, i) => {
      assert.equal(r.code, 0, `${(sample[i] ?? []).join(" ")} --help; stderr: ${r.stderr}`);
      assert.match(r.stdout, /^Usage: openledgerd/m);
    });
    assert.match(results[2]?.stdout ?? "", /--gas-prices[\s\S]*--broadcast-mode/);
  });

  it("an unknown command or option exits non-zero with commander's message", async () => {
    const [a, b] = await Promise.all([run(["frobnicate"]), run(["keys", "list", "--bogus"])]);
    assert.notEqual(a?.code, 0);
    assert.match(a?.stderr ?? "", /unknown command/);
    assert.notEqual(b?.code, 0);
    assert.match(b?.stderr ?? "", /unknown option '--bogus'/);
  });

  it("keys add --recover reads the mnemonic from stdin; the file keyring refuses a wrong passphrase from stdin", async () => {
    const h = home();
    const add = await run(["keys", "add", "dev", "--recover", "--home", h, "--output", "json"], `${DEV_MNEMONIC}\n`);
    assert.equal(add.code, 0, add.stderr);
    assert.equal(JSON.parse(add.stdout).address, DEV_ADDRESS);
    const fileArgs = ["--keyring-backend", "file", "--home", h];
    const pw = join(h, "pw");
    writeFileSync(pw, "correct horse battery\n");
    const f = await run(["keys", "add", "dev", "--recover", ...fileArgs, "--keyring-passphrase-file", pw], `${DEV_MNEMONIC}\n`);
    assert.equal(f.code, 0, f.stderr);
    assert.doesNotMatch(readFileSync(join(h, "keyring-file/dev.json"), "utf8"), /"privkey"/);
    assertUserError(await run(["keys", "add", "two", ...fileArgs], "wrong passphrase\n"), /incorrect keyring passphrase/, "wrong passphrase");
    assert.equal(existsSync(join(h, "keyring-file/two.json")), false);
  });

  it("user errors exit 1 with a message and no stack trace", async () => {
    const cases: [string[], RegExp][] = [
      [["query", "bank", "balances", "open1xyz", "--node", "tcp://127.0.0.1:1"], /invalid address "open1xyz"/],
      [["status", "--node", "tcp://127.0.0.1:26999"], /cannot reach the node at http:\/\/127\.0\.0\.1:26999/],
      [["start", "--home", home()], /no genesis at .*run `openledgerd init/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args)));
    results.forEach((r, i) => assertUserError(r, cases[i]?.[1] ?? /x/, (cases[i]?.[0] ?? []).join(" ")));
  });
});
