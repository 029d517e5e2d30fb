/** bank keeper: balances, supply, denom metadata, send-enabled flags. The only writer of bank keys. */
import { Metadata, Params as ProtoParams } from "cosmjs-types/cosmos/bank/v1beta1/bank";
import type { Bytes } from "../core/abci.ts";
import { accAddressToString } from "../core/address.ts";
import { bigintFromDecimalBytes, decimalBytes, fromUtf8, toKeyString, utf8 } from "../core/bytes.ts";
import { type Coin, formatCoins, parseAmount, validateCoins } from "../core/coins.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import { ErrInsufficientFunds, ErrInvalidCoins, ErrUnauthorized } from "../core/errors.ts";
import { ErrSendDisabled } from "./errors.ts";
import type { BankAccountKeeper } from "./expectedKeepers.ts";
import { BALANCES_PREFIX, DENOM_METADATA_PREFIX, MODULE_NAME, PARAMS_KEY, SEND_ENABLED_PREFIX, SUPPLY_PREFIX, balanceKey, balancesPrefix, denomMetadataKey, parseBalanceKey, sendEnabledKey, supplyKey } from "./keys.ts";
import { type BankParams, defaultParams } from "./params.ts";

export const PERMISSION_MINTER = "minter";
export const PERMISSION_BURNER = "burner";

export interface Balance {
  address: Bytes;
  coins: Coin[];
}

export interface BankKeeper {
  getParams(ctx: ReadContext): BankParams;
  setParams(ctx: WriteContext, p: BankParams): void;
  getBalance(ctx: ReadContext, addr: Bytes, denom: string): bigint;
  getAllBalances(ctx: ReadContext, addr: Bytes): Promise<Coin[]>;
  /** every account's balances, ordered by address key. */
  iterateAllBalances(ctx: ReadContext): AsyncIterable<Balance>;
  getSupply(ctx: ReadContext, denom: string): bigint;
  getTotalSupply(ctx: ReadContext): Promise<Coin[]>;
  /** moves coins; creates the recipient account; events coin_spent, coin_received, transfer, message{sender}. */
  sendCoins(ctx: WriteContext, from: Bytes, to: Bytes, coins: readonly Coin[]): void;
  /** MultiSend: one input, many outputs (SDK InputOutputCoins events). */
  inputOutputCoins(ctx: WriteContext, from: Bytes, coins: readonly Coin[], outputs: readonly { to: Bytes; coins: readonly Coin[] }[]): void;
  sendCoinsFromAccountToModule(ctx: WriteContext, from: Bytes, moduleName: string, coins: readonly Coin[]): void;
  /**
   * the store reads and writes (hence the gas) of sending `denom` from `from` to a module account, with
   * every value written back unchanged: Simulate's stand-in for the fee deduction of a tx sent without a
   * fee (CosmJS and the CLI simulate with an empty fee), so that `--gas auto` covers the real tx.
   */
  touchTransferToModule(ctx: WriteContext, from: Bytes, moduleName: string, denom: string): void;
  /** refuses blocked recipients (sdk:4). */
  sendCoinsFromModuleToAccount(ctx: WriteContext, moduleName: string, to: Bytes, coins: readonly Coin[]): void;
  sendCoinsFromModuleToModule(ctx: WriteContext, from: string, to: string, coins: readonly Coin[]): void;
  /** module needs the "minter" permission; events coin_received, coinbase. */
  mintCoins(ctx: WriteContext, moduleName: string, coins: readonly Coin[]): void;
  /** module needs the "burner" permission; events coin_spent, burn. */
  burnCoins(ctx: WriteContext, moduleName: string, coins: readonly Coin[]): void;
  /** subtracts without events or supply change (internal: MultiSend). */
  subUnlockedCoins(ctx: WriteContext, addr: Bytes, coins: readonly Coin[]): void;
  addCoins(ctx: WriteContext, addr: Bytes, coins: readonly Coin[]): void;
  isSendEnabledDenom(ctx: ReadContext, denom: string): boolean;
  /** sdk bank:5 when any coin's denom has sending disabled. */
  assertSendEnabled(ctx: ReadContext, coins: readonly Coin[]): void;
  setSendEnabled(ctx: WriteContext, denom: string, enabled: boolean): void;
  deleteSendEnabled(ctx: WriteContext, denom: string): void;
  iterateSendEnabled(ctx: ReadContext): AsyncIterable<{ denom: string; enabled: boolean }>;
  isBlockedAddr(addr: Bytes): boolean;
  getDenomMetadata(ctx: ReadContext, denom: string): Metadata | undefined;
  setDenomMetadata(ctx: WriteContext, m: Metadata): void;
  iterateDenomMetadata(ctx: ReadContext): AsyncIterable<Metadata>;
  /** sets a balance without events (genesis). */
  setBalance(ctx: WriteContext, addr: Bytes, coin: Coin): void;
  setSupply(ctx: WriteContext, coin: Coin): void;
}

