/** The node's blob service: the RPC's BlobView over the local store, with peer fetch when the node has p2p. */
import type { BlobView } from "../rpc/env.ts";
import { BlobNotFoundError, type BlobExchange } from "./exchange.ts";
import type { BlobStore } from "./store.ts";

export class BlobService implements BlobView {
  readonly store: BlobStore;
  private exchange: BlobExchange | undefined;

  constructor(store: BlobStore, exchange?: BlobExchange) {
    this.store = store;
    this.exchange = exchange;
  }

  get maxBytes(): number {
    return this.store.maxBytes;
  }

  /** the peer exchange (BFT nodes; a single-validator dev chain has no peers). */
  setExchange(exchange: BlobExchange | undefined): void {
    this.exchange = exchange;
  }

  put(bytes: Uint8Array): Promise<string> {
    return this.store.put(bytes);
  }

  async get(hash: string): Promise<Uint8Array | undefined> {
    if (this.exchange === undefined) return this.store.get(hash);
    try {
      return await this.exchange.fetch(hash);
    } catch (e: unknown) {
      if (e instanceof BlobNotFoundError) return undefined;
      throw e;
    }
  }
}
