import type { Config } from '../config/load.ts';
import type { Stage } from '../config/schema.ts';
import type { PipelineDb } from '../db/database.ts';
import { ensureDataTables } from '../db/data-tables.ts';
import { runSqlFile } from '../db/sql-runner.ts';
import { InputError, errorMessage } from '../errors.ts';
import { ingestFile, nothingAcceptedError } from '../ingest/ingest.ts';
import { logger } from '../logger.ts';
import { dataDriftDetection, recordDriftDecision } from '../steps/data-drift-detection.ts';
import { dataProcessing, loadFitParams } from '../steps/data-processing.ts';
import { loadModel } from '../steps/model.ts';
import { activeModelOf } from '../registry/active-model.ts';
import { modelDriftDetection } from '../steps/model-drift-detection.ts';
import { modelPrediction } from '../steps/model-prediction.ts';
import { evaluateOnBatch } from '../steps/batch-evaluation.ts';
import { servePrediction } from '../steps/serve-prediction.ts';
import { abortStaleRuns, finishRun, runStep, runTables, startRun, type RunContext } from '../runs/run-log.ts';
import { runTrainingPipeline } from './training.ts';
import { applyRetention } from './retention.ts';
import { clearPredictionOutputs, reopenRun, type ResumeState } from './resume.ts';
import { tableExists } from '../db/catalog.ts';
import { ResumeRefusedError } from '../errors.ts';
import { inputFingerprint, type DataProcessingResult } from '../steps/data-processing.ts';

export interface PredictionOptions {
  input?: string;
  output?: string;
  resume?: ResumeState;
  /** Score a batch that was already served; the new serving becomes current and the earlier one is marked superseded. */
  rescore?: boolean;
}

export const PREDICTION_STEPS = ['data_processing', 'data_drift_detection', 'model_prediction', 'model_drift_detection', 'serve_prediction'] as const;

export interface PredictionOutcome {
  runId: number;
  batchId: number;
  modelVersion: number;
  served: number;
  dataDrift: boolean;
  modelDrift: boolean;
  childRunIds: number[];
  flags: string[];
}

/** data_processing's outputs of a run being resumed, if it succeeded on the same rows with the model active now. */
async function restoreProcessing(ctx: RunContext, batchId: number, resume: ResumeState): Promise<DataProcessingResult | undefined> {
  if (!resume.done.has('data_processing')) return undefined;
  const recorded = resume.done.get('data_processing') ?? null;
  const now = await inputFingerprint(ctx, { kind: 'batch', batchId });
  if (recorded !== now) throw new ResumeRefusedError(`cannot resume run ${ctx.runId}: batch ${batchId} changed since data_processing ran (${recorded} then, ${now} now); start a new run`);
  const [p] = await runSqlFile<{ fitted_run_id: number; processed_table: string }>(ctx.db, 'resume', 'processing_fit_run', { params: { run_id: ctx.runId } });
  const active = await activeModelOf(ctx.db, ctx.stage);
  if (!active || active.runId !== p.fitted_run_id) {
    throw new ResumeRefusedError(`cannot resume run ${ctx.runId}: the active model changed since its data was processed (it replayed run ${p.fitted_run_id}); start a new run`);
  }
  if (!(await tableExists(ctx.db, p.processed_table))) throw new ResumeRefusedError(`cannot resume run ${ctx.runId}: its table ${p.processed_table} is gone`);
  return { processedTable: p.processed_table, fit: await loadFitParams(ctx, p.fitted_run_id), features: { numerics: [], categoricals: [] } };
}

/** The batch to score: the input file (ingested, or found by checksum if it was before) or the newest batch. */
async function resolveBatch(db: PipelineDb, config: Config, input?: string): Promise<number> {
  if (input) {
    // one read of the file: its checksum finds an earlier batch of the same file, which is scored again
    const r = await ingestFile(db, config, input, { origin: 'prediction-input', reuseIngested: true });
    if (r.rowsAccepted === 0) throw await nothingAcceptedError(db, r, input);
    return r.batchId;
  }
  const rows = await runSqlFile<{ batch_id: number }>(db, 'serve_prediction', 'latest_batch');
  if (!rows.length) throw new InputError('no ingested batch to score: give --input FILE or run pipeline ingest first');
  return rows[0].batch_id;
}

