/**
 * auth's ante decorators, in cosmos-sdk x/auth/ante order (after the runtime's stateless checks: size,
 * extension options, validateBasic, timeout height, signer counts, block gas): memo, tx size gas, fee
 * deduction (min gas price in CheckTx only), set pubkey (+ tx.acc_seq / tx.signature events),
 * signature count, signature gas, sequence + signature verification, sequence increment.
 */
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { accAddressToString } from "../core/address.ts";
import { equal, toBase64, utf8Length } from "../core/bytes.ts";
import { formatCoins, isAnyGte } from "../core/coins.ts";
import { requiredFees } from "../core/dec.ts";
import { ErrInvalidPubKey, ErrInvalidRequest, ErrInsufficientFee, ErrMemoTooLarge, ErrTooManySignatures, ErrUnauthorized, ErrUnknownAddress, ErrWrongSequence } from "../core/errors.ts";
import { addressFromSecp256k1, sha256 } from "../core/hash.ts";
import type { Bytes } from "../core/abci.ts";
import type { AnteContext, AnteDecorator, DecodedTx } from "../core/tx.ts";
import { signDocBytes } from "../core/tx.ts";
import { pubKeyFromAny } from "./account.ts";
import type { FeeBankKeeper } from "./expectedKeepers.ts";
import type { AuthKeeper } from "./keeper.ts";
import { FEE_COLLECTOR_NAME } from "./keys.ts";

export interface AnteDeps {
  accountKeeper: AuthKeeper;
  bankKeeper: FeeBankKeeper;
  /** module account that receives gas fees (default "fee_collector"). */
  feeCollector?: string;
  /** the denom whose transfer Simulate charges for a tx simulated without a fee (default: the first min gas price's, else "uopen"). */
  simulateFeeDenom?: string;
}

/** the 64-byte size charged for each empty signature in simulation. */
export const SIMULATED_SIGNATURE_BYTES = 64n;

/**
 * The ante's memo of what depends on the decoded tx alone (CheckTx, every recheck and FinalizeBlock share
 * the DecodedTx through the runtime's decode memo), kept in its `anteMemo` slot: sha256 of the
 * SIGN_MODE_DIRECT sign bytes (a pure function of the tx bytes, chain id and account number, so keyed by
 * all three), each signer info's decoded public key and whether it matches the signer's address, and the
 * tx-determined attribute values of the "tx" events (fee, fee payer, each signer's "address/sequence" and
 * base64 signature). Arrays are allocated at their length (one slot per signer).
 */
interface SignHash {
  readonly chainId: string;
  readonly accountNumber: bigint;
  readonly hash: Bytes;
}
interface AnteMemo {
  hashes: readonly SignHash[];
  /** decoded signer-info keys (undefined: not decoded yet; failures are not kept). */
  pubKeys: (Bytes | null | undefined)[];
  /** addressFromSecp256k1(pubKeys[i]) equals signer i (undefined: not checked yet). */
  pubKeyMatches: (boolean | undefined)[];
  fee?: string;
  feePayer?: string;
  accSeq: (string | undefined)[];
  signature: (string | undefined)[];
}
function anteMemo(tx: DecodedTx): AnteMemo {
  let m = tx.anteMemo as AnteMemo | undefined;
  if (m === undefined) {
    const n = tx.signers.length;
    m = {
      hashes: [],
      pubKeys: new Array<Bytes | null | undefined>(n).fill(undefined),
      pubKeyMatches: new Array<boolean | undefined>(n).fill(undefined),
      accSeq: new Array<string | undefined>(n).fill(undefined),
      signature: new Array<string | undefined>(n).fill(undefined),
    };
    tx.anteMemo = m;
  }
  return m;
}

function signHash(tx: DecodedTx, chainId: string, accountNumber: bigint): Bytes {
  const m = anteMemo(tx);
  // a tx has one entry per signer (a few): compared field by field, no key string built per lookup
  for (let i = 0; i < m.hashes.length; i++) {
    const e = m.hashes[i] as SignHash;
    if (e.accountNumber === accountNumber && e.chainId === chainId) return e.hash;
  }
  const hash = sha256(signDocBytes(tx.bodyBytes, tx.authInfoBytes, chainId, accountNumber));
  // a new list of exactly its length (a push into [] would give it a 17-slot backing store)
  const entry: SignHash = { chainId, accountNumber, hash };
  m.hashes = m.hashes.length === 0 ? [entry] : [...m.hashes, entry];
  return hash;
}

