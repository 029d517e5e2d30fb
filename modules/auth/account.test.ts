import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Any } from "cosmjs-types/google/protobuf/any";
import { type Account, accountToAny, decodeAccount, encodeAccount, encodeBaseAccountFast } from "./account.ts";

const reference = (a: Account) => Any.encode(accountToAny(a)).finish();

function pub(seed: number): Uint8Array {
  const k = new Uint8Array(33);
  k[0] = seed % 2 === 0 ? 2 : 3;
  for (let i = 1; i < 33; i++) k[i] = (seed * 31 + i * 7) & 255;
  return k;
}

describe("auth/account encoding", () => {
  it("the direct BaseAccount encoder writes exactly what cosmjs-types writes", () => {
    const numbers = [0n, 1n, 127n, 128n, 300n, 16383n, 16384n, 2097151n, 2097152n, 268435455n, 268435456n, 2n ** 31n - 1n];
    let n = 0;
    for (const addrLen of [1, 20, 32, 100]) {
      for (const pk of [null, pub(addrLen)]) {
        for (const accountNumber of numbers) {
          for (const sequence of [0n, 1n, 200n, 2n ** 31n - 1n]) {
            const address = new Uint8Array(addrLen).map((_, i) => (i * 13 + addrLen) & 255);
            const a: Account = { address, pubKey: pk, accountNumber, sequence };
            const fast = encodeBaseAccountFast(a);
            assert.ok(fast !== null);
            assert.deepEqual(fast, reference(a), `addr ${addrLen} pk ${pk !== null} ${accountNumber} ${sequence}`);
            assert.deepEqual(decodeAccount(encodeAccount(a)), a);
            n++;
          }
        }
      }
    }
    assert.ok(n > 300);
  });

  it("falls back to cosmjs-types from 2^31 and for module accounts", () => {
    for (const [accountNumber, sequence] of [[2n ** 31n, 0n], [0n, 2n ** 32n + 5n], [2n ** 64n - 1n, 2n ** 53n]] as const) {
      const big: Account = { address: new Uint8Array(20).fill(7), pubKey: null, accountNumber, sequence };
      assert.equal(encodeBaseAccountFast(big), null);
      assert.deepEqual(encodeAccount(big), reference(big));
    }
    const mod: Account = { address: new Uint8Array(20).fill(9), pubKey: null, accountNumber: 3n, sequence: 0n, module: { name: "fee_collector", permissions: ["burner"] } };
    assert.equal(encodeBaseAccountFast(mod), null);
    assert.deepEqual(encodeAccount(mod), reference(mod));
    assert.deepEqual(decodeAccount(encodeAccount(mod)), mod);
  });

  it("decoded accounts are memoized per stored bytes object and equal a fresh decode", () => {
    const a: Account = { address: new Uint8Array(20).fill(1), pubKey: pub(1), accountNumber: 5n, sequence: 9n };
    const b = encodeAccount(a);
    assert.equal(decodeAccount(b), decodeAccount(b));
    assert.deepEqual(decodeAccount(Uint8Array.from(b)), decodeAccount(b));
  });
});
