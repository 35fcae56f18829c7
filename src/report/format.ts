/** Formatting of values for the HTML report: everything text goes through {@link esc}. */

export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const DASH = '—';

/** A number with about four significant digits; integers with thousands separators; tiny or huge ones in exponent form. */
export function fmtNum(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined) return DASH;
  if (typeof v !== 'number') return esc(v);
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e15) return v.toLocaleString('en-US');
  if (a >= 1e7 || a < 1e-3) return v.toExponential(digits - 2).replace('-', '−');
  if (a >= 1000) return v.toLocaleString('en-US', { maximumFractionDigits: 1 }).replace(/^-/, '−');
  // A rounded value keeps its trailing zeros (2.000146 → "2.000"), so it never reads as exact; an exact one stays short (0.1).
  const rounded = Number(v.toPrecision(digits)) !== v;
  return v
    .toLocaleString('en-US', { maximumSignificantDigits: digits, minimumSignificantDigits: rounded ? digits : 1, useGrouping: true })
    .replace(/^-/, '−');
}

export function fmtInt(v: number | null | undefined): string {
  if (v === null || v === undefined) return DASH;
  return Math.round(v).toLocaleString('en-US');
}

export function fmtPct(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  return `${(v * 100).toFixed(digits)}%`;
}

export function fmtDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return DASH;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms - m * 60_000) / 1000)} s`;
}

/** A timestamp as `YYYY-MM-DD HH:MM:SS UTC` (TIMESTAMP columns arrive as UTC `Date`s), as HTML that does not wrap. */
export function fmtTime(v: Date | string | null | undefined): string {
  if (v === null || v === undefined) return DASH;
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) return esc(v);
  return `<span class="nw">${d.toISOString().slice(0, 19).replace('T', ' ')} UTC</span>`;
}

export function fmtText(v: string | null | undefined): string {
  return v === null || v === undefined || v === '' ? DASH : esc(v);
}
