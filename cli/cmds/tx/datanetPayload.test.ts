import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { decryptPayload, generateDatanetKey, writeKeyFile } from "../../../node/blobstore/crypto.ts";
import { BlobService } from "../../../node/blobstore/service.ts";
import { blobHash, BlobStore } from "../../../node/blobstore/store.ts";
import { createRpcServer, type RpcServer } from "../../../node/rpc/server.ts";
import { makeFakeEnv } from "../../../node/rpc/testing/fakeEnv.ts";
import { rpcCall } from "../../rpc/client.ts";
import { payloadBytes, uploadPayload } from "./datanet.ts";

let dir: string;
let servers: RpcServer[] = [];
let url: string;
let bareUrl: string;

async function serve(withBlobs: boolean): Promise<string> {
  const env = await makeFakeEnv(2);
  if (withBlobs) env.blobs = new BlobService(new BlobStore(join(dir, "blobs"), { maxBytes: 4096 }));
  const s = createRpcServer(env, { laddr: "127.0.0.1:0", corsAllowedOrigins: [], maxBodyBytes: 64 * 1024, maxSubscriptionsPerClient: 1, timeoutBroadcastTxCommitMs: 1000 });
  servers.push(s);
  return `http://127.0.0.1:${(await s.listen()).port}`;
}

describe("datanet payloads through the node (blob_put / blob_get, contribute --payload)", () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "dnpayload-"));
    url = await serve(true);
    bareUrl = await serve(false);
  });
  after(async () => {
    for (const s of servers) await s.close();
    servers = [];
    rmSync(dir, { recursive: true, force: true });
  });

  it("uploads a plain payload and serves it back by hash", async () => {
    const f = join(dir, "plain.bin");
    writeFileSync(f, "row 1: 3,4,5 -> 1\n");
    const p = payloadBytes(f, 1n);
    assert.equal(p.encrypted, false);
    const up = await uploadPayload(url, p.bytes);
    assert.equal(up.hash, blobHash(p.bytes));
    assert.equal(up.uri, `blob://${up.hash}`);
    assert.equal(up.size, String(p.bytes.length));
    const got = await rpcCall<{ hash: string; size: string; data: string }>(url, "blob_get", { hash: up.hash });
    assert.deepEqual(new Uint8Array(Buffer.from(got.data, "base64")), p.bytes);
  });

  it("encrypts with the curators' key file: the node stores (and hashes) only the ciphertext", async () => {
    const f = join(dir, "secret.bin");
    writeFileSync(f, "confidential rows");
    const k = generateDatanetKey(5n);
    const kf = join(dir, "dn5.key.json");
    writeKeyFile(kf, k);
    const p = payloadBytes(f, 5n, kf);
    assert.equal(p.encrypted, true);
    const up = await uploadPayload(url, p.bytes);
    const got = await rpcCall<{ data: string }>(url, "blob_get", { hash: up.hash });
    const stored = new Uint8Array(Buffer.from(got.data, "base64"));
    assert.ok(!Buffer.from(stored).includes(Buffer.from("confidential")));
    assert.equal(Buffer.from(decryptPayload(k.key, 5n, stored)).toString(), "confidential rows");
    assert.throws(() => payloadBytes(f, 6n, kf), /for datanet 5, not 6/);
  });

  it("errors: oversize, empty, unknown hash, bad hash, a node without a blob store", async () => {
    await assert.rejects(uploadPayload(url, new Uint8Array(5000)), /exceed the blob maximum 4096/);
    await assert.rejects(rpcCall(url, "blob_put", { data: "" }), /required/);
    await assert.rejects(rpcCall(url, "blob_get", { hash: "ab".repeat(32) }), /not found/);
    await assert.rejects(rpcCall(url, "blob_get", { hash: "xyz" }), /32-byte hash/);
    await assert.rejects(rpcCall(bareUrl, "blob_put", { data: "AAAA" }), /no blob store/);
  });
});
