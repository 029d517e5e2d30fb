/** the provider's attestation key file: JSON {type, priv_key (hex), pub_key (hex)}, written mode 0600. */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { type AttestationKey, type AttestationKeyType, attestationKey } from "./attest.ts";

export const ATTESTATION_KEY_FILE_TYPE = "openledger/compute-attestation-key/v1";

export function generateAttestationKey(type: AttestationKeyType): AttestationKey {
  return attestationKey(type, new Uint8Array(randomBytes(32)));
}

export function writeAttestationKeyFile(path: string, k: AttestationKey): void {
  const json = { kind: ATTESTATION_KEY_FILE_TYPE, type: k.type, priv_key: Buffer.from(k.priv).toString("hex"), pub_key: Buffer.from(k.pub).toString("hex") };
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600, flag: "wx" });
}

export function readAttestationKeyFile(path: string): AttestationKey {
  let j: { kind?: string; type?: string; priv_key?: string };
  try {
    j = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`cannot read the attestation key file ${path}: ${(e as Error).message}`);
  }
  if (j.kind !== ATTESTATION_KEY_FILE_TYPE || (j.type !== "secp256k1" && j.type !== "ed25519") || !/^[0-9a-f]{64}$/.test(j.priv_key ?? "")) throw new Error(`${path} is not an attestation key file (${ATTESTATION_KEY_FILE_TYPE})`);
  return attestationKey(j.type, new Uint8Array(Buffer.from(j.priv_key as string, "hex")));
}
