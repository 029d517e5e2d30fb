/**
 * Length-prefixed framing on a byte stream: each frame is uvarint(len) ‖ payload (protobuf's
 * delimited form, as CometBFT's protoio writes it). The decoder checks the announced length against
 * the channel's maximum before buffering a single payload byte, so an oversize frame costs the
 * receiver nothing; a length prefix longer than 5 bytes (≥ 2^35) is malformed.
 */
export const MAX_VARINT_BYTES = 5;

export function uvarintSize(n: number): number {
  let s = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    s++;
  }
  return s;
}

/** uvarint(len(payload)) ‖ payload, in one buffer. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  let n = payload.length;
  const out = new Uint8Array(uvarintSize(n) + n);
  let i = 0;
  while (n >= 0x80) {
    out[i++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[i++] = n;
  out.set(payload, i);
  return out;
}

export type FrameErrorKind = "oversize" | "malformed";

export class FrameError extends Error {
  readonly kind: FrameErrorKind;
  readonly size: number;
  constructor(kind: FrameErrorKind, message: string, size = 0) {
    super(message);
    this.name = "FrameError";
    this.kind = kind;
    this.size = size;
  }
}

/**
 * Incremental decoder: push chunks, get whole frames (each a fresh copy, so a retained message never
 * pins a large network buffer). After a FrameError the decoder is poisoned: the stream must be reset.
 */
export class FrameDecoder {
  private readonly max: number;
  private lenValue = 0;
  private lenShift = 1;
  private lenBytes = 0;
  private body: Uint8Array | undefined;
  private filled = 0;
  private failed: FrameError | undefined;

  constructor(maxFrameBytes: number) {
    this.max = maxFrameBytes;
  }

  /** the frames completed by this chunk; throws FrameError on an oversize or malformed prefix. */
  push(chunk: Uint8Array | Iterable<Uint8Array>): Uint8Array[] {
    if (this.failed !== undefined) throw this.failed;
    const out: Uint8Array[] = [];
    if (chunk instanceof Uint8Array) {
      this.pushBytes(chunk, out);
    } else {
      for (const part of chunk) this.pushBytes(part, out);
    }
    return out;
  }

  /** bytes of a partial frame held. */
  get buffered(): number {
    return this.body === undefined ? this.lenBytes : this.filled;
  }

  private fail(e: FrameError): never {
    this.failed = e;
    throw e;
  }

  private pushBytes(b: Uint8Array, out: Uint8Array[]): void {
    let i = 0;
    const n = b.length;
    while (i < n) {
      if (this.body === undefined) {
        const byte = b[i++] as number;
        this.lenValue += (byte & 0x7f) * this.lenShift;
        this.lenShift *= 128;
        this.lenBytes++;
        if (byte & 0x80) {
          if (this.lenBytes >= MAX_VARINT_BYTES) this.fail(new FrameError("malformed", "frame length prefix too long"));
          if (this.lenValue > this.max) this.fail(new FrameError("oversize", `frame of ≥ ${this.lenValue} bytes exceeds ${this.max}`, this.lenValue));
          continue;
        }
        const len = this.lenValue;
        this.lenValue = 0;
        this.lenShift = 1;
        this.lenBytes = 0;
        if (len > this.max) this.fail(new FrameError("oversize", `frame of ${len} bytes exceeds ${this.max}`, len));
        if (len === 0) {
          out.push(new Uint8Array(0));
          continue;
        }
        if (n - i >= len) {
          out.push(b.slice(i, i + len));
          i += len;
          continue;
        }
        this.body = new Uint8Array(len);
        this.filled = 0;
      } else {
        const take = Math.min(this.body.length - this.filled, n - i);
        this.body.set(b.subarray(i, i + take), this.filled);
        this.filled += take;
        i += take;
        if (this.filled === this.body.length) {
          out.push(this.body);
          this.body = undefined;
          this.filled = 0;
        }
      }
    }
  }
}
