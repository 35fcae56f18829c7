import { runSqlFile } from '../db/sql-runner.ts';
import type { RunContext } from '../runs/run-log.ts';
import { binomialLowerPValue } from '../stats/error-tests.ts';
import { labelledErrorTest } from './drift-decision.ts';
import { formatP } from './drift-tests.ts';
import { labelledErrors, type EvaluationError } from './model-drift-detection.ts';
import type { PredictionMetrics } from './model-prediction.ts';
import type { StoredModel } from './model.ts';

const STEP = 'model_prediction';

export interface BatchEvaluation {
  modelVersion: number;
  role: 'tested' | 'serving';
  nActual: number;
  rmse: number | null;
  coverage: number | null;
  fPValue: number | null;
  coveragePValue: number | null;
  /** null: too few labelled rows to judge. */
  failed: boolean | null;
  reason: string;
}

/**
 * Checks a model on the labelled rows of a batch it scored and records the result in batch_evaluations:
 * its error against its held-out error by model drift's own test (labelledErrorTest: H0 batch RMSE ≤
 * steps.model_drift_detection.rmse_ratio_threshold × held-out RMSE, F with both n and the held-out errors'
 * kurtosis) and its interval coverage against the interval level (binomial test). It fails when either p-value
 * is below half of steps.model_prediction.batch_check_p_value (the two tests share the level); below
 * batch_check_min_labelled labelled rows it does not judge. It reads the predictions' one-pass summary (model_prediction's
 * prediction_metrics.sql); the predictions table it summarises is kept.
 */
export async function evaluateOnBatch(
  ctx: RunContext,
  model: StoredModel,
  predictions: { predictionsTable: string; metrics: PredictionMetrics },
  role: BatchEvaluation['role'],
  evaluation?: EvaluationError,
): Promise<BatchEvaluation> {
  const { db, config, runId } = ctx;
  const cfg = config.steps.model_prediction;
  const { predictionsTable, metrics } = predictions;
  const m = { n_actual: metrics.nActual, rmse: metrics.rmse, mae: metrics.mae, bias: metrics.bias, n_covered: metrics.nCovered };
  const errors = await labelledErrors(db, model, metrics, evaluation);
  const level = cfg.interval_level;
  const alpha = cfg.batch_check_p_value;
  const tolerance = config.steps.model_drift_detection.rmse_ratio_threshold;
  const coverage = m.n_actual > 0 ? m.n_covered / m.n_actual : null;
  let fStatistic: number | null = null;
  let fP: number | null = null;
  let covP: number | null = null;
  let failed: boolean | null = null;
  let reason: string;
  if (m.n_actual < cfg.batch_check_min_labelled || errors.batch === null || errors.evaluation === null || !(errors.evaluation.mse > 0)) {
    reason = `too few labelled rows to judge: ${m.n_actual} (steps.model_prediction.batch_check_min_labelled: ${cfg.batch_check_min_labelled})${errors.evaluation?.mse ? '' : '; no evaluation error to compare with'}`;
  } else {
    const e = labelledErrorTest(errors.batch, errors.evaluation, tolerance, alpha / 2);
    fStatistic = e.statistic;
    fP = e.pValue;
    covP = binomialLowerPValue(m.n_covered, m.n_actual, level);
    const covText = `intervals covered ${((coverage as number) * 100).toFixed(1)}% of ${m.n_actual} rows at level ${level} (binomial p ${formatP(covP)} ${covP < alpha / 2 ? '<' : '≥'} ${alpha / 2})`;
    failed = e.exceeded || covP < alpha / 2;
    reason = `model v${model.modelVersion} ${failed ? 'fails' : 'holds'} on this batch: ${e.text}; ${covText}`;
  }
  await runSqlFile(db, STEP, 'insert_batch_evaluation', {
    params: {
      run_id: runId,
      model_version: model.modelVersion,
      role,
      predictions_table: predictionsTable,
      n_actual: m.n_actual,
      rmse: m.rmse,
      mae: m.mae,
      bias: m.bias,
      interval_level: level,
      coverage,
      evaluation_rmse: errors.evaluation ? Math.sqrt(errors.evaluation.mse) : null,
      n_test: errors.evaluation?.n ?? null,
      f_statistic: fStatistic,
      f_p_value: fP,
      coverage_p_value: covP,
      p_value_threshold: alpha,
      failed,
      reason,
      now: new Date().toISOString(),
    },
  });
  return { modelVersion: model.modelVersion, role, nActual: m.n_actual, rmse: m.rmse, coverage, fPValue: fP, coveragePValue: covP, failed, reason };
}
