/**
 * SigVerifyPool: secp256k1 signatures of incoming txs verified on worker threads (the second core)
 * before the txs reach the app's serialised queue.
 *
 * - The mempool calls `preverify(tx)` when a tx arrives; txs submitted in the same turn of the event loop
 *   go to a worker in one message. The promise resolves (never rejects) when the worker answered, or at
 *   once when the workers are backlogged (then the main thread verifies, as without the pool).
 * - A worker verifies a signature only when it knows the signer's account number (the sign bytes need
 *   it). The app tells the verifier through the SigVerifier hint `noteAccount(pubkey, accountNumber)`
 *   during CheckTx; the pool forwards new pairs to every worker, so a sender's later txs verify off the
 *   main thread.
 * - `verifier` is the SigVerifier injected into the app: a (signature, hash, pubkey) triple the workers
 *   verified answers true from the "pre-verified" set (each entry used once); anything else is verified
 *   on the main thread by the native binding. Verdicts are the same either way: the workers run the same
 *   native verification with the same low-S rule, and a hit needs the exact same hash and key.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { Bytes } from "../../modules/core/abci.ts";
import { equal, toKeyString } from "../../modules/core/bytes.ts";
import { createNativeSecp256k1Verifier, type Secp256k1Verifier } from "./secp256k1Native.ts";
import { KeyOrder } from "../util/keyOrder.ts";

const TRIPLE_BYTES = 129;

export interface PreverifyingSigVerifier extends Secp256k1Verifier {
  /** hint from the app: the signer with this key has this account number (never changes a verdict). */
  noteAccount(pubkey33: Bytes, accountNumber: bigint): void;
}

export interface SigVerifyPoolOptions {
  chainId: string;
  /** worker threads (default: available cores − 1, at least 1; 0 disables the pool). */
  workers?: number;
  /** txs waiting at the workers beyond which new txs are not sent (the main thread verifies them). */
  maxQueued?: number;
  /** pre-verified triples kept at most (oldest dropped). */
  maxVerified?: number;
}

interface Pending {
  tx: Bytes;
  resolve: () => void;
}

interface WorkerSlot {
  worker: Worker;
  queued: number;
}

export class SigVerifyPool {
  readonly verifier: PreverifyingSigVerifier;
  private readonly workers: WorkerSlot[] = [];
  private readonly inner: Secp256k1Verifier;
  private readonly maxQueued: number;
  private readonly maxVerified: number;
  /** signature (latin1) → the hash and key it verified against. */
  private readonly verified = new Map<string, { hash: Bytes; pub: Bytes; stamp: number }>();
  /** insertion order of `verified` (O(1) eviction of the oldest: node/util/keyOrder.ts). */
  private readonly verifiedOrder = new KeyOrder();
  private readonly verifiedStamp = (k: string): number | undefined => this.verified.get(k)?.stamp;
  private readonly accounts = new Map<string, bigint>();
  private newAccounts: [string, string][] = [];
  private pending: Pending[] = [];
  private flushScheduled = false;
  private readonly inFlight = new Map<number, { slot: WorkerSlot; items: Pending[] }>();
  private nextId = 1;
  private closed = false;
  /** counters (tests, logs). */
  hits = 0;
  misses = 0;

