/**
 * Shared setup for the 4-validator e2e tests (bft.test.ts, bftFaults.test.ts): four real
 * `openledgerd start` processes on 127.0.0.1 (free ports), a 4-validator genesis
 * (consensus.validators from each home's priv_validator_key.json, power 10), persistent peers in
 * config.toml, optionally funded genesis accounts. Helpers to signal/restart a process and to
 * compare chains across nodes.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, createWriteStream, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nodeIdFromPubKey } from "../../node/crypto/keyFiles.ts";
import { toBech32 } from "../../modules/core/address.ts";
import { fromBase64, fromHex } from "../../modules/core/bytes.ts";
import { addGenesisAccounts, BIN, cleanup, cli, freePort, type GenesisAccount, rpc, tempHome, track, waitFor } from "./harness.ts";
import { txHashHex } from "./txLoad.ts";

export const CHAIN_ID = "openledger-localnet-1";

export interface Proc {
  home: string;
  rpcUrl: string;
  rpcPort: number;
  p2pPort: number;
  proc: ChildProcess | undefined;
}

/** starts `openledgerd start` for a home (log appended to <home>/node.log); blocks 200 ms apart unless `blockInterval`. */
export function launch(p: Proc, env: Record<string, string> = {}, opts: { blockInterval?: string; extraArgs?: string[] } = {}): void {
  const log = createWriteStream(join(p.home, "node.log"), { flags: "a" });
  const args = ["start", "--home", p.home, "--rpc.laddr", `tcp://127.0.0.1:${p.rpcPort}`, "--block-interval", opts.blockInterval ?? "200ms", ...(opts.extraArgs ?? [])];
  const proc = track(spawn(BIN, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  }));
  proc.stdout?.pipe(log);
  proc.stderr?.pipe(log);
  p.proc = proc;
}

export async function kill(p: Proc, signal: NodeJS.Signals): Promise<void> {
  const proc = p.proc;
  p.proc = undefined;
  if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.on("exit", r));
  proc.kill("SIGCONT"); // a stopped process cannot handle SIGTERM
  proc.kill(signal);
  const t = setTimeout(() => proc.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(t);
}

/** sends a signal to a running process without forgetting it (SIGSTOP / SIGCONT). */
export function signal(p: Proc, sig: NodeJS.Signals): void {
  assert.ok(p.proc !== undefined && p.proc.exitCode === null, "process running");
  p.proc.kill(sig);
}

/**
 * a read-only RPC call that retries a failed connection (undici "fetch failed": e.g. a keep-alive socket
 * the node closed just as it was reused, which a loaded machine makes likelier) up to 3 times; RPC
 * errors and a node that stays unreachable still fail.
 */
export async function readRpc(url: string, method: string, params: Record<string, unknown> = {}): Promise<any> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await rpc(url, method, params);
    } catch (e) {
      if (!(e instanceof TypeError) || attempt >= 3) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export async function heightOf(p: Proc): Promise<number> {
  const s = await readRpc(p.rpcUrl, "status");
  return Number(s.sync_info.latest_block_height);
}

export async function blockHash(p: Proc, h: number): Promise<string> {
  const b = await readRpc(p.rpcUrl, "block", { height: String(h) });
  return b.block_id.hash as string;
}

export async function waitHeight(p: Proc, h: number, timeoutMs = 60_000): Promise<number> {
  return await waitFor(`node ${p.rpcPort} at height ${h}`, async () => {
    const cur = await heightOf(p);
    return cur >= h ? cur : undefined;
  }, timeoutMs, 250);
}

/**
 * the heights of `procs` once none of them has changed for `quietMs`: after a halt (validators killed,
 * a partition), a block decided just before it may still be finishing on its way to the store, and on a
 * loaded machine that takes longer than any fixed pause. Fails after `timeoutMs` if they keep moving.
 */
export async function settledHeights(procs: Proc[], quietMs = 2_000, timeoutMs = 60_000): Promise<number[]> {
  const end = Date.now() + timeoutMs;
  let last = await Promise.all(procs.map(heightOf));
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > end) throw new Error(`heights still changing after ${timeoutMs} ms: ${last.join(", ")}`);
    await new Promise((r) => setTimeout(r, 250));
    const now = await Promise.all(procs.map(heightOf));
    if (now.some((h, i) => h !== last[i])) {
      last = now;
      since = Date.now();
    }
  }
  return last;
}

