/** Keyring backend names (kept apart from keyring.ts so that building the CLI stays light). */
import { UserError } from "../util/errors.ts";

export const KEYRING_BACKENDS = ["test", "file"] as const;
export type KeyringBackend = (typeof KEYRING_BACKENDS)[number];

export function parseKeyringBackend(v: unknown): KeyringBackend {
  if (v === undefined) return "test";
  if (v === "test" || v === "file") return v;
  throw new UserError(`unsupported --keyring-backend ${String(v)}: use test or file`);
}
