import { runSqlFile, sqlFileFragment } from '../db/sql-runner.ts';
import { sql } from 'kysely';
import type { PipelineDb } from '../db/database.ts';
import { activeModelOf } from '../registry/active-model.ts';
import { runTables, type RunContext, type StepReport } from '../runs/run-log.ts';
import { dropProcessed, inputRowsSql, loadFitParams } from './data-processing.ts';
import { testPredicate } from './train-test-split.ts';
import { featureSet, keyColumns, rawFeatureSelect } from '../sql/features.ts';
import type { FitParams } from './fit-params.ts';
import { loadModel, type StoredModel } from './model.ts';
import { studentTQuantile } from '../stats/ols.ts';
import { predictionSql } from '../sql/prediction.ts';
import { modelReadySql } from '../sql/model-ready.ts';
import type { SqlFragment } from '../sql/render.ts';
import { writePredictions } from './model-prediction.ts';

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

/** A partition of the held-out rows' calibration: its rows (n), those with a residual (m), and its k. */
interface Partition {
  n: number;
  m: number;
  /** k = ceil((n + 1) · level): its half-width is its k-th smallest absolute residual (none when k > n). */
  k: number;
  /** Its residuals below the lower bound residual_quantiles may leave out (0 without one). */
  below: number;
}

/** residual_counts.sql's row of all rows (all_levels = 1) or of one level of the conformal group. */
interface CountsRow {
  all_levels: number;
  grp: string | null;
  n: number;
  n_half_0: number;
  n_half_1: number;
  m: number;
  m_half_0: number;
  m_half_1: number;
  below: number;
  below_half_0: number;
  below_half_1: number;
  normal_coverage: number | null;
}

/** residual_quantiles.sql's row: the absolute residual at every partition's quantile, of the rows and of each half. */
interface QuantilesRow {
  all_levels: number;
  grp: string | null;
  at_quantiles: (number | null)[] | null;
  half_0_at_quantiles: (number | null)[] | null;
  half_1_at_quantiles: (number | null)[] | null;
}

/**
 * The new model's prediction intervals on the held-out rows, from its normal-theory intervals as served (kept in
 * eval_intervals_r{run}, written by the evaluation's one pass over the test rows): their empirical coverage,
 * split-conformal half-widths from the absolute residuals (with the (n + 1) correction; per level of
 * steps.model_prediction.conformal_group where a level has at least conformal_min_group_size rows), the conformal
 * coverage cross-fitted over two hash halves, and the choice `auto` makes: conformal when the normal coverage is
 * outside 3 binomial SEs of the nominal level. Three aggregate passes over the intervals table: the partitions'
 * counts with the normal coverage, their half-widths (k-th smallest residuals, by selection — with `model`, among the
 * residuals at or above a lower bound only, where every partition has fewer than k below it), the conformal coverage.
 */
