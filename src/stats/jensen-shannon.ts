/** Jensen–Shannon distance between two histograms, as `scipy.spatial.distance.jensenshannon(p, q, base=2)`. */

import { assertCounts, assertSameLength } from './validate.ts';

/** Σ rel_entr(a, m) with scipy's conventions: 0·log(0/m) = 0. */
function relativeEntropy(a: Float64Array, m: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > 0) s += a[i] * Math.log(a[i] / m[i]);
  return s;
}

/**
 * Jensen–Shannon distance with base-2 logarithms, so the result lies in [0, 1]:
 * sqrt((KL(p‖m) + KL(q‖m)) / 2) with m = (p + q)/2. Inputs are counts or weights per bin;
 * each is normalised to sum 1 first. Bins that are zero in one or both inputs are fine.
 * Throws if either input sums to zero (the distributions would be undefined).
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  assertSameLength('jensenShannonDistance', p, q);
  const pTotal = assertCounts('jensenShannonDistance(p)', p);
  const qTotal = assertCounts('jensenShannonDistance(q)', q);
  if (pTotal === 0 || qTotal === 0) throw new RangeError('jensenShannonDistance: inputs must have a positive sum');
  const P = Float64Array.from(p, (x) => x / pTotal);
  const Q = Float64Array.from(q, (x) => x / qTotal);
  const M = P.map((x, i) => (x + Q[i]) / 2);
  const js = (relativeEntropy(P, M) + relativeEntropy(Q, M)) / Math.LN2;
  // Rounding can leave a tiny negative for identical inputs; the distance is then 0.
  return Math.sqrt(Math.max(0, js / 2));
}
