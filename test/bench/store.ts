/**
 * Store benchmark: a 200k-key state tree on LevelDB (built untimed), then blocks of 20k dirty keys
 * (half new, half updated): raw working-layer puts/s, workingRoot() (hash the dirty paths) and
 * commit() (one synced LevelDB batch). Run: node test/bench/store.ts [--keys N] [--dirty N] [--blocks N]
 * Ends with one line: BENCH {"name":"store-commit","value":<dirty keys/s>,"unit":"keys/s",...}
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { sha256 } from "../../modules/core/hash.ts";
import { createCommitStore } from "../../modules/core/store/commitStore.ts";
import type { CommitStore } from "../../modules/core/store/types.ts";
import { MemoryBackend } from "../../modules/core/store/memory.ts";
import type { KvBackend } from "../../modules/core/store/types.ts";
import { openLevelBackend } from "../../node/storage/levelBackend.ts";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const N_KEYS = arg("keys", 200_000);
const N_DIRTY = arg("dirty", 20_000);
const BLOCKS = arg("blocks", 5);
/** --memory: MemoryBackend instead of LevelDB (isolates the tree's own cost). */
const MEMORY = process.argv.includes("--memory");

/** a bank-balance-like key: 0x02 || len || 20-byte address || denom. */
function key(i: number): Uint8Array {
  const k = new Uint8Array(1 + 1 + 20 + 5);
  k[0] = 0x02;
  k[1] = 20;
  const v = new DataView(k.buffer);
  v.setUint32(2, i);
  v.setUint32(6, Math.imul(i, 2654435761) >>> 0);
  k.set([0x75, 0x6f, 0x70, 0x65, 0x6e], 22); // "uopen"
  return k;
}
function value(i: number, round: number): Uint8Array {
  const out = new Uint8Array(24);
  new DataView(out.buffer).setUint32(0, i ^ (round * 7919));
  out[23] = round;
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "olstore-bench-"));
  try {
    const mem = new MemoryBackend();
    mem.close = async () => {};
    const open = async (): Promise<KvBackend> => (MEMORY ? mem : openLevelBackend(dir));
    let store: CommitStore = await createCommitStore(await open());
    const t0 = performance.now();
    const chunk = 50_000;
    for (let i = 0; i < N_KEYS; i += chunk) {
      const w = store.working();
      for (let j = i; j < Math.min(N_KEYS, i + chunk); j++) w.set(key(j), value(j, 0));
      await store.commit(store.version + 1n);
    }
    const buildS = (performance.now() - t0) / 1000;
    console.log(`built ${N_KEYS} keys in ${buildS.toFixed(2)} s (${Math.round(N_KEYS / buildS)} keys/s incl. LevelDB)`);

    // hash cost on this machine: 65-byte inner preimage
    const buf = new Uint8Array(65);
    const HN = 200_000;
    let th = performance.now();
    for (let i = 0; i < HN; i++) {
      buf[1] = i & 255;
      sha256(buf);
    }
    const hashUs = ((performance.now() - th) * 1000) / HN;

    let nextNew = N_KEYS;
    const rows: Array<{ put: number; root: number; commit: number; rootCpu: number; commitCpu: number }> = [];
    const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
    for (let b = 0; b < BLOCKS + 1; b++) {
      if (b === BLOCKS) {
        // last block after a restart: cold node cache
        await store.close();
        store = await createCommitStore(await open());
      }
      const keys: Uint8Array[] = [];
      const vals: Uint8Array[] = [];
      for (let i = 0; i < N_DIRTY / 2; i++) {
        keys.push(key(nextNew));
        vals.push(value(nextNew++, b + 1));
        const u = (Math.imul(i + b * 100_003, 2654435761) >>> 0) % N_KEYS; // scattered updates
        keys.push(key(u));
        vals.push(value(u, b + 1));
      }
      const w = store.working();
      let t = performance.now();
      for (let i = 0; i < keys.length; i++) w.set(keys[i] as Uint8Array, vals[i] as Uint8Array);
      const put = performance.now() - t;
      t = performance.now();
      let c = process.cpuUsage();
      store.workingRoot();
      const root = performance.now() - t;
      const rootCpu = cpuMs(process.cpuUsage(c));
      t = performance.now();
      c = process.cpuUsage();
      await store.commit(store.version + 1n);
      const commit = performance.now() - t;
      const commitCpu = cpuMs(process.cpuUsage(c));
      rows.push({ put, root, commit, rootCpu, commitCpu });
      console.log(
        `${b === BLOCKS ? "cold " : "warm "}block ${b}: ${keys.length} puts ${put.toFixed(1)} ms, workingRoot ${root.toFixed(1)} ms (cpu ${rootCpu.toFixed(0)}), commit ${commit.toFixed(1)} ms (cpu ${commitCpu.toFixed(0)}, all threads)`,
      );
    }
    await store.close();

    const warm = rows.slice(0, BLOCKS);
    const cold = rows[BLOCKS]!;
    const rootMs = median(warm.map((r) => r.root));
    const commitMs = median(warm.map((r) => r.commit));
    const putMs = median(warm.map((r) => r.put));
    const keysPerS = Math.round(N_DIRTY / ((rootMs + commitMs) / 1000));
    // hashes per block: ~3 per dirty key (key, value, leaf) + one per rebuilt inner node
    const depth = Math.log2(N_KEYS + N_DIRTY * BLOCKS);
    const innerEstimate = Math.round(N_DIRTY * Math.max(0, depth - Math.log2(N_DIRTY)) + 2 * N_DIRTY);
    const hashEstimate = 3 * N_DIRTY + innerEstimate;
    const hashMs = (hashEstimate * hashUs) / 1000;
    console.log(
      `sha256 ${hashUs.toFixed(2)} µs/hash; ~${hashEstimate} hashes/block ≈ ${hashMs.toFixed(0)} ms of ${rootMs.toFixed(0)} ms workingRoot (${Math.round((100 * hashMs) / rootMs)}%)`,
    );
    console.log(
      `BENCH ${JSON.stringify({
        name: MEMORY ? "store-commit-memory" : "store-commit",
        value: keysPerS,
        unit: "keys/s",
        tree_keys: N_KEYS,
        dirty_keys: N_DIRTY,
        working_root_ms: +rootMs.toFixed(1),
        commit_ms: +commitMs.toFixed(1),
        working_root_cpu_ms: +median(warm.map((r) => r.rootCpu)).toFixed(1),
        commit_cpu_ms: +median(warm.map((r) => r.commitCpu)).toFixed(1),
        load_avg_1m: +(await import("node:os")).loadavg()[0]!.toFixed(1),
        cold_working_root_ms: +cold.root.toFixed(1),
        cold_commit_ms: +cold.commit.toFixed(1),
        raw_puts_per_s: Math.round(N_DIRTY / (putMs / 1000)),
        sha256_us: +hashUs.toFixed(2),
        hash_share_estimate: +(hashMs / rootMs).toFixed(2),
        baseline: 4600,
        baseline_note: "@ethereumjs/mpt in-memory puts/s (DESIGN.md)",
        ratio: +(keysPerS / 4600).toFixed(2),
      })}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
