/**
 * `openledgerd tx staking|slashing|distribution …`: create-validator, edit-validator, delegate, unbond,
 * redelegate, cancel-unbond; unjail; withdraw-rewards [--commission], set-withdraw-addr, fund-community-pool.
 * LegacyDec fields travel as 10^18-scaled integers (the SDK's binary form), so "0.10" becomes "100000000000000000".
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { MsgUnjail } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { homePaths } from "../../config/paths.ts";
import { resolveNode } from "../../rpc/client.ts";
import { parseAddress } from "../../util/address.ts";
import { parseCoins } from "../../util/coins.ts";
import { UserError } from "../../util/errors.ts";
import type { CliIo } from "../../util/io.ts";
import { globalsOf, type KeyringFlags, openKeyring } from "../common.ts";
import type { EncodeMsg } from "./broadcast.ts";
import type { TxFlags } from "./handler.ts";
import { addTxOptions } from "./index.ts";

type Flags = TxFlags & KeyringFlags & { note?: string; node?: string };

/** "0.1" → "100000000000000000" (LegacyDec in proto). */
export function decToProto(s: string, what: string): string {
  const m = /^([0-9]+)(?:\.([0-9]{1,18}))?$/.exec(s);
  if (m === null) throw new UserError(`invalid ${what} "${s}": a decimal such as 0.10`);
  return (BigInt(m[1] as string) * 10n ** 18n + BigInt((m[2] ?? "").padEnd(18, "0"))).toString();
}

function oneCoin(text: string): { denom: string; amount: string } {
  const cs = parseCoins(text);
  if (cs.length !== 1) throw new UserError(`expected one coin, e.g. 1000000uopen (got "${text}")`);
  const c = cs[0] as { denom: string; amount: bigint };
  return { denom: c.denom, amount: c.amount.toString() };
}

const valoper = (s: string, what = "validator address") => {
  parseAddress(s, "openvaloper", what);
  return s;
};

async function valoperOf(sender: string): Promise<string> {
  const a = await import("../../../modules/core/address.ts");
  return a.valAddressToString(a.accAddressFromString(sender));
}

async function send(io: CliIo, cmd: Command, from: string, o: Flags, build: (sender: string) => EncodeMsg[] | Promise<EncodeMsg[]>, summary: (sender: string) => string[]): Promise<void> {
  const g = globalsOf(cmd);
  const { broadcastMsgs } = await import("./broadcast.ts");
  const key = (await openKeyring(g.home, o, io)).resolve(from);
  const msgs = await build(key.address);
  await broadcastMsgs({ io, output: g.output, url: resolveNode(o.node, g.home), keyring: await openKeyring(g.home, o, io) }, from, () => msgs, summary, { ...o, memo: o.memo ?? o.note });
}

