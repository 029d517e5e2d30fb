/**
 * slashing keeper (cosmos-sdk x/slashing + the equivocation part of x/evidence): signing infos, the
 * missed-blocks window, downtime jail + slash, double-sign slash + jail forever + tombstone, unjail.
 */
import { Params as ProtoParams, ValidatorSigningInfo } from "cosmjs-types/cosmos/slashing/v1beta1/slashing";
import type { Bytes, Timestamp } from "../core/abci.ts";
import { BlockIdFlag } from "../core/abci.ts";
import { consAddressToString } from "../core/address.ts";
import { concat, fromUtf8, lengthPrefixed, u64be, utf8 } from "../core/bytes.ts";
import type { ReadContext, WriteContext } from "../core/context.ts";
import { type Dec, decMul, decRoundInt, formatDec } from "../core/dec.ts";
import type { SlashingStakingKeeper } from "./expectedKeepers.ts";

export const MODULE_NAME = "slashing";

export const PREFIX = {
  /** 0x00 → Params (proto) */
  params: 0x00,
  /** 0x01 | lp(cons) → ValidatorSigningInfo (proto) */
  signingInfo: 0x01,
  /** 0x02 | lp(cons) | u64be(index) → 0x01 (missed) */
  missedBlocks: 0x02,
} as const;

/** 9999-12-31T23:59:59Z: jailed forever (SDK DoubleSignJailEndTime). */
export const DOUBLE_SIGN_JAIL_END: Timestamp = { seconds: 253402300799n, nanos: 0 };
/** CometBFT applies EndBlock updates two blocks later: the stake at height h was bonded at h − 1 − delay. */
export const VALIDATOR_UPDATE_DELAY = 1n;

export interface SlashingParams {
  signedBlocksWindow: bigint;
  minSignedPerWindow: Dec;
  downtimeJailDuration: { seconds: bigint; nanos: number };
  slashFractionDoubleSign: Dec;
  slashFractionDowntime: Dec;
}

export function defaultParams(): SlashingParams {
  return {
    signedBlocksWindow: 100n,
    minSignedPerWindow: 500000000000000000n,
    downtimeJailDuration: { seconds: 600n, nanos: 0 },
    slashFractionDoubleSign: 50000000000000000n,
    slashFractionDowntime: 10000000000000000n,
  };
}

export interface SigningInfo {
  address: Bytes;
  startHeight: bigint;
  indexOffset: bigint;
  jailedUntil: Timestamp;
  tombstoned: boolean;
  missedBlocksCounter: bigint;
}

export interface SlashingKeeper {
  getParams(ctx: ReadContext): SlashingParams;
  setParams(ctx: WriteContext, p: SlashingParams): void;
  getSigningInfo(ctx: ReadContext, cons: Bytes): SigningInfo | undefined;
  setSigningInfo(ctx: WriteContext, s: SigningInfo): void;
  iterateSigningInfos(ctx: ReadContext): AsyncIterable<SigningInfo>;
  getMissedBlocks(ctx: ReadContext, cons: Bytes): Promise<bigint[]>;
  setMissed(ctx: WriteContext, cons: Bytes, index: bigint, missed: boolean): void;
  handleValidatorSignature(ctx: WriteContext, cons: Bytes, power: bigint, missed: boolean): Promise<void>;
  handleDoubleSign(ctx: WriteContext, cons: Bytes, infractionHeight: bigint, power: bigint): Promise<void>;
  beginBlock(ctx: WriteContext): Promise<void>;
}

const decBytes = (d: Dec) => utf8(d.toString());
const bytesDec = (b: Uint8Array) => (b.length === 0 ? 0n : BigInt(fromUtf8(b)));

export function signingInfoToProto(s: SigningInfo): ValidatorSigningInfo {
  return { address: consAddressToString(s.address), startHeight: s.startHeight, indexOffset: s.indexOffset, jailedUntil: s.jailedUntil, tombstoned: s.tombstoned, missedBlocksCounter: s.missedBlocksCounter };
}

