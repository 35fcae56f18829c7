/** One-sided Fisher exact test on a 2×2 table, as `scipy.stats.fisher_exact(table, alternative='greater')`. */

import { logGamma } from './special.ts';

// jstat's gammaln is accurate to ~1e-10 relative, too coarse for log C(200000, k); special.ts's logGamma is not.
const logChoose = (n: number, k: number): number => logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);

/**
 * P(X ≥ a) for the table [[a, b], [c, d]] with its margins fixed: X is hypergeometric (population a+b+c+d,
 * a+c successes, a+b draws). It is the p-value that the odds of the first column are higher in the first row
 * than in the second — used for "the batch (row 1) has a larger missing share (column 1) than the reference".
 * Terms are summed from the mode outwards with the pmf's ratio recursion, so tiny p-values keep their digits.
 */
export function fisherExactGreater(a: number, b: number, c: number, d: number): number {
  for (const [name, v] of Object.entries({ a, b, c, d })) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`fisherExactGreater: ${name} must be a non-negative integer (got ${v})`);
  }
  const total = a + b + c + d;
  const successes = a + c;
  const draws = a + b;
  const lo = Math.max(0, draws - (total - successes));
  const hi = Math.min(successes, draws);
  if (a <= lo) return 1;
  const logPmf = (x: number): number => logChoose(successes, x) + logChoose(total - successes, draws - x) - logChoose(total, draws);
  // pmf(x + 1) / pmf(x)
  const ratio = (x: number): number => ((successes - x) * (draws - x)) / ((x + 1) * (total - successes - draws + x + 1));
  const base = logPmf(a);
  let sum = 1;
  let term = 1;
  for (let x = a; x < hi; x++) {
    term *= ratio(x);
    sum += term;
    if (term < sum * 1e-17 && ratio(x + 1) < 1) break;
  }
  return Math.min(1, Math.exp(base) * sum);
}
