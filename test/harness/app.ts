/**
 * In-process app factory over an in-memory backend: genesis with funded accounts, blocks through
 * finalizeBlock → commit with the invariants checked after each block, and query helpers.
 */
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryAllBalancesRequest, QueryAllBalancesResponse, QueryBalanceRequest, QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import type { Bytes, CheckTxResponse, ConsensusParams, FinalizeBlockResponse, QueryResponse } from "../../modules/core/abci.ts";
import { utf8 } from "../../modules/core/bytes.ts";
import { MemoryBackend } from "../../modules/core/store/memory.ts";
import type { KvBackend } from "../../modules/core/store/types.ts";
import { type OpenLedgerAppOptions, createOpenLedgerApp, defaultAppGenesis } from "../../modules/app.ts";
import type { RuntimeApplication } from "../../modules/runtime/index.ts";
import type { TestKey } from "./txBuilder.ts";

export const TEST_CHAIN_ID = "openledger-test-1";

export const TEST_CONSENSUS_PARAMS: ConsensusParams = {
  block: { maxBytes: 4194304n, maxGas: -1n },
  evidence: { maxAgeNumBlocks: 100000n, maxAgeDurationNs: 172800000000000n, maxBytes: 1048576n },
  validator: { pubKeyTypes: ["ed25519"] },
  version: { app: 1n },
  abci: { voteExtensionsEnableHeight: 0n },
};

export interface TestAppOptions {
  backend?: KvBackend;
  chainId?: string;
  minGasPrices?: string;
  /** accounts funded at genesis (with BaseAccounts numbered in order). */
  funded?: { key: TestKey | { bech32: string }; coins: { denom: string; amount: string }[] }[];
  /** edits the app_state before initChain. */
  editGenesis?: (g: Record<string, any>) => void;
  consensusParams?: ConsensusParams;
  /** extra options of createOpenLedgerApp (e.g. an attribution inference source). */
  appOptions?: Partial<Omit<OpenLedgerAppOptions, "backend">>;
}

export interface TestChain {
  app: RuntimeApplication;
  backend: KvBackend;
  chainId: string;
  height: bigint;
  appHash: Bytes;
  genesis: Record<string, any>;
  /** finalizes and commits a block; checks the invariants after it. */
  block(txs: Bytes[]): Promise<FinalizeBlockResponse>;
  checkTx(tx: Bytes): Promise<CheckTxResponse>;
  query(path: string, data: Bytes, height?: bigint): Promise<QueryResponse>;
  balance(addr: string, denom?: string): Promise<bigint>;
  allBalances(addr: string): Promise<{ denom: string; amount: string }[]>;
  account(addr: string): Promise<BaseAccount | null>;
}

export function genesisWithFunds(funded: NonNullable<TestAppOptions["funded"]>): Record<string, any> {
  const g = defaultAppGenesis() as Record<string, any>;
  g.auth.accounts = funded.map((f, i) => ({ "@type": "/cosmos.auth.v1beta1.BaseAccount", address: f.key.bech32, pub_key: null, account_number: String(i), sequence: "0" }));
  g.bank.balances = funded.map((f) => ({ address: f.key.bech32, coins: f.coins }));
  return g;
}

export async function createTestChain(o: TestAppOptions = {}): Promise<TestChain> {
  const backend = o.backend ?? new MemoryBackend();
  const chainId = o.chainId ?? TEST_CHAIN_ID;
  const app = await createOpenLedgerApp({ ...o.appOptions, backend, minGasPrices: o.minGasPrices ?? "0.0025uopen", debug: true });
  const genesis = genesisWithFunds(o.funded ?? []);
  o.editGenesis?.(genesis);
  const init = await app.initChain({
    time: { seconds: 1_700_000_000n, nanos: 0 },
    chainId,
    consensusParams: o.consensusParams ?? TEST_CONSENSUS_PARAMS,
    validators: [],
    appStateBytes: utf8(JSON.stringify(genesis)),
    initialHeight: 1n,
  });
  const chain: TestChain = {
    app,
    backend,
    chainId,
    height: 0n,
    appHash: init.appHash,
    genesis,
    async block(txs) {
      const h = chain.height + 1n;
      const res = await app.finalizeBlock({
        txs,
        misbehavior: [],
        height: h,
        time: { seconds: 1_700_000_000n + h, nanos: 0 },
        nextValidatorsHash: new Uint8Array(32),
        proposerAddress: new Uint8Array(20),
        decidedLastCommit: { round: 0, votes: [] },
        hash: new Uint8Array(32).fill(Number(h % 256n)),
      });
      await app.commit();
      await app.checkInvariants();
      chain.height = h;
      chain.appHash = res.appHash;
      return res;
    },
    checkTx: (tx) => app.checkTx({ tx, type: "new" }),
    query: (path, data, height = 0n) => app.query({ path, data, height, prove: false }),
    async balance(addr, denom = "uopen") {
      const r = await chain.query("/cosmos.bank.v1beta1.Query/Balance", QueryBalanceRequest.encode({ address: addr, denom }).finish());
      if (r.code !== 0) throw new Error(`balance query failed: ${r.log}`);
      return BigInt(QueryBalanceResponse.decode(r.value).balance?.amount ?? "0");
    },
    async allBalances(addr) {
      const r = await chain.query("/cosmos.bank.v1beta1.Query/AllBalances", QueryAllBalancesRequest.encode({ address: addr, resolveDenom: false }).finish());
      if (r.code !== 0) throw new Error(`balances query failed: ${r.log}`);
      return QueryAllBalancesResponse.decode(r.value).balances;
    },
    async account(addr) {
      const r = await chain.query("/cosmos.auth.v1beta1.Query/Account", QueryAccountRequest.encode({ address: addr }).finish());
      if (r.code === 22) return null;
      if (r.code !== 0) throw new Error(`account query failed: ${r.log}`);
      const any = QueryAccountResponse.decode(r.value).account;
      return any === undefined ? null : BaseAccount.decode(any.value);
    },
  };
  return chain;
}
