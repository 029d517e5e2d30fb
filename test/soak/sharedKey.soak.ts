/**
 * S13 of specs/consensus.md §8.4 (Jepsen "super-dup-validators"): one validator key with ~64 % of the
 * voting power runs in two processes at once, and the network is split so that each copy sits with a
 * different honest validator. Each side then holds 55 of 67 power (> 2/3) and commits its own chain: a
 * fork is EXPECTED (the BFT assumption, < 1/3 byzantine power, is broken). What must hold:
 *  - the checker detects it: ChainChecker fails with I1 (two different blocks at one height);
 *  - evidence exists afterwards: once the partition heals, a node meeting the other branch's commit for a
 *    height it committed builds duplicate-vote evidence against the shared key from the conflicting
 *    precommits (node/consensus/forkEvidence.ts), logs CONFLICTING COMMIT at error level, keeps it
 *    (RPC pending_evidence, data/evidence/*.ev) and gossips it; a branch that still makes blocks
 *    commits it (then the shared key is removed from the set, which halts that branch too: the other
 *    honest validator is on the halted branch). A node never switches branches.
 *
 * Processes: node0 (honest, 12), node1 (honest, 12), node2 and node3 (the same key, 43); partition
 * {node0, node2} | {node1, node3} from the start (test-only fault files), load-free. Writes
 * <out>/soak-s13.{json,txt}. Env: S13_SECONDS (30, time split), SOAK_OUT (bench-results).
 * Exit status 0 when the fork is detected by the checker, evidence exists afterwards, and it is
 * committed on every branch that still makes blocks (the shared key's duplicate vote, or the fork's
 * light-client-attack evidence: equivocation punishes the shared key, amnesia nobody).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ChainChecker, faultEnv, type GentxProc, heal, heightOf, launch, partition, type Proc, setupGentxNet, teardown, waitHeight } from "../e2e/bftNet.ts";
import { cli, ROOT, rpc } from "../e2e/harness.ts";

const SECONDS = Number(process.env["S13_SECONDS"] ?? 30);
const OUT = resolve(ROOT, process.env["SOAK_OUT"] ?? "bench-results");
const t0 = Date.now();
const log = (m: string) => process.stderr.write(`[s13 +${((Date.now() - t0) / 1000).toFixed(0)}s] ${m}\n`);

async function main(): Promise<number> {
  // gentx validators (staking and slashing know them): val0 12, val1 12, val2 43 (the shared key); node3's
  // own gentx is dropped from the genesis and node3 runs val2's key
  const BOND = [12_000_000, 12_000_000, 43_000_000, 1_000_000];
  const procs = await setupGentxNet("s13", [], (i) => `${BOND[i]}uopen`, (g) => {
    g.app_state.genutil.gen_txs = (g.app_state.genutil.gen_txs as { body: { messages: { description: { moniker: string } }[] } }[]).filter((tx) => tx.body.messages[0]?.description.moniker !== "val3");
  });
  const [n0, n1, n2, n3] = procs as [GentxProc, GentxProc, GentxProc, GentxProc];
  copyFileSync(join(n2.home, "config/priv_validator_key.json"), join(n3.home, "config/priv_validator_key.json"));
  const shared = (JSON.parse(readFileSync(join(n2.home, "config/priv_validator_key.json"), "utf8")).address as string).toUpperCase();
  const query = async (via: Proc, args: string[]): Promise<any> => JSON.parse(await cli(["query", ...args, "--node", via.rpcUrl, "--output", "json"]));

  partition(procs, [[n0, n2], [n1, n3]]);
  for (const p of procs) launch(p, faultEnv(p), { blockInterval: "500ms" });
  const result: Record<string, unknown> = { name: "s13-shared-key", date: new Date().toISOString(), split_seconds: SECONDS, powers: "gentx validators: honest 12 + 12, shared key 43 (64 %) on two processes" };
  try {
    for (const p of procs) await waitHeight(p, 3, 180_000);
    await sleep(SECONDS * 1000);
    const hs = await Promise.all(procs.map(heightOf));
    result["heights_while_split"] = hs;
    log(`heights while split: ${hs.join(",")}`);
    // the fork: the checker must see two blocks at one height
    let detected = "";
    try {
      await new ChainChecker().check(procs, [], { timeoutMs: 10_000 });
    } catch (e) {
      detected = String(e).slice(0, 300);
    }
    result["checker"] = detected === "" ? "NOT DETECTED" : `detected: ${detected}`;
    log(`checker: ${result["checker"]}`);

    // forensics: the shared key's precommits in the two branches' commits at the same height and round
    // for different blocks are duplicate-vote evidence anyone holding both commits can build
    const pairs: string[] = [];
    for (let h = 1; h <= Math.min(...hs); h++) {
      const [ca, cb] = await Promise.all([n0, n1].map(async (p) => (await rpc(p.rpcUrl, "commit", { height: String(h) })).signed_header.commit));
      if (ca.block_id.hash === cb.block_id.hash || ca.round !== cb.round) continue;
      const signedBy = (c: { signatures: { validator_address: string; block_id_flag: number }[] }) => c.signatures.some((x) => (x.validator_address ?? "").toUpperCase() === shared && x.block_id_flag === 2);
      if (signedBy(ca) && signedBy(cb)) pairs.push(`h${h}r${ca.round}`);
    }
    result["conflicting_shared_key_precommits_in_commits"] = `${pairs.length} heights (${pairs.slice(0, 10).join(", ")}${pairs.length > 10 ? ", …" : ""})`;
    log(`shared-key precommits for different blocks at the same height/round in the two branches' commits: ${pairs.length}`);

    heal(procs);
    const healedAt = Date.now();
    // after the heal the two branches meet: a node that receives a block of its height whose last commit
    // names another block than the one it committed (or a precommit of its last height for another block)
    // turns the shared key's conflicting precommits into duplicate-vote evidence (node/consensus/
    // forkEvidence.ts), keeps it pending (RPC pending_evidence, data/evidence/*.ev), gossips it, and a
    // proposer of a branch that still makes blocks commits it
    const alive = () => procs.map((p) => p.proc !== undefined && p.proc.exitCode === null && p.proc.signalCode === null);
    const evidenceInBlocks = async (): Promise<string[]> => {
      const out: string[] = [];
      for (const [i, p] of procs.entries()) {
        if (!alive()[i]) continue;
        const top = await heightOf(p).catch(() => -1);
        for (let h = 1; h <= top; h++) {
          const b = await rpc(p.rpcUrl, "block", { height: String(h) }).catch(() => undefined);
          // CometBFT's JSON layout (node/rpc/evidenceJson.ts): {type, value: {vote_a, vote_b, TotalVotingPower, …}}
          for (const ev of (b?.block.evidence?.evidence ?? []) as { type: string; value: { vote_a: { height: string; round: number; validator_address: string } } }[]) {
            if (ev.type === "tendermint/LightClientAttackEvidence") {
              // the fork's split height as common height; byzantine: the shared key (same round) or nobody (amnesia)
              const l = ev.value as unknown as { CommonHeight: string; ByzantineValidators: { address: string }[]; ConflictingBlock: { signed_header: { commit: { round: number } } } };
              const byz = l.ByzantineValidators.map((v) => (v.address === shared ? "the shared key" : v.address));
              out.push(`node${i} block ${h}: light client attack, common height ${l.CommonHeight}, conflicting commit round ${l.ConflictingBlock.signed_header.commit.round}, byzantine [${byz.join(", ")}]${byz.length === 0 ? " (amnesia)" : ""}`);
              continue;
            }
            if (ev.type !== "tendermint/DuplicateVoteEvidence") continue;
            const va = ev.value.vote_a;
            const by = va.validator_address;
            out.push(`node${i} block ${h}: duplicate vote at height ${va.height} round ${va.round} by ${by}${by === shared ? " (the shared key)" : ""}`);
          }
        }
      }
      return out;
    };
    const persisted = () => procs.map((p) => (existsSync(join(p.home, "data/evidence")) ? readdirSync(join(p.home, "data/evidence")).filter((f) => /\.(ev|lca|lcx)$/.test(f)).length : 0));
    const pendingRpc = async () =>
      Promise.all(
        procs.map(async (p, i) => {
          if (!alive()[i]) return "down";
          const r = await rpc(p.rpcUrl, "pending_evidence").catch(() => undefined);
          if (r === undefined) return "no answer";
          const mine = (r.evidence as { validator_address: string }[]).filter((e) => e.validator_address === shared).length;
          const lca = (r.evidence as { type: string }[]).filter((e) => e.type === "tendermint/LightClientAttackEvidence").length;
          return `${r.n_evidence} pending (${mine} duplicate votes of the shared key, ${lca} light client attacks), ${(r.conflicting_commits as unknown[]).length} conflicting commits`;
        }),
      );
    // evidence of this fork: the shared key's duplicate vote, or light-client-attack evidence (equivocation:
    // the shared key; amnesia, when the branches split in different rounds: nobody can be punished)
    const isForkEvidence = (e: string) => e.includes("(the shared key)") || e.includes("light client attack");
    const punishesShared = (e: string) => e.includes("the shared key");
    let committed: string[] = [];
    let firstEvidenceS = -1;
    let committedS = -1;
    // up to 120 s: evidence must appear (pending / persisted / committed), and be committed where a branch runs
    for (let t = 0; Date.now() - healedAt < 120_000; t++) {
      const files = persisted();
      if (firstEvidenceS < 0 && files.some((n) => n > 0)) firstEvidenceS = (Date.now() - healedAt) / 1000;
      committed = (await evidenceInBlocks()).filter(isForkEvidence);
      if (committed.length > 0) {
        if (firstEvidenceS < 0) firstEvidenceS = (Date.now() - healedAt) / 1000;
        committedS = (Date.now() - healedAt) / 1000;
        break;
      }
      await sleep(3000);
    }
    await sleep(5000); // the validator update of the evidence block takes effect at +2
    if (committed.length > 0) committed = (await evidenceInBlocks()).filter(isForkEvidence);
    // slash, jail, tombstone on the branch that committed it (asked through a node of that branch)
    const committer = procs.find((p, i) => alive()[i] && committed.some((c) => c.startsWith(`node${i} `)));
    if (committer !== undefined) {
      const si = await query(committer, ["slashing", "signing-info", n2.consAddress]).catch((e: unknown) => ({ error: String(e) }));
      const v = await query(committer, ["staking", "validator", n2.valoper]).catch((e: unknown) => ({ error: String(e) }));
      const info = si.val_signing_info ?? si.valSigningInfo;
      result["shared_key_after_evidence"] = { tombstoned: info?.tombstoned, jailed: v.validator?.jailed, tokens: v.validator?.tokens, self_bond: String(BOND[2]), via: `node${procs.indexOf(committer)}` };
      const set = await rpc(committer.rpcUrl, "validators", {}).catch(() => undefined);
      result["validator_set_now"] = (set?.validators ?? []).map((x: { address: string; voting_power: string }) => `${x.address === shared ? "shared" : x.address.slice(0, 8)}:${x.voting_power}`);
    }
    const after = await Promise.all(procs.map((p, i) => (alive()[i] ? heightOf(p).catch(() => -1) : -1)));
    result["heights_after_heal"] = after;
    result["pending_evidence_rpc"] = await pendingRpc();
    result["persisted_evidence_files"] = persisted();
    result["evidence_first_seen_s_after_heal"] = firstEvidenceS;
    result["evidence_committed_s_after_heal"] = committedS;
    const all = await evidenceInBlocks();
    result["evidence_in_blocks"] = all.slice(0, 20);
    result["evidence_in_blocks_count"] = all.length;
    result["light_client_attack_evidence_in_blocks"] = all.filter((x) => x.includes("light client attack")).slice(0, 8);
    const logLines: string[] = [];
    for (const [i, p] of procs.entries()) {
      const lines = readFileSync(join(p.home, "node.log"), "utf8").split("\n");
      const forks = lines.filter((l) => l.includes("CONFLICTING COMMIT")).length;
      const split = lines.filter((l) => l.includes("FORK: the branches split")).map((l) => {
        const m = /"height":"(\d+)","kind":"(\w+)","ourRound":(\d+),"theirRound":(\d+)/.exec(l);
        return m === null ? "?" : `split at ${m[1]} (${m[2]}, rounds ${m[3]}/${m[4]})`;
      });
      const halts = lines.filter((l) => /consensus halted/.test(l)).slice(-1)[0];
      logLines.push(`node${i}: ${forks} CONFLICTING COMMIT error lines${split.length > 0 ? `; light-client-attack evidence built: ${split.join(", ")}` : ""}${halts !== undefined ? `; halted: ${halts.slice(0, 240)}` : ""}`);
    }
    result["logs"] = logLines;
    result["processes_alive_after_heal"] = alive();
    const running = after.filter((h) => h > 0).length;
    const exists = firstEvidenceS >= 0 || committed.length > 0;
    result["evidence_exists_afterwards"] = exists;
    result["evidence_committed_on_a_running_branch"] = committed.length > 0;
    log(`evidence: first seen ${firstEvidenceS}s after heal, committed ${committedS}s after heal (${committed.slice(0, 3).join("; ")}); pending ${JSON.stringify(result["pending_evidence_rpc"])}; files ${JSON.stringify(result["persisted_evidence_files"])}; ${logLines.join(" | ")}`);
    if (detected === "") return 1;
    if (!exists) {
      result["failure"] = "no evidence of the fork exists after the heal";
      return 1;
    }
    if (running > 0 && committed.length === 0) {
      result["failure"] = "a branch still runs but did not commit the evidence";
      return 1;
    }
    const sk = result["shared_key_after_evidence"] as { tombstoned?: boolean; jailed?: boolean; tokens?: string } | undefined;
    const punished = committed.some(punishesShared);
    result["committed_evidence_punishes_the_shared_key"] = punished ? "yes" : "no: amnesia only (the branches split in different rounds; CometBFT punishes nobody)";
    if (punished && (sk?.tombstoned !== true || sk.jailed !== true || !(BigInt(sk.tokens ?? "0") < BigInt(BOND[2]!)))) {
      result["failure"] = `evidence against the shared key committed but it is not slashed, jailed and tombstoned: ${JSON.stringify(sk)}`;
      return 1;
    }
    if (!punished && committed.length > 0 && sk?.tombstoned === true) {
      result["failure"] = `only amnesia evidence committed, yet the shared key was tombstoned: ${JSON.stringify(sk)}`;
      return 1;
    }
    return 0;

  } finally {
    mkdirSync(OUT, { recursive: true });
    result["seconds"] = Math.round((Date.now() - t0) / 1000);
    writeFileSync(join(OUT, "soak-s13.json"), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(OUT, "soak-s13.txt"), `${Object.entries(result).map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`).join("\n")}\n`);
    await teardown(procs);
  }
}

process.exit(await main());
