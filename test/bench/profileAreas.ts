/**
 * Summarises a V8 .cpuprofile (node --cpu-prof) by area of the node: each sample's self time goes to the
 * area of its own frame (by source path / function), with two refinements from the synchronous stack
 * above it: app code (modules/) under a CheckTx frame counts as CheckTx, under FinalizeBlock /
 * applyBlock as FinalizeBlock, under Commit as commit. Async continuations lose their callers, so those
 * refinements are lower bounds; "app (unattributed)" holds the rest of modules/.
 *
 *   node test/bench/profileAreas.ts FILE.cpuprofile [TOP]
 */
import { readFileSync } from "node:fs";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfNode[];
  samples: number[];
  timeDeltas: number[];
}

function baseArea(f: CallFrame): string {
  const u = f.url;
  const fn = f.functionName;
  if (fn === "(garbage collector)") return "GC";
  if (fn === "(idle)") return "idle";
  if (fn === "(program)") return "(program: native / VM)";
  if (/@chainsafe\/libp2p-noise|@noble\/ciphers|chacha|poly1305/i.test(u)) return "libp2p/noise";
  if (/libp2p|@chainsafe|yamux|it-|uint8arraylist|multiformats|@multiformats|protons/i.test(u)) return "libp2p (yamux, streams)";
  if (/secp256k1|ecdsa/i.test(u) || /ecdsaVerify/.test(fn)) return "secp256k1 (tx signatures)";
  if (/@noble\/(curves|ed25519|hashes)|node\/crypto\//.test(u)) return "ed25519/hashes (votes, blocks)";
  if (/classic-level|abstract-level|node\/storage\//.test(u)) return "storage (LevelDB, block/state store, tx index)";
  if (/node\/consensus\/|node\/blocksync\/|node\/p2p\/(?!mempool)/.test(u)) return "consensus/gossip";
  if (/node\/mempool\/|node\/p2p\/mempoolReactor/.test(u)) return "mempool (CheckTx path)";
  if (/node\/rpc\/|node\/rest\//.test(u)) return "RPC";
  if (/node\/execution\/|node\/app\//.test(u)) return "execution (block executor, app conn)";
  if (/\/modules\/core\/store|iavl|merkle/i.test(u)) return "app store (IAVL / commit hashing)";
  if (/\/modules\//.test(u)) return "app";
  if (/cosmjs-types|protobufjs|@bufbuild|proto\/gen/.test(u)) return "protobuf codec";
  if (/pino|sonic-boom/.test(u)) return "logging";
  if (u.startsWith("node:") || u === "") return "node runtime (streams, timers, buffers)";
  return "other";
}

export function profileAreas(file: string): { totalMs: number; areas: [string, number][]; top: [string, number][] } {
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map<number, ProfNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) byId.set(n.id, n);
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  for (const [id, t] of self) {
    const n = byId.get(id)!;
    let area = baseArea(n.callFrame);
    if (area === "app" || area === "app store (IAVL / commit hashing)" || area === "secp256k1 (tx signatures)" || area === "protobuf codec") {
      // refine by the synchronous callers
      for (let cur = parent.get(id); cur !== undefined; cur = parent.get(cur)) {
        const fn = byId.get(cur)!.callFrame.functionName;
        if (/^(checkTx|checkAndAdd|recheck)/i.test(fn)) {
          area = `CheckTx: ${area}`;
          break;
        }
        if (/^(finalizeBlock|applyBlock|deliverTx|runTx)/i.test(fn)) {
          area = `FinalizeBlock: ${area}`;
          break;
        }
        if (/^commit$/i.test(fn)) {
          area = `commit: ${area}`;
          break;
        }
      }
    }
    areas.set(area, (areas.get(area) ?? 0) + t);
    const k = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").slice(-2).join("/")}:${n.callFrame.lineNumber}`;
    fns.set(k, (fns.get(k) ?? 0) + t);
    total += t;
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / 1000] as [string, number]);
  return { totalMs: total / 1000, areas: sorted(areas), top: sorted(fns).slice(0, 15) };
}

export function summarizeProfile(file: string, top = 12): string {
  const r = profileAreas(file);
  const busy = r.totalMs - (r.areas.find(([k]) => k === "idle")?.[1] ?? 0);
  const lines = [`total ${r.totalMs.toFixed(0)} ms sampled, busy ${busy.toFixed(0)} ms`];
  for (const [k, ms] of r.areas) lines.push(`${ms.toFixed(0).padStart(8)} ms ${((100 * ms) / r.totalMs).toFixed(1).padStart(5)}%  ${k}`);
  lines.push("top self time:");
  for (const [k, ms] of r.top.slice(0, top)) lines.push(`${ms.toFixed(0).padStart(8)} ms  ${k}`);
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(summarizeProfile(process.argv[2]!, Number(process.argv[3] ?? 12)));
}
