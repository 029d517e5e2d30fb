/**
 * Compares CPU profiles of two kinds of node (e.g. the localnet's validators vs the single node) per tx:
 * each profile is cut to a time window (CLOCK_MONOTONIC µs, as the benches print: `bench localnet:
 * saturation window T0 T1`, `bench bank-send: window T0 T1 txs N`); with several profiles of a kind,
 * their mean. Sampled times inflate when a process waits for a core (the sampler charges the wall time
 * since the last sample to the running frame, ×4-5 with 4 validators on 2 cores), so each side's busy
 * samples are counted (not timed) and scaled to its measured main-thread CPU per tx (MAIN_US, from the
 * bench's node_main_thread_cpu_ms_per_tx): an area's µs/tx = its share of busy samples × MAIN_US.
 * Prints areas (profileAreas.ts) and functions, A vs B in µs per tx, sorted by the difference.
 *
 *   node test/bench/profileDiff.ts A.cpuprofile[,A2,...] T0 T1 MAIN_US B.cpuprofile[,...] T0 T1 MAIN_US [TOP]
 */
import { readFileSync } from "node:fs";
import { baseArea, type Profile, profileAreasOf } from "./profileAreas.ts";

interface Side {
  areas: Map<string, number>;
  fns: Map<string, number>;
  busy: number;
  idle: number;
}

/** the samples in [t0, t1], each weighted 1 (counted, not timed). */
function cut(p: Profile & { startTime: number }, t0: number, t1: number): Profile {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (t < t0 || t > t1) continue;
    samples.push(p.samples[i]!);
    timeDeltas.push(1);
  }
  return { nodes: p.nodes, samples, timeDeltas };
}

function side(files: string[], t0: number, t1: number, mainUs: number): Side {
  const out: Side = { areas: new Map(), fns: new Map(), busy: 0, idle: 0 };
  for (const f of files) {
    const p = cut(JSON.parse(readFileSync(f, "utf8")), t0, t1);
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const busy = p.samples.filter((id) => byId.get(id)!.callFrame.functionName !== "(idle)").length;
    const w = mainUs / (files.length * Math.max(1, busy)); // µs per busy sample (profileAreasOf: ms = samples / 1000)
    const r = profileAreasOf(p);
    for (const [k, ms] of r.areas) {
      if (k === "idle") out.idle += ms * 1000 * w;
      else {
        out.areas.set(k, (out.areas.get(k) ?? 0) + ms * 1000 * w);
        out.busy += ms * 1000 * w;
      }
    }
    for (let i = 0; i < p.samples.length; i++) {
      const n = byId.get(p.samples[i]!)!;
      const f2 = n.callFrame;
      if (f2.functionName === "(idle)") continue;
      const k = `${f2.functionName || "(anon)"} ${f2.url.split("/").slice(-2).join("/")}:${f2.lineNumber} [${baseArea(f2)}]`;
      out.fns.set(k, (out.fns.get(k) ?? 0) + w);
    }
  }
  return out;
}

function table(title: string, a: Map<string, number>, b: Map<string, number>, ab: number, bb: number, top: number): string {
  const keys = new Set([...a.keys(), ...b.keys()]);
  const rows = [...keys].map((k) => [k, a.get(k) ?? 0, b.get(k) ?? 0] as const).sort((x, y) => Math.abs(y[1] - y[2]) - Math.abs(x[1] - x[2]));
  const lines = [`${title}: µs/tx A (share) | B (share) | A−B`];
  for (const [k, x, y] of rows.slice(0, top)) {
    lines.push(`${x.toFixed(1).padStart(8)} ${((100 * x) / ab).toFixed(1).padStart(5)}% | ${y.toFixed(1).padStart(8)} ${((100 * y) / bb).toFixed(1).padStart(5)}% | ${(x - y).toFixed(1).padStart(7)}  ${k}`);
  }
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [af, a0, a1, an, bf, b0, b1, bn, top] = process.argv.slice(2);
  const A = side(af!.split(","), Number(a0), Number(a1), Number(an));
  const B = side(bf!.split(","), Number(b0), Number(b1), Number(bn));
  console.log(`main-thread µs/tx: A ${A.busy.toFixed(1)}, B ${B.busy.toFixed(1)}, A−B ${(A.busy - B.busy).toFixed(1)} (idle samples: A ${A.idle.toFixed(1)}, B ${B.idle.toFixed(1)} on the same scale)`);
  console.log(table("areas", A.areas, B.areas, A.busy, B.busy, 40));
  console.log(table("functions", A.fns, B.fns, A.busy, B.busy, Number(top ?? 60)));
}
