import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrOutOfGas } from "./errors.ts";
import { GasKVStore, KV_GAS, createGasMeter, createInfiniteGasMeter } from "./gas.ts";
import { MemoryBackend } from "./store/memory.ts";
import { assertAppError } from "./testing/index.ts";

describe("core/gas", () => {
  it("charges the Cosmos KVGasConfig costs", async () => {
    const m = createInfiniteGasMeter();
    const s = new GasKVStore(new MemoryBackend(), m);
    s.set(Uint8Array.of(1, 2), Uint8Array.of(9, 9, 9));
    assert.equal(m.consumed, KV_GAS.writeCostFlat + 30n * 5n);
    const before = m.consumed;
    s.get(Uint8Array.of(1, 2));
    assert.equal(m.consumed - before, 1000n + 3n * 5n);
    const b2 = m.consumed;
    s.has(Uint8Array.of(1));
    s.delete(Uint8Array.of(1));
    assert.equal(m.consumed - b2, 2000n);
    const b3 = m.consumed;
    for await (const _ of s.iterate()) void _;
    assert.equal(m.consumed - b3, 30n + 3n * 5n);
  });
  it("throws sdk:11 beyond the limit and pins consumption at the limit", async () => {
    const m = createGasMeter(100n);
    m.consume(60n, "a");
    await assertAppError(() => m.consume(41n, "b"), ErrOutOfGas);
    assert.equal(m.consumed, 100n);
  });

  it("counts exactly across 2^53 (number fast path, then bigint) and through the metered store", async () => {
    const safe = BigInt(Number.MAX_SAFE_INTEGER);
    const m = createInfiniteGasMeter();
    m.consume(safe - 1000n, "a");
    const s = new GasKVStore(new MemoryBackend(), m);
    s.set(Uint8Array.of(1), Uint8Array.of(2));
    assert.equal(m.consumed, safe - 1000n + 2000n + 60n);
    s.get(Uint8Array.of(1));
    assert.equal(m.consumed, safe - 1000n + 2000n + 60n + 1006n);
    assert.equal(m.remaining(), m.limit - m.consumed);
    // a limit above 2^53: exceeded only in the bigint range
    const l = createGasMeter(safe + 10n);
    l.consume(safe, "a");
    l.consume(10n, "b");
    await assertAppError(() => l.consume(1n, "c"), ErrOutOfGas);
    assert.equal(l.consumed, safe + 10n);
    // a metered write that does not fit charges the flat cost first, as the SDK does
    const t = createGasMeter(2010n);
    const ts = new GasKVStore(new MemoryBackend(), t);
    await assertAppError(() => ts.set(Uint8Array.of(1), Uint8Array.of(2)), ErrOutOfGas);
    assert.equal(t.consumed, 2010n);
  });
});
