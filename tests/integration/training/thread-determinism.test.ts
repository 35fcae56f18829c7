/**
 * The stored statistics of a training run do not depend on the number of threads, nor on the run: the per-cell
 * aggregates (the one pass fold_sums_cells, and design_sums_cells for the cells summed again from the processed rows)
 * run as one statement per range of cells, each at one thread, and the cells are added up in cell order
 * (src/steps/cell-moments.ts). So one database trained at 1,
 * 2 and 3 threads, and at 2 threads a second time, must store the same numbers, bit for bit: the model (intercept,
 * coefficients, (XᵀX)⁻¹, feature means, residual variance, training metrics), the processing's fitted parameters and
 * per-feature statistics, the split's counts and every design sum.
 *
 * Data: 260 000 rows (200 facilities × 1 300 days), three cells of raw_data's rowids, so at 2 and 3 threads the cells
 * are split across 2 and 3 statements (checked from the statements the run executed).
 */
import { expect } from 'chai';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../../src/db/database.ts';
import { ingestFile } from '../../../src/ingest/ingest.ts';
import { runTrainingPipeline } from '../../../src/pipelines/training.ts';
import { recordStatements } from '../../../src/sql/recorder.ts';
import { defaultConfig, generateFile, removeDir, tmpDir } from '../../support/helpers.ts';

const ROWS = 260_000;

/** Everything a run stored that is a statistic, as text that shows every bit of every double. */
interface Stored {
  model: string;
  processing: string;
  split: string;
  designSums: string;
  /** How many statements computed fold_sums_cells and design_sums_cells. */
  parts: { fold_sums_cells: number; design_sums_cells: number };
}

