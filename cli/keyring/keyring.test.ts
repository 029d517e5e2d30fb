import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DirectSecp256k1HdWallet, makeCosmoshubPath } from "@cosmjs/proto-signing";
import { UserError } from "../util/errors.ts";
import { DEV_MNEMONIC, deriveKey, generateMnemonic, hdPathFor } from "./hd.ts";
import { Keyring } from "./keyring.ts";

const DEV_ADDRESS = "open15yk64u7zc9g9k2yr2wmzeva5qgwxps6y3eah9f";
const homes: string[] = [];
function home(): string {
  const h = mkdtempSync(join(tmpdir(), "openledgerd-keyring-"));
  homes.push(h);
  return h;
}
after(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

describe("keyring/hd", () => {
  it("derives the dev address from the dev mnemonic at m/44'/118'/0'/0/0", async () => {
    const k = await deriveKey(DEV_MNEMONIC, hdPathFor(0, 0));
    assert.equal(k.address, DEV_ADDRESS);
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, { prefix: "open", hdPaths: [makeCosmoshubPath(0)] });
    const [acc] = await wallet.getAccounts();
    assert.equal(acc?.address, DEV_ADDRESS, "CosmJS derives the same address");
    assert.deepEqual(acc?.pubkey, k.pubkey);
  });

  it("--index changes the address; a generated mnemonic has 24 words and round-trips", async () => {
    const k1 = await deriveKey(DEV_MNEMONIC, hdPathFor(0, 1));
    assert.notEqual(k1.address, DEV_ADDRESS);
    const m = generateMnemonic();
    assert.equal(m.split(" ").length, 24);
    assert.equal((await deriveKey(m, hdPathFor())).address, (await deriveKey(`  ${m.toUpperCase()} `, hdPathFor())).address);
  });

  it("rejects a bad mnemonic with a UserError", async () => {
    await assert.rejects(deriveKey("test test test", hdPathFor()), (e) => e instanceof UserError && /invalid mnemonic/.test(e.message));
    await assert.rejects(deriveKey(DEV_MNEMONIC.replace("junk", "test"), hdPathFor()), UserError);
  });
});

describe("keyring/test backend", () => {
  it("adds, lists, shows (by name and address), resolves and deletes keys", async () => {
    const h = home();
    const kr = new Keyring({ home: h, backend: "test" });
    assert.deepEqual(kr.list(), []);
    const info = await kr.add("dev", await deriveKey(DEV_MNEMONIC, hdPathFor()), hdPathFor());
    assert.equal(info.address, DEV_ADDRESS);
    await kr.add("alice", await deriveKey(generateMnemonic(), hdPathFor()), hdPathFor());
    assert.deepEqual(
      kr.list().map((k) => k.name),
      ["alice", "dev"],
    );
    assert.equal(kr.resolve(DEV_ADDRESS).name, "dev");
    assert.equal(kr.get("dev").pubkey.length, 44);
    const priv = await kr.privkey("dev");
    assert.equal(priv.length, 32);
    await assert.rejects(kr.add("dev", await deriveKey(DEV_MNEMONIC, hdPathFor()), hdPathFor()), /already exists/);
    kr.delete("dev");
    assert.throws(() => kr.get("dev"), /not found/);
    assert.throws(() => kr.get("../etc"), /invalid key name/);
    assert.ok(JSON.parse(readFileSync(join(h, "keyring-test", "alice.json"), "utf8")).privkey, "test backend stores the key in clear");
  });
});

describe("keyring/file backend", () => {
  it("encrypts with scrypt + AES-256-GCM, decrypts with the passphrase, refuses a wrong one", async () => {
    const h = home();
    const right = new Keyring({ home: h, backend: "file", passphrase: async () => "correct horse battery" });
    const k = await deriveKey(DEV_MNEMONIC, hdPathFor());
    await right.add("dev", k, hdPathFor());
    const file = join(h, "keyring-file", "dev.json");
    const raw = readFileSync(file, "utf8");
    assert.ok(!raw.includes(Buffer.from(k.privkey).toString("hex")), "private key not stored in clear");
    const stored = JSON.parse(raw);
    assert.equal(stored.crypto.kdf, "scrypt");
    assert.equal(stored.crypto.cipher, "aes-256-gcm");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(await right.privkey("dev"), k.privkey);

    const wrong = new Keyring({ home: h, backend: "file", passphrase: async () => "wrong passphrase!" });
    assert.equal(wrong.get("dev").address, DEV_ADDRESS, "address readable without the passphrase");
    await assert.rejects(wrong.privkey("dev"), (e) => e instanceof UserError && /incorrect keyring passphrase/.test(e.message));
    await assert.rejects(wrong.add("other", await deriveKey(generateMnemonic(), hdPathFor()), hdPathFor()), /incorrect keyring passphrase/);
    assert.equal(wrong.has("other"), false);

    const again = await deriveKey(DEV_MNEMONIC, hdPathFor(0, 3));
    const second = new Keyring({ home: h, backend: "file", passphrase: async () => "correct horse battery" });
    await second.add("dev3", again, hdPathFor(0, 3));
    const salts = ["dev", "dev3"].map((n) => JSON.parse(readFileSync(join(h, "keyring-file", `${n}.json`), "utf8")).crypto.kdfparams.salt);
    assert.notEqual(salts[0], salts[1], "random salt per key");
  });

  it("refuses short passphrases and a missing passphrase source", async () => {
    const h = home();
    const k = await deriveKey(DEV_MNEMONIC, hdPathFor());
    await assert.rejects(new Keyring({ home: h, backend: "file", passphrase: async () => "short" }).add("a", k, hdPathFor()), /at least 8/);
    await assert.rejects(new Keyring({ home: h, backend: "file" }).add("a", k, hdPathFor()), /needs a passphrase/);
  });
});
