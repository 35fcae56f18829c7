/**
 * The two ECDF distances drift detection stores for a numeric feature, from samples that are already sorted:
 * one merged pass gives both the two-sample KS statistic and the first Wasserstein distance. Equal, to the last
 * bit, to `ksStatistic` and `wasserstein1` on the same samples (the same arithmetic in the same order); sorting
 * the reference once and reusing it is what lets the drift simulation score thousands of batches quickly.
 */

import { assertFiniteSample } from './validate.ts';

export interface SortedDistances {
  /** KS statistic D = max |F_ref − F_cur|. */
  ksD: number;
  /** W1 = ∫ |F_ref − F_cur| dx. */
  wasserstein: number;
}

/** True when `x` is finite and non-decreasing. */
function assertSorted(name: string, x: ArrayLike<number>): void {
  assertFiniteSample(name, x);
  for (let i = 1; i < x.length; i++) if (x[i] < x[i - 1]) throw new RangeError(`${name}: the sample must be sorted ascending (element ${i})`);
}

/** KS D and W1 of two sorted, finite, non-empty samples (ties allowed). */
export function sortedSampleDistances(ref: ArrayLike<number>, cur: ArrayLike<number>, checked = false): SortedDistances {
  if (!checked) {
    assertSorted('sortedSampleDistances(ref)', ref);
    assertSorted('sortedSampleDistances(cur)', cur);
  }
  const n = ref.length;
  const m = cur.length;
  const exactInts = n * m <= Number.MAX_SAFE_INTEGER;
  let best = 0;
  let total = 0;
  let i = 0;
  let j = 0;
  let x = Math.min(ref[0], cur[0]);
  while (i < n || j < m) {
    while (i < n && ref[i] === x) i++;
    while (j < m && cur[j] === x) j++;
    // KS: integer numerators |i·m − j·n| as ksStatistic (after one sample is exhausted the difference only shrinks).
    const diff = exactInts ? Math.abs(i * m - j * n) : Math.abs(i / n - j / m);
    if (diff > best) best = diff;
    if (i === n && j === m) break;
    const next = i < n && (j === m || ref[i] < cur[j]) ? ref[i] : cur[j];
    total += Math.abs(i / n - j / m) * (next - x);
    x = next;
  }
  return { ksD: exactInts ? best / (n * m) : best, wasserstein: total };
}
