/**
 * Composition root of the state machine (STYLE §7.3): builds the keepers, wires expected keepers, the
 * ante chain and the hook/genesis orders. The only file that imports concrete modules.
 */
import type { Application, Bytes } from "./core/abci.ts";
import { BECH32_PREFIX, accAddressFromString, moduleAddress } from "./core/address.ts";
import { toKeyString } from "./core/bytes.ts";
import { namespacedKey } from "./core/context.ts";
import { nobleSigVerifier, type SigVerifier } from "./core/crypto.ts";
import type { Ed25519Verifier } from "./core/voteExtension.ts";
import type { Logger } from "./core/logger.ts";
import { DEFAULT_RUNTIME_PARAMS, RUNTIME_NAMESPACE, runtimeParamsToJson } from "./core/params.ts";
import { createCommitStore } from "./core/store/commitStore.ts";
import type { CommitStore, KvBackend } from "./core/store/types.ts";
import { FEE_COLLECTOR_NAME, PERMISSION, accountKey, authGenesisToJson, createAuthAnte, createAuthModule, defaultAuthGenesis } from "./auth/index.ts";
import { BANK_MODULE_NAME, balanceKey, balancesPrefix, bankGenesisToJson, createBankModule, defaultBankGenesis } from "./bank/index.ts";
import { type InferenceSource, attributionGenesisToJson, createAttributionModule, defaultAttributionGenesis } from "./attribution/index.ts";
import { DATANET_ESCROW_ACCOUNT, createDatanetModule, datanetGenesisToJson, defaultDatanetGenesis } from "./datanet/index.ts";
import { BONDED_POOL_NAME, NOT_BONDED_POOL_NAME, createStakingModule, defaultStakingGenesis, stakingGenesisToJson } from "./staking/index.ts";
import { createSlashingModule, defaultSlashingGenesis, slashingGenesisToJson } from "./slashing/index.ts";
import { DISTRIBUTION_MODULE_NAME, MINT_MODULE_NAME, createDistributionModule, defaultDistributionGenesis, distributionGenesisToJson } from "./distribution/index.ts";
import { GENUTIL_MODULE_NAME, createGenutilModule } from "./genutil/index.ts";
import { createGovModule, defaultGovGenesis, govGenesisToJson } from "./gov/index.ts";
import { type PaidInferenceSource, TREASURY_VESTING_ACCOUNT, createTreasuryModule, defaultTreasuryGenesis, treasuryDatanetHooks, treasuryGenesisToJson } from "./treasury/index.ts";
import { PAYCHAN_ESCROW_ACCOUNT, createPaychanModule, defaultPaychanGenesis, paychanGenesisToJson } from "./paychan/index.ts";
import { COMPUTE_ESCROW_ACCOUNT, type ComputeVerifier, type VerdictSource, computeGenesisToJson, createComputeModule, defaultComputeGenesis } from "./compute/index.ts";
import { GRANTS_MODULE_NAME, createGrantsModule, defaultGrantsGenesis, grantsGenesisToJson } from "./grants/index.ts";
import { type RuntimeApplication, createApplication, createCachedSigVerifier, createRouters } from "./runtime/index.ts";

export const DEFAULT_MIN_GAS_PRICES = "0.0025uopen";
export const BASE_DENOM = "uopen";
export const GOV_MODULE_NAME = "gov";

/** module account permissions (SDK maccPerms). Modules of later issues add theirs here. */
export const MODULE_ACCOUNT_PERMISSIONS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  [FEE_COLLECTOR_NAME]: [],
  [GOV_MODULE_NAME]: [PERMISSION.burner],
  // contribution stakes and challenge bonds; burns slashed stake while no community pool is wired
  [DATANET_ESCROW_ACCOUNT]: [PERMISSION.burner],
  // staking pools: slashes burn from them
  [BONDED_POOL_NAME]: [PERMISSION.burner, PERMISSION.staking],
  [NOT_BONDED_POOL_NAME]: [PERMISSION.burner, PERMISSION.staking],
  // provider bonds and escrowed job fees; burns slashed bonds
  [COMPUTE_ESCROW_ACCOUNT]: [PERMISSION.burner],
  // rewards, commission and the community pool
  [DISTRIBUTION_MODULE_NAME]: [],
  // distribution's block-reward step mints here, then moves the provision to the fee collector
  [MINT_MODULE_NAME]: [PERMISSION.minter],
  // treasury: vesting contributor rewards (and fees in transit during a split); burns the burn part
  [TREASURY_VESTING_ACCOUNT]: [PERMISSION.burner],
  // payment-channel deposits
  [PAYCHAN_ESCROW_ACCOUNT]: [],
  // launchpad grants: escrow of unpaid milestones (from and back to the community pool)
  [GRANTS_MODULE_NAME]: [],
});

