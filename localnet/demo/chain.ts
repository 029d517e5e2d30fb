/**
 * The demo's in-process chain: the real state machine (modules/app.ts, every module, the runtime) over
 * an in-memory store, driven block by block (FinalizeBlock → Commit → every invariant, the supply
 * invariant included), with txs signed SIGN_MODE_DIRECT exactly as CosmJS signs them. Paid inferences
 * enter through the app's paid-inference source (escrow → PoA receipt → treasury split in EndBlock),
 * the path compute takes for an accepted job.
 */
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import type { AbciEvent as Event, ExecTxResult, FinalizeBlockResponse } from "../../modules/core/abci.ts";
import { accAddressToString } from "../../modules/core/address.ts";
import { utf8 } from "../../modules/core/bytes.ts";
import { addressFromSecp256k1, sha256 } from "../../modules/core/hash.ts";
import { MemoryBackend } from "../../modules/core/store/memory.ts";
import { signDocBytes } from "../../modules/core/tx.ts";
import { createOpenLedgerApp, defaultAppGenesis } from "../../modules/app.ts";
import type { PaidInference } from "../../modules/treasury/index.ts";
import type { RuntimeApplication } from "../../modules/runtime/index.ts";

export interface Actor {
  name: string;
  priv: Uint8Array;
  pub: Uint8Array;
  address: string;
  accountNumber: bigint;
  seq: bigint;
}

export function actor(name: string, accountNumber: number): Actor {
  const priv = sha256(utf8(`openledger-demo/${name}`));
  const pub = secp256k1.getPublicKey(priv, true);
  return { name, priv, pub, address: accAddressToString(addressFromSecp256k1(pub)), accountNumber: BigInt(accountNumber), seq: 0n };
}

export interface DemoChain {
  app: RuntimeApplication;
  chainId: string;
  height: bigint;
  /** every event of every block (mint / burn accounting). */
  events: Event[];
  paid: PaidInference[];
  block(txs: Uint8Array[]): Promise<FinalizeBlockResponse>;
  /** the last block's FinalizeBlock and Commit times (ms). */
  lastTiming: { finalizeMs: number; commitMs: number };
  /** a signed tx (not run): for blocks of several txs. */
  signTx(a: Actor, msgs: Any[]): Uint8Array;
  /** signs msgs as `a`, runs them in one block, throws unless they succeed. */
  tx(a: Actor, msgs: Any[]): Promise<ExecTxResult>;
  query<R>(path: string, req: Uint8Array, decode: (b: Uint8Array) => R): Promise<R>;
}

export interface DemoChainOptions {
  epochBlocks: number;
  funds: string;
  /** run every invariant after each block (default true; the bench turns it off while it times blocks). */
  checkInvariants?: boolean;
  /** the app's KV backend (default: in memory; the bench uses LevelDB, as a node does). */
  backend?: import("../../modules/core/store/types.ts").KvBackend;
  /** edits the app_state before InitChain. */
  editGenesis?: (g: Record<string, any>) => void;
}

export async function createDemoChain(actors: Actor[], o: DemoChainOptions): Promise<DemoChain> {
  const chainId = "openledger-demo-1";
  const paid: PaidInference[] = [];
  const app = await createOpenLedgerApp({
    backend: o.backend ?? new MemoryBackend(),
    paidInferenceSource: {
      take() {
        return paid.splice(0, paid.length);
      },
    },
  });
  const g = defaultAppGenesis() as Record<string, any>;
  g.auth.accounts = actors.map((a) => ({ "@type": "/cosmos.auth.v1beta1.BaseAccount", address: a.address, pub_key: null, account_number: String(a.accountNumber), sequence: "0" }));
  g.bank.balances = actors.map((a) => ({ address: a.address, coins: [{ denom: "uopen", amount: o.funds }] }));
  g.runtime.epoch_blocks = String(o.epochBlocks);
  o.editGenesis?.(g);
  await app.initChain({ time: { seconds: 1_800_000_000n, nanos: 0 }, chainId, consensusParams: { block: { maxBytes: 4194304n, maxGas: -1n }, evidence: { maxAgeNumBlocks: 100000n, maxAgeDurationNs: 172800000000000n, maxBytes: 1048576n }, validator: { pubKeyTypes: ["ed25519"] }, version: { app: 1n }, abci: { voteExtensionsEnableHeight: 0n } }, validators: [], appStateBytes: utf8(JSON.stringify(g)), initialHeight: 1n });
  const c: DemoChain = {
    app,
    chainId,
    height: 0n,
    events: [],
    paid,
    lastTiming: { finalizeMs: 0, commitMs: 0 },
    async block(txs) {
      const h = c.height + 1n;
      const t0 = performance.now();
      const res = await app.finalizeBlock({ txs, misbehavior: [], height: h, time: { seconds: 1_800_000_000n + h, nanos: 0 }, nextValidatorsHash: new Uint8Array(32), proposerAddress: new Uint8Array(20), decidedLastCommit: { round: 0, votes: [] }, hash: sha256(utf8(`demo-block/${h}`)) });
      const t1 = performance.now();
      await app.commit();
      c.lastTiming = { finalizeMs: t1 - t0, commitMs: performance.now() - t1 };
      if (o.checkInvariants !== false) await app.checkInvariants(); // supply = Σ balances, escrows, vesting: after every block
      c.height = h;
      c.events.push(...res.events, ...res.txResults.flatMap((t) => (t.code === 0 ? t.events : [])));
      return res;
    },
    async tx(a, msgs) {
      const res = await c.block([c.signTx(a, msgs)]);
      const r = res.txResults[0] as ExecTxResult;
      if (r.code !== 0) throw new Error(`${a.name}: ${msgs.map((m) => m.typeUrl).join(",")} failed: ${r.codespace}:${r.code} ${r.log}`);
      return r;
    },
    signTx(a, msgs) {
      const bodyBytes = TxBody.encode(TxBody.fromPartial({ messages: msgs, memo: "" })).finish();
      const authInfoBytes = AuthInfo.encode(
        AuthInfo.fromPartial({
          signerInfos: [{ publicKey: { typeUrl: "/cosmos.crypto.secp256k1.PubKey", value: PubKey.encode({ key: a.pub }).finish() }, modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } }, sequence: a.seq }],
          fee: { amount: [{ denom: "uopen", amount: "125000" }], gasLimit: 50_000_000n, payer: "", granter: "" },
        }),
      ).finish();
      const sig = secp256k1.sign(sha256(signDocBytes(bodyBytes, authInfoBytes, chainId, a.accountNumber)), a.priv, { prehash: false, lowS: true, format: "compact" });
      a.seq++;
      return TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [sig] }).finish();
    },
    async query(path, req, decode) {
      const r = await app.query({ path, data: req, height: 0n, prove: false });
      if (r.code !== 0) throw new Error(`${path}: ${r.codespace}:${r.code} ${r.log}`);
      return decode(r.value);
    },
  };
  return c;
}
