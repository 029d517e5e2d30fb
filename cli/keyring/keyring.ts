/**
 * The keyring: one JSON file per key in <home>/keyring-<backend>/<name>.json.
 * - `test`: unencrypted (dev and CI only).
 * - `file`: the private key encrypted with AES-256-GCM under a key derived by scrypt from the
 *   passphrase (random salt and nonce per key); address and public key stay readable, so list/show
 *   need no passphrase. A wrong passphrase fails GCM authentication and is reported as such.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCb } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isBech32 } from "../util/address.ts";
import { UserError } from "../util/errors.ts";
import { addressOfPubkey, type DerivedKey, pubkeyOf } from "./hd.ts";

import { type KeyringBackend, KEYRING_BACKENDS, parseKeyringBackend } from "./backends.ts";

export { type KeyringBackend, KEYRING_BACKENDS, parseKeyringBackend };

/** What list/show return: never the private key. */
export interface KeyInfo {
  name: string;
  type: "local";
  algo: "secp256k1";
  address: string;
  /** base64 of the 33-byte compressed public key. */
  pubkey: string;
  /** the HD path the key was derived with ("" for imported raw keys). */
  hdPath: string;
}

interface EncryptedBlob {
  kdf: "scrypt";
  kdfparams: { n: number; r: number; p: number; salt: string };
  cipher: "aes-256-gcm";
  nonce: string;
  ciphertext: string;
  tag: string;
}

type Stored = KeyInfo & { privkey?: string; crypto?: EncryptedBlob };

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SCRYPT = { n: 1 << 15, r: 8, p: 1 };

export function validateKeyName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new UserError(`invalid key name "${name}": use 1-64 letters, digits, '.', '_' or '-' (starting with a letter or digit)`);
  }
}

