/**
 * Chi-square test of homogeneity for two histograms over the same categories, reproducing
 * `scipy.stats.chi2_contingency([ref, cur])` with its default `correction=True`.
 */

import { regularizedGammaQ } from './special.ts';
import { assertCounts, assertSameLength } from './validate.ts';

export interface ChiSquareResult {
  statistic: number;
  pValue: number;
  /** Degrees of freedom, (categories kept − 1). */
  dof: number;
}

/**
 * Pearson chi-square test that two samples share one categorical distribution, on the 2×K
 * contingency table [refCounts; curCounts].
 *
 * - Categories that are zero in *both* samples are dropped first: they carry no information,
 *   and scipy would otherwise reject the table because an expected frequency is zero.
 * - Yates' continuity correction is applied only when dof == 1 (scipy's default), with the
 *   adjustment capped at |observed − expected| as scipy does since gh-13875.
 * - With a single remaining category (dof 0) the result is statistic 0, p-value 1 (as scipy).
 * - The p-value is the chi-square upper tail Q(dof/2, χ²/2), computed directly rather than as
 *   1 − cdf so that very small p-values keep their relative accuracy (0 only below ~1e-308):
 *   `1 − jStat.chisquare.cdf` gives 0 for the fixtures' 1.7e-208 and 2.2e-85.
 *
 * Throws if either sample is empty (all counts zero), where the test is undefined.
 */
export function chiSquareHomogeneity(refCounts: ArrayLike<number>, curCounts: ArrayLike<number>): ChiSquareResult {
  assertSameLength('chiSquareHomogeneity', refCounts, curCounts);
  const refTotal = assertCounts('chiSquareHomogeneity(refCounts)', refCounts);
  const curTotal = assertCounts('chiSquareHomogeneity(curCounts)', curCounts);
  if (refTotal === 0 || curTotal === 0) {
    throw new RangeError('chiSquareHomogeneity: both samples need at least one observation');
  }
  const ref: number[] = [];
  const cur: number[] = [];
  for (let k = 0; k < refCounts.length; k++) {
    if (refCounts[k] + curCounts[k] > 0) {
      ref.push(refCounts[k]);
      cur.push(curCounts[k]);
    }
  }
  const dof = ref.length - 1;
  if (dof === 0) return { statistic: 0, pValue: 1, dof: 0 };

  const total = refTotal + curTotal;
  const yates = dof === 1;
  let statistic = 0;
  for (const [row, rowTotal] of [
    [ref, refTotal],
    [cur, curTotal],
  ] as const) {
    for (let k = 0; k < row.length; k++) {
      const expected = (rowTotal * (ref[k] + cur[k])) / total;
      let observed = row[k];
      if (yates) {
        const diff = expected - observed;
        observed += Math.sign(diff) * Math.min(0.5, Math.abs(diff));
      }
      statistic += (observed - expected) ** 2 / expected;
    }
  }
  const pValue = statistic > 0 ? regularizedGammaQ(dof / 2, statistic / 2) : 1;
  return { statistic, pValue, dof };
}
