import type { Config } from '../config/load.ts';
import type { Stage } from '../config/schema.ts';
import type { PipelineDb } from '../db/database.ts';
import { ensureDataTables } from '../db/data-tables.ts';
import { runSqlFile } from '../db/sql-runner.ts';
import { sql } from 'kysely';
import { InputError, errorMessage } from '../errors.ts';
import { ingestFile, nothingAcceptedError } from '../ingest/ingest.ts';
import { logger } from '../logger.ts';
import { dataDriftDetection, recordDriftDecision } from '../steps/data-drift-detection.ts';
import { dataProcessing, loadFitParams } from '../steps/data-processing.ts';
import { loadModel, type StoredModel } from '../steps/model.ts';
import type { FitParams } from '../steps/fit-params.ts';
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
  await releaseCachedMemory(ctx);
  const child = await runTrainingPipeline(ctx.db, ctx.config, ctx.stage, { parentRunId: ctx.runId, triggerReason: why });
  // The batch's labels were already in the active model's training data (and the config is unchanged): nothing to learn.
  if (child.skipped) return { childRunId: child.runId, action: 'retrain_skipped_same_data', reason: `${why}; child run ${child.runId} trained nothing: ${child.reason}. Predictions are flagged.` };
  return { childRunId: child.runId, action: child.deployed ? 'retrained_and_deployed' : 'retrained_not_deployed', reason: `${why}; child run ${child.runId} trained model v${child.modelVersion}: ${child.reason}` };
}

/**
 * Empties DuckDB's buffer pool of what the prediction steps left in it before a retrain starts, so the retrain's peak
 * memory is a training run's: the run's writes are checkpointed, then the pool limit is lowered for a moment (DuckDB
 * evicts cached blocks to meet it) and set back to duckdb.memory_limit. Only memory is at stake: if DuckDB cannot
 * shrink the pool (blocks in use), the retrain goes ahead with it as it is.
 */
async function releaseCachedMemory(ctx: RunContext): Promise<void> {
  const { db, config } = ctx;
  try {
    await runSqlFile(db, 'retrain', 'checkpoint');
    await runSqlFile(db, 'retrain', 'set_memory_limit', { slots: { memory_limit: sql.lit(RELEASE_LIMIT) } });
  } catch (err) {
    logger.debug(`buffer pool not emptied before the retrain: ${errorMessage(err)}`);
    return;
  }
  // the pipeline's databases are opened with this limit (src/cli/context.ts)
  await runSqlFile(db, 'retrain', 'set_memory_limit', { slots: { memory_limit: sql.lit(config.duckdb.memory_limit) } });
}

/** The pool limit that releaseCachedMemory lowers to for a moment. */
const RELEASE_LIMIT = '32MB';

/** A drift step's verdict, as drift_decisions records it (its action is decided after the step). */
interface DriftVerdict {
  kind: 'data' | 'model';
  referenceModelVersion: number;
  drifted: boolean;
  nTests: number;
  nDrifted: number;
  share: number | null;
  threshold: number | null;
  rule: string;
  decisionLevel: number;
  /** The step's own message, and the short cause a retrain is triggered with. */
  message: string;
  why: string;
}

type Prediction = Awaited<ReturnType<typeof modelPrediction>> & { metrics: NonNullable<Awaited<ReturnType<typeof modelPrediction>>['metrics']> };

/**
 * One prediction run: its context, the model that scores the batch (replaced if a retrain deploys another), and what
 * the run has decided so far. Each method is one step of the pipeline (or the decision that follows a drift step).
 */
class PredictionRun {
  readonly flags: string[] = [];
  readonly childRunIds: number[] = [];
  retrained = false;
  private order = 0;
  dp!: DataProcessingResult;
  /** The predictions model drift was tested on, and the model that made them. */
  tested!: Prediction;
  testedModel!: StoredModel;
  pred!: Prediction;
  dataDrift!: Awaited<ReturnType<typeof dataDriftDetection>>;
  modelDrift!: Awaited<ReturnType<typeof modelDriftDetection>>;

  constructor(
    readonly ctx: RunContext,
    readonly batch: { batchId: number; labelled: number; replaces: number | null },
    public model: StoredModel,
    public fit: FitParams,
    private readonly restored: DataProcessingResult | undefined,
  ) {
    if (restored) this.order = 1;
  }

  private step<T extends object>(name: string, fn: () => Promise<T>, transactional = true): Promise<T> {
    return runStep(this.ctx, name, ++this.order, fn as never, { transactional }) as Promise<T>;
  }

  /** data_processing: the active model's processing replayed on the batch (a view over it). */
  async process(table?: string, suffix = ''): Promise<void> {
    if (this.restored && !suffix) {
      this.dp = { ...this.restored, fit: this.fit };
      return;
    }
    this.dp = await this.step(`data_processing${suffix}`, () => dataProcessing(this.ctx, { kind: 'batch', batchId: this.batch.batchId }, this.fit, { table, view: true }));
  }

