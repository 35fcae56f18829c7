import type { PipelineDb } from '../db/database.ts';
import { runSqlFile } from '../db/sql-runner.ts';
import { InputError } from '../errors.ts';

/** A stored model version, as the steps use it. */
export interface StoredModel {
  modelVersion: number;
  runId: number;
  numericFeatures: string[];
  categoricalFeatures: string[];
  designColumns: string[];
  intercept: number;
  /** One per design column; 0 for a dropped column. */
  coefficients: number[];
  residualVariance: number;
  dofResidual: number;
  nTrain: number;
  rmseTrain: number;
  featureMeans: number[];
  covUnscaled: number[][];
  meanLeverage: number;
  referenceTable: string;
}

export async function loadModel(db: PipelineDb, modelVersion: number): Promise<StoredModel> {
  const rows = await runSqlFile<Record<string, unknown>>(db, 'model_training', 'load_model', { params: { model_version: modelVersion } });
  if (!rows.length) throw new InputError(`model version ${modelVersion} does not exist`);
  const r = rows[0];
  return {
    modelVersion: r.model_version as number,
    runId: r.run_id as number,
    numericFeatures: r.numeric_features as string[],
    categoricalFeatures: r.categorical_features as string[],
    designColumns: r.design_columns as string[],
    intercept: r.intercept as number,
    coefficients: r.coefficients as number[],
    residualVariance: r.residual_variance as number,
    dofResidual: r.dof_residual as number,
    nTrain: r.n_train as number,
    rmseTrain: r.rmse_train as number,
    featureMeans: r.feature_means as number[],
    covUnscaled: JSON.parse(r.cov_unscaled as string) as number[][],
    meanLeverage: r.mean_leverage as number,
    referenceTable: r.reference_table as string,
  };
}
