/**
 * The dev chain (`openledgerd dev`, what `make run` starts: one validator, the single-validator
 * producer) answers what explorers poll: the CometBFT 0.38 RPC consensus_state and
 * dump_consensus_state, as a CometBFT node with one validator does, and the SDK 0.50 REST routes
 * beyond the basics (staking delegator/validator lookups and historical info, auth account info, bank,
 * gov deposit and constitution, tendermint ABCIQuery, x/consensus params).
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cleanup, cli, freePort, rpc, startNode, tempHome, waitHeight, type NodeProc } from "./harness.ts";

describe("e2e/devChain: what explorers poll on the dev chain", () => {
  let node: NodeProc;
  let root: string;
  let rest: string;

  before(async () => {
    root = tempHome("devchain");
    const home = join(root, "dev");
    mkdirSync(home);
    const [apiPort, grpcPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    rest = `http://127.0.0.1:${apiPort}`;
    node = await startNode(home, {
      command: "dev",
      extraArgs: ["--api.address", `tcp://127.0.0.1:${apiPort}`, "--grpc.address", `127.0.0.1:${grpcPort}`, "--metrics.address", `127.0.0.1:${metricsPort}`],
    });
    await waitHeight(node.rpcUrl, 2, 60_000);
  });

  after(async () => {
    await node?.stop();
    if (root) cleanup(root);
  });

  it("consensus_state and dump_consensus_state answer: the next height, its validator and proposer, the last commit", async () => {
    const status = await rpc(node.rpcUrl, "status");
    assert.equal(status.node_info.network, "openledger-dev-1");
    assert.equal(status.sync_info.catching_up, false);
    const latest = Number(status.sync_info.latest_block_height);
    const addr: string = status.validator_info.address;

    const cs = await rpc(node.rpcUrl, "consensus_state");
    const [h, r, step] = (cs.round_state["height/round/step"] as string).split("/").map(Number) as [number, number, number];
    assert.equal(r, 0);
    assert.ok([1, 3, 8].includes(step), `step ${step}: NewHeight, Propose or Commit`);
    // the next height; or, at the Commit step, the height whose block is stored and being applied (as in
    // CometBFT, where the block is saved before the state moves on)
    if (step === 8) assert.ok(h >= latest, `${h} (Commit) is not before the latest block ${latest}`);
    else assert.ok(h >= latest + 1, `${h} (step ${step}) is after the latest block ${latest}`);
    assert.deepEqual(cs.round_state.proposer, { address: addr, index: 0 });
    assert.equal(cs.round_state.height_vote_set[0].round, 0);
    assert.match(cs.round_state.height_vote_set[0].precommits_bit_array, /^BA\{1:[x_]\} \d+\/\d+ = \d\.\d\d$/);

    const dump = await rpc(node.rpcUrl, "dump_consensus_state");
    const rs = dump.round_state;
    assert.ok(Number(rs.height) >= h);
    assert.equal(rs.validators.validators.length, 1);
    assert.equal(rs.validators.proposer.address, addr);
    assert.equal(rs.last_validators.validators[0].address, addr);
    assert.equal(rs.last_commit.votes.length, 1);
    assert.match(rs.last_commit.votes[0], new RegExp(`^Vote\\{0:${addr.slice(0, 12)} ${Number(rs.height) - 1}/\\d{2}/SIGNED_MSG_TYPE_PRECOMMIT\\(Precommit\\) `));
    assert.match(rs.last_commit.votes_bit_array, /^BA\{1:x\} (\d+)\/\1 = 1\.00$/);
    assert.deepEqual(dump.peers, []);
    assert.equal(typeof dump.timeouts.commit_ms, "string");
  });

  it("REST: the SDK 0.50 gateway routes explorers call for a delegator, a validator, accounts, bank, gov, ABCI queries and consensus params", async () => {
    const get = async (path: string): Promise<{ status: number; body: any }> => {
      const res = await fetch(rest + path);
      return { status: res.status, body: await res.json() };
    };
    const vals = (await get("/cosmos/staking/v1beta1/validators")).body.validators;
    assert.equal(vals.length, 1);
    const val: string = vals[0].operator_address;
    const dels = (await get(`/cosmos/staking/v1beta1/validators/${val}/delegations`)).body.delegation_responses;
    const dev: string = dels[0].delegation.delegator_address;

    const dv = await get(`/cosmos/staking/v1beta1/delegators/${dev}/validators/${val}`);
    assert.equal(dv.status, 200, JSON.stringify(dv.body));
    assert.equal(dv.body.validator.operator_address, val);
    assert.equal(dv.body.validator.status, "BOND_STATUS_BONDED");
    const ubd = await get(`/cosmos/staking/v1beta1/validators/${val}/delegations/${dev}/unbonding_delegation`);
    assert.equal(ubd.status, 404, "nothing unbonding");
    assert.equal(ubd.body.code, 5);
    // HistoricalInfo (kept at each BeginBlock): the header fields agree with the blocks the node stored
    // (height 1: app_hash is InitChain's; height 2: the state root after block 1)
    const b64hex = (b: string) => Buffer.from(b, "base64").toString("hex").toUpperCase();
    let blk: any;
    for (const height of ["1", "2"]) {
      blk = (await rpc(node.rpcUrl, "block", { height })).block.header;
      const hi = await get(`/cosmos/staking/v1beta1/historical_info/${height}`);
      assert.equal(hi.status, 200, JSON.stringify(hi.body));
      const hh = hi.body.hist.header;
      assert.equal(hh.chain_id, "openledger-dev-1");
      assert.equal(hh.height, height);
      assert.equal(Date.parse(hh.time), Date.parse(blk.time));
      assert.equal(b64hex(hh.app_hash), blk.app_hash, `height ${height}: app_hash as the block header says`);
      assert.equal(b64hex(hh.next_validators_hash), blk.next_validators_hash);
      assert.equal(b64hex(hh.proposer_address), blk.proposer_address);
      assert.deepEqual(hi.body.hist.valset.map((v: any) => [v.operator_address, v.status]), [[val, "BOND_STATUS_BONDED"]]);
    }
    assert.equal((await get("/cosmos/staking/v1beta1/historical_info/0")).status, 404);
    const neg = await get("/cosmos/staking/v1beta1/historical_info/-1");
    assert.equal(neg.status, 400, JSON.stringify(neg.body));
    assert.match(neg.body.message, /height cannot be negative/);
    const shown = JSON.parse(await cli(["query", "staking", "historical-info", "2", "--node", node.rpcUrl, "--output", "json"]));
    assert.equal(shown.hist.header.height, "2");
    assert.equal(b64hex(shown.hist.header.app_hash), blk.app_hash);
    assert.equal(shown.hist.valset[0].operator_address, val);
    assert.match(shown.hist.valset[0].delegator_shares, /^\d+\.\d{18}$/, "LegacyDec shown as a decimal");

    const info = await get(`/cosmos/auth/v1beta1/account_info/${dev}`);
    assert.equal(info.status, 200, JSON.stringify(info.body));
    assert.equal(info.body.info.address, dev);
    assert.equal(info.body.info.pub_key["@type"], "/cosmos.crypto.secp256k1.PubKey", "the gentx signed with the dev key");
    const byId = await get(`/cosmos/auth/v1beta1/address_by_id/${info.body.info.account_number}`);
    assert.equal(byId.body.account_address, dev);
    const fee = await get("/cosmos/auth/v1beta1/module_accounts/fee_collector");
    assert.equal(fee.status, 200, JSON.stringify(fee.body));
    assert.equal(fee.body.account["@type"], "/cosmos.auth.v1beta1.ModuleAccount");
    assert.equal(fee.body.account.name, "fee_collector");

    const spendable = await get(`/cosmos/bank/v1beta1/spendable_balances/${dev}/by_denom?denom=uopen`);
    assert.equal(spendable.body.balance.denom, "uopen");
    assert.ok(BigInt(spendable.body.balance.amount) > 0n);
    assert.equal((await get("/cosmos/bank/v1beta1/send_enabled?denoms=uopen")).status, 200);
    assert.equal((await get("/cosmos/gov/v1/constitution")).status, 200);
    // SDK 0.50 answers a missing deposit with InvalidArgument ("depositer: … not found for proposal: …")
    const dep = await get(`/cosmos/gov/v1/proposals/1/deposits/${dev}`);
    assert.equal(dep.status, 400);
    assert.match(dep.body.message, /not found for proposal: 1/);

    // cosmos.base.tendermint ABCIQuery and x/consensus params, answered by the node
    const appVersion = await get("/cosmos/base/tendermint/v1beta1/abci_query?path=/app/version");
    assert.equal(appVersion.status, 200, JSON.stringify(appVersion.body));
    assert.equal(appVersion.body.code, 0);
    assert.ok(Number(appVersion.body.height) >= 1);
    assert.match(Buffer.from(appVersion.body.value, "base64").toString(), /^\d+\.\d+\.\d+/);
    assert.equal((await get("/cosmos/base/tendermint/v1beta1/abci_query?path=/cosmos.bank.v1beta1.Query/Params")).status, 400);
    const cp = (await get("/cosmos/consensus/v1/params")).body.params;
    const rpcParams = (await rpc(node.rpcUrl, "consensus_params")).consensus_params;
    assert.equal(cp.block.max_bytes, rpcParams.block.max_bytes);
    assert.equal(cp.block.max_gas, rpcParams.block.max_gas);
    assert.equal(cp.evidence.max_age_num_blocks, rpcParams.evidence.max_age_num_blocks);
    assert.equal(cp.evidence.max_age_duration, `${BigInt(rpcParams.evidence.max_age_duration) / 1_000_000_000n}s`);
    assert.deepEqual(cp.validator.pub_key_types, rpcParams.validator.pub_key_types);
  });
});
