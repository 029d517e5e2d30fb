import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { assertUserError, cli, DEV_ADDRESS, DEV_MNEMONIC, ROOT, tempHomes } from "../../testing/cliHarness.ts";

const { home, cleanup } = tempHomes();
after(cleanup);

describe("cli/bad input against a node", () => {
  it("queries and txs report bad addresses, hashes and unreachable nodes without a stack", async () => {
    const h = home();
    await cli(["keys", "add", "dev", "--recover", "--home", h], [DEV_MNEMONIC]);
    const node = ["--node", "tcp://127.0.0.1:1"];
    const cases: [string[], RegExp][] = [
      [["query", "bank", "balances", "open1xyz", ...node], /invalid address "open1xyz"/],
      [["query", "auth", "account", "cosmos1qyqszqgpqyqszqgpqyqszqgpqyqszqgpjnp7du", ...node], /expected prefix open/],
      [["query", "tx", "abc", ...node], /invalid tx hash/],
      [["query", "block", "-3", ...node], /unknown option|invalid --height/],
      [["query", "block", "0", ...node], /invalid --height/],
      [["tx", "bank", "send", "dev", "open1nope", "1uopen", "--yes", "--home", h, ...node], /invalid recipient address/],
      [["tx", "bank", "send", "dev", DEV_ADDRESS, "1", "--yes", "--home", h, ...node], /invalid coin "1"/],
      [["tx", "bank", "send", "dev", DEV_ADDRESS, "1uopen", "--fees", "1uopen", "--gas-prices", "1uopen", "--yes", "--home", h, ...node], /both --fees and --gas-prices/],
      [["tx", "bank", "send", "dev", DEV_ADDRESS, "1uopen", "--gas", "lots", "--yes", "--home", h, ...node], /invalid --gas/],
      [["tx", "bank", "send", "nokey", DEV_ADDRESS, "1uopen", "--yes", "--home", h, ...node], /key "nokey" not found/],
      [["tx", "bank", "send", "dev", DEV_ADDRESS, "1uopen", "--yes", "--home", h, "--node", "tcp://127.0.0.1:26999"], /cannot reach the node/],
      [["status", "--node", "tcp://127.0.0.1:26999"], /cannot reach the node at http:\/\/127\.0\.0\.1:26999/],
      [["start", "--home", home()], /no genesis at .*run `openledgerd init/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(args)));
    results.forEach((r, i) => assertUserError(r, cases[i]?.[1] ?? /x/, (cases[i]?.[0] ?? []).join(" ")));
  });
});
