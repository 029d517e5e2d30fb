import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AppError, ErrInsufficientFunds, ErrKeyNotFound, grpcError, registerError, toTxResult } from "./errors.ts";

describe("core/errors", () => {
  it("wrap/is and the SDK log format", () => {
    const e = ErrInsufficientFunds.wrap("1uopen is smaller than 2uopen");
    assert.ok(e instanceof AppError);
    assert.equal(e.log, "1uopen is smaller than 2uopen: insufficient funds");
    assert.ok(ErrInsufficientFunds.is(e));
    assert.ok(!ErrKeyNotFound.is(e));
    assert.deepEqual(toTxResult(e), { codespace: "sdk", code: 5, log: e.log });
  });
  it("anything else is code 1 'internal error'", () => {
    assert.deepEqual(toTxResult(new Error("boom")), { codespace: "undefined", code: 1, log: "internal error" });
    assert.equal(toTxResult(new Error("boom"), true).log, "internal error: boom");
  });
  it("refuses duplicates and codes below 2 at load time", () => {
    assert.throws(() => registerError("sdk", 5, "again"));
    assert.throws(() => registerError("zz", 1, "internal"));
  });
  it("maps gRPC statuses like the SDK", () => {
    const nf = grpcError("NotFound", "account x not found");
    assert.equal(nf.code, 22);
    assert.equal(nf.log, "rpc error: code = NotFound desc = account x not found: key not found");
    assert.equal(grpcError("InvalidArgument", "x").code, 18);
    assert.equal(grpcError("Unauthenticated", "x").code, 4);
    assert.equal(grpcError("Internal", "x").code, 6);
  });
});
