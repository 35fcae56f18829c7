import { expect } from 'chai';
import { openDatabase } from '../../../src/db/database.ts';
import { seededRng } from '../../../src/stats/rng.ts';
import { quantileSorted, sharedHistogram } from '../../../src/stats/histogram.ts';

const sorted = (xs: number[]) => Float64Array.from(xs).sort();

describe('stats: shared histograms of two samples', () => {
  it('interpolates quantiles as DuckDB quantile_cont does', async () => {
    const rng = seededRng(7);
    const xs = Array.from({ length: 101 }, () => rng.uniform() * 10 - 3);
    const db = await openDatabase(':memory:');
    try {
      for (const p of [0, 0.001, 0.25, 0.5, 0.999, 1]) {
        const [{ q }] = await db.query<{ q: number }>('select quantile_cont(v, $1::double) as q from (select unnest($2::double[]) as v)', [p, xs]);
        expect(quantileSorted(sorted(xs), p), `p = ${p}`).to.be.closeTo(q, 1e-12);
      }
    } finally {
      await db.close();
    }
  });

  it('counts every value of both samples once, outliers in the end bins', () => {
    const ref = sorted([-1000, ...Array.from({ length: 9998 }, (_, i) => i / 100), 1000]);
    const cur = sorted([5, 5, 50, 99.7, 5000]);
    const bins = sharedHistogram(ref, cur, 10);
    expect(bins).to.have.length(10);
    expect(bins.reduce((a, b) => a + b.nRef, 0)).to.equal(ref.length);
    expect(bins.reduce((a, b) => a + b.nCur, 0)).to.equal(cur.length);
    // the range is the pooled 0.1%–99.9% quantiles: the ±1000 and 5000 fall in the first and last bins
    expect(bins[0].binStart).to.be.greaterThan(-1000);
    expect(bins[9].binEnd).to.be.lessThan(1000);
    expect(bins[9].nCur).to.equal(2);
    for (let i = 1; i < bins.length; i++) expect(bins[i].binStart).to.be.closeTo(bins[i - 1].binEnd, 1e-9);
  });

  it('gives one bin for a constant sample and none for no values', () => {
    expect(sharedHistogram(sorted([2, 2]), sorted([2]), 30)).to.deep.equal([{ bin: 0, binStart: 2, binEnd: 2, nRef: 2, nCur: 1 }]);
    expect(sharedHistogram(new Float64Array(0), new Float64Array(0), 30)).to.deep.equal([]);
  });
});
