import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

/** Reference values written by tests/fixtures/stats/make_fixtures.py (scipy / scikit-learn). */
const path = fileURLToPath(new URL('../../fixtures/stats/scipy_reference.json', import.meta.url));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const ref: any = JSON.parse(readFileSync(path, 'utf8'));

/**
 * |actual − expected| <= rel·|expected| + abs. Statistics use rel = 1e-9 with a tiny abs floor
 * for values that are exactly 0; p-values use rel = 1e-6 so that p-values like 1e-89 are
 * still checked digit-for-digit instead of passing any absolute 1e-6 test trivially.
 */
export function expectClose(actual: number, expected: number, rel: number, abs: number, label: string): void {
  const tol = rel * Math.abs(expected) + abs;
  const ok = Number.isFinite(expected) ? Math.abs(actual - expected) <= tol : actual === expected;
  expect(ok, `${label}: got ${actual}, expected ${expected} (tol ${tol.toExponential(2)})`).to.equal(true);
}

/** Statistic tolerance: 1e-9 relative (absolute 1e-15 for exact zeros). */
export const expectStat = (a: number, e: number, label: string): void => expectClose(a, e, 1e-9, 1e-15, label);

/**
 * p-value tolerance: 1e-6 relative, with an absolute floor of 1e-15 because scipy itself forms
 * some moderate p-values as 1 − cdf and they carry ~1e-16 absolute rounding. Below 1e-9 scipy
 * computes the tail directly, so tiny p-values are checked in relative terms (down to the 1e-300 underflow region).
 */
export const expectP = (a: number, e: number, label: string): void => expectClose(a, e, 1e-6, Math.abs(e) < 1e-9 ? 1e-300 : 1e-15, label);

export function expand(values: number[], counts: number[]): number[] {
  const out: number[] = [];
  values.forEach((v, i) => {
    for (let k = 0; k < counts[i]; k++) out.push(v);
  });
  return out;
}
