import { runSqlFile } from '../db/sql-runner.ts';
import { quoteIdent } from '../db/sql-text.ts';
import type { RunContext } from '../pipelines/run-log.ts';
import { binomialLowerPValue, mseRatioPValue } from '../stats/error-tests.ts';
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
 * its batch MSE against its held-out MSE (F test with the two row counts) and its interval coverage against
 * the interval level (binomial test). It fails when either p-value is below half of
 * steps.model_prediction.batch_check_p_value (the two tests share the level); below
 * batch_check_min_labelled labelled rows it does not judge. The predictions table it read is kept.
 */
export async function evaluateOnBatch(ctx: RunContext, model: StoredModel, predictionsTable: string, role: BatchEvaluation['role']): Promise<BatchEvaluation> {
  const { db, config, runId } = ctx;
  const cfg = config.steps.model_prediction;
  const [m] = await runSqlFile<{ n_actual: number; rmse: number | null; mae: number | null; bias: number | null; n_covered: number; evaluation_rmse: number | null; n_test: number | null }>(db, STEP, 'batch_metrics', {
    deterministic: true,
    fragments: { predictions_table: quoteIdent(predictionsTable) },
    params: { model_run_id: model.runId },
  });
  const level = cfg.interval_level;
  const alpha = cfg.batch_check_p_value;
  const coverage = m.n_actual > 0 ? m.n_covered / m.n_actual : null;
  let ratio: number | null = null;
  let fP: number | null = null;
  let covP: number | null = null;
  let failed: boolean | null = null;
  let reason: string;
  if (m.n_actual < cfg.batch_check_min_labelled || m.rmse === null || !m.evaluation_rmse || !m.n_test) {
    reason = `too few labelled rows to judge: ${m.n_actual} (steps.model_prediction.batch_check_min_labelled: ${cfg.batch_check_min_labelled})${m.evaluation_rmse ? '' : '; no evaluation RMSE to compare with'}`;
  } else {
    ratio = (m.rmse / m.evaluation_rmse) ** 2;
    fP = mseRatioPValue(ratio, m.n_actual, m.n_test);
    covP = binomialLowerPValue(m.n_covered, m.n_actual, level);
    const fails: string[] = [];
    if (fP < alpha / 2) fails.push(`batch MSE ${ratio.toFixed(2)}× the held-out MSE (F test p ${fP.toExponential(2)} < ${alpha / 2})`);
    if (covP < alpha / 2) fails.push(`intervals covered ${((coverage as number) * 100).toFixed(1)}% of ${m.n_actual} rows at level ${level} (binomial p ${covP.toExponential(2)} < ${alpha / 2})`);
    failed = fails.length > 0;
    reason = failed
      ? `model v${model.modelVersion} fails on this batch: ${fails.join('; ')}`
      : `model v${model.modelVersion} holds on this batch: RMSE ${m.rmse.toFixed(4)} vs held-out ${m.evaluation_rmse.toFixed(4)} (F test p ${fP.toFixed(3)}), coverage ${((coverage as number) * 100).toFixed(1)}% at level ${level} (p ${covP.toFixed(3)})`;
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
      evaluation_rmse: m.evaluation_rmse,
      n_test: m.n_test,
      f_statistic: ratio,
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
