/**
 * Gentxs as the SDK writes them (config/gentx/gentx-<nodeid>.json and app_state.genutil.gen_txs): the
 * proto-JSON of a signed cosmos.tx.v1beta1.Tx carrying one MsgCreateValidator. Pure conversions between
 * that JSON and TxRaw bytes; the body and auth info are re-encoded canonically (cosmjs-types), so a gentx
 * signed over gentxBodyBytes(json) verifies after the round trip.
 */
import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { MsgCreateValidator } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { Bytes } from "../core/abci.ts";
import { fromBase64, toBase64 } from "../core/bytes.ts";
import { formatDec, parseDecSigned } from "../core/dec.ts";
import { ErrInvalidRequest } from "../core/errors.ts";

export const MSG_CREATE_VALIDATOR_URL = "/cosmos.staking.v1beta1.MsgCreateValidator";
const ED25519 = "/cosmos.crypto.ed25519.PubKey";
const SECP256K1 = "/cosmos.crypto.secp256k1.PubKey";

type J = Record<string, any>;

export function msgCreateValidatorToJson(m: MsgCreateValidator): J {
  return {
    "@type": MSG_CREATE_VALIDATOR_URL,
    description: { moniker: m.description.moniker, identity: m.description.identity, website: m.description.website, security_contact: m.description.securityContact, details: m.description.details },
    commission: { rate: formatDec(BigInt(m.commission.rate)), max_rate: formatDec(BigInt(m.commission.maxRate)), max_change_rate: formatDec(BigInt(m.commission.maxChangeRate)) },
    min_self_delegation: m.minSelfDelegation,
    delegator_address: m.delegatorAddress,
    validator_address: m.validatorAddress,
    pubkey: m.pubkey === undefined ? null : { "@type": m.pubkey.typeUrl, key: toBase64(Ed25519PubKey.decode(m.pubkey.value).key) },
    value: { denom: m.value.denom, amount: m.value.amount },
  };
}

export function msgCreateValidatorFromJson(j: J): MsgCreateValidator {
  if (j["@type"] !== MSG_CREATE_VALIDATOR_URL) throw ErrInvalidRequest.wrap(`gentx message must be ${MSG_CREATE_VALIDATOR_URL}, got ${String(j["@type"])}`);
  const d = j.description ?? {};
  const c = j.commission ?? {};
  const pk = j.pubkey;
  if (pk?.["@type"] !== ED25519) throw ErrInvalidRequest.wrap("gentx pubkey must be /cosmos.crypto.ed25519.PubKey");
  return MsgCreateValidator.fromPartial({
    description: { moniker: String(d.moniker ?? ""), identity: String(d.identity ?? ""), website: String(d.website ?? ""), securityContact: String(d.security_contact ?? ""), details: String(d.details ?? "") },
    commission: { rate: parseDecSigned(String(c.rate ?? "0")).toString(), maxRate: parseDecSigned(String(c.max_rate ?? "0")).toString(), maxChangeRate: parseDecSigned(String(c.max_change_rate ?? "0")).toString() },
    minSelfDelegation: String(j.min_self_delegation ?? "1"),
    delegatorAddress: String(j.delegator_address ?? ""),
    validatorAddress: String(j.validator_address ?? ""),
    pubkey: { typeUrl: ED25519, value: Ed25519PubKey.encode({ key: fromBase64(String(pk.key ?? "")) }).finish() },
    value: { denom: String(j.value?.denom ?? ""), amount: String(j.value?.amount ?? "0") },
  });
}

/** the gentx JSON (SDK Tx JSON) of TxRaw bytes whose one message is a MsgCreateValidator. */
export function gentxToJson(raw: Bytes): J {
  const tx = TxRaw.decode(raw);
  const body = TxBody.decode(tx.bodyBytes);
  const auth = AuthInfo.decode(tx.authInfoBytes);
  if (body.messages.length !== 1 || body.messages[0]?.typeUrl !== MSG_CREATE_VALIDATOR_URL) throw ErrInvalidRequest.wrap("a gentx carries exactly one MsgCreateValidator");
  return {
    body: {
      messages: [msgCreateValidatorToJson(MsgCreateValidator.decode(body.messages[0].value))],
      memo: body.memo,
      timeout_height: body.timeoutHeight.toString(),
      extension_options: [],
      non_critical_extension_options: [],
    },
    auth_info: {
      signer_infos: auth.signerInfos.map((s) => ({
        public_key: s.publicKey === undefined ? null : { "@type": s.publicKey.typeUrl, key: toBase64(Secp256k1PubKey.decode(s.publicKey.value).key) },
        mode_info: { single: { mode: "SIGN_MODE_DIRECT" } },
        sequence: s.sequence.toString(),
      })),
      fee: { amount: (auth.fee?.amount ?? []).map((c) => ({ denom: c.denom, amount: c.amount })), gas_limit: (auth.fee?.gasLimit ?? 0n).toString(), payer: auth.fee?.payer ?? "", granter: auth.fee?.granter ?? "" },
      tip: null,
    },
    signatures: tx.signatures.map(toBase64),
  };
}

/** body bytes of a gentx JSON (what the signer signs, re-encoded canonically). */
export function gentxBodyBytes(j: J): Bytes {
  const b = j.body ?? {};
  const msgs = Array.isArray(b.messages) ? b.messages : [];
  if (msgs.length !== 1) throw ErrInvalidRequest.wrap("a gentx carries exactly one MsgCreateValidator");
  const m = msgCreateValidatorFromJson(msgs[0]);
  return TxBody.encode(TxBody.fromPartial({ messages: [{ typeUrl: MSG_CREATE_VALIDATOR_URL, value: MsgCreateValidator.encode(m).finish() }], memo: String(b.memo ?? ""), timeoutHeight: BigInt(String(b.timeout_height ?? "0")) })).finish();
}

export function gentxAuthInfoBytes(j: J): Bytes {
  const a = j.auth_info ?? {};
  const infos = Array.isArray(a.signer_infos) ? a.signer_infos : [];
  return AuthInfo.encode(
    AuthInfo.fromPartial({
      signerInfos: infos.map((s: J) => {
        if (s.public_key?.["@type"] !== SECP256K1) throw ErrInvalidRequest.wrap("gentx signer must have a secp256k1 public key");
        return { publicKey: { typeUrl: SECP256K1, value: Secp256k1PubKey.encode({ key: fromBase64(String(s.public_key.key)) }).finish() }, modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } }, sequence: BigInt(String(s.sequence ?? "0")) };
      }),
      fee: { amount: (Array.isArray(a.fee?.amount) ? a.fee.amount : []).map((c: J) => ({ denom: String(c.denom), amount: String(c.amount) })), gasLimit: BigInt(String(a.fee?.gas_limit ?? "200000")), payer: String(a.fee?.payer ?? ""), granter: String(a.fee?.granter ?? "") },
    }),
  ).finish();
}

/** TxRaw bytes of a gentx JSON. */
export function gentxFromJson(j: unknown): Bytes {
  const o = (j ?? {}) as J;
  const sigs = Array.isArray(o.signatures) ? o.signatures.map((s: unknown) => fromBase64(String(s))) : [];
  return TxRaw.encode({ bodyBytes: gentxBodyBytes(o), authInfoBytes: gentxAuthInfoBytes(o), signatures: sigs }).finish();
}
