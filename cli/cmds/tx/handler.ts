/**
 * `tx bank send`: build a MsgSend, sign it (SIGN_MODE_DIRECT, the keyring's key, via CosmJS),
 * broadcast_tx_sync, then (by default) wait for inclusion by polling tx_search every 200 ms.
 */
import { DirectSecp256k1Wallet } from "@cosmjs/proto-signing";
import { BroadcastTxError, calculateFee, GasPrice, SigningStargateClient, type StdFee } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { Keyring } from "../../keyring/keyring.ts";
import { fetchTx, txResponse, txText } from "../query/handler.ts";
import { sleep } from "../../rpc/client.ts";
import { parseAddress } from "../../util/address.ts";
import { type Coin, formatCoins, parseCoins, parseGasPrice } from "../../util/coins.ts";
import { errorMessage, UserError } from "../../util/errors.ts";
import { type CliIo, emit, type OutputFormat } from "../../util/io.ts";
import { confirm } from "../common.ts";

export const DEFAULT_GAS = 200_000;
export const DEFAULT_GAS_PRICE = "0.0025uopen";

export interface TxFlags {
  fees?: string | undefined;
  gasPrices?: string | undefined;
  /** "auto" or an integer. */
  gas?: string | undefined;
  gasAdjustment?: string | undefined;
  memo?: string | undefined;
  yes: boolean;
  chainId?: string | undefined;
  broadcastMode?: string | undefined;
  timeout?: string | undefined;
}

export interface TxCtx {
  io: CliIo;
  output: OutputFormat;
  url: string;
  keyring: Keyring;
}

interface FeePlan {
  gas: "auto" | number;
  adjustment: number;
  fees: Coin[] | undefined;
  gasPrice: string;
}

export function planFee(f: TxFlags): FeePlan {
  if (f.fees !== undefined && f.gasPrices !== undefined) throw new UserError("cannot provide both --fees and --gas-prices");
  let gas: "auto" | number = DEFAULT_GAS;
  if (f.gas !== undefined) {
    if (f.gas === "auto") gas = "auto";
    else if (/^[0-9]+$/.test(f.gas) && Number(f.gas) > 0 && Number(f.gas) <= Number.MAX_SAFE_INTEGER) gas = Number(f.gas);
    else throw new UserError(`invalid --gas "${f.gas}": use auto or a positive integer`);
  }
  const adjustment = f.gasAdjustment === undefined ? 1.4 : Number(f.gasAdjustment);
  if (!Number.isFinite(adjustment) || adjustment <= 0) throw new UserError(`invalid --gas-adjustment "${f.gasAdjustment}"`);
  const fees = f.fees !== undefined ? parseCoins(f.fees) : undefined;
  const gp = f.gasPrices ?? DEFAULT_GAS_PRICE;
  const p = parseGasPrice(gp);
  return { gas, adjustment, fees, gasPrice: `${p.amount}${p.denom}` };
}

export function parseBroadcastMode(v: string | undefined): "sync" | "block" {
  if (v === undefined || v === "block") return "block";
  if (v === "sync") return "sync";
  throw new UserError(`invalid --broadcast-mode "${v}": use sync or block`);
}

async function connect(url: string, wallet: DirectSecp256k1Wallet, gasPrice: string): Promise<SigningStargateClient> {
  try {
    return await SigningStargateClient.connectWithSigner(url, wallet, { gasPrice: GasPrice.fromString(gasPrice) });
  } catch (e) {
    throw new UserError(`cannot reach the node at ${url}: ${errorMessage(e)}; is it running? (set --node)`);
  }
}

/** Maps CosmJS/RPC failures before broadcast to user errors. */
function wrapClientError(e: unknown, from: string): never {
  if (e instanceof UserError) throw e;
  const m = errorMessage(e);
  if (/does not exist on chain/i.test(m)) throw new UserError(`account ${from} does not exist on chain yet (fund it first)`);
  throw new UserError(m.replace(/^Error: /, ""));
}

