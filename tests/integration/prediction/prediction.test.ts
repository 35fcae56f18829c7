/**
 * PREDICTION_PIPELINE on generated batches, each scored in its own copy of one trained database:
 * the model is trained on one synthetic year (36 500 rows = 100 facilities × 365 days from 2024-01-01, baseline,
 * seed 1); every batch is another year of the same facilities (from 2025-01-01, other seeds).
 *
 * Reference sample = all 36 500 training rows (reference_sample_size 100 000). Every feature is tested with a
 * p-value test (KS, chi-square) and a practical floor (W / reference sd, Jensen–Shannon ≥ 0.1); the dataset decision
 * counts the 8 drift-tested features the model uses (6 raw numerics with fossil_energy_mwh, region, sector; the 4
 * calendar terms are not tested), Holm-adjusted at half the 5% level (docs/drift.md).
 */
import { expect } from 'chai';
import { copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../../src/config/load.ts';
import { openDatabase, type PipelineDb } from '../../../src/db/database.ts';
import { ingestFile } from '../../../src/ingest/ingest.ts';
import { runPredictionPipeline, type PredictionOutcome } from '../../../src/pipelines/prediction.ts';
import { runTrainingPipeline } from '../../../src/pipelines/training.ts';
import type { DriftDecisionRow, FeatureDriftRow, ModelDriftRow as ReportModelDriftRow } from '../../../src/report/data.ts';
import { configWith, countRows, defaultConfig, generateFile, removeDir, tmpDir } from '../../support/helpers.ts';
import { activeModelRow, FACILITIES, readModel, YEAR_ROWS } from '../training/fixtures.ts';

type DecisionRow = Omit<DriftDecisionRow, 'decided_at'>;

type DriftRow = FeatureDriftRow;
type ModelDriftRow = ReportModelDriftRow & { detail: string };

describe('prediction pipeline: batches against a model trained on one synthetic year', function () {
  this.timeout(300_000);
  const config = defaultConfig();
  let dir: string;
  let trainedDb: string;
  let trainedVersion: number;
  let trainingRunId: number;
  const open: PipelineDb[] = [];

  before(async () => {
    dir = tmpDir('mlp-predict-');
    const train = path.join(dir, 'train.csv');
    await generateFile(train, { rows: YEAR_ROWS, seed: 1, facilities: FACILITIES, startDate: '2024-01-01' });
    trainedDb = path.join(dir, 'trained.duckdb');
    const db = await openDatabase(trainedDb, { threads: config.duckdb.threads });
    try {
      await ingestFile(db, config, train);
      const out = await runTrainingPipeline(db, config, 'DEV');
      expect(out.deployed).to.equal(true);
      trainedVersion = out.modelVersion;
      trainingRunId = out.runId;
    } finally {
      await db.close();
    }
  });

  after(async () => {
    for (const db of open) await db.close();
    removeDir(dir);
  });

  /** A copy of the trained database (closed, so checkpointed), opened for one scenario. */
  async function trainedCopy(name: string): Promise<PipelineDb> {
    const file = path.join(dir, `${name}.duckdb`);
    copyFileSync(trainedDb, file);
    if (existsSync(`${trainedDb}.wal`)) copyFileSync(`${trainedDb}.wal`, `${file}.wal`);
    const db = await openDatabase(file, { threads: config.duckdb.threads });
    open.push(db);
    return db;
  }

  /** Generates a year-long batch of `scenario` and runs the prediction pipeline on it in a fresh copy. */
  async function scenario(name: string, gen: { scenario: string; seed: number; withTarget?: boolean }, cfg: Config = config): Promise<{ db: PipelineDb; out: PredictionOutcome }> {
    const file = path.join(dir, `${gen.scenario}-seed${gen.seed}${gen.withTarget === false ? '-nolabels' : ''}.csv`);
    if (!existsSync(file)) await generateFile(file, { rows: YEAR_ROWS, seed: gen.seed, scenario: gen.scenario, facilities: FACILITIES, startDate: '2025-01-01', withTarget: gen.withTarget ?? true });
    const db = await trainedCopy(name);
    const out = await runPredictionPipeline(db, cfg, 'DEV', { input: file });
    return { db, out };
  }

  const decision = async (db: PipelineDb, runId: number, kind: 'data' | 'model'): Promise<DecisionRow> => {
    const rows = await db.query<DecisionRow>('select * from drift_decisions where run_id = $1 and kind = $2', [runId, kind]);
    expect(rows, `drift_decisions ${kind} of run ${runId}`).to.have.length(1);
    return rows[0];
  };
  const dataDrift = (db: PipelineDb, runId: number) => db.query<DriftRow>('select * from data_drift_results where run_id = $1 order by feature', [runId]);
  const modelDrift = (db: PipelineDb, runId: number) => db.query<ModelDriftRow>('select *, detail::varchar as detail from model_drift_results where run_id = $1 order by test', [runId]);
  const servedVersions = (db: PipelineDb, runId: number) =>
    db.query<{ model_version: number; n: number }>('select model_version, count(*) as n from served_predictions where run_id = $1 group by all order by all', [runId]);

  /** The child training run of a prediction run: TRAINING_PIPELINE, parent = the prediction run, succeeded. */
  async function childRun(db: PipelineDb, parent: number): Promise<{ run_id: number; model_version: number; trigger_reason: string }> {
    const rows = await db.query<{ run_id: number; pipeline_type: string; status: string; model_version: number; trigger_reason: string }>(
      'select run_id, pipeline_type, status, model_version, trigger_reason from pipeline_runs where parent_run_id = $1',
      [parent],
    );
    expect(rows, `child runs of ${parent}`).to.have.length(1);
    expect(rows[0]).to.include({ pipeline_type: 'TRAINING_PIPELINE', status: 'succeeded' });
    return rows[0];
  }

  describe('baseline batch (seed 7): no drift, served, calibrated intervals', () => {
    let db: PipelineDb;
    let out: PredictionOutcome;
    before(async () => {
      ({ db, out } = await scenario('baseline', { scenario: 'baseline', seed: 7 }));
    });

    it('finds no dataset drift: every feature has a stored score, none beyond its threshold', async () => {
      const d = await decision(db, out.runId, 'data');
      expect(d).to.include({ drifted: false, n_tests: 8, n_drifted: 0, action: 'none', threshold: 0.5, child_run_id: null });
      const [rule] = await db.query<{ rule: string; decision_level: number }>("select rule, decision_level from drift_decisions where run_id = $1 and kind = 'data'", [out.runId]);
      expect(rule).to.deep.equal({ rule: 'none', decision_level: 0.025 });
      const model = await readModel(db, trainedVersion);
      const rows = await dataDrift(db, out.runId);
      // The reference sample is the training rows of the split only (nothing is fitted on test rows).
      const [{ n_train: nTrain }] = await db.query<{ n_train: number }>('select n_train from train_test_split_metadata where run_id = $1', [trainingRunId]);
      // Every feature but the calendar terms (functions of the date, not tested for drift).
      const tested = [...model.numericFeatures.filter((f) => !f.startsWith('cal_')), ...model.categoricalFeatures];
      expect(tested).to.have.length(8);
      expect(rows.map((r) => r.feature)).to.have.members(tested);
      for (const r of rows) {
        const numeric = model.numericFeatures.includes(r.feature);
        expect(r, r.feature).to.include({ feature_kind: numeric ? 'numeric' : 'categorical', method: numeric ? 'ks' : 'chi_square', threshold: 0.05, n_ref: nTrain, n_cur: YEAR_ROWS, drifted: false });
        const x = r as DriftRow & { effect: number; effect_method: string; effect_threshold: number; counted: boolean; used_by_model: boolean };
        expect(x, r.feature).to.include({ effect_method: numeric ? 'wasserstein' : 'jensen_shannon', effect_threshold: 0.1, counted: false, used_by_model: true });
        expect(r.statistic, r.feature).to.be.a('number');
        // Same population, 36 500 vs 36 500 rows: sampling noise of W/sd is ~1/sqrt(n) ≈ 0.005–0.02 (observed max ≈ 0.015).
        expect(x.effect, r.feature).to.be.at.least(0).and.below(0.05);
      }
      // Same 100 facilities in both years; the reference holds their training rows (a seeded 80% of each), so the
      // region and sector shares differ only by the split's sampling noise: JS distance well below 0.01, no drift.
      const cats = rows.filter((r) => !model.numericFeatures.includes(r.feature)) as (DriftRow & { effect: number })[];
      for (const r of cats) expect(r.effect, r.feature).to.be.at.least(0).and.below(0.01);
      for (const r of cats) expect(r.p_value!, r.feature).to.be.above(0.05);
    });

    it('serves every row of the batch with the trained model, no child run, no drift flags', async () => {
      expect(out).to.include({ dataDrift: false, modelDrift: false, served: YEAR_ROWS, modelVersion: trainedVersion });
      expect(out.childRunIds).to.deep.equal([]);
      const [batch] = await db.query<{ rows_accepted: number }>('select rows_accepted from ingest_batches where batch_id = $1', [out.batchId]);
      expect(await countRows(db, 'served_predictions', `run_id = ${out.runId}`)).to.equal(batch.rows_accepted);
      expect(await servedVersions(db, out.runId)).to.deep.equal([{ model_version: trainedVersion, n: YEAR_ROWS }]);
      expect(await countRows(db, 'served_predictions', `run_id = ${out.runId} and (list_contains(flags, 'data_drift') or list_contains(flags, 'model_drift'))`)).to.equal(0);
      expect(await countRows(db, 'pipeline_runs', `parent_run_id = ${out.runId}`)).to.equal(0);
      const steps = await db.query<{ step_name: string; status: string; rows_out: number }>('select step_name, status, rows_out from step_runs where run_id = $1 order by step_order', [out.runId]);
      expect(steps.map((s) => `${s.step_name}:${s.status}`)).to.deep.equal([
        'data_processing:succeeded',
        'data_drift_detection:succeeded',
        'model_prediction:succeeded',
        'model_drift_detection:succeeded',
        'serve_prediction:succeeded',
      ]);
      // Processing replayed the training run's parameters.
      const [dp] = await db.query<{ mode: string; fitted_run_id: number; batch_id: number }>('select mode, fitted_run_id, batch_id from data_processing_metadata where run_id = $1', [out.runId]);
      expect(dp).to.deep.equal({ mode: 'replay', fitted_run_id: trainingRunId, batch_id: out.batchId });
    });

    it('sees no model drift: batch RMSE ≈ evaluation RMSE (ratio ≈ 1)', async () => {
      const d = await decision(db, out.runId, 'model');
      expect(d).to.include({ drifted: false, action: 'none' });
      const tests = await modelDrift(db, out.runId);
      expect(tests.map((t) => t.test)).to.deep.equal(['prediction_distribution', 'rmse_ratio']);
      const ratio = tests[1];
      // Batch RMSE over 36 500 rows (relative SE ≈ 0.4%) over the evaluation RMSE over ≈ 7 300 rows (≈ 0.8%):
      // ratio ≈ 1 ± 0.009; ±0.05 is ≈ 5.5 SE. Observed ≈ 1.002. Tested against the 1.25 tolerance at α/4.
      expect(ratio).to.include({ method: 'f_test', threshold: 0.0125, n_cur: YEAR_ROWS, drifted: false });
      expect(ratio.statistic!).to.be.within(0.95, 1.05);
      expect(ratio.p_value!).to.be.above(0.99);
      expect(tests[0]).to.include({ method: 'ks', threshold: 0.0125, drifted: false });
      expect((tests[0] as ModelDriftRow & { effect: number }).effect).to.be.below(0.05);
    });

    it('about 90% of the actuals fall inside the 90% prediction intervals', async () => {
      const [c] = await db.query<{ n: number; inside: number; half: number }>(
        `select count(*) as n, count(*) filter (where actual between prediction_lower and prediction_upper) as inside,
                avg((prediction_upper - prediction_lower) / 2) as half
         from predictions_r${out.runId} where actual is not null`,
      );
      expect(c.n).to.equal(YEAR_ROWS);
      const coverage = c.inside / c.n;
      // Binomial SE sqrt(0.9·0.1/36 500) ≈ 0.0016; the estimated σ (relative SE ≈ 0.4% with n_train ≈ 29 200)
      // moves coverage by ≈ 0.0014 more: combined SD ≈ 0.0021, so ±0.0075 is ≈ 3.5 SD.
      expect(coverage, `coverage ${coverage.toFixed(4)}`).to.be.within(0.9 - 0.0075, 0.9 + 0.0075);
      // Half-width ≈ t(0.95) · σ · sqrt(1 + h) ≈ 1.645 · 2.0 ≈ 3.29.
      expect(c.half).to.be.within(3.2, 3.4);
      // The served rows carry the same intervals: joined with the batch's actuals in raw_data, same coverage.
      const [s] = await db.query<{ n: number; inside: number }>(
        `select count(*) as n, count(*) filter (where r.co2_tonnes between s.prediction_lower and s.prediction_upper) as inside
         from served_predictions s join raw_data r using (batch_id, source_row)
         where s.run_id = $1`,
        [out.runId],
      );
      expect(s).to.deep.equal({ n: c.n, inside: c.inside });
      const [lvl] = await db.query<{ l: number }>('select distinct interval_level as l from served_predictions where run_id = $1', [out.runId]);
      expect(lvl.l).to.equal(0.9);
    });
  });

  describe('covariate-shift batch with labels (seed 8): data drift → child training run → served by the gated model', () => {
    let db: PipelineDb;
    let out: PredictionOutcome;
    before(async () => {
      ({ db, out } = await scenario('covariate', { scenario: 'covariate-shift', seed: 8 }));
    });

    it('detects dataset drift in the shifted inputs', async () => {
      expect(out.dataDrift).to.equal(true);
      const d = await decision(db, out.runId, 'data');
      expect(d.drifted).to.equal(true);
      expect(d.share_drifted!).to.be.at.least(0.5);
      const rows = await dataDrift(db, out.runId);
      const drifted = rows.filter((r) => r.drifted).map((r) => r.feature);
      // The generator shifts temperature (+5 °C, sd 8), energy (×1.5), renewable share (+0.15), activity (+25, sd 15)
      // and fuel price (+40, sd 10); fossil energy follows. Calendar terms and the facilities' region/sector do not move.
      expect(drifted).to.have.members(['temperature_c', 'energy_mwh', 'renewable_share', 'activity_index', 'fuel_price_eur_mwh', 'fossil_energy_mwh']);
      const by = Object.fromEntries(rows.map((r) => [r.feature, r.statistic!]));
      // KS D of a location shift by δ sd between normals is 2Φ(δ/2) − 1: ≈ 0.6 for activity (25/15), ≈ 0.95 for fuel price (40/10).
      expect(by.activity_index).to.be.within(0.5, 0.7);
      expect(by.fuel_price_eur_mwh).to.be.within(0.9, 1);
      // W/sd of a pure location shift is shift/sd: ≈ 25/15 for activity, ≈ 40/10 for fuel price.
      const effect = Object.fromEntries((rows as (DriftRow & { effect: number })[]).map((r) => [r.feature, r.effect]));
      expect(effect.activity_index).to.be.within(1.4, 1.9);
      expect(effect.fuel_price_eur_mwh).to.be.within(3.5, 4.5);
      // fossil energy carries most of the prediction's spread, so its drift alone is dataset drift; 6 of 8 also pass the share.
      const [rule] = await db.query<{ rule: string }>("select rule from drift_decisions where run_id = $1 and kind = 'data'", [out.runId]);
      expect(rule.rule).to.equal('important_feature+share');
    });

    it('retrains in a child run whose parent is the prediction run, on history plus the new labelled batch', async () => {
      const d = await decision(db, out.runId, 'data');
      const child = await childRun(db, out.runId);
      expect(d.child_run_id).to.equal(child.run_id);
      expect(out.childRunIds).to.deep.equal([child.run_id]);
      expect(d.action).to.match(/^retrained_(and|not)_deployed$/);
      expect(child.trigger_reason).to.match(/^data drift \(important_feature\+share\): /);
      expect(child.model_version).to.equal(trainedVersion + 1);
      const [meta] = await db.query<{ batches: number[]; n_rows: number }>('select batches, n_rows from model_training_metadata where run_id = $1', [child.run_id]);
      expect([...meta.batches].sort()).to.deep.equal([1, out.batchId]);
      // 80% of both years.
      expect(meta.n_rows / (2 * YEAR_ROWS)).to.be.within(0.79, 0.81);
      const gate = await db.query<{ model_version: number; decision: string }>('select model_version, decision from model_deployment_history where run_id = $1', [child.run_id]);
      expect(gate).to.have.length(1);
      expect(gate[0].model_version).to.equal(child.model_version);
    });

    it('serves the batch with the model active after the gate (the retrained one: both fit σ ≈ 2 on the same relation)', async () => {
      const active = await activeModelRow(db);
      expect(await servedVersions(db, out.runId)).to.deep.equal([{ model_version: active!.model_version, n: YEAR_ROWS }]);
      expect(out.modelVersion).to.equal(active!.model_version);
      // The relation did not change, so the new model is within the 5% tolerance and is deployed.
      expect(active!.model_version).to.equal(trainedVersion + 1);
      expect((await decision(db, out.runId, 'data')).action).to.equal('retrained_and_deployed');
      // The batch was re-processed with the new model's parameters before scoring.
      const [dp] = await db.query<{ n: number }>("select count(*) as n from step_runs where run_id = $1 and step_name = 'data_processing_after_retrain' and status = 'succeeded'", [out.runId]);
      expect(dp.n).to.equal(1);
      // Retrained: the predictions are not flagged as drifted.
      expect(await countRows(db, 'served_predictions', `run_id = ${out.runId} and list_contains(flags, 'data_drift')`)).to.equal(0);
    });
  });

  describe('concept-shift batch with labels (seed 9): inputs unchanged, errors grow → model drift → retraining', () => {
    let db: PipelineDb;
    let out: PredictionOutcome;
    before(async () => {
      ({ db, out } = await scenario('concept', { scenario: 'concept-shift', seed: 9 }));
    });

    it('finds no data drift but model drift by the RMSE ratio', async () => {
      expect(out).to.include({ dataDrift: false, modelDrift: true });
      const d = await decision(db, out.runId, 'data');
      expect(d).to.include({ drifted: false, n_drifted: 0 });
      const tests = await modelDrift(db, out.runId);
      const ratio = tests.find((t) => t.test === 'rmse_ratio')!;
      // New emission factors: intercept +4, fossil slope 0.40 → 0.55 (fossil energy mean ≈ 54, sd ≈ 40 MWh):
      // error mean ≈ 4 + 0.15·54 ≈ 12.1, sd ≈ sqrt((0.15·40)² + 2²) ≈ 6.3, RMSE ≈ 13.6 → ratio ≈ 13.6/2.0 ≈ 6.8.
      expect(ratio).to.include({ method: 'f_test', threshold: 0.0125, drifted: true, n_cur: YEAR_ROWS });
      expect(ratio.statistic!).to.be.within(5.5, 8.5);
      const md = await decision(db, out.runId, 'model');
      expect(md.drifted).to.equal(true);
      expect(md.reason).to.match(/rmse_ratio: batch RMSE 13\.\d+ ÷ evaluation RMSE \d\.\d+ = \d\.\d+, lower 98\.75% bound \d\.\d+ > tolerance 1\.25/);
      expect(md.reason).to.not.match(/model drift: model drift|rmse_ratio rmse_ratio/);
    });

    it('retrains in a child run and serves the batch with the model active after the gate', async () => {
      const md = await decision(db, out.runId, 'model');
      const child = await childRun(db, out.runId);
      expect(md.child_run_id).to.equal(child.run_id);
      expect(md.action).to.match(/^retrained_(and|not)_deployed$/);
      expect(child.trigger_reason).to.match(/^model drift: /);
      const active = await activeModelRow(db);
      expect(await servedVersions(db, out.runId)).to.deep.equal([{ model_version: active!.model_version, n: YEAR_ROWS }]);
      // A model fitted on both years beats the baseline-only model on their mixed test rows: deployed.
      expect(md.action).to.equal('retrained_and_deployed');
      expect(active!.model_version).to.equal(child.model_version);
    });
  });

  describe('concept-shift batch (seed 9) whose retrained model the gate refuses (min_r2 0.9999)', () => {
    let db: PipelineDb;
    let out: PredictionOutcome;
    before(async () => {
      const strict = configWith((raw) => (raw.steps.model_deployment.min_r2 = 0.9999));
      ({ db, out } = await scenario('concept-refused', { scenario: 'concept-shift', seed: 9 }, strict));
    });

    it('records the refused retraining and keeps serving with the old model', async () => {
      const md = await decision(db, out.runId, 'model');
      expect(md).to.include({ drifted: true, action: 'retrained_not_deployed' });
      const child = await childRun(db, out.runId);
      const [gate] = await db.query<{ decision: string; reason: string }>('select decision, reason from model_deployment_history where run_id = $1', [child.run_id]);
      // The mixed two-regime model reaches test R² ≈ 0.92, far below 0.9999.
      expect(gate.decision).to.equal('rejected');
      expect(gate.reason).to.match(/below the minimum 0\.9999/);
      expect((await activeModelRow(db))!.model_version).to.equal(trainedVersion);
      expect(await servedVersions(db, out.runId)).to.deep.equal([{ model_version: trainedVersion, n: YEAR_ROWS }]);
    });

    it('flags the served predictions model_drift: they come from the model known to have drifted (RMSE ratio ≈ 6.8)', async () => {
      // As when retraining is skipped for lack of labels: consumers of served_predictions must see that the
      // model that scored these rows drifted and was not replaced.
      expect(out.flags, 'outcome flags').to.include('model_drift');
      expect(await countRows(db, 'served_predictions', `run_id = ${out.runId} and list_contains(flags, 'model_drift')`)).to.equal(YEAR_ROWS);
    });
  });

  describe('the same input file given twice', () => {
    it('the second run (with rescore) scores the batch ingested by the first, without ingesting the file again', async () => {
      const { db, out } = await scenario('twice', { scenario: 'baseline', seed: 7 });
      const file = path.join(dir, 'baseline-seed7.csv');
      const again = await runPredictionPipeline(db, config, 'DEV', { input: file, rescore: true });
      expect(again.batchId).to.equal(out.batchId);
      expect(again.runId).to.be.greaterThan(out.runId);
      expect(await countRows(db, 'ingest_batches', `source_file = '${file.replace(/'/g, "''")}'`)).to.equal(1);
      expect(await countRows(db, 'served_predictions', `run_id = ${again.runId}`)).to.equal(YEAR_ROWS);
    });
  });

  describe('concept-shift batch (seed 9) with retraining on model drift turned off', () => {
    let db: PipelineDb;
    let out: PredictionOutcome;
    before(async () => {
      const manual = configWith((raw) => (raw.steps.model_drift_detection.retrain_on_drift = false));
      ({ db, out } = await scenario('concept-manual', { scenario: 'concept-shift', seed: 9 }, manual));
    });

    it('records the model drift with the reason, trains nothing, and serves with the old model, flagged', async () => {
      const md = await decision(db, out.runId, 'model');
      expect(md).to.include({ drifted: true, action: 'retrain_disabled', child_run_id: null });
      expect(md.reason).to.match(/retrain_on_drift: false/);
      expect(await countRows(db, 'pipeline_runs', `parent_run_id = ${out.runId}`)).to.equal(0);
      expect(await countRows(db, 'models')).to.equal(1);
      expect(out.flags).to.deep.equal(['model_drift']);
      expect(await servedVersions(db, out.runId)).to.deep.equal([{ model_version: trainedVersion, n: YEAR_ROWS }]);
      expect(await countRows(db, 'served_predictions', `run_id = ${out.runId} and list_contains(flags, 'model_drift')`)).to.equal(YEAR_ROWS);
    });
  });

  describe('covariate-shift batch without labels (seed 10): drift recorded, retraining skipped, predictions flagged', () => {
    let db: PipelineDb;
    let out: PredictionOutcome;
    before(async () => {
      ({ db, out } = await scenario('covariate-nolabels', { scenario: 'covariate-shift', seed: 10, withTarget: false }));
    });

    it('records the data drift and skips retraining with the reason', async () => {
      const [batch] = await db.query<{ has_target: boolean; rows_labelled: number }>('select has_target, rows_labelled from ingest_batches where batch_id = $1', [out.batchId]);
      expect(batch).to.deep.equal({ has_target: false, rows_labelled: 0 });
      const d = await decision(db, out.runId, 'data');
      expect(d).to.include({ drifted: true, action: 'retrain_skipped_no_labels', child_run_id: null });
      expect(d.reason).to.match(/no labelled rows/);
      expect(await countRows(db, 'pipeline_runs', `parent_run_id = ${out.runId}`)).to.equal(0);
      expect(await countRows(db, 'models')).to.equal(1);
      expect((await activeModelRow(db))!.model_version).to.equal(trainedVersion);
      // Without actuals only the prediction distribution can be tested.
      expect((await modelDrift(db, out.runId)).map((t) => t.test)).to.deep.equal(['prediction_distribution']);
    });

    it('serves every row with the active model, flagged data_drift', async () => {
      expect(out.flags).to.include('data_drift');
      expect(await servedVersions(db, out.runId)).to.deep.equal([{ model_version: trainedVersion, n: YEAR_ROWS }]);
      expect(await countRows(db, 'served_predictions', `run_id = ${out.runId} and list_contains(flags, 'data_drift')`)).to.equal(YEAR_ROWS);
    });
  });
});
