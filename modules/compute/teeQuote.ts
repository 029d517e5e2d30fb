/**
 * The optional TEE quote of a result (MsgSubmitResult.tee_quote; README "TEE quotes"). A present quote is
 * checked at submission: well-formed, bound to the result (its report data is the result hash the
 * attestation signs) and signed by the provider's registered attestation key. The vendor evidence inside it
 * (an SGX/TDX DCAP quote, an SEV-SNP report, an NVIDIA GPU attestation report) is carried opaque: the chain
 * does not verify it against the vendor's certificate chain (README: why), so a valid quote proves what the
 * provider claims (this measurement, this result), not that a genuine TEE ran it.
 *
 *   quote = "oltq" ‖ u8 version (1) ‖ u8 tee_type ‖ u32be len(evidence) ‖ measurement (48 bytes) ‖
 *           report_data (32 bytes) ‖ evidence ‖ signature (64 bytes)
 *   signature = the attestation key's signature (as for the attestation: secp256k1 low-S r‖s or ed25519)
 *               over sha256("openledger.compute.v1.tee-quote" 0x00 ‖ every byte of the quote before it)
 */
import type { Bytes } from "../core/abci.ts";
import { concat, utf8 } from "../core/bytes.ts";
import { sha256 } from "../core/hash.ts";

const MAGIC = utf8("oltq");
const QUOTE_DOMAIN = concat(utf8("openledger.compute.v1.tee-quote"), Uint8Array.of(0));
export const TEE_QUOTE_VERSION = 1;
export const TEE_MEASUREMENT_BYTES = 48;
const HEADER = 4 + 1 + 1 + 4;
const SIG = 64;
/** bytes of a quote without evidence. */
export const TEE_QUOTE_MIN_BYTES = HEADER + TEE_MEASUREMENT_BYTES + 32 + SIG;

/** tee_type: what produced the evidence (and the measurement's meaning). */
export const TEE_TYPES: Readonly<Record<number, string>> = Object.freeze({ 1: "intel-sgx", 2: "intel-tdx", 3: "amd-sev-snp", 4: "nvidia-cc" });

export interface TeeQuote {
  teeType: number;
  /** MRENCLAVE / MRTD / launch digest / GPU measurement, zero-padded to 48 bytes. */
  measurement: Bytes;
  /** must be the result hash (signBytes.ts resultHash) of the result it comes with. */
  reportData: Bytes;
  /** the vendor's raw attestation evidence, opaque to the chain. */
  evidence: Bytes;
  signature: Bytes;
}

export class TeeQuoteError extends Error {}

function body(q: Omit<TeeQuote, "signature">): Bytes {
  if (TEE_TYPES[q.teeType] === undefined) throw new TeeQuoteError(`tee_type ${q.teeType} is not one of ${Object.keys(TEE_TYPES).join(", ")}`);
  if (q.measurement.length !== TEE_MEASUREMENT_BYTES) throw new TeeQuoteError(`measurement of ${q.measurement.length} bytes, want ${TEE_MEASUREMENT_BYTES}`);
  if (q.reportData.length !== 32) throw new TeeQuoteError(`report_data of ${q.reportData.length} bytes, want 32`);
  const h = new Uint8Array(HEADER);
  h.set(MAGIC, 0);
  const dv = new DataView(h.buffer);
  dv.setUint8(4, TEE_QUOTE_VERSION);
  dv.setUint8(5, q.teeType);
  dv.setUint32(6, q.evidence.length);
  return concat(h, q.measurement, q.reportData, q.evidence);
}

/** what the attestation key signs: sha256(domain ‖ the quote's bytes before the signature). */
export function teeQuoteDigest(q: Omit<TeeQuote, "signature">): Bytes {
  return sha256(concat(QUOTE_DOMAIN, body(q)));
}

export function encodeTeeQuote(q: TeeQuote): Bytes {
  if (q.signature.length !== SIG) throw new TeeQuoteError(`signature of ${q.signature.length} bytes, want ${SIG}`);
  return concat(body(q), q.signature);
}

/** parses a quote; TeeQuoteError when it is not exactly one well-formed version-1 quote. */
export function decodeTeeQuote(b: Bytes): TeeQuote {
  if (b.length < TEE_QUOTE_MIN_BYTES) throw new TeeQuoteError(`a TEE quote is at least ${TEE_QUOTE_MIN_BYTES} bytes, got ${b.length}`);
  for (let i = 0; i < 4; i++) if (b[i] !== MAGIC[i]) throw new TeeQuoteError("not a TEE quote (magic)");
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint8(4) !== TEE_QUOTE_VERSION) throw new TeeQuoteError(`TEE quote version ${dv.getUint8(4)}, want ${TEE_QUOTE_VERSION}`);
  const teeType = dv.getUint8(5);
  if (TEE_TYPES[teeType] === undefined) throw new TeeQuoteError(`tee_type ${teeType} is not one of ${Object.keys(TEE_TYPES).join(", ")}`);
  const len = dv.getUint32(6);
  if (b.length !== TEE_QUOTE_MIN_BYTES + len) throw new TeeQuoteError(`a quote with ${len} bytes of evidence is ${TEE_QUOTE_MIN_BYTES + len} bytes, got ${b.length}`);
  let o = HEADER;
  const measurement = b.slice(o, (o += TEE_MEASUREMENT_BYTES));
  const reportData = b.slice(o, (o += 32));
  const evidence = b.slice(o, (o += len));
  return { teeType, measurement, reportData, evidence, signature: b.slice(o, o + SIG) };
}
