import type { Config } from '../config/load.ts';
import type { Stage } from '../config/schema.ts';
import type { PipelineDb } from '../db/database.ts';
import { runSqlFile } from '../db/sql-runner.ts';
import { InputError, ResumeRefusedError } from '../errors.ts';
import { dataProcessing, inputFingerprint, inputRowsSql, loadFitParams, type DataProcessingResult, type ProcessingInput } from '../steps/data-processing.ts';
import { modelDeployment } from '../steps/model-deployment.ts';
import { modelEvaluation, type EvaluationResult } from '../steps/model-evaluation.ts';
import { modelTraining } from '../steps/model-training.ts';
import { splitRule, trainTestSplit, type SplitResult } from '../steps/train-test-split.ts';
import { runTables } from './run-log.ts';
import { ensureLabelledData } from './bootstrap.ts';
import { abortStaleRuns, finishRun, runStep, startRun, type RunContext } from './run-log.ts';
import { applyRetention } from './retention.ts';
import { reopenRun, tableExists, type ResumeState } from './resume.ts';

export interface TrainingOutcome {
  runId: number;
  modelVersion: number;
  deployed: boolean;
  reason: string;
  evaluation: EvaluationResult;
}

export const TRAINING_STEPS = ['data_processing', 'train_test_split', 'model_training', 'model_evaluation', 'model_deployment'] as const;

/** Outputs of a training run's succeeded steps, read back for `--resume`; refuses if their input changed. */
async function restoreProcessing(ctx: RunContext, input: ProcessingInput, recorded: string | null): Promise<DataProcessingResult> {
  const now = await inputFingerprint(ctx, input);
  if (recorded !== now) throw new ResumeRefusedError(`cannot resume run ${ctx.runId}: the labelled input changed since data_processing ran (rows/ids ${recorded} then, ${now} now); start a new run`);
  const [{ processed_table: processedTable }] = await runSqlFile<{ processed_table: string }>(ctx.db, 'resume', 'processing', { params: { run_id: ctx.runId } });
  const referenceTable = runTables.reference(ctx.runId);
  for (const t of [processedTable, referenceTable]) if (!(await tableExists(ctx.db, t))) throw new ResumeRefusedError(`cannot resume run ${ctx.runId}: its table ${t} is gone`);
  const fit = await loadFitParams(ctx, ctx.runId);
  // The split rule is a function of the input rows (checked unchanged above), so it is decided again identically.
  const split = await splitRule(ctx, inputRowsSql(ctx.config.contract, input));
  return { processedTable, referenceTable, fit, split, features: { numerics: [], categoricals: [] } };
}

async function restoreSplit(ctx: RunContext): Promise<SplitResult> {
  const [s] = await runSqlFile<{ train_view: string; test_view: string; n_train: number; n_test: number }>(ctx.db, 'resume', 'split_views', { params: { run_id: ctx.runId } });
  return { trainView: s.train_view, testView: s.test_view, nTrain: s.n_train, nTest: s.n_test };
}

async function restoreModelVersion(ctx: RunContext): Promise<number> {
  const [m] = await runSqlFile<{ model_version: number }>(ctx.db, 'resume', 'trained_model', { params: { run_id: ctx.runId } });
  return m.model_version;
}

async function restoreEvaluation(ctx: RunContext): Promise<EvaluationResult> {
  const [e] = await runSqlFile<Record<string, number | null> & { predictions_table: string }>(ctx.db, 'resume', 'evaluation', { params: { run_id: ctx.runId } });
  const metrics = (p: 'new' | 'active') => ({ rmse: e[`${p}_rmse`] as number, mae: e[`${p}_mae`] as number, mape: e[`${p}_mape`], r2: e[`${p}_r2`] as number, bias: e[`${p}_bias`] as number });
  return {
    predictionsTable: e.predictions_table,
    newMetrics: metrics('new'),
    activeMetrics: e.active_model_version === null ? null : metrics('active'),
    activeModelVersion: e.active_model_version,
    nTest: e.n_test as number,
  };
}

/**
 * TRAINING_PIPELINE: data_processing → train_test_split → model_training → model_evaluation → model_deployment,
 * over all labelled history in the configured window. A child run (drift-triggered retraining) names its parent.
 * With `resume`, the succeeded steps of a failed run are reused and the run goes on from its failed step.
 */
export async function runTrainingPipeline(
  db: PipelineDb,
  config: Config,
  stage: Stage,
  opts: { parentRunId?: number; triggerReason?: string; resume?: ResumeState } = {},
): Promise<TrainingOutcome> {
  const resume = opts.resume;
  if (opts.parentRunId === undefined && !resume) {
    await abortStaleRuns(db);
    await ensureLabelledData(db, config, stage);
  }
  const input: ProcessingInput = { kind: 'labelled', window: config.steps.model_training.window };
  let ctx: RunContext;
  if (resume) {
    ctx = { db, config, stage, runId: resume.runId, pipelineType: 'TRAINING_PIPELINE' };
  } else {
    ctx = await startRun(db, config, stage, 'TRAINING_PIPELINE', opts);
  }
  const done = (step: string) => resume?.done.has(step) ?? false;
  try {
    // Restoring reads back outputs and checks inputs before the run is reopened, so a refusal changes nothing.
    const dp = done('data_processing') ? await restoreProcessing(ctx, input, resume!.done.get('data_processing') ?? null) : undefined;
    if (resume) await reopenRun(db, resume);
    const processed = dp ?? (await runStep(ctx, 'data_processing', 1, () => dataProcessing(ctx, input)));
    const split = done('train_test_split') ? await restoreSplit(ctx) : await runStep(ctx, 'train_test_split', 2, () => trainTestSplit(ctx, processed.processedTable, processed.split!));
    const modelVersion = done('model_training')
      ? await restoreModelVersion(ctx)
      : (await runStep(ctx, 'model_training', 3, () => modelTraining(ctx, split.trainView, processed.fit, processed.referenceTable as string))).modelVersion;
    const ev = done('model_evaluation') ? await restoreEvaluation(ctx) : await runStep(ctx, 'model_evaluation', 4, () => modelEvaluation(ctx, split.testView, processed.fit, modelVersion));
    const dep = await runStep(ctx, 'model_deployment', 5, () =>
      modelDeployment(ctx, modelVersion, { newMetrics: ev.newMetrics, activeMetrics: ev.activeMetrics, activeModelVersion: ev.activeModelVersion, stage }),
    );
    await finishRun(ctx, 'succeeded', undefined, modelVersion);
    await applyRetention(db, config);
    return { runId: ctx.runId, modelVersion, deployed: dep.deployed, reason: dep.reason, evaluation: ev };
  } catch (err) {
    // A refused resume leaves the run as it was; anything else marks it failed.
    if (!(err instanceof ResumeRefusedError)) await finishRun(ctx, 'failed', err);
    throw err;
  }
}
