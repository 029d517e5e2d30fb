/**
 * Light-client-attack evidence (CometBFT 0.38 types/evidence.go, evidence/verify.go): encoding, the
 * hash, the three forms (equivocation: same round, the validators that signed both; amnesia: other
 * rounds, nobody; lunatic: an invalidly derived header, its signers in the common set), ABCI
 * misbehavior, and forged evidence refused. In-process, real ed25519 (~1 s).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sha256 } from "../../modules/core/hash.ts";
import { utf8 } from "../../modules/core/bytes.ts";
import type { Header, Validator } from "../types/block.ts";
import { decodeEvidence, encodeEvidence } from "../types/encoding.ts";
import { headerHash, validatorSetHash } from "../types/hash.ts";
import { ed25519Scheme, makeValidatorSet, signedVote, testKeys } from "./testing.ts";
import {
  buildLightClientAttack,
  byzantineValidators,
  type DecodedLightClientAttack,
  decodeLightClientAttack,
  encodeLightClientAttack,
  EvidenceError,
  lightClientAttackHash,
  lightClientAttackMisbehavior,
  type SignedHeader,
  verifyLightClientAttack,
} from "./lightClientAttack.ts";
import { misbehaviorFromEvidence } from "../execution/blockExecutor.ts";
import { lightClientAttackEvidenceJson } from "../rpc/evidenceJson.ts";
import { buildBranch, FORK_CHAIN, honestIdx, sharedIdx, signCommit, vals } from "./testing/forkChain.ts";

const H = 5n;
// branch A: honest[0] + the shared key; branch B: honest[1] + the other copy of the shared key
const A = buildBranch({ tag: "A", forkAt: H, top: H + 1n, round: () => 0, signers: [honestIdx[0]!, sharedIdx] });
const Bsame = buildBranch({ tag: "B", forkAt: H, top: H + 1n, round: () => 0, signers: [honestIdx[1]!, sharedIdx] });
const Bother = buildBranch({ tag: "B", forkAt: H, top: H + 1n, round: () => 1, signers: [honestIdx[1]!, sharedIdx] });
const sh = (c: typeof A, h: bigint): SignedHeader => ({ header: c[Number(h) - 1]!.block.header, commit: c[Number(h) - 1]!.commit });
const ours = sh(A, H);
const ctx = { chainId: FORK_CHAIN, commonHeader: ours, trustedHeader: ours, commonVals: vals, commonTime: ours.header.time };
const rejects = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof EvidenceError && e.outcome === "reject" && re.test(e.message));
const roundTrip = (e: DecodedLightClientAttack) => decodeLightClientAttack(encodeLightClientAttack(e), FORK_CHAIN);

describe("consensus/lightClientAttack (CometBFT LightClientAttackEvidence)", () => {
  it("equivocation (both commits in one round): the validators that signed both are byzantine; proto round trip; LIGHT_CLIENT_ATTACK misbehavior", () => {
    const e = buildLightClientAttack(sh(Bsame, H), ours, vals, ours.header.time)!;
    assert.equal(e.commonHeight, H);
    assert.deepEqual(
      e.byzantineValidators.map((v) => v.votingPower),
      [43n],
    );
    assert.equal(e.totalVotingPower, 67n);
    const raw = encodeLightClientAttack(e);
    const back = roundTrip(e);
    assert.deepEqual(encodeLightClientAttack(back), raw, "re-encoding is byte-identical");
    // inside the tendermint.types.Evidence oneof (field 2)
    const wrapped = encodeEvidence({ type: "light_client_attack", raw });
    assert.equal(wrapped[0], (2 << 3) | 2);
    assert.deepEqual(decodeEvidence(wrapped), { type: "light_client_attack", raw });
    const r = verifyLightClientAttack(back, ctx);
    assert.equal(r.mismatch, undefined);
    const m = lightClientAttackMisbehavior(back);
    assert.equal(m.length, 1);
    assert.equal(m[0]!.type, "light_client_attack");
    assert.deepEqual(m[0]!.validator, { address: vals[sharedIdx]!.address, power: 43n });
    assert.equal(m[0]!.height, H);
    assert.deepEqual(m[0]!.time, ours.header.time);
    assert.equal(m[0]!.totalVotingPower, 67n);
    assert.deepEqual(misbehaviorFromEvidence([{ type: "light_client_attack", raw }]), m);
    // CometBFT's JSON layout (RPC block): Go field names on the evidence, tagged names below, int64 as strings
    const j = lightClientAttackEvidenceJson(raw) as any;
    assert.equal(j.type, "tendermint/LightClientAttackEvidence");
    assert.deepEqual(Object.keys(j.value), ["ConflictingBlock", "CommonHeight", "ByzantineValidators", "TotalVotingPower", "Timestamp"]);
    assert.equal(j.value.CommonHeight, "5");
    assert.equal(j.value.TotalVotingPower, "67");
    assert.equal(j.value.ConflictingBlock.signed_header.header.height, "5");
    assert.equal(j.value.ConflictingBlock.signed_header.commit.round, 0);
    assert.equal((j.value.ConflictingBlock.validator_set.validators as unknown as unknown[]).length, 3);
  });

  it("amnesia (commits of different rounds): verified, nobody byzantine, no misbehavior", () => {
    const e = buildLightClientAttack(sh(Bother, H), ours, vals, ours.header.time)!;
    assert.equal(e.byzantineValidators.length, 0);
    const back = roundTrip(e);
    assert.equal(verifyLightClientAttack(back, ctx).mismatch, undefined);
    assert.deepEqual(misbehaviorFromEvidence([{ type: "light_client_attack", raw: encodeLightClientAttack(e) }]), []);
    // claiming a byzantine validator in an amnesia attack is a mismatch of the ABCI fields (re-stamped, never slashed)
    const claimed = roundTrip({ ...e, byzantineValidators: [vals[sharedIdx]!] });
    assert.match(verifyLightClientAttack(claimed, ctx).mismatch ?? "", /byzantine validators/);
  });

  it("lunatic (a header not derived from the common state): the conflicting signers of the common set, checked with > 1/3 of the common power", () => {
    // B's header at H+1 has another app hash than ours (B executed another block at H); common height H-1
    const conflicting = sh(Bsame, H + 1n);
    const common = sh(A, H - 1n);
    const trusted = sh(A, H + 1n);
    const lb = { signedHeader: conflicting, validatorSet: { validators: vals, proposer: vals[0] } };
    const byz = byzantineValidators(lb, vals, trusted);
    assert.deepEqual(
      byz.map((v) => v.votingPower),
      [43n, 12n],
      "ordered by power",
    );
    const e: DecodedLightClientAttack = { conflictingBlock: lb, commonHeight: H - 1n, byzantineValidators: byz, totalVotingPower: 67n, timestamp: common.header.time };
    const r = verifyLightClientAttack(roundTrip(e), { chainId: FORK_CHAIN, commonHeader: common, trustedHeader: trusted, commonVals: vals, commonTime: common.header.time });
    assert.equal(r.mismatch, undefined);
    assert.equal(buildLightClientAttack(conflicting, trusted, vals, trusted.header.time), undefined, "our nodes build only the validly derived forms");
    // with the common height equal to the conflicting height an invalid header is refused (CometBFT)
    rejects(() => verifyLightClientAttack({ ...e, commonHeight: H + 1n }, { ...ctx, commonHeader: trusted, trustedHeader: trusted }), /correctly derived/);
  });

  it("a lunatic header signed by less than 1/3 of the common set (a made-up validator set) is refused", () => {
    const [fake] = testKeys(1, ed25519Scheme, "fake");
    const honest = vals[honestIdx[1]!]!;
    const fakeSet = makeValidatorSet([fake!, { address: honest.address, publicKey: honest.pubKey.value } as never], [100n, 12n]);
    const fv: Validator[] = fakeSet.validators;
    const base = A[Number(H) - 1]!.block.header;
    const header: Header = { ...base, appHash: sha256(utf8("lunatic")), validatorsHash: validatorSetHash(fv), nextValidatorsHash: validatorSetHash(fv) };
    const id = { hash: headerHash(header), partSetHeader: { total: 1, hash: sha256(utf8("lunatic parts")) } };
    const commit = {
      height: H,
      round: 0,
      blockId: id,
      signatures: fv.map((v) => {
        const key = v.votingPower === 100n ? fake! : testKeys(3, ed25519Scheme, "fork").find((k) => Buffer.compare(Buffer.from(k.address), Buffer.from(v.address)) === 0)!;
        const vote = signedVote(key, ed25519Scheme, FORK_CHAIN, fakeSet, { type: 2, height: H, round: 0, blockId: id });
        return { blockIdFlag: 2 as const, validatorAddress: v.address, timestamp: vote.timestamp, signature: vote.signature };
      }),
    };
    const lb = { signedHeader: { header, commit }, validatorSet: { validators: fv, proposer: fv[0] } };
    const e: DecodedLightClientAttack = { conflictingBlock: lb, commonHeight: H - 1n, byzantineValidators: [honest], totalVotingPower: 67n, timestamp: sh(A, H - 1n).header.time };
    rejects(() => verifyLightClientAttack(roundTrip(e), { chainId: FORK_CHAIN, commonHeader: sh(A, H - 1n), trustedHeader: ours, commonVals: vals, commonTime: sh(A, H - 1n).header.time }), /need > 1\/3/);
  });

  it("forged evidence is refused: a broken signature, our own header, a validator set that is not the header's, a byzantine key that is not its address", () => {
    const good = buildLightClientAttack(sh(Bsame, H), ours, vals, ours.header.time)!;
    const broken = signCommit(H, good.conflictingBlock.signedHeader.commit.blockId, 0, [honestIdx[1]!, sharedIdx], sharedIdx);
    rejects(() => verifyLightClientAttack({ ...good, conflictingBlock: { ...good.conflictingBlock, signedHeader: { ...good.conflictingBlock.signedHeader, commit: broken } } }, ctx), /invalid commit/);
    const own = buildLightClientAttack(sh(Bsame, H), ours, vals, ours.header.time)!;
    rejects(() => verifyLightClientAttack({ ...own, conflictingBlock: { ...own.conflictingBlock, signedHeader: ours } }, ctx), /trusted header hash matches/);
    // a commit for another header than the one carried
    assert.throws(() => roundTrip({ ...good, conflictingBlock: { ...good.conflictingBlock, signedHeader: { header: good.conflictingBlock.signedHeader.header, commit: ours.commit } } }), /commit signs another header/);
    // a validator set that does not hash to the header's validators hash
    const other = vals.map((v) => ({ ...v, votingPower: v.votingPower + 1n }));
    assert.throws(() => roundTrip({ ...good, conflictingBlock: { ...good.conflictingBlock, validatorSet: { validators: other, proposer: other[0] } } }), /validators hash/);
    // a byzantine entry whose address is not its key's (ABCI would punish the key's owner)
    const swapped = { ...vals[sharedIdx]!, pubKey: vals[honestIdx[0]!]!.pubKey };
    rejects(() => verifyLightClientAttack({ ...good, byzantineValidators: [swapped] }, ctx), /address does not match/);
    // garbage bytes
    assert.throws(() => decodeLightClientAttack(Uint8Array.of(1, 2, 3)));
  });

  it("the hash (CometBFT Hash()) covers the conflicting header and common height only: permutations are one item", () => {
    const e = buildLightClientAttack(sh(Bsame, H), ours, vals, ours.header.time)!;
    const h = lightClientAttackHash(e);
    assert.deepEqual(lightClientAttackHash({ ...e, byzantineValidators: [], timestamp: { seconds: 1n, nanos: 0 } }), h);
    assert.notDeepEqual(lightClientAttackHash({ ...e, commonHeight: H - 1n }), h);
    // the same header with a commit of another round is the same conflicting block
    assert.deepEqual(lightClientAttackHash(buildLightClientAttack(sh(Bother, H), ours, vals, ours.header.time)!), h);
    const C = buildBranch({ tag: "CC", forkAt: H, top: H + 1n, round: () => 0, signers: [honestIdx[1]!, sharedIdx] });
    assert.notDeepEqual(lightClientAttackHash(buildLightClientAttack(sh(C, H), ours, vals, ours.header.time)!), h);
  });
});
