/** keys add | import | list | show | delete. */
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { VAL_PREFIX } from "../../util/address.ts";
import { UserError } from "../../util/errors.ts";
import { type CliIo, emit, type OutputFormat } from "../../util/io.ts";
import { deriveKey, generateMnemonic, hdPathFor, normalizeMnemonic } from "../../keyring/hd.ts";
import { type KeyInfo, type Keyring, validateKeyName } from "../../keyring/keyring.ts";
import { confirm } from "../common.ts";

export interface KeysAddOptions {
  recover: boolean;
  account: number;
  index: number;
  hdPath?: string | undefined;
  /** the mnemonic to import (else: generated, or read from the console with `recover`). */
  mnemonic?: string | undefined;
}

function pubkeyJson(k: KeyInfo): string {
  return JSON.stringify({ "@type": "/cosmos.crypto.secp256k1.PubKey", key: k.pubkey });
}

function keyYaml(k: KeyInfo): string {
  return [`- address: ${k.address}`, `  name: ${k.name}`, `  pubkey: '${pubkeyJson(k)}'`, `  type: ${k.type}`].join("\n");
}

function keyJson(k: KeyInfo): Record<string, string> {
  return { name: k.name, type: k.type, address: k.address, pubkey: pubkeyJson(k) };
}

export async function readMnemonic(io: CliIo): Promise<string> {
  const m = normalizeMnemonic(await io.prompt("> Enter your bip39 mnemonic\n"));
  if (m === "") throw new UserError("no mnemonic given");
  return m;
}

export async function keysAdd(io: CliIo, kr: Keyring, output: OutputFormat, name: string, o: KeysAddOptions): Promise<KeyInfo> {
  validateKeyName(name);
  if (kr.has(name)) throw new UserError(`key "${name}" already exists (delete it first, or choose another name)`);
  const hdPath = o.hdPath ?? hdPathFor(o.account, o.index);
  if (!/^m(\/[0-9]+'?)+$/.test(hdPath)) throw new UserError(`invalid --hd-path "${hdPath}"`);
  const generated = !o.recover && o.mnemonic === undefined;
  const mnemonic = o.mnemonic ?? (o.recover ? await readMnemonic(io) : generateMnemonic());
  const key = await deriveKey(mnemonic, hdPath);
  const info = await kr.add(name, key, hdPath);
  if (output === "json") {
    emit(io, output, generated ? { ...keyJson(info), mnemonic } : keyJson(info), "");
  } else {
    io.out(keyYaml(info));
    if (generated) {
      io.out(
        `\n**Important** write this mnemonic phrase in a safe place.\nIt is the only way to recover your account if you ever forget your password.\n\n${mnemonic}`,
      );
    }
  }
  return info;
}

export function keysList(io: CliIo, kr: Keyring, output: OutputFormat): void {
  const keys = kr.list();
  emit(io, output, keys.map(keyJson), () => (keys.length === 0 ? "No keys found." : keys.map(keyYaml).join("\n")));
}

export interface KeysShowOptions {
  address: boolean;
  pubkey: boolean;
  bech: string;
}

export function keysShow(io: CliIo, kr: Keyring, output: OutputFormat, nameOrAddress: string, o: KeysShowOptions): void {
  if (o.address && o.pubkey) throw new UserError("--address and --pubkey are mutually exclusive");
  if (o.bech !== "acc" && o.bech !== "val") throw new UserError(`invalid --bech "${o.bech}": use acc or val`);
  const k = kr.resolve(nameOrAddress);
  const address = o.bech === "val" ? toBech32(VAL_PREFIX, fromBech32(k.address, 90).data) : k.address;
  const shown: KeyInfo = { ...k, address };
  if (o.address) return emit(io, output, { address }, address);
  if (o.pubkey) return emit(io, output, JSON.parse(pubkeyJson(k)) as unknown, pubkeyJson(k));
  emit(io, output, keyJson(shown), keyYaml(shown));
}

export async function keysDelete(io: CliIo, kr: Keyring, name: string, yes: boolean): Promise<void> {
  kr.get(name);
  if (!yes && !(await confirm(io, `Key reference will be deleted. Continue?`))) throw new UserError("aborted: key not deleted");
  kr.delete(name);
  io.err("Key deleted forever (uh oh!)");
}
