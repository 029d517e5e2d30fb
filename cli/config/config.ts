/**
 * config/config.toml (CometBFT-like keys) and config/app.toml (Cosmos SDK-like keys) ⇄ NodeOptions.
 * Written with comments from DEFAULT_NODE_OPTIONS; read back with defaults for missing keys; flags
 * override both (applyOverrides).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { parse } from "smol-toml";
import { DEFAULT_TIMEOUTS, type TimeoutParams } from "../../node/consensus/state.ts";
import { DEFAULT_NODE_OPTIONS, type NodeOptions } from "../../node/options.ts";
import { errorMessage, UserError } from "../util/errors.ts";
import { parseMinGasPrices } from "../util/coins.ts";
import { formatDurationMs, parseDurationMs } from "./duration.ts";
import { homePaths } from "./paths.ts";

export type ConfigOptions = Omit<NodeOptions, "chainId">;

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

const s = (v: string) => JSON.stringify(v);
const arr = (v: string[]) => `[${v.map(s).join(", ")}]`;

export function defaultConfig(home: string, moniker: string = DEFAULT_NODE_OPTIONS.moniker): ConfigOptions {
  return structuredClone({ ...DEFAULT_NODE_OPTIONS, home, moniker });
}

/** "tcp://127.0.0.1:26657" → "127.0.0.1:26657"; "" stays "" (disabled). */
export function stripScheme(laddr: string): string {
  return laddr.replace(/^tcp:\/\//, "");
}

export function validateLaddr(laddr: string, what: string): string {
  const a = stripScheme(laddr.trim());
  if (a === "") return a;
  const m = /^(.*):([0-9]{1,5})$/.exec(a);
  if (!m || Number(m[2]) > 65535) throw new UserError(`invalid ${what} "${laddr}": expected tcp://HOST:PORT`);
  return a;
}

const withScheme = (laddr: string) => (laddr === "" ? "" : `tcp://${laddr}`);

export function renderConfigToml(o: ConfigOptions): string {
  return `# openledgerd node configuration (CometBFT-style keys).
# Command-line flags override these values (e.g. --rpc.laddr, --block-interval).

# A name for this node, shown to peers and in the genesis validator list.
moniker = ${s(o.moniker)}

# Logging: level trace|debug|info|warn|error; format json|pretty.
log_level = ${s(o.log.level)}
log_format = ${s(o.log.format)}

#######################################################
###       RPC Server Configuration Options          ###
#######################################################
[rpc]
# CometBFT 0.38 JSON-RPC over HTTP and WebSocket; "" disables it.
laddr = ${s(withScheme(o.rpc.laddr))}
cors_allowed_origins = ${arr(o.rpc.corsAllowedOrigins)}
# Largest request body, in bytes.
max_body_bytes = ${o.rpc.maxBodyBytes}
max_subscriptions_per_client = ${o.rpc.maxSubscriptionsPerClient}
# How long broadcast_tx_commit waits for the tx to be included.
timeout_broadcast_tx_commit = ${s(formatDurationMs(o.rpc.timeoutBroadcastTxCommitMs))}

#######################################################
###         P2P Configuration Options               ###
#######################################################
[p2p]
laddr = ${s(withScheme(o.p2p.laddr))}
# Comma-separated list of id@host:port peers to keep connected to.
persistent_peers = ${s(o.p2p.persistentPeers.join(","))}
# Comma-separated list of id@host:port seed nodes.
seeds = ${s(o.p2p.seeds.join(","))}

#######################################################
###          Mempool Configuration Options          ###
#######################################################
[mempool]
# Maximum number of txs in the mempool.
size = ${o.mempool.maxTxs}
# Maximum total bytes of the txs in the mempool.
max_txs_bytes = ${o.mempool.maxTxsBytes}
# Maximum size of one tx, in bytes.
max_tx_bytes = ${o.mempool.maxTxBytes}
# Maximum pending txs per sender.
max_txs_per_sender = ${o.mempool.maxTxsPerSender}
# Size of the cache of seen txs (refuses duplicates early).
cache_size = ${o.mempool.cacheSize}
# Re-run CheckTx on the remaining txs after every block.
recheck = ${o.mempool.recheck}
# Answer a recheck from the tx's last CheckTx when the block changed nothing that check read or wrote
# (the same verdict, without running the ante again). Off by default: recording every check's reads
# and writes cost more than the rechecks it saved in the bank-send and localnet benches.
recheck_memo = ${o.mempool.recheckMemo}

#######################################################
###         Consensus Configuration Options         ###
#######################################################
[consensus]
# Time between blocks of the single-validator chain ("1s", "500ms"); with several validators (BFT),
# the delay after a block is decided before the next height starts (collects late precommits).
timeout_commit = ${s(formatDurationMs(o.consensus.blockIntervalMs))}
# Produce blocks even when there are no txs.
create_empty_blocks = ${o.consensus.createEmptyBlocks}

# BFT timeouts (CometBFT names): round r of a height waits base + r * delta, at most timeout_cap.
# How long to wait for a proposal block before prevoting nil.
timeout_propose = ${s(formatDurationMs(bftTimeouts(o).proposeMs))}
timeout_propose_delta = ${s(formatDurationMs(bftTimeouts(o).proposeDeltaMs))}
# How long to wait after receiving +2/3 prevotes for "anything" (not a single block or nil).
timeout_prevote = ${s(formatDurationMs(bftTimeouts(o).prevoteMs))}
timeout_prevote_delta = ${s(formatDurationMs(bftTimeouts(o).prevoteDeltaMs))}
# How long to wait after receiving +2/3 precommits for "anything" before the next round.
timeout_precommit = ${s(formatDurationMs(bftTimeouts(o).precommitMs))}
timeout_precommit_delta = ${s(formatDurationMs(bftTimeouts(o).precommitDeltaMs))}
# Upper bound of every per-round timeout (after a long halt rounds can be in the hundreds).
timeout_cap = ${s(formatDurationMs(bftTimeouts(o).capMs))}

# Before signing anything, look this many recent blocks back for a commit signature of this
# validator's key; refuse to start if one is found (another copy of this validator is running, or
# its state was restored from a backup). 0 disables the check (CometBFT double_sign_check_height).
double_sign_check_height = ${o.consensus.doubleSignCheckHeight ?? 0}

#######################################################
###       Instrumentation Configuration Options     ###
#######################################################
[instrumentation]
# Serve Prometheus metrics at prometheus_listen_addr.
prometheus = ${o.instrumentation.prometheus}
prometheus_listen_addr = ${s(o.instrumentation.laddr)}
`;
}

export function renderAppToml(o: ConfigOptions): string {
  return `# openledgerd application configuration (Cosmos SDK-style keys).

###############################################################################
###                           Base Configuration                            ###
###############################################################################

# The minimum gas prices a validator accepts for a tx in its mempool
# (e.g. "0.0025uopen"; several denoms comma-separated). A tx pays fee >= gas * price.
minimum-gas-prices = ${s(o.app.minimumGasPrices)}

# Run all invariants every N blocks (0 disables; slow, for tests).
inv-check-period = ${o.app.invariantCheckPeriod}

###############################################################################
###                           API Configuration                             ###
###############################################################################
[api]
# Cosmos REST (gRPC-gateway paths and JSON, as the SDK's API server).
enable = ${o.api?.enable === true}
address = ${s(withScheme(o.api?.laddr ?? "127.0.0.1:1317"))}

###############################################################################
###                           gRPC Configuration                            ###
###############################################################################
[grpc]
# Cosmos gRPC (every module's Query service, cosmos.tx.v1beta1.Service,
# cosmos.base.tendermint.v1beta1.Service, server reflection v1 and v1alpha).
enable = ${o.grpc?.enable === true}
address = ${s(o.grpc?.laddr ?? "127.0.0.1:9090")}
`;
}

export function writeConfigFiles(o: ConfigOptions): void {
  const p = homePaths(o.home);
  writeFileSync(p.configToml, renderConfigToml(o));
  writeFileSync(p.appToml, renderAppToml(o));
}

type Toml = Record<string, unknown>;

function readToml(file: string): Toml {
  if (!existsSync(file)) return {};
  try {
    return parse(readFileSync(file, "utf8")) as Toml;
  } catch (e) {
    throw new UserError(`cannot parse ${file}: ${errorMessage(e)}`);
  }
}

function section(t: Toml, name: string): Toml {
  const v = t[name];
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Toml) : {};
}

