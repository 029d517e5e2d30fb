/**
 * Explorer-facing APIs of one real node process with the real modules (issue 7 items 1–4, 8):
 * Cosmos REST with the fields common explorers read (dashboard, blocks, txs, accounts, validators,
 * proposals), openledger module routes, gRPC with server reflection driven by a generic reflection
 * client, CometBFT WebSocket subscriptions through the unmodified CosmJS Comet38Client, Prometheus.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { DirectSecp256k1HdWallet, Registry } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient, assertIsDeliverTxSuccess, defaultRegistryTypes, type DeliverTxResponse } from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import type { comet38 } from "@cosmjs/tendermint-rpc";
type NewBlockEvent = comet38.NewBlockEvent;
type TxEvent = comet38.TxEvent;
import { stringToPath } from "@cosmjs/crypto";
import { toBech32 } from "@cosmjs/encoding";
import { MsgCreateDatanet } from "../../proto/gen/openledger/datanet/v1/tx.ts";
import { DEV_MNEMONIC, cleanup, freePort, startNode, waitFor, waitHeight, type NodeProc } from "./harness.ts";
import { gentxHome } from "./apisSetup.ts";
import { ReflectionClient } from "./grpcReflection.ts";
import { create, toBinary, type DescMessage } from "@bufbuild/protobuf";

const toBinaryOf = (d: DescMessage, init: Record<string, unknown>) => toBinary(d, create(d, init as never));

const CHAIN_ID = "openledger-apis-1";
const RECIPIENT = "open10r6339aqu695eqdg65ss5fuy58exxp8xcxeqhn";
const DATANET_NAME = "explorer-net";
const UNKNOWN_ACCOUNT = toBech32("open", new Uint8Array(20).fill(7));
const OTHER = toBech32("open", new Uint8Array(20).fill(9));

async function getJson(url: string): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json(), headers: res.headers };
}

const isStrInt = (v: unknown) => typeof v === "string" && /^\d+$/.test(v);
const isB64 = (v: unknown) => typeof v === "string" && /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0;

/** values of a Prometheus sample (first match of name{labels}). */
function sample(text: string, name: string): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)/.exec(line);
    if (m !== null && m[1] === name) return Number(m[3]);
  }
  return undefined;
}

