import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { cli } from "../../testing/cliHarness.ts";
import { draftProposal, govAuthority, msgToJson, parseProposalFile, parseVoteOption, parseWeightedOptions } from "./gov.ts";

describe("cli/gov", () => {
  it("vote options and weighted options", () => {
    assert.equal(parseVoteOption("yes"), 1);
    assert.equal(parseVoteOption("no_with_veto"), 4);
    assert.throws(() => parseVoteOption("maybe"));
    assert.deepEqual(parseWeightedOptions("yes=0.6,no=0.4"), [
      { option: 1, weight: "0.600000000000000000" },
      { option: 3, weight: "0.400000000000000000" },
    ]);
    assert.throws(() => parseWeightedOptions("yes:1"));
  });

  it("proposal.json: snake_case messages with @type become Anys; round trip back to JSON", async () => {
    const gov = await govAuthority();
    assert.match(gov, /^open1/);
    const text = JSON.stringify({
      messages: [{ "@type": "/cosmos.bank.v1beta1.MsgSend", from_address: gov, to_address: gov, amount: [{ denom: "uopen", amount: "5" }] }],
      metadata: "m",
      deposit: "10000000uopen",
      title: "T",
      summary: "S",
      expedited: true,
    });
    const p = await parseProposalFile(text);
    assert.equal(p.expedited, true);
    assert.deepEqual(p.deposit, [{ denom: "uopen", amount: "10000000" }]);
    assert.equal(p.messages[0]?.typeUrl, MsgSend.typeUrl);
    assert.deepEqual(MsgSend.decode(p.messages[0]!.value), { fromAddress: gov, toAddress: gov, amount: [{ denom: "uopen", amount: "5" }] });
    assert.deepEqual(await msgToJson(p.messages[0]!), { "@type": MsgSend.typeUrl, from_address: gov, to_address: gov, amount: [{ denom: "uopen", amount: "5" }] });
    await assert.rejects(parseProposalFile(JSON.stringify({ messages: [{ "@type": "/x.v1.MsgNope" }], title: "t", summary: "s" })), /unknown message type/);
    await assert.rejects(parseProposalFile(JSON.stringify({ messages: [], summary: "s" })), /title/);
    await assert.rejects(parseProposalFile("{"), /not JSON/);
  });

  it("every draft-proposal template parses (messages the CLI can encode)", async () => {
    for (const kind of ["text", "community-pool-spend", "bank-params", "datanet-resolve-challenge", "create-grant", "activate-method", "provider-approval"]) {
      const d = await draftProposal(kind);
      const p = await parseProposalFile(JSON.stringify({ ...d, messages: (d.messages as Record<string, unknown>[]).map((m) => JSON.parse(JSON.stringify(m).replaceAll("open1…", String(m.authority)))) }));
      assert.equal(p.messages.length, kind === "text" ? 0 : 1);
    }
  });

  it("every gov subcommand has --help", async () => {
    for (const args of [
      ["tx", "gov", "submit-proposal"],
      ["tx", "gov", "draft-proposal"],
      ["tx", "gov", "deposit"],
      ["tx", "gov", "vote"],
      ["tx", "gov", "weighted-vote"],
      ["tx", "gov", "cancel"],
      ["query", "gov", "proposals"],
      ["query", "gov", "proposal"],
      ["query", "gov", "votes"],
      ["query", "gov", "vote"],
      ["query", "gov", "deposits"],
      ["query", "gov", "tally"],
      ["query", "gov", "params"],
      ["tx", "grants", "claim"],
      ["tx", "grants", "approve"],
      ["tx", "grants", "reject-claim"],
      ["query", "grants", "grant"],
      ["query", "grants", "grants"],
      ["query", "grants", "escrow"],
      ["query", "attribution", "methods"],
      ["query", "attribution", "shadow-receipt"],
      ["query", "compute", "provider-approval"],
      ["query", "compute", "provider-approvals"],
    ]) {
      const r = await cli([...args, "--help"]);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stdout, /Usage/, args.join(" "));
    }
  });
});
