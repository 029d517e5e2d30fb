/**
 * E2E harness: real `cli/openledgerd` processes on 127.0.0.1 with their own homes and free ports.
 * Tests talk to them only through their public interfaces (RPC, CLI).
 */
import { type ChildProcess, spawn, execFile } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync, createWriteStream, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = join(ROOT, "cli/openledgerd");
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

const pexec = promisify(execFile);

/** binds 127.0.0.1:`port` (0: any) and closes it again; the port bound, or 0 if it is in use. */
async function probePort(port: number): Promise<number> {
  return await new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on("error", (e: NodeJS.ErrnoException) => (port !== 0 && e.code === "EADDRINUSE" ? res(0) : rej(e)));
    s.listen(port, "127.0.0.1", () => {
      const a = s.address();
      const bound = typeof a === "object" && a !== null ? a.port : 0;
      s.close(() => res(bound));
    });
  });
}

/**
 * node and provider processes started by this test process: killed when it exits, so a test file that
 * fails (or is cut short) before its teardown leaves no chain running on for the rest of the suite.
 */
const children = new Set<ChildProcess>();
export function track(proc: ChildProcess): ChildProcess {
  children.add(proc);
  proc.once("exit", () => children.delete(proc));
  return proc;
}
process.on("exit", () => {
  for (const c of children) {
    try {
      c.kill("SIGCONT");
      c.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
});

/** ports this process reserved (lock files, removed when it exits). */
const PORT_LOCK_DIR = join(tmpdir(), "openledger-test-ports");
const heldPortLocks: string[] = [];
process.on("exit", () => {
  for (const f of heldPortLocks) {
    try {
      unlinkSync(f);
    } catch {
      // already gone
    }
  }
});

/** the lowest port of the kernel's ephemeral range (outgoing connections take their local port from it). */
function ephemeralLow(): number {
  try {
    return Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || 0;
  } catch {
    return 0;
  }
}

/** takes the lock file of `port` for this process; a lock left by a process that is gone is taken over. */
function lockPort(port: number): boolean {
  mkdirSync(PORT_LOCK_DIR, { recursive: true });
  const f = join(PORT_LOCK_DIR, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(f, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      heldPortLocks.push(f);
      return true;
    } catch {
      let owner = 0;
      try {
        owner = Number(readFileSync(f, "utf8"));
      } catch {
        // removed meanwhile: try again
      }
      if (owner > 0) {
        try {
          process.kill(owner, 0);
          return false; // held by a live process
        } catch {
          // its process is gone
        }
      }
      try {
        unlinkSync(f);
      } catch {
        // someone else took it over first
      }
    }
  }
  return false;
}

/**
 * a port for a node to listen on later. A port the kernel hands out for port 0 lies in its ephemeral
 * range, where any outgoing connection (a peer dial, an RPC client, a CLI process) may take it as its
 * local port before the node binds it (EADDRINUSE: seconds pass between here and the bind, minutes for a
 * restarted node). So where that range leaves room below it, the port is picked below it, free now, and
 * reserved with a lock file (held until this process exits) so that concurrently running test files
 * never pick the same one.
 */
export async function freePort(): Promise<number> {
  const high = Math.min(ephemeralLow(), 65_536) - 1_000;
  const low = 12_000;
  if (high - low >= 5_000) {
    for (let i = 0; i < 100; i++) {
      const port = low + Math.floor(Math.random() * (high - low));
      if (port >= 26_000 && port < 28_000) continue; // CometBFT's defaults and `make localnet` (26656 + 100·i, …)
      if (!lockPort(port)) continue;
      if ((await probePort(port)) === port) return port;
    }
  }
  return await probePort(0);
}

export function tempHome(tag: string): string {
  return mkdtempSync(join(tmpdir(), `ol-${tag}-`));
}

/** runs the CLI and returns stdout; throws with stderr on a non-zero exit. */
export async function cli(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  if (opts.input !== undefined) {
    return await new Promise((res, rej) => {
      const p = spawn(BIN, args, { stdio: ["pipe", "pipe", "pipe"] });
      let out = "";
      let err = "";
      p.stdout.on("data", (d) => (out += d));
      p.stderr.on("data", (d) => (err += d));
      p.on("close", (code) => (code === 0 ? res(out) : rej(new Error(`openledgerd ${args.join(" ")} exited ${code}: ${err}${out}`))));
      p.stdin.end(opts.input);
    });
  }
  try {
    const r = await pexec(BIN, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 });
    return r.stdout;
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; code?: number; message: string };
    throw new Error(`openledgerd ${args.join(" ")} failed (${err.code}): ${err.stderr ?? ""}${err.stdout ?? ""}${err.message}`);
  }
}

