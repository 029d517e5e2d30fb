/**
 * `make demo` (issue 5 §7): a datanet; three contributors (carol honest, dave with flipped labels,
 * erin also submitting near-copies); a model registered with its embedding index; a user paying for 20
 * inferences; receipts and each contributor's earnings as tables; the same scenario once more without
 * the near-copies. Exits non-zero unless dave earns least, the near-copies raise erin's earnings by at
 * most 1 %, and supply is conserved (Σ balances incl. module accounts = supply, checked after every
 * block, and supply changed only by mint and burn).
 *
 * Where it runs: by default on the dev chain (devchain.ts: `openledgerd dev` + `openledgerd provider
 * start`, the whole paid-inference loop with the validator's replay). `--in-process` runs the same
 * scenario on the state machine alone (chain.ts; inferences through the app's paid-inference source,
 * the calls compute makes for an accepted job): fast, no processes, used by the unit test.
 */
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { QuerySupplyOfRequest, QuerySupplyOfResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { accAddressFromString } from "../../modules/core/address.ts";
import { utf8 } from "../../modules/core/bytes.ts";
import { sha256 } from "../../modules/core/hash.ts";
import { featuresToBytes } from "../../modules/datanet/index.ts";
import * as atx from "../../proto/gen/openledger/attribution/v1/tx.ts";
import * as aq from "../../proto/gen/openledger/attribution/v1/query.ts";
import * as dtx from "../../proto/gen/openledger/datanet/v1/tx.ts";
import * as dq from "../../proto/gen/openledger/datanet/v1/query.ts";
import * as tq from "../../proto/gen/openledger/treasury/v1/query.ts";
import { Gating } from "../../proto/gen/openledger/datanet/v1/types.ts";
import { type Actor, actor, createDemoChain, type DemoChain } from "./chain.ts";
import { CLASSES, DIM, FEE, type Outcome, TAU, buildScenario, checkOutcomes, table } from "./scenario.ts";

interface Codec<T> {
  encode(m: T): { finish(): Uint8Array };
  decode(b: Uint8Array): T;
  fromPartial(o: any): T;
}
const any = <T>(typeUrl: string, c: Codec<T>, v: Record<string, unknown>): Any => ({ typeUrl, value: c.encode(c.fromPartial(v)).finish() });
const resp = <T>(r: { data: Uint8Array }, c: Codec<T>): T => c.decode((TxMsgData.decode(r.data).msgResponses[0] as Any).value);
const q = <Q, R>(chain: DemoChain, path: string, req: Codec<Q>, v: Record<string, unknown>, res: Codec<R>) => chain.query(path, req.encode(req.fromPartial(v)).finish(), (b) => res.decode(b));

const NAMES = ["alice", "bob", "carol", "dave", "erin", "user", "provider"] as const;

async function run(withNearCopies: boolean, out: (s: string) => void): Promise<Outcome> {
  const s = buildScenario(withNearCopies);
  const actors = Object.fromEntries(NAMES.map((n, i) => [n, actor(n, i)])) as Record<(typeof NAMES)[number], Actor>;
  const chain = await createDemoChain(Object.values(actors), { epochBlocks: 10, funds: "1000000000000" });
  const supplyOf = async () => BigInt((await q(chain, "/cosmos.bank.v1beta1.Query/SupplyOf", QuerySupplyOfRequest, { denom: "uopen" }, QuerySupplyOfResponse)).amount?.amount ?? "0");
  await chain.block([]);
  const supply0 = await supplyOf();
  const { alice, bob, user, provider } = actors;

  // the datanet, and its contributions (one tx per contributor)
  await chain.tx(alice, [any("/openledger.datanet.v1.MsgCreateDatanet", dtx.MsgCreateDatanet, { owner: alice.address, name: "demo-clusters", schema: { kind: "vector-label/v1", dim: DIM, numClasses: CLASSES }, license: "CC-BY-4.0", gating: Gating.GATING_OPEN, minStake: "1000" })]);
  const owner = new Map<bigint, string>();
  for (const c of s.contributions) {
    const a = actors[c.who];
    const items = c.points.map((p) => {
      const f = featuresToBytes(p.f);
      return { contentHash: sha256(utf8(`demo:${c.who}:${p.f.join(",")}:${p.label}`)), size: 64n, uri: "", encrypted: false, parents: [], point: { features: f, label: p.label }, stake: "1000" };
    });
    const r = resp(await chain.tx(a, [any("/openledger.datanet.v1.MsgContribute", dtx.MsgContribute, { contributor: a.address, datanetId: 1n, items })]), dtx.MsgContributeResponse);
    for (const id of r.contributionIds) owner.set(id, c.who);
  }
  const snap = resp(await chain.tx(alice, [any("/openledger.datanet.v1.MsgSnapshot", dtx.MsgSnapshot, { creator: alice.address, datanetId: 1n })]), dtx.MsgSnapshotResponse);

  // the model (bob trains it) bound to the snapshot root; its embedding index, in snapshot leaf order
  const reg = resp(
    await chain.tx(bob, [
      any("/openledger.attribution.v1.MsgRegisterModel", atx.MsgRegisterModel, {
        owner: bob.address,
        name: "demo-head",
        snapshotId: snap.snapshotId,
        snapshotRoot: snap.root,
        onnxHash: sha256(utf8("demo identity base graph")),
        trainingConfigHash: sha256(utf8("demo head config")),
        checkpointHashes: [],
        feePolicy: { dataBps: 6000, trainerBps: 1500, providerBps: 2000, communityBps: 500, burnBps: 0 },
        embeddingDim: DIM,
        tau: TAU,
      }),
    ]),
    atx.MsgRegisterModelResponse,
  );
  const entries = (await q(chain, "/openledger.datanet.v1.Query/SnapshotEntries", dq.QuerySnapshotEntriesRequest, { snapshotId: snap.snapshotId, pagination: { limit: 1000n } }, dq.QuerySnapshotEntriesResponse)).entries;
  const byId = new Map<bigint, number[]>();
  let id = 1n;
  for (const c of s.contributions) for (const p of c.points) byId.set(id++, p.f);
  const vectors = featuresToBytes(entries.flatMap((e) => byId.get(e.contributionId) as number[]));
  await chain.tx(bob, [any("/openledger.attribution.v1.MsgSetEmbeddingIndex", atx.MsgSetEmbeddingIndex, { owner: bob.address, modelId: reg.modelId, start: 0n, vectors })]);

  // the user pays for 20 inferences (5 per block); the provider answered them
  for (let i = 0; i < s.queries.length; i++) {
    const p = s.queries[i] as (typeof s.queries)[number];
    chain.paid.push({ payer: accAddressFromString(user.address), provider: accAddressFromString(provider.address), modelId: reg.modelId, queryEmbedding: Int16Array.from(p.f), label: p.label, fee: { denom: "uopen", amount: FEE } });
    if (i % 5 === 4) await chain.block([]);
  }

  // receipts
  const receipts = (await q(chain, "/openledger.attribution.v1.Query/ReceiptsByModel", aq.QueryReceiptsByModelRequest, { modelId: reg.modelId, pagination: { limit: 100n } }, aq.QueryReceiptsByModelResponse)).receipts;
  const nameOf = (addr: string) => NAMES.find((n) => actors[n].address === addr) ?? addr.slice(0, 12);
  out(`\nreceipts (${receipts.length}; fee ${FEE}uopen each; contributor shares of the fee valued by PoA)`);
  out(table(["receipt", "label", "points", "carol", "dave", "erin", "unassigned"], receipts.map((r) => {
    const sh = (n: string) => r.shares.filter((x) => nameOf(x.contributor) === n).reduce((a, x) => a + BigInt(x.amount), 0n);
    return [r.id, r.label, r.points.length, sh("carol"), sh("dave"), sh("erin"), r.remainder];
  })));

  // earnings statements (treasury), summed over epochs
  const earnings = { carol: 0n, dave: 0n, erin: 0n };
  const rows: (string | bigint)[][] = [];
  for (const n of [...NAMES.filter((x) => x !== "alice" && x !== "user")]) {
    const st = (await q(chain, "/openledger.treasury.v1.Query/Earnings", tq.QueryEarningsRequest, { address: actors[n].address }, tq.QueryEarningsResponse)).rows;
    const sum = (f: (r: (typeof st)[number]) => string) => st.reduce((a, r) => a + BigInt(f(r)), 0n);
    const asC = sum((r) => r.asContributor);
    if (n === "carol" || n === "dave" || n === "erin") earnings[n] = asC;
    rows.push([n, asC, sum((r) => r.asTrainer), sum((r) => r.asProvider), st.reduce((a, r) => a + r.splits, 0n)]);
  }
  out(`\nearnings (uopen; contributor rewards vest over epochs in the treasury account)`);
  out(table(["address", "as contributor", "as trainer", "as provider", "splits"], rows));

  // supply: Σ balances = supply after every block (the app's invariant ran after each); the change is mint − burn
  const amountOf = (e: { attributes: { key: string; value: string }[] }) => BigInt((e.attributes.find((x) => x.key === "amount")?.value ?? "0").replace(/uopen$/, "") || "0");
  const minted = chain.events.filter((e) => e.type === "mint").reduce((a, e) => a + amountOf(e), 0n);
  const burned = chain.events.filter((e) => e.type === "burn").reduce((a, e) => a + amountOf(e), 0n);
  const supply1 = await supplyOf();
  const conserved = supply1 - supply0 === minted - burned;
  const note = `supply ${supply0} → ${supply1} (minted ${minted}, burned ${burned})`;
  out(`\n${note}; Σ balances = supply checked after each of ${chain.height} blocks`);
  return { earnings, supplyConserved: conserved, supplyNote: note };
}

async function main(): Promise<number> {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  // default: the dev chain (a real node + provider daemon); --in-process: the state machine alone, no IO
  const inProcess = process.argv.includes("--in-process");
  const runner = inProcess ? run : (await import("./devchain.ts")).runOnDevChain;
  out("openledgerd demo: datanet → contributions → model + index → 20 paid inferences → receipts → earnings");
  out(inProcess ? "(in-process: the full state machine; inferences enter where compute's accepted jobs do)" : "(dev chain: a real node and a real provider daemon; validators replay every result before it is paid)");
  out("\n=== run 1: erin submits near-copies of her points ===");
  const a = await runner(true, out);
  out("\n=== run 2: the same scenario without the near-copies ===");
  const b = await runner(false, out);
  out("\n=== checks ===");
  out(table(["contributor", "with near-copies", "without"], (["carol", "dave", "erin"] as const).map((n) => [n, a.earnings[n], b.earnings[n]])));
  const fail = checkOutcomes(a, b);
  const pct = b.earnings.erin === 0n ? "n/a" : `${(Number(((a.earnings.erin - b.earnings.erin) * 1_000_000n) / b.earnings.erin) / 10_000).toFixed(4)}%`;
  out(`flipped-label contributor earns least: ${a.earnings.dave < a.earnings.carol && a.earnings.dave < a.earnings.erin ? "yes" : "NO"}`);
  out(`near-copies change erin's earnings by ${pct} (limit +1%)`);
  out(`supply conserved: ${a.supplyConserved && b.supplyConserved ? "yes" : "NO"}`);
  if (fail.length > 0) {
    for (const f of fail) out(`FAIL: ${f}`);
    return 1;
  }
  out("demo: all checks passed");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`demo failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(2);
  },
);