/** the authority of every MsgUpdateParams: the gov module account. */
export const GOV_AUTHORITY: Bytes = moduleAddress(GOV_MODULE_NAME);

export interface OpenLedgerAppOptions {
  backend: KvBackend;
  minGasPrices?: string;
  sigVerifier?: SigVerifier;
  /** vote-extension signature checks (the node passes its ZIP-215 verifier; default @noble/curves ZIP-215). */
  ed25519Verifier?: Ed25519Verifier;
  logger?: Logger;
  /** overrides the Merkle store (tests). */
  store?: CommitStore;
  debug?: boolean;
  /** verified inferences attributed in EndBlock (tests; the compute module takes this over). */
  inferenceSource?: InferenceSource;
  /** paid inferences escrowed, attributed and split by treasury in EndBlock (tests; compute takes this over). */
  paidInferenceSource?: PaidInferenceSource;
  /** the previous height's compute vote extensions, applied in compute's BeginBlock (tests without the consensus plumbing). */
  computeVerdictSource?: VerdictSource;
  /** the node's replay service for compute jobs (ExtendVote; node/provider/verifier.ts); without it this validator votes nothing. */
  computeVerifier?: ComputeVerifier;
  /** RECHECK answered from a tx's last check when nothing it depends on changed (runtime/recheckMemo.ts); default false. */
  recheckMemo?: boolean;
}

