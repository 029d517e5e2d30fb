/**
 * `openledgerd dev` (what `make run` calls): the single-validator dev chain. First run: init the home
 * (chain-id openledger-dev-1, moniker dev), add key `dev` (the dev mnemonic) to the test keyring and
 * fund it in genesis; later runs continue the same chain. Then start.
 */
import { existsSync, rmSync } from "node:fs";
import { homePaths } from "../../config/paths.ts";
import { addGenesisAccount } from "../../genesis/accounts.ts";
import { readGenesisFile, writeGenesisFile } from "../../genesis/genesisFile.ts";
import { DEV_MNEMONIC, deriveKey, hdPathFor } from "../../keyring/hd.ts";
import { Keyring } from "../../keyring/keyring.ts";
import { parseCoins } from "../../util/coins.ts";
import type { CliIo } from "../../util/io.ts";
import type { ConfigOverrides } from "../../config/config.ts";
import { collectGentxs, createGentx } from "../../genesis/gentx.ts";
import { initHome } from "../init/handler.ts";
import { runNode } from "../start/handler.ts";

export const DEV_CHAIN_ID = "openledger-dev-1";
export const DEV_HOME = ".openledger-dev";
export const DEV_KEY = "dev";
export const DEV_FUNDS = "1000000000000uopen";
/** the dev validator's self-delegation from DEV_FUNDS (gentx). */
export const DEV_SELF_BOND = "100000000uopen";

export interface DevSetup {
  home: string;
  created: boolean;
  address: string;
}

/** Creates the dev home unless it exists; idempotent. */
export async function ensureDevHome(home: string, reset: boolean): Promise<DevSetup> {
  const p = homePaths(home);
  if (reset && existsSync(p.home)) rmSync(p.home, { recursive: true, force: true });
  const kr = new Keyring({ home: p.home, backend: "test" });
  const hdPath = hdPathFor(0, 0);
  const key = await deriveKey(DEV_MNEMONIC, hdPath);
  let created = false;
  if (!existsSync(p.genesis)) {
    await initHome(p.home, { moniker: "dev", chainId: DEV_CHAIN_ID, overwrite: false });
    const g = readGenesisFile(p.genesis);
    addGenesisAccount(g, key.address, parseCoins(DEV_FUNDS));
    writeGenesisFile(p.genesis, g);
    // the validator comes from a gentx of the dev key (self-bond DEV_SELF_BOND), so staking, slashing,
    // distribution and the explorers' validator pages know it, as on the localnet
    if (!kr.has(DEV_KEY)) await kr.add(DEV_KEY, key, hdPath);
    await createGentx(p.home, kr, DEV_KEY, DEV_SELF_BOND, { chainId: DEV_CHAIN_ID, moniker: "dev" });
    await collectGentxs(p.home);
    created = true;
  }
  if (!kr.has(DEV_KEY)) await kr.add(DEV_KEY, key, hdPath);
  return { home: p.home, created, address: key.address };
}

export async function runDev(io: CliIo, home: string, reset: boolean, overrides: ConfigOverrides, shutdown: Promise<unknown>): Promise<void> {
  const setup = await ensureDevHome(home, reset);
  io.err(setup.created ? `dev: created a new dev chain in ${setup.home}` : `dev: continuing the dev chain in ${setup.home}`);
  // the dev chain serves every API (loopback only): REST 1317, gRPC 9090, metrics 26660, explorer
  await runNode(setup.home, { ...overrides, enableApis: true }, {
    shutdown,
    onStarted: ({ rpcUrl, chainId, ports }) => {
      io.err(
        [
          "",
          "  openledgerd dev chain is running",
          `  chain id:    ${chainId}`,
          `  RPC:         ${rpcUrl}`,
          ...(ports.rest > 0 ? [`  REST:        http://127.0.0.1:${ports.rest} (OpenAPI: /swagger, explorer: /explorer)`] : []),
          ...(ports.grpc > 0 ? [`  gRPC:        127.0.0.1:${ports.grpc} (server reflection)`] : []),
          ...(ports.metrics > 0 ? [`  metrics:     http://127.0.0.1:${ports.metrics}/metrics`] : []),
          `  dev address: ${setup.address} (key "dev" in the test keyring, funded with ${DEV_FUNDS} at genesis)`,
          `  home:        ${setup.home}`,
          "  Ctrl-C stops the node; the next run continues the same chain (--reset starts over).",
          "",
        ].join("\n"),
      );
    },
  });
}
