/** Holm's step-down adjustment of p-values (family-wise error control under any dependence). */

/**
 * Holm-adjusted p-values, in the input order: sorted ascending, p_(i) becomes max over j ≤ i of
 * min(1, (m − j + 1) · p_(j)). Rejecting every hypothesis whose adjusted p-value is below α keeps the chance of
 * any false rejection at most α, whatever the dependence between the tests (Holm 1979). Equals
 * `statsmodels.stats.multitest.multipletests(p, method='holm')[1]`.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  for (const [i, p] of pValues.entries()) if (!(p >= 0 && p <= 1)) throw new RangeError(`holmAdjust: p-value ${i} must be in [0, 1] (got ${p})`);
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p || x.i - y.i);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}
