/** Shared set-up of the explorer-facing e2e tests (apis, explorer). */
import { cli, DEV_MNEMONIC, tempHome } from "./harness.ts";

/** a single-validator home whose validator comes from a gentx of the dev key (so staking, slashing and distribution know it). */
export async function gentxHome(tag: string, chainId: string, edit?: (genesis: any) => void): Promise<string> {
  return (await gentxHomeWithKeys(tag, chainId, [], edit)).home;
}

/** gentxHome, plus funded test-keyring keys `names` (their addresses and mnemonics). */
export async function gentxHomeWithKeys(tag: string, chainId: string, names: string[], edit?: (genesis: any) => void): Promise<{ home: string; keys: Record<string, { address: string; mnemonic: string }> }> {
  const home = tempHome(tag);
  await cli(["init", tag, "--chain-id", chainId, "--home", home]);
  await cli(["keys", "add", "dev", "--recover", "--keyring-backend", "test", "--home", home], { input: `${DEV_MNEMONIC}\n` });
  await cli(["genesis", "add-account", "dev", "1000000000000uopen", "--keyring-backend", "test", "--home", home]);
  const keys: Record<string, { address: string; mnemonic: string }> = {};
  for (const n of names) {
    const j = JSON.parse(await cli(["keys", "add", n, "--keyring-backend", "test", "--home", home, "--output", "json"]));
    keys[n] = { address: j.address, mnemonic: j.mnemonic };
    await cli(["genesis", "add-account", n, "1000000000000uopen", "--keyring-backend", "test", "--home", home]);
  }
  if (edit !== undefined) {
    const { readFileSync, writeFileSync } = await import("node:fs");
    const file = `${home}/config/genesis.json`;
    const g = JSON.parse(readFileSync(file, "utf8"));
    edit(g);
    writeFileSync(file, JSON.stringify(g, null, 2));
  }
  await cli(["genesis", "gentx", "dev", "10000000uopen", "--moniker", tag, "--chain-id", chainId, "--keyring-backend", "test", "--home", home]);
  await cli(["genesis", "collect-gentxs", "--home", home]);
  return { home, keys };
}
