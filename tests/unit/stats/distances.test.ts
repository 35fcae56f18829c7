import { expect } from 'chai';
import { jensenShannonDistance } from '../../../src/stats/jensen-shannon.ts';
import { populationStabilityIndex } from '../../../src/stats/psi.ts';
import { wasserstein1, wasserstein1FromCounts } from '../../../src/stats/wasserstein.ts';
import { expand, expectStat, ref } from './fixture.ts';

describe('stats/wasserstein: W1 vs scipy.stats.wasserstein_distance', () => {
  const plain: { name: string; u: number[]; v: number[]; distance: number }[] = ref.wasserstein;
  const weighted: { name: string; values: number[]; uCounts: number[]; vCounts: number[]; distance: number }[] =
    ref.wassersteinCounts;

  for (const c of plain) {
    it(`${c.name}: matches scipy to 1e-9 and is symmetric`, () => {
      expectStat(wasserstein1(c.u, c.v), c.distance, 'W1');
      expectStat(wasserstein1(c.v, c.u), c.distance, 'W1 swapped');
    });
  }

  for (const c of weighted) {
    it(`${c.name}: counts-by-value form matches scipy (u_weights/v_weights) and the expanded samples`, () => {
      expectStat(wasserstein1FromCounts(c.values, c.uCounts, c.vCounts), c.distance, 'W1 counts');
      expectStat(wasserstein1(expand(c.values, c.uCounts), expand(c.values, c.vCounts)), c.distance, 'W1 expanded');
    });
  }

  it('equals the shift for a translated sample', () => {
    expect(wasserstein1([0, 1, 2, 3], [2.5, 3.5, 4.5, 5.5])).to.be.closeTo(2.5, 1e-12);
  });

  it('rejects empty, non-finite, unsorted or zero-weight input', () => {
    expect(() => wasserstein1([], [1])).to.throw(RangeError);
    expect(() => wasserstein1([Number.POSITIVE_INFINITY], [1])).to.throw(RangeError);
    expect(() => wasserstein1FromCounts([2, 1], [1, 1], [1, 1])).to.throw(RangeError);
    expect(() => wasserstein1FromCounts([1, 2], [0, 0], [1, 1])).to.throw(RangeError);
  });
});

describe('stats/jensen-shannon: distance vs scipy.spatial.distance.jensenshannon(base=2)', () => {
  const cases: { name: string; p: number[]; q: number[]; distance: number }[] = ref.jensenShannon;
  for (const c of cases) {
    it(`${c.name}: matches scipy to 1e-9`, () => {
      expectStat(jensenShannonDistance(c.p, c.q), c.distance, 'JS');
      expectStat(jensenShannonDistance(c.q, c.p), c.distance, 'JS swapped');
    });
  }

  it('is exactly 1 for disjoint supports and 0 for proportional histograms', () => {
    expect(jensenShannonDistance([1, 1, 0, 0], [0, 0, 2, 3])).to.be.closeTo(1, 1e-15);
    expect(jensenShannonDistance([3, 3, 4], [30, 30, 40])).to.equal(0);
  });

  it('throws on an all-zero histogram or negative counts', () => {
    expect(() => jensenShannonDistance([0, 0], [1, 1])).to.throw(RangeError);
    expect(() => jensenShannonDistance([1, -1], [1, 1])).to.throw(RangeError);
  });
});

describe('stats/psi: population stability index (hand-computed values)', () => {
  it('ref [50,30,20] vs cur [40,30,30] = 0.1·ln(1.875)', () => {
    expectStat(populationStabilityIndex([50, 30, 20], [40, 30, 30]), 0.0628608659422374137744308205774, 'PSI');
  });

  it('is invariant to the scale of the counts and zero for identical shares', () => {
    expectStat(populationStabilityIndex([500, 300, 200], [4, 3, 3]), 0.0628608659422374137744308205774, 'PSI scaled');
    expect(populationStabilityIndex([1, 2, 3], [10, 20, 30])).to.equal(0);
  });

  it('floors an empty bin share at epsilon = 1e-4 by default', () => {
    // shares r = [1, 0→1e-4], c = [0.99, 0.01]
    expectStat(populationStabilityIndex([100, 0], [99, 1]), 0.0456916881998171189553917193783, 'PSI zero bin');
  });

  it('a bin empty in both samples contributes nothing', () => {
    // shares r = [.5, 0, .5], c = [.25, 0, .75] → 0.25·ln 3
    expectStat(populationStabilityIndex([10, 0, 10], [5, 0, 15]), 0.274653072167027422848811309231, 'PSI both zero');
  });

  it('honours a custom epsilon', () => {
    // shares r = [1, 0→0.01], c = [0→0.01, 1] → 2·0.99·ln 100
    expectStat(populationStabilityIndex([1, 0], [0, 1], 0.01), 9.11823696825642090871124616055, 'PSI eps');
  });

  it('throws on empty histograms, mismatched lengths and a non-positive epsilon', () => {
    expect(() => populationStabilityIndex([0, 0], [1, 1])).to.throw(RangeError);
    expect(() => populationStabilityIndex([1, 2], [1])).to.throw(RangeError);
    expect(() => populationStabilityIndex([1, 2], [1, 2], 0)).to.throw(RangeError);
  });
});
