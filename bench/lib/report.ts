import type { Summary } from './summary.ts';

/** One line of the stdout table. */
export interface TableRow {
  label: string;
  wall: Summary;
  cpu: Summary;
  rss: Summary;
  /** Pipeline time ÷ baseline time (median ÷ median); below 1 the pipeline is faster. */
  timeVsBaseline?: number;
  rssVsBaseline?: number;
}

export function fmtS(x: number, digits = 2): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '—';
}

export function fmtRatio(x: number | undefined): string {
  return x !== undefined && Number.isFinite(x) ? `${x.toFixed(2)}×` : '—';
}

export function fmtMb(x: number): string {
  return Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—';
}

/** A plain-text table with right-aligned numbers. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[], leftAligned = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i < leftAligned ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The same table in Markdown, for BENCHMARKS.md. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const align = header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [`| ${header.join(' | ')} |`, `| ${align.join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export const MAIN_HEADER = ['command', 'median s', 'min s', 'max s', 'CPU s', 'peak RSS MB', 'time ÷ baseline', 'RSS ÷ baseline'];

export function mainRows(rows: readonly TableRow[]): string[][] {
  return rows.map((r) => [
    r.label,
    fmtS(r.wall.median),
    fmtS(r.wall.min),
    fmtS(r.wall.max),
    fmtS(r.cpu.median, 1),
    fmtMb(r.rss.median),
    fmtRatio(r.timeVsBaseline),
    fmtRatio(r.rssVsBaseline),
  ]);
}

/** A target and where the measurement stands. */
export interface TargetCheck {
  target: string;
  measured: string;
  status: 'met' | 'not met' | 'n/a';
  note?: string;
}

export function targetRows(checks: readonly TargetCheck[]): string[][] {
  return checks.map((c) => [c.target, c.measured, c.status, c.note ?? '']);
}
