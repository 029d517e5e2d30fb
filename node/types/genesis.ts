/**
 * The genesis document (CometBFT/Cosmos shape), as read from config/genesis.json. JSON numbers that are
 * 64-bit are strings there; this is the parsed form.
 */
import type { ConsensusParams, Timestamp } from "../../modules/core/abci.ts";

export interface GenesisValidator {
  address: Uint8Array;
  pubKey: { type: "ed25519"; value: Uint8Array };
  power: bigint;
  name: string;
}

export interface GenesisDoc {
  genesisTime: Timestamp;
  chainId: string;
  initialHeight: bigint;
  consensusParams: ConsensusParams;
  validators: GenesisValidator[];
  appHash: Uint8Array;
  /** the `app_state` object exactly as in the file (module name → module genesis JSON). */
  appState: Record<string, unknown>;
}