/** creates four initialised homes with a shared 4-validator genesis and peers; does not start them. */
export async function setupNet(tag: string, accounts: GenesisAccount[] = []): Promise<Proc[]> {
  const procs: Proc[] = [];
  for (let i = 0; i < 4; i++) {
    const home = tempHome(`${tag}${i}`);
    await cli(["init", `val${i}`, "--chain-id", CHAIN_ID, "--home", home]);
    const rpcPort = await freePort();
    procs.push({ home, rpcPort, p2pPort: await freePort(), rpcUrl: `http://127.0.0.1:${rpcPort}`, proc: undefined });
  }
  if (accounts.length > 0) addGenesisAccounts(procs[0]!.home, accounts);
  const genesis = JSON.parse(readFileSync(join(procs[0]!.home, "config/genesis.json"), "utf8"));
  const peers: string[] = [];
  genesis.consensus.validators = procs.map((p, i) => {
    const key = JSON.parse(readFileSync(join(p.home, "config/priv_validator_key.json"), "utf8"));
    const nk = JSON.parse(readFileSync(join(p.home, "config/node_key.json"), "utf8"));
    const nodePub = fromBase64(nk.priv_key.value).subarray(32, 64);
    peers.push(`${nodeIdFromPubKey(nodePub)}@127.0.0.1:${p.p2pPort}`);
    return { address: key.address, pub_key: key.pub_key, power: "10", name: `val${i}` };
  });
  for (const p of procs) {
    writeFileSync(join(p.home, "config/genesis.json"), JSON.stringify(genesis, null, 2));
    const cfgPath = join(p.home, "config/config.toml");
    const cfg = readFileSync(cfgPath, "utf8")
      .replace(/^laddr = "tcp:\/\/127\.0\.0\.1:26656"$/m, `laddr = "tcp://127.0.0.1:${p.p2pPort}"`)
      .replace(/^persistent_peers = ""$/m, `persistent_peers = "${peers.join(",")}"`);
    writeFileSync(cfgPath, cfg);
  }
  return procs;
}

export interface GentxProc extends Proc {
  /** the validator's operator address (openvaloper1…) and consensus address (openvalcons1…). */
  valoper: string;
  consAddress: string;
}

/**
 * like setupNet, but the validators come from gentxs as in localnet/localnet.ts, so staking and
 * slashing know them: a `val` key per home (keyring test), funded in node0's genesis (plus
 * `accounts`), `genesis gentx val <selfBond>` per node, `collect-gentxs` on node0, the result copied
 * to every home; consensus.validators stays empty (InitChain's validator updates define the set).
 */
