/**
 * ICS-23 proofs of the state tree (tree.ts) and their pure verifier, as used by `abci_query prove=true`
 * (proof op type "ics23:smt") and `openledgerd query … --prove`.
 *
 * Proofs are cosmos.ics23.v1 CommitmentProof bytes in the shape of ICS-23's SmtSpec:
 * - leaf op {hash SHA256, prehashKey SHA256, prehashValue SHA256, length NO_PREFIX, prefix 0x00};
 * - one inner op {hash SHA256, prefix, suffix} per level, bottom-up: a left child has prefix 0x01 and
 *   suffix = right sibling; a right child has prefix 0x01 || left sibling and no suffix (an empty
 *   sibling is 32 zero bytes);
 * - absence: a NonExistenceProof with the existence proofs of the neighbours in sha256(key) order
 *   (SmtSpec sets prehashKeyBeforeComparison), checked to be adjacent (IsLeftNeighbor, with empty
 *   siblings allowed as placeholders) or left-/right-most when one side is missing.
 *
 * The verifier follows cosmos/ics23 (go/proof.go: ExistenceProof.Verify, NonExistenceProof.Verify and
 * CheckAgainstSpec with SmtSpec), and is stricter in two places that our proofs always satisfy:
 * the leaf prefix must be exactly 0x00 and every inner op must have one of the two exact shapes above.
 * One extension: the empty tree (root = 32 zero bytes) has no leaves to stand as neighbours, so a
 * NonExistenceProof with neither neighbour is accepted exactly when the root is the empty root
 * (cosmos/ics23 rejects it; in practice the app state is never empty after genesis).
 * Batch and compressed proofs are not produced and are rejected.
 */
import {
  CommitmentProof,
  type ExistenceProof,
  HashOp,
  type InnerOp,
  type LeafOp,
  LengthOp,
  type NonExistenceProof,
  type ProofSpec,
} from "cosmjs-types/cosmos/ics23/v1/proofs";
import type { Bytes } from "../abci.ts";
import { compare, concat, equal } from "../bytes.ts";
import { sha256 } from "../hash.ts";

/** the proofOps type for abci_query responses carrying these proofs. */
export const PROOF_OP_TYPE = "ics23:smt";

const HASH_LEN = 32;
const EMPTY_ROOT: Bytes = new Uint8Array(HASH_LEN);
const INNER = Uint8Array.of(1);
const LEAF = Uint8Array.of(0);

/** cosmos/ics23 SmtSpec (cosmjs-types 0.11's ProofSpec predates prehashKeyBeforeComparison). */
export const SMT_SPEC: ProofSpec & { prehashKeyBeforeComparison: boolean } = {
  leafSpec: {
    hash: HashOp.SHA256,
    prehashKey: HashOp.SHA256,
    prehashValue: HashOp.SHA256,
    length: LengthOp.NO_PREFIX,
    prefix: LEAF,
  },
  innerSpec: {
    childOrder: [0, 1],
    childSize: HASH_LEN,
    minPrefixLength: 1,
    maxPrefixLength: 1,
    emptyChild: EMPTY_ROOT,
    hash: HashOp.SHA256,
  },
  maxDepth: 256,
  minDepth: 0,
  prehashKeyBeforeComparison: true,
};

export function smtLeafOp(): LeafOp {
  return {
    hash: HashOp.SHA256,
    prehashKey: HashOp.SHA256,
    prehashValue: HashOp.SHA256,
    length: LengthOp.NO_PREFIX,
    prefix: LEAF,
  };
}

function bitAt(path: Bytes, depth: number): number {
  return ((path[depth >> 3] as number) >> (7 - (depth & 7))) & 1;
}

/**
 * Existence proof of a leaf found at depth `siblings.length` on the path sha256(key), where
 * `siblings[d]` is the sibling hash at depth d (root first).
 */
export function buildExistenceProof(key: Bytes, value: Bytes, siblings: readonly Bytes[]): ExistenceProof {
  const keyHash = sha256(key);
  const path: InnerOp[] = [];
  for (let d = siblings.length - 1; d >= 0; d--) {
    const sib = siblings[d] as Bytes;
    if (bitAt(keyHash, d) === 0) path.push({ hash: HashOp.SHA256, prefix: INNER, suffix: sib });
    else path.push({ hash: HashOp.SHA256, prefix: concat(INNER, sib), suffix: new Uint8Array(0) });
  }
  return { key, value, leaf: smtLeafOp(), path };
}

export function encodeExistenceProof(p: ExistenceProof): Bytes {
  return CommitmentProof.encode({ exist: p }).finish();
}

export function encodeNonExistenceProof(p: NonExistenceProof): Bytes {
  return CommitmentProof.encode({ nonexist: p }).finish();
}

// ---- verification ------------------------------------------------------------------------------

function decodeProof(proof: Bytes): CommitmentProof | undefined {
  try {
    return CommitmentProof.decode(proof);
  } catch {
    return undefined;
  }
}

/** branch of an inner op: 0 (we are the left child), 1 (right child), -1 malformed. */
function branchOf(op: InnerOp): 0 | 1 | -1 {
  if (op.hash !== HashOp.SHA256 || op.prefix[0] !== 1) return -1;
  if (op.prefix.length === 1 && op.suffix.length === HASH_LEN) return 0;
  if (op.prefix.length === 1 + HASH_LEN && op.suffix.length === 0) return 1;
  return -1;
}

function leafMatchesSpec(leaf: LeafOp | undefined): leaf is LeafOp {
  return (
    leaf !== undefined &&
    leaf.hash === HashOp.SHA256 &&
    leaf.prehashKey === HashOp.SHA256 &&
    leaf.prehashValue === HashOp.SHA256 &&
    leaf.length === LengthOp.NO_PREFIX &&
    equal(leaf.prefix, LEAF)
  );
}

