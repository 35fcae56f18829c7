import { runSqlFile } from '../db/sql-runner.ts';
import { quoteIdent } from '../db/sql-text.ts';
import { runTables, type RunContext, type StepReport } from '../pipelines/run-log.ts';
import { compareSamples, sampledRows } from './data-drift-detection.ts';
import type { DriftMethod, DriftOutcome } from './drift-tests.ts';
import type { StoredModel } from './model.ts';

const STEP = 'model_drift_detection';

export interface ModelDriftTest extends Omit<DriftOutcome, 'method'> {
  method: DriftMethod | 'rmse_ratio';
  test: string;
  nRef: number;
  nCur: number;
}

export interface ModelDriftResult extends StepReport {
  tests: ModelDriftTest[];
  drifted: boolean;
  hasActuals: boolean;
}

/**
 * model_drift_detection: the batch's prediction distribution against the model's evaluation
 * predictions (same size-aware tests as data drift), and, where the batch has actuals, its RMSE
 * against the evaluation RMSE (drift when the ratio exceeds the configured threshold).
 */
export async function modelDriftDetection(ctx: RunContext, model: StoredModel, predictionsTable: string): Promise<ModelDriftResult> {
  const { db, config, runId } = ctx;
  const cfg = config.steps.model_drift_detection;
  const override: Record<string, { method: DriftMethod; threshold: number }> = cfg.method ? { prediction: { method: cfg.method as DriftMethod, threshold: cfg.threshold ?? config.steps.data_drift_detection.distance_threshold } } : {};
  const maxRows = config.steps.data_drift_detection.reference_sample_size;
  const reference = await sampledRows(db, quoteIdent(runTables.evalPredictions(model.runId)), {}, maxRows);
  const current = await sampledRows(db, quoteIdent(predictionsTable), {}, maxRows);
  const [dist] = await compareSamples(
    db,
    {
      // Both samples are bounded the same way; their keep parameters get distinct names.
      referenceTable: { sql: reference.sql.replace('$sample_keep', '$reference_keep') },
      currentRows: current.sql,
      currentParams: { ...current.params, reference_keep: reference.params.sample_keep },
      currentNumeric: [{ name: 'prediction', sql: quoteIdent('prediction') }],
      currentCategorical: [],
    },
    config.steps.data_drift_detection,
    override,
  );
  const tests: ModelDriftTest[] = [{ ...dist, test: 'prediction_distribution' }];
  const [err] = await runSqlFile<{ n_actual: number; batch_rmse: number | null; evaluation_rmse: number | null; n_test: number | null }>(db, STEP, 'batch_error', { deterministic: true,
    fragments: { predictions_table: quoteIdent(predictionsTable) },
    params: { model_run_id: model.runId },
  });
  const hasActuals = err.n_actual > 0;
  if (hasActuals && err.batch_rmse !== null && err.evaluation_rmse) {
    const ratio = err.batch_rmse / err.evaluation_rmse;
    tests.push({
      test: 'rmse_ratio',
      method: 'rmse_ratio',
      statistic: ratio,
      pValue: null,
      threshold: cfg.rmse_ratio_threshold,
      drifted: ratio > cfg.rmse_ratio_threshold,
      nRef: err.n_test ?? 0,
      nCur: err.n_actual,
      detail: { batch_rmse: err.batch_rmse, evaluation_rmse: err.evaluation_rmse },
    });
  }
  for (const t of tests) {
    await runSqlFile(db, STEP, 'insert_result', {
      params: { run_id: runId, test: t.test, method: t.method, statistic: t.statistic, p_value: t.pValue, threshold: t.threshold, n_ref: t.nRef, n_cur: t.nCur, drifted: t.drifted, detail: JSON.stringify(t.detail) },
    });
  }
  const drifted = tests.some((t) => t.drifted);
  return {
    tests,
    drifted,
    hasActuals,
    rowsIn: dist.nCur,
    rowsOut: tests.length,
    message: tests.map((t) => `${t.test} ${t.method} ${t.statistic === null ? 'n/a' : t.statistic.toFixed(4)} (threshold ${t.threshold})${t.drifted ? ' DRIFT' : ''}`).join('; '),
  };
}
