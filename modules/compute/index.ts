/** compute: GPU providers with a bond, attested jobs (inference, embedding index, training), verdicts by replay. */
import type { Bytes } from "../core/abci.ts";
import type { AppModule } from "../core/module.ts";
import type { ComputeAttributionKeeper, ComputeBankKeeper, ComputeDatanetKeeper, ComputeVerifier, TreasurySplitter } from "./expectedKeepers.ts";
import type { ComputeGenesis } from "./genesis.ts";
import { type ComputeKeeper, createComputeKeeper } from "./keeper.ts";
import { type VerdictSource, createComputeAppModule } from "./module.ts";
import type { ComputeParams } from "./params.ts";

export type { ComputeKeeper, ExtensionVote, VerificationTask, RegisterProviderInput, RequestJobInput } from "./keeper.ts";
export type { ComputeGenesis } from "./genesis.ts";
export type { VerdictSource } from "./module.ts";
export type { ComputeParams } from "./params.ts";
export type { ComputeAttributionKeeper, ComputeBankKeeper, ComputeDatanetKeeper, ComputeModel, ComputeVerifier, InferenceFeeSplit, ReplayVerdict, TreasurySplitter } from "./expectedKeepers.ts";
export { MODULE_NAME as COMPUTE_MODULE_NAME, ESCROW_ACCOUNT as COMPUTE_ESCROW_ACCOUNT } from "./keys.ts";
export { genesisToJson as computeGenesisToJson, defaultGenesis as defaultComputeGenesis } from "./genesis.ts";
export { chooseProvider, validateComputeExtension, verifyAttestation, MAX_VERDICTS } from "./keeper.ts";
export { resultSignBytes, resultHash, inferenceOutputHash } from "./signBytes.ts";
export { TEE_MEASUREMENT_BYTES, TEE_QUOTE_VERSION, TEE_TYPES, TeeQuoteError, decodeTeeQuote, encodeTeeQuote, teeQuoteDigest, type TeeQuote } from "./teeQuote.ts";

/** what other modules (treasury, gov) and the vote-extension plumbing may call. */
export type ComputeVerdictKeeper = Pick<ComputeKeeper, "pendingVerifications" | "applyVerdicts" | "getJob" | "getProvider">;

import type { SigVerifier } from "../core/crypto.ts";
export interface ComputeDeps {
  bank: ComputeBankKeeper;
  attribution: ComputeAttributionKeeper;
  /** snapshot features for the sampled replay of embedding-index jobs. */
  datanet?: ComputeDatanetKeeper;
  /** the gov module account (MsgUpdateParams). */
  authority: Bytes;
  /** the previous height's vote extensions, applied in BeginBlock (until the consensus hook delivers them). */
  verdictSource?: VerdictSource;
  /** the node's replay service for ExtendVote; without it this validator votes no compute verdicts. */
  verifier?: ComputeVerifier;
  /** secp256k1 attestation checks (default @noble/curves; ComputeKeeperDeps.sigVerifier). */
  sigVerifier?: SigVerifier;
}

/**
 * The treasury is set after construction (setTreasury, once, in app.ts) so that treasury may itself
 * depend on compute's keeper.
 */
export function createComputeModule(deps: ComputeDeps): { module: AppModule<ComputeParams, ComputeGenesis>; keeper: ComputeKeeper; setTreasury(t: TreasurySplitter): void } {
  let treasury: TreasurySplitter | undefined;
  const keeper = createComputeKeeper({
    bank: deps.bank,
    attribution: deps.attribution,
    ...(deps.datanet !== undefined ? { datanet: deps.datanet } : {}),
    ...(deps.sigVerifier !== undefined ? { sigVerifier: deps.sigVerifier } : {}),
    treasury: () => {
      if (treasury === undefined) throw new Error("compute: no treasury splitter wired (modules/app.ts)");
      return treasury;
    },
  });
  return {
    module: createComputeAppModule(keeper, deps.bank, deps.authority, deps.verdictSource, deps.verifier),
    keeper,
    setTreasury(t) {
      if (treasury !== undefined) throw new Error("compute: treasury already set");
      treasury = t;
    },
  };
}
