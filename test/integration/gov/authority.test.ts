/**
 * Every module's MsgUpdateParams accepts only the gov authority (issue 6, item 2): signed by anyone else
 * it is refused with sdk:4 (unauthorized) and changes nothing; wrapped in a proposal that passes, the
 * same change (authority = gov module account) takes effect.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as authQ from "cosmjs-types/cosmos/auth/v1beta1/query";
import * as authTx from "cosmjs-types/cosmos/auth/v1beta1/tx";
import * as bankQ from "cosmjs-types/cosmos/bank/v1beta1/query";
import * as bankTx from "cosmjs-types/cosmos/bank/v1beta1/tx";
import * as distrQ from "cosmjs-types/cosmos/distribution/v1beta1/query";
import * as distrTx from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import * as govQ from "cosmjs-types/cosmos/gov/v1/query";
import * as govTx from "cosmjs-types/cosmos/gov/v1/tx";
import * as slashQ from "cosmjs-types/cosmos/slashing/v1beta1/query";
import * as slashTx from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import * as stakingQ from "cosmjs-types/cosmos/staking/v1beta1/query";
import * as stakingTx from "cosmjs-types/cosmos/staking/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import * as attrQ from "../../../proto/gen/openledger/attribution/v1/query.ts";
import * as attrTx from "../../../proto/gen/openledger/attribution/v1/tx.ts";
import * as dnQ from "../../../proto/gen/openledger/datanet/v1/query.ts";
import * as dnTx from "../../../proto/gen/openledger/datanet/v1/tx.ts";
import * as cpQ from "../../../proto/gen/openledger/compute/v1/query.ts";
import * as cpTx from "../../../proto/gen/openledger/compute/v1/tx.ts";
import * as pcQ from "../../../proto/gen/openledger/paychan/v1/query.ts";
import * as pcTx from "../../../proto/gen/openledger/paychan/v1/tx.ts";
import * as trQ from "../../../proto/gen/openledger/treasury/v1/query.ts";
import * as trTx from "../../../proto/gen/openledger/treasury/v1/tx.ts";
import { GOV_AUTHORITY } from "../../../modules/app.ts";
import { accAddressToString } from "../../../modules/core/address.ts";
import { testKey } from "../../harness/txBuilder.ts";
import { type ValChain, createValChain, testValidator } from "../staking/chain.ts";

const OPEN = 1_000_000n;
const GOV = accAddressToString(GOV_AUTHORITY);
const v1 = testValidator(71);
const outsider = testKey(771);

interface Codec<T> {
  encode(m: T): { finish(): Uint8Array };
  decode(b: Uint8Array): T;
  fromPartial(o: any): T;
}

/** one module: its params query, and a MsgUpdateParams carrying a changed copy of the current params. */
interface Case {
  module: string;
  typeUrl: string;
  queryPath: string;
  params(chain: ValChain): Promise<any>;
  msg(authority: string, current: any): Any;
}

function pq<Q, R>(path: string, req: Codec<Q>, res: Codec<R>, pick: (r: R) => any) {
  return async (chain: ValChain) => pick(res.decode(await chain.query(path, req.encode(req.fromPartial({})).finish())));
}

function update<T>(typeUrl: string, codec: Codec<T>, change: (p: any) => any) {
  return (authority: string, current: any): Any => ({ typeUrl, value: codec.encode(codec.fromPartial({ authority, params: change(structuredClone(current)) })).finish() });
}

