/**
 * A test of whether a batch's prediction error grew beyond a tolerance: the ratio of mean squared errors as an
 * F statistic with degrees of freedom from both sample sizes (and the error distribution's kurtosis).
 */

import jStatUntyped from 'jstat';

const jStat = jStatUntyped as { ibeta(x: number, a: number, b: number): number; centralF: { inv(p: number, d1: number, d2: number): number } };

export interface ErrorRatioInput {
  /** Mean squared error of the batch rows that have actuals, and their number. */
  batchMse: number;
  nBatch: number;
  /** Mean squared error of the model on its held-out evaluation rows, and their number. */
  referenceMse: number;
  nReference: number;
  /** Largest RMSE ratio still accepted as "no drift" (≥ 1). */
  tolerance: number;
  /** The test's level: drift when p < level, i.e. the lower (1 − level) bound of the RMSE ratio exceeds the tolerance. */
  level: number;
  /** Kurtosis E[e⁴]/E[e²]² of the evaluation errors (3 for normal errors); widens the test for heavy tails. */
  kurtosis?: number | null;
}

export interface ErrorRatioResult {
  /** Batch RMSE ÷ evaluation RMSE. */
  rmseRatio: number;
  /** F = (batch MSE ÷ evaluation MSE) ÷ tolerance². */
  statistic: number;
  dof1: number;
  dof2: number;
  /** P(F(dof1, dof2) ≥ statistic). */
  pValue: number;
  /** Lower (1 − level) confidence bound of the RMSE ratio. */
  lowerBound: number;
}

/** Effective degrees of freedom of a mean of n squared errors: n for normal errors, 2n/(κ − 1) for heavier tails (never more than n). */
export function effectiveDof(n: number, kurtosis?: number | null): number {
  if (!kurtosis || !Number.isFinite(kurtosis) || kurtosis <= 3) return n;
  return (2 * n) / (kurtosis - 1);
}

/**
 * One-sided test of H0: batch RMSE ≤ tolerance × evaluation RMSE. Under normal errors with a common variance
 * the ratio of the two mean squared errors is F(n_batch, n_eval)-distributed (errors are centred on the
 * model's predictions, so no degree of freedom is lost to a mean). For non-normal errors the variance of a mean
 * squared error is (κ − 1)σ⁴/n instead of 2σ⁴/n, so both degrees of freedom shrink by 2/(κ − 1) (Layard's
 * correction; κ from the evaluation errors). The upper tail is the regularized incomplete beta function
 * I_{d2/(d2 + d1 F)}(d2/2, d1/2), computed directly rather than as 1 − cdf.
 */
export function errorRatioTest(x: ErrorRatioInput): ErrorRatioResult {
  if (!(x.nBatch >= 1) || !(x.nReference >= 1)) throw new RangeError('errorRatioTest: both samples need at least one row');
  if (!(x.batchMse >= 0) || !(x.referenceMse > 0)) throw new RangeError(`errorRatioTest: mean squared errors must be ≥ 0 and the reference's > 0 (got ${x.batchMse}, ${x.referenceMse})`);
  if (!(x.tolerance >= 1)) throw new RangeError(`errorRatioTest: tolerance must be ≥ 1 (got ${x.tolerance})`);
  if (!(x.level > 0 && x.level < 1)) throw new RangeError(`errorRatioTest: level must be in (0, 1) (got ${x.level})`);
  const dof1 = effectiveDof(x.nBatch, x.kurtosis);
  const dof2 = effectiveDof(x.nReference, x.kurtosis);
  const mseRatio = x.batchMse / x.referenceMse;
  const statistic = mseRatio / (x.tolerance * x.tolerance);
  const pValue = statistic > 0 ? jStat.ibeta(dof2 / (dof2 + dof1 * statistic), dof2 / 2, dof1 / 2) : 1;
  const q = jStat.centralF.inv(1 - x.level, dof1, dof2);
  return { rmseRatio: Math.sqrt(mseRatio), statistic, dof1, dof2, pValue: Math.min(1, Math.max(0, pValue)), lowerBound: Math.sqrt(mseRatio / q) };
}
