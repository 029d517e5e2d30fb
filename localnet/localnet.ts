/**
 * `make localnet` / `make localnet-stop`: 4 validators as separate `openledgerd start` processes on
 * 127.0.0.1, chain id openledger-localnet-1, homes .localnet/node{0..3}, node i on the dev ports + 100·i.
 *
 *   node localnet/localnet.ts start [--reset] [--nodes N] [--dir D]   set up once (gentxs), start, wait
 *   node localnet/localnet.ts stop  [--dir D]                          SIGTERM, then SIGKILL after 15 s
 *   node localnet/localnet.ts status [--dir D]                         height and last block hash per node
 *
 * Setup (only when <dir>/manifest.json is absent, or with --reset): `init` each home; a `val` key per
 * home (keyring test); node0's genesis funds the four validator accounts and the dev account; the
 * genesis goes to every home; `genesis gentx val 10000000uopen` per node; node0 runs
 * `genesis collect-gentxs` over all four; the result is copied to every home; config.toml / app.toml
 * get the ports, persistent_peers (the other three, ids from node_key.json) and timeout_commit = 800ms
 * (the commit timeout runs from the decision; proposing and voting take the rest: blocks ≈ 1 s apart).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { fromBase64 } from "../modules/core/bytes.ts";
import { nodeIdFromPubKey } from "../node/crypto/keyFiles.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "cli/openledgerd");
export const CHAIN_ID = "openledger-localnet-1";
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";
const FUNDS = "1000000000000uopen";
const SELF_BOND = "10000000uopen";
export const BASE = { p2p: 26656, rpc: 26657, metrics: 26660, rest: 1317, grpc: 9090 };

export interface NodeEntry {
  index: number;
  home: string;
  nodeId: string;
  address: string;
  ports: { p2p: number; rpc: number; metrics: number; rest: number; grpc: number };
  rpcUrl: string;
  log: string;
  pidFile: string;
}
export interface Manifest {
  chainId: string;
  createdAt: string;
  devMnemonic: string;
  nodes: NodeEntry[];
}

function args(): { cmd: string; reset: boolean; nodes: number; dir: string } {
  const a = process.argv.slice(2);
  const flag = (name: string): string | undefined => {
    const i = a.indexOf(name);
    return i >= 0 ? a[i + 1] : undefined;
  };
  return {
    cmd: a[0] ?? "start",
    reset: a.includes("--reset") || process.env["LOCALNET_RESET"] === "1",
    nodes: Number(flag("--nodes") ?? 4),
    dir: resolve(ROOT, flag("--dir") ?? process.env["LOCALNET_DIR"] ?? ".localnet"),
  };
}

function cli(argv: string[], input?: string): string {
  return execFileSync(BIN, argv, { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }).trim();
}

export function portsFor(i: number): NodeEntry["ports"] {
  return { p2p: BASE.p2p + 100 * i, rpc: BASE.rpc + 100 * i, metrics: BASE.metrics + 100 * i, rest: BASE.rest + 100 * i, grpc: BASE.grpc + 100 * i };
}

function setKey(text: string, section: string | undefined, key: string, value: string): string {
  // replaces `key = …` within [section] (or the top level when undefined)
  const lines = text.split("\n");
  let cur: string | undefined;
  let done = false;
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*\[([^\]]+)\]\s*$/.exec(lines[i]!);
    if (m) { cur = m[1]; continue; }
    if (cur === section && new RegExp(`^\\s*${key.replace(/[.-]/g, "\\$&")}\\s*=`).test(lines[i]!)) {
      lines[i] = `${key} = ${value}`;
      done = true;
      break;
    }
  }
  if (!done) throw new Error(`config key ${section ?? ""}.${key} not found`);
  return lines.join("\n");
}

function setup(dir: string, n: number): Manifest {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const nodes: NodeEntry[] = [];
  for (let i = 0; i < n; i++) {
    const home = join(dir, `node${i}`);
    cli(["init", `node${i}`, "--chain-id", CHAIN_ID, "--home", home]);
    cli(["keys", "add", "val", "--keyring-backend", "test", "--home", home, "-o", "json"]);
    const address = cli(["keys", "show", "val", "-a", "--keyring-backend", "test", "--home", home]);
    const nk = JSON.parse(readFileSync(join(home, "config/node_key.json"), "utf8"));
    const nodeId = nodeIdFromPubKey(fromBase64(nk.priv_key.value).subarray(32, 64));
    const ports = portsFor(i);
    nodes.push({ index: i, home, nodeId, address, ports, rpcUrl: `http://127.0.0.1:${ports.rpc}`, log: join(dir, `node${i}.log`), pidFile: join(dir, `node${i}.pid`) });
    console.log(`localnet: node${i} id ${nodeId} validator account ${address}`);
  }
  const h0 = nodes[0]!.home;
  cli(["keys", "add", "dev", "--recover", "--keyring-backend", "test", "--home", h0], `${DEV_MNEMONIC}\n`);
  for (const nd of nodes) cli(["genesis", "add-account", nd.address, FUNDS, "--home", h0]);
  cli(["genesis", "add-account", "dev", FUNDS, "--keyring-backend", "test", "--home", h0]);
  const g0 = join(h0, "config/genesis.json");
  for (const nd of nodes.slice(1)) copyFileSync(g0, join(nd.home, "config/genesis.json"));
  const gentxDir = join(h0, "config/gentx");
  for (const nd of nodes) {
    cli(["genesis", "gentx", "val", SELF_BOND, "--moniker", `node${nd.index}`, "--chain-id", CHAIN_ID, "--p2p-port", String(nd.ports.p2p), "--keyring-backend", "test", "--home", nd.home]);
    if (nd.index !== 0) {
      const src = join(nd.home, "config/gentx");
      mkdirSync(gentxDir, { recursive: true });
      for (const f of readdirSync(src)) copyFileSync(join(src, f), join(gentxDir, f));
    }
  }
  cli(["genesis", "collect-gentxs", "--home", h0]);
  cli(["genesis", "validate", "--home", h0]);
  for (const nd of nodes.slice(1)) copyFileSync(g0, join(nd.home, "config/genesis.json"));

  for (const nd of nodes) {
    const cfgPath = join(nd.home, "config/config.toml");
    const peers = nodes.filter((o) => o !== nd).map((o) => `${o.nodeId}@127.0.0.1:${o.ports.p2p}`).join(",");
    let cfg = readFileSync(cfgPath, "utf8");
    cfg = setKey(cfg, "rpc", "laddr", `"tcp://127.0.0.1:${nd.ports.rpc}"`);
    cfg = setKey(cfg, "p2p", "laddr", `"tcp://127.0.0.1:${nd.ports.p2p}"`);
    cfg = setKey(cfg, "p2p", "persistent_peers", `"${peers}"`);
    cfg = setKey(cfg, "consensus", "timeout_commit", `"800ms"`);
    cfg = setKey(cfg, "instrumentation", "prometheus", "true");
    cfg = setKey(cfg, "instrumentation", "prometheus_listen_addr", `"127.0.0.1:${nd.ports.metrics}"`);
    writeFileSync(cfgPath, cfg);
    const appPath = join(nd.home, "config/app.toml");
    let app = readFileSync(appPath, "utf8");
    app = setKey(app, "api", "enable", "true");
    app = setKey(app, "api", "address", `"tcp://127.0.0.1:${nd.ports.rest}"`);
    app = setKey(app, "grpc", "enable", "true");
    app = setKey(app, "grpc", "address", `"127.0.0.1:${nd.ports.grpc}"`);
    writeFileSync(appPath, app);
  }
  const manifest: Manifest = { chainId: CHAIN_ID, createdAt: new Date().toISOString(), devMnemonic: DEV_MNEMONIC, nodes };
  writeFileSync(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function pidOf(nd: NodeEntry): number | undefined {
  if (!existsSync(nd.pidFile)) return undefined;
  const pid = Number(readFileSync(nd.pidFile, "utf8").trim());
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
}

function launch(nd: NodeEntry): number {
  const fd = openSync(nd.log, "a");
  const child: ChildProcess = spawn(BIN, ["start", "--home", nd.home], { detached: true, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  child.unref();
  writeFileSync(nd.pidFile, `${child.pid}\n`);
  return child.pid!;
}

async function rpc(url: string, method: string, params: Record<string, string> = {}): Promise<any> {
  const q = new URLSearchParams(params).toString();
  const r = await fetch(`${url}/${method}${q ? `?${q}` : ""}`, { signal: AbortSignal.timeout(2000) });
  const j = (await r.json()) as { result?: unknown; error?: unknown };
  if (j.error !== undefined) throw new Error(JSON.stringify(j.error));
  return j.result;
}

async function height(nd: NodeEntry): Promise<number> {
  try {
    return Number((await rpc(nd.rpcUrl, "status")).sync_info.latest_block_height);
  } catch {
    return -1;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function load(dir: string): Manifest | undefined {
  const p = join(dir, "manifest.json");
  return existsSync(p) ? (JSON.parse(readFileSync(p, "utf8")) as Manifest) : undefined;
}

async function stop(dir: string): Promise<void> {
  const m = load(dir);
  if (m === undefined) return void console.log(`localnet: nothing at ${dir}`);
  const pids = m.nodes.map((nd) => [nd, pidOf(nd)] as const).filter((x): x is readonly [NodeEntry, number] => x[1] !== undefined);
  for (const [, pid] of pids) process.kill(pid, "SIGTERM");
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && pids.some(([, pid]) => alive(pid))) await sleep(200);
  for (const [nd, pid] of pids) {
    if (alive(pid)) {
      console.log(`localnet: node${nd.index} (pid ${pid}) ignored SIGTERM; SIGKILL`);
      process.kill(pid, "SIGKILL");
    }
  }
  for (const nd of m.nodes) rmSync(nd.pidFile, { force: true });
  console.log(`localnet: stopped ${pids.length} node(s)`);
}

async function start(dir: string, reset: boolean, n: number): Promise<void> {
  let m = load(dir);
  if (m !== undefined && m.nodes.some((nd) => pidOf(nd) !== undefined)) {
    if (!reset) throw new Error(`localnet already running (${dir}); make localnet-stop first`);
    await stop(dir);
  }
  if (m === undefined || reset) {
    console.log(`localnet: setting up ${n} validators in ${dir}`);
    m = setup(dir, n);
  } else {
    console.log(`localnet: continuing the chain in ${dir} (make localnet-reset starts over)`);
  }
  for (const nd of m.nodes) console.log(`localnet: node${nd.index} pid ${launch(nd)} log ${nd.log}`);
  const deadline = Date.now() + 120_000;
  let target: number | undefined; // ≥ 2, and one block past what the nodes had when they all answered (a continued chain must make progress)
  for (;;) {
    const hs = await Promise.all(m.nodes.map(height));
    if (target === undefined && hs.every((h) => h >= 0)) target = Math.max(2, Math.max(...hs) + 1);
    if (target !== undefined && hs.every((h) => h >= target!)) {
      console.log(`localnet: all ${m.nodes.length} nodes at height ≥ ${target} (${hs.join(", ")})`);
      break;
    }
    const dead = m.nodes.filter((nd) => pidOf(nd) === undefined);
    if (dead.length > 0) throw new Error(`localnet: node(s) exited: ${dead.map((nd) => `node${nd.index} (see ${nd.log})`).join(", ")}`);
    if (Date.now() > deadline) throw new Error(`localnet: timed out waiting for height 2 (heights ${hs.join(", ")})`);
    await sleep(500);
  }
  console.log(`chain id ${m.chainId}`);
  for (const nd of m.nodes) console.log(`node${nd.index}  RPC ${nd.rpcUrl}  REST http://127.0.0.1:${nd.ports.rest}  p2p ${nd.nodeId}@127.0.0.1:${nd.ports.p2p}  log ${nd.log}`);
  console.log(`dev account: ${DEV_MNEMONIC} (keyring of ${m.nodes[0]!.home}, key "dev")`);
}

async function status(dir: string): Promise<void> {
  const m = load(dir);
  if (m === undefined) return void console.log(`localnet: nothing at ${dir}`);
  for (const nd of m.nodes) {
    const h = await height(nd);
    let hash = "";
    if (h > 0) hash = (await rpc(nd.rpcUrl, "block", { height: String(h) })).block_id.hash;
    console.log(`node${nd.index} pid ${pidOf(nd) ?? "-"} height ${h} ${hash}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const a = args();
  const run = a.cmd === "stop" ? stop(a.dir) : a.cmd === "status" ? status(a.dir) : start(a.dir, a.reset, a.nodes);
  run.catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
