import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { accAddressFromString, accAddressToString, moduleAddress, valAddressToString } from "./address.ts";
import { ErrInvalidAddress } from "./errors.ts";
import { toHex } from "./bytes.ts";
import { assertAppError } from "./testing/index.ts";

describe("core/address", () => {
  it("round trips bech32 with the open prefixes", () => {
    const a = new Uint8Array(20).fill(1);
    assert.equal(accAddressToString(a), "open1qyqszqgpqyqszqgpqyqszqgpqyqszqgp9cnx3t");
    assert.deepEqual(accAddressFromString("open1qyqszqgpqyqszqgpqyqszqgpqyqszqgp9cnx3t"), a);
    assert.ok(valAddressToString(a).startsWith("openvaloper1"));
  });
  it("rejects checksums, prefixes and garbage with sdk:7", async () => {
    for (const bad of ["", "open1qyqszqgpqyqszqgpqyqszqgpqyqszqgp9cnx3x", "cosmos1qyqszqgpqyqszqgpqyqszqgpqyqszqgpjnp7du", "open1", "xyz"]) {
      await assertAppError(() => accAddressFromString(bad), ErrInvalidAddress, bad);
    }
  });
  it("module addresses are sha256(name)[0:20] (SDK fee_collector)", () => {
    // cosmos-sdk: fee_collector = cosmos17xpfvakm2amg962yls6f84z3kell8c5lserqta
    assert.equal(toHex(moduleAddress("fee_collector")), "f1829676db577682e944fc3493d451b67ff3e29f");
  });
});
