/**
 * In-process app benchmark (no node, no RPC): the openledgerd app over LevelDB (or --memory), N funded
 * accounts at genesis, K pre-signed bank sends per account (native libsecp256k1 signing), then
 *   checkTx of every tx (fresh check state, as the mempool does), and
 *   finalizeBlock + commit in blocks of B txs,
 * timing each phase (µs per tx). Prints the final app hash (must not change across optimisations) and
 * one BENCH line, and a digest of every FinalizeBlock tx result's events, data and log (not covered by the app hash). Run: node test/bench/appTx.ts [--senders N] [--per K] [--block B] [--memory] [--recheck] [--phases]
 * [--node-crypto]
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { Bytes } from "../../modules/core/abci.ts";
import { toHex, utf8 } from "../../modules/core/bytes.ts";
import { addressFromSecp256k1, sha256 } from "../../modules/core/hash.ts";
import { createCommitStore } from "../../modules/core/store/commitStore.ts";
import { MemoryBackend } from "../../modules/core/store/memory.ts";
import type { KvBackend } from "../../modules/core/store/types.ts";
import { GOV_AUTHORITY, MODULE_ACCOUNT_PERMISSIONS, createOpenLedgerApp } from "../../modules/app.ts";
import { createAuthAnte, createAuthModule } from "../../modules/auth/index.ts";
import { createBankModule } from "../../modules/bank/index.ts";
import { moduleAddress } from "../../modules/core/address.ts";
import { createApplication } from "../../modules/runtime/index.ts";
import { createNativeSecp256k1Verifier, loadNativeSecp256k1 } from "../../node/crypto/secp256k1Native.ts";
import { openLevelBackend } from "../../node/storage/levelBackend.ts";
import { installWasmSha256 } from "../../node/crypto/wasmSha256.ts";
import { genesisWithFunds, TEST_CONSENSUS_PARAMS } from "../harness/app.ts";
import { msgSend } from "../harness/txBuilder.ts";
import { accAddressToString } from "../../modules/core/address.ts";
import { signDocBytes } from "../../modules/core/tx.ts";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const SENDERS = arg("senders", 2000);
const PER = arg("per", 4);
const BLOCK = arg("block", 5000);
const MEMORY = process.argv.includes("--memory");
const RECHECK = process.argv.includes("--recheck");
/** --node-crypto: keep every SHA-256 on node:crypto (the node installs the WebAssembly short-input one at start, as this bench does by default). */
const NODE_CRYPTO = process.argv.includes("--node-crypto");
/** --phases: the same app composed here with timed ante decorators and message handlers (µs per tx per step). */
const PHASES = process.argv.includes("--phases");
const CHAIN_ID = "openledger-bench-1";

