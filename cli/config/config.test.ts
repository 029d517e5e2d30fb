import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parse } from "smol-toml";
import { DEFAULT_NODE_OPTIONS } from "../../node/options.ts";
import { UserError } from "../util/errors.ts";
import { applyOverrides, defaultConfig, readConfig, writeConfigFiles } from "./config.ts";
import { parseDurationMs } from "./duration.ts";
import { homePaths } from "./paths.ts";

const homes: string[] = [];
function home(): string {
  const h = mkdtempSync(join(tmpdir(), "openledgerd-config-"));
  mkdirSync(join(h, "config"));
  homes.push(h);
  return h;
}
after(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

describe("config/toml", () => {
  it("writes commented config.toml and app.toml that read back to the defaults", () => {
    const h = home();
    const d = defaultConfig(h, "node-a");
    writeConfigFiles(d);
    const p = homePaths(h);
    const cfg = readFileSync(p.configToml, "utf8");
    assert.match(cfg, /^# openledgerd node configuration/m);
    assert.match(cfg, /laddr = "tcp:\/\/127\.0\.0\.1:26657"/);
    assert.match(cfg, /timeout_commit = "1s"/);
    const t = parse(cfg) as Record<string, any>;
    assert.equal(t.moniker, "node-a");
    assert.equal(t.mempool.size, 20_000);
    assert.equal(t.mempool.max_tx_bytes, 1024 * 1024);
    assert.equal(t.consensus.create_empty_blocks, true);
    const app = parse(readFileSync(p.appToml, "utf8")) as Record<string, any>;
    assert.equal(app["minimum-gas-prices"], "0.0025uopen");
    assert.equal(app.api.address, "tcp://127.0.0.1:1317");
    assert.equal(app.grpc.address, "127.0.0.1:9090");
    assert.deepEqual(readConfig(h), { ...DEFAULT_NODE_OPTIONS, home: p.home, moniker: "node-a" });
  });

  it("reads edited values and fills missing keys with defaults", () => {
    const h = home();
    const p = homePaths(h);
    writeFileSync(
      p.configToml,
      'moniker = "m"\n[rpc]\nladdr = "tcp://0.0.0.0:36657"\ncors_allowed_origins = []\n[p2p]\npersistent_peers = "a@1.2.3.4:1,b@5.6.7.8:2"\n[consensus]\ntimeout_commit = "250ms"\ncreate_empty_blocks = false\n[mempool]\nrecheck = false\nrecheck_memo = false\n',
    );
    writeFileSync(p.appToml, 'minimum-gas-prices = "0.01uopen"\n');
    const o = readConfig(h);
    assert.equal(o.rpc.laddr, "0.0.0.0:36657");
    assert.deepEqual(o.rpc.corsAllowedOrigins, []);
    assert.deepEqual(o.p2p.persistentPeers, ["a@1.2.3.4:1", "b@5.6.7.8:2"]);
    assert.equal(o.consensus.blockIntervalMs, 250);
    assert.equal(o.consensus.createEmptyBlocks, false);
    assert.equal(o.mempool.recheck, false);
    assert.equal(o.mempool.recheckMemo, false);
    assert.equal(o.mempool.maxTxs, DEFAULT_NODE_OPTIONS.mempool.maxTxs);
    assert.equal(o.app.minimumGasPrices, "0.01uopen");
  });

  it("flags override the files", () => {
    const h = home();
    writeConfigFiles(defaultConfig(h));
    const o = applyOverrides(readConfig(h), {
      rpcLaddr: "tcp://127.0.0.1:5555",
      p2pLaddr: "127.0.0.1:5556",
      minimumGasPrices: "0.5uopen",
      blockInterval: "200ms",
      logLevel: "debug",
      logFormat: "pretty",
    });
    assert.equal(o.rpc.laddr, "127.0.0.1:5555");
    assert.equal(o.p2p.laddr, "127.0.0.1:5556");
    assert.equal(o.app.minimumGasPrices, "0.5uopen");
    assert.equal(o.consensus.blockIntervalMs, 200);
    assert.deepEqual(o.log, { level: "debug", format: "pretty" });
    assert.equal(applyOverrides(readConfig(h), { blockInterval: "1500" }).consensus.blockIntervalMs, 1500);
    assert.equal(readConfig(h).rpc.laddr, "127.0.0.1:26657", "files untouched");
  });

  it("reads the BFT timeouts and double_sign_check_height of [consensus] (CometBFT names)", () => {
    const h = home();
    const d = defaultConfig(h);
    writeConfigFiles(d);
    const text = readFileSync(homePaths(h).configToml, "utf8");
    for (const k of ["timeout_propose", "timeout_propose_delta", "timeout_prevote", "timeout_prevote_delta", "timeout_precommit", "timeout_precommit_delta", "timeout_cap", "double_sign_check_height"]) {
      assert.match(text, new RegExp(`^${k} = `, "m"), k);
    }
    const back = readConfig(h);
    assert.deepEqual(back.consensus.timeouts, { proposeMs: 3000, proposeDeltaMs: 500, prevoteMs: 1000, prevoteDeltaMs: 500, precommitMs: 1000, precommitDeltaMs: 500, capMs: 60_000 });
    assert.equal(back.consensus.doubleSignCheckHeight, 0);
    writeFileSync(
      homePaths(h).configToml,
      '[consensus]\ntimeout_commit = "200ms"\ntimeout_propose = "1s"\ntimeout_propose_delta = "250ms"\ntimeout_prevote = "500ms"\ntimeout_precommit_delta = "250ms"\ntimeout_cap = "10s"\ndouble_sign_check_height = 5\n',
    );
    const o = readConfig(h);
    assert.equal(o.consensus.blockIntervalMs, 200);
    assert.deepEqual(o.consensus.timeouts, { proposeMs: 1000, proposeDeltaMs: 250, prevoteMs: 500, prevoteDeltaMs: 500, precommitMs: 1000, precommitDeltaMs: 250, capMs: 10_000 });
    assert.equal(o.consensus.doubleSignCheckHeight, 5);
    // written back and read again: the same
    writeConfigFiles(o);
    const again = readConfig(h);
    assert.deepEqual(again.consensus, o.consensus);
    writeFileSync(homePaths(h).configToml, '[consensus]\ntimeout_cap = "0s"\n');
    assert.throws(() => readConfig(h), /timeout_cap must be positive/);
    writeFileSync(homePaths(h).configToml, '[consensus]\ntimeout_prevote = "soon"\n');
    assert.throws(() => readConfig(h), /timeout_prevote/);
  });

  it("rejects bad values with UserErrors naming the key", () => {
    const h = home();
    const p = homePaths(h);
    const cases: [string, string, RegExp][] = [
      ["bad toml", "moniker = ", /cannot parse/],
      ["bad laddr", '[rpc]\nladdr = "nope"', /rpc\.laddr/],
      ["bad size", "[mempool]\nsize = -1", /size must be a non-negative integer/],
      ["bad duration", '[consensus]\ntimeout_commit = "soon"', /timeout_commit/],
      ["bad log format", 'log_format = "xml"', /log format/],
    ];
    for (const [name, text, re] of cases) {
      writeFileSync(p.configToml, text);
      assert.throws(() => readConfig(h), (e) => e instanceof UserError && re.test(e.message), name);
    }
    writeFileSync(p.configToml, "");
    writeFileSync(p.appToml, 'minimum-gas-prices = "cheap"');
    assert.throws(() => readConfig(h), /invalid gas price/);
    assert.throws(() => applyOverrides(defaultConfig(h), { blockInterval: "0" }), /positive/);
    assert.throws(() => applyOverrides(defaultConfig(h), { rpcLaddr: "localhost" }), /--rpc\.laddr/);
  });

  it("parses durations", () => {
    assert.equal(parseDurationMs("1s"), 1000);
    assert.equal(parseDurationMs("1m30s"), 90_000);
    assert.equal(parseDurationMs("500ms"), 500);
    assert.equal(parseDurationMs("750"), 750);
    assert.throws(() => parseDurationMs("1 s"), UserError);
    assert.throws(() => parseDurationMs(""), UserError);
  });
});