/** CheckAgainstSpec(SmtSpec) for an existence proof. */
function checkAgainstSpec(p: ExistenceProof): boolean {
  if (!leafMatchesSpec(p.leaf)) return false;
  if (p.path.length > 256) return false;
  for (const op of p.path) if (branchOf(op) === -1) return false;
  return true;
}

/**
 * The root an existence proof commits to (leaf op, then inner ops bottom-up). Throws when the proof
 * cannot be applied (no leaf op, empty key or value, unsupported hash op); does not check the spec.
 */
export function calculateExistenceRoot(p: ExistenceProof): Bytes {
  const leaf = p.leaf;
  if (leaf === undefined) throw new Error("ics23: existence proof needs a leaf op");
  if (p.key.length === 0) throw new Error("ics23: leaf op needs key");
  if (p.value.length === 0) throw new Error("ics23: leaf op needs value");
  if (leaf.hash !== HashOp.SHA256 || leaf.length !== LengthOp.NO_PREFIX) throw new Error("ics23: unsupported leaf op");
  const pk = prehash(leaf.prehashKey, p.key);
  const pv = prehash(leaf.prehashValue, p.value);
  let h = sha256(concat(leaf.prefix, pk, pv));
  for (const op of p.path) {
    if (op.hash !== HashOp.SHA256) throw new Error("ics23: unsupported inner hash op");
    h = sha256(concat(op.prefix, h, op.suffix));
  }
  return h;
}

function prehash(op: HashOp, data: Bytes): Bytes {
  if (op === HashOp.NO_HASH) return data;
  if (op === HashOp.SHA256) return sha256(data);
  throw new Error(`ics23: unsupported prehash op ${op}`);
}

/** ExistenceProof.Verify(SmtSpec, root, key, value). */
function verifyExistence(p: ExistenceProof, root: Bytes, key: Bytes, value: Bytes): boolean {
  if (!checkAgainstSpec(p)) return false;
  if (!equal(key, p.key) || !equal(value, p.value)) return false;
  try {
    return equal(calculateExistenceRoot(p), root);
  } catch {
    return false;
  }
}

/** every step is a left child, or a right child whose left sibling is empty (a placeholder). */
function isLeftMost(path: readonly InnerOp[]): boolean {
  for (const op of path) {
    const b = branchOf(op);
    if (b === 0) continue;
    if (b === 1 && equal(op.prefix.subarray(1), EMPTY_ROOT)) continue;
    return false;
  }
  return true;
}

function isRightMost(path: readonly InnerOp[]): boolean {
  for (const op of path) {
    const b = branchOf(op);
    if (b === 1) continue;
    if (b === 0 && equal(op.suffix, EMPTY_ROOT)) continue;
    return false;
  }
  return true;
}

/** `right` is the next leaf after `left`: paths equal down to a split where left goes 0 and right 1. */
function isLeftNeighbour(left: readonly InnerOp[], right: readonly InnerOp[]): boolean {
  let i = left.length - 1;
  let j = right.length - 1;
  while (i >= 0 && j >= 0) {
    const a = left[i] as InnerOp;
    const b = right[j] as InnerOp;
    if (!(equal(a.prefix, b.prefix) && equal(a.suffix, b.suffix))) break;
    i--;
    j--;
  }
  if (i < 0 || j < 0) return false;
  if (branchOf(left[i] as InnerOp) !== 0 || branchOf(right[j] as InnerOp) !== 1) return false;
  return isRightMost(left.slice(0, i)) && isLeftMost(right.slice(0, j));
}

/** true iff `proof` is an ICS-23 existence proof (SmtSpec) of key = value under `root`. */
export function verifyMembership(root: Bytes, proof: Bytes, key: Bytes, value: Bytes): boolean {
  const cp = decodeProof(proof);
  if (cp?.exist === undefined) return false;
  return verifyExistence(cp.exist, root, key, value);
}

/** true iff `proof` is an ICS-23 non-existence proof (SmtSpec) of `key` under `root`. */
export function verifyNonMembership(root: Bytes, proof: Bytes, key: Bytes): boolean {
  const cp = decodeProof(proof);
  const np = cp?.nonexist;
  if (np === undefined || key.length === 0) return false;
  // np.key is informational (cosmos/ics23 does not check it; celestia's SMT puts the key hash there)
  const { left, right } = np;
  if (left === undefined && right === undefined) return equal(root, EMPTY_ROOT);
  const kh = sha256(key);
  if (left !== undefined) {
    if (!verifyExistence(left, root, left.key, left.value)) return false;
    if (compare(kh, sha256(left.key)) <= 0) return false;
  }
  if (right !== undefined) {
    if (!verifyExistence(right, root, right.key, right.value)) return false;
    if (compare(kh, sha256(right.key)) >= 0) return false;
  }
  if (left === undefined) return isLeftMost((right as ExistenceProof).path);
  if (right === undefined) return isRightMost(left.path);
  return isLeftNeighbour(left.path, right.path);
}

/** the root a proof commits to (for exist: its root; for nonexist: the first neighbour's). */
export function calculateRoot(proof: Bytes): Bytes | undefined {
  const cp = decodeProof(proof);
  try {
    if (cp?.exist !== undefined) return calculateExistenceRoot(cp.exist);
    const np = cp?.nonexist;
    if (np?.left !== undefined) return calculateExistenceRoot(np.left);
    if (np?.right !== undefined) return calculateExistenceRoot(np.right);
  } catch {
    return undefined;
  }
  return undefined;
}
