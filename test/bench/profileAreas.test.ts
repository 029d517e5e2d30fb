/**
 * profileAreas: app work is attributed to the ABCI call it ran for. It used to count every sample
 * under runTx as FinalizeBlock (runTx was taken for a FinalizeBlock frame, and it is the nearest one
 * above CheckTx's work too), so CheckTx's tx runs, signature checks included, showed as FinalizeBlock.
 * runTx is now no entry: a sample takes the ABCI frame above it, or, when runTx's caller is lost
 * (resumed after an await), the call whose synchronous part ran last (the AppConn runs one app call
 * at a time).
 * The profile below has the stack shapes of a real node profile: `(root) > checkTx > runTx > …`,
 * `(root) > finalizeBlock > runTx > …`, continuations `(root) > runTx > …` and
 * `(root) > processTicksAndRejections > runTx > …`, `(root) > commit > …`.
 */
import assert from "node:assert/strict";
import { Session } from "node:inspector/promises";
import { describe, it } from "node:test";
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { GOV_AUTHORITY, MODULE_ACCOUNT_PERMISSIONS } from "../../modules/app.ts";
import { createAuthAnte, createAuthModule } from "../../modules/auth/index.ts";
import { createBankModule } from "../../modules/bank/index.ts";
import type { Bytes } from "../../modules/core/abci.ts";
import { accAddressToString, moduleAddress } from "../../modules/core/address.ts";
import { utf8 } from "../../modules/core/bytes.ts";
import { addressFromSecp256k1, sha256 } from "../../modules/core/hash.ts";
import { createCommitStore } from "../../modules/core/store/commitStore.ts";
import { MemoryBackend } from "../../modules/core/store/memory.ts";
import { signDocBytes } from "../../modules/core/tx.ts";
import { createApplication } from "../../modules/runtime/index.ts";
import { createNativeSecp256k1Verifier, loadNativeSecp256k1 } from "../../node/crypto/secp256k1Native.ts";
import { genesisWithFunds, TEST_CONSENSUS_PARAMS } from "../harness/app.ts";
import { msgSend } from "../harness/txBuilder.ts";
import { type Profile, profileAreasOf } from "./profileAreas.ts";

const M = "file:///repo/modules";
const frames: [id: number, parent: number | undefined, functionName: string, url: string][] = [
  [1, undefined, "(root)", ""],
  [2, 1, "checkTx", `${M}/runtime/application.ts`],
  [3, 2, "runTx", `${M}/runtime/runTx.ts`],
  [4, 3, "deductFees", `${M}/auth/ante.ts`],
  [5, 1, "runTx", `${M}/runtime/runTx.ts`],
  [6, 5, "incrementSequence", `${M}/auth/ante.ts`],
  [7, 1, "finalizeBlock", `${M}/runtime/application.ts`],
  [8, 7, "runTx", `${M}/runtime/runTx.ts`],
  [9, 8, "decodeTx", `${M}/core/tx.ts`],
  [10, 5, "handle", `${M}/bank/msgs.ts`],
  [11, 1, "commit", `${M}/runtime/application.ts`],
  [12, 11, "workingRoot", `${M}/core/store/commitStore.ts`],
  [13, 1, "(garbage collector)", ""],
  [14, 1, "processTicksAndRejections", "node:internal/process/task_queues"],
  [15, 14, "runTx", `${M}/runtime/runTx.ts`],
  [16, 15, "send", `${M}/bank/keeper.ts`],
  [17, 1, "initChain", `${M}/runtime/application.ts`],
];

function profile(samples: number[]): Profile {
  const children = new Map<number, number[]>();
  for (const [id, parent] of frames) if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), id]);
  return {
    nodes: frames.map(([id, , functionName, url]) => ({ id, callFrame: { functionName, url, lineNumber: 0 }, children: children.get(id) ?? [] })),
    samples,
    timeDeltas: samples.map(() => 1000),
  };
}

function areasOf(samples: number[]): Record<string, number> {
  return Object.fromEntries(profileAreasOf(profile(samples)).areas);
}

