import { runSqlFile } from '../db/sql-runner.ts';
import { sql } from 'kysely';
import type { PipelineDb } from '../db/database.ts';
import { activeModelOf } from '../registry/active-model.ts';
import { runTables, type RunContext, type StepReport } from '../runs/run-log.ts';
import { loadFitParams } from './data-processing.ts';
import { featureSet, keyColumns, rawFeatureSelect } from '../sql/features.ts';
import type { FitParams } from './fit-params.ts';
import { loadModel } from './model.ts';
import { predictionSql } from '../sql/prediction.ts';
import { modelReadySql } from '../sql/model-ready.ts';
import { modelPrediction } from './model-prediction.ts';

const STEP = 'model_evaluation';
/** |actual| at or below this is left out of MAPE (a percentage error of a near-zero actual means nothing). */
export const MAPE_FLOOR = 1e-6;

export interface Metrics {
  rmse: number;
  mae: number;
  mape: number | null;
  r2: number;
  bias: number;
}

/** How the model's intervals did on the held-out rows, and which interval `auto` serves. */
export interface IntervalEvaluation {
  interval_level: number;
  normal_coverage: number | null;
  conformal_coverage: number | null;
  coverage_tolerance: number | null;
  interval_choice: 'normal' | 'conformal';
  interval_choice_reason: string;
  conformal_quantile: number | null;
  conformal_group: string | null;
  conformal_group_quantiles: Record<string, number> | null;
}

/** Binomial SEs of coverage inside which normal theory is taken to hold on the test rows. */
export const COVERAGE_TOLERANCE_SES = 3;

/**
 * The new model's prediction intervals on the held-out rows, from its normal-theory intervals as served (kept in
 * eval_intervals_r{run}, written by the evaluation's one pass over the test rows): their empirical coverage,
 * split-conformal half-widths from the absolute residuals (with the (n + 1) correction; per level of
 * steps.model_prediction.conformal_group where a level has at least conformal_min_group_size rows), the conformal
 * coverage cross-fitted over two hash halves, and the choice `auto` makes: conformal when the normal coverage is
 * outside 3 binomial SEs of the nominal level.
 */
export async function intervalEvaluation(ctx: RunContext, testView: string, intervalsTable: string, fit: FitParams): Promise<IntervalEvaluation> {
  const { db, config } = ctx;
  const cfg = config.steps.model_prediction;
  const level = cfg.interval_level;
  const group = cfg.conformal_group && fit.categoricals.some((c) => c.name === cfg.conformal_group) ? cfg.conformal_group : null;
  await runSqlFile(db, STEP, 'eval_residuals', {
    slots: {
      intervals_table: sql.id(intervalsTable),
      group_value: group ? sql.id('t', group) : sql`null`,
      // Only the group's column of the test view is read: its numeric features are not computed again.
      group_join: group ? sql`join ${sql.id(testView)} t on t.batch_id = e.batch_id and t.source_row = e.source_row` : sql``,
    },
  });
  // Every partition's half-width in one query: all rows, the hash halves, and with a group its levels and half × level.
  const parts = await runSqlFile<{ partition: 'all' | 'half' | 'group' | 'half_group'; part: string; n: number; half_width: number }>(db, STEP, 'residual_quantiles', {
    slots: group
      ? { grouping_sets: sql`(), (half), (grp), (half, grp)`, group_column: sql`grp`, group_absent: sql`grouping(grp)` }
      : { grouping_sets: sql`(), (half)`, group_column: sql`null::varchar`, group_absent: sql`1` },
    params: { level },
  });
  const partition = (p: string) => parts.filter((r) => r.partition === p);
  const [all] = partition('all');
  const byGroup = partition('group').filter((r) => r.n >= cfg.conformal_min_group_size);
  const byHalf = partition('half');
  const byHalfGroup = partition('half_group').filter((r) => r.n >= cfg.conformal_min_group_size / 2);
  const [cov] = await runSqlFile<{ n: number; normal_coverage: number | null; conformal_coverage: number | null }>(db, STEP, 'interval_coverage', {
    deterministic: true,
    params: {
      half_keys: JSON.stringify(byHalf.map((r) => r.part)),
      half_widths: JSON.stringify(byHalf.map((r) => r.half_width)),
      group_keys: JSON.stringify(byHalfGroup.map((r) => r.part)),
      group_widths: JSON.stringify(byHalfGroup.map((r) => r.half_width)),
    },
  });
  const band = (n: number) => COVERAGE_TOLERANCE_SES * Math.sqrt((level * (1 - level)) / n);
  const tolerance = cov.n > 0 ? band(cov.n) : null;
  // With a conformal group, normal theory must also hold inside each level with enough test rows.
  const groupCoverage = group
    ? (await runSqlFile<{ grp: string | null; n: number; coverage: number }>(db, STEP, 'group_coverage', { deterministic: true })).filter(
        (g) => g.grp !== null && g.n >= cfg.conformal_min_group_size,
      )
    : [];
  const offGroups = groupCoverage.filter((g) => Math.abs(g.coverage - level) > band(g.n));
  await runSqlFile(db, STEP, 'drop_table', { slots: { table: sql`temp.eval_residuals` } });
  let choice: 'normal' | 'conformal' = 'normal';
  let reason: string;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const normalSaid = cov.normal_coverage === null ? '' : `normal-theory ${pct(level)} intervals covered ${pct(cov.normal_coverage)} of ${cov.n} test rows`;
  if (cov.normal_coverage === null || tolerance === null) reason = 'no labelled test rows to check the intervals on';
  else if (!all) reason = `too few test rows (${cov.n}) for a conformal ${pct(level)} half-width`;
  else if (Math.abs(cov.normal_coverage - level) > tolerance) {
    choice = 'conformal';
    reason = `${normalSaid}, outside ${pct(level)} ± ${pct(tolerance)} (3 binomial SEs)`;
  } else if (offGroups.length) {
    choice = 'conformal';
    reason = `${normalSaid}, but ${offGroups.map((g) => `${pct(g.coverage)} of ${g.n} rows with ${group} = ${g.grp}`).join(', ')} (outside 3 binomial SEs of ${pct(level)})`;
  } else reason = `${normalSaid}, within ${pct(level)} ± ${pct(tolerance)} (3 binomial SEs)${group ? ` overall and in every level of ${group}` : ''}`;
  return {
    interval_level: level,
    normal_coverage: cov.normal_coverage,
    conformal_coverage: all ? cov.conformal_coverage : null,
    coverage_tolerance: tolerance,
    interval_choice: choice,
    interval_choice_reason: reason,
    conformal_quantile: all?.half_width ?? null,
    conformal_group: group,
    conformal_group_quantiles: group ? Object.fromEntries(byGroup.map((r) => [r.part, r.half_width])) : null,
  };
}

