/**
 * Cosmos pagination (types/query/pagination.go) over an ordered prefix of a store: either a `key` to
 * resume from (next_key of the previous page) or an `offset`; default limit 100; `count_total` with offsets.
 */
import type { PageRequest, PageResponse } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import type { Bytes } from "./abci.ts";
import { concat } from "./bytes.ts";
import { grpcError } from "./errors.ts";
import type { IterateOptions, KVStoreReader } from "./store/types.ts";

export const DEFAULT_PAGE_LIMIT = 100n;
export const MAX_PAGE_LIMIT = 1000n;

export interface Page<T> {
  items: T[];
  pagination: PageResponse;
}

/**
 * Pages the entries under `prefix`; `map` turns (key after prefix, value) into an item or null to skip it
 * (skipped entries still count towards offsets, as in the SDK's FilteredPaginate they do not: we keep it simple).
 */
export async function paginate<T>(store: KVStoreReader, prefix: Bytes, req: PageRequest | undefined, map: (key: Bytes, value: Bytes) => T | null): Promise<Page<T>> {
  const key = req?.key ?? new Uint8Array(0);
  const offset = req?.offset ?? 0n;
  let limit = req?.limit ?? 0n;
  const reverse = req?.reverse ?? false;
  if (key.length > 0 && offset > 0n) throw grpcError("InvalidArgument", "invalid request, either offset or key is expected, got both");
  if (limit === 0n) limit = DEFAULT_PAGE_LIMIT;
  if (limit > MAX_PAGE_LIMIT) limit = MAX_PAGE_LIMIT;
  const countTotal = (req?.countTotal ?? false) && key.length === 0;
  const opts: IterateOptions = { prefix, reverse };
  if (key.length > 0) {
    if (reverse) opts.lt = concat(prefix, key, Uint8Array.of(0));
    else opts.gte = concat(prefix, key);
  }
  const items: T[] = [];
  let nextKey: Bytes = new Uint8Array(0);
  let seen = 0n;
  let total = 0n;
  for await (const [k, v] of store.iterate(opts)) {
    const rel = k.subarray(prefix.length);
    const it = map(rel, v);
    if (it === null) continue;
    seen++;
    if (key.length === 0 && seen <= offset) {
      total++;
      continue;
    }
    if (BigInt(items.length) < limit) {
      items.push(it);
      total++;
      continue;
    }
    if (nextKey.length === 0) nextKey = Uint8Array.from(rel);
    total++;
    if (!countTotal) break;
  }
  return { items, pagination: { nextKey, total: countTotal ? total : 0n } };
}
