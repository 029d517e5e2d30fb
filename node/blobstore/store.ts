/**
 * A content-addressed blob store on disk: datanet payloads live off-chain, the chain keeps their
 * SHA-256 (DESIGN.md, datanet). A blob's name is the lowercase hex SHA-256 of its bytes (for an
 * encrypted payload: of the ciphertext envelope, crypto.ts); it is stored at `<dir>/ab/cdef…`
 * (first two hex characters as a fan-out folder, the other 62 as the file name).
 *
 * - put: written to `<dir>/tmp/<random>`, fsynced, renamed into place, then the fan-out folder is
 *   fsynced: a crash leaves either the whole blob or nothing (temp files are swept at open);
 * - get: re-hashed on every read; a file whose bytes do not match its name is deleted (so a peer fetch
 *   can replace it) and reported as BlobCorruptError;
 * - every blob is at most `maxBytes` (default 4 MiB); bigger puts are refused (BlobTooLargeError).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { toHex } from "../../modules/core/bytes.ts";
import { sha256 } from "../../modules/core/hash.ts";

export const DEFAULT_MAX_BLOB_BYTES = 4 * 1024 * 1024;
/** the location URI a contribution records for a blob served by the nodes. */
export const BLOB_URI_PREFIX = "blob://";

export class BlobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BlobError";
  }
}
export class BlobTooLargeError extends BlobError {
  constructor(message: string) {
    super(message);
    this.name = "BlobTooLargeError";
  }
}
export class BlobCorruptError extends BlobError {
  constructor(message: string) {
    super(message);
    this.name = "BlobCorruptError";
  }
}
export class BlobHashMismatchError extends BlobError {
  constructor(message: string) {
    super(message);
    this.name = "BlobHashMismatchError";
  }
}

const HASH_RE = /^[0-9a-f]{64}$/;

/** lowercase hex SHA-256 of `bytes`: the blob's name. */
export function blobHash(bytes: Uint8Array): string {
  return toHex(sha256(bytes));
}

/** normalises a hash given as hex (any case, optional 0x) or `blob://<hex>`; throws on anything else. */
export function parseBlobHash(s: string): string {
  let t = s.trim();
  if (t.startsWith(BLOB_URI_PREFIX)) t = t.slice(BLOB_URI_PREFIX.length);
  if (t.startsWith("0x") || t.startsWith("0X")) t = t.slice(2);
  t = t.toLowerCase();
  if (!HASH_RE.test(t)) throw new BlobError(`invalid blob hash ${JSON.stringify(s.slice(0, 80))}: expected 64 hex characters`);
  return t;
}

export function blobUri(hash: string): string {
  return `${BLOB_URI_PREFIX}${parseBlobHash(hash)}`;
}

export interface BlobStoreOptions {
  maxBytes: number;
}

export class BlobStore {
  readonly dir: string;
  readonly maxBytes: number;
  private readonly tmpDir: string;

  constructor(dir: string, opts: Partial<BlobStoreOptions> = {}) {
    this.dir = dir;
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_BLOB_BYTES;
    this.tmpDir = join(dir, "tmp");
    mkdirSync(this.tmpDir, { recursive: true });
    // leftovers of puts interrupted by a crash
    for (const f of readdirSync(this.tmpDir)) rmSync(join(this.tmpDir, f), { force: true });
  }

  /** the file of a blob (whether or not it exists). */
  pathOf(hash: string): string {
    const h = parseBlobHash(hash);
    return join(this.dir, h.slice(0, 2), h.slice(2));
  }

  async has(hash: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(hash))).isFile();
    } catch {
      return false;
    }
  }

  /** the blob's bytes, verified against its hash; undefined when absent; BlobCorruptError (file removed) on mismatch. */
  async get(hash: string): Promise<Uint8Array | undefined> {
    const h = parseBlobHash(hash);
    const p = this.pathOf(h);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(p));
    } catch (e: unknown) {
      if ((e as { code?: string }).code === "ENOENT") return undefined;
      throw e;
    }
    if (bytes.length > this.maxBytes || blobHash(bytes) !== h) {
      await rm(p, { force: true });
      throw new BlobCorruptError(`blob ${h} is corrupt on disk (content does not match its hash); removed`);
    }
    return bytes;
  }

  /** stores `bytes` (atomically; a no-op when present) and returns its hash. */
  async put(bytes: Uint8Array): Promise<string> {
    if (bytes.length > this.maxBytes) throw new BlobTooLargeError(`blob of ${bytes.length} bytes exceeds the maximum ${this.maxBytes}`);
    const h = blobHash(bytes);
    await this.write(h, bytes);
    return h;
  }

  /** stores bytes that must hash to `hash` (what a peer sent); BlobHashMismatchError otherwise. */
  async putVerified(hash: string, bytes: Uint8Array): Promise<void> {
    const h = parseBlobHash(hash);
    if (bytes.length > this.maxBytes) throw new BlobTooLargeError(`blob of ${bytes.length} bytes exceeds the maximum ${this.maxBytes}`);
    const got = blobHash(bytes);
    if (got !== h) throw new BlobHashMismatchError(`bytes hash to ${got}, expected ${h}`);
    await this.write(h, bytes);
  }

  /** removes a blob; false when it was absent. */
  async delete(hash: string): Promise<boolean> {
    try {
      await unlink(this.pathOf(hash));
      return true;
    } catch (e: unknown) {
      if ((e as { code?: string }).code === "ENOENT") return false;
      throw e;
    }
  }

  private async write(h: string, bytes: Uint8Array): Promise<void> {
    if (await this.has(h)) return;
    const folder = join(this.dir, h.slice(0, 2));
    await mkdir(folder, { recursive: true });
    const tmp = join(this.tmpDir, `${h.slice(0, 16)}.${randomBytes(6).toString("hex")}`);
    const fh = await open(tmp, "wx", 0o644);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, join(folder, h.slice(2)));
    } catch (e: unknown) {
      await rm(tmp, { force: true });
      throw e;
    }
    const d = await open(folder, "r");
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }
}
