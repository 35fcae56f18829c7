/**
 * TRAINING_PIPELINE on one synthetic year (36 500 rows, 100 facilities, baseline, seed 1), in one database that
 * the tests below share and extend in order: first run (deploys), coefficient recovery, run/step records, a second
 * run on the same data (gated with both models' metrics), worse models (refused), and failing steps.
 */
import { expect } from 'chai';
import path from 'node:path';
import type { Config } from '../../../src/config/load.ts';
import { openDatabase, type PipelineDb } from '../../../src/db/database.ts';
import { InputError } from '../../../src/errors.ts';
import { ingestFile } from '../../../src/ingest/ingest.ts';
import { runTrainingPipeline, TRAINING_STEPS, type TrainingOutcome } from '../../../src/pipelines/training.ts';
import { configWith, countRows, defaultConfig, generateFile, removeDir, tmpDir } from '../../support/helpers.ts';
import { activeModelRow, FACILITIES, nextRunId, rawStandardErrors, readModel, relationNames, relClose, syntheticTruth, trueCoefficients, YEAR_ROWS } from './fixtures.ts';

interface EvalRow {
  run_id: number;
  model_version: number;
  active_model_version: number | null;
  n_test: number;
  new_rmse: number;
  new_r2: number;
  active_rmse: number | null;
  active_mae: number | null;
  active_r2: number | null;
  active_bias: number | null;
}

interface HistoryRow {
  deployment_id: number;
  run_id: number;
  model_version: number;
  decision: string;
  reason: string;
  evidence: string;
  start_at: Date | null;
  end_at: Date | null;
}

async function evaluationOf(db: PipelineDb, runId: number): Promise<EvalRow> {
  const rows = await db.query<EvalRow>('select * from model_evaluation_metadata where run_id = $1', [runId]);
  expect(rows, `model_evaluation_metadata of run ${runId}`).to.have.length(1);
  return rows[0];
}

async function historyOf(db: PipelineDb, runId: number): Promise<HistoryRow> {
  const rows = await db.query<HistoryRow>('select *, evidence::varchar as evidence from model_deployment_history where run_id = $1', [runId]);
  expect(rows, `model_deployment_history of run ${runId}`).to.have.length(1);
  return rows[0];
}