const CASES: Case[] = [
  {
    module: "auth",
    typeUrl: "/cosmos.auth.v1beta1.MsgUpdateParams",
    queryPath: "/cosmos.auth.v1beta1.Query/Params",
    params: pq("/cosmos.auth.v1beta1.Query/Params", authQ.QueryParamsRequest, authQ.QueryParamsResponse, (r) => r.params),
    msg: update("/cosmos.auth.v1beta1.MsgUpdateParams", authTx.MsgUpdateParams, (p) => ({ ...p, maxMemoCharacters: p.maxMemoCharacters + 1n })),
  },
  {
    module: "bank",
    typeUrl: "/cosmos.bank.v1beta1.MsgUpdateParams",
    queryPath: "/cosmos.bank.v1beta1.Query/Params",
    params: pq("/cosmos.bank.v1beta1.Query/Params", bankQ.QueryParamsRequest, bankQ.QueryParamsResponse, (r) => r.params),
    msg: update("/cosmos.bank.v1beta1.MsgUpdateParams", bankTx.MsgUpdateParams, (p) => ({ ...p, defaultSendEnabled: !p.defaultSendEnabled })),
  },
  {
    module: "staking",
    typeUrl: "/cosmos.staking.v1beta1.MsgUpdateParams",
    queryPath: "/cosmos.staking.v1beta1.Query/Params",
    params: pq("/cosmos.staking.v1beta1.Query/Params", stakingQ.QueryParamsRequest, stakingQ.QueryParamsResponse, (r) => r.params),
    msg: update("/cosmos.staking.v1beta1.MsgUpdateParams", stakingTx.MsgUpdateParams, (p) => ({ ...p, maxEntries: p.maxEntries + 1 })),
  },
  {
    module: "slashing",
    typeUrl: "/cosmos.slashing.v1beta1.MsgUpdateParams",
    queryPath: "/cosmos.slashing.v1beta1.Query/Params",
    params: pq("/cosmos.slashing.v1beta1.Query/Params", slashQ.QueryParamsRequest, slashQ.QueryParamsResponse, (r) => r.params),
    msg: update("/cosmos.slashing.v1beta1.MsgUpdateParams", slashTx.MsgUpdateParams, (p) => ({ ...p, signedBlocksWindow: p.signedBlocksWindow + 1n })),
  },
  {
    module: "distribution",
    typeUrl: "/cosmos.distribution.v1beta1.MsgUpdateParams",
    queryPath: "/cosmos.distribution.v1beta1.Query/Params",
    params: pq("/cosmos.distribution.v1beta1.Query/Params", distrQ.QueryParamsRequest, distrQ.QueryParamsResponse, (r) => r.params),
    msg: update("/cosmos.distribution.v1beta1.MsgUpdateParams", distrTx.MsgUpdateParams, (p) => ({ ...p, withdrawAddrEnabled: !p.withdrawAddrEnabled })),
  },
  {
    module: "gov",
    typeUrl: "/cosmos.gov.v1.MsgUpdateParams",
    queryPath: "/cosmos.gov.v1.Query/Params",
    params: pq("/cosmos.gov.v1.Query/Params", govQ.QueryParamsRequest, govQ.QueryParamsResponse, (r) => r.params),
    msg: update("/cosmos.gov.v1.MsgUpdateParams", govTx.MsgUpdateParams, (p) => ({ ...p, burnVoteQuorum: !p.burnVoteQuorum })),
  },
  {
    module: "datanet",
    typeUrl: "/openledger.datanet.v1.MsgUpdateParams",
    queryPath: "/openledger.datanet.v1.Query/Params",
    params: pq("/openledger.datanet.v1.Query/Params", dnQ.QueryParamsRequest, dnQ.QueryParamsResponse, (r) => r.params),
    msg: update("/openledger.datanet.v1.MsgUpdateParams", dnTx.MsgUpdateParams, (p) => ({ ...p, maxParents: p.maxParents + 1 })),
  },
  {
    module: "attribution",
    typeUrl: "/openledger.attribution.v1.MsgUpdateParams",
    queryPath: "/openledger.attribution.v1.Query/Params",
    params: pq("/openledger.attribution.v1.Query/Params", attrQ.QueryParamsRequest, attrQ.QueryParamsResponse, (r) => r.params),
    msg: update("/openledger.attribution.v1.MsgUpdateParams", attrTx.MsgUpdateParams, (p) => ({ ...p, k: p.k + 1 })),
  },
  {
    module: "treasury",
    typeUrl: "/openledger.treasury.v1.MsgUpdateParams",
    queryPath: "/openledger.treasury.v1.Query/Params",
    params: pq("/openledger.treasury.v1.Query/Params", trQ.QueryParamsRequest, trQ.QueryParamsResponse, (r) => r.params),
    msg: update("/openledger.treasury.v1.MsgUpdateParams", trTx.MsgUpdateParams, (p) => ({ ...p, vestingEpochs: p.vestingEpochs + 1n })),
  },
  {
    module: "paychan",
    typeUrl: "/openledger.paychan.v1.MsgUpdateParams",
    queryPath: "/openledger.paychan.v1.Query/Params",
    params: pq("/openledger.paychan.v1.Query/Params", pcQ.QueryParamsRequest, pcQ.QueryParamsResponse, (r) => r.params),
    msg: update("/openledger.paychan.v1.MsgUpdateParams", pcTx.MsgUpdateParams, (p) => ({ ...p, maxSettleWindow: p.maxSettleWindow + 1n })),
  },
  {
    module: "compute",
    typeUrl: "/openledger.compute.v1.MsgUpdateParams",
    queryPath: "/openledger.compute.v1.Query/Params",
    params: pq("/openledger.compute.v1.Query/Params", cpQ.QueryParamsRequest, cpQ.QueryParamsResponse, (r) => r.params),
    msg: update("/openledger.compute.v1.MsgUpdateParams", cpTx.MsgUpdateParams, (p) => ({ ...p, maxAttempts: p.maxAttempts + 1 })),
  },
];

