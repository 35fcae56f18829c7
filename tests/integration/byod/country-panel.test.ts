/**
 * Bring your own dataset: the same training and prediction pipelines, with no code change, on a second contract
 * (config/examples/country_energy_co2): other columns, an integer year as time, categoricals that are not regions,
 * derived features from config. Real DuckDB files in a temp folder; src functions called directly.
 */
import { expect } from 'chai';
import path from 'node:path';
import type { Config } from '../../../src/config/load.ts';
import type { PipelineDb } from '../../../src/db/database.ts';
import { openDatabase } from '../../../src/db/database.ts';
import { generate } from '../../../src/generate/generate.ts';
import { ingestFile } from '../../../src/ingest/ingest.ts';
import { runPredictionPipeline, type PredictionOutcome } from '../../../src/pipelines/prediction.ts';
import { runTrainingPipeline, type TrainingOutcome } from '../../../src/pipelines/training.ts';
import { featureSet } from '../../../src/sql/features.ts';
import { defaultConfig, sha256File, useTmpDir } from '../../support/helpers.ts';
import { COUNTRIES, exampleConfig, exampleConfigWith, exampleTruth, HISTORY_CSV, quietLogger, SHIFTED_CSV, SHIPPED } from './example.ts';

const NUMERICS = ['population_m', 'gdp_bn_usd', 'demand_twh', 'coal_share', 'renewables_share'];
const DERIVED = ['fossil_generation_twh', 'coal_generation_twh', 'gdp_per_capita_kusd'];
const CATEGORICALS = ['continent', 'income_group'];
const ALL_FEATURES = [...NUMERICS, ...DERIVED, ...CATEGORICALS];

async function one<R>(db: PipelineDb, sql: string, params: unknown[] = []): Promise<R> {
  const rows = await db.query<R>(sql, params);
  expect(rows, sql).to.have.length(1);
  return rows[0];
}

