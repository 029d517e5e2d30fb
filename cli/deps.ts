/**
 * Late-bound imports of node/ and modules/ pieces that other parts of the tree provide. A piece
 * that is missing from the checkout yields a clear UserError ("… is not available yet") instead of
 * a crash at load time, so the rest of the CLI (keys, config, queries) works on its own.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { errorMessage, UserError } from "./util/errors.ts";

export async function loadModule<T>(rel: string, what: string): Promise<T> {
  const url = new URL(rel, import.meta.url);
  if (!existsSync(fileURLToPath(url))) throw new UserError(`${what} is not available yet (${rel.replace(/^\.\.\//, "")} is missing)`);
  try {
    return (await import(url.href)) as T;
  } catch (e) {
    throw new UserError(`${what} failed to load: ${errorMessage(e)}`);
  }
}