export interface GenesisAccount {
  address: string;
  coins: { denom: string; amount: string }[];
}

/** adds accounts and balances to an initialised home's genesis (the same edit `genesis add-account` makes). */
export function addGenesisAccounts(home: string, accounts: GenesisAccount[]): void {
  const file = join(home, "config/genesis.json");
  const g = JSON.parse(readFileSync(file, "utf8"));
  const auth = g.app_state.auth;
  const bank = g.app_state.bank;
  let next = auth.accounts.length;
  const supply = new Map<string, bigint>();
  for (const c of bank.supply ?? []) supply.set(c.denom, BigInt(c.amount));
  for (const a of accounts) {
    auth.accounts.push({
      "@type": "/cosmos.auth.v1beta1.BaseAccount",
      address: a.address,
      pub_key: null,
      account_number: String(next++),
      sequence: "0",
    });
    bank.balances.push({ address: a.address, coins: a.coins });
    for (const c of a.coins) supply.set(c.denom, (supply.get(c.denom) ?? 0n) + BigInt(c.amount));
  }
  bank.supply = [...supply.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([denom, amount]) => ({ denom, amount: amount.toString() }));
  writeFileSync(file, JSON.stringify(g, null, 2));
}

export interface NodeProc {
  home: string;
  rpcPort: number;
  rpcUrl: string;
  proc: ChildProcess;
  logFile: string;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export async function rpc(url: string, method: string, params: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const j = (await res.json()) as { result?: unknown; error?: unknown };
  if (j.error !== undefined) throw new Error(`rpc ${method}: ${JSON.stringify(j.error)}`);
  return j.result;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

export async function height(url: string): Promise<number> {
  const s = await rpc(url, "status");
  return Number(s.sync_info.latest_block_height);
}

export async function waitHeight(url: string, h: number, timeoutMs = 30_000): Promise<number> {
  return await waitFor(`height ${h}`, async () => {
    const cur = await height(url);
    return cur >= h ? cur : undefined;
  }, timeoutMs);
}

/** initialises a single-validator home with chain id and funded accounts. */
export async function initNode(tag: string, chainId: string, accounts: GenesisAccount[]): Promise<string> {
  const home = tempHome(tag);
  await cli(["init", tag, "--chain-id", chainId, "--home", home]);
  addGenesisAccounts(home, accounts);
  return home;
}

/** `command` "dev": `openledgerd dev --home <home>` (creates the dev chain's home on first run; pass free ports for its REST, gRPC and metrics in extraArgs). */
export async function startNode(home: string, opts: { blockInterval?: string; extraArgs?: string[]; env?: Record<string, string>; command?: "start" | "dev" } = {}): Promise<NodeProc> {
  const rpcPort = await freePort();
  const p2pPort = await freePort();
  const logFile = join(home, "node.log");
  const log = createWriteStream(logFile, { flags: "a" });
  const args = [
    opts.command ?? "start",
    "--home", home,
    "--rpc.laddr", `tcp://127.0.0.1:${rpcPort}`,
    "--p2p.laddr", `tcp://127.0.0.1:${p2pPort}`,
    "--block-interval", opts.blockInterval ?? "200ms",
    ...(opts.extraArgs ?? []),
  ];
  const proc = track(spawn(BIN, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...(opts.env ?? {}) } }));
  proc.stdout?.pipe(log);
  proc.stderr?.pipe(log);
  const exited = new Promise<number | null>((res) => proc.on("exit", (code) => res(code)));
  const rpcUrl = `http://127.0.0.1:${rpcPort}`;
  const node: NodeProc = {
    home,
    rpcPort,
    rpcUrl,
    proc,
    logFile,
    exited,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill(signal);
      // a graceful stop (tests assert exit code 0) can take long on a loaded machine; SIGKILL only if it hangs
      const t = setTimeout(() => proc.kill("SIGKILL"), 60_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
  try {
    await Promise.race([
      waitHeight(rpcUrl, 1, 120_000), // includes the process start
      exited.then((c) => {
        throw new Error(`node exited with ${c} before producing a block; log:\n${readFileSync(logFile, "utf8").slice(-4000)}`);
      }),
    ]);
  } catch (e) {
    await node.stop("SIGKILL");
    throw e;
  }
  return node;
}

export function cleanup(home: string): void {
  if (process.env.KEEP_HOMES === "1") return;
  rmSync(home, { recursive: true, force: true });
}
