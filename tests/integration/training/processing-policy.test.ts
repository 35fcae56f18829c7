/**
 * What data_processing fits, and on which rows: the split is decided first and every fitted statistic (scaling,
 * clip bounds, levels, imputation values, the drift reference sample) comes from the training rows only; the
 * contract's missing-value policy per feature, fitted in training and replayed identically in prediction, with
 * imputed rows flagged; a feature constant on the training rows left out of the design instead of clipped to [c, c].
 *
 * Data: 3 000 synthetic rows (30 facilities × 100 days, seed 11) to train on and 3 000 later rows (seed 12) to score,
 * with values blanked in a fixed pattern. Real DuckDB files in a temp folder.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../../src/config/load.ts';
import { ConfigError } from '../../../src/errors.ts';
import { openDatabase, type PipelineDb } from '../../../src/db/database.ts';
import { ingestFile } from '../../../src/ingest/ingest.ts';
import { runPredictionPipeline, type PredictionOutcome } from '../../../src/pipelines/prediction.ts';
import { runTrainingPipeline, type TrainingOutcome } from '../../../src/pipelines/training.ts';
import { configWith, generateFile, useTmpDir } from '../../support/helpers.ts';

const ROWS = 3000;
const FACILITIES = 30;

/** Blanks (or sets) values of a generated CSV in place: `edit(row index, column name, value)` returns the new value. */
function editCsv(file: string, edit: (i: number, column: string, value: string) => string): void {
  const [header, ...lines] = readFileSync(file, 'utf8').trimEnd().split('\n');
  const cols = header.split(',');
  const out = lines.map((line, i) => line.split(',').map((v, j) => edit(i, cols[j], v)).join(','));
  writeFileSync(file, [header, ...out].join('\n') + '\n');
}

/** The blanking pattern: which row loses which value. */
const blank = (i: number, column: string): boolean =>
  (column === 'temperature_c' && i % 10 === 3) || (column === 'fuel_price_eur_mwh' && i % 13 === 5) || (column === 'sector' && i % 17 === 2) || (column === 'region' && i % 19 === 4);

const missingConfig = (edit: (raw: Record<string, any>) => void = () => {}): Config =>
  configWith((raw) => {
    const col = (name: string) => raw.dataset.columns.find((c: { name: string }) => c.name === name);
    col('temperature_c').missing = { impute: 'median', indicator: true };
    col('fuel_price_eur_mwh').nullable = true;
    col('sector').missing = 'most_frequent';
    col('region').missing = 'missing_level';
    edit(raw);
  });

async function one<R>(db: PipelineDb, sql: string, params: unknown[] = []): Promise<R> {
  const rows = await db.query<R>(sql, params);
  expect(rows, sql).to.have.length(1);
  return rows[0];
}

interface Processing {
  scaling: Record<string, { mean: number; std: number }>;
  clip_bounds: Record<string, [number, number]>;
  levels: Record<string, string[]>;
  feature_stats: { missing: { numeric: Record<string, { impute: string; fill: number }>; categorical: Record<string, { policy: string; fill: string | null }> }; categorical: Record<string, Record<string, number>>; dropped_features: { name: string; reason: string }[] };
  processed_table: string;
}

async function processingOf(db: PipelineDb, runId: number): Promise<Processing> {
  const r = await one<Record<string, string>>(
    db,
    'select scaling::varchar as scaling, clip_bounds::varchar as clip_bounds, levels::varchar as levels, feature_stats::varchar as feature_stats, processed_table from data_processing_metadata where run_id = $1 and fitted_run_id = $1',
    [runId],
  );
  return { scaling: JSON.parse(r.scaling), clip_bounds: JSON.parse(r.clip_bounds), levels: JSON.parse(r.levels), feature_stats: JSON.parse(r.feature_stats), processed_table: r.processed_table };
}