  /** data_drift_detection: every feature against the model's reference sample; the decision recorded with them. */
  async detectDataDrift(): Promise<DriftVerdict> {
    const threshold = this.ctx.config.steps.data_drift_detection.dataset_drift_share;
    const referenceModelVersion = this.model.modelVersion;
    let verdict!: DriftVerdict;
    this.dataDrift = await this.step('data_drift_detection', async () => {
      const r = await dataDriftDetection(this.ctx, this.model, this.batch.batchId, this.fit);
      const d = r.decision;
      const why = `data drift (${d.rule}): ${d.important.length ? `important feature ${d.important.join(', ')}; ` : ''}${r.nDrifted} of ${d.nInShare} features the model uses drifted`;
      verdict = { kind: 'data', referenceModelVersion, drifted: r.datasetDrift, nTests: r.features.length, nDrifted: r.nDrifted, share: r.share, threshold, rule: d.rule, decisionLevel: d.level, message: r.message ?? '', why };
      await this.record(verdict, this.pendingAction(verdict), verdict.message);
      return r;
    });
    // Too few rows to judge: served, and flagged as not checked for drift.
    if (verdict.rule === 'too_few_rows') this.flags.push('drift_not_judged');
    return verdict;
  }

  /** model_prediction: predictions, intervals and flags, with their one-pass summary (counts, coverage, errors). */
  async predict(name = 'model_prediction', table?: string): Promise<void> {
    const r = await this.step(name, () => modelPrediction(this.ctx, this.dp.processedTable, this.model, this.fit, table));
    this.pred = r;
    if (!this.tested) {
      this.tested = this.pred;
      this.testedModel = this.model;
    }
  }

  /** model_drift_detection: the batch's predictions (and labelled errors) against the model's evaluation. */
  async detectModelDrift(): Promise<DriftVerdict> {
    const referenceModelVersion = this.model.modelVersion;
    let verdict!: DriftVerdict;
    this.modelDrift = await this.step('model_drift_detection', async () => {
      const r = await modelDriftDetection(this.ctx, this.model, this.pred);
      const nDrifted = r.tests.filter((t) => t.drifted).length;
      const why = `model drift: ${r.tests.filter((t) => t.drifted).map((t) => t.summary).join('; ')}`;
      verdict = { kind: 'model', referenceModelVersion, drifted: r.drifted, nTests: r.tests.length, nDrifted, share: null, threshold: null, rule: r.decision.rule, decisionLevel: r.decision.level, message: r.message ?? '', why };
      await this.record(verdict, this.pendingAction(verdict), verdict.message);
      return r;
    });
    return verdict;
  }

  /**
   * After a drift step: retrain in a child run when this kind of drift retrains and the batch brings labels (once per
   * run), then score the batch with whichever model the gate left active. The decision's row is updated with what was
   * done; the served rows are flagged with the drift unless a retrained model replaced the one that saw it.
   */
  async actOn(v: DriftVerdict): Promise<void> {
    if (!v.drifted) return;
    if (this.retrained) {
      this.flags.push(`${v.kind}_drift`);
      await this.record(v, 'none_already_retrained', `${v.why}; not retraining again: this run already retrained after data drift`);
      return;
    }
    const r = await retrainIfPossible(this.ctx, v.kind, this.batch.labelled, v.why);
    if (r.childRunId !== null) {
      this.childRunIds.push(r.childRunId);
      this.retrained = true;
    }
    if (r.action !== 'retrained_and_deployed') this.flags.push(`${v.kind}_drift`);
    // data drift's row keeps the step's message and adds what followed; model drift's says what was done
    const reason = v.kind === 'data' ? `${v.message}. Then: ${r.reason.startsWith(v.why) ? r.reason.slice(v.why.length).replace(/^[;:]\s*/, '') : r.reason}` : r.reason;
    await this.record(v, r.action, reason, r.childRunId);
    if (r.childRunId !== null && (await this.useActiveModel())) {
      // Their own tables: the tested model's processing and predictions, which the drift rows were computed on, stay.
      await this.process(runTables.processedAfterRetrain(this.ctx.runId), '_after_retrain');
      if (v.kind === 'model') await this.predict('model_prediction_after_retrain', runTables.predictionsAfterRetrain(this.ctx.runId));
    }
  }

  /**
   * serve_prediction: where the batch has labels, the model that serves it is checked on it (batch_evaluations); a
   * model that replaced the tested one after model drift and still fails flags the served rows.
   */
  async serve(output: string | undefined): Promise<number> {
    const { ctx, model, pred, tested, testedModel } = this;
    const served = await this.step('serve_prediction', async () => {
      if (pred.nActual > 0) {
        const replaced = model.modelVersion !== testedModel.modelVersion;
        const evaluation = this.modelDrift.errors.evaluation;
        if (replaced) await evaluateOnBatch(ctx, testedModel, tested, 'tested', evaluation);
        const check = await evaluateOnBatch(ctx, model, pred, 'serving', replaced ? undefined : evaluation);
        if (replaced && check.failed) {
          this.flags.push('serving_model_fails_batch');
          logger.warn(`${check.reason}: the retrained model serves the batch, flagged serving_model_fails_batch`);
        }
      }
      return servePrediction(ctx, pred.predictionsTable, model.modelVersion, this.flags, output, { batchId: this.batch.batchId, replaces: this.batch.replaces });
    });
    return served.served;
  }

