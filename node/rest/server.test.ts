import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { QueryAllBalancesRequest, QueryAllBalancesResponse, QueryBalanceResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { BondStatus } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { QueryValidatorsResponse, QueryParamsResponse as StakingParamsResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { Tx } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import * as auth from "cosmjs-types/cosmos/auth/v1beta1/query";
import * as bank from "cosmjs-types/cosmos/bank/v1beta1/query";
import * as gov from "cosmjs-types/cosmos/gov/v1/query";
import * as staking from "cosmjs-types/cosmos/staking/v1beta1/query";
import type { QueryRequest, QueryResponse } from "../../modules/core/abci.ts";
import { sha256 } from "../../modules/core/hash.ts";
import { QueryDatanetRequest, QueryDatanetResponse } from "../../proto/gen/openledger/datanet/v1/query.ts";
import { makeFakeEnv, type FakeEnv } from "../rpc/testing/fakeEnv.ts";
import { protoJson, txJsonForTest } from "./testExports.ts";
import { createRestServer, type RestServer } from "./server.ts";

const ADDR = "open1pkptre7fdkl6gfrzlesjjvhxhlc3r4gmva4mvd";

function ok(value: Uint8Array): QueryResponse {
  return { code: 0, log: "", info: "", index: 0n, key: new Uint8Array(0), value, proofOps: null, height: 8n, codespace: "" };
}
function fail(code: number, log: string): QueryResponse {
  return { code, log, info: "", index: 0n, key: new Uint8Array(0), value: new Uint8Array(0), proofOps: null, height: 8n, codespace: "sdk" };
}

describe("rest/server", () => {
  let env: FakeEnv;
  let srv: RestServer;
  let base = "";
  const seen: QueryRequest[] = [];

  before(async () => {
    env = await makeFakeEnv(8);
    env.app.query = async (req) => {
      seen.push(req);
      switch (req.path) {
        case "/cosmos.bank.v1beta1.Query/AllBalances": {
          const q = QueryAllBalancesRequest.decode(req.data);
          if (q.address !== ADDR) return ok(QueryAllBalancesResponse.encode({ balances: [], pagination: { nextKey: new Uint8Array(0), total: 0n } }).finish());
          return ok(QueryAllBalancesResponse.encode({ balances: [{ denom: "uopen", amount: "999" }], pagination: { nextKey: new Uint8Array(0), total: 1n } }).finish());
        }
        case "/cosmos.bank.v1beta1.Query/Balance":
          return ok(QueryBalanceResponse.encode({ balance: { denom: "uopen", amount: "0" } }).finish());
        case "/cosmos.auth.v1beta1.Query/Account":
          return fail(22, "rpc error: code = NotFound desc = account open1x not found: key not found");
        case "/cosmos.staking.v1beta1.Query/Validators":
          return ok(
            QueryValidatorsResponse.encode(
              QueryValidatorsResponse.fromPartial({
                validators: [
                  {
                    operatorAddress: "openvaloper1x",
                    consensusPubkey: { typeUrl: "/cosmos.crypto.ed25519.PubKey", value: Uint8Array.of(10, 32, ...new Uint8Array(32).fill(9)) },
                    status: BondStatus.BOND_STATUS_BONDED,
                    tokens: "1000000",
                    delegatorShares: "1000000000000000000000000",
                    unbondingTime: { seconds: 0n, nanos: 0 },
                    commission: { commissionRates: { rate: "1", maxRate: "2", maxChangeRate: "3" }, updateTime: { seconds: 1_790_000_000n, nanos: 0 } },
                  },
                ],
                pagination: { total: 1n },
              }),
            ).finish(),
          );
        case "/cosmos.staking.v1beta1.Query/Params":
          return ok(StakingParamsResponse.encode(StakingParamsResponse.fromPartial({ params: { unbondingTime: { seconds: 1814400n, nanos: 0 }, maxValidators: 100, bondDenom: "uopen" } })).finish());
        case "/openledger.datanet.v1.Query/Datanet": {
          const q = QueryDatanetRequest.decode(req.data);
          if (q.id !== 7n) return fail(22, `rpc error: code = NotFound desc = datanet ${q.id} not found`);
          return ok(QueryDatanetResponse.encode(QueryDatanetResponse.fromPartial({ datanet: { id: 7n } })).finish());
        }
        default:
          return fail(6, `unknown query path ${req.path}`);
      }
    };
    srv = createRestServer(env, { laddr: "127.0.0.1:0" });
    const { port } = await srv.listen();
    base = `http://127.0.0.1:${port}`;
  });
  after(async () => srv.close());

  async function get(path: string): Promise<{ status: number; body: any; headers: Headers }> {
    const res = await fetch(base + path);
    return { status: res.status, body: await res.json(), headers: res.headers };
  }

  it("node_info has the SDK version, default_node_id and b64 channels", async () => {
    const { status, body, headers } = await get("/cosmos/base/tendermint/v1beta1/node_info");
    assert.equal(status, 200);
    assert.equal(headers.get("access-control-allow-origin"), "*");
    assert.equal(body.application_version.cosmos_sdk_version, "v0.50.10");
    assert.deepEqual(body.application_version.build_deps, []);
    assert.equal(body.default_node_info.network, "openledger-test-1");
    assert.ok(body.default_node_info.version.startsWith("0.38."));
    assert.match(body.default_node_info.channels, /^[A-Za-z0-9+/]+=*$/);
    assert.equal(typeof body.default_node_info.default_node_id, "string");
    assert.deepEqual((await get("/cosmos/base/tendermint/v1beta1/syncing")).body, { syncing: false });
  });

  it("blocks use protobuf JSON: b64 hashes, part_set_header, enum flags, bech32 sdk_block proposer", async () => {
    const { status, body } = await get("/cosmos/base/tendermint/v1beta1/blocks/latest");
    assert.equal(status, 200);
    assert.equal(body.block.header.height, "8");
    assert.equal(typeof body.block_id.part_set_header.total, "number");
    assert.match(body.block_id.hash, /^[A-Za-z0-9+/]{43}=$/);
    assert.equal(body.block.last_commit.round, 0);
    assert.equal(body.block.last_commit.signatures[0].block_id_flag, "BLOCK_ID_FLAG_COMMIT");
    assert.equal(body.block.last_commit.signatures[1].block_id_flag, "BLOCK_ID_FLAG_ABSENT");
    assert.match(body.sdk_block.header.proposer_address, /^openvalcons1/);
    assert.match(body.block.header.proposer_address, /=$/);
    assert.deepEqual(body.block.evidence, { evidence: [] });
    const b3 = await get("/cosmos/base/tendermint/v1beta1/blocks/3");
    assert.equal(b3.body.block.data.txs.length, 2);
    assert.equal((await get("/cosmos/base/tendermint/v1beta1/blocks/99")).status, 400);
    assert.equal((await get("/cosmos/base/tendermint/v1beta1/blocks/abc")).status, 400);
  });

  it("validatorsets: bech32 valcons, Any pubkey, string powers, pagination", async () => {
    const { body } = await get("/cosmos/base/tendermint/v1beta1/validatorsets/latest?&pagination.limit=100&pagination.limit=100&pagination.offset=0");
    assert.equal(body.block_height, "8");
    assert.match(body.validators[0].address, /^openvalcons1/);
    assert.equal(body.validators[0].pub_key["@type"], "/cosmos.crypto.ed25519.PubKey");
    assert.equal(body.validators[0].voting_power, "10");
    assert.deepEqual(body.pagination, { next_key: null, total: "1" });
    assert.equal((await get("/cosmos/base/tendermint/v1beta1/validatorsets/2")).body.block_height, "2");
  });

  it("txs by hash, by query (with events= and deprecated pagination), by block; 404 form", async () => {
    const raw = env.txsAt.get(3n)?.[0] as Uint8Array;
    const hash = Buffer.from(sha256(raw)).toString("hex").toUpperCase();
    const { status, body } = await get(`/cosmos/tx/v1beta1/txs/${hash}`);
    assert.equal(status, 200);
    const r = body.tx_response;
    assert.equal(r.height, "3");
    assert.equal(r.txhash, hash);
    assert.equal(typeof r.code, "number");
    assert.equal(typeof r.gas_used, "string");
    assert.match(r.data, /^[0-9A-F]*$/);
    assert.match(r.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(r.logs, []);
    assert.equal(typeof r.events[0].attributes[0].index, "boolean");
    const nf = await get(`/cosmos/tx/v1beta1/txs/${"AB".repeat(32)}`);
    assert.equal(nf.status, 404);
    assert.deepEqual(nf.body, { code: 5, message: `tx not found: ${"AB".repeat(32)}`, details: [] });

    const s = await get("/cosmos/tx/v1beta1/txs?query=tx.height%3E%3D3&order_by=ORDER_BY_DESC&page=1&limit=2");
    assert.equal(s.status, 200);
    assert.equal(s.body.total, "3");
    assert.equal(s.body.tx_responses.length, 2);
    assert.equal(s.body.tx_responses[0].height, "5");
    assert.equal(s.body.pagination, null);
    const ev = await get("/cosmos/tx/v1beta1/txs?events=tx.height%3D3&pagination.limit=1&pagination.offset=1");
    assert.equal(ev.body.total, "2");
    assert.equal(ev.body.tx_responses.length, 1);
    const empty = await get("/cosmos/tx/v1beta1/txs");
    assert.equal(empty.status, 400);
    assert.deepEqual(empty.body, { code: 3, message: "query cannot be empty", details: [] });

    const blk = await get("/cosmos/tx/v1beta1/txs/block/3");
    assert.equal(blk.body.pagination.total, "2");
    assert.equal(blk.body.block.header.height, "3");
  });

  it("Tx JSON: Any inlined, enum names, int64 strings, b64 signatures, null tip", () => {
    const body = { messages: [{ typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: MsgSend.encode({ fromAddress: ADDR, toAddress: ADDR, amount: [{ denom: "uopen", amount: "1234" }] }).finish() }] };
    const tx = Tx.fromPartial({
      body,
      authInfo: {
        signerInfos: [{ publicKey: { typeUrl: "/cosmos.crypto.secp256k1.PubKey", value: Uint8Array.of(10, 33, ...new Uint8Array(33).fill(2)) }, modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } }, sequence: 0n }],
        fee: { amount: [{ denom: "uopen", amount: "5000" }], gasLimit: 200000n },
      },
      signatures: [new Uint8Array(64).fill(1)],
    });
    const j = txJsonForTest(Tx.encode(tx).finish()) as any;
    assert.deepEqual(j.body, {
      messages: [{ "@type": "/cosmos.bank.v1beta1.MsgSend", from_address: ADDR, to_address: ADDR, amount: [{ denom: "uopen", amount: "1234" }] }],
      memo: "",
      timeout_height: "0",
      extension_options: [],
      non_critical_extension_options: [],
    });
    assert.equal(j.auth_info.signer_infos[0].mode_info.single.mode, "SIGN_MODE_DIRECT");
    assert.equal(j.auth_info.signer_infos[0].public_key["@type"], "/cosmos.crypto.secp256k1.PubKey");
    assert.equal(typeof j.auth_info.signer_infos[0].public_key.key, "string");
    assert.equal(j.auth_info.signer_infos[0].sequence, "0");
    assert.deepEqual(j.auth_info.fee, { amount: [{ denom: "uopen", amount: "5000" }], gas_limit: "200000", payer: "", granter: "" });
    assert.equal(j.auth_info.tip, null);
    assert.equal(j.signatures[0].length, 88);
    assert.ok(protoJson);
  });

  it("bank balances through app.query; unknown address empty; by_denom", async () => {
    const a = await get(`/cosmos/bank/v1beta1/balances/${ADDR}?pagination.count_total=true`);
    assert.deepEqual(a.body, { balances: [{ denom: "uopen", amount: "999" }], pagination: { next_key: null, total: "1" } });
    const q = QueryAllBalancesRequest.decode(seen.at(-1)?.data as Uint8Array);
    assert.equal(q.pagination?.countTotal, true);
    const u = await get("/cosmos/bank/v1beta1/balances/open1other");
    assert.deepEqual(u.body, { balances: [], pagination: { next_key: null, total: "0" } });
    assert.deepEqual((await get(`/cosmos/bank/v1beta1/balances/${ADDR}/by_denom?denom=uopen`)).body, { balance: { denom: "uopen", amount: "0" } });
  });

  it("account not found is 404 {code:5}", async () => {
    const r = await get("/cosmos/auth/v1beta1/accounts/open1x");
    assert.equal(r.status, 404);
    assert.equal(r.body.code, 5);
    assert.deepEqual(r.body.details, []);
  });

  it("staking: enum names, Durations, Timestamps, Any pubkey", async () => {
    const v = (await get("/cosmos/staking/v1beta1/validators?status=BOND_STATUS_BONDED&pagination.limit=200")).body;
    assert.equal(v.validators[0].status, "BOND_STATUS_BONDED");
    assert.equal(v.validators[0].jailed, false);
    assert.equal(v.validators[0].consensus_pubkey["@type"], "/cosmos.crypto.ed25519.PubKey");
    assert.equal(v.validators[0].unbonding_height, "0");
    assert.match(v.validators[0].unbonding_time, /^1970-01-01T00:00:00(\.000)?Z$/);
    assert.deepEqual(v.validators[0].unbonding_ids, []);
    assert.deepEqual(v.validators[0].description, { moniker: "", identity: "", website: "", security_contact: "", details: "" });
    assert.deepEqual(v.pagination, { next_key: null, total: "1" });
    const p = (await get("/cosmos/staking/v1beta1/params")).body;
    assert.equal(p.params.unbonding_time, "1814400s");
    assert.equal(p.params.max_validators, 100);
  });

  it("modules the app does not serve answer well-formed empty responses", async () => {
    assert.deepEqual((await get("/cosmos/gov/v1/proposals?proposal_status=2&pagination.reverse=true")).body, { proposals: [], pagination: { next_key: null, total: "0" } });
    assert.deepEqual((await get("/cosmos/mint/v1beta1/inflation")).body, { inflation: "0.000000000000000000" });
    assert.deepEqual((await get("/cosmos/staking/v1beta1/pool")).body, { pool: { not_bonded_tokens: "0", bonded_tokens: "0" } });
    assert.deepEqual((await get("/cosmos/gov/v1/proposals/1/tally")).body, { tally: { yes_count: "0", abstain_count: "0", no_count: "0", no_with_veto_count: "0" } });
    assert.deepEqual((await get(`/cosmos/distribution/v1beta1/delegators/${ADDR}/rewards`)).body, { rewards: [], total: [] });
    const si = (await get("/cosmos/slashing/v1beta1/signing_infos?pagination.limit=300")).body;
    assert.deepEqual(si, { info: [], pagination: { next_key: null, total: "0" } });
  });

  it("openledger module queries map to their Query service generically", async () => {
    const d = await get("/openledger/datanet/v1/datanet/7");
    assert.equal(d.status, 200);
    assert.equal(d.body.datanet.id, "7");
    assert.equal(seen.at(-1)?.path, "/openledger.datanet.v1.Query/Datanet");
    assert.equal((await get("/openledger/datanet/v1/datanet?id=7")).body.datanet.id, "7");
    const nf = await get("/openledger/datanet/v1/datanet/8");
    assert.equal(nf.status, 404);
    assert.deepEqual(nf.body, { code: 5, message: "datanet 8 not found", details: [] });
  });

  it("unknown routes 501; broadcast is in-band; CORS preflight", async () => {
    const r = await get("/cosmos/nothing/here");
    assert.equal(r.status, 501);
    assert.deepEqual(r.body, { code: 12, message: "Not Implemented", details: [] });
    const res = await fetch(`${base}/cosmos/tx/v1beta1/txs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tx_bytes: Buffer.from("hello").toString("base64"), mode: "BROADCAST_MODE_SYNC" }),
    });
    assert.equal(res.status, 200);
    const b = (await res.json()) as any;
    assert.equal(b.tx_response.height, "0");
    assert.equal(b.tx_response.txhash, Buffer.from(sha256(Buffer.from("hello"))).toString("hex").toUpperCase());
    assert.equal(typeof b.tx_response.code, "number");
    assert.equal(b.tx_response.tx, null);
    const bad = await fetch(`${base}/cosmos/tx/v1beta1/txs`, { method: "POST", body: "{" });
    assert.equal(bad.status, 400);
    const pre = await fetch(`${base}/cosmos/bank/v1beta1/params`, { method: "OPTIONS" });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-origin"), "*");
  });

  it("the SDK 0.50 gateway routes explorers call beyond the basics map to their queries with the path fields", async () => {
    const VAL = "openvaloper1x";
    const cases: [url: string, grpc: string, codec: { decode(b: Uint8Array): unknown }, fields: Record<string, unknown>][] = [
      [`/cosmos/staking/v1beta1/validators/${VAL}/delegations/${ADDR}/unbonding_delegation`, "/cosmos.staking.v1beta1.Query/UnbondingDelegation", staking.QueryUnbondingDelegationRequest, { validatorAddr: VAL, delegatorAddr: ADDR }],
      [`/cosmos/staking/v1beta1/delegators/${ADDR}/validators/${VAL}`, "/cosmos.staking.v1beta1.Query/DelegatorValidator", staking.QueryDelegatorValidatorRequest, { delegatorAddr: ADDR, validatorAddr: VAL }],
      ["/cosmos/staking/v1beta1/historical_info/5", "/cosmos.staking.v1beta1.Query/HistoricalInfo", staking.QueryHistoricalInfoRequest, { height: 5n }],
      [`/cosmos/auth/v1beta1/account_info/${ADDR}`, "/cosmos.auth.v1beta1.Query/AccountInfo", auth.QueryAccountInfoRequest, { address: ADDR }],
      ["/cosmos/auth/v1beta1/module_accounts/fee_collector", "/cosmos.auth.v1beta1.Query/ModuleAccountByName", auth.QueryModuleAccountByNameRequest, { name: "fee_collector" }],
      ["/cosmos/auth/v1beta1/address_by_id/3", "/cosmos.auth.v1beta1.Query/AccountAddressByID", auth.QueryAccountAddressByIDRequest, { id: 3n }],
      ["/cosmos/auth/v1beta1/bech32/AQID", "/cosmos.auth.v1beta1.Query/AddressBytesToString", auth.AddressBytesToStringRequest, { addressBytes: Uint8Array.of(1, 2, 3) }],
      [`/cosmos/bank/v1beta1/spendable_balances/${ADDR}/by_denom?denom=uopen`, "/cosmos.bank.v1beta1.Query/SpendableBalanceByDenom", bank.QuerySpendableBalanceByDenomRequest, { address: ADDR, denom: "uopen" }],
      ["/cosmos/bank/v1beta1/send_enabled?denoms=uopen", "/cosmos.bank.v1beta1.Query/SendEnabled", bank.QuerySendEnabledRequest, { denoms: ["uopen"] }],
      ["/cosmos/bank/v1beta1/denoms_metadata_by_query_string?denom=uopen", "/cosmos.bank.v1beta1.Query/DenomMetadataByQueryString", bank.QueryDenomMetadataByQueryStringRequest, { denom: "uopen" }],
      ["/cosmos/bank/v1beta1/denom_owners_by_query?denom=uopen", "/cosmos.bank.v1beta1.Query/DenomOwnersByQuery", bank.QueryDenomOwnersByQueryRequest, { denom: "uopen" }],
      [`/cosmos/gov/v1/proposals/4/deposits/${ADDR}`, "/cosmos.gov.v1.Query/Deposit", gov.QueryDepositRequest, { proposalId: 4n, depositor: ADDR }],
      [`/cosmos/gov/v1beta1/proposals/4/deposits/${ADDR}`, "/cosmos.gov.v1.Query/Deposit", gov.QueryDepositRequest, { proposalId: 4n, depositor: ADDR }],
      ["/cosmos/gov/v1/constitution", "/cosmos.gov.v1.Query/Constitution", gov.QueryConstitutionRequest, {}],
    ];
    for (const [url, grpc, codec, fields] of cases) {
      const n = seen.length;
      await get(url);
      assert.equal(seen.length, n + 1, `${url} is routed to the app`);
      assert.equal(seen.at(-1)!.path, grpc, url);
      const req = codec.decode(seen.at(-1)!.data) as Record<string, unknown>;
      for (const [k, v] of Object.entries(fields)) assert.deepEqual(req[k], v, `${url}: ${k}`);
    }
    // a lookup the app does not serve keeps the error (unknown query path: 501), a list / text answers its empty default
    assert.deepEqual((await get(`/cosmos/staking/v1beta1/delegators/${ADDR}/validators/${VAL}`)).status, 501);
    assert.deepEqual((await get("/cosmos/bank/v1beta1/send_enabled")).body, { send_enabled: [], pagination: { next_key: null, total: "0" } });
    assert.deepEqual((await get("/cosmos/gov/v1/constitution")).body, { constitution: "" });
  });

  it("tendermint abci_query (app/store/p2p/custom paths only, as SDK 0.50) and consensus v1 params from the node's state", async () => {
    const before = env.app.query;
    env.app.query = async (req) => {
      seen.push(req);
      if (req.path === "/store/bank/key") return { ...ok(Uint8Array.of(7, 8)), key: req.data, height: 0n };
      return before(req);
    };
    try {
      const q = await get(`/cosmos/base/tendermint/v1beta1/abci_query?path=/store/bank/key&data=${encodeURIComponent(Buffer.from("k").toString("base64"))}&height=3&prove=true`);
      assert.equal(q.status, 200, JSON.stringify(q.body));
      assert.deepEqual(seen.at(-1), { path: "/store/bank/key", data: new Uint8Array(Buffer.from("k")), height: 3n, prove: true });
      assert.deepEqual(q.body, { code: 0, log: "", info: "", index: "0", key: Buffer.from("k").toString("base64"), value: "Bwg=", proof_ops: null, height: "8", codespace: "" });
      const grpcPath = await get("/cosmos/base/tendermint/v1beta1/abci_query?path=/cosmos.bank.v1beta1.Query/AllBalances");
      assert.equal(grpcPath.status, 400);
      assert.equal(grpcPath.body.message, "ABCI query path not supported: /cosmos.bank.v1beta1.Query/AllBalances");
      assert.equal((await get("/cosmos/base/tendermint/v1beta1/abci_query")).body.message, "empty query path");
    } finally {
      env.app.query = before;
    }
    const p = (await get("/cosmos/consensus/v1/params")).body;
    assert.deepEqual(Object.keys(p.params), ["block", "evidence", "validator", "version", "abci"]);
    assert.equal(typeof p.params.block.max_bytes, "string");
    assert.match(p.params.evidence.max_age_duration, /^\d+(\.\d+)?s$/);
    assert.ok(Array.isArray(p.params.validator.pub_key_types));
    assert.equal(typeof p.params.abci.vote_extensions_enable_height, "string");
  });
});