describe('training pipeline: one synthetic year, 100 facilities', function () {
  this.timeout(180_000);
  const config = defaultConfig();
  const truth = syntheticTruth();
  let dir: string;
  let db: PipelineDb;
  let first: TrainingOutcome;
  let second: TrainingOutcome;

  before(async () => {
    dir = tmpDir('mlp-train-');
    const file = path.join(dir, 'baseline.csv');
    await generateFile(file, { rows: YEAR_ROWS, seed: 1, facilities: FACILITIES, startDate: '2024-01-01' });
    db = await openDatabase(path.join(dir, 'train.duckdb'), { threads: config.duckdb.threads, memoryLimit: config.duckdb.memory_limit });
    const ing = await ingestFile(db, config, file);
    expect(ing.rowsAccepted).to.equal(YEAR_ROWS);
    first = await runTrainingPipeline(db, config, 'DEV');
  });

  after(async () => {
    await db?.close();
    removeDir(dir);
  });

  it('first run on a fresh database deploys because there is no active model', async () => {
    expect(first.deployed).to.equal(true);
    expect(first.reason).to.match(/no active model on DEV/);
    expect(await activeModelRow(db)).to.include({ stage: 'DEV', model_version: first.modelVersion });
    const h = await historyOf(db, first.runId);
    expect(h).to.include({ model_version: first.modelVersion, decision: 'deployed' });
    expect(h.reason).to.match(/no active model/);
    expect(h.start_at).to.be.instanceOf(Date);
    expect(h.end_at).to.equal(null);
    const ev = await evaluationOf(db, first.runId);
    // Nothing to compare with: every active_* metric is null.
    expect([ev.active_model_version, ev.active_rmse, ev.active_mae, ev.active_r2, ev.active_bias]).to.deep.equal([null, null, null, null, null]);
  });

  it('recovers the generator coefficients within 5 standard errors, with test RMSE ≈ noise sd 2.0', async () => {
    const model = await readModel(db, first.modelVersion);
    expect(model.droppedFeatures).to.deep.equal([]);
    // 10 numeric features (5 columns, fossil_energy_mwh, 4 calendar terms) + 19 region + 4 sector dummies.
    expect(model.designColumns).to.have.length(33);
    const t = trueCoefficients(truth, 'baseline', model);
    const se = rawStandardErrors(model);
    // s² estimates noise_sd² = 4 (n_train ≈ 29 200: relative SE of s² ≈ sqrt(2/n) ≈ 0.8%; ±5% is > 6 SE).
    expect(model.residualVariance).to.be.within(4 * 0.95, 4 * 1.05);
    // The tolerance is only meaningful if the SEs are small: with σ = 2 and n ≈ 29 200 the fossil-energy slope
    // has SE ≈ 0.0011 t/MWh, the sector dummies ≈ 0.04–0.07 t, the regions ≈ 0.06–0.11 t; renewable_share
    // (sd 0.17, largely explained by region) is the loosest at ≈ 0.18.
    expect(se.byColumn.fossil_energy_mwh).to.be.below(0.002);
    for (const c of model.designColumns) if (c.startsWith('sector=')) expect(se.byColumn[c], c).to.be.below(0.1);
    for (const c of model.designColumns) expect(se.byColumn[c], c).to.be.below(0.25);
    expect(se.intercept).to.be.below(0.5);

    const misses: string[] = [];
    const check = (name: string, est: number, want: number, s: number) => {
      const z = (est - want) / s;
      if (!(Math.abs(z) <= 5)) misses.push(`${name}: estimate ${est.toFixed(4)}, truth ${want}, SE ${s.toFixed(4)}, z = ${z.toFixed(2)}`);
    };
    for (const c of model.designColumns) check(c, model.coefficientsOriginal.coefficients[c], t.byColumn[c], se.byColumn[c]);
    check('intercept', model.coefficientsOriginal.intercept, t.intercept, se.intercept);
    expect(misses, misses.join('\n')).to.deep.equal([]);

    // Test metrics: RMSE ≈ σ = 2 (n_test ≈ 7 300: SE of the RMSE ≈ 2/sqrt(2n) ≈ 0.017; ±0.1 is ≈ 6 SE) and
    // R² ≈ 1 − σ²/Var(y) ≈ 1 − 4/407 ≈ 0.990.
    const ev = await evaluationOf(db, first.runId);
    expect(ev.new_rmse).to.be.within(1.9, 2.1);
    expect(ev.new_r2).to.be.above(0.985);
    expect(first.evaluation!.newMetrics.rmse).to.equal(ev.new_rmse);
  });

  it('records the run in pipeline_runs and each step in step_runs with rows in/out and duration', async () => {
    const [run] = await db.query<{ pipeline_type: string; stage: string; status: string; started_at: Date; ended_at: Date | null; error: string | null; parent_run_id: number | null; model_version: number }>(
      'select * from pipeline_runs where run_id = $1',
      [first.runId],
    );
    expect(run).to.include({ pipeline_type: 'TRAINING_PIPELINE', stage: 'DEV', status: 'succeeded', error: null, parent_run_id: null, model_version: first.modelVersion });
    expect(run.ended_at!.getTime()).to.be.at.least(run.started_at.getTime());

    const steps = await db.query<{ step_name: string; step_order: number; status: string; duration_ms: number; rows_in: number | null; rows_out: number | null }>(
      'select step_name, step_order, status, duration_ms, rows_in, rows_out from step_runs where run_id = $1 order by step_order',
      [first.runId],
    );
    expect(steps.map((s) => s.step_name)).to.deep.equal([...TRAINING_STEPS]);
    expect(steps.map((s) => s.step_order)).to.deep.equal([1, 2, 3, 4, 5]);
    const runMs = run.ended_at!.getTime() - run.started_at.getTime();
    for (const s of steps) {
      expect(s.status, s.step_name).to.equal('succeeded');
      expect(s.duration_ms, s.step_name).to.be.above(0).and.at.most(runMs + 1);
    }
    const [split] = await db.query<{ n_train: number; n_test: number }>('select n_train, n_test from train_test_split_metadata where run_id = $1', [first.runId]);
    expect(split.n_train + split.n_test).to.equal(YEAR_ROWS);
    // Seeded hash split, test_fraction 0.2: binomial SE sqrt(0.2·0.8/36 500) ≈ 0.0021; ±0.01 is ≈ 5 SE.
    expect(split.n_test / YEAR_ROWS).to.be.within(0.19, 0.21);
    const by = Object.fromEntries(steps.map((s) => [s.step_name, [s.rows_in, s.rows_out]]));
    expect(by).to.deep.equal({
      data_processing: [YEAR_ROWS, YEAR_ROWS],
      train_test_split: [YEAR_ROWS, YEAR_ROWS],
      model_training: [split.n_train, 1],
      model_evaluation: [split.n_test, split.n_test],
      model_deployment: [null, 1],
    });
    // data_processing's input fingerprint (its rows and the xor of the hashes of their ids, from the one pass) is what
    // sql/data_processing/input_fingerprint.sql computes over the labelled rows: a resume compares the two
    const [recorded] = await db.query<{ input_fingerprint: string }>("select input_fingerprint from step_runs where run_id = $1 and step_name = 'data_processing'", [first.runId]);
    const [direct] = await db.query<{ n: bigint; h: string }>(
      'select count(*) as n, coalesce(bit_xor(hash(batch_id, source_row)), 0)::varchar as h from raw_data where co2_tonnes is not null and superseded_by is null',
    );
    expect(recorded.input_fingerprint).to.equal(`${direct.n}:${direct.h}`);
    expect(recorded.input_fingerprint.startsWith(`${YEAR_ROWS}:`)).to.equal(true);
  });

  it('a second run on the same data (forced: unforced it trains nothing) is gated against the active model, both evaluated on the same test rows', async () => {
    const before = await activeModelRow(db);
    second = await runTrainingPipeline(db, config, 'DEV', { force: true });
    expect(second.modelVersion).to.equal(first.modelVersion + 1);
    const ev = await evaluationOf(db, second.runId);
    expect(ev.active_model_version).to.equal(first.modelVersion);
    for (const k of ['active_rmse', 'active_mae', 'active_r2', 'active_bias'] as const) expect(ev[k], k).to.be.a('number');
    // Same rows, same seeded split → the same model twice: equal RMSE up to summation order (observed ~1e-15).
    expect(relClose(ev.new_rmse, ev.active_rmse!, 1e-9), `${ev.new_rmse} vs ${ev.active_rmse}`).to.equal(true);
    // …and the active model's RMSE on this run's test rows is what the first run measured on the same rows.
    expect(relClose(ev.active_rmse!, first.evaluation!.newMetrics.rmse, 1e-9)).to.equal(true);
    // The two models: equal up to the summation order of the threads=2 aggregates (config.yaml says sums are
    // bit-identical only with one thread). Observed: max relative coefficient difference ≈ 6e-12.
    const m1 = await readModel(db, first.modelVersion);
    const m2 = await readModel(db, second.modelVersion);
    const maxRel = Math.max(...m1.coefficients.map((b, j) => Math.abs(b - m2.coefficients[j]) / Math.abs(b)));
    expect(maxRel, `max relative coefficient difference ${maxRel.toExponential(2)}`).to.be.at.most(1e-10);

    const h = await historyOf(db, second.runId);
    expect(h.decision).to.equal('deployed');
    expect(h.reason).to.match(/matches active v\d+'s [\d.]+ on the same rows/);
    const evidence = JSON.parse(h.evidence) as { new: { rmse: number; r2: number }; active: { rmse: number; r2: number }; active_model_version: number; rmse_limit: number };
    expect(evidence.new.rmse).to.equal(ev.new_rmse);
    expect(evidence.active.rmse).to.equal(ev.active_rmse);
    expect(evidence.active.r2).to.equal(ev.active_r2);
    expect(evidence.active_model_version).to.equal(first.modelVersion);
    expect(evidence.rmse_limit).to.be.closeTo(ev.active_rmse! * 1.05, 1e-12);

    // The deployment replaced the first one: active_model moved, the old history row got an end date.
    expect(await activeModelRow(db)).to.include({ model_version: second.modelVersion });
    expect((await activeModelRow(db))!.deployment_id).to.not.equal(before!.deployment_id);
    const old = await historyOf(db, first.runId);
    expect(old.end_at).to.be.instanceOf(Date);
  });

  async function refusedRun(cfg: Config): Promise<{ out: TrainingOutcome; ev: EvalRow; h: HistoryRow }> {
    const active = await activeModelRow(db);
    const out = await runTrainingPipeline(db, cfg, 'DEV');
    expect(out.deployed).to.equal(false);
    expect(await activeModelRow(db), 'active_model unchanged').to.deep.equal(active);
    const h = await historyOf(db, out.runId);
    expect(h).to.include({ model_version: out.modelVersion, decision: 'rejected', start_at: null, end_at: null });
    const [run] = await db.query<{ status: string; model_version: number }>('select status, model_version from pipeline_runs where run_id = $1', [out.runId]);
    expect(run).to.deep.equal({ status: 'succeeded', model_version: out.modelVersion });
    return { out, ev: await evaluationOf(db, out.runId), h };
  }

  it('refuses a much worse model (no fossil energy, energy or sector): below min_r2, active model stays', async () => {
    const worse = configWith((raw) => (raw.steps.model_training.exclude_features = ['fossil_energy_mwh', 'energy_mwh', 'sector']));
    const { out, ev, h } = await refusedRun(worse);
    const model = await readModel(db, out.modelVersion);
    expect(model.designColumns.some((c) => c.startsWith('sector=') || c === 'fossil_energy_mwh' || c === 'energy_mwh')).to.equal(false);
    // Without the energy and sector terms most of Var(y) ≈ 407 is unexplained: test R² ≈ 0.22, RMSE ≈ 18.
    expect(ev.new_r2).to.be.below(0.5);
    expect(ev.new_rmse).to.be.above(10);
    expect(ev.active_model_version).to.equal(second.modelVersion);
    expect(h.reason).to.match(/below the minimum 0\.5/);
    const evidence = JSON.parse(h.evidence) as { new: { r2: number }; active: { rmse: number }; thresholds: { min_r2: number } };
    expect(evidence.new.r2).to.equal(ev.new_r2);
    expect(evidence.active.rmse).to.equal(ev.active_rmse);
    expect(evidence.thresholds.min_r2).to.equal(0.5);
  });

  it('refuses a model above min_r2 but worse on RMSE than the 5% tolerance (sector left out)', async () => {
    const worse = configWith((raw) => (raw.steps.model_training.exclude_features = ['sector']));
    const { ev, h } = await refusedRun(worse);
    // Sector effects 0–12 t (sd ≈ 5) go unexplained: RMSE ≈ sqrt(4 + 25) ≈ 5.4, R² ≈ 0.93 — above min_r2 0.5.
    expect(ev.new_r2).to.be.above(0.5);
    expect(ev.new_rmse).to.be.above(ev.active_rmse! * 1.05);
    expect(h.reason).to.match(/worse than active v\d+.* by more than 5\.0%/);
  });

  it('a failing step (time split leaving no test rows) fails the run and writes none of its outputs', async () => {
    const active = await activeModelRow(db);
    const models = await countRows(db, 'models');
    const runId = await nextRunId(db);
    // time split with test_fraction 1e-4: the cutoff is the last day, so no row is after it.
    const bad = configWith((raw) => (raw.steps.train_test_split = { method: 'time', test_fraction: 0.0001 }));
    let err: unknown;
    await runTrainingPipeline(db, bad, 'DEV').catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(InputError);
    expect((err as Error).message).to.match(/split left 36500 training and 0 test rows/);

    const [run] = await db.query<{ status: string; error: string; model_version: number | null }>('select status, error, model_version from pipeline_runs where run_id = $1', [runId]);
    expect(run.status).to.equal('failed');
    expect(run.error).to.match(/0 test rows/);
    expect(run.model_version).to.equal(null);
    const steps = await db.query<{ step_name: string; status: string; message: string }>('select step_name, status, message from step_runs where run_id = $1 order by step_order', [runId]);
    expect(steps.map((s) => [s.step_name, s.status])).to.deep.equal([
      ['data_processing', 'succeeded'],
      ['train_test_split', 'failed'],
    ]);
    expect(steps[1].message).to.match(/0 test rows/);
    // The failed step's outputs were rolled back; nothing downstream ran.
    expect(await countRows(db, 'train_test_split_metadata', `run_id = ${runId}`)).to.equal(0);
    const rel = await relationNames(db);
    expect(rel.has(`train_r${runId}`) || rel.has(`test_r${runId}`), 'split views').to.equal(false);
    expect(await countRows(db, 'models')).to.equal(models);
    expect(await countRows(db, 'model_deployment_history', `run_id = ${runId}`)).to.equal(0);
    expect(await activeModelRow(db)).to.deep.equal(active);
  });

  it('a failure after model_training (model_evaluation cannot write its table) fails the run: no evaluation, no deployment, active model unchanged', async () => {
    const active = await activeModelRow(db);
    const models = await countRows(db, 'models');
    const runId = await nextRunId(db);
    // Simulates a crash of model_evaluation: a view squats the name of its intervals table, so its
    // `drop table if exists eval_intervals_r{run}` fails inside the step.
    await db.exec(`create view eval_intervals_r${runId} as select 1 as x`);
    try {
      let err: unknown;
      await runTrainingPipeline(db, config, 'DEV', { force: true }).catch((e: unknown) => (err = e));
      expect(err, 'the run must fail').to.be.instanceOf(Error);
      const [run] = await db.query<{ status: string; model_version: number | null }>('select status, model_version from pipeline_runs where run_id = $1', [runId]);
      expect(run).to.deep.equal({ status: 'failed', model_version: null });
      const steps = await db.query<{ step_name: string; status: string }>('select step_name, status from step_runs where run_id = $1 order by step_order', [runId]);
      expect(steps.map((s) => `${s.step_name}:${s.status}`)).to.deep.equal(['data_processing:succeeded', 'train_test_split:succeeded', 'model_training:succeeded', 'model_evaluation:failed']);
      // The failed step left nothing: no metadata row, no predictions (only the squatting view).
      expect(await countRows(db, 'model_evaluation_metadata', `run_id = ${runId}`)).to.equal(0);
      const [kind] = await db.query<{ t: string }>(`select table_type as t from information_schema.tables where table_name = 'eval_intervals_r${runId}'`);
      expect(kind.t).to.equal('VIEW');
      const left = await db.query<{ t: string }>(`select table_name as t from information_schema.tables where table_name = 'eval_predictions_r${runId}'`);
      expect(left).to.deep.equal([]);
      expect(await countRows(db, 'model_deployment_history', `run_id = ${runId}`)).to.equal(0);
      expect(await activeModelRow(db)).to.deep.equal(active);
      // model_training's output stays: `pipeline run --resume` reuses it (model_training_metadata names it).
      // It is never active and has no gate decision.
      const kept = await db.query<{ model_version: number }>('select model_version from models where run_id = $1', [runId]);
      expect(kept).to.have.length(1);
      expect(await countRows(db, 'models')).to.equal(models + 1);
      const [meta] = await db.query<{ v: number }>('select model_version as v from model_training_metadata where run_id = $1', [runId]);
      expect(meta.v).to.equal(kept[0].model_version);
      expect(await countRows(db, 'active_model', `model_version = ${kept[0].model_version}`)).to.equal(0);
    } finally {
      await db.exec(`drop view if exists eval_intervals_r${runId}`);
    }
  });
});
