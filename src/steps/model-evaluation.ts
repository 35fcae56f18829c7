import { runSqlFile } from '../db/sql-runner.ts';
import { quoteIdent } from '../db/sql-text.ts';
import type { PipelineDb } from '../db/database.ts';
import { runTables, type RunContext, type StepReport } from '../pipelines/run-log.ts';
import { loadFitParams } from './data-processing.ts';
import { featureSet, keyColumns } from './features.ts';
import type { FitParams } from './fit-params.ts';
import { loadModel, predictionSql } from './model.ts';
import { modelReadySql } from './model-ready.ts';

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

export interface EvaluationResult extends StepReport {
  predictionsTable: string;
  newMetrics: Metrics;
  activeMetrics: Metrics | null;
  activeModelVersion: number | null;
  nTest: number;
}

export async function activeModelOf(db: PipelineDb, stage: string): Promise<{ modelVersion: number; runId: number } | null> {
  const rows = await runSqlFile<{ model_version: number; run_id: number }>(db, STEP, 'active_model', { params: { stage } });
  return rows.length ? { modelVersion: rows[0].model_version, runId: rows[0].run_id } : null;
}

/**
 * model_evaluation: predictions of the new model on the test rows (in SQL) and, when a model is active,
 * the active model's predictions on the same rows; RMSE, MAE, MAPE, R² and bias for both.
 */
export async function modelEvaluation(ctx: RunContext, testView: string, fit: FitParams, modelVersion: number): Promise<EvaluationResult> {
  const { db, config, runId, stage } = ctx;
  const contract = config.contract;
  const model = await loadModel(db, modelVersion);
  const newPred = predictionSql(model, fit, 'n');
  const predictionsTable = runTables.evalPredictions(runId);
  const active = await activeModelOf(db, stage);
  const fragments: Record<string, string> = {
    predictions_table: quoteIdent(predictionsTable),
    key_columns: keyColumns(contract).join(', '),
    target: quoteIdent(contract.target.name),
    new_prediction: newPred.expr,
    test_view: quoteIdent(testView),
  };
  await db.exec(`drop table if exists ${quoteIdent(predictionsTable)}`);
  if (active) {
    const activeModel = await loadModel(db, active.modelVersion);
    const activeFit = await loadFitParams(ctx, active.runId);
    const raw = featureSet(contract).numerics.filter((f) => activeFit.numerics.some((n) => n.name === f.name));
    const ready = modelReadySql(activeFit, { clip: true, prefix: 'a' });
    const activePred = predictionSql(activeModel, activeFit, 'ap');
    await runSqlFile(db, STEP, 'eval_predictions_with_active', {
      fragments: {
        ...fragments,
        active_raw_features: [...raw.map((f) => `${f.rawSql} as ${quoteIdent(f.name)}`), ...activeFit.categoricals.map((c) => quoteIdent(c.name))].join(', '),
        active_model_ready: ready.select,
        active_prediction: activePred.expr,
      },
      params: { ...newPred.params, ...ready.params, ...activePred.params },
    });
  } else {
    await runSqlFile(db, STEP, 'eval_predictions', { fragments, params: newPred.params });
  }
  const [m] = await runSqlFile<Record<string, number | null>>(db, STEP, 'eval_metrics', { deterministic: true, fragments: { predictions_table: quoteIdent(predictionsTable) }, params: { mape_floor: MAPE_FLOOR } });
  const newMetrics: Metrics = { rmse: m.new_rmse as number, mae: m.new_mae as number, mape: m.new_mape, r2: m.new_r2 as number, bias: m.new_bias as number };
  const activeMetrics: Metrics | null = active ? { rmse: m.active_rmse as number, mae: m.active_mae as number, mape: m.active_mape, r2: m.active_r2 as number, bias: m.active_bias as number } : null;
  await runSqlFile(db, STEP, 'insert_metadata', {
    params: {
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
    message: `test RMSE ${newMetrics.rmse.toFixed(4)}, R² ${newMetrics.r2.toFixed(4)}${activeMetrics ? `; active v${active?.modelVersion} RMSE ${activeMetrics.rmse.toFixed(4)}` : ''}`,
  };
}
