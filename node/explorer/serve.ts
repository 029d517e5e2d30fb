/** The built-in explorer's static files (node/explorer: index.html, app.js, style.css), served by the REST port under /explorer. */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const DIR = dirname(fileURLToPath(import.meta.url));
const FILES: Record<string, { file: string; type: string }> = {
  "/explorer": { file: "index.html", type: "text/html; charset=utf-8" },
  "/explorer/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/explorer/index.html": { file: "index.html", type: "text/html; charset=utf-8" },
  "/explorer/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/explorer/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
};

export function explorerAsset(pathname: string): { contentType: string; body: Uint8Array } | undefined {
  const f = FILES[pathname];
  if (f === undefined) return undefined;
  return { contentType: f.type, body: readFileSync(join(DIR, f.file)) };
}
