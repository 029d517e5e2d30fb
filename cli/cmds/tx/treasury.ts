/**
 * `openledgerd tx treasury …` (set-fee-policy, claim) and `openledgerd tx paychan …` (open, top-up,
 * redeem, close, dispute, and the offline `voucher sign`).
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { signVoucher } from "../../../modules/paychan/voucher.ts";
import { SignedVoucher, type Voucher } from "../../../proto/gen/openledger/paychan/v1/types.ts";
import { resolveNode } from "../../rpc/client.ts";
import { parseAddress } from "../../util/address.ts";
import { UserError } from "../../util/errors.ts";
import { type CliIo, emit, toJson } from "../../util/io.ts";
import { addKeyringOptions, globalsOf, type KeyringFlags, openKeyring } from "../common.ts";
import { snakeKeys } from "../query/datanet.ts";
import type { EncodeMsg } from "./broadcast.ts";
import { parseId } from "./datanet.ts";
import type { TxFlags } from "./handler.ts";
import { addTxOptions } from "./index.ts";

type Flags = TxFlags & KeyringFlags & { note?: string; node?: string };

function bps(v: string, what: string): number {
  if (!/^[0-9]{1,5}$/.test(v) || Number(v) > 10_000) throw new UserError(`invalid ${what} "${v}": basis points in [0, 10000]`);
  return Number(v);
}

/** "1000" or "1000uopen" → {denom, amount}. */
export function parseCoinArg(v: string, what: string): { denom: string; amount: string } {
  const m = /^([0-9]{1,78})([a-z][a-z0-9/:._-]{2,127})?$/.exec(v.trim());
  if (m === null) throw new UserError(`invalid ${what} "${v}": expected an amount like 1000uopen`);
  return { denom: m[2] ?? "uopen", amount: BigInt(m[1] as string).toString() };
}

function hex32(v: string, what: string): Uint8Array {
  const s = v.replace(/^0x/, "");
  if (!/^[0-9a-fA-F]{64}$/.test(s)) throw new UserError(`invalid ${what}: expected 64 hex characters`);
  return new Uint8Array(Buffer.from(s, "hex"));
}

/** a SignedVoucher from a JSON file (or "-" for stdin), as `tx paychan voucher sign` prints it. */
export function readSignedVoucher(file: string, io: CliIo): SignedVoucher {
  let text: string;
  try {
    text = file === "-" ? readFileSync(0, "utf8") : readFileSync(file, "utf8");
  } catch (e) {
    throw new UserError(`cannot read ${file}: ${(e as Error).message}`);
  }
  void io;
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw new UserError(`${file}: not JSON`);
  }
  const sv = SignedVoucher.fromJSON(j);
  if (sv.voucher === undefined || sv.signature.length !== 64) throw new UserError(`${file}: not a signed voucher (voucher + 64-byte signature)`);
  return sv;
}

export function treasuryTxCommand(io: CliIo): Command {
  const cmd = new Command("treasury").description("treasury transactions: fee-split policies, claiming vested contributor rewards");
  const run = async (from: string, o: Flags, c: Command, build: (sender: string) => EncodeMsg[], summary: () => string[]) => {
    const g = globalsOf(c);
    const { broadcastMsgs } = await import("./broadcast.ts");
    await broadcastMsgs({ io, output: g.output, url: resolveNode(o.node, g.home), keyring: await openKeyring(g.home, o, io) }, from, build, summary, { ...o, memo: o.memo ?? o.note });
  };
  addTxOptions(
    cmd
      .command("set-fee-policy")
      .description("set a model's fee split in basis points summing to 10000 (the model owner; gov through a proposal)")
      .argument("<from_key_or_address>", "model owner key")
      .argument("<model_id>", "model id")
      .requiredOption("--contributors <bps>", "data contributors (vesting)")
      .requiredOption("--trainer <bps>", "trainer")
      .requiredOption("--provider <bps>", "compute provider")
      .requiredOption("--community <bps>", "community pool")
      .option("--burn <bps>", "burned", "0"),
  ).action(async (from: string, modelId: string, o: Flags & { contributors: string; trainer: string; provider: string; community: string; burn: string }, c: Command) => {
    const id = parseId(modelId, "model id");
    const policy = { contributorsBps: bps(o.contributors, "--contributors"), trainerBps: bps(o.trainer, "--trainer"), providerBps: bps(o.provider, "--provider"), communityBps: bps(o.community, "--community"), burnBps: bps(o.burn, "--burn") };
    const sum = policy.contributorsBps + policy.trainerBps + policy.providerBps + policy.communityBps + policy.burnBps;
    if (sum !== 10_000) throw new UserError(`the parts sum to ${sum} basis points, not 10000`);
    await run(from, o, c, (authority) => [{ typeUrl: "/openledger.treasury.v1.MsgSetFeePolicy", value: { authority, modelId: id, policy } }], () => [`fee policy of model ${id}: contributors ${policy.contributorsBps}, trainer ${policy.trainerBps}, provider ${policy.providerBps}, community ${policy.communityBps}, burn ${policy.burnBps} (bps)`]);
  });
  addTxOptions(cmd.command("claim").description("claim vested contributor rewards").argument("<from_key_or_address>", "claimant key")).action(async (from: string, o: Flags, c: Command) => {
    await run(from, o, c, (claimant) => [{ typeUrl: "/openledger.treasury.v1.MsgClaim", value: { claimant } }], () => ["claim vested contributor rewards"]);
  });
  return cmd;
}