describe('data_processing: fitted on training rows only, a missing-value policy per feature, constant features', function () {
  this.timeout(120_000);
  const tmp = useTmpDir('mlp-proc-');
  const open: PipelineDb[] = [];
  after(async () => {
    for (const db of open) await db.close();
  });

  describe('with missing values under the contract policy', () => {
    let config: Config;
    let db: PipelineDb;
    let trained: TrainingOutcome;
    let scored: PredictionOutcome;
    let proc: Processing;
    /** raw_data rows of the training side of the split */
    const TRAIN_RAW = (runId: number) => `(select r.* from raw_data r semi join train_r${runId} t on t.batch_id = r.batch_id and t.source_row = r.source_row)`;

    before(async () => {
      config = missingConfig();
      const train = path.join(tmp(), 'train.csv');
      const batch = path.join(tmp(), 'batch.csv');
      await generateFile(train, { rows: ROWS, seed: 11, facilities: FACILITIES, startDate: '2024-01-01' }, config);
      await generateFile(batch, { rows: ROWS, seed: 12, facilities: FACILITIES, startDate: '2024-06-01' }, config);
      for (const f of [train, batch]) editCsv(f, (i, c, v) => (blank(i, c) ? '' : v));
      db = await openDatabase(path.join(tmp(), 'missing.duckdb'), { threads: config.duckdb.threads });
      open.push(db);
      const ing = await ingestFile(db, config, train);
      expect(ing.rowsQuarantined, 'blank values of nullable columns are accepted').to.equal(0);
      trained = await runTrainingPipeline(db, config, 'DEV');
      proc = await processingOf(db, trained.runId);
      scored = await runPredictionPipeline(db, config, 'DEV', { input: batch });
    });

    it('fits scaling and clip bounds on the training rows of the split, not on train + test', async () => {
      const t = await one<{ mean: number; lo: number; hi: number; all_mean: number; n_train: number; n_all: number }>(
        db,
        `select avg(energy_mwh) as mean, min(energy_mwh) as lo, max(energy_mwh) as hi, (select avg(energy_mwh) from raw_data) as all_mean,
                count(*) as n_train, (select count(*) from raw_data) as n_all
         from ${TRAIN_RAW(trained.runId)}`,
      );
      expect(t.n_train).to.be.below(t.n_all);
      expect(proc.scaling.energy_mwh.mean).to.be.closeTo(t.mean, 1e-9 * Math.abs(t.mean));
      expect(Math.abs(proc.scaling.energy_mwh.mean - t.all_mean), 'differs from the train + test mean').to.be.above(1e-6);
      expect(proc.clip_bounds.energy_mwh).to.deep.equal([t.lo, t.hi]);
    });

    it('fits category levels and the drift reference sample on the training rows only', async () => {
      const counts = await db.query<{ sector: string | null; n: number }>(`select sector, count(*) as n from ${TRAIN_RAW(trained.runId)} group by sector`);
      const byLevel = Object.fromEntries(counts.map((c) => [c.sector ?? '(null)', c.n]));
      expect(proc.feature_stats.categorical.sector).to.deep.equal(byLevel);
      const split = await one<{ n_train: number; n_test: number }>(db, 'select n_train, n_test from train_test_split_metadata where run_id = $1', [trained.runId]);
      expect(split.n_test).to.be.above(0);
      const ref = await one<{ n: number; nulls: number }>(db, `select count(*) as n, count(*) filter (where temperature_c is null) as nulls from reference_r${trained.runId}`);
      expect(ref.n, 'the reference sample holds the training rows only').to.equal(split.n_train);
      const trainNulls = await one<{ n: number }>(db, `select count(*) as n from ${TRAIN_RAW(trained.runId)} where temperature_c is null`);
      expect(ref.nulls).to.equal(trainNulls.n);
    });

    it('imputes a numeric with its training median (or mean), the same value in training and in prediction, not the minimum', async () => {
      const med = await one<{ median: number; mean: number; min: number }>(db, `select median(temperature_c) as median, avg(fuel_price_eur_mwh) as mean, min(temperature_c) as min from ${TRAIN_RAW(trained.runId)}`);
      expect(proc.feature_stats.missing.numeric.temperature_c).to.deep.equal({ impute: 'median', fill: med.median });
      expect(proc.feature_stats.missing.numeric.fuel_price_eur_mwh.impute).to.equal('mean');
      expect(proc.feature_stats.missing.numeric.fuel_price_eur_mwh.fill).to.be.closeTo(med.mean, 1e-9 * med.mean);
      const s = proc.scaling.temperature_c;
      const expected = (med.median - s.mean) / s.std;
      expect(Math.abs(expected - (med.min - s.mean) / s.std), 'the median is not the minimum').to.be.above(0.1);
      // Every processed row (training, test, and the replayed batch) whose temperature was blank holds the same value.
      const replayed = await one<{ processed_table: string }>(db, 'select processed_table from data_processing_metadata where run_id = $1 and fitted_run_id = $2', [scored.runId, trained.runId]);
      for (const table of [proc.processed_table, replayed.processed_table]) {
        const v = await db.query<{ t: number }>(
          `select distinct p.temperature_c as t from "${table}" p join raw_data r on r.batch_id = p.batch_id and r.source_row = p.source_row where r.temperature_c is null`,
        );
        expect(v, table).to.have.length(1);
        expect(v[0].t, table).to.be.closeTo(expected, 1e-12);
      }
    });

    it('adds the missing indicator the contract asks for as a model feature', async () => {
      const m = await one<{ numeric_features: string[] }>(db, 'select numeric_features from models where model_version = $1', [trained.modelVersion]);
      expect(m.numeric_features).to.include('temperature_c__missing').and.not.include('fuel_price_eur_mwh__missing');
      const s = proc.scaling.temperature_c__missing;
      const share = await one<{ share: number }>(db, `select avg((temperature_c is null)::integer) as share from ${TRAIN_RAW(trained.runId)}`);
      expect(s.mean).to.be.closeTo(share.share, 1e-12);
    });

    it('tests a missing indicator once, through its feature’s missing share: no drift row of its own, and a drop in missing values is not drift', async () => {
      const rows = await db.query<{ feature: string }>('select feature from data_drift_results where run_id = $1', [scored.runId]);
      expect(rows.map((r) => r.feature)).to.include('temperature_c').and.not.include('temperature_c__missing');
      // A batch in which temperature is never missing (10% of the reference is): the share fell, which is not drift;
      // tested as a 0/1 feature the indicator was flagged (KS D 0.1, W/sd 0.33) and counted.
      const full = path.join(tmp(), 'no-blanks.csv');
      await generateFile(full, { rows: 1000, seed: 14, facilities: FACILITIES, startDate: '2024-01-01' }, config);
      const out = await runPredictionPipeline(db, config, 'DEV', { input: full });
      const t = await one<{ missing_share_ref: number; missing_share_cur: number; drifted: boolean; signal: string | null }>(
        db,
        "select missing_share_ref, missing_share_cur, drifted, signal from data_drift_results where run_id = $1 and feature = 'temperature_c'",
        [out.runId],
      );
      expect(t.missing_share_ref).to.be.closeTo(0.1, 0.02);
      expect(t.missing_share_cur).to.equal(0);
      expect(t.signal ?? '').to.not.match(/missing_share/);
      const n = await one<{ n: number }>(db, "select count(*) as n from data_drift_results where run_id = $1 and feature like '%\\_\\_missing' escape '\\'", [out.runId]);
      expect(n.n).to.equal(0);
    });

    it("maps a missing categorical to '(missing)' or to the most frequent training level, as configured", async () => {
      expect(proc.levels.region).to.include('(missing)');
      expect(proc.feature_stats.missing.categorical.region).to.deep.equal({ policy: 'missing_level', fill: '(missing)' });
      const top = await one<{ sector: string }>(db, `select sector from ${TRAIN_RAW(trained.runId)} where sector is not null group by sector order by count(*) desc, sector limit 1`);
      expect(proc.feature_stats.missing.categorical.sector).to.deep.equal({ policy: 'most_frequent', fill: top.sector });
      expect(proc.levels.sector).to.not.include('(missing)');
      const rows = await db.query<{ sector: string }>(
        `select distinct p.sector from "${proc.processed_table}" p join raw_data r on r.batch_id = p.batch_id and r.source_row = p.source_row where r.sector is null`,
      );
      expect(rows.map((r) => r.sector)).to.deep.equal([top.sector]);
    });

    it("flags exactly the served rows that had a value imputed ('imputed')", async () => {
      const c = await one<{ flagged: number; blank: number; n: number; both: number }>(
        db,
        `select count(*) filter (where list_contains(s.flags, 'imputed')) as flagged,
                count(*) filter (where r.temperature_c is null or r.fuel_price_eur_mwh is null or r.sector is null or r.region is null) as blank,
                count(*) filter (where list_contains(s.flags, 'imputed') = (r.temperature_c is null or r.fuel_price_eur_mwh is null or r.sector is null or r.region is null)) as both,
                count(*) as n
         from served_predictions s join raw_data r on r.batch_id = s.batch_id and r.source_row = s.source_row
         where s.run_id = $1`,
        [scored.runId],
      );
      expect(c.n).to.equal(ROWS);
      expect(c.blank).to.be.above(500);
      expect(c.flagged).to.equal(c.blank);
      expect(c.both).to.equal(ROWS);
    });
  });

  describe('clipping quantiles inside (0, 1)', () => {
    it('stores the quantiles and clip bounds that quantile_cont gives over the training rows (all of them sampled below 100 000)', async () => {
      const config = missingConfig((raw) => {
        raw.steps.data_processing.clip_quantiles = [0.05, 0.95];
      });
      const train = path.join(tmp(), 'train-quantiles.csv');
      await generateFile(train, { rows: ROWS, seed: 11, facilities: FACILITIES, startDate: '2024-01-01' }, config);
      editCsv(train, (i, c, v) => (blank(i, c) ? '' : v));
      const db = await openDatabase(path.join(tmp(), 'quantiles.duckdb'), { threads: config.duckdb.threads });
      open.push(db);
      await ingestFile(db, config, train);
      const trained = await runTrainingPipeline(db, config, 'DEV');
      const proc = await processingOf(db, trained.runId);
      const stats = (proc.feature_stats as unknown as { numeric: Record<string, { quantiles: Record<string, number> }> }).numeric;
      const trainRaw = `(select r.* from raw_data r semi join train_r${trained.runId} t on t.batch_id = r.batch_id and t.source_row = r.source_row)`;
      // temperature_c has missing values (left out of its quantiles)
      for (const f of ['energy_mwh', 'temperature_c', 'activity_index']) {
        const q = await one<{ q: number[]; lo: number; hi: number }>(
          db,
          `select quantile_cont(${f}, [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]) as q, quantile_cont(${f}, 0.05) as lo, quantile_cont(${f}, 0.95) as hi from ${trainRaw}`,
        );
        expect(Object.values(stats[f].quantiles), f).to.deep.equal(q.q);
        expect(proc.clip_bounds[f], f).to.deep.equal([q.lo, q.hi]);
        expect(q.lo, `${f}: a bound inside the range`).to.be.above(q.q[0]);
      }
    });
  });

  describe('missing: reject', () => {
    it('quarantines a row with a missing value at ingest, with the reason', async () => {
      const config = configWith((raw) => {
        raw.dataset.columns.find((c: { name: string }) => c.name === 'temperature_c').missing = 'reject';
      });
      const file = path.join(tmp(), 'reject.csv');
      await generateFile(file, { rows: 200, seed: 13, facilities: 10 }, config);
      editCsv(file, (i, c, v) => (c === 'temperature_c' && i % 50 === 7 ? '' : v));
      const db = await openDatabase(path.join(tmp(), 'reject.duckdb'));
      open.push(db);
      const ing = await ingestFile(db, config, file);
      expect(ing.rowsQuarantined).to.equal(4);
      expect(ing.rowsAccepted + ing.rowsQuarantined).to.equal(200);
      const q = await db.query<{ reasons: string[] }>('select reasons from quarantine order by source_row');
      for (const r of q) expect(r.reasons).to.deep.equal(['temperature_c: missing value']);
    });

    it('refuses contradictory or misplaced policies, naming the key', () => {
      const refused = (edit: (raw: Record<string, any>) => void): string[] => {
        try {
          configWith(edit);
        } catch (err) {
          expect(err).to.be.instanceOf(ConfigError);
          return (err as ConfigError).details;
        }
        throw new Error('the config was accepted');
      };
      const idx = (raw: Record<string, any>, name: string) => raw.dataset.columns.findIndex((c: { name: string }) => c.name === name);
      let i = 0;
      expect(refused((raw) => { i = idx(raw, 'temperature_c'); Object.assign(raw.dataset.columns[i], { missing: 'reject', nullable: true }); }).join('\n')).to.contain(`dataset.columns.${i}.missing: 'reject' contradicts nullable: true`);
      expect(refused((raw) => { i = idx(raw, 'energy_mwh'); raw.dataset.columns[i].missing = 'missing_level'; }).join('\n')).to.contain(`dataset.columns.${i}.missing: 'missing_level' is for categorical columns`);
      expect(refused((raw) => { i = idx(raw, 'sector'); raw.dataset.columns[i].missing = { impute: 'mean' }; }).join('\n')).to.contain(`dataset.columns.${i}.missing: a categorical column takes reject, missing_level or most_frequent`);
      expect(refused((raw) => { i = idx(raw, 'co2_tonnes'); raw.dataset.columns[i].missing = 'reject'; }).join('\n')).to.contain(`dataset.columns.${i}.missing: only numeric and categorical columns`);
      expect(refused((raw) => { raw.steps.model_prediction = { conformal_group: 'energy_mwh' }; }).join('\n')).to.contain('steps.model_prediction.conformal_group');
    });
  });

  describe('a feature constant on the training rows', () => {
    it('is left out of the design (said in the model and processing metadata), so new values are not all out of range', async () => {
      const config = configWith(() => {});
      const train = path.join(tmp(), 'const-train.csv');
      const batch = path.join(tmp(), 'const-batch.csv');
      await generateFile(train, { rows: ROWS, seed: 14, facilities: FACILITIES, startDate: '2024-01-01' }, config);
      await generateFile(batch, { rows: ROWS, seed: 15, facilities: FACILITIES, startDate: '2024-06-01' }, config);
      // The fuel price was fixed while the training data were collected, and varies afterwards.
      editCsv(train, (_i, c, v) => (c === 'fuel_price_eur_mwh' ? '80' : v));
      const db = await openDatabase(path.join(tmp(), 'const.duckdb'));
      open.push(db);
      await ingestFile(db, config, train);
      const t = await runTrainingPipeline(db, config, 'DEV');
      const m = await one<{ numeric_features: string[]; design_columns: string[]; dropped: string }>(db, 'select numeric_features, design_columns, dropped_features::varchar as dropped from models where model_version = $1', [t.modelVersion]);
      expect(m.design_columns).to.not.include('fuel_price_eur_mwh');
      expect(JSON.parse(m.dropped)).to.deep.include({ name: 'fuel_price_eur_mwh', reason: `constant on the ${(await one<{ n: number }>(db, 'select n_train as n from train_test_split_metadata where run_id = $1', [t.runId])).n} training rows (value 80): left out of the design, not clipped` });
      const proc = await processingOf(db, t.runId);
      expect(proc.clip_bounds).to.not.have.property('fuel_price_eur_mwh');
      expect(proc.feature_stats.dropped_features.map((d) => d.name)).to.deep.equal(['fuel_price_eur_mwh']);
      const p = await runPredictionPipeline(db, config, 'DEV', { input: batch });
      const c = await one<{ oor: number; n: number }>(db, "select count(*) filter (where list_contains(flags, 'out_of_range')) as oor, count(*) as n from served_predictions where run_id = $1", [p.runId]);
      expect(c.n).to.equal(ROWS);
      // Other features of a later season may leave their training range on a few rows; the constant would flag all.
      expect(c.oor / c.n).to.be.below(0.2);
    });
  });
});
