/** `openledgerd tx datanet …`: create, contribute (CSV file or inline points), review, challenge, resolve, withdraw-stake, snapshot. */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { sha256 } from "@noble/hashes/sha2.js";
import { encodePointV1, featuresToBytes } from "../../../modules/datanet/point.ts";
import { Gating } from "../../../proto/gen/openledger/datanet/v1/types.ts";
import type { ContributionInput } from "../../../proto/gen/openledger/datanet/v1/tx.ts";
import { decryptPayload, encryptPayload, readKeyFile } from "../../../node/blobstore/crypto.ts";
import { blobHash } from "../../../node/blobstore/store.ts";
import { abciQuery, b64, resolveNode, rpcCall } from "../../rpc/client.ts";
import { QueryDatanetRequest, QueryDatanetResponse } from "../../../proto/gen/openledger/datanet/v1/query.ts";
import { parseAddress } from "../../util/address.ts";
import { UserError } from "../../util/errors.ts";
import type { CliIo } from "../../util/io.ts";
import { globalsOf, type KeyringFlags, openKeyring } from "../common.ts";
import type { EncodeMsg } from "./broadcast.ts";
import type { TxFlags } from "./handler.ts";
import { addTxOptions } from "./index.ts";

const T = "/openledger.datanet.v1.";
const collect = (v: string, prev: string[]) => [...prev, v];

export function parseId(v: string, what: string): bigint {
  if (!/^[0-9]{1,19}$/.test(v) || BigInt(v) === 0n) throw new UserError(`invalid ${what} "${v}": expected a positive integer`);
  return BigInt(v);
}

function parseAmount(v: string | undefined, what: string): string {
  const s = (v ?? "").replace(/uopen$/, "");
  if (!/^[0-9]{1,78}$/.test(s)) throw new UserError(`invalid ${what} "${v ?? ""}": expected an amount of uopen, e.g. 1000 or 1000uopen`);
  return s;
}

export function parseGating(v: string): Gating {
  const g = { open: Gating.GATING_OPEN, allowlist: Gating.GATING_ALLOWLIST, curated: Gating.GATING_CURATED }[v];
  if (g === undefined) throw new UserError(`invalid --gating "${v}": use open, allowlist or curated`);
  return g;
}

function int16(v: string, where: string): number {
  if (!/^-?[0-9]+$/.test(v.trim())) throw new UserError(`${where}: "${v}" is not an integer feature`);
  const n = Number(v.trim());
  if (n < -32768 || n > 32767) throw new UserError(`${where}: ${n} does not fit in int16 (quantise features first)`);
  return n;
}

function hexHash(v: string, where: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(v)) throw new UserError(`${where}: content_hash must be 64 hex characters`);
  return new Uint8Array(Buffer.from(v, "hex"));
}

export interface PointDefaults {
  stake: string;
  uri?: string | undefined;
  encrypted?: boolean;
  parents?: readonly bigint[];
}

/** one item from int16 features and a label; without a payload hash, the payload is the canonical point encoding. */
export function pointItem(features: number[], label: number, d: PointDefaults, over: { contentHash?: Uint8Array; size?: bigint; uri?: string; stake?: string; parents?: bigint[] } = {}): ContributionInput {
  const f = featuresToBytes(features);
  const enc = encodePointV1({ features: f, label });
  return {
    contentHash: over.contentHash ?? sha256(enc),
    size: over.size ?? BigInt(enc.length),
    uri: over.uri ?? d.uri ?? "",
    encrypted: d.encrypted ?? false,
    parents: over.parents ?? [...(d.parents ?? [])],
    point: { features: f, label },
    stake: over.stake ?? d.stake,
  };
}

/**
 * points CSV: a header row; a `label` column; optional `stake`, `uri`, `parents` (ids separated by ";"),
 * `content_hash` (hex sha256 of the off-chain payload) and `size` columns; every other column is an
 * int16 feature, in column order.
 */