function str(t: Toml, key: string, def: string, file: string): string {
  const v = t[key];
  if (v === undefined) return def;
  if (typeof v !== "string") throw new UserError(`${file}: ${key} must be a string`);
  return v;
}

function num(t: Toml, key: string, def: number, file: string): number {
  const v = t[key];
  if (v === undefined) return def;
  const n = typeof v === "bigint" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) throw new UserError(`${file}: ${key} must be a non-negative integer`);
  return n;
}

function bool(t: Toml, key: string, def: boolean, file: string): boolean {
  const v = t[key];
  if (v === undefined) return def;
  if (typeof v !== "boolean") throw new UserError(`${file}: ${key} must be true or false`);
  return v;
}

function list(t: Toml, key: string, def: string[], file: string): string[] {
  const v = t[key];
  if (v === undefined) return def;
  if (typeof v === "string") return v.split(",").map((x) => x.trim()).filter((x) => x !== "");
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  throw new UserError(`${file}: ${key} must be a comma-separated string or a list of strings`);
}

/** the BFT timeouts a config carries (defaults: CometBFT's). */
function bftTimeouts(o: ConfigOptions): TimeoutParams {
  return { ...DEFAULT_TIMEOUTS, ...o.consensus.timeouts };
}

/** the keys of config.toml [consensus] that set TimeoutParams (timeout_commit maps to blockIntervalMs). */
const TIMEOUT_KEYS: readonly [string, Exclude<keyof TimeoutParams, "commitMs">][] = [
  ["timeout_propose", "proposeMs"],
  ["timeout_propose_delta", "proposeDeltaMs"],
  ["timeout_prevote", "prevoteMs"],
  ["timeout_prevote_delta", "prevoteDeltaMs"],
  ["timeout_precommit", "precommitMs"],
  ["timeout_precommit_delta", "precommitDeltaMs"],
  ["timeout_cap", "capMs"],
];

