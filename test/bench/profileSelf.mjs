// Summarises a V8 .cpuprofile by self time: node test/bench/profileSelf.mjs FILE [N]
import fs from "node:fs";
const f = process.argv[2];
const p = JSON.parse(fs.readFileSync(f));
const self = new Map(); const byId = new Map();
for (const n of p.nodes) byId.set(n.id, n);
const dt = p.timeDeltas; const samples = p.samples;
const cnt = new Map();
for (let i = 0; i < samples.length; i++) cnt.set(samples[i], (cnt.get(samples[i]) ?? 0) + (dt[i] ?? 0));
let total = 0;
for (const [id, t] of cnt) { const n = byId.get(id); const k = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").slice(-2).join("/")}:${n.callFrame.lineNumber}`; self.set(k, (self.get(k) ?? 0) + t); total += t; }
console.log("total ms", (total/1000).toFixed(0));
for (const [k, t] of [...self].sort((a,b)=>b[1]-a[1]).slice(0, Number(process.argv[3] ?? 30))) console.log((t/1000).toFixed(0).padStart(7), (100*t/total).toFixed(1).padStart(5)+"%", k);
