/**
 * Startup guard against running a second copy of a validator (CometBFT `double_sign_check_height`,
 * specs/consensus.md §4.2, pitfall 8): before this node signs anything, look `lookBack` stored heights
 * back from the tip for a commit signature (COMMIT or NIL) by our own key. One there means another
 * process signed with this key recently (a second instance, or this one restored from a backup), so
 * signing now risks a double sign: refuse to start. As in CometBFT, a validator that simply restarts
 * within `lookBack` blocks of its last signature trips it too: wait that many blocks, then start.
 */
import { equal, toHex } from "../../modules/core/bytes.ts";
import type { BlockStoreReader } from "../rpc/env.ts";

export class DoubleSignRiskError extends Error {
  readonly height: bigint;
  constructor(address: Uint8Array, height: bigint, lookBack: number) {
    super(
      `double_sign_check_height: this validator's key (${toHex(address).toUpperCase()}) signed the commit of height ${height}, ` +
        `within the last ${lookBack} blocks; another copy of this validator may be running (or its state was restored from a backup). ` +
        `Refusing to sign. Make sure no other instance uses this key, wait ${lookBack} blocks, then start again (or set [consensus] double_sign_check_height = 0).`,
    );
    this.name = "DoubleSignRiskError";
    this.height = height;
  }
}

/** throws DoubleSignRiskError when `address` signed one of the commits of heights tip−lookBack+1 … tip. */
export function checkDoubleSignRisk(blockStore: Pick<BlockStoreReader, "height" | "base" | "loadCommit">, address: Uint8Array, lookBack: number): void {
  if (lookBack <= 0) return;
  const tip = blockStore.height();
  const base = blockStore.base();
  for (let i = 0n; i < BigInt(lookBack); i++) {
    const h = tip - i;
    if (h < 1n || h < base) break;
    const c = blockStore.loadCommit(h)?.commit;
    if (c === undefined) continue;
    for (const s of c.signatures) {
      if (s.blockIdFlag !== 1 && equal(s.validatorAddress, address)) throw new DoubleSignRiskError(address, h, lookBack);
    }
  }
}
