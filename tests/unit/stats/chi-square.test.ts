import { expect } from 'chai';
import { chiSquareHomogeneity } from '../../../src/stats/chi-square.ts';
import { expectP, expectStat, ref } from './fixture.ts';

interface Chi2Case {
  name: string;
  ref: number[];
  cur: number[];
  statistic: number;
  pvalue: number;
  dof: number;
}

describe('stats/chi-square: homogeneity test vs scipy.stats.chi2_contingency', () => {
  const cases: Chi2Case[] = ref.chi2;

  it('fixture covers Yates (dof 1), dof > 1, zero cells, dof 0 and tiny p-values', () => {
    expect(cases.map((c) => c.dof)).to.include.members([0, 1, 3, 4, 39]);
    expect(cases.some((c) => c.pvalue > 0 && c.pvalue < 1e-200)).to.equal(true);
  });

  for (const c of cases) {
    it(`${c.name}: statistic 1e-9, p-value 1e-6 relative, dof exact`, () => {
      const r = chiSquareHomogeneity(c.ref, c.cur);
      expect(r.dof).to.equal(c.dof);
      expectStat(r.statistic, c.statistic, 'chi2');
      expectP(r.pValue, c.pvalue, 'p');
    });
  }

  it('applies Yates only for dof 1 (a 2-category table differs from the uncorrected statistic)', () => {
    const r = chiSquareHomogeneity([30, 70], [45, 55]);
    // Uncorrected Pearson statistic for this table is 4.8; Yates lowers it.
    expect(r.statistic).to.be.lessThan(4.8 - 0.1);
  });

  it('drops categories empty in both samples and is symmetric in its arguments', () => {
    const a = chiSquareHomogeneity([40, 0, 25, 0, 35], [30, 0, 28, 5, 30]);
    const b = chiSquareHomogeneity([40, 25, 0, 35], [30, 28, 5, 30]);
    expect(a).to.deep.equal(b);
    const swapped = chiSquareHomogeneity([30, 0, 28, 5, 30], [40, 0, 25, 0, 35]);
    expectStat(swapped.statistic, a.statistic, 'swapped');
  });

  it('throws for an empty sample or mismatched/invalid counts', () => {
    expect(() => chiSquareHomogeneity([0, 0], [1, 2])).to.throw(RangeError);
    expect(() => chiSquareHomogeneity([1, 2], [1])).to.throw(RangeError);
    expect(() => chiSquareHomogeneity([1, -2], [1, 2])).to.throw(RangeError);
  });
});