describe("e2e/apis: REST, gRPC + reflection, WebSocket events and metrics of a real node", () => {
  let node: NodeProc;
  let home: string;
  let dev: string;
  let client: SigningStargateClient;
  let ws: Comet38Client;
  let rest: string;
  let grpcAddr: string;
  let metricsUrl: string;
  let send: DeliverTxResponse;
  let create: DeliverTxResponse;
  let proposalId = "0";
  const newBlocks: NewBlockEvent[] = [];
  const datanetTxs: TxEvent[] = [];
  const senderTxs: TxEvent[] = [];

  before(async () => {
    const w = await DirectSecp256k1HdWallet.fromMnemonic(DEV_MNEMONIC, { prefix: "open", hdPaths: [stringToPath("m/44'/118'/0'/0/0")] });
    dev = (await w.getAccounts())[0]!.address;
    home = await gentxHome("apis", CHAIN_ID);
    const [apiPort, grpcPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    node = await startNode(home, {
      extraArgs: ["--api.address", `tcp://127.0.0.1:${apiPort}`, "--grpc.address", `127.0.0.1:${grpcPort}`, "--metrics.address", `127.0.0.1:${metricsPort}`],
    });
    rest = `http://127.0.0.1:${apiPort}`;
    grpcAddr = `127.0.0.1:${grpcPort}`;
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;

    ws = await Comet38Client.connect(`ws://127.0.0.1:${node.rpcPort}`);
    ws.subscribeNewBlock().addListener({ next: (b) => newBlocks.push(b), error: () => {}, complete: () => {} });
    ws.subscribeTx(`openledger.datanet.v1.EventDatanetCreated.name='"${DATANET_NAME}"'`).addListener({ next: (t) => datanetTxs.push(t), error: () => {}, complete: () => {} });
    ws.subscribeTx(`message.sender='${dev}' AND transfer.recipient='${RECIPIENT}'`).addListener({ next: (t) => senderTxs.push(t), error: () => {}, complete: () => {} });
    // the subscribe requests go out asynchronously: the txs below must not commit before the node has them
    // (a first NewBlock event shows the node took the first request; the two Tx ones followed it on the socket)
    await waitFor("the first NewBlock event", async () => (newBlocks.length >= 1 ? true : undefined), 60_000);

    const registry = new Registry([...defaultRegistryTypes, ["/openledger.datanet.v1.MsgCreateDatanet", MsgCreateDatanet as any]]);
    client = await SigningStargateClient.connectWithSigner(node.rpcUrl, w, { registry, gasPrice: GasPrice.fromString("0.025uopen"), broadcastPollIntervalMs: 200 });
    send = await client.sendTokens(dev, RECIPIENT, [{ denom: "uopen", amount: "4321" }], "auto", "explorer send");
    assertIsDeliverTxSuccess(send);
    create = await client.signAndBroadcast(
      dev,
      [{ typeUrl: "/openledger.datanet.v1.MsgCreateDatanet", value: MsgCreateDatanet.fromPartial({ owner: dev, name: DATANET_NAME, description: "d", schema: { kind: "vector-label/v1", dim: 2, numClasses: 2 }, license: "CC0-1.0", gating: 1 as never, minStake: "0" }) }],
      "auto",
    );
    assertIsDeliverTxSuccess(create);
    // a gov v1 proposal in its voting period, with a vote
    const dep = (await getJson(`${rest}/cosmos/gov/v1/params/deposit`)).body;
    const minDeposit = dep.params?.min_deposit ?? dep.deposit_params?.min_deposit ?? [{ denom: "uopen", amount: "10000000" }];
    const sub = await client.signAndBroadcast(
      dev,
      [{ typeUrl: "/cosmos.gov.v1.MsgSubmitProposal", value: { messages: [], initialDeposit: minDeposit, proposer: dev, metadata: "", title: "Explorer test", summary: "a text proposal", expedited: false } }],
      "auto",
    );
    assertIsDeliverTxSuccess(sub);
    const ev = sub.events.find((e) => e.type === "submit_proposal");
    proposalId = ev?.attributes.find((a) => a.key === "proposal_id")?.value ?? "1";
    const vote = await client.signAndBroadcast(dev, [{ typeUrl: "/cosmos.gov.v1.MsgVote", value: { proposalId: BigInt(proposalId), voter: dev, option: 1, metadata: "" } }], "auto");
    assertIsDeliverTxSuccess(vote);
  });

  after(async () => {
    if (ws !== undefined) {
      // cosmjs 0.39's ReconnectingSocket schedules a reconnect even after disconnect() (see node/rpc/cosmjs.test.ts)
      (ws as unknown as { client: { socket: { socket: { reconnect: () => void } } } }).client.socket.socket.reconnect = () => {};
      ws.disconnect();
    }
    client?.disconnect();
    await node?.stop();
    if (home) cleanup(home);
  });

  it("REST dashboard: node_info, latest block, validator set, supply, staking pool/params, mint, distribution, slashing", async () => {
    const ni = await getJson(`${rest}/cosmos/base/tendermint/v1beta1/node_info`);
    assert.equal(ni.status, 200);
    assert.equal(ni.body.default_node_info.network, CHAIN_ID);
    assert.match(ni.body.default_node_info.version, /^0\.38\./);
    assert.match(ni.body.application_version.cosmos_sdk_version, /^v0\.50\./);
    assert.equal(typeof ni.body.application_version, "object");
    assert.equal((await getJson(`${rest}/cosmos/base/tendermint/v1beta1/syncing`)).body.syncing, false);

    const latest = await getJson(`${rest}/cosmos/base/tendermint/v1beta1/blocks/latest`);
    assert.equal(latest.status, 200);
    assert.ok(isStrInt(latest.headers.get("x-cosmos-block-height")));
    const h = latest.body.block.header;
    assert.equal(h.chain_id, CHAIN_ID);
    assert.ok(isStrInt(h.height) && Number(h.height) >= 2);
    assert.ok(!Number.isNaN(Date.parse(h.time)));
    assert.ok(isB64(latest.body.block_id.hash) && latest.body.block_id.hash.length === 44);
    assert.ok(isB64(h.proposer_address));
    assert.match(latest.body.sdk_block.header.proposer_address, /^openvalcons1/);
    assert.equal(typeof latest.body.block_id.part_set_header.total, "number");
    assert.ok(Array.isArray(latest.body.block.data.txs));
    assert.equal(latest.body.block.last_commit.signatures[0].block_id_flag, "BLOCK_ID_FLAG_COMMIT");

    const vs = (await getJson(`${rest}/cosmos/base/tendermint/v1beta1/validatorsets/latest?pagination.limit=100&pagination.offset=0`)).body;
    assert.ok(vs.validators.length >= 1);
    assert.match(vs.validators[0].address, /^openvalcons1/);
    assert.equal(vs.validators[0].pub_key["@type"], "/cosmos.crypto.ed25519.PubKey");
    assert.ok(isStrInt(vs.validators[0].voting_power));
    assert.equal(vs.pagination.total, String(vs.validators.length));

    const supply = (await getJson(`${rest}/cosmos/bank/v1beta1/supply`)).body;
    const uopen = supply.supply.find((c: any) => c.denom === "uopen");
    assert.ok(uopen && isStrInt(uopen.amount) && BigInt(uopen.amount) >= 1000000000000n);
    assert.ok("pagination" in supply);
    const by = (await getJson(`${rest}/cosmos/bank/v1beta1/supply/by_denom?denom=uopen`)).body;
    assert.equal(by.amount.denom, "uopen");
    assert.ok(BigInt(by.amount.amount) >= BigInt(uopen.amount), "supply only grows (inflation)");
    assert.ok(Array.isArray((await getJson(`${rest}/cosmos/bank/v1beta1/denoms_metadata`)).body.metadatas));

    const pool = (await getJson(`${rest}/cosmos/staking/v1beta1/pool`)).body.pool;
    assert.ok(isStrInt(pool.bonded_tokens) && isStrInt(pool.not_bonded_tokens));
    assert.ok(BigInt(pool.bonded_tokens) > 0n);
    const sp = (await getJson(`${rest}/cosmos/staking/v1beta1/params`)).body.params;
    assert.equal(sp.bond_denom, "uopen");
    assert.match(sp.unbonding_time, /^\d+(\.\d+)?s$/);
    assert.equal(typeof sp.max_validators, "number");

    const infl = await getJson(`${rest}/cosmos/mint/v1beta1/inflation`);
    assert.equal(infl.status, 200);
    assert.match(infl.body.inflation, /^\d+\.\d{18}$/);
    assert.equal((await getJson(`${rest}/cosmos/mint/v1beta1/annual_provisions`)).status, 200);
    const dp = (await getJson(`${rest}/cosmos/distribution/v1beta1/params`)).body.params;
    assert.match(dp.community_tax, /^\d+\.\d{18}$/);
    assert.equal(typeof dp.withdraw_addr_enabled, "boolean");
    assert.equal((await getJson(`${rest}/cosmos/distribution/v1beta1/community_pool`)).status, 200);
    const slp = (await getJson(`${rest}/cosmos/slashing/v1beta1/params`)).body.params;
    assert.ok(isStrInt(slp.signed_blocks_window));
    const si = (await getJson(`${rest}/cosmos/slashing/v1beta1/signing_infos?pagination.limit=300`)).body;
    assert.ok(si.info.length >= 1);
    assert.match(si.info[0].address, /^openvalcons1/);
    assert.ok(isStrInt(si.info[0].missed_blocks_counter));
    assert.ok(!Number.isNaN(Date.parse(si.info[0].jailed_until)));
  });

  it("REST blocks and txs: block by height, tx by hash, txs by events (query= and events=), txs of a block", async () => {
    const tx = await getJson(`${rest}/cosmos/tx/v1beta1/txs/${send.transactionHash}`);
    assert.equal(tx.status, 200);
    const r = tx.body.tx_response;
    assert.equal(r.txhash, send.transactionHash);
    assert.equal(r.height, String(send.height));
    assert.equal(r.code, 0);
    assert.ok(isStrInt(r.gas_used) && isStrInt(r.gas_wanted));
    assert.ok(!Number.isNaN(Date.parse(r.timestamp)));
    assert.equal(r.tx["@type"], "/cosmos.tx.v1beta1.Tx");
    assert.equal(tx.body.tx.body.messages[0]["@type"], "/cosmos.bank.v1beta1.MsgSend");
    assert.equal(tx.body.tx.body.messages[0].to_address, RECIPIENT);
    assert.equal(tx.body.tx.body.memo, "explorer send");
    assert.equal(tx.body.tx.auth_info.signer_infos[0].mode_info.single.mode, "SIGN_MODE_DIRECT");
    assert.ok(isStrInt(tx.body.tx.auth_info.fee.gas_limit));
    assert.ok(isB64(tx.body.tx.signatures[0]));
    assert.ok(r.events.some((e: any) => e.type === "transfer" && e.attributes.some((a: any) => a.key === "recipient" && a.value === RECIPIENT)));

    const block = (await getJson(`${rest}/cosmos/base/tendermint/v1beta1/blocks/${send.height}`)).body;
    assert.equal(block.block.header.height, String(send.height));
    assert.ok(block.block.data.txs.length >= 1 && block.block.data.txs.every(isB64));

    const q = encodeURIComponent(`message.sender='${dev}'`);
    const search = (await getJson(`${rest}/cosmos/tx/v1beta1/txs?query=${q}&order_by=ORDER_BY_DESC&page=1&limit=10`)).body;
    assert.ok(isStrInt(search.total) && Number(search.total) >= 4);
    assert.equal(search.tx_responses.length, search.txs.length);
    assert.ok(Number(search.tx_responses[0].height) >= Number(search.tx_responses[search.tx_responses.length - 1].height), "ORDER_BY_DESC");
    const recv = (await getJson(`${rest}/cosmos/tx/v1beta1/txs?&events=${encodeURIComponent(`coin_received.receiver='${RECIPIENT}'`)}&pagination.limit=5&pagination.limit=10`)).body;
    assert.ok(recv.tx_responses.some((t: any) => t.txhash === send.transactionHash));

    const inBlock = (await getJson(`${rest}/cosmos/tx/v1beta1/txs/block/${send.height}`)).body;
    assert.ok(inBlock.txs.length >= 1);
    assert.equal(inBlock.block.header.height, String(send.height));
    assert.ok(isStrInt(inBlock.pagination.total));
  });

  it("REST accounts and validators: auth account, balances, delegations, validator, rewards", async () => {
    const acc = (await getJson(`${rest}/cosmos/auth/v1beta1/accounts/${dev}`)).body.account;
    assert.equal(acc["@type"], "/cosmos.auth.v1beta1.BaseAccount");
    assert.equal(acc.address, dev);
    assert.equal(acc.pub_key["@type"], "/cosmos.crypto.secp256k1.PubKey");
    assert.ok(isStrInt(acc.account_number) && Number(acc.sequence) >= 4);
    const missing = await getJson(`${rest}/cosmos/auth/v1beta1/accounts/${UNKNOWN_ACCOUNT}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 5);
    assert.equal(typeof missing.body.message, "string");
    assert.deepEqual(missing.body.details, []);

    const bal = (await getJson(`${rest}/cosmos/bank/v1beta1/balances/${RECIPIENT}`)).body;
    assert.deepEqual(bal.balances, [{ denom: "uopen", amount: "4321" }]);
    assert.equal(bal.pagination.next_key, null);
    assert.ok(isStrInt(bal.pagination.total));
    assert.deepEqual((await getJson(`${rest}/cosmos/bank/v1beta1/balances/${RECIPIENT}/by_denom?denom=uopen`)).body.balance, { denom: "uopen", amount: "4321" });

    const vals = (await getJson(`${rest}/cosmos/staking/v1beta1/validators?status=BOND_STATUS_BONDED&pagination.limit=200`)).body;
    assert.ok(vals.validators.length >= 1);
    const v = vals.validators[0];
    assert.match(v.operator_address, /^openvaloper1/);
    assert.equal(v.status, "BOND_STATUS_BONDED");
    assert.equal(v.consensus_pubkey["@type"], "/cosmos.crypto.ed25519.PubKey");
    assert.ok(isStrInt(v.tokens));
    assert.match(v.delegator_shares, /^\d+\.\d{18}$/);
    assert.match(v.commission.commission_rates.rate, /^\d+\.\d{18}$/);
    assert.equal(typeof v.description.moniker, "string");
    assert.equal((await getJson(`${rest}/cosmos/staking/v1beta1/validators/${v.operator_address}`)).body.validator.operator_address, v.operator_address);
    const dels = (await getJson(`${rest}/cosmos/staking/v1beta1/validators/${v.operator_address}/delegations`)).body;
    assert.ok(dels.delegation_responses.length >= 1);
    assert.ok(isStrInt(dels.delegation_responses[0].balance.amount));
    const selfDel = dels.delegation_responses[0].delegation.delegator_address;
    assert.ok(Array.isArray((await getJson(`${rest}/cosmos/staking/v1beta1/delegations/${selfDel}`)).body.delegation_responses));
    assert.ok(Array.isArray((await getJson(`${rest}/cosmos/staking/v1beta1/delegators/${selfDel}/unbonding_delegations`)).body.unbonding_responses));
    const rw = (await getJson(`${rest}/cosmos/distribution/v1beta1/delegators/${selfDel}/rewards`)).body;
    assert.ok(Array.isArray(rw.rewards) && Array.isArray(rw.total));
    assert.equal((await getJson(`${rest}/cosmos/distribution/v1beta1/validators/${v.operator_address}/commission`)).status, 200);
    assert.equal((await getJson(`${rest}/cosmos/distribution/v1beta1/validators/${v.operator_address}/outstanding_rewards`)).status, 200);
  });

  it("REST proposals: gov v1 list with status filter, proposal, tally, votes, params", async () => {
    const list = (await getJson(`${rest}/cosmos/gov/v1/proposals?proposal_status=2&pagination.reverse=true&pagination.limit=20`)).body;
    const p = list.proposals.find((x: any) => x.id === proposalId);
    assert.ok(p, `proposal ${proposalId} in the voting-period list`);
    assert.equal(p.status, "PROPOSAL_STATUS_VOTING_PERIOD");
    assert.equal(p.title, "Explorer test");
    assert.equal(p.proposer, dev);
    assert.ok(!Number.isNaN(Date.parse(p.voting_end_time)));
    assert.ok(isStrInt(p.final_tally_result.yes_count));
    assert.ok(Array.isArray(p.total_deposit));
    assert.ok(isStrInt(list.pagination.total));
    assert.equal((await getJson(`${rest}/cosmos/gov/v1/proposals?proposal_status=PROPOSAL_STATUS_VOTING_PERIOD`)).body.proposals.length, list.proposals.length);
    assert.equal((await getJson(`${rest}/cosmos/gov/v1/proposals/${proposalId}`)).body.proposal.id, proposalId);
    const tally = (await getJson(`${rest}/cosmos/gov/v1/proposals/${proposalId}/tally`)).body.tally;
    for (const k of ["yes_count", "abstain_count", "no_count", "no_with_veto_count"]) assert.ok(isStrInt(tally[k]), k);
    const votes = (await getJson(`${rest}/cosmos/gov/v1/proposals/${proposalId}/votes`)).body;
    assert.equal(votes.votes[0].voter, dev);
    assert.equal(votes.votes[0].options[0].option, "VOTE_OPTION_YES");
    assert.ok(Array.isArray((await getJson(`${rest}/cosmos/gov/v1/proposals/${proposalId}/deposits`)).body.deposits));
    const vp = (await getJson(`${rest}/cosmos/gov/v1/params/voting`)).body;
    assert.match(vp.voting_params?.voting_period ?? vp.params.voting_period, /^\d+s$/);
    assert.equal((await getJson(`${rest}/cosmos/gov/v1/params/tallying`)).status, 200);
  });

  it("REST, the rest of what explorers read: node_info versions, block/validator set by height, tx search forms, gov v1beta1, mint/slashing/bank metadata shapes, node config/status, upgrade plan", async () => {
    // ping.pub / Mintscan dashboards: node_info's application_version and the p2p node info
    const ni = (await getJson(`${rest}/cosmos/base/tendermint/v1beta1/node_info`)).body;
    for (const k of ["name", "app_name", "version", "cosmos_sdk_version"]) assert.equal(typeof ni.application_version[k], "string", `application_version.${k}`);
    assert.equal(ni.application_version.app_name, "openledgerd");
    assert.ok(ni.application_version.version.length > 0);
    assert.ok(Array.isArray(ni.application_version.build_deps));
    assert.match(ni.default_node_info.default_node_id, /^[0-9a-f]{40}$/);
    assert.equal(ni.default_node_info.other.tx_index, "on");
    assert.equal(typeof ni.default_node_info.moniker, "string");

    // blocks: latest and by height carry header, data, last_commit (signatures), sdk_block with the bech32 proposer
    const latest = (await getJson(`${rest}/cosmos/base/tendermint/v1beta1/blocks/latest`)).body;
    const lh = latest.block.header;
    for (const k of ["app_hash", "validators_hash", "next_validators_hash", "data_hash", "last_commit_hash", "evidence_hash"]) assert.ok(isB64(lh[k]) && lh[k].length === 44, `header.${k}`);
    assert.equal(lh.version.block, "11");
    assert.ok(isB64(lh.last_block_id.hash));
    assert.equal(latest.block.last_commit.height, String(Number(lh.height) - 1));
    assert.ok(isB64(latest.block.last_commit.signatures[0].validator_address) && isB64(latest.block.last_commit.signatures[0].signature));
    assert.ok(!Number.isNaN(Date.parse(latest.block.last_commit.signatures[0].timestamp)));
    assert.equal(latest.sdk_block.header.height, lh.height);
    assert.ok(Array.isArray(latest.block.evidence.evidence));
    const b2 = (await getJson(`${rest}/cosmos/base/tendermint/v1beta1/blocks/${send.height}`)).body;
    assert.equal(b2.sdk_block.header.height, String(send.height));
    assert.match(b2.sdk_block.header.proposer_address, /^openvalcons1/);
    const vs = (await getJson(`${rest}/cosmos/base/tendermint/v1beta1/validatorsets/${send.height}`)).body;
    assert.equal(vs.block_height, String(send.height));
    assert.match(vs.validators[0].address, /^openvalcons1/);
    assert.ok(isStrInt(vs.validators[0].proposer_priority.replace(/^-/, "")));
    const future = await getJson(`${rest}/cosmos/base/tendermint/v1beta1/validatorsets/999999999`);
    assert.equal(future.status, 400);
    assert.equal(future.body.code, 3);

    // txs by height, both forms: events= (SDK ≤ 0.47 clients) and query= (0.50)
    for (const form of [`events=${encodeURIComponent(`tx.height=${send.height}`)}`, `query=${encodeURIComponent(`tx.height=${send.height}`)}`]) {
      const r = (await getJson(`${rest}/cosmos/tx/v1beta1/txs?${form}`)).body;
      assert.ok(r.tx_responses.some((t: any) => t.txhash === send.transactionHash), form);
      assert.ok(r.tx_responses.every((t: any) => t.height === String(send.height)), form);
      assert.equal(r.txs.length, r.tx_responses.length);
      assert.ok(isStrInt(r.total));
    }
    const two = (await getJson(`${rest}/cosmos/tx/v1beta1/txs?events=${encodeURIComponent(`message.sender='${dev}'`)}&events=${encodeURIComponent(`transfer.recipient='${RECIPIENT}'`)}`)).body;
    assert.deepEqual(two.tx_responses.map((t: any) => t.txhash), [send.transactionHash], "repeated events= are ANDed");
    const noQuery = await getJson(`${rest}/cosmos/tx/v1beta1/txs`);
    assert.equal(noQuery.status, 400);

    // staking pool = the bonded validators' tokens
    const pool = (await getJson(`${rest}/cosmos/staking/v1beta1/pool`)).body.pool;
    const bonded = (await getJson(`${rest}/cosmos/staking/v1beta1/validators?status=BOND_STATUS_BONDED`)).body.validators;
    assert.equal(pool.bonded_tokens, bonded.reduce((n: bigint, v: any) => n + BigInt(v.tokens), 0n).toString());
    const dp = (await getJson(`${rest}/cosmos/distribution/v1beta1/params`)).body.params;
    for (const k of ["community_tax", "base_proposer_reward", "bonus_proposer_reward"]) assert.match(dp[k], /^\d+\.\d{18}$/, k);

    // gov v1beta1 (older ping.pub / Keplr dashboards), answered from the v1 state
    const lp = (await getJson(`${rest}/cosmos/gov/v1beta1/proposals?proposal_status=2`)).body;
    const p = lp.proposals.find((x: any) => x.proposal_id === proposalId);
    assert.ok(p, `proposal ${proposalId} in the v1beta1 voting-period list`);
    assert.equal(p.status, "PROPOSAL_STATUS_VOTING_PERIOD");
    for (const k of ["yes", "abstain", "no", "no_with_veto"]) assert.ok(isStrInt(p.final_tally_result[k]), k);
    assert.ok(!Number.isNaN(Date.parse(p.voting_end_time)) && !Number.isNaN(Date.parse(p.submit_time)));
    assert.ok(Array.isArray(p.total_deposit) && p.total_deposit.length >= 1);
    assert.equal(p.content, null, "a v1 proposal with no messages has no v1beta1 content (SDK 0.50 conversion)");
    assert.ok(isStrInt(lp.pagination.total));
    assert.equal((await getJson(`${rest}/cosmos/gov/v1beta1/proposals/${proposalId}`)).body.proposal.proposal_id, proposalId);
    const t1 = (await getJson(`${rest}/cosmos/gov/v1beta1/proposals/${proposalId}/tally`)).body.tally;
    const tv1 = (await getJson(`${rest}/cosmos/gov/v1/proposals/${proposalId}/tally`)).body.tally;
    assert.deepEqual(t1, { yes: tv1.yes_count, abstain: tv1.abstain_count, no: tv1.no_count, no_with_veto: tv1.no_with_veto_count });
    const bv = (await getJson(`${rest}/cosmos/gov/v1beta1/proposals/${proposalId}/votes`)).body.votes;
    assert.equal(bv[0].voter, dev);
    assert.equal(bv[0].options[0].option, "VOTE_OPTION_YES");
    assert.match(bv[0].options[0].weight, /^1\.0+$/);
    assert.equal((await getJson(`${rest}/cosmos/gov/v1beta1/proposals/${proposalId}/votes/${dev}`)).body.vote.voter, dev);
    assert.equal((await getJson(`${rest}/cosmos/gov/v1beta1/proposals/${proposalId}/deposits`)).body.deposits[0].depositor, dev);
    assert.match((await getJson(`${rest}/cosmos/gov/v1beta1/params/voting`)).body.voting_params.voting_period, /^\d+s$/);
    assert.match((await getJson(`${rest}/cosmos/gov/v1beta1/params/tallying`)).body.tally_params.quorum, /^\d+\.\d{18}$/);
    assert.ok((await getJson(`${rest}/cosmos/gov/v1beta1/params/deposit`)).body.deposit_params.min_deposit.length >= 1);
    assert.equal((await getJson(`${rest}/cosmos/gov/v1beta1/proposals/999999`)).status, 404);

    // mint, slashing: LegacyDec values as decimals (not the wire's integer text or bytes)
    assert.match((await getJson(`${rest}/cosmos/mint/v1beta1/annual_provisions`)).body.annual_provisions, /^\d+\.\d{18}$/);
    const mp = (await getJson(`${rest}/cosmos/mint/v1beta1/params`)).body.params;
    assert.equal(mp.mint_denom, "uopen");
    for (const k of ["inflation_rate_change", "inflation_max", "inflation_min", "goal_bonded"]) assert.match(mp[k], /^\d+\.\d{18}$/, `mint ${k}`);
    assert.ok(isStrInt(mp.blocks_per_year));
    const slp = (await getJson(`${rest}/cosmos/slashing/v1beta1/params`)).body.params;
    for (const k of ["min_signed_per_window", "slash_fraction_double_sign", "slash_fraction_downtime"]) assert.match(slp[k], /^\d+\.\d{18}$/, `slashing ${k}`);
    assert.match(slp.downtime_jail_duration, /^\d+s$/);

    // bank denom metadata: what wallets and explorers format amounts with
    const md = (await getJson(`${rest}/cosmos/bank/v1beta1/denoms_metadata`)).body.metadatas.find((m: any) => m.base === "uopen");
    assert.ok(md, "uopen metadata");
    assert.equal(md.display, "open");
    assert.equal(md.symbol, "OPEN");
    assert.deepEqual(md.denom_units.map((u: any) => [u.denom, u.exponent]), [["uopen", 0], ["open", 6]]);
    assert.deepEqual((await getJson(`${rest}/cosmos/bank/v1beta1/denoms_metadata/uopen`)).body.metadata, md);

    // cosmos.base.node.v1beta1 (ping.pub reads the minimum gas price) and x/upgrade's current plan
    assert.equal((await getJson(`${rest}/cosmos/base/node/v1beta1/config`)).body.minimum_gas_price, "0.0025uopen");
    const st = (await getJson(`${rest}/cosmos/base/node/v1beta1/status`)).body;
    assert.ok(Number(st.height) >= send.height && isB64(st.app_hash) && !Number.isNaN(Date.parse(st.timestamp)));
    assert.equal(st.earliest_store_height, "1");
    assert.deepEqual((await getJson(`${rest}/cosmos/upgrade/v1beta1/current_plan`)).body, { plan: null });
  });

  it("REST openledger modules: /openledger/<module>/v1/… for every module's queries; SDK-shaped errors", async () => {
    const dn = (await getJson(`${rest}/openledger/datanet/v1/datanets`)).body;
    const mine = dn.datanets.find((d: any) => d.name === DATANET_NAME);
    assert.ok(mine, "created datanet listed");
    assert.ok(isStrInt(mine.id));
    assert.equal((await getJson(`${rest}/openledger/datanet/v1/datanet/${mine.id}`)).body.datanet.name, DATANET_NAME);
    assert.equal((await getJson(`${rest}/openledger/datanet/v1/params`)).status, 200);
    assert.equal((await getJson(`${rest}/openledger/attribution/v1/params`)).status, 200);
    const models = (await getJson(`${rest}/openledger/attribution/v1/models`)).body;
    assert.ok(Array.isArray(models.models) && "pagination" in models);
    // modules found under proto/gen at startup (built by other issues) are served too, on REST and gRPC
    for (const path of ["/openledger/compute/v1/params", "/openledger/compute/v1/providers", "/openledger/treasury/v1/params", "/openledger/paychan/v1/params", "/openledger/paychan/v1/channels", "/openledger/grants/v1/grants"]) {
      const r = await getJson(`${rest}${path}`);
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
    }
    const earnings = await getJson(`${rest}/openledger/treasury/v1/earnings/${dev}`);
    assert.ok(earnings.status === 200 || (earnings.status < 500 && typeof earnings.body.code === "number"), JSON.stringify(earnings.body));
    const nf = await getJson(`${rest}/openledger/datanet/v1/datanet/999999`);
    assert.ok(nf.status >= 400 && typeof nf.body.code === "number" && typeof nf.body.message === "string" && Array.isArray(nf.body.details));
    const none = await getJson(`${rest}/cosmos/nothing/here`);
    assert.equal(none.status, 501);
    assert.deepEqual(none.body, { code: 12, message: "Not Implemented", details: [] });
  });

  it("REST and gRPC simulate + broadcast a CosmJS-signed tx; it lands and is found by hash", async () => {
    const { TxRaw } = await import("cosmjs-types/cosmos/tx/v1beta1/tx");
    const { createHash } = await import("node:crypto");
    const msg = (amount: string) => [{ typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: { fromAddress: dev, toAddress: OTHER, amount: [{ denom: "uopen", amount }] } }];
    const fee = { amount: [{ denom: "uopen", amount: "5000" }], gas: "200000" };
    const waitTx = (hash: string) => waitFor(`tx ${hash}`, async () => ((await fetch(`${rest}/cosmos/tx/v1beta1/txs/${hash}`)).status === 200 ? true : undefined), 60_000);

    const raw1 = TxRaw.encode(await client.sign(dev, msg("5"), fee, "rest broadcast")).finish();
    const sim = await fetch(`${rest}/cosmos/tx/v1beta1/simulate`, { method: "POST", body: JSON.stringify({ tx_bytes: Buffer.from(raw1).toString("base64") }) });
    assert.equal(sim.status, 200);
    const simBody = (await sim.json()) as any;
    assert.ok(isStrInt(simBody.gas_info.gas_used) && Number(simBody.gas_info.gas_used) > 0);
    const bc = (await (await fetch(`${rest}/cosmos/tx/v1beta1/txs`, { method: "POST", body: JSON.stringify({ tx_bytes: Buffer.from(raw1).toString("base64"), mode: "BROADCAST_MODE_SYNC" }) })).json()) as any;
    assert.equal(bc.tx_response.code, 0, bc.tx_response.raw_log);
    assert.equal(bc.tx_response.txhash, createHash("sha256").update(raw1).digest("hex").toUpperCase());
    await waitTx(bc.tx_response.txhash);
    const bad = await fetch(`${rest}/cosmos/tx/v1beta1/simulate`, { method: "POST", body: JSON.stringify({ tx_bytes: "" }) });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as any).code, 3);

    const raw2 = TxRaw.encode(await client.sign(dev, msg("6"), fee, "grpc broadcast")).finish();
    const rc = new ReflectionClient(grpcAddr, "v1");
    try {
      const gsim = await rc.call("cosmos.tx.v1beta1.Service", "Simulate", { txBytes: Buffer.from(raw2).toString("base64") });
      assert.ok(Number(gsim.response.gasInfo.gasUsed) > 0);
      const gbc = await rc.call("cosmos.tx.v1beta1.Service", "BroadcastTx", { txBytes: Buffer.from(raw2).toString("base64"), mode: "BROADCAST_MODE_SYNC" });
      assert.equal(gbc.response.txResponse.code, 0, gbc.response.txResponse.rawLog);
      await waitTx(gbc.response.txResponse.txhash);
    } finally {
      rc.close();
    }
  });

  it("chain-info (chain-registry, Keplr) agrees with the running node: bech32 prefix, staking and fee denom, decimals", async () => {
    const { readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const dir = join(import.meta.dirname, "../../localnet/chain-info");
    for (const flavour of ["dev", "localnet"]) {
      const chain = JSON.parse(readFileSync(join(dir, flavour, "chain.json"), "utf8"));
      const keplr = JSON.parse(readFileSync(join(dir, flavour, "keplr.json"), "utf8"));
      const assets = JSON.parse(readFileSync(join(dir, flavour, "assetlist.json"), "utf8"));
      assert.equal((await getJson(`${rest}/cosmos/auth/v1beta1/bech32`)).body.bech32_prefix, chain.bech32_prefix);
      assert.equal(keplr.bech32Config.bech32PrefixAccAddr, chain.bech32_prefix);
      assert.ok(dev.startsWith(`${keplr.bech32Config.bech32PrefixAccAddr}1`));
      const vals = (await getJson(`${rest}/cosmos/staking/v1beta1/validators`)).body.validators;
      assert.ok(vals[0].operator_address.startsWith(`${keplr.bech32Config.bech32PrefixValAddr}1`));
      const bond = (await getJson(`${rest}/cosmos/staking/v1beta1/params`)).body.params.bond_denom;
      assert.equal(chain.staking.staking_tokens[0].denom, bond);
      assert.equal(keplr.stakeCurrency.coinMinimalDenom, bond);
      assert.equal(assets.assets[0].base, bond);
      assert.equal(chain.fees.fee_tokens[0].denom, bond);
      assert.ok(send.gasUsed > 0n);
    }
  });

  it("gRPC: reflection v1 and v1alpha list every Query service; a generic client calls methods found by reflection", async () => {
    for (const version of ["v1", "v1alpha"] as const) {
      const rc = new ReflectionClient(grpcAddr, version);
      try {
        const services = await rc.listServices();
        for (const s of [
          "cosmos.auth.v1beta1.Query",
          "cosmos.bank.v1beta1.Query",
          "cosmos.staking.v1beta1.Query",
          "cosmos.gov.v1.Query",
          "cosmos.tx.v1beta1.Service",
          "cosmos.base.tendermint.v1beta1.Service",
          "openledger.datanet.v1.Query",
          "openledger.attribution.v1.Query",
          "cosmos.base.reflection.v1beta1.ReflectionService",
        ]) {
          assert.ok(services.includes(s), `${version}: ${s} listed (got ${services.join(", ")})`);
        }
      } finally {
        rc.close();
      }
    }
    const rc = new ReflectionClient(grpcAddr, "v1");
    try {
      const bal = await rc.call("cosmos.bank.v1beta1.Query", "Balance", { address: RECIPIENT, denom: "uopen" });
      assert.deepEqual(bal.response.balance, { denom: "uopen", amount: "4321" });
      assert.ok(isStrInt(bal.headers.get("x-cosmos-block-height")[0]));
      const dn = await rc.call("openledger.datanet.v1.Query", "Datanets", {});
      assert.ok(dn.response.datanets.some((d: any) => d.name === DATANET_NAME));
      const ifaces = await rc.call("cosmos.base.reflection.v1beta1.ReflectionService", "ListAllInterfaces", {});
      assert.ok(ifaces.response.interfaceNames.includes("cosmos.tx.v1beta1.Msg"));
      const impls = await rc.call("cosmos.base.reflection.v1beta1.ReflectionService", "ListImplementations", { interfaceName: "cosmos.tx.v1beta1.Msg" });
      for (const u of ["/cosmos.bank.v1beta1.MsgSend", "/openledger.datanet.v1.MsgCreateDatanet"]) assert.ok(impls.response.implementationMessageNames.includes(u), u);
      assert.ok(!impls.response.implementationMessageNames.some((u: string) => u.endsWith("Response")));
      const info = await rc.call("cosmos.base.tendermint.v1beta1.Service", "GetNodeInfo", {});
      assert.equal(info.response.defaultNodeInfo.network, CHAIN_ID, "CometBFT 0.38 DefaultNodeInfo in the reflected descriptors");
      assert.equal(info.response.applicationVersion.appName, "openledgerd");
      const blk = await rc.call("cosmos.base.tendermint.v1beta1.Service", "GetBlockByHeight", { height: String(send.height) });
      assert.equal(blk.response.block.header.height, String(send.height));
      assert.equal(blk.response.block.header.chainId, CHAIN_ID);
      assert.match(blk.response.sdkBlock.header.proposerAddress, /^openvalcons1/, "SDK 0.47+ sdk_block reflected");
      // staking HistoricalInfo of the same height: the header as the block carries it, the bonded set
      const hi = await rc.call("cosmos.staking.v1beta1.Query", "HistoricalInfo", { height: String(send.height) });
      for (const f of ["chainId", "height", "time", "appHash", "nextValidatorsHash", "proposerAddress"]) assert.deepEqual(hi.response.hist.header[f], blk.response.block.header[f], `historical header ${f}`);
      assert.equal(hi.response.hist.valset.length, 1);
      assert.equal(hi.response.hist.valset[0].status, "BOND_STATUS_BONDED");
      await assert.rejects(rc.call("cosmos.staking.v1beta1.Query", "HistoricalInfo", { height: "-1" }), (e: any) => e.code === grpc.status.INVALID_ARGUMENT);
      await assert.rejects(rc.call("cosmos.staking.v1beta1.Query", "HistoricalInfo", { height: "999999999" }), (e: any) => e.code === grpc.status.NOT_FOUND && /historical info for height 999999999 not found/.test(e.details));
      const latest = await rc.call("cosmos.base.tendermint.v1beta1.Service", "GetLatestBlock", {});
      assert.ok(Number(latest.response.block.header.height) >= send.height);
      const vs = await rc.call("cosmos.base.tendermint.v1beta1.Service", "GetLatestValidatorSet", {});
      assert.match(vs.response.validators[0].address, /^openvalcons1/);
      assert.equal((await rc.call("cosmos.base.tendermint.v1beta1.Service", "GetSyncing", {})).response.syncing, false);
      const gt = await rc.call("cosmos.tx.v1beta1.Service", "GetTx", { hash: send.transactionHash });
      assert.equal(gt.response.txResponse.txhash, send.transactionHash);
      assert.equal(gt.response.tx.body.memo, "explorer send");
      const ev = await rc.call("cosmos.tx.v1beta1.Service", "GetTxsEvent", { query: `tx.height=${send.height}`, page: "1", limit: "10" });
      assert.ok(ev.response.txResponses.some((t: any) => t.txhash === send.transactionHash));
      assert.ok(Number(ev.response.total) >= 1);
      const prop = await rc.call("cosmos.gov.v1.Query", "Proposal", { proposalId: proposalId });
      assert.equal(prop.response.proposal.title, "Explorer test", "SDK 0.50 Proposal fields are in the reflected descriptors");
      assert.equal(prop.response.proposal.proposer, dev);
      const hist = await rc.call("cosmos.bank.v1beta1.Query", "Balance", { address: RECIPIENT, denom: "uopen" }, (() => {
        const md = new grpc.Metadata();
        md.set("x-cosmos-block-height", String(send.height - 1));
        return md;
      })());
      assert.equal(hist.response.balance.amount, "0", "x-cosmos-block-height selects the state before the send");
      await assert.rejects(rc.call("cosmos.tx.v1beta1.Service", "GetTx", { hash: "00".repeat(32) }), (e: any) => e.code === grpc.status.NOT_FOUND);
      await assert.rejects(rc.call("cosmos.auth.v1beta1.Query", "Account", { address: UNKNOWN_ACCOUNT }), (e: any) => e.code === grpc.status.NOT_FOUND);
    } finally {
      rc.close();
    }
  });

  it("gRPC: every served query method's response decodes with the reflected descriptors, no field unknown (SDK 0.50 fields included)", async () => {
    const rc = new ReflectionClient(grpcAddr, "v1");
    try {
      const services = (await rc.listServices()).filter((s) => s.endsWith(".Query") || s === "cosmos.base.tendermint.v1beta1.Service" || s === "cosmos.tx.v1beta1.Service");
      const reg = await rc.registry(...services);
      const valoper = (await getJson(`${rest}/cosmos/staking/v1beta1/validators`)).body.validators[0].operator_address as string;
      const valcons = (await getJson(`${rest}/cosmos/slashing/v1beta1/signing_infos`)).body.info[0].address as string;
      // request field (local name) → a value that names something on this chain
      const values: Record<string, unknown> = {
        address: dev, delegatorAddr: dev, delegatorAddress: dev, voter: dev, depositor: dev, owner: dev, contributor: dev, granter: dev, grantee: dev,
        validatorAddr: valoper, validatorAddress: valoper, srcValidatorAddr: valoper, dstValidatorAddr: valoper, consAddress: valcons,
        denom: "uopen", proposalId: BigInt(proposalId), height: BigInt(send.height), hash: send.transactionHash, paramsType: "voting",
        query: `tx.height=${send.height}`, events: [`tx.height=${send.height}`], limit: 10n, page: 1n, id: 1n, datanetId: 1n, name: "auth",
      };
      const skip = new Set(["BroadcastTx", "Simulate", "ABCIQuery"]);
      const answered: string[] = [];
      const refused: string[] = [];
      const unknown: string[] = [];
      for (const svc of services) {
        for (const m of reg.getService(svc)?.methods ?? []) {
          if (skip.has(m.name) || m.methodKind !== "unary") continue;
          const init: Record<string, unknown> = {};
          for (const f of m.input.fields) if (f.localName in values && f.fieldKind !== "message") init[f.localName] = f.fieldKind === "scalar" && typeof values[f.localName] === "bigint" && f.scalar === 9 ? String(values[f.localName]) : values[f.localName];
          const path = `/${svc}/${m.name}`;
          let res: Uint8Array;
          try {
            res = await rc.callBytes(path, toBinaryOf(m.input, init));
          } catch (e: any) {
            refused.push(`${path}: ${e.code} ${e.details ?? e.message}`);
            continue;
          }
          answered.push(path);
          unknown.push(...(await rc.unknownFields(m.output.typeName, res)));
        }
      }
      assert.deepEqual(unknown, [], `answered ${answered.length}: ${answered.join(" ")}`);
      for (const p of ["/cosmos.base.tendermint.v1beta1.Service/GetLatestBlock", "/cosmos.base.tendermint.v1beta1.Service/GetNodeInfo", "/cosmos.tx.v1beta1.Service/GetTx", "/cosmos.gov.v1.Query/Params", "/cosmos.staking.v1beta1.Query/Validators", "/cosmos.bank.v1beta1.Query/AllBalances"]) {
        assert.ok(answered.includes(p), `${p} answered (refused: ${refused.join("; ")})`);
      }
      assert.ok(answered.length >= 60, `${answered.length} methods answered; refused: ${refused.join("; ")}`);
    } finally {
      rc.close();
    }
  });

  it("WebSocket: Comet38Client subscribeNewBlock, subscribeTx by message.sender and by a datanet module event", async () => {
    await waitFor("events", async () => (newBlocks.length >= 2 && datanetTxs.length >= 1 && senderTxs.length >= 1 ? true : undefined), 60_000);
    assert.ok(newBlocks[1]!.header.height > newBlocks[0]!.header.height);
    assert.equal(newBlocks[0]!.header.chainId, CHAIN_ID);
    assert.equal(datanetTxs.length, 1);
    assert.equal(datanetTxs[0]!.height, create.height);
    assert.equal(Buffer.from(datanetTxs[0]!.hash).toString("hex").toUpperCase(), create.transactionHash);
    assert.ok(datanetTxs[0]!.result.events.some((e: { type: string }) => e.type === "openledger.datanet.v1.EventDatanetCreated"));
    assert.equal(senderTxs.length, 1);
    assert.equal(senderTxs[0]!.height, send.height);
  });

  it("metrics: height, round, block interval, mempool, txs, peers (and the node's own gauges) are scraped", async () => {
    await waitHeight(node.rpcUrl, send.height + 1);
    const res = await fetch(metricsUrl);
    assert.equal(res.status, 200);
    const text = await res.text();
    for (const name of [
      "openledger_consensus_height",
      "openledger_consensus_round",
      "openledger_consensus_block_interval_seconds",
      "openledger_mempool_size",
      "openledger_mempool_size_bytes",
      "openledger_txs_committed_total",
      "openledger_p2p_peers",
    ]) {
      assert.notEqual(sample(text, name), undefined, `${name} exported`);
    }
    assert.ok(sample(text, "openledger_consensus_height")! >= send.height);
    // both databases report what they were handed to write (one synced batch per block at least) and their size
    const series = (name: string, db: string): number => {
      const line = text.split("\n").find((l) => l.startsWith(`${name}{db="${db}"} `));
      assert.ok(line !== undefined, `${name}{db="${db}"} exported`);
      return Number(line.split(" ")[1]);
    };
    for (const db of ["node", "application"]) {
      const batches = series("openledger_store_write_batches_total", db);
      const ops = series("openledger_store_write_ops_total", db);
      assert.ok(batches >= send.height, `${db}: ${batches} batches by height ${send.height}`);
      assert.ok(series("openledger_store_synced_batches_total", db) <= batches);
      assert.ok(ops >= batches, `${db}: ${ops} ops`);
      assert.ok(series("openledger_store_write_bytes_total", db) > ops, `${db}: bytes`);
      assert.ok(series("openledger_store_disk_bytes", db) > 0, `${db}: on disk`);
    }
    // PoA time per block, verification verdicts and slashes: declared (counted from committed blocks' events;
    // the PoA time from the node's phase timer; test/e2e/explorer.test.ts sees them move on live inferences)
    for (const name of ["openledger_poa_block_seconds", "openledger_poa_seconds_total", "openledger_poa_last_block_seconds", "openledger_poa_receipts_total", "openledger_verification_verdicts_total", "openledger_slashes_total", "openledger_finalize_block_seconds"]) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, "m"), `${name} declared`);
    }
    for (const series of ['openledger_verification_verdicts_total{verdict="accepted"}', 'openledger_verification_verdicts_total{verdict="rejected"}', 'openledger_verification_verdicts_total{verdict="missed"}', 'openledger_verification_verdicts_total{verdict="failed"}', 'openledger_slashes_total{reason="missing_signature"}', 'openledger_slashes_total{reason="double_sign"}']) {
      assert.ok(text.split("\n").includes(`${series} 0`), `${series} exported at 0`);
    }
    assert.equal(sample(text, "openledger_poa_last_block_seconds"), 0, "no PoA work on this chain");
    assert.ok(sample(text, "openledger_finalize_block_seconds_count")! >= send.height - 1);
    assert.ok(sample(text, "openledger_txs_committed_total")! >= 4);
  });
});
