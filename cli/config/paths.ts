/** The node home layout (DESIGN.md): config/{config.toml,app.toml,genesis.json,node_key.json,priv_validator_key.json}, data/. */
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export const DEFAULT_HOME = join(homedir(), ".openledger");

export interface HomePaths {
  home: string;
  configDir: string;
  dataDir: string;
  configToml: string;
  appToml: string;
  genesis: string;
  nodeKey: string;
  privValidatorKey: string;
  privValidatorState: string;
  applicationDb: string;
}

export function homePaths(home: string): HomePaths {
  const h = resolve(home);
  const configDir = join(h, "config");
  const dataDir = join(h, "data");
  return {
    home: h,
    configDir,
    dataDir,
    configToml: join(configDir, "config.toml"),
    appToml: join(configDir, "app.toml"),
    genesis: join(configDir, "genesis.json"),
    nodeKey: join(configDir, "node_key.json"),
    privValidatorKey: join(configDir, "priv_validator_key.json"),
    privValidatorState: join(dataDir, "priv_validator_state.json"),
    applicationDb: join(dataDir, "application.db"),
  };
}