describe('byod: a yearly country panel (config/examples/country_energy_co2)', () => {
  quietLogger();
  const tmp = useTmpDir('mlp-byod-');
  let config: Config;

  before(() => {
    config = exampleConfig();
  });

  it('is a different contract: integer year as time, no calendar features, categoricals that are not regions', () => {
    const c = config.contract;
    expect(c.name).to.equal('country_energy_co2');
    expect(c.timeKind).to.equal('integer');
    expect(c.timestamp).to.include({ name: 'year', type: 'integer' });
    expect(c.idColumns).to.deep.equal(['country_code']);
    expect(c.target.name).to.equal('co2_mt');
    expect(c.categoricals.map((k) => k.name)).to.deep.equal(CATEGORICALS);
    expect(c.numerics.map((k) => k.name)).to.deep.equal(NUMERICS);
    expect(c.derived.map((d) => d.name)).to.deep.equal(DERIVED);
    expect(c.calendarFeatures, 'no month/day-of-week terms for a year').to.equal(false);
    const fs = featureSet(c);
    expect(fs.numerics.map((f) => f.name)).to.deep.equal([...NUMERICS, ...DERIVED]);
    expect(fs.numerics.filter((f) => f.source === 'calendar')).to.deep.equal([]);
    // Not one column name in common with the default contract.
    const defaults = new Set(defaultConfig().contract.columns.map((k) => k.name));
    expect(c.columns.map((k) => k.name).filter((n) => defaults.has(n))).to.deep.equal([]);
  });

  it('ships data files that the generator reproduces byte for byte (deterministic, thread count irrelevant)', async () => {
    const history = path.join(tmp(), 'history.csv');
    await generate(config, { ...SHIPPED.history, out: history });
    expect(sha256File(history)).to.equal(sha256File(HISTORY_CSV));
    const shifted = path.join(tmp(), 'shifted.csv');
    await generate(exampleConfigWith((raw) => (raw.duckdb.threads = 1)), { ...SHIPPED.shifted, out: shifted });
    expect(sha256File(shifted)).to.equal(sha256File(SHIFTED_CSV));
  });

  it('generates the same country-year values whatever batch they are cut into', async () => {
    // 2010–2015 of the history, regenerated on its own, is the tail of the shipped file.
    const tail = path.join(tmp(), 'tail.csv');
    await generate(config, { rows: 6 * COUNTRIES, seed: 42, scenario: 'baseline', startDate: '2010-06-30', out: tail });
    const db = await openDatabase(':memory:', { migrate: false });
    try {
      const r = await one<{ n: number; diff: number }>(
        db,
        `select count(*) as n, count(*) filter (where h.co2_mt is distinct from t.co2_mt or h.demand_twh is distinct from t.demand_twh
                                                or h.income_group is distinct from t.income_group) as diff
         from read_csv($1) t left join read_csv($2) h using (country_code, year)`,
        [tail, HISTORY_CSV],
      );
      expect(r).to.deep.equal({ n: 6 * COUNTRIES, diff: 0 });
    } finally {
      await db.close();
    }
  });

  describe('ingest → training → prediction with drift, end to end', () => {
    let db: PipelineDb;
    let training: TrainingOutcome;
    let sameYears: PredictionOutcome;
    let shifted: PredictionOutcome;
    let sameYearsCsv: string;
    let ingested: Awaited<ReturnType<typeof ingestFile>>;

    // The whole story runs here, so each test below only reads it (and runs alone with --grep).
    before(async function () {
      this.timeout(600_000);
      // A second draw (seed 8, no target) of the training years: same world, no drift expected.
      sameYearsCsv = path.join(tmp(), 'baseline_1995_2015_seed8.csv');
      await generate(config, { rows: 21 * COUNTRIES, seed: 8, scenario: 'baseline', startDate: '1995-01-01', withTarget: false, out: sameYearsCsv });
      db = await openDatabase(path.join(tmp(), 'e2e.duckdb'), { threads: config.duckdb.threads });
      ingested = await ingestFile(db, config, HISTORY_CSV);
      training = await runTrainingPipeline(db, config, 'DEV');
      sameYears = await runPredictionPipeline(db, config, 'DEV', { input: sameYearsCsv });
      shifted = await runPredictionPipeline(db, config, 'DEV', { input: SHIFTED_CSV });
    });
    after(async () => {
      await db?.close();
    });

    it('ingests the shipped history: every row accepted, years 1990–2015', async () => {
      const r = ingested;
      expect(r).to.include({ batchId: 1, rowsRead: 26 * COUNTRIES, rowsAccepted: 26 * COUNTRIES, rowsQuarantined: 0, rowsLabelled: 26 * COUNTRIES, hasTarget: true });
      const b = await one<Record<string, unknown>>(db, 'select min_time, max_time, rows_read, rows_accepted + rows_quarantined as rows_total from ingest_batches where batch_id = 1');
      expect(b).to.deep.equal({ min_time: '1990', max_time: '2015', rows_read: 1560, rows_total: 1560 });
      const cols = await db.query<{ name: string; type: string }>("select column_name as name, data_type as type from information_schema.columns where table_name = 'raw_data' order by ordinal_position");
      // raw_data's data columns come from the contract (the pipeline may add its own bookkeeping columns).
      const contractNames = new Set(config.contract.columns.map((c) => c.name));
      expect(cols.filter((c) => contractNames.has(c.name)).map((c) => `${c.name} ${c.type}`)).to.deep.equal([
        'country_code VARCHAR', 'year BIGINT', 'continent VARCHAR', 'income_group VARCHAR',
        'population_m DOUBLE', 'gdp_bn_usd DOUBLE', 'demand_twh DOUBLE', 'coal_share DOUBLE', 'renewables_share DOUBLE', 'co2_mt DOUBLE',
      ]);
    });

    it('trains and deploys a model on the contract\'s features: columns, derived expressions, no calendar terms', async () => {
      expect(training.deployed, training.reason).to.equal(true);
      expect(training.modelVersion).to.equal(1);
      // A time split holds out the newest years; v1 passed the gate on them and was refitted on every year of the
      // window as v2, which serves (steps.model_training.refit: time_split).
      expect(training.refit?.modelVersion).to.equal(2);
      const active = await one<{ model_version: number }>(db, "select model_version from active_model where stage = 'DEV'");
      expect(active.model_version).to.equal(2);
      const refit = await one<{ refit_of: number; fit_scope: string; n_train: number }>(db, 'select refit_of, fit_scope, n_train from models where model_version = 2');
      expect(refit).to.deep.equal({ refit_of: 1, fit_scope: 'all_labelled', n_train: 21 * COUNTRIES });
      const m = await one<{ numeric_features: string[]; categorical_features: string[]; design_columns: string[]; target: string }>(
        db, 'select numeric_features, categorical_features, design_columns, target from models where model_version = 1',
      );
      expect(m.target).to.equal('co2_mt');
      expect(m.numeric_features).to.deep.equal([...NUMERICS, ...DERIVED]);
      expect(m.categorical_features).to.deep.equal(CATEGORICALS);
      expect(m.design_columns.filter((d) => d.startsWith('cal_'))).to.deep.equal([]);
      expect(m.design_columns).to.include.members(['continent=Europe', 'income_group=high']);
      const ev = await one<{ n_test: number; new_rmse: number }>(db, 'select n_test, new_rmse from model_evaluation_metadata where run_id = $1', [training.runId]);
      expect(ev.n_test).to.equal(4 * COUNTRIES);
      expect(ev.new_rmse).to.be.below(2 * exampleTruth().noise_sd);
    });

    it('splits by time on integer years and trains only inside the window (years ≥ 1995)', async () => {
      const s = await one<Record<string, unknown>>(
        db,
        'select method, time_cutoff, n_train, n_test, train_min_time, train_max_time, test_min_time, test_max_time from train_test_split_metadata where run_id = $1',
        [training.runId],
      );
      // 21 years × 60 countries in the window; the most recent 20% (2012–2015) is the test set.
      expect(s).to.deep.equal({
        method: 'time', time_cutoff: '2011', n_train: 17 * COUNTRIES, n_test: 4 * COUNTRIES,
        train_min_time: '1995', train_max_time: '2011', test_min_time: '2012', test_max_time: '2015',
      });
      const t = await one<Record<string, unknown>>(db, 'select n_rows, window_from, window_to, batches from model_training_metadata where run_id = $1', [training.runId]);
      expect(t).to.deep.equal({ n_rows: 17 * COUNTRIES, window_from: '1995', window_to: null, batches: [1] });
      const p = await one<{ row_count: number; processed_table: string }>(db, 'select row_count, processed_table from data_processing_metadata where run_id = $1', [training.runId]);
      expect(p.row_count, '1990–1994 are outside the window').to.equal(21 * COUNTRIES);
      const years = await one<{ lo: number; hi: number }>(db, `select min(year) as lo, max(year) as hi from "${p.processed_table}"`);
      expect(years).to.deep.equal({ lo: 1995, hi: 2015 });
    });

    it("recovers the generator's true coefficients, derived features included", async () => {
      const truth = exampleTruth();
      const b = truth.coefficients.baseline as Record<string, number>;
      const m = await one<{ c: string }>(db, 'select coefficients_original::varchar as c from models where model_version = 1');
      const est = JSON.parse(m.c) as { intercept: number; coefficients: Record<string, number> };
      const close = (name: string, tol: number) => expect(est.coefficients[name], name).to.be.closeTo(b[name], tol);
      close('fossil_generation_twh', 0.02);
      close('coal_generation_twh', 0.02);
      close('population_m', 0.05);
      close('gdp_bn_usd', 0.003);
      const cont = truth.continent_effects as Record<string, number>;
      for (const level of ['Americas', 'Asia', 'Europe', 'Oceania']) {
        expect(est.coefficients[`continent=${level}`], level).to.be.closeTo(cont[level] - cont.Africa, 0.5);
      }
      const inc = truth.income_group_effects as Record<string, number>;
      for (const level of ['lower-middle', 'upper-middle', 'high']) {
        expect(est.coefficients[`income_group=${level}`], level).to.be.closeTo(inc[level] - inc.low, 0.5);
      }
    });

    it('a second draw of the training years brings no dataset drift', async () => {
      expect(sameYears).to.include({ dataDrift: false, modelVersion: 2, served: 21 * COUNTRIES });
      const rows = await db.query<{ feature: string; drifted: boolean }>('select feature, drifted from data_drift_results where run_id = $1 order by feature', [sameYears.runId]);
      expect(rows.map((r) => r.feature)).to.have.members(ALL_FEATURES);
      expect(rows.filter((r) => r.drifted).map((r) => r.feature)).to.deep.equal([]);
    });

    it('the 2020–2024 covariate-shift batch: one drift row per feature, dataset drift, predictions served and flagged', async () => {
      expect(shifted).to.include({ dataDrift: true, modelVersion: 2, served: 5 * COUNTRIES });
      expect(shifted.childRunIds, 'no labels: nothing to retrain on').to.deep.equal([]);
      expect(shifted.flags).to.include('data_drift');

      const batch = await one<Record<string, unknown>>(db, 'select rows_accepted, rows_labelled, has_target, min_time, max_time, origin from ingest_batches where batch_id = $1', [shifted.batchId]);
      expect(batch).to.deep.equal({ rows_accepted: 300, rows_labelled: 0, has_target: false, min_time: '2020', max_time: '2024', origin: 'prediction-input' });

      const rows = await db.query<{ feature: string; feature_kind: string; drifted: boolean; n_cur: number }>(
        'select feature, feature_kind, drifted, n_cur from data_drift_results where run_id = $1 order by feature', [shifted.runId],
      );
      expect(rows.map((r) => r.feature)).to.have.members(ALL_FEATURES);
      expect(rows).to.have.length(ALL_FEATURES.length);
      for (const r of rows) {
        expect(r.feature_kind, r.feature).to.equal(CATEGORICALS.includes(r.feature) ? 'categorical' : 'numeric');
        expect(r.n_cur, r.feature).to.equal(300);
      }
      const drifted = rows.filter((r) => r.drifted).map((r) => r.feature);
      // The scenario's shifts: demand ×1.3, GDP ×1.25 (so income groups move up), renewables +0.15, coal −0.10.
      expect(drifted).to.include.members(['demand_twh', 'gdp_bn_usd', 'renewables_share', 'coal_share', 'fossil_generation_twh', 'income_group']);
      expect(drifted, 'a country keeps its continent').to.not.include('continent');

      const d = await one<Record<string, unknown>>(db, "select drifted, n_tests, action from drift_decisions where run_id = $1 and kind = 'data'", [shifted.runId]);
      expect(d).to.deep.equal({ drifted: true, n_tests: ALL_FEATURES.length, action: 'retrain_skipped_no_labels' });

      const served = await one<Record<string, unknown>>(
        db,
        `select count(*) as n, min(year) as y0, max(year) as y1, count(distinct country_code) as countries,
                count(*) filter (where list_contains(flags, 'data_drift')) as flagged, count(*) filter (where prediction is null) as missing,
                count(*) filter (where not (prediction_lower <= prediction and prediction <= prediction_upper)) as bad_intervals
         from served_predictions where run_id = $1`,
        [shifted.runId],
      );
      expect(served).to.deep.equal({ n: 300, y0: 2020, y1: 2024, countries: COUNTRIES, flagged: 300, missing: 0, bad_intervals: 0 });
    });

    it('records both prediction runs against the deployed model, the training run first', async () => {
      const runs = await db.query<{ run_id: number; pipeline_type: string; status: string; model_version: number }>(
        'select run_id, pipeline_type, status, model_version from pipeline_runs order by run_id',
      );
      expect(runs).to.deep.equal([
        { run_id: training.runId, pipeline_type: 'TRAINING_PIPELINE', status: 'succeeded', model_version: 1 },
        { run_id: training.refit!.runId, pipeline_type: 'TRAINING_PIPELINE', status: 'succeeded', model_version: 2 },
        { run_id: sameYears.runId, pipeline_type: 'PREDICTION_PIPELINE', status: 'succeeded', model_version: 2 },
        { run_id: shifted.runId, pipeline_type: 'PREDICTION_PIPELINE', status: 'succeeded', model_version: 2 },
      ]);
    });
  });

  describe('a training window that ends: years ≤ 2015 while 2016–2024 are labelled in the database', () => {
    let db: PipelineDb;
    let cfg: Config;
    let runId: number;

    before(async () => {
      cfg = exampleConfigWith((raw) => {
        raw.steps.model_training.window = { to: 2015 };
        raw.steps.train_test_split.test_fraction = 0.25;
      });
      const later = path.join(tmp(), 'labelled_2016_2024.csv');
      await generate(cfg, { rows: 9 * COUNTRIES, seed: 42, scenario: 'concept-shift', startDate: '2016-01-01', out: later });
      db = await openDatabase(path.join(tmp(), 'window.duckdb'), { threads: cfg.duckdb.threads });
      await ingestFile(db, cfg, HISTORY_CSV);
      await ingestFile(db, cfg, later);
    });
    after(async () => {
      await db?.close();
    });

    it('trains on 1990–2015 only: the later labelled years are neither trained nor tested on', async () => {
      const [{ n }] = await db.query<{ n: number }>('select count(*) as n from raw_data where co2_mt is not null');
      expect(n).to.equal(35 * COUNTRIES);
      const out = await runTrainingPipeline(db, cfg, 'DEV');
      runId = out.runId;
      expect(out.deployed, out.reason).to.equal(true);
      const p = await one<{ row_count: number }>(db, 'select row_count from data_processing_metadata where run_id = $1', [runId]);
      expect(p.row_count).to.equal(26 * COUNTRIES);
      const s = await one<Record<string, unknown>>(
        db, 'select time_cutoff, n_train, n_test, train_min_time, train_max_time, test_min_time, test_max_time from train_test_split_metadata where run_id = $1', [runId],
      );
      // 26 years × 60 rows: quantile_disc(year, 0.75) is 2009, so 2010–2015 (the most recent ~quarter) is the test set.
      expect(s).to.deep.equal({ time_cutoff: '2009', n_train: 20 * COUNTRIES, n_test: 6 * COUNTRIES, train_min_time: '1990', train_max_time: '2009', test_min_time: '2010', test_max_time: '2015' });
      const t = await one<Record<string, unknown>>(db, 'select n_rows, window_from, window_to, batches from model_training_metadata where run_id = $1', [runId]);
      expect(t).to.deep.equal({ n_rows: 20 * COUNTRIES, window_from: null, window_to: '2015', batches: [1] });
    });

    it('a random split inside the same window keeps every split row within it', async () => {
      const rnd = exampleConfigWith((raw) => {
        raw.steps.model_training.window = { from: 2000, to: 2015 };
        raw.steps.train_test_split.method = 'random';
      });
      const out = await runTrainingPipeline(db, rnd, 'DEV');
      const s = await one<Record<string, unknown>>(db, 'select n_train + n_test as n, least(train_min_time, test_min_time) as lo, greatest(train_max_time, test_max_time) as hi from train_test_split_metadata where run_id = $1', [out.runId]);
      expect(s).to.deep.equal({ n: 16 * COUNTRIES, lo: '2000', hi: '2015' });
      const t = await one<{ n_rows: number; window_from: string }>(db, 'select n_rows, window_from from model_training_metadata where run_id = $1', [out.runId]);
      expect(t.window_from).to.equal('2000');
      expect(t.n_rows).to.be.within(10 * COUNTRIES, 15 * COUNTRIES);
    });
  });

  it('quarantines malformed rows of the new contract with their reasons (read = accepted + quarantined)', async () => {
    const bad = path.join(tmp(), 'bad.csv');
    const g = await generate(config, { rows: 600, seed: 3, scenario: 'baseline', startDate: '2000-01-01', badRows: 0.2, out: bad });
    expect(g.badRows).to.be.greaterThan(0);
    const db = await openDatabase(':memory:');
    try {
      const r = await ingestFile(db, config, bad);
      expect(r.rowsRead).to.equal(600);
      expect(r.rowsAccepted + r.rowsQuarantined).to.equal(600);
      expect(r.rowsQuarantined).to.equal(g.badRows);
      const reasons = (await db.query<{ r: string }>('select distinct unnest(reasons) as r from quarantine')).map((x) => x.r);
      expect(reasons.some((x) => x.startsWith('year: not an integer')), reasons.join('\n')).to.equal(true);
      expect(reasons.some((x) => x.startsWith("continent: unknown level 'Atlantis'")), reasons.join('\n')).to.equal(true);
      expect(reasons.some((x) => x.startsWith('coal_share: above the maximum')), reasons.join('\n')).to.equal(true);
    } finally {
      await db.close();
    }
  });
});