export async function bankSend(c: TxCtx, from: string, to: string, amountText: string, f: TxFlags): Promise<Record<string, unknown>> {
  const key = c.keyring.resolve(from);
  parseAddress(to, "open", "recipient address");
  const amount = parseCoins(amountText);
  const plan = planFee(f);
  const mode = parseBroadcastMode(f.broadcastMode);
  const timeoutMs = f.timeout === undefined ? 60_000 : Number(f.timeout) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UserError(`invalid --timeout "${f.timeout}" (seconds)`);
  const memo = f.memo ?? "";

  const wallet = await DirectSecp256k1Wallet.fromKey(await c.keyring.privkey(key.name), "open");
  const [account] = await wallet.getAccounts();
  if (account?.address !== key.address) throw new UserError(`key "${key.name}" does not match its recorded address ${key.address}`);
  const client = await connect(c.url, wallet, plan.gasPrice);
  try {
    const msg = {
      typeUrl: "/cosmos.bank.v1beta1.MsgSend",
      value: { fromAddress: key.address, toAddress: to, amount: amount.map((x) => ({ denom: x.denom, amount: x.amount.toString() })) },
    };
    let gas: number;
    try {
      gas = plan.gas === "auto" ? Math.ceil((await client.simulate(key.address, [msg], memo)) * plan.adjustment) : plan.gas;
    } catch (e) {
      const m = errorMessage(e);
      if (/does not exist on chain/i.test(m)) wrapClientError(e, key.address);
      throw new UserError(`gas estimation (--gas auto) failed: ${m}`);
    }
    const fee: StdFee = plan.fees
      ? { amount: plan.fees.map((x) => ({ denom: x.denom, amount: x.amount.toString() })), gas: String(gas) }
      : calculateFee(gas, GasPrice.fromString(plan.gasPrice));

    if (!f.yes) {
      c.io.err(
        [
          "Transaction:",
          `  from:   ${key.address} (${key.name})`,
          `  to:     ${to}`,
          `  amount: ${formatCoins(amount)}`,
          `  fee:    ${formatCoins(fee.amount) || "0"} (gas ${fee.gas})`,
          ...(memo !== "" ? [`  memo:   ${memo}`] : []),
        ].join("\n"),
      );
      if (!(await confirm(c.io, "confirm transaction before signing and broadcasting"))) throw new UserError("transaction canceled");
    }

    let txRaw: TxRaw;
    try {
      if (f.chainId !== undefined) {
        const acc = await client.getAccount(key.address);
        if (acc === null) throw new UserError(`account ${key.address} does not exist on chain yet (fund it first)`);
        txRaw = await client.sign(key.address, [msg], fee, memo, { accountNumber: BigInt(acc.accountNumber), sequence: acc.sequence, chainId: f.chainId });
      } else {
        txRaw = await client.sign(key.address, [msg], fee, memo);
      }
    } catch (e) {
      wrapClientError(e, key.address);
    }

    let hash: string;
    try {
      hash = await client.broadcastTxSync(TxRaw.encode(txRaw).finish());
    } catch (e) {
      if (e instanceof BroadcastTxError) {
        const r = { txhash: "", code: e.code, codespace: e.codespace, raw_log: e.log ?? "", height: "0" };
        if (c.output === "json") c.io.out(JSON.stringify(r, null, 2));
        throw new UserError(`tx rejected by CheckTx: codespace ${e.codespace || "sdk"} code ${e.code}: ${e.log ?? ""}`);
      }
      wrapClientError(e, key.address);
    }

    return await reportBroadcast(c, hash, mode, timeoutMs);
  } finally {
    client.disconnect();
  }
}

/**
 * After broadcast_tx_sync accepted `hash`: in sync mode print the hash; otherwise poll tx_search until the
 * tx is in a block (or `timeoutMs` passes) and print its result; a tx FAILED in its block exits 1.
 */
export async function reportBroadcast(c: TxCtx, hash: string, mode: "sync" | "block", timeoutMs: number): Promise<Record<string, unknown>> {
  if (mode === "sync") {
    const r = { txhash: hash, code: 0, height: "0", raw_log: "" };
    emit(c.io, c.output, r, `txhash: ${hash}\ncode: 0 (accepted into the mempool; not waiting for a block)`);
    return r;
  }
  const end = Date.now() + timeoutMs;
  for (;;) {
    const t = await fetchTx(c.url, hash).catch(() => null);
    if (t !== null) {
      const r = txResponse(t, "");
      delete r.timestamp;
      emit(c.io, c.output, r, () => txText(r));
      if (r.code !== 0) throw new UserError(`tx ${hash} failed in block ${String(r.height)}: codespace ${String(r.codespace) || "sdk"} code ${String(r.code)}: ${String(r.raw_log)}`);
      return r;
    }
    if (Date.now() > end) throw new UserError(`tx ${hash} was broadcast but not included within ${timeoutMs / 1000}s (check later: openledgerd query tx ${hash})`);
    await sleep(200);
  }
}
