/**
 * Monte-Carlo permutation p-value of Pearson's chi-square statistic for two histograms over the same categories:
 * the p-value of `chiSquareHomogeneity` without its large-sample approximation, valid at any sample size.
 */

import { seededRng } from './rng.ts';
import { assertCounts, assertSameLength } from './validate.ts';

/** Pearson's X² of the 2×K table [ref; cur] (no continuity correction), over categories with a positive pooled count. */
function pearson(ref: ArrayLike<number>, cur: ArrayLike<number>, pooled: ArrayLike<number>, refTotal: number, curTotal: number): number {
  const total = refTotal + curTotal;
  let s = 0;
  for (let k = 0; k < pooled.length; k++) {
    const eRef = (refTotal * pooled[k]) / total;
    const eCur = (curTotal * pooled[k]) / total;
    s += (ref[k] - eRef) ** 2 / eRef + (cur[k] - eCur) ** 2 / eCur;
  }
  return s;
}

export interface PermutationResult {
  /** Pearson's X² (no continuity correction) of the observed table. */
  statistic: number;
  /** (1 + #{permuted X² ≥ observed}) / (1 + permutations): a valid p-value, never 0. */
  pValue: number;
  permutations: number;
}

/**
 * Permutation test that two samples share one categorical distribution. Under the null the rows are
 * exchangeable, so the current sample's counts are a draw of `curTotal` rows without replacement from the pooled
 * rows (a multivariate hypergeometric table with the observed margins); the smaller sample is the one drawn.
 * Categories empty in both samples are dropped. Deterministic for a given `seed`.
 */
export function chiSquarePermutationTest(refCounts: ArrayLike<number>, curCounts: ArrayLike<number>, permutations: number, seed: number): PermutationResult {
  assertSameLength('chiSquarePermutationTest', refCounts, curCounts);
  const refTotal = assertCounts('chiSquarePermutationTest(refCounts)', refCounts);
  const curTotal = assertCounts('chiSquarePermutationTest(curCounts)', curCounts);
  if (refTotal === 0 || curTotal === 0) throw new RangeError('chiSquarePermutationTest: both samples need at least one observation');
  if (!Number.isInteger(permutations) || permutations < 1) throw new RangeError(`chiSquarePermutationTest: permutations must be a positive integer (got ${permutations})`);
  const keep: number[] = [];
  for (let k = 0; k < refCounts.length; k++) if (refCounts[k] + curCounts[k] > 0) keep.push(k);
  const ref = Float64Array.from(keep, (k) => refCounts[k]);
  const cur = Float64Array.from(keep, (k) => curCounts[k]);
  const pooled = Float64Array.from(keep, (_, i) => ref[i] + cur[i]);
  if (keep.length < 2) return { statistic: 0, pValue: 1, permutations };
  const observed = pearson(ref, cur, pooled, refTotal, curTotal);
  // Pooled rows as category labels; a partial Fisher–Yates shuffle draws the smaller sample, then is undone.
  const total = refTotal + curTotal;
  const labels = new Int32Array(total);
  let at = 0;
  for (let k = 0; k < pooled.length; k++) labels.fill(k, at, (at += pooled[k]));
  const drawCur = curTotal <= refTotal;
  const draws = drawCur ? curTotal : refTotal;
  const swaps = new Int32Array(draws);
  const drawn = new Float64Array(pooled.length);
  const other = new Float64Array(pooled.length);
  const rng = seededRng(seed);
  // A permuted statistic within rounding of the observed one counts as at least as extreme.
  const limit = observed * (1 - 1e-12);
  let extreme = 0;
  for (let b = 0; b < permutations; b++) {
    drawn.fill(0);
    for (let i = 0; i < draws; i++) {
      const j = i + rng.int(total - i);
      swaps[i] = j;
      const t = labels[i];
      labels[i] = labels[j];
      labels[j] = t;
      drawn[labels[i]]++;
    }
    for (let i = draws - 1; i >= 0; i--) {
      const j = swaps[i];
      const t = labels[i];
      labels[i] = labels[j];
      labels[j] = t;
    }
    for (let k = 0; k < pooled.length; k++) other[k] = pooled[k] - drawn[k];
    const x = drawCur ? pearson(other, drawn, pooled, refTotal, curTotal) : pearson(drawn, other, pooled, refTotal, curTotal);
    if (x >= limit) extreme++;
  }
  return { statistic: observed, pValue: (1 + extreme) / (1 + permutations), permutations };
}
