/**
 * Four real `openledgerd start` processes on 127.0.0.1 with a 4-validator genesis (each home's
 * priv_validator_key.json, power 10) and persistent peers in config.toml: blocks with identical hashes
 * and app hashes on every node (the real app, vote extensions on); kill -9 of one validator → the
 * others go on; restarted → it catches up to the same chain.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { nodeIdFromPubKey } from "../../node/crypto/keyFiles.ts";
import { fromBase64 } from "../../modules/core/bytes.ts";
import { BIN, cleanup, cli, freePort, rpc, tempHome, waitFor } from "./harness.ts";

const CHAIN_ID = "openledger-localnet-1";

interface Proc {
  home: string;
  rpcUrl: string;
  rpcPort: number;
  p2pPort: number;
  proc: ChildProcess | undefined;
}

function launch(p: Proc): void {
  const log = createWriteStream(join(p.home, "node.log"), { flags: "a" });
  const proc = spawn(BIN, ["start", "--home", p.home, "--rpc.laddr", `tcp://127.0.0.1:${p.rpcPort}`, "--block-interval", "200ms"], { stdio: ["ignore", "pipe", "pipe"] });
  proc.stdout?.pipe(log);
  proc.stderr?.pipe(log);
  p.proc = proc;
}

async function kill(p: Proc, signal: NodeJS.Signals): Promise<void> {
  const proc = p.proc;
  p.proc = undefined;
  if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.on("exit", r));
  proc.kill(signal);
  const t = setTimeout(() => proc.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(t);
}

async function heightOf(p: Proc): Promise<number> {
  const s = await rpc(p.rpcUrl, "status");
  return Number(s.sync_info.latest_block_height);
}

async function blockHash(p: Proc, h: number): Promise<string> {
  const b = await rpc(p.rpcUrl, "block", { height: String(h) });
  return b.block_id.hash as string;
}

describe("e2e: 4 validators, real processes (BFT over libp2p)", { timeout: 180_000 }, () => {
  const procs: Proc[] = [];

  before(async () => {
    for (let i = 0; i < 4; i++) {
      const home = tempHome(`bft${i}`);
      await cli(["init", `val${i}`, "--chain-id", CHAIN_ID, "--home", home]);
      procs.push({ home, rpcPort: await freePort(), p2pPort: await freePort(), rpcUrl: "", proc: undefined });
    }
    for (const p of procs) p.rpcUrl = `http://127.0.0.1:${p.rpcPort}`;
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
    for (const p of procs) launch(p);
  });

  after(async () => {
    await Promise.all(procs.map((p) => kill(p, "SIGTERM")));
    for (const p of procs) cleanup(p.home);
  });

  it("commits identical blocks on all four nodes", async () => {
    for (const p of procs) await waitFor(`node ${p.rpcPort} at height 3`, async () => ((await heightOf(p)) >= 3 ? true : undefined), 90_000, 250);
    for (let h = 1; h <= 3; h++) {
      const hashes = new Set(await Promise.all(procs.map((p) => blockHash(p, h))));
      assert.equal(hashes.size, 1, `height ${h}`);
    }
    const st = await rpc(procs[0]!.rpcUrl, "status");
    assert.equal(st.sync_info.catching_up, false);
    const ni = await rpc(procs[0]!.rpcUrl, "net_info");
    assert.equal(Number(ni.n_peers), 3);
  });

  it("survives kill -9 of one validator, which restarts and catches up", async () => {
    await kill(procs[3]!, "SIGKILL");
    const h0 = await heightOf(procs[0]!);
    for (const p of procs.slice(0, 3)) await waitFor(`height ${h0 + 2}`, async () => ((await heightOf(p)) >= h0 + 2 ? true : undefined), 60_000, 250);
    launch(procs[3]!);
    const target = (await heightOf(procs[0]!)) + 1;
    await waitFor(`restarted node at ${target}`, async () => ((await heightOf(procs[3]!)) >= target ? true : undefined), 60_000, 250);
    for (let h = 1; h <= target; h++) {
      const hashes = new Set(await Promise.all(procs.map((p) => blockHash(p, h))));
      assert.equal(hashes.size, 1, `height ${h}`);
    }
  });
});