export interface BankKeeperDeps {
  accountKeeper: BankAccountKeeper;
  /** addresses that may not receive funds (module accounts, SDK BlockedModuleAccountAddrs). */
  blockedAddrs: readonly Bytes[];
}

export function createBankKeeper(deps: BankKeeperDeps): BankKeeper {
  const ak = deps.accountKeeper;
  const blocked = new Set(deps.blockedAddrs.map(toKeyString));
  const rs = (ctx: ReadContext) => ctx.store(MODULE_NAME);
  const ws = (ctx: WriteContext) => ctx.store(MODULE_NAME);

  const setBalance = (ctx: WriteContext, addr: Bytes, denom: string, amount: bigint) => {
    const k = balanceKey(addr, denom);
    if (amount === 0n) ws(ctx).delete(k);
    else ws(ctx).set(k, decimalBytes(amount));
  };
  const getBalance = (ctx: ReadContext, addr: Bytes, denom: string): bigint => {
    const v = rs(ctx).get(balanceKey(addr, denom));
    return v === undefined ? 0n : bigintFromDecimalBytes(v);
  };
  const getSupply = (ctx: ReadContext, denom: string): bigint => {
    const v = rs(ctx).get(supplyKey(denom));
    return v === undefined ? 0n : bigintFromDecimalBytes(v);
  };
  const setSupply = (ctx: WriteContext, denom: string, amount: bigint) => {
    if (amount === 0n) ws(ctx).delete(supplyKey(denom));
    else ws(ctx).set(supplyKey(denom), decimalBytes(amount));
  };
  const moduleAddr = (ctx: WriteContext, name: string) => ak.getModuleAccount(ctx, name).address;
  /** subUnlockedCoins of validated coins, with the spender's address text and the amount text given. */
  const subValidated = (ctx: WriteContext, addr: Bytes, coins: readonly Coin[], spender: string, amount: string) => {
    for (const c of coins) {
      const bal = getBalance(ctx, addr, c.denom);
      if (bal < c.amount) throw ErrInsufficientFunds.wrap(`spendable balance ${bal}${c.denom} is smaller than ${c.amount}${c.denom}`);
      setBalance(ctx, addr, c.denom, bal - c.amount);
    }
    ctx.events.emit("coin_spent", { spender, amount });
  };
  /** addCoins of validated coins, with the receiver's address text and the amount text given. */
  const addValidated = (ctx: WriteContext, addr: Bytes, coins: readonly Coin[], receiver: string, amount: string) => {
    for (const c of coins) setBalance(ctx, addr, c.denom, getBalance(ctx, addr, c.denom) + c.amount);
    ctx.events.emit("coin_received", { receiver, amount });
  };

  // decoded params by the identity of the stored bytes (pure memo; see auth's decodeAccount)
  const decodedParams = new WeakMap<Bytes, BankParams>();
  const k: BankKeeper = {
    getParams(ctx) {
      const b = rs(ctx).get(PARAMS_KEY);
      if (b === undefined) return defaultParams();
      let p = decodedParams.get(b);
      if (p === undefined) {
        p = Object.freeze({ defaultSendEnabled: ProtoParams.decode(b).defaultSendEnabled });
        decodedParams.set(b, p);
      }
      return p;
    },
    setParams(ctx, p) {
      ws(ctx).set(PARAMS_KEY, ProtoParams.encode({ sendEnabled: [], defaultSendEnabled: p.defaultSendEnabled }).finish());
    },
    getBalance,
    async getAllBalances(ctx, addr) {
      const out: Coin[] = [];
      for await (const [key, v] of rs(ctx).iterate({ prefix: balancesPrefix(addr) })) out.push({ denom: parseBalanceKey(key).denom, amount: BigInt(fromUtf8(v)) });
      return out;
    },
    async *iterateAllBalances(ctx) {
      let cur: Balance | null = null;
      for await (const [key, v] of rs(ctx).iterate({ prefix: BALANCES_PREFIX })) {
        const { address, denom } = parseBalanceKey(key);
        const c = { denom, amount: BigInt(fromUtf8(v)) };
        if (cur !== null && toKeyString(cur.address) === toKeyString(address)) cur.coins.push(c);
        else {
          if (cur !== null) yield cur;
          cur = { address: Uint8Array.from(address), coins: [c] };
        }
      }
      if (cur !== null) yield cur;
    },
    getSupply,
    async getTotalSupply(ctx) {
      const out: Coin[] = [];
      for await (const [key, v] of rs(ctx).iterate({ prefix: SUPPLY_PREFIX })) out.push({ denom: fromUtf8(key.subarray(1)), amount: BigInt(fromUtf8(v)) });
      return out;
    },
    subUnlockedCoins(ctx, addr, coins) {
      validateCoins(coins);
      subValidated(ctx, addr, coins, accAddressToString(addr), formatCoins(coins));
    },
    addCoins(ctx, addr, coins) {
      validateCoins(coins);
      addValidated(ctx, addr, coins, accAddressToString(addr), formatCoins(coins));
    },
    sendCoins(ctx, from, to, coins) {
      // subUnlockedCoins + addCoins with the coins validated once and each text built once (the same
      // reads, writes, events and errors in the same order)
      validateCoins(coins);
      const sender = accAddressToString(from);
      const recipient = accAddressToString(to);
      const amount = formatCoins(coins);
      subValidated(ctx, from, coins, sender, amount);
      addValidated(ctx, to, coins, recipient, amount);
      if (!ak.hasAccount(ctx, to)) ak.newAccount(ctx, to);
      ctx.events.emit("transfer", { recipient, sender, amount });
      ctx.events.emit("message", { sender });
    },
    inputOutputCoins(ctx, from, coins, outputs) {
      k.subUnlockedCoins(ctx, from, coins);
      const sender = accAddressToString(from);
      ctx.events.emit("message", { sender });
      for (const o of outputs) {
        k.addCoins(ctx, o.to, o.coins);
        ctx.events.emit("transfer", { recipient: accAddressToString(o.to), sender, amount: formatCoins(o.coins) });
        if (!ak.hasAccount(ctx, o.to)) ak.newAccount(ctx, o.to);
      }
    },
    sendCoinsFromAccountToModule(ctx, from, moduleName, coins) {
      k.sendCoins(ctx, from, moduleAddr(ctx, moduleName), coins);
    },
    touchTransferToModule(ctx, from, moduleName, denom) {
      // one read and one write per side, as a real transfer does (a zero balance is written as 1 unit, as
      // the real write of a non-zero amount would be: this runs only on Simulate's throw-away branch)
      const to = moduleAddr(ctx, moduleName);
      const a = getBalance(ctx, from, denom);
      ws(ctx).set(balanceKey(from, denom), utf8((a === 0n ? 1n : a).toString()));
      const b = getBalance(ctx, to, denom);
      ws(ctx).set(balanceKey(to, denom), utf8((b === 0n ? 1n : b).toString()));
      ak.hasAccount(ctx, to);
    },
    sendCoinsFromModuleToAccount(ctx, moduleName, to, coins) {
      if (k.isBlockedAddr(to)) throw ErrUnauthorized.wrap(`${accAddressToString(to)} is not allowed to receive funds`);
      k.sendCoins(ctx, moduleAddr(ctx, moduleName), to, coins);
    },
    sendCoinsFromModuleToModule(ctx, from, to, coins) {
      k.sendCoins(ctx, moduleAddr(ctx, from), moduleAddr(ctx, to), coins);
    },
    mintCoins(ctx, moduleName, coins) {
      if (!ak.hasPermission(moduleName, PERMISSION_MINTER)) throw ErrUnauthorized.wrap(`module account ${moduleName} does not have permissions to mint tokens`);
      validateCoins(coins);
      if (coins.length === 0) throw ErrInvalidCoins.wrap("no coins to mint");
      const addr = moduleAddr(ctx, moduleName);
      k.addCoins(ctx, addr, coins);
      for (const c of coins) setSupply(ctx, c.denom, getSupply(ctx, c.denom) + c.amount);
      ctx.events.emit("coinbase", { minter: accAddressToString(addr), amount: formatCoins(coins) });
    },
    burnCoins(ctx, moduleName, coins) {
      if (!ak.hasPermission(moduleName, PERMISSION_BURNER)) throw ErrUnauthorized.wrap(`module account ${moduleName} does not have permissions to burn tokens`);
      validateCoins(coins);
      const addr = moduleAddr(ctx, moduleName);
      k.subUnlockedCoins(ctx, addr, coins);
      for (const c of coins) setSupply(ctx, c.denom, getSupply(ctx, c.denom) - c.amount);
      ctx.events.emit("burn", { burner: accAddressToString(addr), amount: formatCoins(coins) });
    },
    isSendEnabledDenom(ctx, denom) {
      const v = rs(ctx).get(sendEnabledKey(denom));
      return v === undefined ? k.getParams(ctx).defaultSendEnabled : v[0] === 1;
    },
    assertSendEnabled(ctx, coins) {
      for (const c of coins) if (!k.isSendEnabledDenom(ctx, c.denom)) throw ErrSendDisabled.wrap(`${c.denom} transfers are currently disabled`);
    },
    setSendEnabled(ctx, denom, enabled) {
      ws(ctx).set(sendEnabledKey(denom), Uint8Array.of(enabled ? 1 : 0));
    },
    deleteSendEnabled(ctx, denom) {
      ws(ctx).delete(sendEnabledKey(denom));
    },
    async *iterateSendEnabled(ctx) {
      for await (const [key, v] of rs(ctx).iterate({ prefix: SEND_ENABLED_PREFIX })) yield { denom: fromUtf8(key.subarray(1)), enabled: v[0] === 1 };
    },
    isBlockedAddr(addr) {
      return blocked.has(toKeyString(addr));
    },
    getDenomMetadata(ctx, denom) {
      const b = rs(ctx).get(denomMetadataKey(denom));
      return b === undefined ? undefined : Metadata.decode(b);
    },
    setDenomMetadata(ctx, m) {
      ws(ctx).set(denomMetadataKey(m.base), Metadata.encode(m).finish());
    },
    async *iterateDenomMetadata(ctx) {
      for await (const [, v] of rs(ctx).iterate({ prefix: DENOM_METADATA_PREFIX })) yield Metadata.decode(v);
    },
    setBalance(ctx, addr, coin) {
      setBalance(ctx, addr, coin.denom, coin.amount);
    },
    setSupply(ctx, coin) {
      setSupply(ctx, coin.denom, coin.amount);
    },
  };
  void parseAmount;
  return Object.freeze(k);
}
