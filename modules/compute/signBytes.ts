/**
 * The canonical bytes a provider signs (its attestation) and the output hash of an inference. The
 * provider daemon (node/provider/attest.ts) writes the same bytes; a test checks that they agree.
 *
 *   signBytes  = "openledger.compute.v1.result" 0x00 ‖ lp(chain id) ‖ u64be(job id) ‖ CanonicalResult (proto)
 *   resultHash = sha256(signBytes)   — what the attestation signs and what validators vote on
 *   outputHash = sha256("openledger.compute.v1.inference-output" 0x00 ‖ query_embedding ‖ u32le(label))
 */
import type { Bytes } from "../core/abci.ts";
import { concat, lengthPrefixed, u64be, utf8 } from "../core/bytes.ts";
import { sha256 } from "../core/hash.ts";
import { CanonicalResult } from "../../proto/gen/openledger/compute/v1/types.ts";

const RESULT_DOMAIN = concat(utf8("openledger.compute.v1.result"), Uint8Array.of(0));
const OUTPUT_DOMAIN = concat(utf8("openledger.compute.v1.inference-output"), Uint8Array.of(0));

export function resultSignBytes(chainId: string, jobId: bigint, r: CanonicalResult): Bytes {
  return concat(RESULT_DOMAIN, lengthPrefixed(utf8(chainId)), u64be(jobId), CanonicalResult.encode(r).finish());
}

export function resultHash(chainId: string, jobId: bigint, r: CanonicalResult): Bytes {
  return sha256(resultSignBytes(chainId, jobId, r));
}

export function inferenceOutputHash(queryEmbedding: Bytes, label: number): Bytes {
  const l = new Uint8Array(4);
  new DataView(l.buffer).setUint32(0, label >>> 0, true);
  return sha256(concat(OUTPUT_DOMAIN, queryEmbedding, l));
}