async function main() {
  const lib = loadNativeSecp256k1();
  if (lib === null) throw new Error("native secp256k1 needed");
  if (!NODE_CRYPTO && !(await installWasmSha256())) throw new Error("WebAssembly SHA-256 unavailable");
  const dir = mkdtempSync(join(tmpdir(), "olapp-bench-"));
  try {
    const backend: KvBackend = MEMORY ? new MemoryBackend() : await openLevelBackend(dir);
    const store = await createCommitStore(backend);
    // time the tree update (workingRoot runs inside finalizeBlock)
    let rootCpu = 0;
    const workingRoot = store.workingRoot.bind(store);
    store.workingRoot = () => {
      const a = process.threadCpuUsage();
      const r = workingRoot();
      const b = process.threadCpuUsage();
      rootCpu += (b.user + b.system - a.user - a.system) / 1000;
      return r;
    };
    const phaseCpu = new Map<string, number>();
    const timed = <A extends unknown[], R>(base: string, f: (...a: A) => R) => (...a: A): R => {
      const mode = (a[0] as { mode?: string } | undefined)?.mode;
      const name = mode === "check" || mode === "finalize" ? `${base}/${mode[0]}` : base;
      const t0 = process.threadCpuUsage();
      try {
        return f(...a);
      } finally {
        const t1 = process.threadCpuUsage();
        phaseCpu.set(name, (phaseCpu.get(name) ?? 0) + (t1.user + t1.system - t0.user - t0.system) / 1000);
      }
    };
    const app = PHASES
      ? await (async () => {
          const auth = createAuthModule({ moduleAccountPermissions: MODULE_ACCOUNT_PERMISSIONS, authority: GOV_AUTHORITY });
          const bank = createBankModule({ accountKeeper: auth.keeper, blockedAddrs: Object.keys(MODULE_ACCOUNT_PERMISSIONS).sort().map(moduleAddress), authority: GOV_AUTHORITY });
          const names = ["memo", "txSizeGas", "deductFee", "setPubKey", "sigCount", "sigGas", "sigVerify", "incSeq"];
          const ante = createAuthAnte({ accountKeeper: auth.keeper, bankKeeper: bank.keeper }).map((d, i) => timed(names[i] ?? `ante${i}`, d));
          for (const h of bank.module.msgs ?? []) {
            const hh = h as { handle: (...a: unknown[]) => unknown; validateBasic?: (...a: unknown[]) => unknown; decode: (...a: unknown[]) => unknown };
            hh.handle = timed(`handle`, hh.handle.bind(hh));
            if (hh.validateBasic) hh.validateBasic = timed(`validateBasic`, hh.validateBasic.bind(hh));
            hh.decode = timed(`decodeMsg`, hh.decode.bind(hh));
          }
          return createApplication({ modules: [auth.module, bank.module], order: { beginBlock: [], endBlock: [], initGenesis: ["auth", "bank"], exportGenesis: ["auth", "bank"] }, store, minGasPrices: "0.0025uopen", ante, sigVerifier: createNativeSecp256k1Verifier() });
        })()
      : await createOpenLedgerApp({ backend, store, minGasPrices: "0.0025uopen", sigVerifier: createNativeSecp256k1Verifier() });
    const keys = Array.from({ length: SENDERS }, (_, i) => {
      const priv = sha256(utf8(`bench-sender-${i}`));
      const pub = lib.publicKeyCreate(priv, true);
      const address = addressFromSecp256k1(pub);
      return { priv, pub, address, bech32: accAddressToString(address) };
    });
    const genesis = genesisWithFunds(keys.map((key) => ({ key, coins: [{ denom: "uopen", amount: "100000000000" }] })));
    await app.initChain({
      time: { seconds: 1_700_000_000n, nanos: 0 },
      chainId: CHAIN_ID,
      consensusParams: TEST_CONSENSUS_PARAMS,
      validators: [],
      appStateBytes: utf8(JSON.stringify(genesis)),
      initialHeight: 1n,
    });
    // genesis block (empty) so that the accounts are committed
    let height = 1n;
    await app.finalizeBlock({ txs: [], decidedLastCommit: { round: 0, votes: [] }, misbehavior: [], hash: new Uint8Array(32), height, time: { seconds: 1_700_000_001n, nanos: 0 }, nextValidatorsHash: new Uint8Array(32), proposerAddress: new Uint8Array(20) } as never);
    await app.commit();

    const txs: Bytes[] = [];
    for (let seq = 0; seq < PER; seq++) {
      for (let i = 0; i < SENDERS; i++) {
        const key = keys[i]!;
        const to = keys[(i + 1) % SENDERS]!;
        const bodyBytes = TxBody.encode(TxBody.fromPartial({ messages: [msgSend(key.bech32, to.bech32, [{ denom: "uopen", amount: "1" }])], memo: "" })).finish();
        const authInfoBytes = AuthInfo.encode(
          AuthInfo.fromPartial({
            signerInfos: [{ publicKey: { typeUrl: "/cosmos.crypto.secp256k1.PubKey", value: PubKey.encode({ key: key.pub }).finish() }, modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } }, sequence: BigInt(seq) }],
            fee: { amount: [{ denom: "uopen", amount: "500" }], gasLimit: 200000n },
          }),
        ).finish();
        const sig = lib.ecdsaSign(sha256(signDocBytes(bodyBytes, authInfoBytes, CHAIN_ID, BigInt(i))), key.priv).signature;
        txs.push(TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [sig] }).finish());
      }
    }

    const cpu = () => {
      const u = process.threadCpuUsage();
      return (u.user + u.system) / 1000;
    };
    const c0 = cpu();
    const t0 = performance.now();
    for (const tx of txs) {
      const r = await app.checkTx({ tx, type: "new" });
      if (r.code !== 0) throw new Error(`checkTx failed: ${r.log}`);
    }
    const tCheck = performance.now() - t0;
    const cCheck = cpu() - c0;
    let cFin = 0;
    let cCommit = 0;

    let tFin = 0;
    let tCommit = 0;
    let tRecheck = 0;
    let cRecheck = 0;
    let nRecheck = 0;
    let gasUsed = 0n;
    // every FinalizeBlock tx result's events, data and log, digested after the timing (the app hash covers none of them)
    const results: { events: unknown[]; data: Uint8Array; log: string }[][] = [];
    for (let off = 0; off < txs.length; off += BLOCK) {
      height++;
      const blockTxs = txs.slice(off, off + BLOCK);
      const ca = cpu();
      const a = performance.now();
      const res = await app.finalizeBlock({ txs: blockTxs, decidedLastCommit: { round: 0, votes: [] }, misbehavior: [], hash: sha256(u(height)), height, time: { seconds: 1_700_000_000n + height, nanos: 0 }, nextValidatorsHash: new Uint8Array(32), proposerAddress: new Uint8Array(20) } as never);
      const b = performance.now();
      const cb = cpu();
      for (const r of res.txResults) {
        if (r.code !== 0) throw new Error(`deliver failed: ${r.log}`);
        gasUsed += r.gasUsed;
      }
      await app.commit();
      const c = performance.now();
      results.push(res.txResults);
      cFin += cb - ca;
      cCommit += cpu() - cb;
      tFin += b - a;
      tCommit += c - b;
      if (RECHECK) {
        const cr = cpu();
        for (const tx of txs.slice(off + BLOCK)) {
          await app.checkTx({ tx, type: "recheck" });
          nRecheck++;
        }
        cRecheck += cpu() - cr;
        tRecheck += performance.now() - c;
      }
    }
    const n = txs.length;
    const evHash = createHash("sha256");
    for (const rs of results) {
      for (const r of rs) {
        evHash.update(JSON.stringify(r.events));
        evHash.update(r.data);
        evHash.update(r.log);
      }
    }
    const eventsDigest = evHash.digest("hex").slice(0, 16);
    const info = await app.info({} as never);
    const us = (ms: number) => Math.round((ms * 1000) / n);
    console.log(`txs ${n}  checkTx ${us(tCheck)} µs/tx  finalize ${us(tFin)} µs/tx  commit ${us(tCommit)} µs/tx${RECHECK ? `  recheck ${us(tRecheck)} µs/tx` : ""}`);
    console.log(`main-thread CPU: checkTx ${us(cCheck)} µs/tx  finalize ${us(cFin)} µs/tx  commit ${us(cCommit)} µs/tx  total ${us(cCheck + cFin + cCommit)}  (finalize includes workingRoot ${us(rootCpu)})`);
    console.log(`total ${us(tCheck + tFin + tCommit)} µs/tx  sigCache hits ${app.sigVerifier.hits}  gasUsed ${gasUsed}  appHash ${toHex(info.lastBlockAppHash)}  results ${eventsDigest}`);
    if (RECHECK) console.log(`recheck: ${nRecheck} calls, main-thread CPU ${nRecheck === 0 ? 0 : Math.round((cRecheck * 1000) / nRecheck)} µs per call`);
    if (PHASES) console.log([...phaseCpu].map(([k, v]) => `${k} ${us(v)}`).join("  "));
    console.log(
      `BENCH ${JSON.stringify({ name: "app-tx", value: Math.round(n / ((tCheck + tFin + tCommit) / 1000)), unit: "tx/s", checkUs: us(tCheck), finalizeUs: us(tFin), commitUs: us(tCommit), backend: MEMORY ? "memory" : "level" })}`,
    );
    await app.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function u(n: bigint): Bytes {
  return utf8(n.toString());
}

await main();