export async function setupGentxNet(tag: string, accounts: GenesisAccount[] = [], selfBond: string | ((i: number) => string) = "10000000uopen", editGenesis?: (g: Record<string, any>) => void): Promise<GentxProc[]> {
  const procs: GentxProc[] = [];
  const peers: string[] = [];
  for (let i = 0; i < 4; i++) {
    const home = tempHome(`${tag}${i}`);
    await cli(["init", `val${i}`, "--chain-id", CHAIN_ID, "--home", home]);
    await cli(["keys", "add", "val", "--keyring-backend", "test", "--home", home, "--output", "json"]);
    const valoper = (await cli(["keys", "show", "val", "--bech", "val", "-a", "--keyring-backend", "test", "--home", home])).trim();
    const key = JSON.parse(readFileSync(join(home, "config/priv_validator_key.json"), "utf8"));
    const consAddress = toBech32("openvalcons", fromHex(key.address as string));
    const nk = JSON.parse(readFileSync(join(home, "config/node_key.json"), "utf8"));
    const rpcPort = await freePort();
    const p2pPort = await freePort();
    peers.push(`${nodeIdFromPubKey(fromBase64(nk.priv_key.value).subarray(32, 64))}@127.0.0.1:${p2pPort}`);
    procs.push({ home, rpcPort, p2pPort, rpcUrl: `http://127.0.0.1:${rpcPort}`, proc: undefined, valoper, consAddress });
  }
  const h0 = procs[0]!.home;
  for (const p of procs) {
    const addr = (await cli(["keys", "show", "val", "-a", "--keyring-backend", "test", "--home", p.home])).trim();
    await cli(["genesis", "add-account", addr, "1000000000000uopen", "--home", h0]);
  }
  if (accounts.length > 0) addGenesisAccounts(h0, accounts);
  const g0 = join(h0, "config/genesis.json");
  for (const p of procs.slice(1)) copyFileSync(g0, join(p.home, "config/genesis.json"));
  const gentxDir = join(h0, "config/gentx");
  for (const [i, p] of procs.entries()) {
    await cli(["genesis", "gentx", "val", typeof selfBond === "string" ? selfBond : selfBond(i), "--moniker", `val${i}`, "--chain-id", CHAIN_ID, "--p2p-port", String(p.p2pPort), "--keyring-backend", "test", "--home", p.home]);
    if (i !== 0) {
      const src = join(p.home, "config/gentx");
      mkdirSync(gentxDir, { recursive: true });
      for (const f of readdirSync(src)) copyFileSync(join(src, f), join(gentxDir, f));
    }
  }
  await cli(["genesis", "collect-gentxs", "--home", h0]);
  // e.g. short gov voting periods (gov e2e)
  if (editGenesis !== undefined) {
    const g = JSON.parse(readFileSync(g0, "utf8"));
    editGenesis(g);
    writeFileSync(g0, JSON.stringify(g, null, 2));
  }
  await cli(["genesis", "validate", "--home", h0]);
  for (const p of procs) {
    if (p !== procs[0]) copyFileSync(g0, join(p.home, "config/genesis.json"));
    const cfgPath = join(p.home, "config/config.toml");
    const others = peers.filter((_, j) => procs[j] !== p);
    const cfg = readFileSync(cfgPath, "utf8")
      .replace(/^laddr = "tcp:\/\/127\.0\.0\.1:26656"$/m, `laddr = "tcp://127.0.0.1:${p.p2pPort}"`)
      .replace(/^persistent_peers = ""$/m, `persistent_peers = "${others.join(",")}"`);
    writeFileSync(cfgPath, cfg);
  }
  return procs;
}

export async function teardown(procs: Proc[]): Promise<void> {
  await Promise.all(procs.map((p) => kill(p, "SIGTERM")));
  for (const p of procs) cleanup(p.home);
}

/**
 * Safety checks across nodes, heights 1..upTo: one block hash per height over every node that has
 * it (no fork), and identical app hashes at every height all the given nodes have.
 */
export async function assertNoFork(procs: Proc[], upTo: number): Promise<void> {
  for (let h = 1; h <= upTo; h++) {
    const blocks = await Promise.all(procs.map(async (p) => {
      try {
        return await rpc(p.rpcUrl, "block", { height: String(h) });
      } catch {
        return undefined; // the node does not have that height (yet)
      }
    }));
    const present = blocks.filter((b) => b !== undefined);
    assert.ok(present.length > 0, `some node has height ${h}`);
    const hashes = new Set(present.map((b) => b.block_id.hash as string));
    assert.equal(hashes.size, 1, `one block at height ${h}: ${[...hashes].join(", ")}`);
    const appHashes = new Set(present.map((b) => b.block.header.app_hash as string));
    assert.equal(appHashes.size, 1, `one app hash at height ${h}`);
  }
}

