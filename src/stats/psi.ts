/** Population Stability Index between a reference and a current histogram. */

import { assertCounts, assertSameLength } from './validate.ts';

/**
 * PSI = Σ_i (c_i − r_i) · ln(c_i / r_i), where r_i and c_i are the shares of bin i in the
 * reference and current histograms (counts are normalised to sum 1).
 *
 * Convention for empty bins: each share is floored at `epsilon` (default 1e-4) before the
 * formula, without renormalising, so a bin that is empty in one sample contributes a large
 * but finite term instead of infinity. Bins empty in both samples contribute exactly 0.
 * Common reading: < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 major shift.
 *
 * Throws if a histogram is empty or `epsilon` is not positive.
 */
export function populationStabilityIndex(
  refCounts: ArrayLike<number>,
  curCounts: ArrayLike<number>,
  epsilon = 1e-4,
): number {
  assertSameLength('populationStabilityIndex', refCounts, curCounts);
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw new RangeError(`populationStabilityIndex: epsilon must be > 0 (got ${epsilon})`);
  const refTotal = assertCounts('populationStabilityIndex(refCounts)', refCounts);
  const curTotal = assertCounts('populationStabilityIndex(curCounts)', curCounts);
  if (refTotal === 0 || curTotal === 0) throw new RangeError('populationStabilityIndex: both histograms need at least one observation');
  let psi = 0;
  for (let i = 0; i < refCounts.length; i++) {
    const r = Math.max(refCounts[i] / refTotal, epsilon);
    const c = Math.max(curCounts[i] / curTotal, epsilon);
    psi += (c - r) * Math.log(c / r);
  }
  return psi;
}
