/**
 * A validator-aware test chain for staking/slashing/distribution: genesis with gentxs (InitChain's
 * validator set kept), blocks with a chosen decided last commit, misbehavior and block time, the
 * invariants checked after every block, and signed tx helpers with tracked sequences.
 */
import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { MsgCreateValidator } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import type { Bytes, FinalizeBlockResponse, Misbehavior, ValidatorUpdate } from "../../../modules/core/abci.ts";
import { valAddressToString } from "../../../modules/core/address.ts";
import { utf8 } from "../../../modules/core/bytes.ts";
import { sha256 } from "../../../modules/core/hash.ts";
import { MemoryBackend } from "../../../modules/core/store/memory.ts";
import { createOpenLedgerApp } from "../../../modules/app.ts";
import { gentxToJson } from "../../../modules/genutil/index.ts";
import type { RuntimeApplication } from "../../../modules/runtime/index.ts";
import { TEST_CHAIN_ID, TEST_CONSENSUS_PARAMS, genesisWithFunds } from "../../harness/app.ts";
import { type TestKey, buildTx, testKey } from "../../harness/txBuilder.ts";

export const T0 = 1_700_000_000n;

export interface TestValidator {
  key: TestKey;
  valoper: string;
  consPub: Bytes;
  cons: Bytes;
}

export function testValidator(n: number): TestValidator {
  const key = testKey(500 + n);
  const consPub = sha256(utf8(`openledger-test-consensus-key/${n}`));
  return { key, valoper: valAddressToString(key.address), consPub, cons: sha256(consPub).slice(0, 20) };
}

/** MsgCreateValidator commission rates in the proto form (10^18-scaled integers). */
export function msgCreateValidator(v: TestValidator, amount: bigint, o: { rate?: string; moniker?: string; minSelf?: string } = {}): Any {
  const m = MsgCreateValidator.fromPartial({
    description: { moniker: o.moniker ?? `val-${v.valoper.slice(-4)}` },
    commission: { rate: o.rate ?? "100000000000000000", maxRate: "200000000000000000", maxChangeRate: "10000000000000000" },
    minSelfDelegation: o.minSelf ?? "1",
    delegatorAddress: "",
    validatorAddress: v.valoper,
    pubkey: { typeUrl: "/cosmos.crypto.ed25519.PubKey", value: Ed25519PubKey.encode({ key: v.consPub }).finish() },
    value: { denom: "uopen", amount: amount.toString() },
  });
  return { typeUrl: MsgCreateValidator.typeUrl, value: MsgCreateValidator.encode(m).finish() };
}

export interface Vote {
  v: TestValidator;
  power: bigint;
  /** 2 commit (default), 1 absent, 3 nil */
  flag?: 1 | 2 | 3;
}

export interface ValChain {
  app: RuntimeApplication;
  height: bigint;
  genesis: Record<string, any>;
  initValidators: ValidatorUpdate[];
  /** seconds per block (block time = T0 + height × step, unless advanced). */
  time: bigint;
  block(txs?: Bytes[], o?: { votes?: Vote[]; misbehavior?: Misbehavior[]; advance?: bigint }): Promise<FinalizeBlockResponse>;
  /** signs with the next sequence of `key` (account numbers from genesis order). */
  tx(key: TestKey, msgs: Any[], o?: { fee?: bigint; gas?: bigint }): Bytes;
  query(path: string, data: Bytes): Promise<Bytes>;
  queryRaw(path: string, data: Bytes): ReturnType<RuntimeApplication["query"]>;
}

export async function createValChain(o: {
  funded: { key: TestKey; amount: bigint }[];
  gentxs?: { v: TestValidator; amount: bigint }[];
  edit?: (g: Record<string, any>) => void;
  /** extra app options (e.g. an inference source). */
  appOptions?: Partial<Parameters<typeof createOpenLedgerApp>[0]>;
}): Promise<ValChain> {
  const app = await createOpenLedgerApp({ backend: new MemoryBackend(), minGasPrices: "0uopen", debug: true, ...o.appOptions });
  const genesis = genesisWithFunds(o.funded.map((f) => ({ key: f.key, coins: [{ denom: "uopen", amount: f.amount.toString() }] })));
  const seq = new Map<string, bigint>();
  const accNum = new Map<string, bigint>(o.funded.map((f, i) => [f.key.bech32, BigInt(i)]));
  genesis.genutil = {
    gen_txs: (o.gentxs ?? []).map((g) => {
      seq.set(g.v.key.bech32, 1n);
      return gentxToJson(buildTx({ key: g.v.key, msgs: [msgCreateValidator(g.v, g.amount)], chainId: TEST_CHAIN_ID, accountNumber: 0n, sequence: 0n, fee: [] }).raw);
    }),
  };
  o.edit?.(genesis);
  const init = await app.initChain({ time: { seconds: T0, nanos: 0 }, chainId: TEST_CHAIN_ID, consensusParams: TEST_CONSENSUS_PARAMS, validators: [], appStateBytes: utf8(JSON.stringify(genesis)), initialHeight: 1n });
  await app.checkInvariants();
  const chain: ValChain = {
    app,
    height: 0n,
    genesis,
    initValidators: init.validators,
    time: T0,
    async block(txs = [], b = {}) {
      const h = chain.height + 1n;
      chain.time += b.advance ?? 5n;
      const res = await app.finalizeBlock({
        txs,
        misbehavior: b.misbehavior ?? [],
        height: h,
        time: { seconds: chain.time, nanos: 0 },
        nextValidatorsHash: new Uint8Array(32),
        proposerAddress: new Uint8Array(20),
        decidedLastCommit: { round: 0, votes: (b.votes ?? []).map((v) => ({ validator: { address: v.v.cons, power: v.power }, blockIdFlag: v.flag ?? 2 })) },
        hash: new Uint8Array(32).fill(Number(h % 256n)),
      });
      await app.commit();
      await app.checkInvariants();
      chain.height = h;
      return res;
    },
    tx(key, msgs, t = {}) {
      const s = seq.get(key.bech32) ?? 0n;
      seq.set(key.bech32, s + 1n);
      return buildTx({ key, msgs, chainId: TEST_CHAIN_ID, accountNumber: accNum.get(key.bech32) ?? 0n, sequence: s, fee: [{ denom: "uopen", amount: (t.fee ?? 0n).toString() }].filter((c) => c.amount !== "0"), gasLimit: t.gas ?? 400000n }).raw;
    },
    async query(path, data) {
      const r = await app.query({ path, data, height: 0n, prove: false });
      if (r.code !== 0) throw new Error(`${path}: ${r.codespace}:${r.code} ${r.log}`);
      return r.value;
    },
    queryRaw: (path, data) => app.query({ path, data, height: 0n, prove: false }),
  };
  return chain;
}