export function createSlashingKeeper(sk: SlashingStakingKeeper): SlashingKeeper {
  const rs = (ctx: ReadContext) => ctx.store(MODULE_NAME);
  const ws = (ctx: WriteContext) => ctx.store(MODULE_NAME);
  const infoKey = (cons: Bytes) => concat(Uint8Array.of(PREFIX.signingInfo), lengthPrefixed(cons));
  const missedPrefix = (cons: Bytes) => concat(Uint8Array.of(PREFIX.missedBlocks), lengthPrefixed(cons));
  const missedKey = (cons: Bytes, i: bigint) => concat(missedPrefix(cons), u64be(i));

  const clearMissed = async (ctx: WriteContext, cons: Bytes) => {
    const keys: Bytes[] = [];
    for await (const [key] of rs(ctx).iterate({ prefix: missedPrefix(cons) })) keys.push(Uint8Array.from(key));
    for (const key of keys) ws(ctx).delete(key);
  };

  const k: SlashingKeeper = {
    getParams(ctx) {
      const b = rs(ctx).get(Uint8Array.of(PREFIX.params));
      if (b === undefined) return defaultParams();
      const p = ProtoParams.decode(b);
      return { signedBlocksWindow: p.signedBlocksWindow, minSignedPerWindow: bytesDec(p.minSignedPerWindow), downtimeJailDuration: p.downtimeJailDuration, slashFractionDoubleSign: bytesDec(p.slashFractionDoubleSign), slashFractionDowntime: bytesDec(p.slashFractionDowntime) };
    },
    setParams(ctx, p) {
      ws(ctx).set(
        Uint8Array.of(PREFIX.params),
        ProtoParams.encode({ signedBlocksWindow: p.signedBlocksWindow, minSignedPerWindow: decBytes(p.minSignedPerWindow), downtimeJailDuration: p.downtimeJailDuration, slashFractionDoubleSign: decBytes(p.slashFractionDoubleSign), slashFractionDowntime: decBytes(p.slashFractionDowntime) }).finish(),
      );
    },
    getSigningInfo(ctx, cons) {
      const b = rs(ctx).get(infoKey(cons));
      if (b === undefined) return undefined;
      const p = ValidatorSigningInfo.decode(b);
      return { address: cons, startHeight: p.startHeight, indexOffset: p.indexOffset, jailedUntil: p.jailedUntil, tombstoned: p.tombstoned, missedBlocksCounter: p.missedBlocksCounter };
    },
    setSigningInfo(ctx, s) {
      ws(ctx).set(infoKey(s.address), ValidatorSigningInfo.encode(signingInfoToProto(s)).finish());
    },
    async *iterateSigningInfos(ctx) {
      for await (const [key, v] of rs(ctx).iterate({ prefix: Uint8Array.of(PREFIX.signingInfo) })) {
        const p = ValidatorSigningInfo.decode(v);
        const n = key[1] as number;
        yield { address: Uint8Array.from(key.subarray(2, 2 + n)), startHeight: p.startHeight, indexOffset: p.indexOffset, jailedUntil: p.jailedUntil, tombstoned: p.tombstoned, missedBlocksCounter: p.missedBlocksCounter };
      }
    },
    async getMissedBlocks(ctx, cons) {
      const out: bigint[] = [];
      const p = missedPrefix(cons);
      for await (const [key] of rs(ctx).iterate({ prefix: p })) out.push(new DataView(key.buffer, key.byteOffset + p.length, 8).getBigUint64(0));
      return out;
    },
    setMissed(ctx, cons, index, missed) {
      if (missed) ws(ctx).set(missedKey(cons, index), Uint8Array.of(1));
      else ws(ctx).delete(missedKey(cons, index));
    },

    async handleValidatorSignature(ctx, cons, power, missed) {
      const v = sk.getValidatorByConsAddr(ctx, cons);
      if (v === undefined || v.jailed) return;
      const info = k.getSigningInfo(ctx, cons);
      if (info === undefined) return;
      const params = k.getParams(ctx);
      const window = params.signedBlocksWindow;
      const index = info.indexOffset % window;
      info.indexOffset += 1n;
      const previous = rs(ctx).has(missedKey(cons, index));
      if (!previous && missed) {
        k.setMissed(ctx, cons, index, true);
        info.missedBlocksCounter += 1n;
      } else if (previous && !missed) {
        k.setMissed(ctx, cons, index, false);
        info.missedBlocksCounter -= 1n;
      }
      const minSigned = decRoundInt(decMul(params.minSignedPerWindow, window * 10n ** 18n));
      const maxMissed = window - minSigned;
      const consStr = consAddressToString(cons);
      if (missed) ctx.events.emit("liveness", { address: consStr, missed_blocks: info.missedBlocksCounter.toString(), height: ctx.block.height.toString() });
      const minHeight = info.startHeight + window;
      if (ctx.block.height > minHeight && info.missedBlocksCounter > maxMissed) {
        const distributionHeight = ctx.block.height - VALIDATOR_UPDATE_DELAY - 1n;
        const burned = await sk.slash(ctx, cons, distributionHeight, power, params.slashFractionDowntime);
        ctx.events.emit("slash", { address: consStr, power: power.toString(), reason: "missing_signature", jailed: consStr, burned_coins: burned.toString() });
        sk.jail(ctx, cons);
        const d = params.downtimeJailDuration;
        let nanos = ctx.block.time.nanos + d.nanos;
        let seconds = ctx.block.time.seconds + d.seconds;
        if (nanos >= 1_000_000_000) {
          nanos -= 1_000_000_000;
          seconds += 1n;
        }
        info.jailedUntil = { seconds, nanos };
        info.missedBlocksCounter = 0n;
        info.indexOffset = 0n;
        await clearMissed(ctx, cons);
        ctx.logger.info({ validator: consStr, minHeight: minHeight.toString(), threshold: formatDec(params.minSignedPerWindow) }, "slashing and jailing validator due to liveness fault");
      }
      k.setSigningInfo(ctx, info);
    },

    async handleDoubleSign(ctx, cons, infractionHeight, power) {
      const v = sk.getValidatorByConsAddr(ctx, cons);
      if (v === undefined || v.status === 1) return; // unknown or unbonded: cannot be punished
      const info = k.getSigningInfo(ctx, cons);
      if (info === undefined || info.tombstoned) return;
      const params = k.getParams(ctx);
      const distributionHeight = infractionHeight - VALIDATOR_UPDATE_DELAY;
      const consStr = consAddressToString(cons);
      const burned = await sk.slash(ctx, cons, distributionHeight, power, params.slashFractionDoubleSign);
      ctx.events.emit("slash", { address: consStr, power: power.toString(), reason: "double_sign", burned_coins: burned.toString() });
      if (!v.jailed) sk.jail(ctx, cons);
      info.jailedUntil = DOUBLE_SIGN_JAIL_END;
      info.tombstoned = true;
      k.setSigningInfo(ctx, info);
      ctx.logger.info({ validator: consStr, infractionHeight: infractionHeight.toString() }, "slashed, jailed and tombstoned validator for double signing");
    },

    async beginBlock(ctx) {
      const ci = ctx.cometInfo;
      if (ci === undefined) return;
      for (const vote of ci.lastCommit.votes) await k.handleValidatorSignature(ctx, vote.validator.address, vote.validator.power, vote.blockIdFlag === BlockIdFlag.Absent);
      // SDK 0.50 x/evidence BeginBlocker: LIGHT_CLIENT_ATTACK is treated as DUPLICATE_VOTE (equivocation)
      for (const m of ci.misbehavior) if (m.type === "duplicate_vote" || m.type === "light_client_attack") await k.handleDoubleSign(ctx, m.validator.address, m.height, m.validator.power);
    },
  };
  return k;
}
