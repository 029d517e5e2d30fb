import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { assertUserError, cli, DEV_ADDRESS, DEV_MNEMONIC, ROOT, tempHomes } from "../../testing/cliHarness.ts";

const { home, cleanup } = tempHomes();
after(cleanup);

describe("cli/keys", () => {
  it("add --recover reads the mnemonic from stdin; list/show/delete work on the test keyring", async () => {
    const h = home();
    const add = await cli(["keys", "add", "dev", "--recover", "--home", h, "--output", "json"], [DEV_MNEMONIC]);
    assert.equal(add.code, 0, add.stderr);
    assert.equal(JSON.parse(add.stdout).address, DEV_ADDRESS);
    assert.equal(JSON.parse(add.stdout).mnemonic, undefined, "a recovered mnemonic is not echoed");
    const gen = await cli(["keys", "add", "alice", "--home", h, "-o", "json"]);
    const alice = JSON.parse(gen.stdout);
    assert.equal(alice.mnemonic.split(" ").length, 24, "a new key prints its mnemonic");
    const text = await cli(["keys", "add", "bob", "--home", h]);
    assert.match(text.stdout, /\*\*Important\*\* write this mnemonic phrase/);
    const list = JSON.parse((await cli(["keys", "list", "--home", h, "-o", "json"])).stdout);
    assert.deepEqual(
      list.map((k: { name: string }) => k.name),
      ["alice", "bob", "dev"],
    );
    assert.equal((await cli(["keys", "show", "dev", "-a", "--home", h])).stdout.trim(), DEV_ADDRESS);
    assert.match((await cli(["keys", "show", "dev", "--bech", "val", "-a", "--home", h])).stdout, /^openvaloper1/);
    assert.match((await cli(["keys", "show", DEV_ADDRESS, "--pubkey", "--home", h])).stdout, /cosmos\.crypto\.secp256k1\.PubKey/);
    assertUserError(await cli(["keys", "delete", "bob", "--home", h], ["n"]), /aborted/, "delete refused at the prompt");
    assert.equal((await cli(["keys", "delete", "bob", "--yes", "--home", h])).code, 0);
    assertUserError(await cli(["keys", "show", "bob", "--home", h]), /key "bob" not found/, "show deleted key");
    assertUserError(await cli(["keys", "add", "dev", "--recover", "--home", h], [DEV_MNEMONIC]), /already exists/, "duplicate name");
    assertUserError(await cli(["keys", "add", "x", "--recover", "--home", h], ["not a mnemonic at all"]), /invalid mnemonic/, "bad mnemonic");
  });

  it("the file keyring takes a passphrase file or stdin and refuses a wrong passphrase", async () => {
    const h = home();
    const pw = join(h, "pw");
    writeFileSync(pw, "correct horse battery\n");
    const fileArgs = ["--keyring-backend", "file", "--home", h];
    const add = await cli(["keys", "add", "dev", "--recover", ...fileArgs, "--keyring-passphrase-file", pw, "-o", "json"], [DEV_MNEMONIC]);
    assert.equal(add.code, 0, add.stderr);
    assert.equal(JSON.parse(add.stdout).address, DEV_ADDRESS);
    const f = join(h, "keyring-file/dev.json");
    assert.equal(statSync(f).mode & 0o777, 0o600);
    assert.doesNotMatch(readFileSync(f, "utf8"), /"privkey"/);
    assert.equal((await cli(["keys", "show", "dev", "-a", ...fileArgs])).stdout.trim(), DEV_ADDRESS);
    const second = await cli(["keys", "add", "two", ...fileArgs], ["correct horse battery"]);
    assert.equal(second.code, 0, second.stderr);
    assertUserError(await cli(["keys", "add", "three", ...fileArgs], ["wrong passphrase"]), /incorrect keyring passphrase/, "wrong passphrase");
    assert.equal(existsSync(join(h, "keyring-file/three.json")), false);
  });
});

