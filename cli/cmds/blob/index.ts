/**
 * `openledgerd blob …`: datanet payloads in the node's content-addressed store (node/blobstore).
 *   keygen <datanet_id> --out K      a curator key file for encrypted payloads (AES-256-GCM; never on chain)
 *   put <file> [--key-file K]        upload (encrypted for K's datanet with a key file); prints sha256, size, blob:// URI
 *   get <hash> --out F [--key-file K] download by hash (verified; decrypted with a key file)
 *   verify <file> <hash>             offline: does the file hash to the on-chain content hash?
 */
import { readFileSync, writeFileSync } from "node:fs";
import { Command } from "commander";
import { decryptPayload, generateDatanetKey, readKeyFile, writeKeyFile } from "../../../node/blobstore/crypto.ts";
import { blobHash, parseBlobHash } from "../../../node/blobstore/store.ts";
import { resolveNode, rpcCall } from "../../rpc/client.ts";
import { UserError } from "../../util/errors.ts";
import { type CliIo, emit } from "../../util/io.ts";
import { globalsOf } from "../common.ts";
import { parseId, payloadBytes, uploadPayload } from "../tx/datanet.ts";

function hashArg(v: string): string {
  try {
    return parseBlobHash(v);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

function keyOf(file: string): ReturnType<typeof readKeyFile> {
  try {
    return readKeyFile(file);
  } catch (e) {
    throw new UserError(`key file ${file}: ${(e as Error).message}`);
  }
}

export function blobCommand(io: CliIo): Command {
  const blob = new Command("blob").description("datanet payloads: the node's content-addressed blob store, curator keys for encrypted payloads");

  blob
    .command("keygen")
    .description("write a new AES-256-GCM key file for a datanet's encrypted payloads (give it to the curators; the chain never sees it)")
    .argument("<datanet_id>", "datanet id (bound into every ciphertext)")
    .requiredOption("--out <file>", "key file to create (mode 0600; never overwritten)")
    .action((id: string, o: { out: string }, cmd: Command) => {
      const k = generateDatanetKey(parseId(id, "datanet id"));
      try {
        writeKeyFile(o.out, k);
      } catch (e) {
        throw new UserError(`cannot create ${o.out}: ${(e as Error).message}`);
      }
      emit(io, globalsOf(cmd).output, { datanet_id: k.datanetId, key_file: o.out }, `wrote the key of datanet ${k.datanetId} to ${o.out}`);
    });

  blob
    .command("put")
    .description("upload a payload to the node's blob store; prints its sha256 (the content hash for the chain)")
    .argument("<file>", "payload file")
    .option("--key-file <file>", "encrypt for the key file's datanet first")
    .option("--node <url>", "node RPC (default: config.toml, else tcp://127.0.0.1:26657)")
    .action(async (file: string, o: { keyFile?: string; node?: string }, cmd: Command) => {
      const g = globalsOf(cmd);
      const p = payloadBytes(file, o.keyFile === undefined ? 0n : keyOf(o.keyFile).datanetId, o.keyFile);
      const up = await uploadPayload(resolveNode(o.node, g.home), p.bytes);
      emit(io, g.output, { ...up, encrypted: p.encrypted }, [`hash: ${up.hash}`, `size: ${up.size}`, `uri: ${up.uri}`, `encrypted: ${p.encrypted}`].join("\n"));
    });

  blob
    .command("get")
    .description("download a payload by hash (from the node, which asks its peers when it lacks it); verified against the hash")
    .argument("<hash>", "sha256 (hex) or blob://<sha256>")
    .requiredOption("--out <file>", "where to write the bytes")
    .option("--key-file <file>", "decrypt with the datanet's key file")
    .option("--node <url>", "node RPC (default: config.toml, else tcp://127.0.0.1:26657)")
    .action(async (hash: string, o: { out: string; keyFile?: string; node?: string }, cmd: Command) => {
      const g = globalsOf(cmd);
      const h = hashArg(hash);
      const r = await rpcCall<{ data: string }>(resolveNode(o.node, g.home), "blob_get", { hash: h });
      let bytes = new Uint8Array(Buffer.from(r.data, "base64"));
      if (blobHash(bytes) !== h) throw new UserError(`the node answered bytes that hash to ${blobHash(bytes)}, not ${h}`);
      if (o.keyFile !== undefined) {
        const k = keyOf(o.keyFile);
        try {
          bytes = new Uint8Array(decryptPayload(k.key, k.datanetId, bytes));
        } catch (e) {
          throw new UserError(`cannot decrypt ${h}: ${(e as Error).message}`);
        }
      }
      writeFileSync(o.out, bytes);
      emit(io, g.output, { hash: h, size: bytes.length, out: o.out, decrypted: o.keyFile !== undefined }, `wrote ${bytes.length} bytes to ${o.out}`);
    });

  blob
    .command("verify")
    .description("check offline that a file hashes to a content hash (e.g. a contribution's)")
    .argument("<file>", "payload file (the ciphertext for an encrypted contribution)")
    .argument("<hash>", "sha256 (hex) or blob://<sha256>")
    .action((file: string, hash: string, _o: unknown, cmd: Command) => {
      const h = hashArg(hash);
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(readFileSync(file));
      } catch (e) {
        throw new UserError(`cannot read ${file}: ${(e as Error).message}`);
      }
      const got = blobHash(bytes);
      if (got !== h) throw new UserError(`${file} hashes to ${got}, not ${h}`);
      emit(io, globalsOf(cmd).output, { ok: true, hash: h, size: bytes.length }, `ok: ${file} hashes to ${h}`);
    });
  return blob;
}