export function parsePointsCsv(text: string, d: PointDefaults): ContributionInput[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "" && !l.startsWith("#"));
  const header = (lines.shift() ?? "").split(",").map((h) => h.trim());
  const li = header.indexOf("label");
  if (li < 0) throw new UserError("points CSV: the header has no label column");
  const special = new Set(["label", "stake", "uri", "parents", "content_hash", "size"]);
  const featureCols = header.map((h, i) => (special.has(h) ? -1 : i)).filter((i) => i >= 0);
  if (featureCols.length === 0) throw new UserError("points CSV: no feature columns");
  const col = (name: string) => header.indexOf(name);
  return lines.map((line, r) => {
    const cells = line.split(",").map((c) => c.trim());
    const where = `points CSV row ${r + 2}`;
    if (cells.length !== header.length) throw new UserError(`${where}: ${cells.length} cells, header has ${header.length}`);
    const label = Number(cells[li]);
    if (!Number.isInteger(label) || label < 0) throw new UserError(`${where}: label "${cells[li]}" is not a non-negative integer`);
    const over: Parameters<typeof pointItem>[3] = {};
    if (col("stake") >= 0 && cells[col("stake")] !== "") over.stake = parseAmount(cells[col("stake")], `${where} stake`);
    if (col("uri") >= 0 && cells[col("uri")] !== "") over.uri = cells[col("uri")] as string;
    if (col("parents") >= 0 && cells[col("parents")] !== "") over.parents = (cells[col("parents")] as string).split(";").map((p) => parseId(p.trim(), `${where} parent`));
    if (col("content_hash") >= 0 && cells[col("content_hash")] !== "") over.contentHash = hexHash(cells[col("content_hash")] as string, where);
    if (col("size") >= 0 && cells[col("size")] !== "") over.size = parseId(cells[col("size")] as string, `${where} size`);
    return pointItem(featureCols.map((i) => int16(cells[i] as string, where)), label, d, over);
  });
}

/** inline point: "f1,f2,…,fd:label". */
export function parseInlinePoint(v: string, d: PointDefaults): ContributionInput {
  const m = /^([^:]+):([0-9]+)$/.exec(v.trim());
  if (m === null) throw new UserError(`invalid --point "${v}": expected f1,f2,…:label`);
  return pointItem((m[1] as string).split(",").map((x) => int16(x, `--point "${v}"`)), Number(m[2]), d);
}

/** what the node's blob_put answers. */
export interface UploadedPayload {
  hash: string;
  size: string;
  uri: string;
}

/** uploads payload bytes to the node's blob store (JSON-RPC blob_put) and checks the hash it names. */
export async function uploadPayload(url: string, bytes: Uint8Array): Promise<UploadedPayload> {
  const r = await rpcCall<UploadedPayload>(url, "blob_put", { data: Buffer.from(bytes).toString("base64") });
  const want = blobHash(bytes);
  if (r.hash !== want) throw new UserError(`the node stored the payload under ${r.hash}, but it hashes to ${want}`);
  return r;
}

/**
 * The bytes a payload file becomes on chain and in the blob store: the file itself, or with a key file
 * its AES-256-GCM envelope for `datanetId` (the key file must name that datanet).
 */
export function payloadBytes(file: string, datanetId: bigint, keyFile?: string): { bytes: Uint8Array; encrypted: boolean } {
  let plain: Uint8Array;
  try {
    plain = new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new UserError(`cannot read ${file}: ${(e as Error).message}`);
  }
  if (plain.length === 0) throw new UserError(`${file}: the payload is empty`);
  if (keyFile === undefined) return { bytes: plain, encrypted: false };
  let k: ReturnType<typeof readKeyFile>;
  try {
    k = readKeyFile(keyFile);
  } catch (e) {
    throw new UserError(`key file ${keyFile}: ${(e as Error).message}`);
  }
  if (k.datanetId !== datanetId) throw new UserError(`key file ${keyFile} is for datanet ${k.datanetId}, not ${datanetId}`);
  const bytes = encryptPayload(k.key, datanetId, plain);
  decryptPayload(k.key, datanetId, bytes); // self-check before anything leaves this machine
  return { bytes, encrypted: true };
}

type Flags = TxFlags & KeyringFlags & { note?: string; node?: string };

/** the datanet as the node has it now (update keeps the fields not given). */
async function currentDatanet(url: string, id: bigint): Promise<{ name: string; description: string; license: string; minStake: string }> {
  const r = await abciQuery(url, "/openledger.datanet.v1.Query/Datanet", QueryDatanetRequest.encode({ id }).finish());
  if (r.code !== 0) throw new UserError(`datanet ${id}: ${r.log || `query failed (code ${r.code})`}`);
  const d = QueryDatanetResponse.decode(b64(r.value)).datanet;
  if (d === undefined) throw new UserError(`datanet ${id} not found`);
  return { name: d.name, description: d.description, license: d.license, minStake: d.minStake };
}