describe('training: stored statistics are bit-identical at any number of threads', function () {
  this.timeout(600_000);
  let dir: string;
  let ingested: string;
  let copies = 0;

  before(async () => {
    dir = tmpDir('mlp-threads-');
    const file = path.join(dir, 'rows.csv');
    await generateFile(file, { rows: ROWS, seed: 11, facilities: 200, startDate: '2024-01-01' });
    ingested = path.join(dir, 'ingested.duckdb');
    const db = await openDatabase(ingested);
    try {
      await ingestFile(db, defaultConfig(), file);
    } finally {
      await db.close();
    }
  });

  after(() => removeDir(dir));

  /** Trains a copy of the ingested database with DuckDB on `threads` threads and reads what the run stored. */
  async function trainCopy(threads: number, source = ingested): Promise<Stored> {
    const copy = path.join(dir, `copy-${++copies}.duckdb`);
    copyFileSync(source, copy);
    const config = defaultConfig();
    const db = await openDatabase(copy, { threads, deterministic: true });
    const rec = recordStatements();
    try {
      const out = await runTrainingPipeline(db, config, 'DEV');
      const text = async (q: string, params: unknown[] = []) => JSON.stringify(await db.query(q, params), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
      const count = (file: string) => rec.statements.filter((s) => s.file === `sql/data_processing/${file}.sql`).length;
      return {
        model: await text(
          `select intercept, coefficients::varchar as c, coefficients_original::varchar as co, cov_unscaled::varchar as cov, feature_means::varchar as fm,
                  residual_variance, r2_train, rmse_train, n_train, data_fingerprint
           from models where model_version = $1`,
          [out.modelVersion],
        ),
        processing: await text('select scaling::varchar as s, clip_bounds::varchar as b, feature_stats::varchar as f, levels::varchar as l, replay_counts::varchar as r from data_processing_metadata where run_id = $1', [out.runId]),
        split: await text('select n_train, n_test, train_min_time::varchar as a, test_max_time::varchar as b from train_test_split_metadata where run_id = $1', [out.runId]),
        designSums: await text(`select * exclude (min_time, max_time), min_time::varchar as min_time, max_time::varchar as max_time from design_sums_r${out.runId} order by all`),
        parts: { fold_sums_cells: count('fold_sums_cells'), design_sums_cells: count('design_sums_cells') },
      };
    } finally {
      rec.stop();
      await db.close();
    }
  }

  it('trains the same database at 1, 2, 3 and again 2 threads to the same stored numbers, bit for bit', async () => {
    // Four trainings: every number of threads against the first (1 thread), and the run repeated at 2 threads, where
    // the ranges of cells are summed at once on two connections and may end in either order. (A repeat at 1 thread,
    // one statement over all the cells, was a fifth training: the run-to-run check is the one at 2 threads.)
    const runs: { threads: number; stored: Stored }[] = [];
    for (const threads of [1, 2, 3, 2]) runs.push({ threads, stored: await trainCopy(threads) });
    // the cells were really split: one statement per thread (three cells)
    for (const r of runs) expect(r.stored.parts, `statements at ${r.threads} threads`).to.deep.equal({ fold_sums_cells: r.threads, design_sums_cells: r.threads });
    const [first, ...rest] = runs;
    expect(JSON.parse(first.stored.designSums)).to.have.length.greaterThan(100);
    for (const r of rest) {
      for (const key of ['model', 'processing', 'split', 'designSums'] as const) {
        expect(r.stored[key], `${key} at ${r.threads} threads vs ${first.threads}`).to.equal(first.stored[key]);
      }
    }
  });

  it('sums the cells of the one pass and the cells summed again from the processed rows the same way at any number of threads, and as the processed rows give them', async () => {
    // Every value inside the training rows' range (clamped, so the bounds are reached by training rows), except one
    // test row of the middle cell: that cell is summed again from the processed rows, the two others come from the
    // one pass by algebra.
    const mixed = path.join(dir, 'mixed.duckdb');
    copyFileSync(ingested, mixed);
    const db = await openDatabase(mixed);
    try {
      await db.exec(`update raw_data set temperature_c = least(greatest(temperature_c, 0), 25), energy_mwh = least(greatest(energy_mwh, 30), 200),
        renewable_share = least(greatest(renewable_share, 0.1), 0.7), activity_index = least(greatest(activity_index, 80), 120),
        fuel_price_eur_mwh = least(greatest(fuel_price_eur_mwh, 60), 100)`);
      await db.exec(`update raw_data set temperature_c = 40 where rowid = (select min(rowid) from raw_data where rowid // 122880 = 1 and (hash(42::bigint, facility_id, "date") % 1000000) < 200000)`);
    } finally {
      await db.close();
    }
    const runs: { threads: number; stored: Stored }[] = [];
    for (const threads of [1, 2, 3]) runs.push({ threads, stored: await trainCopy(threads, mixed) });
    // the middle cell alone summed again, in one statement
    for (const r of runs) expect(r.stored.parts, `statements at ${r.threads} threads`).to.deep.equal({ fold_sums_cells: r.threads, design_sums_cells: 1 });
    const [first, ...rest] = runs;
    for (const r of rest) {
      for (const key of ['model', 'processing', 'split', 'designSums'] as const) {
        expect(r.stored[key], `${key} at ${r.threads} threads vs ${first.threads}`).to.equal(first.stored[key]);
      }
    }
    expect(JSON.parse(first.stored.processing)[0].r).to.include('"rows_out_of_range":1');
    // the design sums equal the sums over the processed rows, column by column to 1e-9 of the column's largest value
    const copy = path.join(dir, `copy-${copies}.duckdb`);
    const check = await openDatabase(copy, { readOnly: true });
    try {
      const stored = await check.query<Record<string, unknown>>('select * exclude (y_shift, batches, min_time, max_time, rows_hash) from design_sums_r1 order by region, sector, is_test');
      const [{ y_shift: yShift }] = await check.query<{ y_shift: number }>('select any_value(y_shift) as y_shift from design_sums_r1');
      const numerics = ['temperature_c', 'energy_mwh', 'renewable_share', 'activity_index', 'fuel_price_eur_mwh', 'fossil_energy_mwh', 'cal_month_sin', 'cal_month_cos', 'cal_dow_sin', 'cal_dow_cos'];
      const present = (await check.query<{ name: string }>('select name from pragma_table_info(\'processed_r1\')')).map((r) => r.name);
      const xs = numerics.filter((n) => present.includes(n));
      expect(xs.length).to.be.greaterThan(5);
      const sums = [
        'count(*) as n', `sum(co2_tonnes - ${yShift}) as sum_y`, `sum((co2_tonnes - ${yShift}) ^ 2) as sum_yy`,
        ...xs.map((x, i) => `sum("${x}") as sx_${i}`),
        ...xs.map((x, i) => `sum("${x}" * (co2_tonnes - ${yShift})) as sxy_${i}`),
        ...xs.flatMap((x, i) => xs.slice(i).map((z, j) => `sum("${x}" * "${z}") as sxx_${i}_${i + j}`)),
        'count(*) filter (where clipped_values > 0) as rows_out_of_range',
      ];
      const direct = await check.query<Record<string, unknown>>(`select region, sector, is_test, ${sums.join(', ')} from processed_r1 group by all order by region, sector, is_test`);
      expect(direct.length).to.equal(stored.length);
      for (const col of Object.keys(direct[0]).filter((k) => !['region', 'sector', 'is_test'].includes(k))) {
        const scale = Math.max(...direct.map((r) => Math.abs(Number(r[col]))), 1);
        direct.forEach((r, i) => {
          expect(stored[i].region).to.equal(r.region);
          expect(Math.abs(Number(stored[i][col]) - Number(r[col])), `${col} of group ${i}`).to.be.at.most(1e-9 * scale);
        });
      }
    } finally {
      await check.close();
    }
  });
});
