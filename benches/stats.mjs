// Small statistics and formatting helpers shared by the bench sections.

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function min(xs) {
  return Math.min(...xs);
}

/** Rounds to `digits` significant digits, for JSON that stays readable. */
export function round(x, digits = 4) {
  if (!Number.isFinite(x) || x === 0) return x;
  const p = 10 ** (digits - Math.ceil(Math.log10(Math.abs(x))));
  return Math.round(x * p) / p;
}

/** µs for a table cell. */
export function fmtUs(us) {
  if (!Number.isFinite(us)) return "–";
  if (us <= 0) return "≈0 (noise)";
  return us >= 100 ? us.toFixed(0) : us >= 10 ? us.toFixed(1) : us.toFixed(2);
}

export function fmtRatio(r) {
  if (!Number.isFinite(r)) return "–";
  return r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(1)}×`;
}

export function fmtBytes(n) {
  return n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}

/** A markdown table from a header row and rows of cells. */
export function table(header, rows, align) {
  const a = align ?? header.map((_, i) => (i === 0 ? "---" : "---:"));
  return [header, a, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}
