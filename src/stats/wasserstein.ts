/**
 * First Wasserstein (earth mover's) distance between two 1-D distributions, equal to
 * `scipy.stats.wasserstein_distance`: ∫ |F_u(x) − F_v(x)| dx.
 */

import { assertCountsTable, assertFiniteSample, sortedCopy } from './validate.ts';

/**
 * W1 between the empirical distributions of samples u and v (any sizes, ties allowed).
 * Non-finite values throw.
 */
export function wasserstein1(u: ArrayLike<number>, v: ArrayLike<number>): number {
  assertFiniteSample('wasserstein1(u)', u);
  assertFiniteSample('wasserstein1(v)', v);
  const U = sortedCopy(u);
  const V = sortedCopy(v);
  const n = U.length;
  const m = V.length;
  let i = 0;
  let j = 0;
  let total = 0;
  // Walk the merged distinct values; between consecutive ones both ECDFs are constant.
  let x = Math.min(U[0], V[0]);
  while (i < n || j < m) {
    while (i < n && U[i] === x) i++;
    while (j < m && V[j] === x) j++;
    if (i === n && j === m) break;
    const next = i < n && (j === m || U[i] < V[j]) ? U[i] : V[j];
    total += Math.abs(i / n - j / m) * (next - x);
    x = next;
  }
  return total;
}

/**
 * W1 from a counts-by-value table: `values` are the sorted distinct pooled values and
 * `uCounts[k]` / `vCounts[k]` the (non-negative, possibly fractional) weight of `values[k]` in
 * each distribution. Equals `scipy.stats.wasserstein_distance(values, values, uCounts, vCounts)`
 * and therefore `wasserstein1` on the expanded samples.
 */
export function wasserstein1FromCounts(
  values: ArrayLike<number>,
  uCounts: ArrayLike<number>,
  vCounts: ArrayLike<number>,
): number {
  const [uTotal, vTotal] = assertCountsTable('wasserstein1FromCounts', values, { label: 'uCounts', counts: uCounts }, { label: 'vCounts', counts: vCounts }, 'both weight vectors must have a positive sum');
  let cu = 0;
  let cv = 0;
  let total = 0;
  for (let k = 0; k + 1 < values.length; k++) {
    cu += uCounts[k];
    cv += vCounts[k];
    total += Math.abs(cu / uTotal - cv / vTotal) * (values[k + 1] - values[k]);
  }
  return total;
}