/**
 * A batch already served is scored again only with `rescore` (re-scoring adds a second copy of its rows); returns the
 * run whose serving the new one will supersede, if any.
 */
async function refuseServedBatch(db: PipelineDb, batchId: number, sourceFile: string, rescore: boolean): Promise<number | null> {
  const [current] = await runSqlFile<{ run_id: number; served_at: Date; n: number }>(db, 'serve_prediction', 'current_serving', { params: { batch_id: batchId } });
  if (!current) return null;
  if (!rescore) {
    throw new InputError(
      `batch ${batchId} (${sourceFile}) was already served by run ${current.run_id} at ${current.served_at.toISOString().replace('T', ' ').slice(0, 19)} (${current.n} predictions): ` +
        `pass --rescore to score it again (the new serving becomes current; run ${current.run_id}'s rows stay in served_predictions with superseded_by_run set), or ingest a new batch`,
    );
  }
  logger.info(`re-scoring batch ${batchId}: run ${current.run_id}'s serving will be marked superseded`);
  return current.run_id;
}

/** Whether this kind of drift retrains (steps.<kind>_drift_detection.retrain_on_drift), and the config key saying so. */
function retrainSetting(config: Config, kind: 'data' | 'model'): { on: boolean; key: string } {
  const step = kind === 'data' ? 'data_drift_detection' : 'model_drift_detection';
  return { on: config.steps[step].retrain_on_drift, key: `steps.${step}.retrain_on_drift` };
}

/**
 * Retrains as a child run when retraining on this kind of drift is on and the batch brings labels; otherwise
 * says why not. Returns the child run id, if any.
 */
async function retrainIfPossible(ctx: RunContext, kind: 'data' | 'model', labelled: number, why: string): Promise<{ childRunId: number | null; action: string; reason: string }> {
  const setting = retrainSetting(ctx.config, kind);
  if (!setting.on) {
    const reason = `${why}; retraining is off for ${kind} drift (${setting.key}: false). Predictions are flagged.`;
    logger.warn(reason);
    return { childRunId: null, action: 'retrain_disabled', reason };
  }
  if (labelled === 0) {
    const reason = `${why}; retraining skipped: the batch has no labelled rows, so there is nothing new to learn from. Predictions are flagged.`;
    logger.warn(reason);
    return { childRunId: null, action: 'retrain_skipped_no_labels', reason };
  }
  logger.warn(`${why}: retraining on all labelled history including this batch's ${labelled} labelled rows`);
  const child = await runTrainingPipeline(ctx.db, ctx.config, ctx.stage, { parentRunId: ctx.runId, triggerReason: why });
  // The batch's labels were already in the active model's training data (and the config is unchanged): nothing to learn.
  if (child.skipped) return { childRunId: child.runId, action: 'retrain_skipped_same_data', reason: `${why}; child run ${child.runId} trained nothing: ${child.reason}. Predictions are flagged.` };
  return { childRunId: child.runId, action: child.deployed ? 'retrained_and_deployed' : 'retrained_not_deployed', reason: `${why}; child run ${child.runId} trained model v${child.modelVersion}: ${child.reason}` };
}

/**
 * PREDICTION_PIPELINE: data_processing (replayed with the active model's parameters) → data_drift_detection
 * (drift ⇒ retrain) → model_prediction → model_drift_detection (drift ⇒ retrain) → serve_prediction.
 * After a retrain, the batch is scored by whichever model is active after the gate.
 */