export interface EvaluationResult extends StepReport {
  predictionsTable: string;
  newMetrics: Metrics;
  activeMetrics: Metrics | null;
  activeModelVersion: number | null;
  nTest: number;
  intervals?: IntervalEvaluation;
}

/**
 * model_evaluation: predictions of the new model on the test rows (in SQL) and, when a model is active,
 * the active model's predictions on the same rows; RMSE, MAE, MAPE, R² and bias for both.
 */
export async function modelEvaluation(ctx: RunContext, testView: string, fit: FitParams, modelVersion: number): Promise<EvaluationResult> {
  const { db, config, runId, stage } = ctx;
  const contract = config.contract;
  const model = await loadModel(db, modelVersion);
  const predictionsTable = runTables.evalPredictions(runId);
  const active = await activeModelOf(db, stage);
  const intervalsTable = runTables.evalIntervals(runId);
  const slots = {
    predictions_table: sql.id(predictionsTable),
    intervals_table: sql.id(intervalsTable),
    key_columns: keyColumns(contract),
  };
  await runSqlFile(db, STEP, 'drop_table', { slots: { table: sql.id(predictionsTable) } });
  // The one pass over the test rows (a view: processing is computed as it is read): the new model's predictions
  // with their normal-theory intervals, as served. Its predictions are predictionSql's, term for term, so
  // eval_predictions_r{run} and the statistics below are read from this table, not from the test view again.
  await modelPrediction(ctx, testView, model, fit, intervalsTable, { method: 'normal' });
  if (active) {
    const activeModel = await loadModel(db, active.modelVersion);
    const activeFit = await loadFitParams(ctx, active.runId);
    const raw = featureSet(contract).numerics.filter((f) => activeFit.numerics.some((n) => n.name === f.name));
    // The active model sees the test rows as it would see them in serving (clipped only with out_of_range: clip).
    const ready = modelReadySql(activeFit, { clip: config.steps.data_processing.out_of_range === 'clip' });
    await runSqlFile(db, STEP, 'eval_predictions_with_active', {
      slots: {
        ...slots,
        active_raw_features: rawFeatureSelect({ numerics: raw, categoricals: activeFit.categoricals }),
        active_model_ready: ready.select,
        active_prediction: predictionSql(activeModel, activeFit),
      },
    });
  } else {
    await runSqlFile(db, STEP, 'eval_predictions', { slots });
  }
  const [m] = await runSqlFile<Record<string, number | null>>(db, STEP, 'eval_metrics', { deterministic: true, slots: { predictions_table: sql.id(predictionsTable) }, params: { mape_floor: MAPE_FLOOR } });
  const newMetrics: Metrics = { rmse: m.new_rmse as number, mae: m.new_mae as number, mape: m.new_mape, r2: m.new_r2 as number, bias: m.new_bias as number };
  const activeMetrics: Metrics | null = active ? { rmse: m.active_rmse as number, mae: m.active_mae as number, mape: m.active_mape, r2: m.active_r2 as number, bias: m.active_bias as number } : null;
  const intervals = await intervalEvaluation(ctx, testView, intervalsTable, fit);
  await runSqlFile(db, STEP, 'insert_metadata', {
    params: {
      ...intervals,
      conformal_group_quantiles: intervals.conformal_group_quantiles ? JSON.stringify(intervals.conformal_group_quantiles) : null,
      evaluated_model_version: modelVersion,
      run_id: runId,
      model_version: modelVersion,
      active_model_version: active?.modelVersion ?? null,
      n_test: m.n,
      mape_rows: m.mape_rows,
      ...m,
      predictions_table: predictionsTable,
      now: new Date().toISOString(),
    },
  });
  const nTest = m.n as number;
  return {
    predictionsTable,
    newMetrics,
    activeMetrics,
    activeModelVersion: active?.modelVersion ?? null,
    nTest,
    rowsIn: nTest,
    rowsOut: nTest,
    intervals,
    message: `test RMSE ${newMetrics.rmse.toFixed(4)}, R² ${newMetrics.r2.toFixed(4)}${activeMetrics ? `; active v${active?.modelVersion} RMSE ${activeMetrics.rmse.toFixed(4)}` : ''}; ${intervals.interval_choice_reason}${intervals.interval_choice === 'conformal' ? ' (auto serves conformal intervals)' : ''}`,
  };
}

