import type { Config } from '../config/load.ts';
import type { Stage } from '../config/schema.ts';
import type { PipelineDb } from '../db/database.ts';
import { runSqlFile } from '../db/sql-runner.ts';
import { ResumeRefusedError } from '../errors.ts';
import { dataProcessing, inputFingerprint, inputRowsSql, loadFitParams, type DataProcessingResult, type ProcessingInput } from '../steps/data-processing.ts';
import { gateDecision, recordDeployment, stagePin, type GateDecision, type GateInput } from '../registry/deploy.ts';
import { modelDeployment, type DeploymentResult } from '../steps/model-deployment.ts';
import { inheritEvaluation, modelEvaluation, readEvaluation, type EvaluationResult } from '../steps/model-evaluation.ts';
import { fingerprintDecides, identicalToActive, modelTraining, trainingInputs, trainingInputsOf, type TrainingInputs } from '../steps/model-training.ts';
import { splitRule, trainTestSplit, type SplitResult } from '../steps/train-test-split.ts';
import { runTables } from '../runs/run-log.ts';
import { ensureLabelledData } from './bootstrap.ts';
import { abortStaleRuns, finishRun, runStep, skipRun, startRun, type RunContext } from '../runs/run-log.ts';
import { applyRetention } from './retention.ts';
import { reopenRun, type ResumeState } from './resume.ts';
import { tableExists } from '../db/catalog.ts';

export interface TrainingOutcome {
  runId: number;
  /** The model this run trained and evaluated (and gated), or (when skipped) the active model the run would only have reproduced. */
  modelVersion: number;
  /** When it passed the gate and was refitted on every labelled row: the refit, deployed in its place, and its run. */
  refit?: { runId: number; modelVersion: number };
  deployed: boolean;
  reason: string;
  /** null when the run was skipped. */
  evaluation: EvaluationResult | null;
  /** True when the run trained nothing: its input and training config equal the active model's (see `force`). */
  skipped: boolean;
}

export const TRAINING_STEPS = ['data_processing', 'train_test_split', 'model_training', 'model_evaluation', 'model_deployment'] as const;

