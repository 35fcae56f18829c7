/**
 * Prediction intervals, retraining on the newest data, and the evidence a retrain leaves:
 * - every evaluation stores the test-row coverage of its intervals; split-conformal intervals (overall, or per
 *   level of a categorical) are what `auto` serves when normal theory does not cover the test rows as it should,
 *   and they cover new rows at the nominal level where the normal ones do not;
 * - with a time split, the model that passed the gate is refitted on every labelled row, so a retrain learns the
 *   batch that triggered it, with the lineage of both fits recorded;
 * - after a model-drift retrain, the tested model's predictions stay beside the new model's, and the model that
 *   serves the batch is checked on its labels and flags the rows if it still fails.
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../../src/config/load.ts';
import { openDatabase, type PipelineDb } from '../../../src/db/database.ts';
import { ingestFile } from '../../../src/ingest/ingest.ts';
import { runPredictionPipeline, type PredictionOutcome } from '../../../src/pipelines/prediction.ts';
import { runTrainingPipeline, type TrainingOutcome } from '../../../src/pipelines/training.ts';
import { promote } from '../../../src/registry/promote.ts';
import { configForDataset, configWith, csvText, generateFile, useTmpDir } from '../../support/helpers.ts';

async function one<R>(db: PipelineDb, sql: string, params: unknown[] = []): Promise<R> {
  const rows = await db.query<R>(sql, params);
  expect(rows, sql).to.have.length(1);
  return rows[0];
}

/** A seeded normal generator (mulberry32 + Box–Muller): the same rows every run. */
function normals(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

const UNITS = 200;

/**
 * y = 5 + 2x + 1[noisy] + e, e ~ N(0, 1) for calm units and N(0, 10²) for every 10th (noisy) unit: one pooled
 * residual variance over-covers the calm rows and under-covers the noisy ones.
 */
function heteroCsv(file: string, rows: number, seed: number, firstPeriod: number): string {
  const z = normals(seed);
  const out: (string | number)[][] = [];
  for (let i = 0; i < rows; i++) {
    const unit = i % UNITS;
    const noisy = unit % 10 === 0;
    const x = 10 + 3 * z();
    const y = 5 + 2 * x + (noisy ? 1 : 0) + (noisy ? 10 : 1) * z();
    out.push([`u${String(unit).padStart(3, '0')}`, firstPeriod + Math.floor(i / UNITS), noisy ? 'noisy' : 'calm', x.toFixed(6), y.toFixed(6)]);
  }
  writeFileSync(file, csvText(['unit_id', 'period', 'noise_group', 'x', 'y'], out));
  return file;
}

function heteroConfig(prediction: Record<string, unknown>): Config {
  const dataset = {
    name: 'hetero_noise',
    time: { column_kind: 'integer' },
    columns: [
      { name: 'unit_id', role: 'id' },
      { name: 'period', role: 'timestamp', type: 'integer' },
      { name: 'noise_group', role: 'categorical', levels: ['calm', 'noisy'] },
      { name: 'x', role: 'numeric' },
      { name: 'y', role: 'target' },
    ],
  };
  return configForDataset(dataset, (raw) => {
    raw.steps.model_prediction = { ...raw.steps.model_prediction, ...prediction };
    raw.steps.data_drift_detection.retrain_on_drift = false;
    raw.steps.model_drift_detection.retrain_on_drift = false;
  });
}

interface EvalIntervals {
  interval_level: number;
  normal_coverage: number;
  conformal_coverage: number;
  coverage_tolerance: number;
  interval_choice: string;
  interval_choice_reason: string;
  conformal_quantile: number;
  conformal_group: string | null;
  conformal_group_quantiles: string | null;
}

const evalIntervals = (db: PipelineDb, runId: number) =>
  one<EvalIntervals>(
    db,
    `select interval_level, normal_coverage, conformal_coverage, coverage_tolerance, interval_choice, interval_choice_reason, conformal_quantile,
            conformal_group, conformal_group_quantiles::varchar as conformal_group_quantiles
     from model_evaluation_metadata where run_id = $1`,
    [runId],
  );

/** Served coverage per noise group: share of labelled served rows whose actual lies inside the interval. */
async function servedCoverage(db: PipelineDb, runId: number): Promise<Record<string, number>> {
  const rows = await db.query<{ g: string; c: number }>(
    `select r.noise_group as g, avg((r.y between s.prediction_lower and s.prediction_upper)::integer) as c
     from served_predictions s join raw_data r on r.batch_id = s.batch_id and r.source_row = s.source_row
     where s.run_id = $1 group by all`,
    [runId],
  );
  return Object.fromEntries(rows.map((r) => [r.g, r.c]));
}

describe('intervals, refits and the evidence of a retrain', function () {
  this.timeout(180_000);
  const tmp = useTmpDir('mlp-intervals-');
  const open: PipelineDb[] = [];
  after(async () => {
    for (const db of open) await db.close();
  });
  const fresh = async (name: string) => {
    const db = await openDatabase(path.join(tmp(), `${name}.duckdb`));
    open.push(db);
    return db;
  };

  describe('intervals on heteroscedastic data (10% of units with 10× the noise)', () => {
    const ROWS = 6000;
    let trainCsv: string;
    let batchCsv: string;
    before(() => {
      trainCsv = heteroCsv(path.join(tmp(), 'hetero-train.csv'), ROWS, 21, 1000);
      batchCsv = heteroCsv(path.join(tmp(), 'hetero-batch.csv'), ROWS, 22, 2000);
    });

    it('auto: normal coverage of the test rows is stored, misses 90%, so conformal intervals serve and cover ≈ 90% of new rows', async () => {
      const config = heteroConfig({});
      const db = await fresh('hetero-auto');
      await ingestFile(db, config, trainCsv);
      const t = await runTrainingPipeline(db, config, 'DEV');
      const e = await evalIntervals(db, t.runId);
      expect(e.interval_level).to.equal(0.9);
      // Pooled σ² ≈ 0.9·1 + 0.1·100 = 10.9: the ±1.645σ band holds every calm row and ~41% of the noisy ones ≈ 94%.
      expect(e.normal_coverage).to.be.within(0.925, 0.96);
      expect(Math.abs(e.normal_coverage - 0.9)).to.be.above(e.coverage_tolerance);
      expect(e.interval_choice).to.equal('conformal');
      expect(e.interval_choice_reason).to.match(/covered 9\d\.\d% of \d+ test rows, outside 90\.0% ± /);
      expect(e.conformal_coverage, 'cross-fitted conformal coverage').to.be.within(0.87, 0.93);
      expect(e.conformal_group).to.equal(null);
      const p = await runPredictionPipeline(db, config, 'DEV', { input: batchCsv });
      const [{ served }] = await db.query<{ served: number }>(
        `select avg((r.y between s.prediction_lower and s.prediction_upper)::integer) as served
         from served_predictions s join raw_data r on r.batch_id = s.batch_id and r.source_row = s.source_row where s.run_id = $1`,
        [p.runId],
      );
      // 6 000 new rows: binomial SE of a 90% coverage ≈ 0.4%.
      expect(served).to.be.within(0.885, 0.915);
      const widths = await one<{ w0: number; w1: number }>(db, 'select min(prediction_upper - prediction_lower) as w0, max(prediction_upper - prediction_lower) as w1 from served_predictions where run_id = $1', [p.runId]);
      expect(widths.w0).to.be.closeTo(2 * e.conformal_quantile, 1e-9);
      expect(widths.w1).to.be.closeTo(2 * e.conformal_quantile, 1e-9);
    });

    it('per group: normal intervals cover one level fully and the other far less; conformal by group covers ≈ 90% in each', async () => {
      const normal = heteroConfig({ interval_method: 'normal', conformal_group: 'noise_group' });
      const byGroup = heteroConfig({ conformal_group: 'noise_group' });
      const db = await fresh('hetero-group');
      await ingestFile(db, byGroup, trainCsv);
      const t = await runTrainingPipeline(db, byGroup, 'DEV');
      const e = await evalIntervals(db, t.runId);
      expect(e.interval_choice).to.equal('conformal');
      expect(e.conformal_group).to.equal('noise_group');
      const q = JSON.parse(e.conformal_group_quantiles!) as Record<string, number>;
      // Half-widths ≈ 1.645 σ of each level: ≈ 1.6 (calm) and ≈ 16 (noisy).
      expect(q.calm).to.be.within(1.4, 1.9);
      expect(q.noisy).to.be.within(13, 20);
      const pn = await runPredictionPipeline(db, normal, 'DEV', { input: batchCsv });
      const cn = await servedCoverage(db, pn.runId);
      expect(cn.calm).to.be.above(0.99);
      expect(cn.noisy).to.be.below(0.6);
      const pc = await runPredictionPipeline(db, byGroup, 'DEV', { input: batchCsv, rescore: true });
      const cc = await servedCoverage(db, pc.runId);
      // 5 400 calm rows (SE ≈ 0.4%) and 600 noisy rows (SE ≈ 1.2%).
      expect(cc.calm).to.be.within(0.88, 0.92);
      expect(cc.noisy).to.be.within(0.85, 0.95);
    });

    it('the stored calibration is recounted from the test rows: k-th smallest residuals (k = ceil((n + 1) · level)) per partition, coverages as shares', async () => {
      // 104 rows make the noisy level (106 test rows: 55 and 51 in the hash halves) large enough alone, and in one
      // half but not the other, so the cross-fit uses both a level's and a half's overall half-width.
      const config = heteroConfig({ conformal_group: 'noise_group', conformal_min_group_size: 104 });
      const db = await fresh('hetero-recount');
      await ingestFile(db, config, trainCsv);
      const t = await runTrainingPipeline(db, config, 'DEV');
      const e = await evalIntervals(db, t.runId);
      const rows = await db.query<{ res: number; half: number; grp: string; covered: boolean }>(
        `select abs(e.actual - e.prediction) as res, (hash(e.batch_id, e.source_row) % 2)::integer as half, t.noise_group as grp,
                e.actual between e.prediction_lower and e.prediction_upper as covered
         from eval_intervals_r${t.runId} e join test_r${t.runId} t on t.batch_id = e.batch_id and t.source_row = e.source_row`,
      );
      const level = 0.9;
      const minSize = 104;
      const kth = (xs: number[]) => {
        const sorted = [...xs].sort((a, b) => a - b);
        const k = Math.ceil((sorted.length + 1) * level);
        return k <= sorted.length ? sorted[k - 1] : undefined;
      };
      const res = (f: (r: (typeof rows)[number]) => boolean) => rows.filter(f).map((r) => r.res);
      expect(e.conformal_quantile).to.equal(kth(res(() => true)));
      const levels = [...new Set(rows.map((r) => r.grp))].sort();
      const byLevel = Object.fromEntries(levels.filter((l) => res((r) => r.grp === l).length >= minSize).map((l) => [l, kth(res((r) => r.grp === l))]));
      expect(Object.keys(byLevel)).to.have.length.above(0);
      expect(JSON.parse(e.conformal_group_quantiles!)).to.deep.equal(byLevel);
      expect(e.normal_coverage).to.be.closeTo(rows.filter((r) => r.covered).length / rows.length, 1e-12);
      // Cross-fit: a row gets the other half's half-width of its level where that half had minSize / 2 rows of it, else the other half's overall one.
      const halfWidth = [0, 1].map((h) => kth(res((r) => r.half === h)));
      const levelHalfWidth = (h: number, l: string) => (res((r) => r.half === h && r.grp === l).length >= minSize / 2 ? kth(res((r) => r.half === h && r.grp === l)) : undefined);
      let fallbacks = 0;
      const covered = rows.filter((r) => {
        const w = levelHalfWidth(1 - r.half, r.grp) ?? (fallbacks++, halfWidth[1 - r.half]);
        return w === undefined || r.res <= w;
      }).length;
      expect(fallbacks, 'rows of a level too small in the other half').to.be.above(0);
      expect(e.conformal_coverage).to.be.closeTo(covered / rows.length, 1e-12);
    });

    it('homoscedastic synthetic data: normal theory holds on the test rows and auto keeps the normal interval', async () => {
      const config = configWith(() => {});
      const file = path.join(tmp(), 'synthetic.csv');
      await generateFile(file, { rows: 5000, seed: 23, facilities: 50 }, config);
      const db = await fresh('synthetic-intervals');
      await ingestFile(db, config, file);
      const t = await runTrainingPipeline(db, config, 'DEV');
      const e = await evalIntervals(db, t.runId);
      expect(Math.abs(e.normal_coverage - 0.9)).to.be.at.most(e.coverage_tolerance);
      expect(e.interval_choice).to.equal('normal');
      expect(e.conformal_coverage).to.be.within(0.85, 0.95);
      const n = await one<{ n: number }>(db, `select count(*) as n from eval_intervals_r${t.runId}`);
      expect(n.n, 'the intervals of the test rows are kept').to.be.above(900);
    });
  });

  describe('time split: the model that passed the gate is refitted on every labelled row', () => {
    const config = configWith((raw) => {
      raw.steps.train_test_split.method = 'time';
    });
    let db: PipelineDb;
    let first: TrainingOutcome;
    let shifted: PredictionOutcome;
    before(async () => {
      const train = path.join(tmp(), 'time-train.csv');
      const batch = path.join(tmp(), 'time-batch.csv');
      await generateFile(train, { rows: 3000, seed: 24, facilities: 30, startDate: '2024-01-01' }, config);
      await generateFile(batch, { rows: 3000, seed: 25, facilities: 30, startDate: '2024-04-10', scenario: 'concept-shift' }, config);
      db = await fresh('time-refit');
      await ingestFile(db, config, train);
      first = await runTrainingPipeline(db, config, 'DEV');
      shifted = await runPredictionPipeline(db, config, 'DEV', { input: batch });
    });

    it('records both fits: the gated model (train split) and its refit (all rows), which is deployed', async () => {
      expect(first.refit).to.not.equal(undefined);
      const models = await db.query<{ model_version: number; run_id: number; refit_of: number | null; fit_scope: string; n_train: number }>(
        'select model_version, run_id, refit_of, fit_scope, n_train from models where model_version <= $1 order by model_version',
        [first.refit!.modelVersion],
      );
      const split = await one<{ n_train: number; n_test: number }>(db, 'select n_train, n_test from train_test_split_metadata where run_id = $1', [first.runId]);
      expect(models).to.deep.equal([
        { model_version: first.modelVersion, run_id: first.runId, refit_of: null, fit_scope: 'train_split', n_train: split.n_train },
        { model_version: first.refit!.modelVersion, run_id: first.refit!.runId, refit_of: first.modelVersion, fit_scope: 'all_labelled', n_train: 3000 },
      ]);
      const run = await one<{ parent_run_id: number; trigger_reason: string }>(db, 'select parent_run_id, trigger_reason from pipeline_runs where run_id = $1', [first.refit!.runId]);
      expect(run.parent_run_id).to.equal(first.runId);
      expect(run.trigger_reason).to.match(/^refit of v\d+ on every labelled row/);
      const h = await db.query<{ model_version: number; decision: string; reason: string }>('select model_version, decision, reason from model_deployment_history where run_id in ($1, $2) order by deployment_id', [first.runId, first.refit!.runId]);
      expect(h.map((r) => [r.model_version, r.decision])).to.deep.equal([[first.refit!.modelVersion, 'deployed'], [first.modelVersion, 'refitted']]);
      expect(h[0].reason).to.match(new RegExp(`^deployed: refit of v${first.modelVersion} on all 3000 labelled rows; v${first.modelVersion} passed the gate`));
      const ev = await one<{ evaluated_model_version: number; n_test: number }>(db, 'select evaluated_model_version, n_test from model_evaluation_metadata where run_id = $1', [first.refit!.runId]);
      expect(ev).to.deep.equal({ evaluated_model_version: first.modelVersion, n_test: split.n_test });
    });

    it('after drift, the deployed refit has learned the batch that the time split held out of the gated model', async () => {
      expect(shifted.childRunIds).to.have.length(1);
      const child = shifted.childRunIds[0];
      const gated = await one<{ model_version: number; batches: number[]; n_rows: number }>(db, 'select model_version, batches, n_rows from model_training_metadata where run_id = $1', [child]);
      const refitRun = await one<{ run_id: number }>(db, 'select run_id from pipeline_runs where parent_run_id = $1', [child]);
      const refit = await one<{ model_version: number; batches: number[]; n_rows: number }>(db, 'select model_version, batches, n_rows from model_training_metadata where run_id = $1', [refitRun.run_id]);
      expect(refit.batches).to.include(shifted.batchId);
      expect(refit.n_rows).to.equal(6000);
      expect(gated.n_rows).to.be.below(6000);
      const active = await one<{ model_version: number }>(db, "select model_version from active_model where stage = 'DEV'");
      expect(active.model_version).to.equal(refit.model_version);
      expect(shifted.modelVersion).to.equal(refit.model_version);
    });

    it("the refit's drift reference is its own predictions on the gated model's test rows: the next batch of the same regime is not model drift", async () => {
      const refitRun = await one<{ run_id: number }>(db, 'select run_id from pipeline_runs where parent_run_id = $1', [shifted.childRunIds[0]]);
      // The gated model never saw the concept shift; the refit did: its errors on those (shifted) rows are far smaller.
      const e = await one<{ n: number; refit_rmse: number; gated_rmse: number }>(
        db,
        `select count(*) as n, sqrt(avg((prediction - actual) ^ 2)) as refit_rmse, sqrt(avg((gated_prediction - actual) ^ 2)) as gated_rmse from eval_predictions_r${refitRun.run_id}`,
      );
      const split = await one<{ n_test: number }>(db, 'select n_test from train_test_split_metadata where run_id = $1', [shifted.childRunIds[0]]);
      expect(e.n).to.equal(split.n_test);
      expect(e.refit_rmse).to.be.below(e.gated_rmse / 1.5);
      // The next 40 days of the same concept shift, scored by the refit (data-drift retraining off: a later season).
      const next = path.join(tmp(), 'time-next.csv');
      await generateFile(next, { rows: 1200, seed: 28, facilities: 30, startDate: '2024-07-19', scenario: 'concept-shift' }, config);
      const noDataRetrain = configWith((raw) => {
        raw.steps.train_test_split.method = 'time';
        raw.steps.data_drift_detection.retrain_on_drift = false;
      });
      const out = await runPredictionPipeline(db, noDataRetrain, 'DEV', { input: next });
      const md = await one<{ drifted: boolean; rule: string; reason: string }>(db, "select drifted, rule, reason from drift_decisions where run_id = $1 and kind = 'model'", [out.runId]);
      expect(md.drifted, md.reason).to.equal(false);
      expect(out.childRunIds).to.deep.equal([]);
    });

    it('promoting a refit copies its own drift reference (not the gated model’s predictions)', async () => {
      const active = await one<{ model_version: number; run_id: number }>(db, "select a.model_version, m.run_id from active_model a join models m using (model_version) where a.stage = 'DEV'");
      const dev = await db.query<{ batch_id: number; source_row: number; prediction: number }>(`select batch_id, source_row, prediction from eval_predictions_r${active.run_id} order by all`);
      // Another process (here: another database instance) cannot open a file this one holds.
      open.splice(open.indexOf(db), 1);
      await db.close();
      const uat = await fresh('time-refit-uat');
      const r = await promote(uat, config, { sourcePath: path.join(tmp(), 'time-refit.duckdb'), fromStage: 'DEV', toStage: 'UAT' });
      const copied = await uat.query<{ batch_id: number; source_row: number; prediction: number }>(`select batch_id, source_row, prediction from eval_predictions_r${r.runId} order by all`);
      expect(copied.length).to.be.above(0);
      expect(copied).to.deep.equal(dev);
    });
  });

  describe('after a model-drift retrain (concept shift, a small labelled batch against a long history)', () => {
    // Only model drift retrains here (a later season may also look like data drift).
    const config = configWith((raw) => {
      raw.steps.data_drift_detection.retrain_on_drift = false;
    });
    let db: PipelineDb;
    let out: PredictionOutcome;
    before(async () => {
      const train = path.join(tmp(), 'evidence-train.csv');
      const batch = path.join(tmp(), 'evidence-batch.csv');
      await generateFile(train, { rows: 8000, seed: 26, facilities: 40, startDate: '2024-01-01' }, config);
      await generateFile(batch, { rows: 1000, seed: 27, facilities: 40, startDate: '2024-07-19', scenario: 'concept-shift' }, config);
      db = await fresh('evidence');
      await ingestFile(db, config, train);
      await runTrainingPipeline(db, config, 'DEV');
      out = await runPredictionPipeline(db, config, 'DEV', { input: batch });
    });

    it('keeps the tested model’s predictions (what the model-drift tests read) beside the retrained model’s', async () => {
      expect(out.modelDrift).to.equal(true);
      expect(out.childRunIds).to.have.length(1);
      const tested = await one<{ model_version: number }>(db, "select reference_model_version as model_version from drift_decisions where run_id = $1 and kind = 'model'", [out.runId]);
      expect(out.modelVersion).to.not.equal(tested.model_version);
      const evals = await db.query<{ model_version: number; role: string; predictions_table: string; rmse: number; n_actual: number; failed: boolean | null; reason: string }>(
        'select model_version, role, predictions_table, rmse, n_actual, failed, reason from batch_evaluations where run_id = $1 order by role desc',
        [out.runId],
      );
      expect(evals.map((e) => [e.role, e.model_version, e.predictions_table])).to.deep.equal([
        ['tested', tested.model_version, `predictions_r${out.runId}`],
        ['serving', out.modelVersion, `predictions_r${out.runId}_after_retrain`],
      ]);
      // Both tables are there, and each holds its own model's predictions: the stored figures are reproducible.
      for (const e of evals) {
        const r = await one<{ rmse: number; n: number }>(db, `select sqrt(avg((prediction - actual) ^ 2)) as rmse, count(actual) as n from "${e.predictions_table}"`);
        expect(r.n).to.equal(1000);
        expect(r.rmse).to.be.closeTo(e.rmse, 1e-9 * e.rmse);
      }
      const same = await one<{ n: number }>(
        db,
        `select count(*) as n from served_predictions s join "predictions_r${out.runId}_after_retrain" p using (batch_id, source_row) where s.run_id = $1 and s.prediction = p.prediction`,
        [out.runId],
      );
      expect(same.n).to.equal(1000);
      const md = await db.query<{ test: string }>('select test from model_drift_results where run_id = $1', [out.runId]);
      expect(md.length, 'the model-drift rows of the tested model stay').to.be.above(0);
      // One error test: the batch check of the tested model is model drift's rmse_ratio test on the same rows
      // (same F statistic and p-value; only the level it is held to differs).
      const testedCheck = await one<{ f_statistic: number; f_p_value: number }>(db, "select f_statistic, f_p_value from batch_evaluations where run_id = $1 and role = 'tested'", [out.runId]);
      const drift = await one<{ p_value: number; f: number }>(db, "select p_value, (detail->>'f_statistic')::double as f from model_drift_results where run_id = $1 and test = 'rmse_ratio'", [out.runId]);
      expect(testedCheck.f_p_value).to.equal(drift.p_value);
      expect(testedCheck.f_statistic).to.equal(drift.f);
    });

    it('checks the serving model on the batch and flags the served rows when it still fails', async () => {
      const s = await one<{ failed: boolean; reason: string; f_p_value: number }>(db, "select failed, reason, f_p_value from batch_evaluations where run_id = $1 and role = 'serving'", [out.runId]);
      // The retrained model mostly learned the old relation (8 000 old rows, 1 000 new): its batch error stays far above its held-out error.
      expect(s.failed, s.reason).to.equal(true);
      expect(s.reason).to.match(/fails on this batch: batch RMSE [\d.]+ ÷ evaluation RMSE [\d.]+ = [\d.]+, lower 99\.50% bound [\d.]+ > tolerance 1\.25/);
      expect(out.flags).to.include('serving_model_fails_batch');
      const f = await one<{ n: number }>(db, "select count(*) filter (where list_contains(flags, 'serving_model_fails_batch')) as n from served_predictions where run_id = $1", [out.runId]);
      expect(f.n).to.equal(1000);
    });
  });
});
