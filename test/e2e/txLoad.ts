/**
 * Signed-tx load for the multi-node e2e, soak and localnet bench: bank sends from deterministic secp256k1
 * accounts (funded in genesis), signed here with SIGN_MODE_DIRECT exactly as a wallet would, and sent
 * with `broadcast_tx_sync` (or `broadcast_tx_commit`) to whichever nodes are up.
 *
 * Every account sends in sequence order through one node at a time (its "home" node, i mod n among the
 * nodes that are up), one tx in flight: a tx is *acknowledged* when the node answered code 0 (CheckTx
 * passed; for commit mode, committed). Network errors (node down) retry the same bytes elsewhere;
 * "sequence mismatch" (the previous tx of the account has not reached that node yet) retries later. The
 * acknowledged hashes are what the after-fault checks (bftNet.checkAfter) require on every node.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Agent, request } from "node:http";
import { bech32 } from "@scure/base";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, SignDoc, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { GenesisAccount } from "./harness.ts";

const require = createRequire(import.meta.url);

interface Secp {
  ecdsaSign(msg: Uint8Array, key: Uint8Array): { signature: Uint8Array };
  publicKeyCreate(key: Uint8Array, compressed?: boolean): Uint8Array;
}
let secpLib: Secp | undefined;
function secp(): Secp {
  secpLib ??= require("secp256k1") as Secp;
  return secpLib;
}

const sha256 = (b: Uint8Array) => new Uint8Array(createHash("sha256").update(b).digest());
const ripemd160 = (b: Uint8Array) => new Uint8Array(createHash("ripemd160").update(b).digest());
export const txHashHex = (b: Uint8Array) => Buffer.from(sha256(b)).toString("hex").toUpperCase();

export interface LoadAccount {
  key: Uint8Array;
  pub: Uint8Array;
  address: string;
  accountNumber: bigint;
  /** next sequence to sign. */
  seq: bigint;
}

/** n deterministic accounts (keys = sha256(`${tag}-${i}`)). */
export function makeAccounts(tag: string, n: number): LoadAccount[] {
  return Array.from({ length: n }, (_, i) => {
    const key = sha256(new TextEncoder().encode(`${tag}-${i}`));
    const pub = secp().publicKeyCreate(key, true);
    return { key, pub, address: bech32.encode("open", bech32.toWords(ripemd160(sha256(pub)))), accountNumber: -1n, seq: 0n };
  });
}

export function genesisAccounts(accts: LoadAccount[], amount = "1000000000000"): GenesisAccount[] {
  return accts.map((a) => ({ address: a.address, coins: [{ denom: "uopen", amount }] }));
}

/** fills in the account numbers from a genesis.json. */
export function setAccountNumbers(accts: LoadAccount[], genesisFile: string): void {
  const g = JSON.parse(readFileSync(genesisFile, "utf8"));
  const nums = new Map<string, string>();
  for (const a of g.app_state.auth.accounts) nums.set(a.address, a.account_number);
  for (const a of accts) {
    const n = nums.get(a.address);
    if (n === undefined) throw new Error(`account ${a.address} is not in ${genesisFile}`);
    a.accountNumber = BigInt(n);
  }
}

export interface SignedTx {
  bytes: Uint8Array;
  b64: string;
  hash: string;
}

