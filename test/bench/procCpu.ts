/**
 * CPU accounting from /proc for the benchmarks: CPU seconds of a process (or of one thread), per thread
 * name, and the whole machine's busy/idle seconds (to tell how saturated the cores were, and how much
 * of it was load from outside the benchmark). Linux only; NaN / zeros elsewhere.
 */
import { readdirSync, readFileSync } from "node:fs";

const HZ = 100;

/** CPU seconds (user + system) of a process, or of one of its threads (tid = pid: the main thread). */
export function cpuSeconds(pid: number, tid?: number): number {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / HZ;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds per thread name (comm) of a process. */
export function threadCpu(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      out[name] = (out[name] ?? 0) + cpuSeconds(pid, Number(tid));
    }
  } catch {
    // the process is gone
  }
  return out;
}

/** the machine's busy and idle CPU seconds since boot (all cores summed; iowait counts as idle). */
export function machineCpu(): { busy: number; idle: number } {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: (total - idle) / HZ, idle: idle / HZ };
  } catch {
    return { busy: Number.NaN, idle: Number.NaN };
  }
}