function readTimeouts(cs: Toml, def: Partial<TimeoutParams> | undefined, file: string): Partial<TimeoutParams> | undefined {
  const out: Partial<TimeoutParams> = { ...def };
  let any = def !== undefined;
  for (const [key, field] of TIMEOUT_KEYS) {
    if (cs[key] === undefined) continue;
    out[field] = duration(cs, key, 0, file);
    any = true;
  }
  if (out.capMs !== undefined && out.capMs <= 0) throw new UserError(`${file}: timeout_cap must be positive`);
  if (out.proposeMs !== undefined && out.proposeMs <= 0) throw new UserError(`${file}: timeout_propose must be positive`);
  return any ? out : undefined;
}

function timeoutsOf(t: Partial<TimeoutParams> | undefined): { timeouts?: Partial<TimeoutParams> } {
  return t === undefined ? {} : { timeouts: t };
}

function duration(t: Toml, key: string, defMs: number, file: string): number {
  const v = t[key];
  if (v === undefined) return defMs;
  if (typeof v !== "string" && typeof v !== "number") throw new UserError(`${file}: ${key} must be a duration like "1s"`);
  return parseDurationMs(v, `${file}: ${key}`);
}

export function parseLogFormat(v: string): "json" | "pretty" {
  if (v === "json" || v === "pretty") return v;
  throw new UserError(`invalid log format "${v}": use json or pretty`);
}

export function parseLogLevel(v: string): string {
  if ((LOG_LEVELS as readonly string[]).includes(v)) return v;
  throw new UserError(`invalid log level "${v}": use ${LOG_LEVELS.join(", ")}`);
}

/** Reads config.toml and app.toml of `home` (missing files or keys take the defaults). */
export function readConfig(home: string): ConfigOptions {
  const p = homePaths(home);
  const d = defaultConfig(p.home);
  const c = readToml(p.configToml);
  const a = readToml(p.appToml);
  const cf = p.configToml;
  const af = p.appToml;
  const rpc = section(c, "rpc");
  const p2p = section(c, "p2p");
  const mp = section(c, "mempool");
  const cs = section(c, "consensus");
  const ins = section(c, "instrumentation");
  const api = section(a, "api");
  const dApi = d.api ?? { enable: false, laddr: "127.0.0.1:1317" };
  const grpc = section(a, "grpc");
  const dGrpc = d.grpc ?? { enable: false, laddr: "127.0.0.1:9090" };
  const o: ConfigOptions = {
    home: p.home,
    moniker: str(c, "moniker", d.moniker, cf),
    rpc: {
      laddr: validateLaddr(str(rpc, "laddr", d.rpc.laddr, cf), `${cf}: rpc.laddr`),
      corsAllowedOrigins: list(rpc, "cors_allowed_origins", d.rpc.corsAllowedOrigins, cf),
      maxBodyBytes: num(rpc, "max_body_bytes", d.rpc.maxBodyBytes, cf),
      maxSubscriptionsPerClient: num(rpc, "max_subscriptions_per_client", d.rpc.maxSubscriptionsPerClient, cf),
      timeoutBroadcastTxCommitMs: duration(rpc, "timeout_broadcast_tx_commit", d.rpc.timeoutBroadcastTxCommitMs, cf),
    },
    p2p: {
      laddr: validateLaddr(str(p2p, "laddr", d.p2p.laddr, cf), `${cf}: p2p.laddr`),
      persistentPeers: list(p2p, "persistent_peers", d.p2p.persistentPeers, cf),
      seeds: list(p2p, "seeds", d.p2p.seeds, cf),
    },
    mempool: {
      maxTxs: num(mp, "size", d.mempool.maxTxs, cf),
      maxTxsBytes: num(mp, "max_txs_bytes", d.mempool.maxTxsBytes, cf),
      maxTxBytes: num(mp, "max_tx_bytes", d.mempool.maxTxBytes, cf),
      maxTxsPerSender: num(mp, "max_txs_per_sender", d.mempool.maxTxsPerSender, cf),
      cacheSize: num(mp, "cache_size", d.mempool.cacheSize, cf),
      recheck: bool(mp, "recheck", d.mempool.recheck, cf),
      recheckMemo: bool(mp, "recheck_memo", d.mempool.recheckMemo, cf),
    },
    consensus: {
      blockIntervalMs: duration(cs, "timeout_commit", d.consensus.blockIntervalMs, cf),
      createEmptyBlocks: bool(cs, "create_empty_blocks", d.consensus.createEmptyBlocks, cf),
      doubleSignCheckHeight: num(cs, "double_sign_check_height", d.consensus.doubleSignCheckHeight ?? 0, cf),
      ...timeoutsOf(readTimeouts(cs, d.consensus.timeouts, cf)),
    },
    app: {
      minimumGasPrices: str(a, "minimum-gas-prices", d.app.minimumGasPrices, af),
      invariantCheckPeriod: num(a, "inv-check-period", d.app.invariantCheckPeriod, af),
    },
    api: {
      enable: bool(api, "enable", dApi.enable, af),
      laddr: validateLaddr(str(api, "address", dApi.laddr, af), `${af}: api.address`),
    },
    grpc: {
      enable: bool(grpc, "enable", dGrpc.enable, af),
      laddr: validateLaddr(str(grpc, "address", dGrpc.laddr, af), `${af}: grpc.address`),
    },
    instrumentation: {
      prometheus: bool(ins, "prometheus", d.instrumentation.prometheus, cf),
      laddr: str(ins, "prometheus_listen_addr", d.instrumentation.laddr, cf),
    },
    log: {
      level: parseLogLevel(str(c, "log_level", d.log.level, cf)),
      format: parseLogFormat(str(c, "log_format", d.log.format, cf)),
    },
  };
  parseMinGasPrices(o.app.minimumGasPrices);
  return o;
}