/** pubKeyFromAny of signer info i's key, decoded once per tx (a pure function of the never-mutated Any). */
function signerPubKey(tx: DecodedTx, i: number): Bytes | null {
  const m = anteMemo(tx);
  let pk = m.pubKeys[i];
  if (pk === undefined) {
    pk = pubKeyFromAny(tx.authInfo.signerInfos[i]?.publicKey);
    if (i < m.pubKeys.length) m.pubKeys[i] = pk;
  }
  return pk;
}

export function createAnteDecorators(deps: AnteDeps): AnteDecorator[] {
  const ak = deps.accountKeeper;
  const feeCollector = deps.feeCollector ?? FEE_COLLECTOR_NAME;

  const validateMemo: AnteDecorator = (ctx) => {
    const max = ak.getParams(ctx).maxMemoCharacters;
    const len = BigInt(utf8Length(ctx.tx.body.memo));
    if (len > max) throw ErrMemoTooLarge.wrap(`maximum number of characters is ${max} but received ${len} characters`);
  };

  const consumeTxSizeGas: AnteDecorator = (ctx) => {
    const p = ak.getParams(ctx);
    ctx.gas.consume(p.txSizeCostPerByte * BigInt(ctx.tx.raw.length), "txSize");
    if (ctx.simulate) {
      for (const sig of ctx.tx.signatures) if (sig.length === 0) ctx.gas.consume(p.txSizeCostPerByte * SIMULATED_SIGNATURE_BYTES, "txSize");
    }
  };

  const deductFee: AnteDecorator = (ctx) => {
    const tx = ctx.tx;
    const fee = tx.authInfo.fee;
    if (fee !== undefined && fee.granter !== "") throw ErrInvalidRequest.wrap("fee grants are not enabled");
    if (!ak.hasAccount(ctx, tx.feePayer)) throw ErrUnknownAddress.wrap(`fee payer address: ${accAddressToString(tx.feePayer)} does not exist`);
    if ((ctx.mode === "check" || ctx.mode === "recheck") && !ctx.simulate && ctx.minGasPrices.length > 0) {
      const required = requiredFees(ctx.minGasPrices, tx.gasLimit);
      if (required.length > 0 && !isAnyGte(tx.fee, required)) {
        throw ErrInsufficientFee.wrap(`insufficient fees; got: ${formatCoins(tx.fee)} required: ${formatCoins(required)}`);
      }
    }
    if (tx.fee.length > 0) deps.bankKeeper.sendCoinsFromAccountToModule(ctx, tx.feePayer, feeCollector, tx.fee);
    else if (ctx.simulate && deps.bankKeeper.touchTransferToModule !== undefined) {
      // CosmJS and the CLI simulate with an empty fee; the real tx pays one, and that transfer's store
      // reads and writes (~20k gas) would otherwise be missing from the estimate (`--gas auto` then runs
      // out of gas on cheap messages). Values are written back unchanged, on Simulate's throw-away branch.
      deps.bankKeeper.touchTransferToModule(ctx, tx.feePayer, feeCollector, ctx.minGasPrices[0]?.denom ?? deps.simulateFeeDenom ?? "uopen");
    }
    const strs = anteMemo(tx);
    const feeText = (strs.fee ??= formatCoins(tx.fee));
    const feePayerText = (strs.feePayer ??= accAddressToString(tx.feePayer));
    ctx.events.emit("tx", { fee: feeText, fee_payer: feePayerText });
  };

  const setPubKey: AnteDecorator = (ctx) => {
    const tx = ctx.tx;
    tx.signers.forEach((signer, i) => {
      const info = tx.authInfo.signerInfos[i];
      const pk = signerPubKey(tx, i);
      const acc = ak.getAccount(ctx, signer);
      if (acc === undefined) throw ErrUnknownAddress.wrap(`account ${accAddressToString(signer)} does not exist`);
      if (pk !== null) {
        // whether the key hashes to the signer's address: a pure function of the tx, checked once per tx
        const memo = anteMemo(tx);
        let matches = memo.pubKeyMatches[i];
        if (matches === undefined) {
          matches = equal(addressFromSecp256k1(pk), signer);
          if (i < memo.pubKeyMatches.length) memo.pubKeyMatches[i] = matches;
        }
        if (!matches) throw ErrInvalidPubKey.wrap(`pubKey does not match signer address ${accAddressToString(signer)} with signer index: ${i}`);
        if (acc.pubKey === null) ak.setAccount(ctx, { ...acc, pubKey: pk });
        else if (!equal(acc.pubKey, pk)) throw ErrInvalidPubKey.wrap(`pubKey does not match the account's pubkey with signer index: ${i}`);
      } else if (acc.pubKey === null && !ctx.simulate) {
        throw ErrInvalidPubKey.wrap("pubkey on account is not set");
      }
      const strs = anteMemo(tx);
      const accSeq = (strs.accSeq[i] ??= `${accAddressToString(signer)}/${info?.sequence ?? 0n}`);
      const signature = (strs.signature[i] ??= toBase64(tx.signatures[i] ?? new Uint8Array(0)));
      ctx.events.emit("tx", { acc_seq: accSeq });
      ctx.events.emit("tx", { signature });
    });
  };

  const validateSigCount: AnteDecorator = (ctx) => {
    const limit = ak.getParams(ctx).txSigLimit;
    const n = BigInt(ctx.tx.signatures.length);
    if (n > limit) throw ErrTooManySignatures.wrap(`signatures: ${n}, limit: ${limit}`);
  };

  const sigGasConsume: AnteDecorator = (ctx) => {
    const cost = ak.getParams(ctx).sigVerifyCostSecp256k1;
    for (let i = 0; i < ctx.tx.signers.length; i++) ctx.gas.consume(cost, "ante verify: secp256k1");
  };

  const sigVerify: AnteDecorator = (ctx: AnteContext) => {
    const tx = ctx.tx;
    tx.signers.forEach((signer, i) => {
      const info = tx.authInfo.signerInfos[i];
      const acc = ak.getAccount(ctx, signer);
      if (acc === undefined || info === undefined) throw ErrUnknownAddress.wrap(`account ${accAddressToString(signer)} does not exist`);
      if (info.sequence !== acc.sequence) {
        throw ErrWrongSequence.wrap(`account sequence mismatch, expected ${acc.sequence}, got ${info.sequence}`);
      }
      if (ctx.simulate) return;
      const mode = info.modeInfo?.single?.mode;
      if (mode !== SignMode.SIGN_MODE_DIRECT) throw ErrUnauthorized.wrap(`unsupported sign mode ${String(mode ?? "multi")}; only SIGN_MODE_DIRECT is accepted`);
      const pk = acc.pubKey ?? signerPubKey(tx, i);
      if (pk === null) throw ErrInvalidPubKey.wrap("pubkey on account is not set");
      // SDK 0.50 SigVerificationDecorator: no need to verify signatures on recheck (CheckTx NEW verified
      // these exact bytes against the same account number and chain id; the sequence is checked above)
      if (ctx.mode === "recheck") return;
      const sig = tx.signatures[i] ?? new Uint8Array(0);
      const chainId = ctx.block.chainId;
      if (ctx.mode === "check") ctx.sigVerifier.noteAccount?.(pk, acc.accountNumber);
      // SDK SigVerificationDecorator: genesis transactions (gentxs delivered at InitChain) sign account number 0
      const hash = signHash(tx, chainId, ctx.mode === "genesis" ? 0n : acc.accountNumber);
      if (sig.length !== 64 || !ctx.sigVerifier.verify(pk, hash, sig)) {
        throw ErrUnauthorized.wrap(`signature verification failed; please verify account number (${acc.accountNumber}) and chain-id (${chainId})`);
      }
    });
  };

  const incrementSequence: AnteDecorator = (ctx) => {
    for (const signer of ctx.tx.signers) {
      const acc = ak.getAccount(ctx, signer);
      if (acc === undefined) throw ErrUnknownAddress.wrap(`account ${accAddressToString(signer)} does not exist`);
      ak.setAccount(ctx, { ...acc, sequence: acc.sequence + 1n });
    }
  };

  return [validateMemo, consumeTxSizeGas, deductFee, setPubKey, validateSigCount, sigGasConsume, sigVerify, incrementSequence];
}