export async function runPredictionPipeline(db: PipelineDb, config: Config, stage: Stage, opts: PredictionOptions = {}): Promise<PredictionOutcome> {
  const resume = opts.resume;
  if (!resume) await abortStaleRuns(db);
  await ensureDataTables(db, config.contract);
  if (!(await activeModelOf(db, stage))) throw new InputError(`no active model on ${stage}: run the TRAINING_PIPELINE first`);
  const batchId = resume ? (resume.batchId as number) : await resolveBatch(db, config, opts.input);
  const [batch] = await runSqlFile<{ batch_id: number; rows_accepted: number; rows_labelled: number; source_file: string }>(db, 'serve_prediction', 'batch_info', { params: { batch_id: batchId } });
  const replaces = resume ? null : await refuseServedBatch(db, batchId, batch.source_file, opts.rescore ?? false);
  const ctx: RunContext = resume ? { db, config, stage, runId: resume.runId, pipelineType: 'PREDICTION_PIPELINE' } : await startRun(db, config, stage, 'PREDICTION_PIPELINE', { batchId });
  const restored = resume ? await restoreProcessing(ctx, batchId, resume) : undefined;
  const childRunIds: number[] = [];
  const flags: string[] = [];
  let order = 0;
  const step = <T extends object>(name: string, fn: () => Promise<T & { rowsOut?: number }>, transactional = true) => runStep(ctx, name, ++order, fn as never, { transactional }) as Promise<T>;
  // What a drift decision says when its step commits, before retrainIfPossible acts on it.
  const pendingAction = (kind: 'data' | 'model', labelled: number): string =>
    !retrainSetting(config, kind).on ? 'retrain_disabled' : labelled > 0 ? 'retrain_pending' : 'retrain_skipped_no_labels';
  try {
    let active = (await activeModelOf(db, stage))!;
    let model = await loadModel(db, active.modelVersion);
    let fit = await loadFitParams(ctx, active.runId);
    if (resume) {
      // Every step after data processing is redone: clear what an earlier attempt of them recorded.
      await clearPredictionOutputs(db, ctx.runId);
      await reopenRun(db, resume, restored ? ['data_processing'] : []);
      if (restored) order = 1;
    }
    let dp: DataProcessingResult = restored ? { ...restored, fit } : await step('data_processing', () => dataProcessing(ctx, { kind: 'batch', batchId }, fit, { view: true }));
    const driftModelVersion = model.modelVersion;
    const dataThreshold = config.steps.data_drift_detection.dataset_drift_share;
    // The decision is recorded with the drift results, in the step's transaction; a retraining then updates it.
    const drift = await step('data_drift_detection', async () => {
      const r = await dataDriftDetection(ctx, model, batchId, fit);
      const action = !r.datasetDrift ? 'none' : pendingAction('data', batch.rows_labelled);
      await recordDriftDecision(db, { referenceModelVersion: driftModelVersion, runId: ctx.runId, kind: 'data', drifted: r.datasetDrift, nTests: r.features.length, nDrifted: r.nDrifted, share: r.share, threshold: dataThreshold, action, reason: r.message ?? '', rule: r.decision.rule, decisionLevel: r.decision.level });
      return r;
    });
    // Too few rows to judge: served, and flagged as not checked for drift.
    if (drift.decision.rule === 'too_few_rows') flags.push('drift_not_judged');
    let retrained = false;
    const rescoreWithActive = async (suffix: string) => {
      const now = (await activeModelOf(db, stage))!;
      if (now.modelVersion === model.modelVersion) return;
      active = now;
      model = await loadModel(db, now.modelVersion);
      fit = await loadFitParams(ctx, now.runId);
      // Its own table: the first processing (what the tested model saw) stays as evidence.
      dp = await step(`data_processing${suffix}`, () => dataProcessing(ctx, { kind: 'batch', batchId }, fit, { table: runTables.processedAfterRetrain(ctx.runId), view: true }));
    };
    if (drift.datasetDrift) {
      const why = `data drift (${drift.decision.rule}): ${drift.decision.important.length ? `important feature ${drift.decision.important.join(', ')}; ` : ''}${drift.nDrifted} of ${drift.decision.nInShare} features the model uses drifted`;
      const r = await retrainIfPossible(ctx, 'data', batch.rows_labelled, why);
      if (r.childRunId !== null) {
        childRunIds.push(r.childRunId);
        retrained = true;
      }
      // The batch is served by a model that saw the drift unless a retrained one replaced it.
      if (r.action !== 'retrained_and_deployed') flags.push('data_drift');
      await recordDriftDecision(db, { referenceModelVersion: driftModelVersion, runId: ctx.runId, kind: 'data', drifted: true, nTests: drift.features.length, nDrifted: drift.nDrifted, share: drift.share, threshold: dataThreshold, action: r.action, reason: `${drift.message}. Then: ${r.reason.startsWith(why) ? r.reason.slice(why.length).replace(/^[;:]\s*/, '') : r.reason}`, childRunId: r.childRunId, rule: drift.decision.rule, decisionLevel: drift.decision.level });
      if (retrained) await rescoreWithActive('_after_retrain');
    }
    // The batch's predictions with their one-pass summary (counts, coverage, errors), which both checks below read.
    const predicted = async (name: string, table?: string) => {
      const r = await step(name, () => modelPrediction(ctx, dp.processedTable, model, fit, table, undefined, { errors: true }));
      return { ...r, metrics: r.metrics! };
    };
    const tested = await predicted('model_prediction');
    let pred = tested;
    const testedModelVersion = model.modelVersion;
    const mdrift = await step('model_drift_detection', async () => {
      const r = await modelDriftDetection(ctx, model, pred);
      const action = !r.drifted ? 'none' : retrained ? 'none_already_retrained' : pendingAction('model', batch.rows_labelled);
      await recordDriftDecision(db, { referenceModelVersion: testedModelVersion, runId: ctx.runId, kind: 'model', drifted: r.drifted, nTests: r.tests.length, nDrifted: r.tests.filter((t) => t.drifted).length, share: null, threshold: null, action, reason: r.message ?? '', rule: r.decision.rule, decisionLevel: r.decision.level });
      return r;
    });
    if (mdrift.drifted) {
      const why = `model drift: ${mdrift.tests.filter((t) => t.drifted).map((t) => t.summary).join('; ')}`;
      const modelDecision = { rule: mdrift.decision.rule, decisionLevel: mdrift.decision.level };
      if (retrained) {
        flags.push('model_drift');
        await recordDriftDecision(db, { referenceModelVersion: testedModelVersion, runId: ctx.runId, kind: 'model', drifted: true, nTests: mdrift.tests.length, nDrifted: mdrift.tests.filter((t) => t.drifted).length, share: null, threshold: null, action: 'none_already_retrained', reason: `${why}; not retraining again: this run already retrained after data drift`, ...modelDecision });
      } else {
        const r = await retrainIfPossible(ctx, 'model', batch.rows_labelled, why);
        if (r.childRunId !== null) childRunIds.push(r.childRunId);
        if (r.action !== 'retrained_and_deployed') flags.push('model_drift');
        await recordDriftDecision(db, { referenceModelVersion: testedModelVersion, runId: ctx.runId, kind: 'model', drifted: true, nTests: mdrift.tests.length, nDrifted: mdrift.tests.filter((t) => t.drifted).length, share: null, threshold: null, action: r.action, reason: r.reason, childRunId: r.childRunId, ...modelDecision });
        if (r.childRunId !== null) {
          const before = model.modelVersion;
          await rescoreWithActive('_after_retrain');
          // Its own table: the tested model's predictions, which the model-drift rows were computed on, are kept.
          if (model.modelVersion !== before) pred = await predicted('model_prediction_after_retrain', runTables.predictionsAfterRetrain(ctx.runId));
        }
      }
    }
    const served = await step('serve_prediction', async () => {
      // Where the batch has labels, the model that serves it is checked on it (recorded in batch_evaluations);
      // a model that replaced the tested one after model drift and still fails flags the served rows.
      if (pred.nActual > 0) {
        const replaced = model.modelVersion !== testedModelVersion;
        if (replaced) await evaluateOnBatch(ctx, await loadModel(db, testedModelVersion), tested, 'tested', mdrift.errors.evaluation);
        const check = await evaluateOnBatch(ctx, model, pred, 'serving', replaced ? undefined : mdrift.errors.evaluation);
        if (replaced && check.failed) {
          flags.push('serving_model_fails_batch');
          logger.warn(`${check.reason}: the retrained model serves the batch, flagged serving_model_fails_batch`);
        }
      }
      return servePrediction(ctx, pred.predictionsTable, model.modelVersion, flags, opts.output, { batchId, replaces });
    });
    await finishRun(ctx, 'succeeded', undefined, model.modelVersion);
    await applyRetention(db, config);
    return { runId: ctx.runId, batchId, modelVersion: model.modelVersion, served: served.served, dataDrift: drift.datasetDrift, modelDrift: mdrift.drifted, childRunIds, flags };
  } catch (err) {
    if (err instanceof ResumeRefusedError) throw err;
    await finishRun(ctx, 'failed', err).catch((e) => logger.error(`could not record the failure of run ${ctx.runId}: ${errorMessage(e)}`));
    throw err;
  }
}
