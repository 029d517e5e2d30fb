/**
 * The `make bench` chart: one horizontal bar per result, its ratio to the baseline measured in the
 * same run, on a log scale around 1 (the baseline). Results without a ratio are listed as such.
 * Plain SVG text (no dependencies); written to bench-results/ratios.svg by run.ts.
 */
export interface BenchResult {
  name?: string;
  value?: number;
  unit?: string;
  baseline?: number | null;
  ratio?: number | null;
  baseline_name?: string;
  [k: string]: unknown;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] as string);

export function ratioChart(results: BenchResult[], title = "make bench: ratio to the baseline measured in the same run (log scale)"): string {
  const rows = results.map((r, i) => ({ name: String(r.name ?? `result ${i + 1}`), ratio: typeof r.ratio === "number" && r.ratio > 0 ? r.ratio : undefined, r }));
  const logs = rows.filter((x) => x.ratio !== undefined).map((x) => Math.log10(x.ratio as number));
  const lo = Math.floor(Math.min(0, ...logs) - 0.01);
  const hi = Math.ceil(Math.max(0, ...logs) + 0.01);
  const W = 1000, L = 260, R = 250, T = 40, rowH = 22, B = 30;
  const H = T + Math.max(1, rows.length) * rowH + B;
  const x = (lg: number) => L + ((lg - lo) / Math.max(1, hi - lo)) * (W - L - R);
  const parts: string[] = [];
  parts.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-weight="bold">${esc(title)}</text>`);
  for (let d = lo; d <= hi; d++) {
    parts.push(`<line x1="${x(d)}" y1="${T - 6}" x2="${x(d)}" y2="${H - B}" stroke="${d === 0 ? "#333" : "#ddd"}"/>`);
    parts.push(`<text x="${x(d)}" y="${H - B + 16}" text-anchor="middle" fill="#666">${d === 0 ? "1× (baseline)" : `${10 ** d >= 1 ? 10 ** d : (10 ** d).toPrecision(1)}×`}</text>`);
  }
  rows.forEach((row, i) => {
    const y = T + i * rowH;
    parts.push(`<text x="${L - 8}" y="${y + 15}" text-anchor="end">${esc(row.name)}</text>`);
    if (row.ratio === undefined) {
      parts.push(`<text x="${x(0) + 6}" y="${y + 15}" fill="#999">no baseline${row.r.value !== undefined ? ` (${row.r.value} ${esc(String(row.r.unit ?? ""))})` : ""}</text>`);
      return;
    }
    const lg = Math.log10(row.ratio);
    const x0 = Math.min(x(0), x(lg));
    const w = Math.max(1, Math.abs(x(lg) - x(0)));
    parts.push(`<rect x="${x0}" y="${y + 4}" width="${w}" height="${rowH - 8}" fill="${row.ratio >= 1 ? "#2a9d8f" : "#e07b39"}"><title>${esc(`${row.name}: ${row.ratio} (${row.r.value} ${row.r.unit ?? ""} vs ${row.r.baseline} ${row.r.baseline_name ?? ""})`)}</title></rect>`);
    const p99 = typeof row.r.p99Ms === "number" ? `, p99 ${row.r.p99Ms} ms` : "";
    parts.push(`<text x="${W - R + 8}" y="${y + 15}">${row.ratio.toPrecision(3)}× (${esc(String(row.r.value ?? ""))} ${esc(String(row.r.unit ?? ""))}${p99})</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="#fff"/>${parts.join("")}</svg>\n`;
}
