import type { PipelineDb } from '../db/database.ts';
import { runSqlFile } from '../db/sql-runner.ts';
import { sql } from 'kysely';
import { runTables, type RunContext, type StepReport } from '../runs/run-log.ts';
import { loadSamples, sampledRows } from './data-drift-detection.ts';
import { decideModelDrift, type ErrorSample, type ModelDecision, type ModelTest } from './drift-decision.ts';
import type { StoredModel } from './model.ts';
import type { PredictionMetrics } from './model-prediction.ts';

const STEP = 'model_drift_detection';

export type { ModelTest as ModelDriftTest };

export interface ModelDriftResult extends StepReport {
  tests: ModelTest[];
  /** The labelled errors the error test compared (the batch check of the same model reads them again). */
  errors: LabelledErrors;
  decision: ModelDecision;
  drifted: boolean;
  hasActuals: boolean;
}

/** A model's error on its evaluation (test) rows, with the kurtosis of those errors (null: no evaluation rows). */
export type EvaluationError = (ErrorSample & { kurtosis: number | null }) | null;

/** The labelled-error inputs of labelledErrorTest: the batch's (null: none labelled) and the evaluation's. */
export interface LabelledErrors {
  batch: ErrorSample | null;
  evaluation: EvaluationError;
}

/** evaluation_error.sql over the model's evaluation predictions. */
export async function evaluationError(db: PipelineDb, model: Pick<StoredModel, 'runId'>): Promise<EvaluationError> {
  const [ev] = await runSqlFile<{ n_test: number; mse: number | null; kurtosis: number | null }>(db, STEP, 'evaluation_error', {
    deterministic: true,
    slots: { predictions_table: sql.id(runTables.evalPredictions(model.runId)) },
  });
  return ev.n_test > 0 && ev.mse !== null ? { n: ev.n_test, mse: ev.mse, kurtosis: ev.kurtosis } : null;
}

/**
 * A model's squared error on the labelled rows of a batch it scored (from the predictions' one-pass summary,
 * model_prediction's prediction_metrics.sql) and on its evaluation (test) rows, with the kurtosis of those errors: the
 * inputs of labelledErrorTest, read the same way by model drift and by the check of the model serving a labelled batch
 * (batch-evaluation.ts). `evaluation`, when given, is the model's evaluation error read earlier in the run.
 */
export async function labelledErrors(db: PipelineDb, model: Pick<StoredModel, 'runId'>, metrics: Pick<PredictionMetrics, 'nErrors' | 'batchMse'>, evaluation?: EvaluationError): Promise<LabelledErrors> {
  return {
    batch: metrics.nErrors > 0 && metrics.batchMse !== null ? { n: metrics.nErrors, mse: metrics.batchMse } : null,
    evaluation: evaluation !== undefined ? evaluation : await evaluationError(db, model),
  };
}

/**
 * model_drift_detection: the batch's prediction distribution against the model's evaluation predictions, and,
 * where at least `min_labelled_rows` rows have actuals, a test that the batch's RMSE exceeds `rmse_ratio_threshold`
 * × the evaluation RMSE, with its n (drift-decision.ts). One row per test, judged or not.
 */
export async function modelDriftDetection(ctx: RunContext, model: StoredModel, predictions: { predictionsTable: string; metrics: PredictionMetrics }): Promise<ModelDriftResult> {
  const { predictionsTable } = predictions;
  const { db, config, runId } = ctx;
  const cfg = config.steps.model_drift_detection;
  const dataCfg = config.steps.data_drift_detection;
  const maxRows = dataCfg.reference_sample_size;
  // Both samples are bounded the same way.
  const reference = await sampledRows(db, sql.id(runTables.evalPredictions(model.runId)), maxRows);
  // the predictions' count is in their one-pass summary
  const current = await sampledRows(db, sql.id(predictionsTable), maxRows, predictions.metrics.n);
  const samples = await loadSamples(db, {
    referenceTable: reference.rows,
    currentRows: current.rows,
    currentNumeric: [{ name: 'prediction', sql: sql.id('prediction') }],
    currentCategorical: [],
  });
  const errors = await labelledErrors(db, model, predictions.metrics);
  const hasActuals = errors.batch !== null;
  const decision = decideModelDrift(samples.refNumeric.get('prediction')!, samples.curNumeric.get('prediction')!, errors.batch, errors.evaluation, dataCfg, cfg);
  // every test's row in one statement (the values in insert_result.sql's column order)
  const resultRows = decision.tests.map((t) => {
    const values: unknown[] = [runId, t.test, t.method, t.statistic, t.pValue, t.threshold, t.nRef, t.nCur, t.drifted, JSON.stringify(t.detail), t.effectMethod, t.effect, t.effectThreshold, t.judged];
    return sql`(${sql.join(values)})`;
  });
  if (resultRows.length) await runSqlFile(db, STEP, 'insert_result', { slots: { result_rows: sql.join(resultRows) } });
  return {
    tests: decision.tests,
    errors,
    decision,
    drifted: decision.drifted,
    hasActuals,
    rowsIn: current.n,
    rowsOut: decision.tests.length,
    message: decision.reason,
  };
}