async function setup(): Promise<ValChain> {
  const chain = await createValChain({
    funded: [
      { key: v1.key, amount: 100n * OPEN },
      { key: outsider, amount: 1000n * OPEN },
    ],
    gentxs: [{ v: v1, amount: 10n * OPEN }],
    edit: (g) => {
      g.gov.params.voting_period = "10s";
      g.gov.params.expedited_voting_period = "5s";
    },
  });
  // queries read committed state: the genesis state is committed with the first block
  await chain.block([]);
  return chain;
}

describe("MsgUpdateParams: the gov authority only", () => {
  it("covers every module whose genesis has params", async () => {
    const chain = await setup();
    const state = await chain.app.exportGenesis();
    const names = Object.entries(state).filter(([k, v]) => k !== "runtime" && v !== null && typeof v === "object" && "params" in v).map(([k]) => k);
    assert.ok(names.length >= CASES.length, names.join(","));
    for (const n of names) assert.ok(CASES.some((c) => c.module === n), `no authority case for module ${n}`);
  });

  for (const c of CASES) {
    it(`${c.module}: another signer is refused with sdk:4 and no state change; the validator's own key too`, async () => {
      const chain = await setup();
      const before = await c.params(chain);
      for (const signer of [outsider, v1.key]) {
        const r = await chain.block([chain.tx(signer, [c.msg(signer.bech32, before)])]);
        const res = r.txResults[0];
        assert.equal(`${res?.codespace}:${res?.code}`, "sdk:4", res?.log);
        assert.match(res?.log ?? "", /invalid authority/);
        // the events of a failed tx carry no message events
        assert.equal(res?.events.some((e) => e.type === "message" && e.attributes.some((a) => a.key === "action")), false);
        assert.deepEqual(await c.params(chain), before);
      }
      // claiming to be the gov authority does not help: the tx then needs gov's signature
      const claim = await chain.block([chain.tx(outsider, [c.msg(GOV, before)])]);
      assert.notEqual(claim.txResults[0]?.code, 0);
      assert.deepEqual(await c.params(chain), before);
    });
  }

  it("one proposal changes the params of every module, run as the gov authority", async () => {
    const chain = await setup();
    const before = new Map<string, any>();
    for (const c of CASES) before.set(c.module, await c.params(chain));
    const messages = CASES.map((c) => c.msg(GOV, before.get(c.module)));
    const submit = govTx.MsgSubmitProposal.fromPartial({ messages, initialDeposit: [{ denom: "uopen", amount: (10n * OPEN).toString() }], proposer: outsider.bech32, metadata: "", title: "all params", summary: "every module" });
    const s = await chain.block([chain.tx(outsider, [{ typeUrl: govTx.MsgSubmitProposal.typeUrl, value: govTx.MsgSubmitProposal.encode(submit).finish() }])]);
    assert.equal(s.txResults[0]?.code, 0, s.txResults[0]?.log);
    const vote = govTx.MsgVote.fromPartial({ proposalId: 1n, voter: v1.key.bech32, option: 1, metadata: "" });
    const v = await chain.block([chain.tx(v1.key, [{ typeUrl: govTx.MsgVote.typeUrl, value: govTx.MsgVote.encode(vote).finish() }])]);
    assert.equal(v.txResults[0]?.code, 0, v.txResults[0]?.log);
    for (let i = 0; i < 3; i++) await chain.block([]);
    const p = govQ.QueryProposalResponse.decode(await chain.query("/cosmos.gov.v1.Query/Proposal", govQ.QueryProposalRequest.encode({ proposalId: 1n }).finish())).proposal;
    assert.equal(p?.status, 3, p?.failedReason);
    for (const c of CASES) {
      const after = await c.params(chain);
      assert.notDeepEqual(after, before.get(c.module), `${c.module} params unchanged`);
    }
  });
});
