/**
 * The interval-coverage test of a model on a new labelled batch: do its intervals cover fewer rows than their
 * level (a binomial lower tail)? The error test beside it is error-ratio.ts's, through drift-decision.ts's
 * labelledErrorTest.
 */
import jStat from 'jstat';

/** Lower-tail binomial p-value P(X ≤ k), X ~ Binomial(n, p): are k covered rows of n too few for coverage p? */
export function binomialLowerPValue(k: number, n: number, p: number): number {
  if (!(n > 0) || k < 0 || k > n) return Number.NaN;
  if (k === n) return 1;
  // P(X ≤ k) = I_{1−p}(n − k, k + 1)
  return jStat.ibeta(1 - p, n - k, k + 1) as number;
}