  /** What a drift decision says when its step commits, before actOn acts on it. */
  private pendingAction(v: DriftVerdict): string {
    if (!v.drifted) return 'none';
    if (v.kind === 'model' && this.retrained) return 'none_already_retrained';
    return !retrainSetting(this.ctx.config, v.kind).on ? 'retrain_disabled' : this.batch.labelled > 0 ? 'retrain_pending' : 'retrain_skipped_no_labels';
  }

  private record(v: DriftVerdict, action: string, reason: string, childRunId?: number | null): Promise<void> {
    const { kind, referenceModelVersion, drifted, nTests, nDrifted, share, threshold, rule, decisionLevel } = v;
    return recordDriftDecision(this.ctx.db, { runId: this.ctx.runId, kind, referenceModelVersion, drifted, nTests, nDrifted, share, threshold, rule, decisionLevel, action, reason, childRunId });
  }

  /** Switches to the model active now, if a retrain deployed another; says whether it did. */
  private async useActiveModel(): Promise<boolean> {
    const now = (await activeModelOf(this.ctx.db, this.ctx.stage))!;
    if (now.modelVersion === this.model.modelVersion) return false;
    this.model = await loadModel(this.ctx.db, now.modelVersion);
    this.fit = await loadFitParams(this.ctx, now.runId);
    return true;
  }
}

/** The batch, the run record (new or resumed) and the active model a prediction run starts from. */
async function startPrediction(db: PipelineDb, config: Config, stage: Stage, opts: PredictionOptions): Promise<PredictionRun> {
  const resume = opts.resume;
  if (!resume) await abortStaleRuns(db);
  await ensureDataTables(db, config.contract);
  if (!(await activeModelOf(db, stage))) throw new InputError(`no active model on ${stage}: run the TRAINING_PIPELINE first`);
  const batchId = resume ? (resume.batchId as number) : await resolveBatch(db, config, opts.input);
  const [batch] = await runSqlFile<{ batch_id: number; rows_accepted: number; rows_labelled: number; source_file: string }>(db, 'serve_prediction', 'batch_info', { params: { batch_id: batchId } });
  const replaces = resume ? null : await refuseServedBatch(db, batchId, batch.source_file, opts.rescore ?? false);
  const ctx: RunContext = resume ? { db, config, stage, runId: resume.runId, pipelineType: 'PREDICTION_PIPELINE' } : await startRun(db, config, stage, 'PREDICTION_PIPELINE', { batchId });
  try {
    const restored = resume ? await restoreProcessing(ctx, batchId, resume) : undefined;
    const active = (await activeModelOf(db, stage))!;
    const run = new PredictionRun(ctx, { batchId, labelled: batch.rows_labelled, replaces }, await loadModel(db, active.modelVersion), await loadFitParams(ctx, active.runId), restored);
    if (resume) {
      // Every step after data processing is redone: clear what an earlier attempt of them recorded.
      await clearPredictionOutputs(db, ctx.runId);
      await reopenRun(db, resume, restored ? ['data_processing'] : []);
    }
    return run;
  } catch (err) {
    throw await failed(ctx, err);
  }
}

/** Records a run's failure (a refused resume leaves the run as it was) and returns the error to rethrow. */
async function failed(ctx: RunContext, err: unknown): Promise<unknown> {
  if (!(err instanceof ResumeRefusedError)) await finishRun(ctx, 'failed', err).catch((e) => logger.error(`could not record the failure of run ${ctx.runId}: ${errorMessage(e)}`));
  return err;
}

/**
 * PREDICTION_PIPELINE: data_processing (replayed with the active model's parameters) → data_drift_detection
 * (drift ⇒ retrain) → model_prediction → model_drift_detection (drift ⇒ retrain) → serve_prediction.
 * After a retrain, the batch is scored by whichever model is active after the gate.
 */
export async function runPredictionPipeline(db: PipelineDb, config: Config, stage: Stage, opts: PredictionOptions = {}): Promise<PredictionOutcome> {
  const run = await startPrediction(db, config, stage, opts);
  try {
    await run.process();
    const dataDrift = await run.detectDataDrift();
    await run.actOn(dataDrift);
    await run.predict();
    const modelDrift = await run.detectModelDrift();
    await run.actOn(modelDrift);
    const served = await run.serve(opts.output);
    await finishRun(run.ctx, 'succeeded', undefined, run.model.modelVersion);
    await applyRetention(db, config);
    const { runId } = run.ctx;
    return { runId, batchId: run.batch.batchId, modelVersion: run.model.modelVersion, served, dataDrift: dataDrift.drifted, modelDrift: modelDrift.drifted, childRunIds: run.childRunIds, flags: run.flags };
  } catch (err) {
    throw await failed(run.ctx, err);
  }
}
