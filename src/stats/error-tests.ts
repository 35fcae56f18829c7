/**
 * Tests of a model's errors on a new labelled batch against its evaluation on held-out rows: is the batch's
 * mean squared error larger than the held-out one (an F test), and do its intervals cover fewer rows than
 * their level (a binomial test).
 */
import jStat from 'jstat';

/**
 * Upper-tail p-value of the variance-ratio F test: H0 the batch errors have the evaluation errors' variance.
 * `ratio` = batch MSE / evaluation MSE, with n1 and n2 degrees of freedom (the row counts).
 */
export function mseRatioPValue(ratio: number, n1: number, n2: number): number {
  if (!(n1 > 0 && n2 > 0) || !Number.isFinite(ratio)) return Number.NaN;
  if (ratio <= 0) return 1;
  // P(F > r) = I_{n2/(n2 + n1 r)}(n2/2, n1/2): the upper tail directly, no 1 − cdf cancellation.
  return jStat.ibeta(n2 / (n2 + n1 * ratio), n2 / 2, n1 / 2) as number;
}

/** Lower-tail binomial p-value P(X ≤ k), X ~ Binomial(n, p): are k covered rows of n too few for coverage p? */
export function binomialLowerPValue(k: number, n: number, p: number): number {
  if (!(n > 0) || k < 0 || k > n) return Number.NaN;
  if (k === n) return 1;
  // P(X ≤ k) = I_{1−p}(n − k, k + 1)
  return jStat.ibeta(1 - p, n - k, k + 1) as number;
}
