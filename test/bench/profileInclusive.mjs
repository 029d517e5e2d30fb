// Summarises a V8 .cpuprofile by inclusive time: node test/bench/profileInclusive.mjs FILE [REGEX]
import fs from "node:fs";
const p = JSON.parse(fs.readFileSync(process.argv[2]));
const byId = new Map(); for (const n of p.nodes) byId.set(n.id, n);
const parent = new Map(); for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const selfT = new Map(); for (let i = 0; i < p.samples.length; i++) selfT.set(p.samples[i], (selfT.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const incl = new Map();
for (const [id, t] of selfT) {
  const seen = new Set(); let cur = id;
  while (cur !== undefined) { const n = byId.get(cur); const k = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").slice(-2).join("/")}:${n.callFrame.lineNumber}`; if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) ?? 0) + t); } cur = parent.get(cur); }
}
const pat = new RegExp(process.argv[3] ?? ".");
for (const [k, t] of [...incl].sort((a,b)=>b[1]-a[1]).filter(([k])=>pat.test(k)).slice(0, 45)) console.log((t/1000).toFixed(0).padStart(7), k);
