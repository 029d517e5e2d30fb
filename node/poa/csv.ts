/**
 * CSV for the offline PoA tools: RFC 4180 parsing (quotes, "" escapes, CRLF), the data-point table of
 * `openledgerd poa value` (a header row, a `label` column, an optional `contributor` column, every
 * other column a numeric feature) and writing.
 */

export class CsvError extends Error {}

/** rows of fields; a trailing newline does not make an empty row. */
export function parseCsv(text: string, name = "CSV"): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let i = 0;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  let any = false;
  for (; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === "\n") line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"') {
      if (field.length > 0) throw new CsvError(`${name}: line ${line}: a quote inside an unquoted field`);
      quoted = true;
      any = true;
    } else if (ch === ",") {
      row.push(field);
      field = "";
      any = true;
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      any = false;
      line++;
    } else {
      field += ch;
      any = true;
    }
  }
  if (quoted) throw new CsvError(`${name}: unterminated quoted field`);
  if (any || field.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ""));
}

export interface PoaTable {
  readonly name: string;
  readonly featureNames: string[];
  readonly n: number;
  readonly d: number;
  /** n·d row-major. */
  readonly features: Float64Array;
  readonly labels: string[];
  /** the `contributor` column, or null when there is none. */
  readonly contributors: string[] | null;
}

/** parses a data-point table; every error names the file, line and column. */
export function readPoaTable(text: string, name: string): PoaTable {
  const rows = parseCsv(text, name);
  const header = rows[0];
  if (header === undefined) throw new CsvError(`${name}: empty file (expected a header row with a "label" column)`);
  const cols = header.map((h) => h.trim());
  const seen = new Set<string>();
  for (const c of cols) {
    if (c === "") throw new CsvError(`${name}: the header has an empty column name`);
    if (seen.has(c)) throw new CsvError(`${name}: duplicate column "${c}" in the header`);
    seen.add(c);
  }
  const li = cols.indexOf("label");
  if (li < 0) throw new CsvError(`${name}: no "label" column in the header (${cols.join(",")})`);
  const ci = cols.indexOf("contributor");
  const fi = cols.map((_, i) => i).filter((i) => i !== li && i !== ci);
  if (fi.length === 0) throw new CsvError(`${name}: no feature columns (every column other than label and contributor is a numeric feature)`);
  const n = rows.length - 1;
  if (n === 0) throw new CsvError(`${name}: no data rows`);
  const d = fi.length;
  const features = new Float64Array(n * d);
  const labels: string[] = [];
  const contributors: string[] | null = ci >= 0 ? [] : null;
  for (let r = 1; r <= n; r++) {
    const row = rows[r] as string[];
    if (row.length !== cols.length) throw new CsvError(`${name}: line ${r + 1}: ${row.length} fields, the header has ${cols.length}`);
    const y = (row[li] as string).trim();
    if (y === "") throw new CsvError(`${name}: line ${r + 1}: empty label`);
    labels.push(y);
    if (contributors !== null) contributors.push((row[ci] as string).trim());
    for (let c = 0; c < d; c++) {
      const col = fi[c] as number;
      const s = (row[col] as string).trim();
      const v = s === "" ? Number.NaN : Number(s);
      if (!Number.isFinite(v)) throw new CsvError(`${name}: line ${r + 1}, column "${cols[col]}": "${s}" is not a finite number`);
      features[(r - 1) * d + c] = v;
    }
  }
  return { name, featureNames: fi.map((i) => cols[i] as string), n, d, features, labels, contributors };
}

function quoteField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV text with a header, "\n" line ends and a final newline. */
export function writeCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [header.map(quoteField).join(",")];
  for (const r of rows) lines.push(r.map(quoteField).join(","));
  return `${lines.join("\n")}\n`;
}

/** a float with 17 significant digits (round-trips exactly; at least the 15 the CLI promises). */
export function formatValue(v: number): string {
  if (v === 0) return "0";
  return v.toPrecision(17);
}