export async function intervalEvaluation(ctx: RunContext, testView: string, intervalsTable: string, fit: FitParams, model?: Pick<StoredModel, 'residualVariance' | 'dofResidual'>): Promise<IntervalEvaluation> {
  const { db, config } = ctx;
  const cfg = config.steps.model_prediction;
  const level = cfg.interval_level;
  const group = cfg.conformal_group && fit.categoricals.some((c) => c.name === cfg.conformal_group) ? cfg.conformal_group : null;
  const residualRows = sqlFileFragment(STEP, 'residual_rows', {
    slots: {
      intervals_table: sql.id(intervalsTable),
      group_value: group ? sql.id('t', group) : sql`null`,
      // Only the group's column of the test view is read: its numeric features are not computed again.
      group_join: group ? sql`join ${sql.id(testView)} t on t.batch_id = e.batch_id and t.source_row = e.source_row` : sql``,
    },
  });
  // Without a group each statistic reads the intervals table itself; with one, the rows joined to their level once.
  if (group) await runSqlFile(db, STEP, 'eval_residuals', { slots: { residual_rows: residualRows } });
  const residuals = group ? sql`temp.eval_residuals` : sql`(${residualRows}) as r`;
  // Partitions by level only with a group; all_levels: 1 on the row of all rows.
  const grouping = group
    ? { grouping_sets: sql`(), (grp)`, all_levels: sql`grouping(grp)`, group_column: sql`grp` }
    : { grouping_sets: sql`()`, all_levels: sql`1`, group_column: sql`null::varchar` };
  // A lower bound on the residuals the half-widths can be: half the normal-theory half-width without the leverage,
  // t · s / 2, well below the level's quantile of the residuals when they are anywhere near normal. Residuals below
  // it are only counted, not collected by residual_quantiles (where every partition has fewer of them than its k).
  const bound = model && model.residualVariance > 0 && model.dofResidual > 0 ? (studentTQuantile(1 - (1 - level) / 2, model.dofResidual) * Math.sqrt(model.residualVariance)) / 2 : null;
  const counts = await runSqlFile<CountsRow>(db, STEP, 'residual_counts', { slots: { residuals, ...grouping }, params: { lower_bound: bound } });
  const [total] = counts.filter((r) => r.all_levels === 1);
  const levels = counts.filter((r) => r.all_levels === 0);
  const partitionOf = (n: number, m: number, below: number): Partition => ({ n, m, k: Math.ceil((n + 1) * level), below });
  const parts = (r: CountsRow) => [partitionOf(r.n, r.m, r.below), partitionOf(r.n_half_0, r.m_half_0, r.below_half_0), partitionOf(r.n_half_1, r.m_half_1, r.below_half_1)];
  // The bound serves only when every partition whose k-th smallest residual is read has fewer than k below it.
  const bounded = bound !== null && counts.every((r) => parts(r).every((p) => p.k > p.m || p.below < p.k));
  // Every partition's quantile q = (k - b - 1/2) / (m - b), where its k-th smallest residual exists (k ≤ m): the
  // (k - b)-th smallest of its m - b residuals at or above the bound (b below it; b = 0 without the bound).
  const quantiles: number[] = [];
  const position = (p: Partition) => {
    if (p.k > p.m) return -1;
    const b = bounded ? p.below : 0;
    const q = (p.k - b - 0.5) / (p.m - b);
    const at = quantiles.indexOf(q);
    return at >= 0 ? at : quantiles.push(q) - 1;
  };
  const positions = new Map(counts.map((r) => [r, parts(r).map(position)] as const));
  const widths = quantiles.length
    ? await runSqlFile<QuantilesRow>(db, STEP, 'residual_quantiles', { slots: { residuals, ...grouping }, params: { quantiles: JSON.stringify(quantiles), lower_bound: bounded ? bound : null } })
    : [];
  const sameRow = (a: CountsRow | QuantilesRow, b: CountsRow | QuantilesRow) => a.all_levels === b.all_levels && a.grp === b.grp;
  /**
   * A partition's half-width (of the rows of `r`: which 0, all of them; 1, hash half 0; 2, hash half 1): its k-th
   * smallest residual; none when k > n (too few rows: the interval would be unbounded), and null when k ≤ n but only
   * m < k rows have a residual (the k-th, in the order residuals and then rows without one, is one without).
   */
  const halfWidth = (r: CountsRow, which: 0 | 1 | 2): { n: number; half_width: number | null } | null => {
    const p = parts(r)[which];
    if (p.k > p.n) return null;
    const at = positions.get(r)![which];
    const w = widths.find((x) => sameRow(x, r));
    const list = which === 0 ? w?.at_quantiles : which === 1 ? w?.half_0_at_quantiles : w?.half_1_at_quantiles;
    return { n: p.n, half_width: at < 0 ? null : (list?.[at] ?? null) };
  };
  const all = total ? halfWidth(total, 0) : null;
  const byHalf = total ? ([1, 2] as const).map((w) => halfWidth(total, w)) : [null, null];
  const byGroup = levels.flatMap((r) => {
    const h = halfWidth(r, 0);
    return h && h.n >= cfg.conformal_min_group_size ? [{ part: r.grp as string, ...h }] : [];
  });
  const byHalfGroup = levels.flatMap((r) =>
    ([1, 2] as const).flatMap((w) => {
      const h = halfWidth(r, w);
      return h && h.n >= cfg.conformal_min_group_size / 2 ? [{ part: `${w - 1}|${r.grp}`, ...h }] : [];
    }),
  );
  const [cov] = await runSqlFile<{ conformal_coverage: number | null }>(db, STEP, 'interval_coverage', {
    slots: {
      residuals,
      group_width: byHalfGroup.length
        ? sql`list_extract(from_json(${JSON.stringify(byHalfGroup.map((r) => r.half_width))}, '["DOUBLE"]'), list_position(from_json(${JSON.stringify(byHalfGroup.map((r) => r.part))}, '["VARCHAR"]'), (1 - half)::varchar || '|' || grp))`
        : sql`null::double`,
    },
    params: { half_widths: JSON.stringify(byHalf.map((h) => h?.half_width ?? null)) },
  });
  const n = total?.n ?? 0;
  const normalCoverage = total?.normal_coverage ?? null;
  const band = (rows: number) => COVERAGE_TOLERANCE_SES * Math.sqrt((level * (1 - level)) / rows);
  const tolerance = n > 0 ? band(n) : null;
  // With a conformal group, normal theory must also hold inside each level with enough test rows.
  const offGroups = levels.filter((g) => g.grp !== null && g.n >= cfg.conformal_min_group_size && Math.abs((g.normal_coverage as number) - level) > band(g.n));
  if (group) await runSqlFile(db, STEP, 'drop_table', { slots: { table: sql`temp.eval_residuals` } });
  let choice: 'normal' | 'conformal' = 'normal';
  let reason: string;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const normalSaid = normalCoverage === null ? '' : `normal-theory ${pct(level)} intervals covered ${pct(normalCoverage)} of ${n} test rows`;
  if (normalCoverage === null || tolerance === null) reason = 'no labelled test rows to check the intervals on';
  else if (!all) reason = `too few test rows (${n}) for a conformal ${pct(level)} half-width`;
  else if (Math.abs(normalCoverage - level) > tolerance) {
    choice = 'conformal';
    reason = `${normalSaid}, outside ${pct(level)} ± ${pct(tolerance)} (3 binomial SEs)`;
  } else if (offGroups.length) {
    choice = 'conformal';
    reason = `${normalSaid}, but ${offGroups.map((g) => `${pct(g.normal_coverage as number)} of ${g.n} rows with ${group} = ${g.grp}`).join(', ')} (outside 3 binomial SEs of ${pct(level)})`;
  } else reason = `${normalSaid}, within ${pct(level)} ± ${pct(tolerance)} (3 binomial SEs)${group ? ` overall and in every level of ${group}` : ''}`;
  return {
    interval_level: level,
    normal_coverage: normalCoverage,
    conformal_coverage: all ? cov.conformal_coverage : null,
    coverage_tolerance: tolerance,
    interval_choice: choice,
    interval_choice_reason: reason,
    conformal_quantile: all?.half_width ?? null,
    conformal_group: group,
    conformal_group_quantiles: group ? Object.fromEntries(byGroup.map((r) => [r.part, r.half_width as number])) : null,
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
  // eval_predictions_r{run} is a view (over the intervals table, where no model was active) or a table.
  await dropProcessed(db, predictionsTable);
  // The one pass over the test rows (a view: processing is computed as it is read): the new model's predictions
  // with their normal-theory intervals, as served (without the served rows' flags: this table records the intervals'
  // coverage; each row's empty list of flags was a fifth of the pass). Its predictions are predictionSql's, term for
  // term, so eval_predictions_r{run} and the statistics below read this table, not the test view again.
  // No summary pass over it: the evaluation's own statements below read what they need.
  await writePredictions(ctx, testView, model, fit, intervalsTable, { method: 'normal' }, { flags: false });
  type MetricsRow = Record<string, number | null>;
  // over in_order_rows.sql (checks: its marks counted too) or over eval_predictions_r{run} as stored
  const metricsOf = (predictions: SqlFragment, checks = false) =>
    runSqlFile<MetricsRow>(db, STEP, 'eval_metrics', {
      deterministic: true,
      slots: { predictions_table: predictions, checks: checks ? sqlFileFragment(STEP, 'check_counts') : sql`` },
      params: { mape_floor: MAPE_FLOOR },
    });
  // The test rows with the active model's predictions (if any) as eval_predictions_r{run} will hold them without a
  // sort, their metrics summed in that order, and in the same one-thread pass the checks that it may hold them so: the
  // one pass wrote the test rows in raw_data's order, which is key order, and the active model's predictions, read from
  // raw_data by the split's predicate in the same order, are of the same rows row for row. Then, with no model active,
  // eval_predictions_r{run} is a view over the intervals table, not a second copy of the test rows; with one, a copy of
  // them paired by position with the active model's predictions (a table: a view over a positional join is read on
  // one thread, and model drift reads it in every prediction run). Otherwise (another order, other rows) the rows are
  // stored sorted, joined by key, and their metrics summed from that table.
  const inOrderRows = (withActive: boolean) => {
    const f = sqlFileFragment(STEP, 'in_order_rows', {
      slots: {
        intervals_table: sql.id(intervalsTable),
        active_prediction: withActive ? sql`a.active_prediction` : sql`null::double`,
        active_batch_id: withActive ? sql`a.batch_id` : sql`null`,
        active_source_row: withActive ? sql`a.source_row` : sql`null`,
        active_join: withActive ? sql`positional join temp.eval_active a` : sql``,
      },
      params: { with_active: withActive },
    });
    return sql`(${f}) as r`;
  };
  let m: MetricsRow | undefined;
  if (active) {
    const activeModel = await loadModel(db, active.modelVersion);
    const activeFit = await loadFitParams(ctx, active.runId);
    const raw = featureSet(contract).numerics.filter((f) => activeFit.numerics.some((n) => n.name === f.name));
    // The active model sees the test rows as it would see them in serving (clipped only with out_of_range: clip).
    const ready = modelReadySql(activeFit, { clip: config.steps.data_processing.out_of_range === 'clip' });
    const activeSlots = {
      active_raw_features: rawFeatureSelect({ numerics: raw, categoricals: activeFit.categoricals }),
      active_model_ready: ready.select,
      active_prediction: predictionSql(activeModel, activeFit),
    };
    // The test rows read from raw_data by the split's predicate, in raw_data's order; paired with the intervals table
    // by position when they are its rows row for row, else (another order, other rows) joined by key as before.
    const [s] = await runSqlFile<{ method: string; seed: number | null; test_fraction: number; time_cutoff: string | null }>(db, STEP, 'split_rule', { params: { run_id: runId } });
    const testRows = s && s.method !== 'none'
      ? sql`select * from (${inputRowsSql(contract, { kind: 'labelled', window: config.steps.model_training.window })}) where ${testPredicate(contract, { method: s.method, seed: s.seed, testFraction: s.test_fraction, cutoff: s.time_cutoff })}`
      : null;
    if (testRows) {
      await runSqlFile(db, STEP, 'active_predictions', { slots: { ...activeSlots, test_rows: testRows } });
      const [c] = await metricsOf(inOrderRows(true), true);
      if (c.out_of_order === 0 && c.mismatched === 0) {
        await runSqlFile(db, STEP, 'eval_predictions_aligned', { slots: { ...slots, key_columns: keyColumns(contract, 't') } });
        m = c;
      }
      await runSqlFile(db, STEP, 'drop_table', { slots: { table: sql`temp.eval_active` } });
    }
    if (!m) await runSqlFile(db, STEP, 'eval_predictions_with_active', { slots: { ...slots, ...activeSlots } });
  } else {
    const [c] = await metricsOf(inOrderRows(false), true);
    if (c.out_of_order === 0) {
      await runSqlFile(db, STEP, 'eval_predictions_view', { slots });
      m = c;
    } else await runSqlFile(db, STEP, 'eval_predictions', { slots });
  }
  if (!m) [m] = await metricsOf(sql.id(predictionsTable));
  // the checks' counts are not metrics
  const { out_of_order: _o, mismatched: _m, ...metrics } = m;
  const newMetrics: Metrics = { rmse: m.new_rmse as number, mae: m.new_mae as number, mape: m.new_mape, r2: m.new_r2 as number, bias: m.new_bias as number };
  const activeMetrics: Metrics | null = active ? { rmse: m.active_rmse as number, mae: m.active_mae as number, mape: m.active_mape, r2: m.active_r2 as number, bias: m.active_bias as number } : null;
  const intervals = await intervalEvaluation(ctx, testView, intervalsTable, fit, model);
  await runSqlFile(db, STEP, 'insert_metadata', {
    params: {
      ...intervals,
      conformal_group_quantiles: intervals.conformal_group_quantiles ? JSON.stringify(intervals.conformal_group_quantiles) : null,
      evaluated_model_version: modelVersion,
      run_id: runId,
      model_version: modelVersion,
      active_model_version: active?.modelVersion ?? null,
      n_test: metrics.n,
      mape_rows: metrics.mape_rows,
      ...metrics,
      predictions_table: predictionsTable,
      now: new Date().toISOString(),
    },
  });
  const nTest = metrics.n as number;
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
  await dropProcessed(db, predictionsTable);
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
