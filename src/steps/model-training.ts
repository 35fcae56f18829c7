import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { runSqlFile } from '../db/sql-runner.ts';
import { sql } from 'kysely';
import { InputError, errorMessage } from '../errors.ts';
import { logger } from '../logger.ts';
import { activeModelOf } from '../registry/active-model.ts';
import { runTables, type RunContext, type StepReport } from '../runs/run-log.ts';
import { fitOls, type OlsFit } from '../stats/ols.ts';
import { assembleDesignStats, type GroupSums } from './design-stats.ts';
import { designColumns, type FitParams } from './fit-params.ts';
import { identList } from '../sql/features.ts';
import { inputRowsSql, type InputContent } from './data-processing.ts';
import type { Config } from '../config/load.ts';

const STEP = 'model_training';

export interface TrainingResult extends StepReport {
  modelVersion: number;
  fit: OlsFit;
}

/** What decides a model before any work: the labelled input rows and the configuration that shapes a model. */
export interface TrainingInputs {
  /** Hash of the labelled input rows' count and contents (see sql/model_training/input_fingerprint.sql). */
  inputFingerprint: string;
  nRows: number;
  /** Hash of the config sections that shape a model (see {@link trainingConfigHash}). */
  trainingConfigHash: string;
}

/**
 * A hash of the configuration a model depends on: the dataset contract (columns, ranges, levels, time, derived
 * features; descriptions left out), data processing, the split, training and the drift reference sample size.
 * Gate, drift thresholds, logging and paths are left out: they do not change the model.
 */
export function trainingConfigHash(config: Config): string {
  const { description: _d, ...dataset } = config.dataset;
  const shaped = {
    dataset: { ...dataset, columns: dataset.columns.map(({ description: _c, ...c }) => c) },
    data_processing: config.steps.data_processing,
    train_test_split: config.steps.train_test_split,
    model_training: config.steps.model_training,
    reference_sample_size: config.steps.data_drift_detection.reference_sample_size,
  };
  return createHash('sha256').update(JSON.stringify(shaped)).digest('hex').slice(0, 16);
}

/** A training run's input rows: the labelled rows in the training window. */
const labelledRows = (config: Config) => inputRowsSql(config.contract, { kind: 'labelled', window: config.steps.model_training.window });

/** The fingerprint of a training run's input, computed before any step: one scan of the labelled rows. */
export async function trainingInputs(ctx: RunContext): Promise<TrainingInputs> {
  const rows = labelledRows(ctx.config);
  const [f] = await runSqlFile<{ n: number; h: string }>(ctx.db, STEP, 'input_fingerprint', {
    slots: { input_rows: rows, columns: identList(ctx.config.contract.columns.map((c) => c.name)) },
  });
  return trainingInputsOf(ctx, { n: Number(f.n), h: String(f.h) });
}

/**
 * The training inputs from the labelled rows' count and hash sum, as sql/model_training/input_fingerprint.sql gives
 * them or as data processing's one pass adds them up (InputContent): the same numbers, so the same fingerprint.
 */
export function trainingInputsOf(ctx: RunContext, content: InputContent): TrainingInputs {
  return { nRows: content.n, inputFingerprint: createHash('sha256').update(`${content.n}:${content.h}`).digest('hex').slice(0, 16), trainingConfigHash: trainingConfigHash(ctx.config) };
}

/**
 * Whether the input's fingerprint can decide anything before the work: only when an active model was trained with
 * this training config (identicalToActive) on as many input rows as there are now (a count, no read of the rows'
 * contents: a retraining on a new batch's rows does not pay a pass over every row to learn that they are new).
 * Otherwise a run takes it from data processing's one pass.
 */
export async function fingerprintDecides(ctx: RunContext): Promise<boolean> {
  const a = await activeModelOf(ctx.db, ctx.stage);
  if (a === null || a.trainingConfigHash !== trainingConfigHash(ctx.config)) return false;
  const [trained] = await runSqlFile<{ rows_in: number | bigint | null }>(ctx.db, STEP, 'active_input_rows', { params: { run_id: a.runId } });
  // not recorded (e.g. a model promoted from another database): the fingerprint decides
  if ((trained?.rows_in ?? null) === null) return true;
  const [now] = await runSqlFile<{ n: number | bigint }>(ctx.db, 'data_processing', 'input_count', { slots: { input_rows: labelledRows(ctx.config) } });
  return Number(now.n) === Number(trained.rows_in);
}

