import type { Config } from '../config/load.ts';
import type { Stage } from '../config/schema.ts';
import type { PipelineDb } from '../db/database.ts';
import { dataProcessing } from '../steps/data-processing.ts';
import { modelDeployment } from '../steps/model-deployment.ts';
import { modelEvaluation, type EvaluationResult } from '../steps/model-evaluation.ts';
import { modelTraining } from '../steps/model-training.ts';
import { trainTestSplit } from '../steps/train-test-split.ts';
import { ensureLabelledData } from './bootstrap.ts';
import { abortStaleRuns, finishRun, runStep, startRun } from './run-log.ts';
import { applyRetention } from './retention.ts';

export interface TrainingOutcome {
  runId: number;
  modelVersion: number;
  deployed: boolean;
  reason: string;
  evaluation: EvaluationResult;
}

export const TRAINING_STEPS = ['data_processing', 'train_test_split', 'model_training', 'model_evaluation', 'model_deployment'] as const;

/**
 * TRAINING_PIPELINE: data_processing → train_test_split → model_training → model_evaluation → model_deployment,
 * over all labelled history in the configured window. A child run (drift-triggered retraining) names its parent.
 */
export async function runTrainingPipeline(
  db: PipelineDb,
  config: Config,
  stage: Stage,
  opts: { parentRunId?: number; triggerReason?: string } = {},
): Promise<TrainingOutcome> {
  if (opts.parentRunId === undefined) {
    await abortStaleRuns(db);
    await ensureLabelledData(db, config, stage);
  }
  const ctx = await startRun(db, config, stage, 'TRAINING_PIPELINE', opts);
  try {
    const window = config.steps.model_training.window;
    const dp = await runStep(ctx, 'data_processing', 1, () => dataProcessing(ctx, { kind: 'labelled', window }));
    const split = await runStep(ctx, 'train_test_split', 2, () => trainTestSplit(ctx, dp.processedTable));
    const tr = await runStep(ctx, 'model_training', 3, () => modelTraining(ctx, split.trainView, dp.fit, dp.referenceTable as string));
    const ev = await runStep(ctx, 'model_evaluation', 4, () => modelEvaluation(ctx, split.testView, dp.fit, tr.modelVersion));
    const dep = await runStep(ctx, 'model_deployment', 5, () =>
      modelDeployment(ctx, tr.modelVersion, { newMetrics: ev.newMetrics, activeMetrics: ev.activeMetrics, activeModelVersion: ev.activeModelVersion, stage }),
    );
    await finishRun(ctx, 'succeeded', undefined, tr.modelVersion);
    await applyRetention(db, config);
    return { runId: ctx.runId, modelVersion: tr.modelVersion, deployed: dep.deployed, reason: dep.reason, evaluation: ev };
  } catch (err) {
    await finishRun(ctx, 'failed', err);
    throw err;
  }
}
