import { expect } from 'chai';
import { combineMoments, coveringRanges, type CellMoments } from '../../../src/steps/cell-moments.ts';
import { rng } from './rng.ts';

/** One cell's partial moments, computed directly (two-pass) from its values. */
function cellOf(values: number[]): CellMoments {
  const n = values.length;
  if (!n) return { n: 0, mean: null, m2: 0, min: null, max: null };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  return { n, mean, m2: values.reduce((s, v) => s + (v - mean) ** 2, 0), min: Math.min(...values), max: Math.max(...values) };
}

describe('steps: combineMoments (per-row-group moments combined in row-group order)', () => {
  it('gives the mean, sample standard deviation, min and max of all values, with empty cells skipped', () => {
    const r = rng(7);
    // values far from zero with a small spread (the case a naive Σx² − n·x̄² would lose); the reference is computed
    // on the values minus 4096, which is exact here, so it carries no cancellation of its own
    const cells = [40, 0, 1, 250, 3].map((len) => Array.from({ length: len }, () => 4096 + r.uniform() * 10));
    const all = cells.flat();
    const whole = cellOf(all.map((v) => v - 4096));
    const got = combineMoments(cells.map(cellOf));
    expect(got.n).to.equal(all.length);
    expect(got.mean).to.be.closeTo((whole.mean as number) + 4096, 4096 * 1e-15);
    const std = Math.sqrt(whole.m2 / (all.length - 1));
    expect(got.std).to.be.closeTo(std, std * 1e-12);
    expect(got.min).to.equal(Math.min(...all));
    expect(got.max).to.equal(Math.max(...all));
  });

  it('is 0 for the standard deviation of a single value and null for the mean of none (as coalesce(stddev_samp, 0) and avg)', () => {
    expect(combineMoments([cellOf([]), cellOf([3])])).to.deep.equal({ n: 1, mean: 3, std: 0, min: 3, max: 3 });
    expect(combineMoments([cellOf([])])).to.deep.equal({ n: 0, mean: null, std: 0, min: null, max: null });
  });
});

describe('steps: coveringRanges (the cells summed again from the processed rows, as few statements)', () => {
  it('makes one range per run of consecutive cells, in cell order', () => {
    expect(coveringRanges([7, 3, 4, 9, 8], 10)).to.deep.equal([{ first: 3, end: 5 }, { first: 7, end: 10 }]);
    expect(coveringRanges([], 4)).to.deep.equal([]);
  });

  it('joins the runs nearest each other first when there are more than allowed, covering the cells between', () => {
    expect(coveringRanges([0, 10, 12, 30], 3)).to.deep.equal([{ first: 0, end: 1 }, { first: 10, end: 13 }, { first: 30, end: 31 }]);
    expect(coveringRanges([0, 10, 12, 30], 1)).to.deep.equal([{ first: 0, end: 31 }]);
  });

  it('covers every cell given, exactly once', () => {
    const cells = [5, 1, 17, 2, 40, 41, 23, 60];
    for (const max of [1, 2, 3, 5, 8]) {
      const ranges = coveringRanges(cells, max);
      expect(ranges.length).to.be.at.most(max);
      for (const c of cells) expect(ranges.filter((r) => r.first <= c && c < r.end), `cell ${c} at ${max}`).to.have.length(1);
      ranges.slice(1).forEach((r, i) => expect(r.first).to.be.at.least(ranges[i].end));
    }
  });
});