export function paychanTxCommand(io: CliIo): Command {
  const cmd = new Command("paychan").description("payment channels: deposits, off-chain cumulative vouchers, redeem, close, dispute");
  const run = async (from: string, o: Flags, c: Command, build: (sender: string) => EncodeMsg[], summary: () => string[]) => {
    const g = globalsOf(c);
    const { broadcastMsgs } = await import("./broadcast.ts");
    await broadcastMsgs({ io, output: g.output, url: resolveNode(o.node, g.home), keyring: await openKeyring(g.home, o, io) }, from, build, summary, { ...o, memo: o.memo ?? o.note });
  };
  const P = "/openledger.paychan.v1.";
  addTxOptions(
    cmd
      .command("open")
      .description("open a channel to a payee with a deposit")
      .argument("<from_key_or_address>", "payer key")
      .argument("<payee>", "payee address (the provider)")
      .argument("<deposit>", "deposit, e.g. 1000000uopen")
      .option("--settle-window <blocks>", "blocks between a close and the settlement", "10"),
  ).action(async (from: string, payee: string, deposit: string, o: Flags & { settleWindow: string }, c: Command) => {
    parseAddress(payee, "open", "payee address");
    const dep = parseCoinArg(deposit, "deposit");
    const window = parseId(o.settleWindow, "--settle-window");
    const g = globalsOf(c);
    const kr = await openKeyring(g.home, o, io);
    const pub = new Uint8Array(Buffer.from(kr.resolve(from).pubkey, "base64"));
    await run(from, o, c, (payer) => [{ typeUrl: `${P}MsgOpenChannel`, value: { payer, payee, payerPubkey: pub, deposit: dep, settleWindow: window } }], () => [`open a channel to ${payee} with ${dep.amount}${dep.denom}, settle window ${window} blocks`]);
  });
  addTxOptions(cmd.command("top-up").description("add to an open channel's deposit").argument("<from_key_or_address>", "payer key").argument("<channel_id>", "channel id").argument("<amount>", "e.g. 1000uopen")).action(
    async (from: string, id: string, amount: string, o: Flags, c: Command) => {
      const ch = parseId(id, "channel id");
      const a = parseCoinArg(amount, "amount");
      await run(from, o, c, (payer) => [{ typeUrl: `${P}MsgTopUp`, value: { payer, channelId: ch, amount: a } }], () => [`top up channel ${ch} by ${a.amount}${a.denom}`]);
    },
  );
  for (const [name, msg, desc] of [
    ["redeem", "MsgRedeem", "redeem a signed voucher (pays the part above what was redeemed)"],
    ["dispute", "MsgDispute", "during the settle window, redeem a voucher of a higher nonce"],
  ] as const) {
    addTxOptions(cmd.command(name).description(desc).argument("<from_key_or_address>", "payee key").argument("<voucher_file>", "signed voucher JSON (from `voucher sign`), - for stdin")).action(async (from: string, file: string, o: Flags, c: Command) => {
      const sv = readSignedVoucher(file, io);
      await run(from, o, c, (payee) => [{ typeUrl: `${P}${msg}`, value: { payee, voucher: sv } }], () => [`${name} voucher ${sv.voucher?.channelId}/${sv.voucher?.nonce} (cumulative ${sv.voucher?.amount})`]);
    });
  }
  addTxOptions(
    cmd
      .command("close")
      .description("start the settle window (payer or payee; the payee may attach a final voucher)")
      .argument("<from_key_or_address>", "payer or payee key")
      .argument("<channel_id>", "channel id")
      .option("--voucher <file>", "a final signed voucher (payee only)"),
  ).action(async (from: string, id: string, o: Flags & { voucher?: string }, c: Command) => {
    const ch = parseId(id, "channel id");
    const sv = o.voucher === undefined ? undefined : readSignedVoucher(o.voucher, io);
    await run(from, o, c, (sender) => [{ typeUrl: `${P}MsgCloseChannel`, value: { sender, channelId: ch, ...(sv !== undefined ? { voucher: sv } : {}) } }], () => [`close channel ${ch}`]);
  });

  const voucher = cmd.command("voucher").description("off-chain vouchers");
  addKeyringOptions(
    voucher
      .command("sign")
      .description("sign a cumulative voucher offline (no node needed); prints the signed voucher JSON for `redeem`")
      .argument("<channel_id>", "channel id")
      .argument("<nonce>", "nonce (strictly increasing per channel)")
      .argument("<amount>", "cumulative amount in the channel's denom (integer)")
      .requiredOption("--from <key>", "payer key")
      .requiredOption("--chain-id <id>", "the chain the channel lives on")
      .option("--receipt-root <hex>", "Merkle root of the receipts the payments cover (32 bytes hex)", "00".repeat(32)),
  ).action(async (channelId: string, nonce: string, amount: string, o: KeyringFlags & { from: string; chainId: string; receiptRoot: string }, c: Command) => {
    const g = globalsOf(c);
    if (!/^(0|[1-9][0-9]{0,77})$/.test(amount)) throw new UserError(`invalid amount "${amount}": a canonical integer`);
    const v: Voucher = { channelId: parseId(channelId, "channel id"), nonce: parseId(nonce, "nonce"), amount, receiptRoot: hex32(o.receiptRoot, "--receipt-root") };
    const kr = await openKeyring(g.home, o, io);
    const key = kr.resolve(o.from);
    const signature = signVoucher(o.chainId, v, await kr.privkey(key.name));
    const json = snakeKeys(SignedVoucher.toJSON({ voucher: v, signature }));
    emit(io, g.output === "text" ? "json" : g.output, json, () => toJson(json));
  });
  return cmd;
}
