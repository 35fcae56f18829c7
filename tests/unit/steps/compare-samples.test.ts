import { sql } from 'kysely';
import { expect } from 'chai';
import { openDatabase, type PipelineDb } from '../../../src/db/database.ts';
import { compareSamples } from '../../../src/steps/data-drift-detection.ts';
import { expectP, expectStat, ref } from '../stats/fixture.ts';
import { defaultConfig } from '../../support/helpers.ts';

/**
 * compareSamples reads both samples' numeric values from DuckDB and computes the ECDF distances in TypeScript:
 * checked here end to end against scipy (tests/fixtures/stats/make_fixtures.py) on samples stored in tables,
 * with NULL, NaN and ±inf values that must be left out of the distances and counted as missing.
 */
describe('steps: compareSamples (numeric drift statistics from stored samples)', () => {
  let db: PipelineDb;
  const cfg = defaultConfig().steps.data_drift_detection;

  before(async () => {
    db = await openDatabase(':memory:', { migrate: false });
  });
  after(async () => {
    await db.close();
  });

  async function load(u: number[], v: number[]): Promise<void> {
    await db.exec('create or replace table ref_sample (x double)');
    await db.exec('create or replace table cur_rows (batch_id integer, source_row bigint, x double)');
    for (const x of u) await db.query('insert into ref_sample values ($1)', [x]);
    for (const [i, x] of v.entries()) await db.query('insert into cur_rows values (1, $1, $2)', [i, x]);
    // values no statistic may count
    await db.exec("insert into ref_sample values (null), ('nan'::double), ('inf'::double)");
    await db.exec("insert into cur_rows values (1, -1, null), (1, -2, '-inf'::double)");
  }

  const samples = { referenceTable: 'ref_sample', currentRows: sql`(select * from cur_rows)`, currentNumeric: [{ name: 'x', sql: sql.id('x') }], currentCategorical: [] };

  for (const c of ref.ks.filter((k: { name: string }) => ['n5_m5_continuous', 'n20_m50_shifted', 'ties_int_30_45', 'ties_poisson_12_12'].includes(k.name))) {
    it(`KS on ${c.name}: D and the p-value as scipy's ks_2samp`, async () => {
      await load(c.a, c.b);
      const [f] = await compareSamples(db, samples, cfg);
      expect([f.nRef, f.nCur]).to.deep.equal([c.a.length, c.b.length]);
      expect([f.missing.missingRef, f.missing.missingCur]).to.deep.equal([3, 2]);
      expectStat(f.statistic as number, c.statistic, `${c.name} D`);
      expectP(f.pValue as number, c.pvalue.auto, `${c.name} p`);
    });
  }

  for (const c of ref.wasserstein.slice(0, 3)) {
    it(`Wasserstein on ${c.name}: the distance as scipy's, normalised by the reference's sample std`, async () => {
      await load(c.u, c.v);
      const [f] = await compareSamples(db, samples, cfg);
      expect([f.nRef, f.nCur]).to.deep.equal([c.u.length, c.v.length]);
      const detail = f.detail as { wasserstein: number; ref_std: number };
      expectStat(detail.wasserstein, c.distance, `${c.name} W1`);
      const mean = c.u.reduce((s: number, x: number) => s + x, 0) / c.u.length;
      const std = Math.sqrt(c.u.reduce((s: number, x: number) => s + (x - mean) ** 2, 0) / (c.u.length - 1));
      expectStat(detail.ref_std, std, `${c.name} std`);
      expectStat(f.effect as number, c.distance / std, `${c.name} normalised`);
      expect(f.effectMethod).to.equal('wasserstein');
    });
  }

  it('a feature without a finite value in one sample is reported with its missing share, not tested', async () => {
    await db.exec('create or replace table ref_sample (x double)');
    await db.exec("insert into ref_sample values (null), ('nan'::double)");
    await db.exec('create or replace table cur_rows (batch_id integer, source_row bigint, x double)');
    await db.exec('insert into cur_rows values (1, 1, 1.5), (1, 2, 2.5)');
    const [f] = await compareSamples(db, samples, cfg);
    expect(f.statistic).to.equal(null);
    expect(f.detail).to.deep.equal({ note: 'no non-missing value in the reference' });
    // The reference is all missing, the batch has none: the batch's missing share did not rise.
    expect(f.missing).to.include({ missingRef: 2, missingCur: 0, shareRef: 1, shareCur: 0, pValue: 1, drifted: false });
    expect(f.drifted).to.equal(false);
  });
});