/** Command-line flags that override the config files (undefined = not given). */
export interface ConfigOverrides {
  rpcLaddr?: string | undefined;
  p2pLaddr?: string | undefined;
  minimumGasPrices?: string | undefined;
  blockInterval?: string | undefined;
  logLevel?: string | undefined;
  logFormat?: string | undefined;
  /** --api.address: serve Cosmos REST there (enables it). */
  apiLaddr?: string | undefined;
  /** --grpc.address: serve gRPC there (enables it). */
  grpcLaddr?: string | undefined;
  /** --metrics.address: serve Prometheus metrics there (enables them). */
  metricsLaddr?: string | undefined;
  /** turn on REST, gRPC and metrics at their configured addresses (`dev`). */
  enableApis?: boolean | undefined;
}

export function applyOverrides(base: ConfigOptions, f: ConfigOverrides): ConfigOptions {
  const o = structuredClone(base);
  if (f.rpcLaddr !== undefined) o.rpc.laddr = validateLaddr(f.rpcLaddr, "--rpc.laddr");
  if (f.p2pLaddr !== undefined) o.p2p.laddr = validateLaddr(f.p2pLaddr, "--p2p.laddr");
  if (f.minimumGasPrices !== undefined) {
    parseMinGasPrices(f.minimumGasPrices);
    o.app.minimumGasPrices = f.minimumGasPrices;
  }
  if (f.blockInterval !== undefined) {
    const ms = parseDurationMs(f.blockInterval, "--block-interval");
    if (ms <= 0) throw new UserError("--block-interval must be positive");
    o.consensus.blockIntervalMs = ms;
  }
  if (f.enableApis === true) {
    o.api = { enable: true, laddr: o.api?.laddr ?? "127.0.0.1:1317" };
    o.grpc = { enable: true, laddr: o.grpc?.laddr ?? "127.0.0.1:9090" };
    o.instrumentation = { ...o.instrumentation, prometheus: true };
  }
  if (f.apiLaddr !== undefined) o.api = { enable: true, laddr: validateLaddr(f.apiLaddr, "--api.address") };
  if (f.grpcLaddr !== undefined) o.grpc = { enable: true, laddr: validateLaddr(f.grpcLaddr, "--grpc.address") };
  if (f.metricsLaddr !== undefined) o.instrumentation = { prometheus: true, laddr: validateLaddr(f.metricsLaddr, "--metrics.address").replace(/^tcp:\/\//, "") };
  if (f.logLevel !== undefined) o.log.level = parseLogLevel(f.logLevel);
  if (f.logFormat !== undefined) o.log.format = parseLogFormat(f.logFormat);
  return o;
}