/**
 * The after-fault checks of issue 3 item 5 on running nodes (all given nodes must be up):
 *  - I1: one block hash per height 1..top over every node (top = the lowest node height);
 *  - I3: one header app hash per height, and each node's `abci_info` app hash equals the app hash in the
 *    header of the next block wherever that block exists (same app state on every node);
 *  - I4: every acknowledged tx hash is in exactly one block on every node (waiting up to `timeoutMs`, from
 *    the end of the first scan, for acknowledged-but-pending ones to commit) and `tx` finds it with code 0 at that height on every node.
 * Incremental: a ChainChecker remembers the agreed block hash and header app hash of every height it has
 * verified, the txs of those blocks (tx hash → heights), and per node the height up to which that node's
 * blocks were compared with the agreed ones and which txs its tx index already showed. A later check fetches
 * from a node only the heights above its mark, so repeated checks (one per fault step) cost the new heights,
 * not the whole chain again. A node named in `restarted`, or whose process changed since the last check
 * (relaunched), is compared again from height 1 (block ids and header app hashes of the agreed heights
 * through `blockchain`, 20 a call) and its tx index looked up again in full: a restart is when its stores
 * can change (WAL replay, handshake, crash recovery); a running node's block store only grows.
 * Returns the height checked and the number of acknowledged txs.
 */
export class ChainChecker {
  private readonly indexed = new Map<Proc, Set<string>>();
  /** height → agreed block hash and header app hash (from every node that was compared at that height). */
  private readonly agreed = new Map<number, { hash: string; app: string }>();
  /** tx hash → every height whose agreed block carries it. */
  private readonly txHeights = new Map<string, number[]>();
  /** per node: heights 1..n of its block store were compared with the agreed blocks. */
  private readonly verifiedUpTo = new Map<Proc, number>();
  /** per node: the process seen at its last check (a new one means it was relaunched). */
  private readonly lastProc = new Map<Proc, Proc["proc"]>();

