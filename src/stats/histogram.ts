/** Equal-width histograms of two samples on shared bins (pure: plain sorted arrays in, counts out). */

export interface SharedBin {
  bin: number;
  binStart: number;
  binEnd: number;
  nRef: number;
  nCur: number;
}

/** The p-quantile of sorted values with linear interpolation (DuckDB's quantile_cont, numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = p * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** Both sorted samples merged into one sorted array. */
function mergeSorted(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i] <= b[j] ? a[i++] : b[j++];
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out;
}

/**
 * Counts of two sorted samples (finite values) in `bins` equal-width bins over their pooled `tail`–(1 − `tail`)
 * quantiles, so a few outliers do not squash the rest; values beyond are counted in the first or last bin. Every
 * bin is returned, empty ones too; a pooled range of zero width gives one bin; no values give none.
 */
export function sharedHistogram(ref: ArrayLike<number>, cur: ArrayLike<number>, bins: number, tail = 0.001): SharedBin[] {
  const pooled = mergeSorted(ref, cur);
  if (pooled.length === 0) return [];
  const lo = quantileSorted(pooled, tail);
  const hi = quantileSorted(pooled, 1 - tail);
  const width = hi - lo;
  const k = width > 0 ? bins : 1;
  const out: SharedBin[] = Array.from({ length: k }, (_, b) => ({ bin: b, binStart: lo + (b * width) / k, binEnd: lo + ((b + 1) * width) / k, nRef: 0, nCur: 0 }));
  const binOf = (v: number) => (width > 0 ? Math.min(Math.max(Math.floor(((v - lo) / width) * k), 0), k - 1) : 0);
  for (let i = 0; i < ref.length; i++) out[binOf(ref[i])].nRef++;
  for (let i = 0; i < cur.length; i++) out[binOf(cur[i])].nCur++;
  return out;
}
