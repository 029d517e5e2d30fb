/** Test helpers for unit tests of modules (never imported by production code). */
import assert from "node:assert/strict";
import { AppError, type ErrorDef } from "../errors.ts";
import { type BlockHeader, type WriteContext, createWriteContext, type ExecMode, EMPTY_TIME } from "../context.ts";
import { MemoryBackend } from "../store/memory.ts";
import { CacheKVStore } from "../store/cache.ts";
import type { GasMeter } from "../gas.ts";

export { createFakeCommitStore, FakeCommitStore } from "./fakeCommitStore.ts";

export const TEST_BLOCK: BlockHeader = Object.freeze({ height: 1n, time: EMPTY_TIME, chainId: "test-chain", proposer: new Uint8Array(20), hash: new Uint8Array(32) });

/** a write context over a fresh in-memory store (or `base`). */
export function makeTestContext(o: { mode?: ExecMode; gas?: GasMeter; base?: CacheKVStore; block?: Partial<BlockHeader> } = {}): WriteContext & { base: CacheKVStore } {
  const base = o.base ?? new CacheKVStore(new MemoryBackend());
  const ctx = createWriteContext({ base, block: { ...TEST_BLOCK, ...o.block }, mode: o.mode ?? "finalize", ...(o.gas ? { gas: o.gas } : {}) });
  return Object.assign(ctx, { base });
}

/** asserts that fn throws (or rejects with) an AppError of `def`. */
export async function assertAppError(fn: () => unknown, def: ErrorDef, what = ""): Promise<AppError> {
  try {
    await fn();
  } catch (e: unknown) {
    assert.ok(e instanceof AppError, `${what} expected AppError ${def.codespace}:${def.code}, got ${String(e)}`);
    assert.equal(`${e.codespace}:${e.code}`, `${def.codespace}:${def.code}`, `${what} ${e.message}`);
    return e;
  }
  assert.fail(`${what} expected AppError ${def.codespace}:${def.code}, nothing thrown`);
}