export async function createOpenLedgerApp(opts: OpenLedgerAppOptions): Promise<RuntimeApplication> {
  const store = opts.store ?? (await createCommitStore(opts.backend));
  const auth = createAuthModule({ moduleAccountPermissions: MODULE_ACCOUNT_PERMISSIONS, authority: GOV_AUTHORITY });
  const bank = createBankModule({
    accountKeeper: auth.keeper,
    // every module account is a blocked recipient (SDK BlockedModuleAccountAddrs)
    blockedAddrs: Object.keys(MODULE_ACCOUNT_PERMISSIONS).sort().map(moduleAddress),
    authority: GOV_AUTHORITY,
  });
  const datanet = createDatanetModule({ bank: bank.keeper, authority: GOV_AUTHORITY });
  const attribution = createAttributionModule({ datanet: datanet.keeper, authority: GOV_AUTHORITY, ...(opts.inferenceSource !== undefined ? { inferenceSource: opts.inferenceSource } : {}) });
  const staking = createStakingModule({ accountKeeper: auth.keeper, bankKeeper: bank.keeper, authority: GOV_AUTHORITY });
  const distribution = createDistributionModule({ accountKeeper: auth.keeper, bankKeeper: bank.keeper, stakingKeeper: staking.keeper, authority: GOV_AUTHORITY, feeCollector: FEE_COLLECTOR_NAME });
  const slashing = createSlashingModule({ stakingKeeper: staking.keeper, authority: GOV_AUTHORITY });
  // staking hooks: distribution's F1 bookkeeping first, then slashing's signing infos (SDK order)
  staking.setHooks([distribution.keeper.hooks, slashing.hooks]);
  const genutil = createGenutilModule({ stakingKeeper: staking.keeper });
  // PoA-rule changes (method versions, attribution params) need the expedited threshold (peers.md §4.11)
  const gov = createGovModule({ bankKeeper: bank.keeper, stakingKeeper: staking.keeper, authority: GOV_AUTHORITY, criticalMsgTypes: new Set(["/openledger.attribution.v1.MsgActivateMethod", "/openledger.attribution.v1.MsgUpdateParams"]) });
  // treasury: splits inference fees (compute calls treasury.keeper.split), pays the community part into distribution's pool
  const treasury = createTreasuryModule({ bank: bank.keeper, communityPool: distribution.keeper, models: attribution.keeper, authority: GOV_AUTHORITY, ...(opts.paidInferenceSource !== undefined ? { paidInferences: { source: opts.paidInferenceSource, attribution: attribution.keeper } } : {}) });
  // an upheld datanet challenge (proven fraud) claws back the contributor's unvested rewards
  datanet.keeper.setHooks([treasuryDatanetHooks(treasury.keeper)]);
  // compute: accepted inferences → attribution receipt (PoA) → treasury's split of the escrowed fee
  const compute = createComputeModule({
    bank: bank.keeper,
    attribution: attribution.keeper,
    // the inputs of sampled snapshot leaves (embedding-index jobs are verified by replaying them)
    datanet: {
      async snapshotRowFeatures(ctx, snapshotId, rows) {
        const want = new Map(rows.map((r, i) => [BigInt(r), i]));
        const out: Uint8Array[] = rows.map(() => new Uint8Array(0));
        for await (const p of datanet.keeper.snapshotPoints(ctx, snapshotId)) {
          const i = want.get(p.index);
          if (i !== undefined) out[i] = datanet.keeper.getContribution(ctx, p.contributionId)?.point?.features ?? new Uint8Array(0);
        }
        return out;
      },
      async snapshotLabels(ctx, snapshotId) {
        const labels: number[] = [];
        for await (const p of datanet.keeper.snapshotPoints(ctx, snapshotId)) labels[Number(p.index)] = p.label;
        return Int32Array.from(labels);
      },
    },
    authority: GOV_AUTHORITY,
    ...(opts.computeVerdictSource !== undefined ? { verdictSource: opts.computeVerdictSource } : {}),
    ...(opts.computeVerifier !== undefined ? { verifier: opts.computeVerifier } : {}),
    // result attestations: the node's native verifier, and DeliverTx reuses CheckTx's positive verdicts
    sigVerifier: createCachedSigVerifier(opts.sigVerifier ?? nobleSigVerifier, 10_000),
  });
  compute.setTreasury({
    // treasury takes the receipt's shares as weights of its contributors' part: attribution values the whole fee
    dataPart: (_ctx, _modelId, fee) => fee.amount,
    splitInferenceFee: async (ctx, s) => {
      await treasury.keeper.split(ctx, { modelId: s.modelId, receiptId: s.receiptId, fee: s.fee, fromModule: s.fromModule, shares: s.contributorShares, remainder: s.dataRemainder, provider: s.provider });
    },
  });
  const paychan = createPaychanModule({ bank: bank.keeper, authority: GOV_AUTHORITY });
  const grants = createGrantsModule({ bank: bank.keeper, pool: distribution.keeper, authority: GOV_AUTHORITY });
  const modules = [auth.module, bank.module, datanet.module, attribution.module, compute.module, staking.module, distribution.module, slashing.module, gov.module, treasury.module, paychan.module, grants.module, genutil];
  // proposals run their messages through the same routes as txs
  const routes = createRouters(modules).msgs;
  gov.setRouter((typeUrl) => routes.get(typeUrl)?.handler);
  const ante = createAuthAnte({ accountKeeper: auth.keeper, bankKeeper: bank.keeper, feeCollector: FEE_COLLECTOR_NAME });
  // the fee collector's balances: every check credits them and no check's verdict reads them (a module
  // account never signs), so the recheck memo leaves them out of a check's dependencies
  const feeCollectorBalances = toKeyString(namespacedKey(BANK_MODULE_NAME, balancesPrefix(moduleAddress(FEE_COLLECTOR_NAME))));
  return createApplication({
    modules,
    order: {
      // distribution: mint + allocate the previous block's fees by signed power (before slashing
      // changes any stake); slashing: liveness window and double-sign evidence
      // compute (only with an injected verdict source): the previous height's verdicts
      // attribution: a scheduled PoA method version becomes active (before compute attributes anything)
      // staking (SDK order: after slashing/evidence): keeps this block's HistoricalInfo
      beginBlock: ["distribution", "slashing", "staking", "attribution", "compute"],
      // attribution: receipts of the block's verified inferences (only with an inference source)
      // gov before staking (SDK order): a passed proposal's changes reach this block's validator updates
      // paychan: settles the channels whose settle window ends at this height
      // treasury: splits the paid inferences of an injected source (tests)
      // compute: bond releases, missed deadlines, then assignment of pending jobs from this block's hash
      endBlock: ["compute", "attribution", "treasury", "paychan", "gov", "staking"],
      // auth first: bank's genesis balances belong to accounts, and module accounts need auth's params
      // datanet after bank: its escrow invariant reads the escrow account's balance
      // distribution before staking: staking's genesis hooks initialise F1 records; genutil last: its
      // gentxs run through the ante and staking, and it returns the genesis validator set
      initGenesis: ["auth", "bank", "datanet", "attribution", "compute", "distribution", "staking", "slashing", "gov", "treasury", "paychan", GRANTS_MODULE_NAME, GENUTIL_MODULE_NAME],
      exportGenesis: ["auth", "bank", "datanet", "attribution", "compute", "distribution", "staking", "slashing", "gov", "treasury", "paychan", GRANTS_MODULE_NAME, GENUTIL_MODULE_NAME],
    },
    store,
    minGasPrices: opts.minGasPrices ?? DEFAULT_MIN_GAS_PRICES,
    ante,
    recheckMemoIgnore: (ks) => ks.startsWith(feeCollectorBalances),
    ...(opts.recheckMemo !== undefined ? { recheckMemo: opts.recheckMemo } : {}),
    ...(opts.sigVerifier !== undefined ? { sigVerifier: opts.sigVerifier } : {}),
    ...(opts.ed25519Verifier !== undefined ? { ed25519Verifier: opts.ed25519Verifier } : {}),
    ...(opts.logger !== undefined ? { logger: opts.logger } : {}),
    ...(opts.debug !== undefined ? { debug: opts.debug } : {}),
  });
}