/**
 * model_evaluation of a refit: the refit was fitted on every labelled row, so nothing is held out to test it
 * on. Its evaluation is the gated model's on that model's test rows, recorded under the refit's run with
 * evaluated_model_version naming the model those metrics are of. Its drift reference, eval_predictions_r{run},
 * holds the refit's own predictions on those rows (beside the gated model's): with a time split they are the
 * newest rows, often the drifted batch, which the gated model never learned and the refit did — against the gated
 * model's predictions, the next batch of the same kind would look like model drift again.
 */
export async function inheritEvaluation(ctx: RunContext, gatedRunId: number, modelVersion: number, processedTable: string, fit: FitParams): Promise<EvaluationResult> {
  const { db, runId, config } = ctx;
  const predictionsTable = runTables.evalPredictions(runId);
  await runSqlFile(db, STEP, 'drop_table', { slots: { table: sql.id(predictionsTable) } });
  await runSqlFile(db, STEP, 'inherited_predictions', {
    slots: {
      predictions_table: sql.id(predictionsTable),
      gated_predictions_table: sql.id(runTables.evalPredictions(gatedRunId)),
      gated_key_columns: keyColumns(config.contract, 'g'),
      processed_table: sql.id(processedTable),
      refit_prediction: predictionSql(await loadModel(db, modelVersion), fit),
    },
  });
  await runSqlFile(db, STEP, 'inherit_evaluation', { params: { run_id: runId, model_version: modelVersion, gated_run_id: gatedRunId, now: new Date().toISOString() } });
  const e = await readEvaluation(db, runId);
  return { ...e, rowsOut: 1, message: `no held-out rows (a refit): the evaluation of the gated model (run ${gatedRunId}) on its ${e.nTest} test rows stands for it` };
}

/** A stored evaluation (model_evaluation_metadata) read back as the step's result. */
export async function readEvaluation(db: PipelineDb, runId: number): Promise<EvaluationResult> {
  const [e] = await runSqlFile<Record<string, number | null> & { predictions_table: string }>(db, 'resume', 'evaluation', { params: { run_id: runId } });
  const metrics = (p: 'new' | 'active') => ({ rmse: e[`${p}_rmse`] as number, mae: e[`${p}_mae`] as number, mape: e[`${p}_mape`], r2: e[`${p}_r2`] as number, bias: e[`${p}_bias`] as number });
  return {
    predictionsTable: e.predictions_table,
    newMetrics: metrics('new'),
    activeMetrics: e.active_model_version === null ? null : metrics('active'),
    activeModelVersion: e.active_model_version,
    nTest: e.n_test as number,
  };
}