function scrypt(passphrase: string, salt: Buffer, p: { n: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((res, rej) => {
    scryptCb(passphrase, salt, 32, { N: p.n, r: p.r, p: p.p, maxmem: 256 * p.n * p.r }, (err, key) => (err ? rej(err) : res(key)));
  });
}

export async function encryptPrivkey(privkey: Uint8Array, passphrase: string): Promise<EncryptedBlob> {
  const salt = randomBytes(32);
  const nonce = randomBytes(12);
  const key = await scrypt(passphrase, salt, SCRYPT);
  const c = createCipheriv("aes-256-gcm", key, nonce);
  const ciphertext = Buffer.concat([c.update(privkey), c.final()]);
  return {
    kdf: "scrypt",
    kdfparams: { ...SCRYPT, salt: salt.toString("hex") },
    cipher: "aes-256-gcm",
    nonce: nonce.toString("hex"),
    ciphertext: ciphertext.toString("hex"),
    tag: c.getAuthTag().toString("hex"),
  };
}

export async function decryptPrivkey(blob: EncryptedBlob, passphrase: string, name: string): Promise<Uint8Array> {
  if (blob.kdf !== "scrypt" || blob.cipher !== "aes-256-gcm") throw new UserError(`key ${name}: unsupported encryption ${blob.kdf}/${blob.cipher}`);
  const key = await scrypt(passphrase, Buffer.from(blob.kdfparams.salt, "hex"), blob.kdfparams);
  const d = createDecipheriv("aes-256-gcm", key, Buffer.from(blob.nonce, "hex"));
  d.setAuthTag(Buffer.from(blob.tag, "hex"));
  try {
    return new Uint8Array(Buffer.concat([d.update(Buffer.from(blob.ciphertext, "hex")), d.final()]));
  } catch {
    throw new UserError(`incorrect keyring passphrase (cannot decrypt key "${name}")`);
  }
}

export interface KeyringOptions {
  home: string;
  backend: KeyringBackend;
  /**
   * Supplies the passphrase of the `file` backend, asked lazily, once per process.
   * `creating` is true when the keyring has no key yet (a UI may ask for confirmation).
   */
  passphrase?: (creating: boolean) => Promise<string>;
}

export class Keyring {
  readonly dir: string;
  readonly backend: KeyringBackend;
  private readonly getPassphrase: ((creating: boolean) => Promise<string>) | undefined;
  private cachedPassphrase: string | undefined;

  constructor(opts: KeyringOptions) {
    this.backend = opts.backend;
    this.dir = join(opts.home, `keyring-${opts.backend}`);
    this.getPassphrase = opts.passphrase;
  }

  private file(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  private readStored(name: string): Stored {
    validateKeyName(name);
    const f = this.file(name);
    if (!existsSync(f)) throw new UserError(`key "${name}" not found in the ${this.backend} keyring (${this.dir})`);
    try {
      return JSON.parse(readFileSync(f, "utf8")) as Stored;
    } catch {
      throw new UserError(`key file ${f} is corrupt`);
    }
  }

  private static info(s: Stored): KeyInfo {
    return { name: s.name, type: "local", algo: "secp256k1", address: s.address, pubkey: s.pubkey, hdPath: s.hdPath };
  }

  has(name: string): boolean {
    validateKeyName(name);
    return existsSync(this.file(name));
  }

  list(): KeyInfo[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith(".json"))
      .sort()
      .map((f) => Keyring.info(this.readStored(f.slice(0, -".json".length))));
  }

  get(name: string): KeyInfo {
    return Keyring.info(this.readStored(name));
  }

  /** A key by name, or by its bech32 address. */
  resolve(nameOrAddress: string): KeyInfo {
    if (isBech32(nameOrAddress)) {
      const k = this.list().find((i) => i.address === nameOrAddress);
      if (!k) throw new UserError(`no key with address ${nameOrAddress} in the ${this.backend} keyring (${this.dir})`);
      return k;
    }
    return this.get(nameOrAddress);
  }

  private async passphrase(creating: boolean): Promise<string> {
    if (this.cachedPassphrase !== undefined) return this.cachedPassphrase;
    if (!this.getPassphrase) throw new UserError("the file keyring needs a passphrase (prompt or --keyring-passphrase-file)");
    const p = await this.getPassphrase(creating);
    if (p.length < 8) throw new UserError("keyring passphrase must be at least 8 characters");
    this.cachedPassphrase = p;
    return p;
  }

  async add(name: string, key: DerivedKey | { privkey: Uint8Array }, hdPath: string, opts: { overwrite?: boolean } = {}): Promise<KeyInfo> {
    validateKeyName(name);
    if (this.has(name) && opts.overwrite !== true) throw new UserError(`key "${name}" already exists (delete it first)`);
    const pubkey = "pubkey" in key ? key.pubkey : await pubkeyOf(key.privkey);
    const address = addressOfPubkey(pubkey);
    const info: KeyInfo = { name, type: "local", algo: "secp256k1", address, pubkey: Buffer.from(pubkey).toString("base64"), hdPath };
    let stored: Stored;
    if (this.backend === "test") {
      stored = { ...info, privkey: Buffer.from(key.privkey).toString("hex") };
    } else {
      const existing = this.list().filter((k) => k.name !== name);
      const pass = await this.passphrase(existing.length === 0);
      // One passphrase per keyring: check it against an existing key before adding another.
      const first = existing[0];
      if (first) await this.privkey(first.name);
      stored = { ...info, crypto: await encryptPrivkey(key.privkey, pass) };
    }
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const f = this.file(name);
    const tmp = `${f}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, f);
    return info;
  }

  async privkey(name: string): Promise<Uint8Array> {
    const s = this.readStored(name);
    if (s.privkey !== undefined) return new Uint8Array(Buffer.from(s.privkey, "hex"));
    if (s.crypto === undefined) throw new UserError(`key file for "${name}" holds no private key`);
    return decryptPrivkey(s.crypto, await this.passphrase(false), name);
  }

  delete(name: string): void {
    this.readStored(name);
    rmSync(this.file(name));
  }
}