/**
 * Why a training run would only reproduce the active model (its input rows and training config equal the ones
 * the active model was trained with), or null when it would learn something new.
 */
export async function identicalToActive(ctx: RunContext, inputs: TrainingInputs): Promise<{ modelVersion: number; reason: string } | null> {
  const a = await activeModelOf(ctx.db, ctx.stage);
  if (!a || a.inputFingerprint !== inputs.inputFingerprint || a.trainingConfigHash !== inputs.trainingConfigHash) return null;
  const rows = inputs.nRows;
  return {
    modelVersion: a.modelVersion,
    reason: `no new model: the labelled data (${rows} rows, fingerprint ${inputs.inputFingerprint}) and the training config (hash ${inputs.trainingConfigHash}) equal those of active v${a.modelVersion}`,
  };
}

/**
 * model_training: OLS (or ridge) on the training rows, from the grouped sufficient statistics data processing stored
 * (design_sums_r{run}, its training side), solved in TypeScript. Stores a new model version and its training metadata.
 */
export async function modelTraining(ctx: RunContext, fitParams: FitParams, referenceTable: string, inputs: TrainingInputs, lineage: { refitOf?: number } = {}): Promise<TrainingResult> {
  const t0 = performance.now();
  const { db, config, runId } = ctx;
  const numerics = fitParams.numerics.map((n) => n.name);
  const k = numerics.length;
  // The training side of the grouped sums data_processing wrote in its one pass over the processed rows.
  const rows = await runSqlFile<Record<string, unknown>>(db, STEP, 'design_sums', { slots: { sums_table: sql.id(runTables.designSums(runId)) } });
  const yShift = rows.length ? Number(rows[0].y_shift) : 0;
  const groups: GroupSums[] = rows.map((r) => {
    const upper: number[] = [];
    for (let i = 0; i < k; i++) for (let j = i; j < k; j++) upper.push(Number(r[`sxx_${i}_${j}`]));
    return {
      levels: fitParams.categoricals.map((c) => r[c.name] as string | null),
      n: Number(r.n),
      sumY: Number(r.sum_y),
      sumYY: Number(r.sum_yy),
      sumX: numerics.map((_, i) => Number(r[`sx_${i}`])),
      sumXY: numerics.map((_, i) => Number(r[`sxy_${i}`])),
      sumXXUpper: upper,
    };
  });
  const stats = assembleDesignStats(fitParams, groups);
  const lambda = config.steps.model_training.ridge_lambda;
  let fit: OlsFit;
  try {
    const shifted = fitOls(stats, { ridgeLambda: lambda });
    // The fit was on y − shift: only the intercept moves back.
    fit = { ...shifted, intercept: shifted.intercept + yShift };
  } catch (err) {
    throw new InputError(`cannot fit the model on ${stats.n} training rows: ${errorMessage(err)}`, [], { cause: err });
  }
  // Features processing left out (constant on the training rows) are dropped from the model too, with the reason.
  const dropped = [...(fitParams.dropped ?? []), ...fit.droppedFeatures];
  const warnings = dropped.map((d) => `dropped ${d.name}: ${d.reason}`);
  for (const w of warnings) logger.warn(w);

  const design = designColumns(fitParams);
  const coefByName = new Map(fit.featureNames.map((n, i) => [n, fit.coefficients[i]]));
  const coefficients = design.map((c) => coefByName.get(c) ?? 0);
  const keptIdx = design.map((c) => fit.featureNames.indexOf(c));
  // Covariance over the full design, zero rows/columns for dropped columns, so prediction can index it by design position.
  const cov = design.map((_, i) => design.map((_, j) => (keptIdx[i] >= 0 && keptIdx[j] >= 0 ? fit.covUnscaled[keptIdx[i]][keptIdx[j]] : 0)));
  const means = design.map((_, i) => (keptIdx[i] >= 0 ? fit.featureMeans[keptIdx[i]] : 0));
  // Coefficients in the raw units of each numeric feature (scaling undone); dummies are unchanged.
  let interceptOriginal = fit.intercept;
  const original: Record<string, number> = {};
  design.forEach((c, i) => {
    const num = fitParams.numerics.find((n) => n.name === c);
    if (num) {
      original[c] = coefficients[i] / num.std;
      interceptOriginal -= (coefficients[i] * num.mean) / num.std;
    } else original[c] = coefficients[i];
  });
  // Identifies the training rows exactly (not through floating-point sums, whose last bits depend on order).
  // (the count and the xor of the hashes of each row's key and target, over the training groups)
  const rowsHash = rows.reduce((h, r) => h ^ BigInt((r.rows_hash_text as string | null) ?? '0'), 0n);
  const fingerprint = createHash('sha256').update(`${stats.n}:${rowsHash}`).digest('hex').slice(0, 16);
  const batches = [...new Set(rows.flatMap((r) => ((r.batches as unknown[] | null) ?? []).map(Number)))].sort((x, y) => x - y);
  const window = config.steps.model_training.window;
  const now = new Date().toISOString();
  const modelVersion = await db.transaction(async () => {
    const [{ model_version: v }] = await runSqlFile<{ model_version: number }>(db, STEP, 'next_model_version');
    await runSqlFile(db, STEP, 'insert_model', {
      params: {
        model_version: v,
        run_id: runId,
        algorithm: lambda > 0 ? 'ridge' : 'ols',
        target: config.contract.target.name,
        numeric_features: JSON.stringify(numerics),
        categorical_features: JSON.stringify(fitParams.categoricals.map((c) => c.name)),
        design_columns: JSON.stringify(design),
        intercept: fit.intercept,
        coefficients: JSON.stringify(coefficients),
        coefficients_original: JSON.stringify({ intercept: interceptOriginal, coefficients: original }),
        hyperparameters: JSON.stringify({ ridge_lambda: lambda, exclude_features: config.steps.model_training.exclude_features, processing_run_id: fitParams.fittedRunId }),
        n_train: stats.n,
        r2_train: fit.r2,
        rmse_train: fit.rmse,
        residual_variance: fit.residualVariance,
        dof_residual: fit.dofResidual,
        feature_means: JSON.stringify(means),
        cov_unscaled: JSON.stringify(cov),
        mean_leverage: (fit.featureNames.length + 1) / stats.n,
        dropped_features: JSON.stringify(dropped),
        data_fingerprint: fingerprint,
        reference_table: referenceTable,
        input_fingerprint: inputs.inputFingerprint,
        training_config_hash: inputs.trainingConfigHash,
        refit_of: lineage.refitOf ?? null,
        // what the coefficients were fitted on: the training side of a split, or every labelled row of the window (a refit)
        fit_scope: lineage.refitOf === undefined ? 'train_split' : 'all_labelled',
        now,
      },
    });
    await runSqlFile(db, STEP, 'insert_metadata', {
      params: {
        run_id: runId,
        model_version: v,
        n_rows: stats.n,
        n_design_columns: design.length,
        groups: groups.length,
        window_from: window.from === undefined ? null : String(window.from),
        window_to: window.to === undefined ? null : String(window.to),
        batches: JSON.stringify(batches),
        r2_train: fit.r2,
        rmse_train: fit.rmse,
        dropped_features: JSON.stringify(dropped),
        warnings: JSON.stringify(warnings),
        duration_ms: performance.now() - t0,
        now,
      },
    });
    return v;
  });
  return {
    modelVersion,
    fit,
    rowsIn: stats.n,
    rowsOut: 1,
    message: `${lineage.refitOf === undefined ? '' : `refit of v${lineage.refitOf} as `}model v${modelVersion}: ${fit.featureNames.length} design columns, train R² ${fit.r2.toFixed(4)}, RMSE ${fit.rmse.toFixed(4)}${warnings.length ? `; ${warnings.length} dropped` : ''}`,
  };
}
