/**
 * Two-sample two-sided Kolmogorov–Smirnov test, reproducing
 * `scipy.stats.ks_2samp(a, b, alternative='two-sided', method=...)` (scipy 1.10).
 */

import { kstwoSf } from './kolmogorov.ts';
import { roundHalfEven } from './special.ts';
import { assertCountsTable, assertFiniteSample, sortedCopy } from './validate.ts';

/** How the p-value is computed; 'auto' is exact when max(n, m) <= 10000, asymptotic otherwise. */
export type KsMethod = 'auto' | 'exact' | 'asymp';

export interface KsResult {
  /** D = sup |F_a − F_b| over all pooled values. */
  statistic: number;
  pValue: number;
  n: number;
  m: number;
  /** Method actually used ('exact' can fall back to 'asymp', exactly as scipy does). */
  method: 'exact' | 'asymp';
}

/** scipy's MAX_AUTO_N. */
const MAX_AUTO_N = 10000;
const INT32_MAX = 2147483647;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function assertSize(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name}: sample size must be a positive integer (got ${n})`);
}

/** D from integer ECDF numerators |i·m − j·n| / (n·m), exact while n·m fits in a double. */
function dFromCounts(maxNumerator: number, n: number, m: number): number {
  return maxNumerator / (n * m);
}

/**
 * Two-sample KS statistic D = max_x |F_a(x) − F_b(x)|, with both empirical CDFs evaluated at
 * every pooled value, so tied values (within or across samples) are handled like scipy.
 * Non-finite inputs throw.
 */
export function ksStatistic(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertFiniteSample('ksStatistic(a)', a);
  assertFiniteSample('ksStatistic(b)', b);
  const A = sortedCopy(a);
  const B = sortedCopy(b);
  const n = A.length;
  const m = B.length;
  // Integer numerators avoid the rounding of i/n − j/m; fall back to floats if n·m is huge.
  const exactInts = n * m <= Number.MAX_SAFE_INTEGER;
  let best = 0;
  let i = 0;
  let j = 0;
  // Once one sample is exhausted the difference only shrinks, so stop there.
  while (i < n && j < m) {
    const v = A[i] < B[j] ? A[i] : B[j];
    while (i < n && A[i] === v) i++;
    while (j < m && B[j] === v) j++;
    const diff = exactInts ? Math.abs(i * m - j * n) : Math.abs(i / n - j / m);
    if (diff > best) best = diff;
  }
  return exactInts ? dFromCounts(best, n, m) : best;
}

/**
 * KS statistic from a counts-by-value table (what `GROUP BY value` returns): `values` are the
 * sorted distinct pooled values and `refCounts[k]` / `curCounts[k]` how often `values[k]`
 * occurs in each sample. Equals `ksStatistic` on the expanded samples. `values` is only
 * checked for being strictly increasing, since D depends on the order alone.
 */
export function ksStatisticFromCounts(
  values: ArrayLike<number>,
  refCounts: ArrayLike<number>,
  curCounts: ArrayLike<number>,
): number {
  const [n, m] = assertCountsTable('ksStatisticFromCounts', values, { label: 'refCounts', counts: refCounts }, { label: 'curCounts', counts: curCounts }, 'both samples need at least one observation');
  const exactInts = n * m <= Number.MAX_SAFE_INTEGER;
  let best = 0;
  let i = 0;
  let j = 0;
  for (let k = 0; k < values.length; k++) {
    i += refCounts[k];
    j += curCounts[k];
    const diff = exactInts ? Math.abs(i * m - j * n) : Math.abs(i / n - j / m);
    if (diff > best) best = diff;
  }
  return exactInts ? dFromCounts(best, n, m) : best;
}

/**
 * P(D ≥ h/n) for two samples of equal size n (scipy `_compute_prob_outside_square`):
 * the alternating binomial series in a Horner form that avoids cancellation.
 */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
    k -= 1;
  }
  return 2 * P;
}

/**
 * Proportion of lattice paths from (0,0) to (m,n) that leave the band |x/m − y/n| < h/lcm
 * (scipy `_compute_outer_prob_inside_method`, Viehmann's recursion for 1 − p).
 */
function outerProbInsideMethod(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj] * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1];
}

/** scipy `_attempt_exact_2kssamp` for the two-sided alternative. */
function attemptExact(n: number, m: number, g: number, d: number): { ok: boolean; d: number; p: number } {
  const lcm = (n / g) * m;
  const h = roundHalfEven(d * lcm);
  const dRounded = h / lcm;
  if (h === 0) return { ok: true, d: dRounded, p: 1 };
  const p = n === m ? probOutsideSquare(n, h) : outerProbInsideMethod(n, m, g, h);
  // scipy treats a result outside [0, 1] (rounding) as a failure and switches to 'asymp'.
  if (!(p >= 0 && p <= 1)) return { ok: false, d: dRounded, p };
  return { ok: true, d: dRounded, p };
}

function pValueWithMethod(d: number, n: number, m: number, method: KsMethod): { p: number; method: 'exact' | 'asymp' } {
  assertSize('ksPValue(n)', n);
  assertSize('ksPValue(m)', m);
  if (!(d >= 0 && d <= 1)) throw new RangeError(`ksPValue: statistic must be in [0, 1] (got ${d})`);
  if (method !== 'auto' && method !== 'exact' && method !== 'asymp') {
    throw new RangeError(`ksPValue: unknown method '${String(method)}'`);
  }
  const g = gcd(n, m);
  let mode: 'exact' | 'asymp';
  if (method === 'auto') mode = Math.max(n, m) <= MAX_AUTO_N ? 'exact' : 'asymp';
  else if (method === 'exact' && n / g >= INT32_MAX / (m / g)) mode = 'asymp';
  else mode = method;

  let dd = d;
  if (mode === 'exact') {
    const r = attemptExact(n, m, g, d);
    if (r.ok) return { p: r.p, method: 'exact' };
    dd = r.d;
    mode = 'asymp';
  }
  // Smirnov's asymptotic: the one-sample Kolmogorov distribution with the effective size
  // en = n·m/(n+m) rounded half-to-even (numpy.round), as scipy passes it to kstwo.sf.
  const big = Math.max(n, m);
  const small = Math.min(n, m);
  const en = (big * small) / (big + small);
  const p = kstwoSf(dd, roundHalfEven(en));
  return { p: Number.isNaN(p) ? p : Math.min(1, Math.max(0, p)), method: 'asymp' };
}

/**
 * Two-sided p-value of a two-sample KS statistic `d` for sample sizes n and m, computed as
 * `scipy.stats.ks_2samp(..., alternative='two-sided', method=method)` does:
 * - 'exact': lattice-path recursion (Hodges; Viehmann's form for n ≠ m), after rounding d to
 *   the nearest multiple of 1/lcm(n, m). Falls back to 'asymp' when scipy would: the result
 *   leaves [0, 1] through rounding, or (n/g)·(m/g) ≥ 2^31−1.
 * - 'asymp': `kstwo.sf(d, round(n·m/(n+m)))`, the finite-sample one-sample Kolmogorov
 *   distribution at the effective size (see `kstwoSf`).
 * - 'auto' (default): 'exact' when max(n, m) <= 10000, otherwise 'asymp'.
 * Both paths compute the upper tail itself rather than 1 − cdf, so small p-values keep
 * relative accuracy down to ~1e-300. Returns NaN only for n = m = 1 with 'asymp' (as scipy).
 */
export function ksPValue(d: number, n: number, m: number, method: KsMethod = 'auto'): number {
  return pValueWithMethod(d, n, m, method).p;
}

/**
 * Two-sample two-sided KS test on raw samples; `statistic` and `pValue` match
 * `scipy.stats.ks_2samp(a, b, method=method)`.
 */
export function ksTest(a: ArrayLike<number>, b: ArrayLike<number>, method: KsMethod = 'auto'): KsResult {
  const statistic = ksStatistic(a, b);
  const r = pValueWithMethod(statistic, a.length, b.length, method);
  return { statistic, pValue: r.p, n: a.length, m: b.length, method: r.method };
}

/** `ksTest` for a counts-by-value table (see `ksStatisticFromCounts`); counts must be integers. */
export function ksTestFromCounts(
  values: ArrayLike<number>,
  refCounts: ArrayLike<number>,
  curCounts: ArrayLike<number>,
  method: KsMethod = 'auto',
): KsResult {
  const statistic = ksStatisticFromCounts(values, refCounts, curCounts);
  let n = 0;
  let m = 0;
  for (let k = 0; k < refCounts.length; k++) {
    n += refCounts[k];
    m += curCounts[k];
  }
  const r = pValueWithMethod(statistic, n, m, method);
  return { statistic, pValue: r.p, n, m, method: r.method };
}
