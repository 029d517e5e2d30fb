/**
 * Summarises a V8 .cpuprofile (node --cpu-prof) by area of the node: each sample's self time goes to the
 * area of its own frame (by source path / function), and app-side work (modules/ code, the app store,
 * tx signatures, protobuf) is refined by the ABCI call it ran for: CheckTx (CheckTx, recheck and the
 * mempool's checkAndAdd), FinalizeBlock, commit, or Simulate.
 *
 * The call is read from the synchronous stack above the sample: the nearest ABCI entry frame
 * (checkTx / checkAndAdd / recheck, finalizeBlock / applyBlock / deliverTx, commit, simulate). runTx
 * is no entry: CheckTx, recheck, simulate and FinalizeBlock all run txs through it, and after its first
 * await (signature verification, message handlers) a sample's stack starts at runTx with its caller
 * lost. Such a sample belongs to the call whose synchronous part ran last before it: the node's
 * AppConn runs one app call at a time (no two interleave at an await), so it takes the call of the
 * latest earlier sample that named one (a commit in between ends that call: the next one that names a
 * call decides). A tx whose synchronous part fell between samples can be counted with the call
 * before it, so the split is exact to about one call at each CheckTx/FinalizeBlock boundary.
 * "app (unattributed)" holds modules/ work that no call names (none in the whole profile, or InitChain).
 *
 *   node test/bench/profileAreas.ts FILE.cpuprofile [TOP]
 */
import { readFileSync } from "node:fs";

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
export interface ProfNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface Profile {
  nodes: ProfNode[];
  samples: number[];
  timeDeltas: number[];
}

export function baseArea(f: CallFrame): string {
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

/** ABCI calls that app work is attributed to. */
type Call = "CheckTx" | "FinalizeBlock" | "commit" | "Simulate";

/** the ABCI call a frame enters, "runTx" for the shared tx runner, else undefined. */
function entryOf(functionName: string): Call | "runTx" | undefined {
  if (/^(checkTx|checkAndAdd|recheck)/i.test(functionName)) return "CheckTx";
  if (/^(finalizeBlock|applyBlock|deliverTx)/i.test(functionName)) return "FinalizeBlock";
  if (/^commit$/i.test(functionName)) return "commit";
  if (/^simulate$/i.test(functionName)) return "Simulate";
  if (/^runTx$/.test(functionName)) return "runTx";
  return undefined;
}

const REFINED = new Set(["app", "app store (IAVL / commit hashing)", "secp256k1 (tx signatures)", "protobuf codec"]);

export function profileAreas(file: string): { totalMs: number; areas: [string, number][]; top: [string, number][] } {
  return profileAreasOf(JSON.parse(readFileSync(file, "utf8")) as Profile);
}

export function profileAreasOf(p: Profile): { totalMs: number; areas: [string, number][]; top: [string, number][] } {
  const byId = new Map<number, ProfNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) byId.set(n.id, n);
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // per profile node: the nearest entry above it (a call), or "runTx" when only the tx runner is (caller lost), or none
  const callOfNode = new Map<number, Call | "runTx" | undefined>();
  const callOf = (id: number): Call | "runTx" | undefined => {
    if (callOfNode.has(id)) return callOfNode.get(id);
    let seenRunTx = false;
    let found: Call | "runTx" | undefined;
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const e = entryOf(byId.get(cur)!.callFrame.functionName);
      if (e === "runTx") seenRunTx = true;
      else if (e !== undefined) {
        found = e;
        break;
      }
    }
    const r = found ?? (seenRunTx ? "runTx" : undefined);
    callOfNode.set(id, r);
    return r;
  };
  // samples in time order: a runTx continuation takes the call of the latest earlier sample naming one;
  // after a commit (no tx runs there) or before any call, the next sample naming a tx call decides
  const n = p.samples.length;
  const call: (Call | undefined)[] = new Array(n).fill(undefined);
  let last: Call | undefined;
  for (let i = 0; i < n; i++) {
    const c = callOf(p.samples[i]!);
    if (c === "runTx") call[i] = last === "commit" ? undefined : last;
    else {
      call[i] = c;
      if (c !== undefined) last = c;
    }
  }
  let next: Call | undefined;
  for (let i = n - 1; i >= 0; i--) {
    const c = callOf(p.samples[i]!);
    if (c !== undefined && c !== "runTx") next = c === "commit" ? undefined : c;
    else if (c === "runTx" && call[i] === undefined) call[i] = next;
  }
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < n; i++) {
    const id = p.samples[i]!;
    const t = p.timeDeltas[i] ?? 0;
    const node = byId.get(id)!;
    let area = baseArea(node.callFrame);
    if (REFINED.has(area)) {
      const c = call[i];
      if (c !== undefined) area = `${c}: ${area}`;
      else if (area === "app") area = "app (unattributed)";
    }
    areas.set(area, (areas.get(area) ?? 0) + t);
    const k = `${node.callFrame.functionName || "(anon)"} ${node.callFrame.url.split("/").slice(-2).join("/")}:${node.callFrame.lineNumber}`;
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
