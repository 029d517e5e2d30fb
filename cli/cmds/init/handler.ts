/** `openledgerd init`: create a node home (config, keys, genesis) per DESIGN.md's layout. */
import { existsSync, mkdirSync } from "node:fs";
import { defaultAppState } from "../../app.ts";
import { defaultConfig, readConfig, writeConfigFiles } from "../../config/config.ts";
import { homePaths } from "../../config/paths.ts";
import { buildGenesis, validateChainId, writeGenesisFile } from "../../genesis/genesisFile.ts";
import { ensurePrivValidatorState, loadOrCreateNodeKey, loadOrCreatePrivValidatorKey } from "../../genesis/keys.ts";
import { UserError } from "../../util/errors.ts";
import { type CliIo, emit, type OutputFormat } from "../../util/io.ts";
import { VERSION } from "../../version.ts";

export interface InitOptions {
  moniker: string;
  chainId: string;
  overwrite: boolean;
}

export interface InitResult {
  moniker: string;
  chain_id: string;
  node_id: string;
  validator_address: string;
  home: string;
}

export async function initHome(home: string, o: InitOptions): Promise<InitResult> {
  validateChainId(o.chainId);
  if (o.moniker.trim() === "") throw new UserError("moniker must not be empty");
  const p = homePaths(home);
  if (existsSync(p.genesis) && !o.overwrite) {
    throw new UserError(`genesis file already exists: ${p.genesis} (use --overwrite to replace it)`);
  }
  const appState = await defaultAppState();
  mkdirSync(p.configDir, { recursive: true });
  mkdirSync(p.dataDir, { recursive: true, mode: 0o700 });
  if (!existsSync(p.configToml) || o.overwrite) {
    const base = existsSync(p.configToml) ? readConfig(p.home) : defaultConfig(p.home);
    writeConfigFiles({ ...base, moniker: o.moniker });
  } else if (!existsSync(p.appToml)) {
    writeConfigFiles({ ...readConfig(p.home), moniker: o.moniker });
  }
  const nodeId = loadOrCreateNodeKey(p.nodeKey);
  const pv = loadOrCreatePrivValidatorKey(p.privValidatorKey);
  ensurePrivValidatorState(p.privValidatorState);
  writeGenesisFile(p.genesis, buildGenesis({ chainId: o.chainId, moniker: o.moniker, appState, validator: pv, appVersion: VERSION }));
  return { moniker: o.moniker, chain_id: o.chainId, node_id: nodeId, validator_address: pv.address, home: p.home };
}

export async function initCmd(io: CliIo, output: OutputFormat, home: string, o: InitOptions): Promise<void> {
  const r = await initHome(home, o);
  emit(
    io,
    output,
    r,
    [
      `Initialized node home ${r.home}`,
      `  chain-id:          ${r.chain_id}`,
      `  moniker:           ${r.moniker}`,
      `  node id:           ${r.node_id}`,
      `  validator address: ${r.validator_address}`,
      `Next: add genesis accounts (openledgerd genesis add-account), then openledgerd start.`,
    ].join("\n"),
  );
}