export function stakingTxCommand(io: CliIo): Command {
  const st = new Command("staking").description("staking transactions: validators and delegations");
  addTxOptions(
    st
      .command("create-validator")
      .description("create a validator with a self-delegation; the consensus key defaults to <home>/config/priv_validator_key.json")
      .requiredOption("--from <key>", "operator key (its account becomes the validator operator)")
      .requiredOption("--amount <coin>", "self-delegation, e.g. 10000000uopen")
      .option("--pubkey <b64>", "ed25519 consensus public key (base64); default: the home's priv_validator_key.json")
      .option("--moniker <name>", "validator name", "validator")
      .option("--commission-rate <dec>", "commission rate", "0.10")
      .option("--commission-max-rate <dec>", "maximum commission rate", "0.20")
      .option("--commission-max-change-rate <dec>", "maximum daily change", "0.01")
      .option("--min-self-delegation <int>", "minimum self-delegation (uopen)", "1")
      .option("--details <text>", "description", "")
      .option("--website <url>", "website", "")
      .option("--identity <id>", "identity", "")
      .option("--security-contact <email>", "security contact", ""),
  ).action(async (o: Flags & Record<string, string>, cmd: Command) => {
    const g = globalsOf(cmd);
    let pub: Uint8Array;
    if (o.pubkey !== undefined) pub = new Uint8Array(Buffer.from(o.pubkey, "base64"));
    else {
      const pv = JSON.parse(readFileSync(homePaths(g.home).privValidatorKey, "utf8")) as { pub_key: { value: string } };
      pub = new Uint8Array(Buffer.from(pv.pub_key.value, "base64"));
    }
    if (pub.length !== 32) throw new UserError("the consensus public key must be a 32-byte ed25519 key");
    const value = oneCoin(o.amount as string);
    await send(io, cmd, o.from as string, o, async (sender) => [
      {
        typeUrl: "/cosmos.staking.v1beta1.MsgCreateValidator",
        value: {
          description: { moniker: o.moniker, identity: o.identity, website: o.website, securityContact: o.securityContact, details: o.details },
          commission: { rate: decToProto(o.commissionRate as string, "--commission-rate"), maxRate: decToProto(o.commissionMaxRate as string, "--commission-max-rate"), maxChangeRate: decToProto(o.commissionMaxChangeRate as string, "--commission-max-change-rate") },
          minSelfDelegation: o.minSelfDelegation,
          delegatorAddress: "",
          validatorAddress: await valoperOf(sender),
          pubkey: { typeUrl: "/cosmos.crypto.ed25519.PubKey", value: Ed25519PubKey.encode({ key: pub }).finish() },
          value,
        },
      },
    ], (s) => [`create validator (operator ${s}), self-delegation ${value.amount}${value.denom}`]);
  });

  addTxOptions(
    st
      .command("edit-validator")
      .description("edit a validator's description, commission rate or min self-delegation")
      .requiredOption("--from <key>", "operator key")
      .option("--moniker <name>", "new name")
      .option("--details <text>", "new description")
      .option("--website <url>", "new website")
      .option("--identity <id>", "new identity")
      .option("--security-contact <email>", "new security contact")
      .option("--commission-rate <dec>", "new commission rate (once per 24h, within max change)")
      .option("--min-self-delegation <int>", "new (higher) min self-delegation"),
  ).action(async (o: Flags & Record<string, string | undefined>, cmd: Command) => {
    const keep = "[do-not-modify]";
    await send(io, cmd, o.from as string, o, async (sender) => [
      {
        typeUrl: "/cosmos.staking.v1beta1.MsgEditValidator",
        value: {
          description: { moniker: o.moniker ?? keep, identity: o.identity ?? keep, website: o.website ?? keep, securityContact: o.securityContact ?? keep, details: o.details ?? keep },
          validatorAddress: await valoperOf(sender),
          commissionRate: o.commissionRate === undefined ? "" : decToProto(o.commissionRate, "--commission-rate"),
          minSelfDelegation: o.minSelfDelegation ?? "",
        },
      },
    ], () => ["edit validator"]);
  });

  const delegation = (name: string, desc: string, typeUrl: string) =>
    addTxOptions(st.command(name).description(desc).argument("<validator>", "openvaloper1… address").argument("<amount>", "e.g. 1000000uopen").requiredOption("--from <key>", "delegator key")).action(
      async (val: string, amount: string, o: Flags & { from: string }, cmd: Command) => {
        const c = oneCoin(amount);
        await send(io, cmd, o.from, o, (sender) => [{ typeUrl, value: { delegatorAddress: sender, validatorAddress: valoper(val), amount: c } }], () => [`${name} ${c.amount}${c.denom} ${val}`]);
      },
    );
  delegation("delegate", "delegate tokens to a validator", "/cosmos.staking.v1beta1.MsgDelegate");
  delegation("unbond", "undelegate tokens (returned after the unbonding time)", "/cosmos.staking.v1beta1.MsgUndelegate");

  addTxOptions(
    st.command("redelegate").description("move a delegation to another validator").argument("<src_validator>", "openvaloper1…").argument("<dst_validator>", "openvaloper1…").argument("<amount>", "e.g. 1000000uopen").requiredOption("--from <key>", "delegator key"),
  ).action(async (src: string, dst: string, amount: string, o: Flags & { from: string }, cmd: Command) => {
    const c = oneCoin(amount);
    await send(io, cmd, o.from, o, (sender) => [{ typeUrl: "/cosmos.staking.v1beta1.MsgBeginRedelegate", value: { delegatorAddress: sender, validatorSrcAddress: valoper(src), validatorDstAddress: valoper(dst), amount: c } }], () => [`redelegate ${c.amount}${c.denom} ${src} → ${dst}`]);
  });

  addTxOptions(
    st.command("cancel-unbond").description("cancel an unbonding entry (re-delegates it)").argument("<validator>", "openvaloper1…").argument("<amount>", "e.g. 1000000uopen").argument("<creation_height>", "height of the unbonding entry").requiredOption("--from <key>", "delegator key"),
  ).action(async (val: string, amount: string, height: string, o: Flags & { from: string }, cmd: Command) => {
    if (!/^[0-9]+$/.test(height)) throw new UserError(`invalid creation height "${height}"`);
    const c = oneCoin(amount);
    await send(io, cmd, o.from, o, (sender) => [{ typeUrl: "/cosmos.staking.v1beta1.MsgCancelUnbondingDelegation", value: { delegatorAddress: sender, validatorAddress: valoper(val), amount: c, creationHeight: BigInt(height) } }], () => [`cancel unbonding ${c.amount}${c.denom} at ${height}`]);
  });
  return st;
}

