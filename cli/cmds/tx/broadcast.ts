/**
 * Sign (SIGN_MODE_DIRECT, the keyring's key, via CosmJS with the openledger message types registered)
 * and broadcast any messages; in block mode wait for inclusion. Used by the datanet subcommands.
 */
import { DirectSecp256k1Wallet, type GeneratedType, Registry } from "@cosmjs/proto-signing";
import { BroadcastTxError, calculateFee, defaultRegistryTypes, GasPrice, SigningStargateClient, type StdFee } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { MsgUnjail } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import * as authSdkTx from "cosmjs-types/cosmos/auth/v1beta1/tx";
import * as bankSdkTx from "cosmjs-types/cosmos/bank/v1beta1/tx";
import * as distrSdkTx from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import * as govSdkTx from "cosmjs-types/cosmos/gov/v1/tx";
import * as slashingSdkTx from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import * as stakingSdkTx from "cosmjs-types/cosmos/staking/v1beta1/tx";
import * as datanetTx from "../../../proto/gen/openledger/datanet/v1/tx.ts";
import * as attributionTx from "../../../proto/gen/openledger/attribution/v1/tx.ts";
import * as grantsTx from "../../../proto/gen/openledger/grants/v1/tx.ts";
import * as computeTx from "../../../proto/gen/openledger/compute/v1/tx.ts";
import * as computeApproval from "../../../proto/gen/openledger/compute/v1/approval.ts";
import * as attributionRegistry from "../../../proto/gen/openledger/attribution/v1/registry.ts";
import * as treasuryTx from "../../../proto/gen/openledger/treasury/v1/tx.ts";
import * as paychanTx from "../../../proto/gen/openledger/paychan/v1/tx.ts";
import { formatCoins } from "../../util/coins.ts";
import { errorMessage, UserError } from "../../util/errors.ts";
import { emit } from "../../util/io.ts";
import { confirm } from "../common.ts";
import { parseBroadcastMode, planFee, reportBroadcast, type TxCtx, type TxFlags } from "./handler.ts";

export interface EncodeMsg {
  typeUrl: string;
  value: unknown;
}

/** the CosmJS registry: the SDK defaults plus every openledger Msg (ts-proto codecs are GeneratedTypes). */
export function openledgerRegistry(): Registry {
  // the SDK defaults (bank, staking, distribution, …) plus slashing's MsgUnjail, which CosmJS leaves out
  const types: [string, GeneratedType][] = [...defaultRegistryTypes, [MsgUnjail.typeUrl, MsgUnjail as unknown as GeneratedType]];
  // every Msg of the SDK modules the chain runs (MsgUpdateParams, MsgCommunityPoolSpend, …: proposal messages)
  for (const mod of [authSdkTx, bankSdkTx, distrSdkTx, govSdkTx, slashingSdkTx, stakingSdkTx]) {
    for (const [name, codec] of Object.entries(mod)) {
      const typeUrl = (codec as { typeUrl?: unknown }).typeUrl;
      if (/^Msg[A-Za-z]+$/.test(name) && typeof typeUrl === "string" && !types.some(([t]) => t === typeUrl)) types.push([typeUrl, codec as unknown as GeneratedType]);
    }
  }
  for (const [pkg, mod] of [
    ["openledger.datanet.v1", datanetTx],
    ["openledger.attribution.v1", attributionTx],
    ["openledger.grants.v1", grantsTx],
    ["openledger.treasury.v1", treasuryTx],
    ["openledger.paychan.v1", paychanTx],
    ["openledger.compute.v1", computeTx],
    ["openledger.compute.v1", computeApproval],
    ["openledger.attribution.v1", attributionRegistry],
  ] as const) {
    for (const [name, codec] of Object.entries(mod)) {
      if (/^Msg[A-Za-z]+$/.test(name) && typeof (codec as { encode?: unknown }).encode === "function") types.push([`/${pkg}.${name}`, codec as unknown as GeneratedType]);
    }
  }
  return new Registry(types);
}

export async function broadcastMsgs(c: TxCtx, from: string, build: (sender: string) => EncodeMsg[], summary: (sender: string) => string[], f: TxFlags): Promise<Record<string, unknown>> {
  const key = c.keyring.resolve(from);
  const plan = planFee(f);
  const mode = parseBroadcastMode(f.broadcastMode);
  const timeoutMs = f.timeout === undefined ? 60_000 : Number(f.timeout) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UserError(`invalid --timeout "${f.timeout}" (seconds)`);
  const memo = f.memo ?? "";
  const msgs = build(key.address);
  const wallet = await DirectSecp256k1Wallet.fromKey(await c.keyring.privkey(key.name), "open");
  let client: SigningStargateClient;
  try {
    client = await SigningStargateClient.connectWithSigner(c.url, wallet, { registry: openledgerRegistry(), gasPrice: GasPrice.fromString(plan.gasPrice) });
  } catch (e) {
    throw new UserError(`cannot reach the node at ${c.url}: ${errorMessage(e)}; is it running? (set --node)`);
  }
  try {
    let gas: number;
    try {
      gas = plan.gas === "auto" ? Math.ceil((await client.simulate(key.address, msgs, memo)) * plan.adjustment) : plan.gas;
    } catch (e) {
      throw new UserError(`gas estimation (--gas auto) failed: ${errorMessage(e)}`);
    }
    const fee: StdFee = plan.fees ? { amount: plan.fees.map((x) => ({ denom: x.denom, amount: x.amount.toString() })), gas: String(gas) } : calculateFee(gas, GasPrice.fromString(plan.gasPrice));
    if (!f.yes) {
      c.io.err(["Transaction:", `  from: ${key.address} (${key.name})`, ...summary(key.address).map((l) => `  ${l}`), `  fee:  ${formatCoins(fee.amount.map((x) => ({ denom: x.denom, amount: BigInt(x.amount) }))) || "0"} (gas ${fee.gas})`].join("\n"));
      if (!(await confirm(c.io, "confirm transaction before signing and broadcasting"))) throw new UserError("transaction canceled");
    }
    let txRaw: TxRaw;
    try {
      if (f.chainId !== undefined) {
        const acc = await client.getAccount(key.address);
        if (acc === null) throw new UserError(`account ${key.address} does not exist on chain yet (fund it first)`);
        txRaw = await client.sign(key.address, msgs, fee, memo, { accountNumber: acc.accountNumber, sequence: acc.sequence, chainId: f.chainId });
      } else txRaw = await client.sign(key.address, msgs, fee, memo);
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(errorMessage(e).replace(/^Error: /, ""));
    }
    let hash: string;
    try {
      hash = await client.broadcastTxSync(TxRaw.encode(txRaw).finish());
    } catch (e) {
      if (e instanceof BroadcastTxError) throw new UserError(`tx rejected by CheckTx: codespace ${e.codespace || "sdk"} code ${e.code}: ${e.log ?? ""}`);
      throw new UserError(errorMessage(e));
    }
    return await reportBroadcast(c, hash, mode, timeoutMs);
  } finally {
    client.disconnect();
  }
}
