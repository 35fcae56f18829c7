import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { errorRatioTest, effectiveDof } from '../../../src/stats/error-ratio.ts';
import { binomialLowerPValue } from '../../../src/stats/error-tests.ts';
import { fisherExactGreater } from '../../../src/stats/fisher.ts';
import { holmAdjust } from '../../../src/stats/holm.ts';
import { ksStatistic } from '../../../src/stats/ks.ts';
import { chiSquarePermutationTest } from '../../../src/stats/permutation.ts';
import { seededRng } from '../../../src/stats/rng.ts';
import { sortedSampleDistances } from '../../../src/stats/sorted-distances.ts';
import { wasserstein1 } from '../../../src/stats/wasserstein.ts';
import { expectClose, expectP, expectStat } from './fixture.ts';

/** Reference values written by tests/fixtures/stats/make_drift_fixtures.py (scipy). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ref: any = JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/stats/drift_reference.json', import.meta.url)), 'utf8'));

describe('stats: sortedSampleDistances (KS D and W1 in one pass over sorted samples)', () => {
  it('equals ksStatistic and wasserstein1 to the last bit, with and without ties', () => {
    const rng = seededRng(11);
    for (let trial = 0; trial < 60; trial++) {
      const n = 1 + rng.int(300);
      const m = 1 + rng.int(300);
      const ties = trial % 2 === 0;
      const draw = (shift: number) => (ties ? Math.round(rng.normal() * 3 + shift) : rng.normal() + shift);
      const a = Float64Array.from({ length: n }, () => draw(0)).sort();
      const b = Float64Array.from({ length: m }, () => draw(trial % 3 === 0 ? 0.5 : 0)).sort();
      const d = sortedSampleDistances(a, b);
      expect(d.ksD, `trial ${trial} D`).to.equal(ksStatistic(a, b));
      expect(d.wasserstein, `trial ${trial} W1`).to.equal(wasserstein1(a, b));
    }
  });

  it('refuses unsorted input', () => {
    expect(() => sortedSampleDistances([2, 1], [1])).to.throw(/sorted/);
  });
});

describe('stats: fisherExactGreater (missing-share jumps)', () => {
  for (const c of ref.fisher_greater) {
    it(`table ${JSON.stringify(c.table)}: scipy fisher_exact(alternative='greater') = ${c.p}`, () => {
      const [[a, b], [cc, d]] = c.table;
      expectP(fisherExactGreater(a, b, cc, d), c.p, 'p');
    });
  }
});

describe('stats: errorRatioTest (batch MSE vs evaluation MSE, F with both n)', () => {
  for (const c of ref.f_sf) {
    it(`F ${c.f} with (${c.d1}, ${c.d2}) dof: upper tail and 98.75% quantile as scipy.stats.f (jstat, 1e-7)`, () => {
      // errorRatioTest with tolerance 1 and normal errors is exactly F = batchMse/referenceMse with (n, n_ref) dof.
      const r = errorRatioTest({ batchMse: c.f, nBatch: c.d1, referenceMse: 1, nReference: c.d2, tolerance: 1, level: 0.0125 });
      expectStat(r.statistic, c.f, 'F');
      expect([r.dof1, r.dof2]).to.deep.equal([c.d1, c.d2]);
      expectClose(r.pValue, c.sf, 1e-7, 1e-15, 'sf');
      expectClose(r.lowerBound, Math.sqrt(c.f / c.ppf_09875), 1e-8, 0, 'lower bound');
    });
  }

  it('tests the ratio against the tolerance: F = (MSE ratio) / tolerance², drift iff the lower bound exceeds the tolerance', () => {
    const r = errorRatioTest({ batchMse: 9, nBatch: 100, referenceMse: 4, nReference: 30000, tolerance: 1.25, level: 0.0125 });
    expectStat(r.rmseRatio, 1.5, 'ratio');
    expectStat(r.statistic, 2.25 / 1.5625, 'F');
    expect(r.pValue < 0.0125).to.equal(r.lowerBound > 1.25);
  });

  it('heavy tails (kurtosis κ > 3) shrink the degrees of freedom by 2/(κ − 1); light tails never add any', () => {
    expect(effectiveDof(100, 3)).to.equal(100);
    expect(effectiveDof(100, 2)).to.equal(100);
    expect(effectiveDof(100, 9)).to.equal(25);
    const normal = errorRatioTest({ batchMse: 2, nBatch: 100, referenceMse: 1, nReference: 10000, tolerance: 1, level: 0.05 });
    const heavy = errorRatioTest({ batchMse: 2, nBatch: 100, referenceMse: 1, nReference: 10000, tolerance: 1, level: 0.05, kurtosis: 9 });
    expect(heavy.pValue).to.be.greaterThan(normal.pValue);
  });

  it('holds its level under the null (normal errors): simulated false-alarm rate ≈ level', () => {
    const rng = seededRng(5);
    const refMse = (() => {
      let s = 0;
      for (let i = 0; i < 5000; i++) s += rng.normal() ** 2;
      return s / 5000;
    })();
    let alarms = 0;
    const trials = 4000;
    for (let t = 0; t < trials; t++) {
      let s = 0;
      for (let i = 0; i < 20; i++) s += rng.normal() ** 2;
      if (errorRatioTest({ batchMse: s / 20, nBatch: 20, referenceMse: refMse, nReference: 5000, tolerance: 1, level: 0.05 }).pValue < 0.05) alarms++;
    }
    // One reference sample: its own noise (±2% of σ²) moves the rate a little; binomial SD at 4000 trials ≈ 0.0035.
    expect(alarms / trials).to.be.within(0.035, 0.065);
  });
});

describe('stats: binomialLowerPValue (interval coverage of a labelled batch)', () => {
  for (const c of ref.binom_cdf) {
    it(`${c.k} of ${c.n} covered at level ${c.p}: scipy binom.cdf = ${c.cdf}`, () => {
      expectP(binomialLowerPValue(c.k, c.n, c.p), c.cdf, 'P(X ≤ k)');
    });
  }
});

describe('stats: holmAdjust', () => {
  for (const c of ref.holm) {
    it(`${c.p.length} p-values: Holm step-down adjustment`, () => {
      const adj = holmAdjust(c.p);
      c.adjusted.forEach((e: number, i: number) => expectStat(adj[i], e, `p[${i}]`));
    });
  }
});

describe('stats: chiSquarePermutationTest (valid p-value for sparse tables)', () => {
  for (const c of ref.permutation) {
    it(`ref ${JSON.stringify(c.ref)} vs cur ${JSON.stringify(c.cur)}: Monte-Carlo p within 4 SE of the exact conditional p ${c.exact_p.toPrecision(4)}`, () => {
      const B = 20000;
      const r = chiSquarePermutationTest(c.ref, c.cur, B, 99);
      expectStat(r.statistic, c.statistic, 'X²');
      const se = Math.sqrt((c.exact_p * (1 - c.exact_p)) / B) + 1 / B;
      expect(Math.abs(r.pValue - c.exact_p), `p ${r.pValue}`).to.be.below(4 * se);
    });
  }

  it('is deterministic for a seed and never returns 0', () => {
    const a = chiSquarePermutationTest([100, 0], [0, 10], 199, 3);
    expect(a).to.deep.equal(chiSquarePermutationTest([100, 0], [0, 10], 199, 3));
    expect(a.pValue).to.equal(1 / 200);
  });
});
