/** Queries through the node's CometBFT JSON-RPC: bank balances, auth account, tx, block, status. */
import { decodeTxRaw } from "@cosmjs/proto-signing";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import {
  QueryAllBalancesRequest,
  QueryAllBalancesResponse,
  QueryBalanceRequest,
  QueryBalanceResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { loadApp } from "../../app.ts";
import { abciQuery, b64, RpcError, rpcCall } from "../../rpc/client.ts";
import { parseAddress } from "../../util/address.ts";
import { UserError } from "../../util/errors.ts";
import { type CliIo, emit, type OutputFormat, toJson } from "../../util/io.ts";
import { type ProofResult, proveStoreEntry } from "./prove.ts";

export interface QueryCtx {
  io: CliIo;
  output: OutputFormat;
  url: string;
}

export function parseHeight(v: string | undefined): bigint | undefined {
  if (v === undefined) return undefined;
  if (!/^[0-9]+$/.test(v) || BigInt(v) === 0n) throw new UserError(`invalid --height "${v}": expected a positive integer`);
  return BigInt(v);
}

const proofText = (p: ProofResult) => `${p.message} (${p.kind} proof for state at height ${p.height})`;

export async function queryBalances(c: QueryCtx, address: string, o: { denom?: string | undefined; height?: string | undefined; prove: boolean }): Promise<void> {
  const addrBytes = parseAddress(address);
  let height = parseHeight(o.height);
  let balances: { denom: string; amount: string }[];
  let atHeight: string;
  if (o.denom !== undefined) {
    const r = await abciQuery(c.url, "/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address, denom: o.denom }).finish(), { height });
    const coin = QueryBalanceResponse.decode(b64(r.value)).balance ?? { denom: o.denom, amount: "0" };
    balances = [{ denom: coin.denom, amount: coin.amount }];
    atHeight = r.height;
  } else {
    const r = await abciQuery(c.url, "/cosmos.bank.v1beta1.Query/AllBalances", QueryAllBalancesRequest.encode({ address, resolveDenom: false }).finish(), { height });
    balances = QueryAllBalancesResponse.decode(b64(r.value)).balances.map((x) => ({ denom: x.denom, amount: x.amount }));
    atHeight = r.height;
  }
  const proofs: ProofResult[] = [];
  if (o.prove) {
    height = BigInt(atHeight);
    const app = await loadApp();
    const denoms = o.denom !== undefined ? [o.denom] : balances.map((b) => b.denom);
    if (denoms.length === 0) throw new UserError("--prove needs --denom when the account holds no coins (proves the balance is absent)");
    for (const d of denoms) proofs.push(await proveStoreEntry(c.url, "bank", app.bankBalanceStoreKey(addrBytes, d), height));
  }
  const json: Record<string, unknown> = { balances, pagination: { next_key: null, total: String(balances.length) }, height: atHeight };
  if (o.prove) json.proofs = proofs;
  emit(c.io, c.output, json, () => {
    const lines = [`balances (height ${atHeight}):`];
    if (balances.length === 0) lines.push("  (none)");
    for (const b of balances) lines.push(`  - amount: "${b.amount}"\n    denom: ${b.denom}`);
    for (const p of proofs) lines.push(proofText(p));
    return lines.join("\n");
  });
}

function pubkeyJson(a: Any | undefined): unknown {
  if (a === undefined) return null;
  if (a.typeUrl === "/cosmos.crypto.secp256k1.PubKey") return { "@type": a.typeUrl, key: Buffer.from(Secp256k1PubKey.decode(a.value).key).toString("base64") };
  return { "@type": a.typeUrl, value: Buffer.from(a.value).toString("base64") };
}

export function accountJson(any: Any): Record<string, unknown> {
  if (any.typeUrl === "/cosmos.auth.v1beta1.BaseAccount") {
    const a = BaseAccount.decode(any.value);
    return { "@type": any.typeUrl, address: a.address, pub_key: pubkeyJson(a.pubKey), account_number: a.accountNumber.toString(), sequence: a.sequence.toString() };
  }
  return { "@type": any.typeUrl, value: Buffer.from(any.value).toString("base64") };
}

export async function queryAccount(c: QueryCtx, address: string, o: { height?: string | undefined; prove: boolean }): Promise<void> {
  const addrBytes = parseAddress(address);
  const height = parseHeight(o.height);
  let r: Awaited<ReturnType<typeof abciQuery>> | undefined;
  try {
    r = await abciQuery(c.url, "/cosmos.auth.v1beta1.Query/Account", QueryAccountRequest.encode({ address }).finish(), { height });
  } catch (e) {
    if (!(e instanceof UserError && /not ?found/i.test(e.message))) throw e;
  }
  const any = r?.value ? QueryAccountResponse.decode(b64(r.value)).account : undefined;
  let proof: ProofResult | undefined;
  if (o.prove) {
    const app = await loadApp();
    proof = await proveStoreEntry(c.url, "auth", app.authAccountStoreKey(addrBytes), r !== undefined ? BigInt(r.height) : height);
  }
  if (any === undefined) {
    if (proof !== undefined) {
      emit(c.io, c.output, { account: null, proof }, `account ${address} does not exist\n${proofText(proof)}`);
      return;
    }
    throw new UserError(`account ${address} not found`);
  }
  const acc = accountJson(any);
  const json: Record<string, unknown> = { account: acc, height: r?.height ?? "0" };
  if (proof !== undefined) json.proof = proof;
  emit(c.io, c.output, json, () => {
    const lines = Object.entries(acc).map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
    if (proof !== undefined) lines.push(proofText(proof));
    return lines.join("\n");
  });
}

interface RpcTx {
  hash: string;
  height: string;
  index: number;
  tx: string;
  tx_result: { code?: number; codespace?: string; log?: string; info?: string; data?: string | null; gas_wanted?: string; gas_used?: string; events?: unknown[] };
}

function decodeMessages(txBytes: Uint8Array): { messages: unknown[]; memo: string; fee: unknown } | null {
  try {
    const t = decodeTxRaw(txBytes);
    const messages = t.body.messages.map((m) => {
      if (m.typeUrl === "/cosmos.bank.v1beta1.MsgSend") {
        const s = MsgSend.decode(m.value);
        return { "@type": m.typeUrl, from_address: s.fromAddress, to_address: s.toAddress, amount: s.amount };
      }
      return { "@type": m.typeUrl, value: Buffer.from(m.value).toString("base64") };
    });
    const fee = t.authInfo.fee
      ? { amount: t.authInfo.fee.amount, gas_limit: t.authInfo.fee.gasLimit.toString(), payer: t.authInfo.fee.payer, granter: t.authInfo.fee.granter }
      : null;
    return { messages, memo: t.body.memo, fee };
  } catch {
    return null;
  }
}

/** A Cosmos TxResponse-like JSON object for an indexed tx. */
export function txResponse(t: RpcTx, timestamp: string): Record<string, unknown> {
  const r = t.tx_result;
  return {
    height: t.height,
    txhash: t.hash.toUpperCase(),
    codespace: r.codespace ?? "",
    code: r.code ?? 0,
    data: r.data ? Buffer.from(r.data, "base64").toString("hex").toUpperCase() : "",
    raw_log: r.log ?? "",
    info: r.info ?? "",
    gas_wanted: r.gas_wanted ?? "0",
    gas_used: r.gas_used ?? "0",
    tx: decodeMessages(b64(t.tx)),
    timestamp,
    events: r.events ?? [],
  };
}

export async function fetchTx(url: string, hash: string): Promise<RpcTx | null> {
  const r = await rpcCall<{ txs: RpcTx[]; total_count: string }>(url, "tx_search", { query: `tx.hash='${hash.toUpperCase()}'`, page: "1" });
  return r.txs[0] ?? null;
}

async function blockTime(url: string, height: string): Promise<string> {
  try {
    const b = await rpcCall<{ block: { header: { time: string } } }>(url, "block", { height });
    return b.block.header.time;
  } catch {
    return "";
  }
}

export function txText(r: Record<string, unknown>): string {
  const lines = [`txhash: ${String(r.txhash)}`, `height: ${String(r.height)}`, `code: ${String(r.code)}`];
  if (r.codespace) lines.push(`codespace: ${String(r.codespace)}`);
  if (r.raw_log) lines.push(`raw_log: ${String(r.raw_log)}`);
  lines.push(`gas_wanted: ${String(r.gas_wanted)}`, `gas_used: ${String(r.gas_used)}`);
  if (r.timestamp) lines.push(`timestamp: ${String(r.timestamp)}`);
  if (r.tx) lines.push(`tx: ${toJson(r.tx, 0)}`);
  return lines.join("\n");
}

export async function queryTx(c: QueryCtx, hash: string): Promise<void> {
  if (!/^[0-9a-fA-F]{64}$/.test(hash)) throw new UserError(`invalid tx hash "${hash}": expected 64 hex characters`);
  const t = await fetchTx(c.url, hash);
  if (t === null) throw new UserError(`tx ${hash.toUpperCase()} not found`);
  const r = txResponse(t, await blockTime(c.url, t.height));
  emit(c.io, c.output, r, () => txText(r));
}

export async function queryBlock(c: QueryCtx, heightArg: string | undefined): Promise<void> {
  const h = parseHeight(heightArg);
  let b: {
    block_id: { hash: string };
    block: { header: Record<string, string> & { last_block_id?: { hash?: string } }; data: { txs: string[] | null } };
  };
  try {
    b = await rpcCall(c.url, "block", h === undefined ? {} : { height: h.toString() });
  } catch (e) {
    if (e instanceof RpcError) throw new UserError(`block ${h ?? "latest"}: ${e.message}`);
    throw e;
  }
  const hd = b.block.header;
  emit(c.io, c.output, b, () =>
    [
      `height: ${hd.height}`,
      `hash: ${b.block_id.hash}`,
      `time: ${hd.time}`,
      `chain_id: ${hd.chain_id}`,
      `proposer: ${hd.proposer_address}`,
      `num_txs: ${(b.block.data.txs ?? []).length}`,
      `app_hash: ${hd.app_hash}`,
      `last_block_hash: ${b.block.header.last_block_id?.hash ?? ""}`,
    ].join("\n"),
  );
}

export async function queryStatus(c: QueryCtx): Promise<void> {
  const s = await rpcCall<{
    node_info: { network: string; moniker: string; id: string; version: string };
    sync_info: { latest_block_height: string; latest_block_hash: string; latest_app_hash: string; latest_block_time: string; catching_up: boolean };
    validator_info: { address: string; voting_power: string };
  }>(c.url, "status");
  emit(c.io, c.output, s, () =>
    [
      `chain_id: ${s.node_info.network}`,
      `moniker: ${s.node_info.moniker}`,
      `node_id: ${s.node_info.id}`,
      `latest_block_height: ${s.sync_info.latest_block_height}`,
      `latest_block_hash: ${s.sync_info.latest_block_hash}`,
      `latest_app_hash: ${s.sync_info.latest_app_hash}`,
      `latest_block_time: ${s.sync_info.latest_block_time}`,
      `catching_up: ${s.sync_info.catching_up}`,
      `validator: ${s.validator_info.address} (power ${s.validator_info.voting_power})`,
      `rpc: ${c.url}`,
    ].join("\n"),
  );
}
