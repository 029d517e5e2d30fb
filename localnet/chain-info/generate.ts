/** Writes localnet/chain-info/<dev|localnet>/{chain,assetlist,keplr}.json (see chainInfo.ts). */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chainInfoFiles } from "./chainInfo.ts";

const DIR = dirname(fileURLToPath(import.meta.url));
for (const [rel, text] of Object.entries(chainInfoFiles())) {
  mkdirSync(dirname(join(DIR, rel)), { recursive: true });
  writeFileSync(join(DIR, rel), text);
  process.stdout.write(`chain-info: wrote localnet/chain-info/${rel}\n`);
}