/** the default app_state JSON for `openledgerd init` (OPEN metadata included). */
export function defaultAppGenesis(): Record<string, unknown> {
  const bank = defaultBankGenesis();
  bank.denomMetadata.push({
    description: "The native token of OpenLedger",
    denomUnits: [
      { denom: BASE_DENOM, exponent: 0, aliases: ["microopen"] },
      { denom: "open", exponent: 6, aliases: [] },
    ],
    base: BASE_DENOM,
    display: "open",
    name: "OpenLedger",
    symbol: "OPEN",
    uri: "",
    uriHash: "",
  });
  return {
    auth: authGenesisToJson(defaultAuthGenesis()),
    bank: bankGenesisToJson(bank),
    datanet: datanetGenesisToJson(defaultDatanetGenesis()),
    attribution: attributionGenesisToJson(defaultAttributionGenesis()),
    compute: computeGenesisToJson(defaultComputeGenesis()),
    staking: stakingGenesisToJson(defaultStakingGenesis()),
    distribution: distributionGenesisToJson(defaultDistributionGenesis()),
    slashing: slashingGenesisToJson(defaultSlashingGenesis()),
    gov: govGenesisToJson(defaultGovGenesis()),
    treasury: treasuryGenesisToJson(defaultTreasuryGenesis()),
    paychan: paychanGenesisToJson(defaultPaychanGenesis()),
    [GRANTS_MODULE_NAME]: grantsGenesisToJson(defaultGrantsGenesis()),
    [GENUTIL_MODULE_NAME]: { gen_txs: [] },
    [RUNTIME_NAMESPACE]: runtimeParamsToJson(DEFAULT_RUNTIME_PARAMS),
  };
}

function addrBytes(a: Uint8Array | string): Bytes {
  return typeof a === "string" ? accAddressFromString(a) : a;
}

/** the full tree key of addr's balance of denom: the `data` of abci_query "/store/bank/key". */
export function bankBalanceStoreKey(address: Uint8Array | string, denom: string): Uint8Array {
  return namespacedKey("bank", balanceKey(addrBytes(address), denom));
}

/** the full tree key of an account: the `data` of abci_query "/store/auth/key". */
export function authAccountStoreKey(address: Uint8Array | string): Uint8Array {
  return namespacedKey("auth", accountKey(addrBytes(address)));
}

export { BECH32_PREFIX };
export type { Application, RuntimeApplication };
