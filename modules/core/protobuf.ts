/**
 * Process-wide fix of cosmjs-types' protobuf writer (imported for its effect by bytes.ts, which every
 * layer loads). `BinaryWriter.alloc` calls `pool(...)` anew on every `finish()`, so each encode
 * allocates a fresh 8 KiB slab and returns a view into it: ~1 µs of zero-filling per encode, and every
 * small encoded value (an account, a balance) pins 8 KiB while it is held (write sets, caches, batches).
 * A plain exact-size Uint8Array gives the same bytes. Pure: no state, no IO.
 */
import { BinaryWriter } from "cosmjs-types/binary";

BinaryWriter.alloc = (size: number): Uint8Array => new Uint8Array(size);
