import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { utf8 } from "../../modules/core/bytes.ts";
import {
  decryptPayload,
  encryptPayload,
  ENVELOPE_OVERHEAD,
  generateDatanetKey,
  isEncryptedEnvelope,
  parseKeyFile,
  PayloadCryptoError,
  readKeyFile,
  writeKeyFile,
} from "./crypto.ts";
import { BlobCorruptError, BlobHashMismatchError, blobHash, BlobStore, BlobTooLargeError, blobUri, parseBlobHash } from "./store.ts";

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "blobstore-"));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("blobstore", () => {
  it("put/get round trip, content-addressed layout ab/cdef…, has/delete, idempotent put", async () => {
    const s = new BlobStore(join(tmp(), "blobs"));
    const data = utf8("hello datanet payload");
    const h = await s.put(data);
    assert.equal(h, blobHash(data));
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.equal(s.pathOf(h), join(s.dir, h.slice(0, 2), h.slice(2)));
    assert.deepEqual(readFileSync(s.pathOf(h)), Buffer.from(data));
    assert.equal(await s.has(h), true);
    assert.deepEqual(await s.get(h), data);
    assert.deepEqual(await s.get(h.toUpperCase()), data);
    assert.deepEqual(await s.get(blobUri(h)), data);
    assert.equal(await s.put(data), h);
    assert.deepEqual(readdirSync(join(s.dir, "tmp")), [], "no temp files left");
    assert.equal(await s.delete(h), true);
    assert.equal(await s.delete(h), false);
    assert.equal(await s.has(h), false);
    assert.equal(await s.get(h), undefined);
    assert.throws(() => parseBlobHash("abc"), /64 hex/);
    await assert.rejects(s.get("../../etc/passwd"), /64 hex/);
  });

  it("detects corruption on disk (and removes the file); refuses oversize and mismatching puts", async () => {
    const s = new BlobStore(join(tmp(), "blobs"), { maxBytes: 64 });
    const h = await s.put(utf8("original bytes"));
    writeFileSync(s.pathOf(h), "flipped bytes!");
    await assert.rejects(s.get(h), BlobCorruptError);
    assert.equal(await s.has(h), false, "corrupt file removed so it can be fetched again");
    await assert.rejects(s.put(new Uint8Array(65)), BlobTooLargeError);
    await assert.rejects(s.putVerified(h, utf8("not it")), BlobHashMismatchError);
    await s.putVerified(h, utf8("original bytes"));
    assert.deepEqual(await s.get(h), utf8("original bytes"));
  });

  it("sweeps temp files left by an interrupted put", () => {
    const dir = join(tmp(), "blobs");
    new BlobStore(dir);
    writeFileSync(join(dir, "tmp", "deadbeef.123"), "partial");
    new BlobStore(dir);
    assert.deepEqual(readdirSync(join(dir, "tmp")), []);
  });
});

describe("blobstore payload encryption (AES-256-GCM)", () => {
  it("round trips; random nonce per payload; the datanet id is bound as associated data", () => {
    const k = generateDatanetKey(7n);
    const pt = utf8("secret training rows");
    const a = encryptPayload(k.key, 7n, pt);
    const b = encryptPayload(k.key, 7n, pt);
    assert.equal(a.length, pt.length + ENVELOPE_OVERHEAD);
    assert.ok(isEncryptedEnvelope(a));
    assert.notDeepEqual(a, b, "fresh nonce");
    assert.deepEqual(decryptPayload(k.key, 7n, a), pt);
    assert.deepEqual(decryptPayload(k.key, 7n, b), pt);
    assert.throws(() => decryptPayload(k.key, 8n, a), PayloadCryptoError, "other datanet");
    assert.throws(() => decryptPayload(generateDatanetKey(7n).key, 7n, a), PayloadCryptoError, "other key");
  });

  it("tampering with the ciphertext, the tag or the nonce fails authentication", () => {
    const k = generateDatanetKey(1n);
    const env = encryptPayload(k.key, 1n, utf8("0123456789abcdef"));
    for (const i of [4, 16, 20, env.length - 1]) {
      const t = env.slice();
      t[i] = (t[i] as number) ^ 1;
      assert.throws(() => decryptPayload(k.key, 1n, t), /authentication failed/, `byte ${i}`);
    }
    assert.throws(() => decryptPayload(k.key, 1n, env.subarray(0, 10)), /not an encrypted payload/);
  });

  it("key files: 0600, parsed back, malformed ones refused", () => {
    const p = join(tmp(), "dn7.key.json");
    const k = generateDatanetKey(7n);
    writeKeyFile(p, k);
    const r = readKeyFile(p);
    assert.equal(r.datanetId, 7n);
    assert.deepEqual(r.key, k.key);
    assert.throws(() => writeKeyFile(p, k), /EEXIST/, "never overwrites a key");
    assert.throws(() => parseKeyFile('{"type":"x"}'), /type must be/);
    assert.throws(() => parseKeyFile(JSON.stringify({ type: "openledger/datanet-key/v1", datanet_id: "1", key: "AAAA" })), /32 bytes/);
  });
});
