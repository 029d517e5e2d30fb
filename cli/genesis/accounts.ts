/** Genesis edits and checks of the auth/bank app_state sections (what `genesis add-account|validate` do). */
import { parseAddress } from "../util/address.ts";
import { type Coin, addCoins, parseCoin } from "../util/coins.ts";
import { UserError } from "../util/errors.ts";
import type { GenesisFileJson } from "./genesisFile.ts";

export const BASE_ACCOUNT_TYPE = "/cosmos.auth.v1beta1.BaseAccount";

interface AccountJson {
  "@type"?: string;
  address?: string;
  account_number?: string;
  base_account?: { address?: string; account_number?: string };
  [k: string]: unknown;
}
interface CoinJson {
  denom: string;
  amount: string;
}
interface BalanceJson {
  address: string;
  coins: CoinJson[];
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new UserError(`genesis: ${what} must be an object`);
  return v as Record<string, unknown>;
}

function arr<T>(o: Record<string, unknown>, key: string, what: string): T[] {
  const v = o[key];
  if (v === undefined || v === null) {
    o[key] = [];
    return o[key] as T[];
  }
  if (!Array.isArray(v)) throw new UserError(`genesis: ${what}.${key} must be a list`);
  return v as T[];
}

function accountAddress(a: AccountJson): string | undefined {
  return a.address ?? a.base_account?.address;
}

function accountNumber(a: AccountJson): bigint {
  const n = a.account_number ?? a.base_account?.account_number ?? "0";
  return /^[0-9]+$/.test(n) ? BigInt(n) : 0n;
}

function toCoins(cs: CoinJson[], what: string): Coin[] {
  return cs.map((c) => {
    if (typeof c?.denom !== "string" || typeof c?.amount !== "string") throw new UserError(`genesis: ${what}: malformed coin ${JSON.stringify(c)}`);
    return parseCoin(`${c.amount}${c.denom}`);
  });
}

const fromCoins = (cs: Coin[]): CoinJson[] => cs.map((c) => ({ denom: c.denom, amount: c.amount.toString() }));

/**
 * Adds a BaseAccount (next account number) and its balance, and raises the bank supply.
 * An address already in genesis is refused unless `append`, which adds to its balance.
 */
export function addGenesisAccount(g: GenesisFileJson, address: string, coins: Coin[], append = false): { accountNumber: bigint } {
  parseAddress(address);
  const auth = obj(g.app_state.auth ?? (g.app_state.auth = {}), "app_state.auth");
  const bank = obj(g.app_state.bank ?? (g.app_state.bank = {}), "app_state.bank");
  const accounts = arr<AccountJson>(auth, "accounts", "app_state.auth");
  const balances = arr<BalanceJson>(bank, "balances", "app_state.bank");
  const existing = accounts.find((a) => accountAddress(a) === address);
  const bal = balances.find((b) => b.address === address);
  if ((existing || bal) && !append) throw new UserError(`account ${address} already exists in genesis (use --append to add coins to it)`);
  let number: bigint;
  if (existing) {
    number = accountNumber(existing);
  } else {
    number = accounts.reduce((m, a) => (accountNumber(a) + 1n > m ? accountNumber(a) + 1n : m), 0n);
    if (BigInt(accounts.length) > number) number = BigInt(accounts.length);
    accounts.push({ "@type": BASE_ACCOUNT_TYPE, address, pub_key: null, account_number: number.toString(), sequence: "0" });
  }
  if (bal) bal.coins = fromCoins(addCoins(toCoins(bal.coins, `balance of ${address}`), coins));
  else balances.push({ address, coins: fromCoins(coins) });
  balances.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  const supply = arr<CoinJson>(bank, "supply", "app_state.bank");
  bank.supply = fromCoins(addCoins(toCoins(supply, "bank supply"), coins));
  return { accountNumber: number };
}

/** Structural checks of genesis.json and its auth/bank sections; returns the list of problems. */
export function checkGenesis(g: GenesisFileJson): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, msg: string) => {
    if (!ok) problems.push(msg);
  };
  check(typeof g.chain_id === "string" && g.chain_id !== "", "chain_id is missing");
  check(typeof g.genesis_time === "string" && !Number.isNaN(Date.parse(g.genesis_time)), `genesis_time ${JSON.stringify(g.genesis_time)} is not an RFC 3339 time`);
  check(/^[0-9]+$/.test(String(g.initial_height ?? "1")) && BigInt(String(g.initial_height ?? "1")) >= 1n, "initial_height must be a positive integer");
  const vals = g.consensus?.validators;
  // with gentxs, InitChain returns the validator set (collect-gentxs empties consensus.validators)
  const genTxs = (g.app_state?.genutil as { gen_txs?: unknown[] } | undefined)?.gen_txs;
  check((Array.isArray(vals) && vals.length > 0) || (Array.isArray(genTxs) && genTxs.length > 0), "consensus.validators is empty and there are no gentxs: run `openledgerd init` or `genesis gentx` + `genesis collect-gentxs`");
  const seen = new Map<string, bigint>();
  try {
    const auth = obj(g.app_state.auth ?? {}, "app_state.auth");
    const bank = obj(g.app_state.bank ?? {}, "app_state.bank");
    const accounts = (auth.accounts ?? []) as AccountJson[];
    const numbers = new Set<string>();
    const addrs = new Set<string>();
    for (const a of accounts) {
      const addr = accountAddress(a) ?? "";
      try {
        parseAddress(addr, "open", "account address");
      } catch (e) {
        problems.push((e as Error).message);
      }
      check(!addrs.has(addr), `duplicate account ${addr}`);
      addrs.add(addr);
      const n = accountNumber(a).toString();
      check(!numbers.has(n), `duplicate account number ${n} (${addr})`);
      numbers.add(n);
    }
    const balAddrs = new Set<string>();
    for (const b of (bank.balances ?? []) as BalanceJson[]) {
      try {
        parseAddress(b.address, "open", "balance address");
        for (const c of toCoins(b.coins ?? [], `balance of ${b.address}`)) seen.set(c.denom, (seen.get(c.denom) ?? 0n) + c.amount);
      } catch (e) {
        problems.push((e as Error).message);
      }
      check(!balAddrs.has(b.address), `duplicate balance entry for ${b.address}`);
      balAddrs.add(b.address);
    }
    const supply = toCoins((bank.supply ?? []) as CoinJson[], "bank supply");
    if (supply.length > 0) {
      const want = new Map(supply.map((c) => [c.denom, c.amount]));
      for (const [d, amt] of seen) check(want.get(d) === amt, `bank supply of ${d} is ${want.get(d) ?? 0n}, but balances sum to ${amt}`);
      for (const [d, amt] of want) check(seen.has(d), `bank supply of ${d} is ${amt}, but no balance holds it`);
    }
  } catch (e) {
    problems.push((e as Error).message);
  }
  return problems;
}