  constructor(opts: SigVerifyPoolOptions) {
    this.inner = createNativeSecp256k1Verifier();
    this.maxQueued = opts.maxQueued ?? 4096;
    this.maxVerified = opts.maxVerified ?? 65_536;
    const n = opts.workers ?? Math.max(1, availableParallelism() - 1);
    for (let i = 0; i < n; i++) {
      const worker = new Worker(new URL("./sigWorker.ts", import.meta.url), { workerData: { chainId: opts.chainId } });
      worker.unref();
      const slot: WorkerSlot = { worker, queued: 0 };
      worker.on("message", (m: { id: number; out: ArrayBuffer }) => this.onResult(m));
      worker.on("error", () => this.dropWorker(slot));
      worker.on("exit", () => this.dropWorker(slot));
      this.workers.push(slot);
    }
    const self = this;
    this.verifier = {
      native: this.inner.native,
      verify(pub33, hash32, sig64) {
        if (sig64.length === 64 && self.verified.size > 0) {
          const k = toKeyString(sig64);
          const hit = self.verified.get(k);
          if (hit !== undefined && equal(hit.hash, hash32) && equal(hit.pub, pub33)) {
            self.verified.delete(k);
            self.hits++;
            return true;
          }
        }
        self.misses++;
        return self.inner.verify(pub33, hash32, sig64);
      },
      noteAccount(pub33, accountNumber) {
        if (self.workers.length === 0 || pub33.length !== 33) return;
        const k = toKeyString(pub33);
        if (self.accounts.get(k) === accountNumber) return;
        if (self.accounts.size >= 1_000_000) self.accounts.clear();
        self.accounts.set(k, accountNumber);
        self.newAccounts.push([k, accountNumber.toString()]);
      },
    };
  }

  get size(): number {
    return this.workers.length;
  }

  /** resolves once the workers have tried `tx`'s signatures (or at once when they cannot take it). */
  preverify(tx: Bytes): Promise<void> {
    if (this.closed || this.workers.length === 0 || this.accounts.size === 0) return Promise.resolve();
    let queued = this.pending.length;
    for (const w of this.workers) queued += w.queued;
    if (queued >= this.maxQueued * this.workers.length) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.pending.push({ tx, resolve });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const items = this.pending;
    this.pending = [];
    if (items.length === 0) return;
    if (this.closed || this.workers.length === 0) {
      for (const p of items) p.resolve();
      return;
    }
    if (this.newAccounts.length > 0) {
      const accounts = this.newAccounts;
      this.newAccounts = [];
      for (const w of this.workers) w.worker.postMessage({ accounts });
    }
    let slot = this.workers[0] as WorkerSlot;
    for (const w of this.workers) if (w.queued < slot.queued) slot = w;
    let total = 0;
    for (const p of items) total += p.tx.length;
    const buf = new Uint8Array(total);
    const ends = new Uint32Array(items.length);
    let at = 0;
    for (let i = 0; i < items.length; i++) {
      const tx = (items[i] as Pending).tx;
      buf.set(tx, at);
      at += tx.length;
      ends[i] = at;
    }
    const id = this.nextId++;
    slot.queued += items.length;
    this.inFlight.set(id, { slot, items });
    slot.worker.postMessage({ id, buf: buf.buffer, ends }, [buf.buffer, ends.buffer]);
  }

  private onResult(m: { id: number; out: ArrayBuffer }): void {
    const f = this.inFlight.get(m.id);
    if (f === undefined) return;
    this.inFlight.delete(m.id);
    f.slot.queued -= f.items.length;
    const out = new Uint8Array(m.out);
    for (let at = 0; at + TRIPLE_BYTES <= out.length; at += TRIPLE_BYTES) {
      if (this.verified.size >= this.maxVerified) {
        const oldest = this.verifiedOrder.shift(this.verifiedStamp);
        if (oldest !== undefined) this.verified.delete(oldest);
      }
      const k = toKeyString(out.subarray(at, at + 64));
      this.verified.set(k, { hash: out.subarray(at + 64, at + 96), pub: out.subarray(at + 96, at + TRIPLE_BYTES), stamp: this.verifiedOrder.push(k) });
      this.verifiedOrder.compact(this.verified.size, this.verifiedStamp);
    }
    for (const p of f.items) p.resolve();
  }

  private dropWorker(slot: WorkerSlot): void {
    const i = this.workers.indexOf(slot);
    if (i < 0) return;
    this.workers.splice(i, 1);
    for (const [id, f] of this.inFlight) {
      if (f.slot !== slot) continue;
      this.inFlight.delete(id);
      for (const p of f.items) p.resolve();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending) p.resolve();
    this.pending = [];
    const slots = [...this.workers];
    for (const s of slots) this.dropWorker(s);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
