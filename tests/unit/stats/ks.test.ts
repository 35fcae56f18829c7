import { expect } from 'chai';
import { ksPValue, ksStatistic, ksStatisticFromCounts, ksTest, ksTestFromCounts } from '../../../src/stats/ks.ts';
import { kstwoSf } from '../../../src/stats/kolmogorov.ts';
import { expand, expectClose, expectP, expectStat, ref } from './fixture.ts';

type Method = 'auto' | 'exact' | 'asymp';

interface KsCase {
  name: string;
  n: number;
  m: number;
  a?: number[];
  b?: number[];
  values?: number[];
  aCounts?: number[];
  bCounts?: number[];
  statistic: number;
  pvalue: Partial<Record<Method, number>>;
}

const cases: KsCase[] = ref.ks;

function samples(c: KsCase): [number[], number[]] {
  if (c.a && c.b) return [c.a, c.b];
  return [expand(c.values!, c.aCounts!), expand(c.values!, c.bCounts!)];
}

describe('stats/ks: two-sample Kolmogorov–Smirnov vs scipy.stats.ks_2samp', () => {
  it('fixture covers small, tied, unequal, large-asymptotic, identical and separated samples', () => {
    expect(cases.length).to.be.greaterThanOrEqual(20);
    expect(cases.some((c) => Math.max(c.n, c.m) > 10000)).to.equal(true);
    expect(cases.some((c) => c.statistic === 0)).to.equal(true);
    expect(cases.some((c) => c.statistic === 1)).to.equal(true);
  });

  for (const c of cases) {
    describe(`${c.name} (n=${c.n}, m=${c.m})`, () => {
      const [a, b] = samples(c);

      it('statistic matches scipy to 1e-9', () => {
        expectStat(ksStatistic(a, b), c.statistic, 'D');
        expectStat(ksStatistic(b, a), c.statistic, 'D (swapped)');
      });

      if (c.values) {
        it('statistic from counts-by-value equals the expanded-sample statistic', () => {
          expect(ksStatisticFromCounts(c.values!, c.aCounts!, c.bCounts!)).to.equal(ksStatistic(a, b));
          expectStat(ksStatisticFromCounts(c.values!, c.aCounts!, c.bCounts!), c.statistic, 'D from counts');
        });
      }

      for (const [method, p] of Object.entries(c.pvalue) as [Method, number][]) {
        it(`p-value (method=${method}) matches scipy to 1e-6 relative`, () => {
          const res = ksTest(a, b, method);
          expectP(res.pValue, p, `p ${method}`);
          expect(res.n).to.equal(c.n);
          expect(res.m).to.equal(c.m);
          expectP(ksPValue(c.statistic, c.n, c.m, method), p, `ksPValue ${method}`);
        });
      }
    });
  }

  it('counts-by-value test agrees with the raw-sample test for a large case', () => {
    const c = cases.find((x) => x.name === 'large_20000_12000_tiny_p')!;
    const fromCounts = ksTestFromCounts(c.values!, c.aCounts!, c.bCounts!);
    expect(fromCounts.n).to.equal(20000);
    expect(fromCounts.m).to.equal(12000);
    expect(fromCounts.method).to.equal('asymp');
    expectP(fromCounts.pValue, c.pvalue.auto!, 'p from counts');
    expect(fromCounts.pValue).to.be.greaterThan(0).and.lessThan(1e-80);
  });

  it('statistic handles ties across samples by evaluating both ECDFs at each pooled value', () => {
    // At x = 1 both ECDFs jump together; a naive merge that steps one sample at a time reports 0.5.
    expect(ksStatistic([1, 1, 2], [1, 2, 2])).to.be.closeTo(1 / 3, 1e-15);
    expect(ksStatistic([1, 2, 3], [3, 2, 1])).to.equal(0);
  });

  it('reports which method was used, and auto switches to asymp above 10000', () => {
    expect(ksTest([1, 2, 3], [4, 5, 6]).method).to.equal('exact');
    expect(ksTest([1, 2, 3], [4, 5, 6], 'asymp').method).to.equal('asymp');
    expect(ksPValue(0.01, 10001, 5)).to.equal(ksPValue(0.01, 10001, 5, 'asymp'));
  });

  it("gives NaN for n = m = 1 with 'asymp' (effective size rounds to 0), as scipy does", () => {
    expect(ksPValue(1, 1, 1, 'asymp')).to.be.NaN;
    expect(ksPValue(1, 1, 1, 'exact')).to.equal(1);
  });

  it('rejects invalid input instead of returning NaN', () => {
    expect(() => ksStatistic([], [1])).to.throw(RangeError);
    expect(() => ksStatistic([1, Number.NaN], [1])).to.throw(RangeError);
    expect(() => ksPValue(1.5, 3, 4)).to.throw(RangeError);
    expect(() => ksPValue(0.5, 0, 4)).to.throw(RangeError);
    expect(() => ksStatisticFromCounts([2, 1], [1, 1], [1, 1])).to.throw(RangeError);
    expect(() => ksStatisticFromCounts([1, 2], [0, 0], [1, 1])).to.throw(RangeError);
    expect(() => ksStatisticFromCounts([1, 2], [1, -1], [1, 1])).to.throw(RangeError);
  });
});

describe('stats/ks: p-value grid (d, n, m) vs scipy dispatch', () => {
  const grid: { n: number; m: number; d: number; auto: number; asymp: number; exact?: number }[] = ref.ksPValueGrid;
  it(`matches ${grid.length} grid points for every method`, () => {
    expect(grid.length).to.be.greaterThan(50);
    for (const g of grid) {
      const label = `d=${g.d} n=${g.n} m=${g.m}`;
      expectP(ksPValue(g.d, g.n, g.m, 'auto'), g.auto, `${label} auto`);
      expectP(ksPValue(g.d, g.n, g.m, 'asymp'), g.asymp, `${label} asymp`);
      if (g.exact !== undefined) expectP(ksPValue(g.d, g.n, g.m, 'exact'), g.exact, `${label} exact`);
    }
  });
});

describe('stats/kolmogorov: kstwoSf vs scipy.stats.kstwo.sf across all _kolmogn branches', () => {
  const grid: { n: number; x: number; sf: number }[] = ref.kstwoSf;
  it(`matches ${grid.length} (n, x) points to 1e-6 relative`, () => {
    expect(grid.length).to.be.greaterThan(300);
    for (const g of grid) expectP(kstwoSf(g.x, g.n), g.sf, `kstwo.sf(${g.x}, ${g.n})`);
  });

  it('is in fact within 1e-9 relative of scipy wherever the value is a normal double', () => {
    // Stricter than the 1e-6 p-value contract: guards the log-space Smirnov sum, which loses
    // ~1e-9 at n = 250000 if log C(n, j) is accumulated without compensation.
    for (const g of grid.filter((r) => r.sf > 1e-300)) {
      expectClose(kstwoSf(g.x, g.n), g.sf, 1e-9, 0, `kstwo.sf(${g.x}, ${g.n})`);
    }
  });

  it('keeps tiny upper tails instead of underflowing through 1 - cdf', () => {
    const tiny = grid.filter((g) => g.sf > 0 && g.sf < 1e-100);
    expect(tiny.length).to.be.greaterThan(5);
    for (const g of tiny) expect(kstwoSf(g.x, g.n)).to.be.greaterThan(0);
  });

  it('returns NaN for a non-integer or zero n, like scipy', () => {
    expect(kstwoSf(0.3, 0)).to.be.NaN;
    expect(kstwoSf(0.3, 2.5)).to.be.NaN;
  });
});