/** a signed MsgSend of `amount` uopen from `from` (sequence `seq`) to `to`. */
export function signSend(chainId: string, from: LoadAccount, seq: bigint, to: string, amount = 1): SignedTx {
  const body = TxBody.encode(TxBody.fromPartial({
    messages: [{ typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: MsgSend.encode({ fromAddress: from.address, toAddress: to, amount: [{ denom: "uopen", amount: String(amount) }] }).finish() }],
    memo: "",
  })).finish();
  const authInfo = AuthInfo.encode(AuthInfo.fromPartial({
    signerInfos: [{
      publicKey: { typeUrl: "/cosmos.crypto.secp256k1.PubKey", value: PubKey.encode({ key: from.pub }).finish() },
      modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } },
      sequence: seq,
    }],
    fee: { amount: [{ denom: "uopen", amount: "500" }], gasLimit: 200000n },
  })).finish();
  const signDoc = SignDoc.encode({ bodyBytes: body, authInfoBytes: authInfo, chainId, accountNumber: from.accountNumber }).finish();
  const sig = secp().ecdsaSign(sha256(signDoc), from.key).signature;
  const bytes = TxRaw.encode({ bodyBytes: body, authInfoBytes: authInfo, signatures: [sig] }).finish();
  return { bytes, b64: Buffer.from(bytes).toString("base64"), hash: txHashHex(bytes) };
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** one JSON-RPC POST; rejects on a network error or timeout. */
export function postJson(url: string, body: string, timeoutMs = 30_000): Promise<any> {
  const u = new URL(url);
  return new Promise((res, rej) => {
    const req = request({ host: u.hostname, port: u.port, path: "/", method: "POST", agent, headers: { "content-type": "application/json" }, timeout: timeoutMs }, (r) => {
      let b = "";
      r.setEncoding("utf8");
      r.on("data", (d) => (b += d));
      r.on("end", () => {
        try {
          res(JSON.parse(b));
        } catch (e) {
          rej(e);
        }
      });
      r.on("error", rej);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", rej);
    req.end(body);
  });
}

export interface Ack {
  hash: string;
  /** the node (RPC url) that acknowledged it. */
  node: string;
  mode: "sync" | "commit";
  /** Date.now() of the answer. */
  at: number;
  /** performance.now() when first sent / when acknowledged. */
  sentPerf: number;
  ackPerf: number;
}

export interface LoadOptions {
  chainId: string;
  accounts: LoadAccount[];
  /** the RPC urls of the nodes currently up (asked before every attempt). */
  targets: () => string[];
  /** pause after each acknowledged tx of an account (ms; default 200). */
  pauseMs?: number;
  /** accounts [0, commitAccounts) use broadcast_tx_commit (default 0). */
  commitAccounts?: number;
  /** called for every acknowledged tx. */
  onAck?: (a: Ack) => void;
}

const SEQUENCE_MISMATCH = 32; // sdk ErrWrongSequence
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class TxLoad {
  readonly acked: Ack[] = [];
  /** txs sent but never answered OK whose sequence the chain moved past (timed out, then committed). */
  readonly indeterminate: string[] = [];
  readonly stats = { attempts: 0, acked: 0, netErrors: 0, sequenceRetries: 0, otherRejects: 0, resent: 0, firstReject: "" };
  /**
   * set while every node was restarted: an account whose acknowledged-but-uncommitted txs vanished with
   * the mempools re-sends them (same bytes) instead of stalling; otherwise such a loss stalls the
   * account and the checks report the missing txs.
   */
  allowResend = false;
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly o: LoadOptions;

  constructor(o: LoadOptions) {
    this.o = o;
  }

  start(): void {
    this.running = true;
    this.loops = this.o.accounts.map((a, i) => this.loop(a, i));
  }

  /** stops after the txs in flight are answered (or given up). */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(acct: LoadAccount, i: number): Promise<void> {
    const o = this.o;
    const to = o.accounts[(i + 1) % o.accounts.length]!.address;
    const mode = i < (o.commitAccounts ?? 0) ? "commit" : "sync";
    let tx: SignedTx | undefined;
    let sentPerf = 0;
    let tries = 0;
    let homeShift = 0;
    while (this.running) {
      const targets = o.targets();
      if (targets.length === 0) {
        await sleep(200);
        continue;
      }
      if (tx === undefined) {
        tx = signSend(o.chainId, acct, acct.seq, to);
        sentPerf = performance.now();
        tries = 0;
      }
      const url = targets[(i + homeShift) % targets.length]!;
      this.stats.attempts++;
      tries++;
      let ans: any;
      try {
        ans = await postJson(url, JSON.stringify({ jsonrpc: "2.0", id: 1, method: mode === "commit" ? "broadcast_tx_commit" : "broadcast_tx_sync", params: { tx: tx.b64 } }), mode === "commit" ? 60_000 : 15_000);
      } catch {
        this.stats.netErrors++;
        homeShift++;
        await sleep(200);
        continue;
      }
      const r = ans.result;
      const code = mode === "commit" ? (r?.check_tx?.code ?? -1) : (r?.code ?? -1);
      const committedOk = mode === "commit" ? r?.tx_result?.code === 0 && Number(r?.height) > 0 : true;
      const text = JSON.stringify(ans.error ?? r?.check_tx?.log ?? r?.log ?? "");
      if (ans.error === undefined && code === 0 && committedOk) {
        const a: Ack = { hash: tx.hash, node: url, mode, at: Date.now(), sentPerf, ackPerf: performance.now() };
        this.acked.push(a);
        this.stats.acked++;
        o.onAck?.(a);
        acct.seq++;
        tx = undefined;
        await sleep(o.pauseMs ?? 200);
      } else if (/already exists in cache|tx already in/i.test(text) && tries > 1) {
        // an earlier attempt of these bytes reached this node's mempool: acknowledged by it then
        const a: Ack = { hash: tx.hash, node: url, mode: "sync", at: Date.now(), sentPerf, ackPerf: performance.now() };
        this.acked.push(a);
        this.stats.acked++;
        o.onAck?.(a);
        acct.seq++;
        tx = undefined;
      } else if (code === SEQUENCE_MISMATCH || /sequence mismatch|already exists in cache/i.test(text)) {
        const m = /expected (\d+), got (\d+)/.exec(text);
        if (m !== null && BigInt(m[1]!) < acct.seq && this.allowResend) {
          // the chain expects an earlier sequence: acknowledged txs of this account were lost from every
          // mempool (all nodes restarted: mempools are not persisted, as in CometBFT). A wallet re-sends
          // them; RFC 6979 signing gives the same bytes, so the same hashes stay required.
          this.stats.resent += Number(acct.seq - BigInt(m[1]!));
          acct.seq = BigInt(m[1]!);
          tx = undefined;
          continue;
        }
        if (m !== null && BigInt(m[1]!) > acct.seq) {
          // an attempt that timed out (e.g. to a paused node) went through after all: indeterminate
          // (Jepsen "info"), not acknowledged; go on from the sequence the chain expects
          this.indeterminate.push(tx.hash);
          acct.seq = BigInt(m[1]!);
          tx = undefined;
          continue;
        }
        // the account's previous tx has not reached this node yet (or is still in its cache): later
        this.stats.sequenceRetries++;
        await sleep(300);
      } else {
        this.stats.otherRejects++;
        if (this.stats.firstReject === "") this.stats.firstReject = JSON.stringify(ans).slice(0, 300);
        homeShift++;
        await sleep(500);
      }
    }
  }
}
