import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { accAddressFromString } from "../../../modules/core/address.ts";
import { equal } from "../../../modules/core/bytes.ts";
import { addressFromSecp256k1 } from "../../../modules/core/hash.ts";
import { verifyVoucher } from "../../../modules/paychan/voucher.ts";
import { SignedVoucher } from "../../../proto/gen/openledger/paychan/v1/types.ts";
import { assertUserError, cli, DEV_ADDRESS, DEV_MNEMONIC, tempHomes } from "../../testing/cliHarness.ts";
import { earningsCsv } from "../query/treasury.ts";
import { openledgerRegistry } from "./broadcast.ts";

describe("cli/tx treasury + paychan", () => {
  it("signs a voucher offline with a keyring key; the chain's verifier accepts it and nothing else", async () => {
    const homes = tempHomes();
    try {
      const h = homes.home();
      assert.equal((await cli(["keys", "add", "dev", "--recover", "--home", h], [DEV_MNEMONIC])).code, 0);
      const r = await cli(["tx", "paychan", "voucher", "sign", "7", "3", "1500", "--from", "dev", "--chain-id", "openledger-dev-1", "--receipt-root", "ab".repeat(32), "--home", h]);
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout);
      assert.equal(j.voucher.channel_id, "7");
      const sv = SignedVoucher.fromJSON(j);
      assert.equal(sv.signature.length, 64);
      const keys = await cli(["keys", "show", "dev", "--home", h, "--output", "json"]);
      const pub = new Uint8Array(Buffer.from(JSON.parse(JSON.parse(keys.stdout).pubkey).key, "base64"));
      assert.ok(equal(addressFromSecp256k1(pub), accAddressFromString(DEV_ADDRESS)));
      assert.ok(verifyVoucher("openledger-dev-1", sv.voucher!, sv.signature, pub));
      assert.ok(!verifyVoucher("openledger-dev-2", sv.voucher!, sv.signature, pub), "bound to the chain id");
      assert.ok(!verifyVoucher("openledger-dev-1", { ...sv.voucher!, amount: "1501" }, sv.signature, pub));
      assertUserError(await cli(["tx", "paychan", "voucher", "sign", "7", "3", "01", "--from", "dev", "--chain-id", "x", "--home", h]), /canonical integer/, "leading zero");
      assertUserError(await cli(["tx", "paychan", "voucher", "sign", "7", "3", "1", "--from", "dev", "--chain-id", "x", "--receipt-root", "ab", "--home", h]), /64 hex/, "short root");
    } finally {
      homes.cleanup();
    }
  });

  it("registers the treasury and paychan Msgs with CosmJS; help; user errors", async () => {
    const reg = openledgerRegistry();
    for (const t of ["/openledger.treasury.v1.MsgSetFeePolicy", "/openledger.treasury.v1.MsgClaim", "/openledger.paychan.v1.MsgOpenChannel", "/openledger.paychan.v1.MsgRedeem", "/openledger.paychan.v1.MsgDispute", "/openledger.paychan.v1.MsgCloseChannel"]) assert.ok(reg.lookupType(t), t);
    for (const args of [["tx", "treasury", "--help"], ["tx", "paychan", "voucher", "sign", "--help"], ["query", "treasury", "earnings", "--help"], ["query", "paychan", "--help"]]) {
      const r = await cli(args);
      assert.equal(r.code, 0, args.join(" "));
      assert.match(r.stdout, /Usage: openledgerd/);
    }
    assertUserError(await cli(["tx", "treasury", "set-fee-policy", "k", "1", "--contributors", "5000", "--trainer", "2000", "--provider", "2000", "--community", "500", "--burn", "400", "-y"]), /sum to 9900/, "policy not 10000");
    assertUserError(await cli(["query", "treasury", "earnings", "nope"]), /address/, "bad address");
  });

  it("exports earnings statements as CSV", () => {
    const csv = earningsCsv([{ address: DEV_ADDRESS, epoch: 3n, denom: "uopen", asContributor: "10", asTrainer: "0", asProvider: "5", claimed: "1", clawedBack: "0", splits: 2n }]);
    assert.equal(csv, `address,epoch,denom,as_contributor,as_trainer,as_provider,claimed,clawed_back,splits\n${DEV_ADDRESS},3,uopen,10,0,5,1,0,2`);
  });
});