describe("bench/profileAreas", () => {
  it("CheckTx's runTx continuations count as CheckTx, FinalizeBlock's as FinalizeBlock, commit's as commit", () => {
    const a = areasOf([
      6, // a continuation before any call: the next call (CheckTx)
      4, 6, 4, 6, 6, // CheckTx: synchronous part, then continuations (were FinalizeBlock)
      9, 10, 16, 9, 10, // FinalizeBlock: synchronous part, continuations (direct and through the microtask runner)
      12, // commit
      6, 4, // after the commit: a recheck whose synchronous part was not sampled, then one that was
      13, // GC
    ]);
    assert.deepEqual(a, { "CheckTx: app": 8, "FinalizeBlock: app": 5, "commit: app store (IAVL / commit hashing)": 1, GC: 1 });
  });

  it("a CheckTx-only profile has no FinalizeBlock work, a FinalizeBlock-only one no CheckTx work", () => {
    assert.deepEqual(areasOf([4, 6, 6, 16, 4, 10]), { "CheckTx: app": 6 });
    assert.deepEqual(areasOf([9, 6, 10, 16]), { "FinalizeBlock: app": 4 });
  });

  it("app work that no call names stays unattributed", () => {
    const a = areasOf([17, 6, 6]);
    assert.equal(a["app (unattributed)"], 3);
  });

  it("a real profile of the app (auth + bank, signed sends): CheckTx's work is CheckTx, FinalizeBlock's is FinalizeBlock", async () => {
    const lib = loadNativeSecp256k1();
    assert.ok(lib !== null, "native secp256k1");
    const store = await createCommitStore(new MemoryBackend());
    const auth = createAuthModule({ moduleAccountPermissions: MODULE_ACCOUNT_PERMISSIONS, authority: GOV_AUTHORITY });
    const bank = createBankModule({ accountKeeper: auth.keeper, blockedAddrs: Object.keys(MODULE_ACCOUNT_PERMISSIONS).sort().map(moduleAddress), authority: GOV_AUTHORITY });
    const app = createApplication({
      modules: [auth.module, bank.module],
      order: { beginBlock: [], endBlock: [], initGenesis: ["auth", "bank"], exportGenesis: ["auth", "bank"] },
      store,
      minGasPrices: "0.0025uopen",
      ante: createAuthAnte({ accountKeeper: auth.keeper, bankKeeper: bank.keeper }),
      sigVerifier: createNativeSecp256k1Verifier(),
    });
    const CHAIN = "openledger-prof-1";
    const keys = Array.from({ length: 80 }, (_, i) => {
      const priv = sha256(utf8(`prof-sender-${i}`));
      const pub = lib.publicKeyCreate(priv, true);
      const address = addressFromSecp256k1(pub);
      return { priv, pub, address, bech32: accAddressToString(address) };
    });
    await app.initChain({
      time: { seconds: 1_700_000_000n, nanos: 0 },
      chainId: CHAIN,
      consensusParams: TEST_CONSENSUS_PARAMS,
      validators: [],
      appStateBytes: utf8(JSON.stringify(genesisWithFunds(keys.map((key) => ({ key, coins: [{ denom: "uopen", amount: "100000000000" }] }))))),
      initialHeight: 1n,
    });
    const block = (height: bigint, txs: Bytes[]) =>
      app.finalizeBlock({ txs, decidedLastCommit: { round: 0, votes: [] }, misbehavior: [], hash: sha256(utf8(String(height))), height, time: { seconds: 1_700_000_000n + height, nanos: 0 }, nextValidatorsHash: new Uint8Array(32), proposerAddress: new Uint8Array(20) } as never);
    await block(1n, []);
    await app.commit();
    const txs = keys.map((key, i) => {
      const to = keys[(i + 1) % keys.length]!;
      const bodyBytes = TxBody.encode(TxBody.fromPartial({ messages: [msgSend(key.bech32, to.bech32, [{ denom: "uopen", amount: "1" }])], memo: "" })).finish();
      const authInfoBytes = AuthInfo.encode(
        AuthInfo.fromPartial({
          signerInfos: [{ publicKey: { typeUrl: "/cosmos.crypto.secp256k1.PubKey", value: PubKey.encode({ key: key.pub }).finish() }, modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } }, sequence: 0n }],
          fee: { amount: [{ denom: "uopen", amount: "500" }], gasLimit: 200000n },
        }),
      ).finish();
      const sig = lib.ecdsaSign(sha256(signDocBytes(bodyBytes, authInfoBytes, CHAIN, BigInt(i))), key.priv).signature;
      return TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [sig] }).finish();
    });

    const session = new Session();
    session.connect();
    const profiled = async (run: () => Promise<void>): Promise<Record<string, number>> => {
      await session.post("Profiler.enable");
      await session.post("Profiler.setSamplingInterval", { interval: 50 });
      await session.post("Profiler.start");
      await run();
      const { profile } = await session.post("Profiler.stop");
      await session.post("Profiler.disable");
      return Object.fromEntries(profileAreasOf(profile as unknown as Profile).areas);
    };
    const sum = (a: Record<string, number>, prefix: string) => Object.entries(a).reduce((s, [k, v]) => (k.startsWith(prefix) ? s + v : s), 0);
    try {
      const check = await profiled(async () => {
        for (const tx of txs) assert.equal((await app.checkTx({ tx, type: "new" })).code, 0);
      });
      assert.ok(sum(check, "CheckTx: ") > 0, JSON.stringify(check));
      assert.equal(sum(check, "FinalizeBlock: "), 0, `no FinalizeBlock in a CheckTx-only profile: ${JSON.stringify(check)}`);
      const fin = await profiled(async () => {
        const res = await block(2n, txs);
        for (const r of res.txResults) assert.equal(r.code, 0, r.log);
      });
      assert.ok(sum(fin, "FinalizeBlock: ") > 0, JSON.stringify(fin));
      assert.equal(sum(fin, "CheckTx: "), 0, `no CheckTx in a FinalizeBlock-only profile: ${JSON.stringify(fin)}`);
    } finally {
      session.disconnect();
      await app.close();
    }
  });
});