  async check(procs: Proc[], acked: Iterable<string>, opts: { timeoutMs?: number; restarted?: Proc[] } = {}): Promise<{ height: number; txs: number }> {
    const want = new Set(acked);
    for (const p of procs) {
      const relaunched = this.lastProc.has(p) && this.lastProc.get(p) !== p.proc;
      if (relaunched || (opts.restarted ?? []).includes(p)) {
        this.verifiedUpTo.delete(p);
        this.indexed.delete(p);
      }
      this.lastProc.set(p, p.proc);
    }
    const mark = (p: Proc) => this.verifiedUpTo.get(p) ?? 0;
    // heights already agreed (1..agreed.size) that a node has not been compared at (it is new or restarted):
    // its block ids and header app hashes via `blockchain`, 20 heights a call
    await Promise.all(procs.map(async (p) => {
      const upTo = Math.min(this.agreed.size, await heightOf(p));
      for (let lo = mark(p) + 1; lo <= upTo; lo += 20) {
        const hi = Math.min(lo + 19, upTo);
        const r = await readRpc(p.rpcUrl, "blockchain", { minHeight: String(lo), maxHeight: String(hi) });
        const metas = new Map(((r.block_metas ?? []) as { block_id: { hash: string }; header: { height: string; app_hash: string } }[]).map((m) => [Number(m.header.height), m]));
        for (let h = lo; h <= hi; h++) {
          const m = metas.get(h);
          assert.ok(m !== undefined, `node ${p.rpcPort}: block meta of height ${h}`);
          const a = this.agreed.get(h)!;
          assert.equal(m.block_id.hash, a.hash, `I1: one block at height ${h}: node ${p.rpcPort} has ${m.block_id.hash}, the others ${a.hash}`);
          assert.equal(m.header.app_hash, a.app, `I3: one app hash in the headers at height ${h} (node ${p.rpcPort})`);
        }
        this.verifiedUpTo.set(p, hi);
      }
    }));
    let checked = Math.min(...procs.map(mark));
    // the wait for pending txs starts once the chain has been scanned up to the top once (a long chain on
    // a loaded machine can take longer to scan than the wait itself)
    let deadline = Number.POSITIVE_INFINITY;
    for (;;) {
      const top = Math.min(...(await Promise.all(procs.map(heightOf))));
      for (let h = checked + 1; h <= top; h++) {
        const todo = procs.filter((p) => mark(p) < h);
        const blocks = await Promise.all(todo.map((p) => readRpc(p.rpcUrl, "block", { height: String(h) })));
        const known = this.agreed.get(h);
        const hashes = new Set([...blocks.map((b) => b.block_id.hash as string), ...(known === undefined ? [] : [known.hash])]);
        assert.equal(hashes.size, 1, `I1: one block at height ${h} across ${procs.length} nodes: ${[...hashes].join(", ")}`);
        const apps = new Set([...blocks.map((b) => b.block.header.app_hash as string), ...(known === undefined ? [] : [known.app])]);
        assert.equal(apps.size, 1, `I3: one app hash in the headers at height ${h}`);
        if (known === undefined) {
          this.agreed.set(h, { hash: [...hashes][0]!, app: [...apps][0]! });
          for (const t of (blocks[0].block.data.txs ?? []) as string[]) {
            const hash = txHashHex(Buffer.from(t, "base64"));
            const at = this.txHeights.get(hash);
            if (at === undefined) this.txHeights.set(hash, [h]);
            else at.push(h);
          }
        }
        for (const p of todo) this.verifiedUpTo.set(p, h);
        checked = h;
      }
      if (checked < top) checked = top; // every node was already verified up to top
      for (const hash of want) {
        const at = this.txHeights.get(hash);
        if (at !== undefined && at.length > 1) assert.fail(`I4: tx ${hash} committed twice (heights ${at.join(" and ")})`);
      }
      const missing = [...want].filter((h) => !this.txHeights.has(h));
      if (missing.length === 0) break;
      if (deadline === Number.POSITIVE_INFINITY) deadline = Date.now() + (opts.timeoutMs ?? 30_000);
      if (Date.now() > deadline) assert.fail(`I4: ${missing.length} of ${want.size} acknowledged txs not committed by height ${checked}: ${missing.slice(0, 5).join(", ")}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    // every node's app state: abci_info (height H, app hash) = header(H+1).app_hash when H+1 ≤ checked
    for (const p of procs) {
      const info = await readRpc(p.rpcUrl, "abci_info");
      const h = Number(info.response.last_block_height);
      const app = Buffer.from(info.response.last_block_app_hash ?? "", "base64").toString("hex").toUpperCase();
      const next = h + 1 <= checked ? this.agreed.get(h + 1)?.app : undefined;
      if (next !== undefined) assert.equal(app, next.toUpperCase(), `I3: node ${p.rpcPort} app hash after height ${h}`);
    }
    // the tx index of every node
    await Promise.all(procs.map(async (p) => {
      const done = this.indexed.get(p) ?? new Set<string>();
      this.indexed.set(p, done);
      const list = [...want].filter((h) => !done.has(h));
      for (let i = 0; i < list.length; i += 32) {
        await Promise.all(list.slice(i, i + 32).map(async (hash) => {
          const r = await waitFor(`tx ${hash} indexed on node ${p.rpcPort}`, async () => await rpc(p.rpcUrl, "tx", { hash: `0x${hash}` }), 30_000, 250);
          assert.equal(r.tx_result.code, 0, `I4: tx ${hash} result on node ${p.rpcPort}`);
          assert.equal(Number(r.height), this.txHeights.get(hash)![0], `I4: tx ${hash} height on node ${p.rpcPort}`);
          done.add(hash);
        }));
      }
    }));
    return { height: checked, txs: want.size };
  }
}

/** one ChainChecker pass (see there). */
export async function checkAfter(procs: Proc[], acked: Iterable<string>, timeoutMs = 30_000): Promise<{ height: number; txs: number }> {
  return await new ChainChecker().check(procs, acked, { timeoutMs });
}

// ---------------------------------------------------------------------------------------------
// test-only network faults (node/p2p/testFaults.ts): one fault file per node, rewritten atomically

export const PARTITION_ENV = "OPENLEDGER_TEST_PARTITION_FILE";

/** the CometBFT node id of a home's node key. */
export function nodeIdOf(p: Proc): string {
  const nk = JSON.parse(readFileSync(join(p.home, "config/node_key.json"), "utf8"));
  return nodeIdFromPubKey(fromBase64(nk.priv_key.value).subarray(32, 64));
}

export function faultFile(p: Proc): string {
  return join(p.home, "test-faults.json");
}

/** the env that makes `launch` read this node's fault file. */
export function faultEnv(p: Proc): Record<string, string> {
  return { [PARTITION_ENV]: faultFile(p) };
}

export interface FaultSpec {
  deny?: Proc[];
  dropFrom?: Proc[];
  dropPercent?: number;
  delayMs?: number;
  jitterMs?: number;
}

/** rewrites a node's fault file (the node re-reads it within 200 ms). */
export function setFaults(p: Proc, f: FaultSpec = {}): void {
  const rules = {
    deny: (f.deny ?? []).map(nodeIdOf),
    dropFrom: (f.dropFrom ?? []).map(nodeIdOf),
    dropPercent: f.dropPercent ?? 0,
    delayMs: f.delayMs ?? 0,
    jitterMs: f.jitterMs ?? 0,
  };
  const file = faultFile(p);
  writeFileSync(`${file}.tmp`, JSON.stringify(rules));
  renameSync(`${file}.tmp`, file);
}

/** symmetric partition: every node denies every node outside its group (nodes in no group are isolated). */
export function partition(procs: Proc[], groups: Proc[][], extra: Omit<FaultSpec, "deny"> = {}): void {
  for (const p of procs) {
    const mine = groups.find((g) => g.includes(p)) ?? [p];
    setFaults(p, { ...extra, deny: procs.filter((q) => !mine.includes(q)) });
  }
}

/** removes every fault on every node. */
export function heal(procs: Proc[]): void {
  for (const p of procs) setFaults(p);
}

/** the number of peers `net_info` reports. */
export async function peerCount(p: Proc): Promise<number> {
  const r = await rpc(p.rpcUrl, "net_info");
  return Number(r.n_peers);
}

/** waits until every node reports exactly `n(p)` peers. */
export async function waitPeers(procs: Proc[], n: (p: Proc) => number, timeoutMs = 30_000): Promise<void> {
  for (const p of procs) {
    await waitFor(`node ${p.rpcPort} with ${n(p)} peers`, async () => ((await peerCount(p)) === n(p) ? true : undefined), timeoutMs, 200);
  }
}

/**
 * a fresh full (non-validator) node for an existing network: `openledgerd init`, the network's
 * genesis (from the first node), free ports, every node of `procs` as a persistent peer. Not started.
 */
export async function setupFullNode(procs: Proc[], tag: string): Promise<Proc> {
  const home = tempHome(tag);
  await cli(["init", tag, "--chain-id", CHAIN_ID, "--home", home]);
  copyFileSync(join(procs[0]!.home, "config/genesis.json"), join(home, "config/genesis.json"));
  const peers = procs.map((p) => {
    const nk = JSON.parse(readFileSync(join(p.home, "config/node_key.json"), "utf8"));
    return `${nodeIdFromPubKey(fromBase64(nk.priv_key.value).subarray(32, 64))}@127.0.0.1:${p.p2pPort}`;
  });
  const rpcPort = await freePort();
  const p: Proc = { home, rpcPort, p2pPort: await freePort(), rpcUrl: `http://127.0.0.1:${rpcPort}`, proc: undefined };
  const cfgPath = join(home, "config/config.toml");
  writeFileSync(cfgPath, readFileSync(cfgPath, "utf8")
    .replace(/^laddr = "tcp:\/\/127\.0\.0\.1:26656"$/m, `laddr = "tcp://127.0.0.1:${p.p2pPort}"`)
    .replace(/^persistent_peers = ""$/m, `persistent_peers = "${peers.join(",")}"`));
  return p;
}
