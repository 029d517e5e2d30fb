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
  /** signs msgs as `a`, runs them in one block, throws unless they succeed. */
  tx(a: Actor, msgs: Any[]): Promise<ExecTxResult>;
  query<R>(path: string, req: Uint8Array, decode: (b: Uint8Array) => R): Promise<R>;
}

export async function createDemoChain(actors: Actor[], o: { epochBlocks: number; funds: string }): Promise<DemoChain> {
  const chainId = "openledger-demo-1";
  const paid: PaidInference[] = [];
  const app = await createOpenLedgerApp({
    backend: new MemoryBackend(),
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
  await app.initChain({ time: { seconds: 1_800_000_000n, nanos: 0 }, chainId, consensusParams: { block: { maxBytes: 4194304n, maxGas: -1n }, evidence: { maxAgeNumBlocks: 100000n, maxAgeDurationNs: 172800000000000n, maxBytes: 1048576n }, validator: { pubKeyTypes: ["ed25519"] }, version: { app: 1n }, abci: { voteExtensionsEnableHeight: 0n } }, validators: [], appStateBytes: utf8(JSON.stringify(g)), initialHeight: 1n });
  const c: DemoChain = {
    app,
    chainId,
    height: 0n,
    events: [],
    paid,
    async block(txs) {
      const h = c.height + 1n;
      const res = await app.finalizeBlock({ txs, misbehavior: [], height: h, time: { seconds: 1_800_000_000n + h, nanos: 0 }, nextValidatorsHash: new Uint8Array(32), proposerAddress: new Uint8Array(20), decidedLastCommit: { round: 0, votes: [] }, hash: sha256(utf8(`demo-block/${h}`)) });
      await app.commit();
      await app.checkInvariants(); // supply = Σ balances, escrows, vesting: after every block
      c.height = h;
      c.events.push(...res.events, ...res.txResults.flatMap((t) => (t.code === 0 ? t.events : [])));
      return res;
    },
    async tx(a, msgs) {
      const bodyBytes = TxBody.encode(TxBody.fromPartial({ messages: msgs, memo: "" })).finish();
      const authInfoBytes = AuthInfo.encode(
        AuthInfo.fromPartial({
          signerInfos: [{ publicKey: { typeUrl: "/cosmos.crypto.secp256k1.PubKey", value: PubKey.encode({ key: a.pub }).finish() }, modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } }, sequence: a.seq }],
          fee: { amount: [{ denom: "uopen", amount: "25000" }], gasLimit: 10_000_000n, payer: "", granter: "" },
        }),
      ).finish();
      const sig = secp256k1.sign(sha256(signDocBytes(bodyBytes, authInfoBytes, chainId, a.accountNumber)), a.priv, { prehash: false, lowS: true, format: "compact" });
      a.seq++;
      const res = await c.block([TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [sig] }).finish()]);
      const r = res.txResults[0] as ExecTxResult;
      if (r.code !== 0) throw new Error(`${a.name}: ${msgs.map((m) => m.typeUrl).join(",")} failed: ${r.codespace}:${r.code} ${r.log}`);
      return r;
    },
    async query(path, req, decode) {
      const r = await app.query({ path, data: req, height: 0n, prove: false });
      if (r.code !== 0) throw new Error(`${path}: ${r.codespace}:${r.code} ${r.log}`);
      return decode(r.value);
    },
  };
  return c;
}