export function datanetTxCommand(io: CliIo): Command {
  const dn = new Command("datanet").description("datanet transactions: datasets with provenance, bonded contributions, curation, snapshots");
  const run = async (from: string, o: Flags, cmd: Command, build: (sender: string) => EncodeMsg[], summary: (sender: string) => string[]) => {
    const g = globalsOf(cmd);
    const { broadcastMsgs } = await import("./broadcast.ts");
    await broadcastMsgs({ io, output: g.output, url: resolveNode(o.node, g.home), keyring: await openKeyring(g.home, o, io) }, from, build, summary, { ...o, memo: o.memo ?? o.note });
  };

  addTxOptions(
    dn
      .command("create")
      .description("create a datanet (schema vector-label/v1: dim int16 features + a class label)")
      .argument("<from_key_or_address>", "owner key")
      .requiredOption("--name <name>", "datanet name")
      .requiredOption("--dim <n>", "number of features per point")
      .requiredOption("--classes <n>", "number of classes")
      .option("--description <text>", "description", "")
      .option("--license <spdx>", "license of the data, e.g. CC-BY-4.0", "")
      .option("--gating <mode>", "open, allowlist or curated", "open")
      .option("--curator <address>", "a curator (repeatable)", collect, [])
      .option("--allow <address>", "an allowlisted contributor (repeatable)", collect, [])
      .option("--min-stake <amount>", "stake per contribution in uopen", "0"),
  ).action(async (from: string, o: Flags & { name: string; dim: string; classes: string; description: string; license: string; gating: string; curator: string[]; allow: string[]; minStake: string }, cmd: Command) => {
    const gating = parseGating(o.gating);
    for (const a of [...o.curator, ...o.allow]) parseAddress(a, "open", "curator/allowlist address");
    const schema = { kind: "vector-label/v1", dim: Number(parseId(o.dim, "--dim")), numClasses: Number(parseId(o.classes, "--classes")) };
    const minStake = parseAmount(o.minStake, "--min-stake");
    await run(from, o, cmd, (owner) => [{ typeUrl: `${T}MsgCreateDatanet`, value: { owner, name: o.name, description: o.description, schema, license: o.license, gating, curators: o.curator, allowlist: o.allow, minStake } }], () => [`create datanet "${o.name}" (${o.gating}, dim ${schema.dim}, ${schema.numClasses} classes)`]);
  });

  addTxOptions(
    dn
      .command("update")
      .description("update a datanet's metadata (owner only): name, description, license, min stake, or hand it to a new owner; omitted fields keep their value")
      .argument("<from_key_or_address>", "owner key")
      .argument("<datanet_id>", "datanet id")
      .option("--name <name>", "new name")
      .option("--description <text>", "new description")
      .option("--license <spdx>", "new license")
      .option("--min-stake <amount>", "new stake per contribution in uopen")
      .option("--new-owner <address>", "transfer ownership"),
  ).action(async (from: string, datanetId: string, o: Flags & { name?: string; description?: string; license?: string; minStake?: string; newOwner?: string }, cmd: Command) => {
    const id = parseId(datanetId, "datanet id");
    if (o.newOwner !== undefined) parseAddress(o.newOwner, "open", "--new-owner");
    const minStake = o.minStake === undefined ? undefined : parseAmount(o.minStake, "--min-stake");
    if ([o.name, o.description, o.license, minStake, o.newOwner].every((x) => x === undefined)) throw new UserError("nothing to update: give --name, --description, --license, --min-stake or --new-owner");
    const current = o.name === undefined || o.description === undefined || o.license === undefined || minStake === undefined ? await currentDatanet(resolveNode(o.node, globalsOf(cmd).home), id) : undefined;
    const value = {
      datanetId: id,
      name: o.name ?? current?.name ?? "",
      description: o.description ?? current?.description ?? "",
      license: o.license ?? current?.license ?? "",
      minStake: minStake ?? current?.minStake ?? "0",
      newOwner: o.newOwner ?? "",
    };
    await run(from, o, cmd, (owner) => [{ typeUrl: `${T}MsgUpdateDatanet`, value: { owner, ...value } }], () => [`update datanet ${id}${o.newOwner !== undefined ? ` (new owner ${o.newOwner})` : ""}`]);
  });

  addTxOptions(
    dn
      .command("set-gating")
      .description("set who may contribute (owner only): open, allowlist or curated; replaces the curators and the allowlist")
      .argument("<from_key_or_address>", "owner key")
      .argument("<datanet_id>", "datanet id")
      .argument("<gating>", "open, allowlist or curated")
      .option("--curator <address>", "a curator (repeatable)", collect, [])
      .option("--allow <address>", "an allowlisted contributor (repeatable)", collect, []),
  ).action(async (from: string, datanetId: string, gatingArg: string, o: Flags & { curator: string[]; allow: string[] }, cmd: Command) => {
    const id = parseId(datanetId, "datanet id");
    const gating = parseGating(gatingArg);
    for (const a of [...o.curator, ...o.allow]) parseAddress(a, "open", "curator/allowlist address");
    await run(from, o, cmd, (owner) => [{ typeUrl: `${T}MsgSetGating`, value: { owner, datanetId: id, gating, curators: o.curator, allowlist: o.allow } }], () => [`set datanet ${id} gating to ${gatingArg} (${o.curator.length} curator(s), ${o.allow.length} allowlisted)`]);
  });

  addTxOptions(
    dn
      .command("contribute")
      .description("contribute points with bonded stake: from a CSV file (header with a label column; see --help) or inline --point values")
      .argument("<from_key_or_address>", "contributor key")
      .argument("<datanet_id>", "datanet id")
      .argument("[file]", "FILE: a points CSV (*.csv, same as --file) or else the payload to upload (same as --payload)")
      .option("--file <points.csv>", "CSV: label column, optional stake/uri/parents/content_hash/size columns, every other column an int16 feature")
      .option("--point <f1,f2,…:label>", "an inline point (repeatable)", collect, [])
      .option("--stake <amount>", "stake per point in uopen (default: a CSV stake column, else 1000)", "1000")
      .option("--uri <uri>", "off-chain location of the payload", "")
      .option("--encrypted", "the off-chain payload is encrypted", false)
      .option("--parent <contribution_id>", "a lineage parent (repeatable)", collect, [])
      .option("--payload <file>", "the point's off-chain payload: uploaded to the node's blob store first; its sha256, size and blob://<sha256> location go on chain (exactly one point)")
      .option("--encrypt", "encrypt the payload (AES-256-GCM, datanet id as associated data) before upload; needs --key-file. The chain records the hash of the ciphertext and never sees the key", false)
      .option("--key-file <file>", "the datanet's key file (held by its curators)"),
  ).action(async (from: string, datanetId: string, file: string | undefined, o: Flags & { file?: string; point: string[]; stake: string; uri: string; encrypted: boolean; parent: string[]; payload?: string; encrypt: boolean; keyFile?: string }, cmd: Command) => {
    const id = parseId(datanetId, "datanet id");
    if (file !== undefined) {
      const asCsv = file.toLowerCase().endsWith(".csv");
      if (asCsv ? o.file !== undefined : o.payload !== undefined) throw new UserError(`give ${file} either as the FILE argument or as ${asCsv ? "--file" : "--payload"}, not both`);
      if (asCsv) o.file = file;
      else o.payload = file;
    }
    const d: PointDefaults = { stake: parseAmount(o.stake, "--stake"), uri: o.uri, encrypted: o.encrypted, parents: o.parent.map((p) => parseId(p, "--parent")) };
    const items: ContributionInput[] = [];
    if (o.file !== undefined) {
      let text: string;
      try {
        text = readFileSync(o.file, "utf8");
      } catch (e) {
        throw new UserError(`cannot read ${o.file}: ${(e as Error).message}`);
      }
      items.push(...parsePointsCsv(text, d));
    }
    for (const p of o.point) items.push(parseInlinePoint(p, d));
    if (items.length === 0) throw new UserError("nothing to contribute: give --file points.csv or --point f1,f2,…:label");
    if (o.payload === undefined && (o.encrypt || o.keyFile !== undefined)) throw new UserError("--encrypt and --key-file go with --payload FILE");
    if (o.payload !== undefined) {
      if (items.length !== 1) throw new UserError(`--payload describes one point; got ${items.length}`);
      if (o.encrypt !== (o.keyFile !== undefined)) throw new UserError("--encrypt needs --key-file, and --key-file needs --encrypt");
      const p = payloadBytes(o.payload, id, o.encrypt ? o.keyFile : undefined);
      const up = await uploadPayload(resolveNode(o.node, globalsOf(cmd).home), p.bytes);
      items[0] = { ...(items[0] as ContributionInput), contentHash: new Uint8Array(Buffer.from(up.hash, "hex")), size: BigInt(p.bytes.length), uri: up.uri, encrypted: p.encrypted };
    }
    const total = items.reduce((s, it) => s + BigInt(it.stake), 0n);
    await run(from, o, cmd, (contributor) => [{ typeUrl: `${T}MsgContribute`, value: { contributor, datanetId: id, items } }], () => [`contribute ${items.length} point(s) to datanet ${id}`, `stake: ${total}uopen`]);
  });

  addTxOptions(
    dn
      .command("review")
      .description("approve or reject a pending contribution (curators and the owner)")
      .argument("<from_key_or_address>", "curator key")
      .argument("<contribution_id>", "contribution id")
      .argument("<decision>", "approve or reject")
      .option("--reason <text>", "reason", ""),
  ).action(async (from: string, cid: string, decision: string, o: Flags & { reason: string }, cmd: Command) => {
    if (decision !== "approve" && decision !== "reject") throw new UserError(`invalid decision "${decision}": use approve or reject`);
    const id = parseId(cid, "contribution id");
    await run(from, o, cmd, (curator) => [{ typeUrl: `${T}MsgReviewContribution`, value: { curator, contributionId: id, approve: decision === "approve", reason: o.reason } }], () => [`${decision} contribution ${id}`]);
  });

  addTxOptions(
    dn
      .command("challenge")
      .description("challenge a contribution within its challenge window (escrows the challenge bond)")
      .argument("<from_key_or_address>", "challenger key")
      .argument("<contribution_id>", "contribution id")
      .option("--reason <text>", "reason", ""),
  ).action(async (from: string, cid: string, o: Flags & { reason: string }, cmd: Command) => {
    const id = parseId(cid, "contribution id");
    await run(from, o, cmd, (challenger) => [{ typeUrl: `${T}MsgChallengeContribution`, value: { challenger, contributionId: id, reason: o.reason } }], () => [`challenge contribution ${id}`]);
  });

  addTxOptions(
    dn
      .command("resolve")
      .description("resolve a challenge (a curator or the owner of the datanet; the gov authority through a proposal)")
      .argument("<from_key_or_address>", "curator key")
      .argument("<challenge_id>", "challenge id")
      .argument("<decision>", "uphold (slash) or dismiss")
      .option("--reason <text>", "reason", ""),
  ).action(async (from: string, chid: string, decision: string, o: Flags & { reason: string }, cmd: Command) => {
    if (decision !== "uphold" && decision !== "dismiss") throw new UserError(`invalid decision "${decision}": use uphold or dismiss`);
    const id = parseId(chid, "challenge id");
    await run(from, o, cmd, (authority) => [{ typeUrl: `${T}MsgResolveChallenge`, value: { authority, challengeId: id, uphold: decision === "uphold", reason: o.reason } }], () => [`${decision} challenge ${id}`]);
  });

  addTxOptions(
    dn
      .command("withdraw-stake")
      .description("withdraw the stake of accepted contributions whose challenge window has passed")
      .argument("<from_key_or_address>", "contributor key")
      .argument("<contribution_ids...>", "contribution ids"),
  ).action(async (from: string, ids: string[], o: Flags, cmd: Command) => {
    const list = ids.map((i) => parseId(i, "contribution id"));
    await run(from, o, cmd, (contributor) => [{ typeUrl: `${T}MsgWithdrawStake`, value: { contributor, contributionIds: list } }], () => [`withdraw stake of contribution(s) ${list.join(", ")}`]);
  });

  addTxOptions(
    dn
      .command("snapshot")
      .description("snapshot the accepted contributions: a versioned Merkle root that models bind to")
      .argument("<from_key_or_address>", "owner or curator key")
      .argument("<datanet_id>", "datanet id"),
  ).action(async (from: string, datanetId: string, o: Flags, cmd: Command) => {
    const id = parseId(datanetId, "datanet id");
    await run(from, o, cmd, (creator) => [{ typeUrl: `${T}MsgSnapshot`, value: { creator, datanetId: id } }], () => [`snapshot datanet ${id}`]);
  });
  return dn;
}
