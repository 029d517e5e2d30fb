/** BIP39 mnemonics and BIP32/SLIP-10 secp256k1 derivation (Cosmos HD path m/44'/118'/account'/0/index). */
import { Bip39, EnglishMnemonic, Random, ripemd160, Secp256k1, sha256, Slip10, Slip10Curve, stringToPath } from "@cosmjs/crypto";
import { encodeAddress } from "../util/address.ts";
import { errorMessage, UserError } from "../util/errors.ts";

export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

export function hdPathFor(account = 0, index = 0): string {
  if (!Number.isInteger(account) || account < 0 || account >= 2 ** 31) throw new UserError(`invalid --account ${account}`);
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** 31) throw new UserError(`invalid --index ${index}`);
  return `m/44'/118'/${account}'/0/${index}`;
}

/** A fresh 24-word mnemonic (256 bits of entropy). */
export function generateMnemonic(): string {
  return Bip39.encode(Random.getBytes(32)).toString();
}

export function normalizeMnemonic(m: string): string {
  return m.trim().toLowerCase().split(/\s+/).join(" ");
}

export interface DerivedKey {
  privkey: Uint8Array;
  /** 33-byte compressed secp256k1 public key. */
  pubkey: Uint8Array;
  address: string;
}

export function addressOfPubkey(pubkey33: Uint8Array): string {
  return encodeAddress(ripemd160(sha256(pubkey33)));
}

export async function pubkeyOf(privkey: Uint8Array): Promise<Uint8Array> {
  const kp = await Secp256k1.makeKeypair(privkey);
  return Secp256k1.compressPubkey(kp.pubkey);
}

export async function deriveKey(mnemonic: string, hdPath: string, bip39Passphrase = ""): Promise<DerivedKey> {
  let m: EnglishMnemonic;
  try {
    m = new EnglishMnemonic(normalizeMnemonic(mnemonic));
  } catch (e) {
    throw new UserError(`invalid mnemonic: ${errorMessage(e)}`);
  }
  const seed = await Bip39.mnemonicToSeed(m, bip39Passphrase);
  const { privkey } = Slip10.derivePath(Slip10Curve.Secp256k1, seed, stringToPath(hdPath));
  const pubkey = await pubkeyOf(privkey);
  return { privkey, pubkey, address: addressOfPubkey(pubkey) };
}