export function slashingTxCommand(io: CliIo): Command {
  const sl = new Command("slashing").description("slashing transactions");
  addTxOptions(sl.command("unjail").description("unjail your validator after its jail time").requiredOption("--from <key>", "operator key")).action(async (o: Flags & { from: string }, cmd: Command) => {
    await send(io, cmd, o.from, o, async (sender) => [{ typeUrl: MsgUnjail.typeUrl, value: { validatorAddr: await valoperOf(sender) } }], () => ["unjail"]);
  });
  return sl;
}

export function distributionTxCommand(io: CliIo): Command {
  const d = new Command("distribution").description("distribution transactions: rewards, commission, community pool");
  addTxOptions(
    d
      .command("withdraw-rewards")
      .description("withdraw delegation rewards from a validator (and its commission with --commission)")
      .argument("<validator>", "openvaloper1… address")
      .requiredOption("--from <key>", "delegator (or operator) key")
      .option("--commission", "also withdraw the validator commission (operator only)", false),
  ).action(async (val: string, o: Flags & { from: string; commission: boolean }, cmd: Command) => {
    await send(io, cmd, o.from, o, (sender) => [
      { typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward", value: { delegatorAddress: sender, validatorAddress: valoper(val) } },
      ...(o.commission ? [{ typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission", value: { validatorAddress: valoper(val) } }] : []),
    ], () => [`withdraw rewards from ${val}${o.commission ? " and commission" : ""}`]);
  });
  addTxOptions(d.command("set-withdraw-addr").description("where rewards and commission are paid").argument("<address>", "open1… address").requiredOption("--from <key>", "delegator key")).action(
    async (to: string, o: Flags & { from: string }, cmd: Command) => {
      parseAddress(to, "open", "withdraw address");
      await send(io, cmd, o.from, o, (sender) => [{ typeUrl: "/cosmos.distribution.v1beta1.MsgSetWithdrawAddress", value: { delegatorAddress: sender, withdrawAddress: to } }], () => [`withdraw address → ${to}`]);
    },
  );
  addTxOptions(d.command("fund-community-pool").description("send coins to the community pool").argument("<amount>", "coins, e.g. 1000uopen").requiredOption("--from <key>", "depositor key")).action(
    async (amount: string, o: Flags & { from: string }, cmd: Command) => {
      const coins = parseCoins(amount).map((c) => ({ denom: c.denom, amount: c.amount.toString() }));
      if (coins.length === 0) throw new UserError("amount must be positive");
      await send(io, cmd, o.from, o, (sender) => [{ typeUrl: "/cosmos.distribution.v1beta1.MsgFundCommunityPool", value: { depositor: sender, amount: coins } }], () => [`fund community pool ${amount}`]);
    },
  );
  return d;
}
