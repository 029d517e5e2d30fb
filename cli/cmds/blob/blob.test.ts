import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BlobService } from "../../../node/blobstore/service.ts";
import { BlobStore } from "../../../node/blobstore/store.ts";
import { createRpcServer, type RpcServer } from "../../../node/rpc/server.ts";
import { makeFakeEnv } from "../../../node/rpc/testing/fakeEnv.ts";
import { assertUserError, cli } from "../../testing/cliHarness.ts";

let dir: string;
let server: RpcServer;
let node: string;

describe("cli blob keygen / put / get / verify", () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "cliblob-"));
    const env = await makeFakeEnv(2);
    env.blobs = new BlobService(new BlobStore(join(dir, "blobs")));
    server = createRpcServer(env, { laddr: "127.0.0.1:0", corsAllowedOrigins: [], maxBodyBytes: 1024 * 1024, maxSubscriptionsPerClient: 1, timeoutBroadcastTxCommitMs: 1000 });
    node = `127.0.0.1:${(await server.listen()).port}`;
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("encrypted round trip through the node; verify checks the ciphertext hash offline", async () => {
    const key = join(dir, "dn3.key");
    assert.equal((await cli(["blob", "keygen", "3", "--out", key])).code, 0);
    assert.equal(statSync(key).mode & 0o777, 0o600);
    assertUserError(await cli(["blob", "keygen", "3", "--out", key]), /cannot create/, "no overwrite");
    const f = join(dir, "rows.csv");
    writeFileSync(f, "f0,f1,label\n1,2,0\n");
    const put = await cli(["blob", "put", f, "--key-file", key, "--node", node, "-o", "json"]);
    assert.equal(put.code, 0, put.stderr);
    const up = JSON.parse(put.stdout) as { hash: string; uri: string; encrypted: boolean };
    assert.equal(up.encrypted, true);
    const cipher = join(dir, "cipher.bin");
    assert.equal((await cli(["blob", "get", up.uri, "--out", cipher, "--node", node])).code, 0);
    assert.equal((await cli(["blob", "verify", cipher, up.hash])).code, 0);
    assertUserError(await cli(["blob", "verify", f, up.hash]), /hashes to/, "plaintext is not what is on chain");
    const plain = join(dir, "plain.csv");
    const get = await cli(["blob", "get", up.hash, "--out", plain, "--key-file", key, "--node", node]);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(readFileSync(plain, "utf8"), "f0,f1,label\n1,2,0\n");
    assertUserError(await cli(["blob", "get", "zz", "--out", plain, "--node", node]), /64 hex/, "bad hash");
    assertUserError(await cli(["blob", "get", "ab".repeat(32), "--out", plain, "--node", node]), /not found/, "unknown hash");
  });
});