/** Outputs of a training run's succeeded steps, read back for `--resume`; refuses if their input changed. */
async function restoreProcessing(ctx: RunContext, input: ProcessingInput, recorded: string | null): Promise<DataProcessingResult> {
  const now = await inputFingerprint(ctx, input);
  if (recorded !== now) throw new ResumeRefusedError(`cannot resume run ${ctx.runId}: the labelled input changed since data_processing ran (rows/ids ${recorded} then, ${now} now); start a new run`);
  const [{ processed_table: processedTable }] = await runSqlFile<{ processed_table: string }>(ctx.db, 'resume', 'processing', { params: { run_id: ctx.runId } });
  const referenceTable = runTables.reference(ctx.runId);
  for (const t of [processedTable, referenceTable, runTables.designSums(ctx.runId)]) if (!(await tableExists(ctx.db, t))) throw new ResumeRefusedError(`cannot resume run ${ctx.runId}: its table ${t} is gone`);
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

type RefitDeployment = DeploymentResult & { refit?: { runId: number; modelVersion: number } };

/** Whether a model that passed the gate is refitted on every labelled row (steps.model_training.refit). */
export function refitApplies(config: Config): boolean {
  const r = config.steps.model_training.refit;
  return r === 'always' || (r === 'time_split' && config.steps.train_test_split.method === 'time');
}

/**
 * model_deployment with a refit: the gate judges the model evaluated on the held-out rows; when it passes,
 * a child run refits the same specification on every labelled row of the window (so a time split's newest
 * rows, often the batch that triggered the retraining, are learned from) and deploys the refit in its place.
 * The gated model's history row says 'refitted' and names the refit; the refit's row names the gated model.
 */
async function deployWithRefit(ctx: RunContext, modelVersion: number, gate: GateInput, input: ProcessingInput, inputs: TrainingInputs): Promise<RefitDeployment> {
  const decision = gateDecision(gate, ctx.config.steps.model_deployment);
  // A refused model, or a pinned stage (recorded as blocked_by_pin), is not refitted.
  if (!decision.deploy || (await stagePin(ctx.db, ctx.stage))) return modelDeployment(ctx, modelVersion, gate);
  const child = await runRefit(ctx, modelVersion, decision, input, inputs);
  const reason = `${decision.reason}; refitted on all ${child.nRows} labelled rows of the window as v${child.modelVersion} (run ${child.runId}), deployed in its place`;
  const deploymentId = await recordDeployment(ctx.db, {
    runId: ctx.runId,
    modelVersion,
    stage: ctx.stage,
    decision: 'refitted',
    reason,
    evidence: { ...decision.evidence, refit: { run_id: child.runId, model_version: child.modelVersion, n_rows: child.nRows } },
    activates: false,
  });
  return { deployed: true, reason, deploymentId, refit: { runId: child.runId, modelVersion: child.modelVersion }, rowsOut: 1, message: reason };
}

/** The refit child run: the same five steps, fitted on every labelled row (no split), with the gated model's evaluation. */
async function runRefit(parent: RunContext, gatedVersion: number, decision: GateDecision, input: ProcessingInput, inputs: TrainingInputs): Promise<{ runId: number; modelVersion: number; nRows: number }> {
  const { db, config, stage } = parent;
  const ctx = await startRun(db, config, stage, 'TRAINING_PIPELINE', {
    parentRunId: parent.runId,
    triggerReason: `refit of v${gatedVersion} on every labelled row of the window, after it passed the gate in run ${parent.runId}`,
  });
  try {
    const processed = await runStep(ctx, 'data_processing', 1, () => dataProcessing(ctx, input, undefined, { split: 'none' }));
    const split = await runStep(ctx, 'train_test_split', 2, () => trainTestSplit(ctx, processed.processedTable, processed.split!));
    const trained = await runStep(ctx, 'model_training', 3, () => modelTraining(ctx, processed.fit, processed.referenceTable as string, inputs, { refitOf: gatedVersion }));
    await runStep(ctx, 'model_evaluation', 4, () => inheritEvaluation(ctx, parent.runId, trained.modelVersion, processed.processedTable, processed.fit));
    await runStep(ctx, 'model_deployment', 5, async () => {
      const reason = `deployed: refit of v${gatedVersion} on all ${split.nTrain} labelled rows; v${gatedVersion} passed the gate (${decision.reason.replace(/^deployed: /, '')})`;
      const deploymentId = await recordDeployment(db, { runId: ctx.runId, modelVersion: trained.modelVersion, stage, decision: 'deployed', reason, evidence: { ...decision.evidence, refit_of: gatedVersion, gated_run_id: parent.runId }, activates: true });
      return { deployed: true, reason, deploymentId, rowsOut: 1, message: reason };
    });
    await finishRun(ctx, 'succeeded', undefined, trained.modelVersion);
    return { runId: ctx.runId, modelVersion: trained.modelVersion, nRows: split.nTrain };
  } catch (err) {
    await finishRun(ctx, 'failed', err);
    throw err;
  }
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
  opts: { parentRunId?: number; triggerReason?: string; resume?: ResumeState; force?: boolean } = {},
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
    // Before any work: a run on the rows and config the active model was trained with would only reproduce it. When
    // no active model has this config, nothing depends on the fingerprint before data processing, whose one pass
    // over the rows gives it.
    const early = resume || opts.force || !(await fingerprintDecides(ctx)) ? undefined : await trainingInputs(ctx);
    const same = early ? await identicalToActive(ctx, early) : null;
    if (same) {
      const reason = opts.parentRunId === undefined ? `${same.reason}; use --force to train anyway` : same.reason;
      await skipRun(ctx, reason, same.modelVersion);
      return { runId: ctx.runId, modelVersion: same.modelVersion, deployed: false, reason, evaluation: null, skipped: true };
    }
    // Restoring reads back outputs and checks inputs before the run is reopened, so a refusal changes nothing.
    const dp = done('data_processing') ? await restoreProcessing(ctx, input, resume!.done.get('data_processing') ?? null) : undefined;
    if (resume) await reopenRun(db, resume);
    const processed = dp ?? (await runStep(ctx, 'data_processing', 1, () => dataProcessing(ctx, input)));
    const inputs = early ?? (processed.inputContent ? trainingInputsOf(ctx, processed.inputContent) : await trainingInputs(ctx));
    const split = done('train_test_split') ? await restoreSplit(ctx) : await runStep(ctx, 'train_test_split', 2, () => trainTestSplit(ctx, processed.processedTable, processed.split!));
    const modelVersion = done('model_training')
      ? await restoreModelVersion(ctx)
      : (await runStep(ctx, 'model_training', 3, () => modelTraining(ctx, processed.fit, processed.referenceTable as string, inputs))).modelVersion;
    const ev = done('model_evaluation') ? await readEvaluation(ctx.db, ctx.runId) : await runStep(ctx, 'model_evaluation', 4, () => modelEvaluation(ctx, split.testView, processed.fit, modelVersion));
    const gate: GateInput = { newMetrics: ev.newMetrics, activeMetrics: ev.activeMetrics, activeModelVersion: ev.activeModelVersion, stage };
    const refit = refitApplies(config);
    // With a refit the step starts a child run (its own steps and transactions), so it is not one transaction itself.
    const dep: RefitDeployment = await runStep(ctx, 'model_deployment', 5, () => (refit ? deployWithRefit(ctx, modelVersion, gate, input, inputs) : modelDeployment(ctx, modelVersion, gate)), { transactional: !refit });
    await finishRun(ctx, 'succeeded', undefined, modelVersion);
    await applyRetention(db, config);
    return { runId: ctx.runId, modelVersion, refit: dep.refit, deployed: dep.deployed, reason: dep.reason, evaluation: ev, skipped: false };
  } catch (err) {
    // A refused resume leaves the run as it was; anything else marks it failed.
    if (!(err instanceof ResumeRefusedError)) await finishRun(ctx, 'failed', err);
    throw err;
  }
}
