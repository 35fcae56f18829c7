import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Config } from '../config/load.ts';
import type { Stage } from '../config/schema.ts';
import type { PipelineDb } from '../db/database.ts';
import { sql } from 'kysely';
import { inStep } from '../sql/recorder.ts';
import { errorMessage } from '../errors.ts';
import { logger } from '../logger.ts';
import { runEnded, runStarted, stepEnded, stepStarted } from './activity.ts';
import { progress } from './progress.ts';

export type PipelineType = 'TRAINING_PIPELINE' | 'PREDICTION_PIPELINE';

/** What every step of a run is given. */
export interface RunContext {
  db: PipelineDb;
  config: Config;
  stage: Stage;
  runId: number;
  pipelineType: PipelineType;
}

/** What a step reports for its step_runs row. */
export interface StepReport {
  rowsIn?: number;
  rowsOut?: number;
  message?: string;
  inputFingerprint?: string;
}

const now = () => new Date().toISOString();

export function configHash(config: Config): string {
  const { source: _s, ...rest } = config;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

/** Marks runs and steps left 'running' by a dead process as 'aborted'. */
export async function abortStaleRuns(db: PipelineDb): Promise<number[]> {
  // One process holds a database's write lock, so a run still 'running' when a process opens it belongs to a dead process.
  const rows = await db.kysely
    .updateTable('pipeline_runs')
    .set({ status: 'aborted', ended_at: now(), error: sql<string>`coalesce(error, 'process ended before the run finished (found at start of a later run)')` })
    .where('status', '=', 'running')
    .returning('run_id')
    .execute();
  await db.kysely
    .updateTable('step_runs')
    .set({ status: 'aborted', ended_at: now(), message: sql<string>`coalesce(message, 'process ended during this step')` })
    .where('status', '=', 'running')
    .execute();
  for (const r of rows) logger.warn(`run ${r.run_id} was left running by a process that ended; marked aborted`);
  return rows.map((r) => r.run_id);
}

export async function startRun(
  db: PipelineDb,
  config: Config,
  stage: Stage,
  type: PipelineType,
  extra: { parentRunId?: number; triggerReason?: string; batchId?: number } = {},
): Promise<RunContext> {
  const { run_id: runId } = await db.kysely
    .insertInto('pipeline_runs')
    .values({
      run_id: sql<number>`nextval('run_id_seq')`,
      pipeline_type: type,
      stage,
      status: 'running',
      started_at: now(),
      parent_run_id: extra.parentRunId ?? null,
      trigger_reason: extra.triggerReason ?? null,
      batch_id: extra.batchId ?? null,
      config_hash: configHash(config),
      pid: process.pid,
      hostname: os.hostname(),
    })
    .returning('run_id')
    .executeTakeFirstOrThrow();
  runStarted(db.path, { runId, pipeline: type, parentRunId: extra.parentRunId });
  logger.info(`${type} run ${runId} started on ${stage}${extra.parentRunId ? ` (child of run ${extra.parentRunId}: ${extra.triggerReason})` : ''}`);
  return { db, config, stage, runId, pipelineType: type };
}

export async function finishRun(ctx: RunContext, status: 'succeeded' | 'failed', error?: unknown, modelVersion?: number): Promise<void> {
  await ctx.db.kysely
    .updateTable('pipeline_runs')
    .set({ status, ended_at: now(), error: error === undefined ? null : errorMessage(error), model_version: sql<number | null>`coalesce(${modelVersion ?? null}::integer, model_version)` })
    .where('run_id', '=', ctx.runId)
    .execute();
  runEnded(ctx.db.path, ctx.runId);
}

/**
 * Test hook for watching a run at work: with `PIPELINE_PAUSE_STEP=STEP=FILE`, step STEP waits (after it is
 * recorded as started, before its work) until FILE exists, for at most two minutes.
 */
async function pauseForTests(step: string): Promise<void> {
  const spec = process.env.PIPELINE_PAUSE_STEP;
  if (!spec?.startsWith(`${step}=`)) return;
  const file = spec.slice(step.length + 1);
  const until = Date.now() + 120_000;
  while (!existsSync(file) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
}

/** Ends a run that did no work, with the reason (pipeline_runs.skip_reason) and the model that stays. */
export async function skipRun(ctx: RunContext, reason: string, modelVersion: number | null): Promise<void> {
  await ctx.db.kysely.updateTable('pipeline_runs').set({ status: 'skipped', ended_at: now(), skip_reason: reason, model_version: modelVersion }).where('run_id', '=', ctx.runId).execute();
  logger.info(`run ${ctx.runId} skipped: ${reason}`);
}

/**
 * Runs one step, recording it in step_runs with its duration and row counts. The step's own writes
 * happen in one transaction (unless `transactional` is false, for steps that start child runs), so a
 * failed step leaves nothing half-written; the failure is recorded and rethrown.
 */
export function runStep<T extends StepReport>(ctx: RunContext, name: string, order: number, fn: () => Promise<T>, opts: { transactional?: boolean } = {}): Promise<T> {
  // every statement of the step, its bookkeeping included, is attributed to it (pipeline compile, run --dry-run)
  return inStep(name, () => stepBody(ctx, name, order, fn, opts));
}

async function stepBody<T extends StepReport>(ctx: RunContext, name: string, order: number, fn: () => Promise<T>, opts: { transactional?: boolean }): Promise<T> {
  await ctx.db.kysely.insertInto('step_runs').values({ run_id: ctx.runId, step_name: name, step_order: order, status: 'running', started_at: now() }).execute();
  const t0 = performance.now();
  logger.info(`step ${name} …`);
  const display = opts.transactional === false ? undefined : progress();
  display?.stepStarted(name, ctx.db.native);
  stepStarted(ctx.db.path, { runId: ctx.runId, pipeline: ctx.pipelineType }, { name, order }, ctx.db.native);
  await pauseForTests(name);
  try {
    let ms = 0;
    const work = async () => {
      const report = await fn();
      // Fault injection for tests of failure and resume: fail this step after its work, before it commits.
      if (process.env.PIPELINE_FAIL_STEP === name) throw new Error(`injected failure in step ${name} (PIPELINE_FAIL_STEP)`);
      ms = performance.now() - t0;
      // Recorded in the step's own transaction: its outputs and its 'succeeded' commit together.
      await finishStep(ctx, name, 'succeeded', ms, report);
      return report;
    };
    const report = await (opts.transactional === false ? work() : ctx.db.transaction(work)).finally(() => display?.stepEnded(name));
    stepEnded(ctx.db.path, ctx.runId, { name, status: 'succeeded', durationMs: ms, rowsOut: report.rowsOut });
    logger.info(`step ${name} done in ${(ms / 1000).toFixed(2)} s${report.rowsOut !== undefined ? `, ${report.rowsOut} rows` : ''}${report.message ? `: ${report.message}` : ''}`);
    return report;
  } catch (err) {
    const ms = performance.now() - t0;
    stepEnded(ctx.db.path, ctx.runId, { name, status: 'failed', durationMs: ms });
    await finishStep(ctx, name, 'failed', ms, { message: errorMessage(err) }).catch((e) => logger.error(`could not record the failure of step ${name}: ${errorMessage(e)}`));
    logger.error(`step ${name} failed after ${(ms / 1000).toFixed(2)} s: ${errorMessage(err)}`);
    throw err;
  }
}

async function finishStep(ctx: RunContext, name: string, status: string, ms: number, r: StepReport): Promise<void> {
  await ctx.db.kysely
    .updateTable('step_runs')
    .set({ status, ended_at: now(), duration_ms: ms, rows_in: r.rowsIn ?? null, rows_out: r.rowsOut ?? null, message: r.message ?? null, input_fingerprint: r.inputFingerprint ?? null })
    .where('run_id', '=', ctx.runId)
    .where('step_name', '=', name)
    .execute();
}

/** Per-run table names: one place decides them. */
export const runTables = {
  processed: (runId: number) => `processed_r${runId}`,
  reference: (runId: number) => `reference_r${runId}`,
  /** A training run's grouped sufficient statistics (per level combination and side of the split). */
  designSums: (runId: number) => `design_sums_r${runId}`,
  train: (runId: number) => `train_r${runId}`,
  test: (runId: number) => `test_r${runId}`,
  /** The test rows' predictions (a view over eval_intervals_r{run} where no model was active, else a table). */
  evalPredictions: (runId: number) => `eval_predictions_r${runId}`,
  predictions: (runId: number) => `predictions_r${runId}`,
  /** The new model's normal-theory intervals on the test rows (coverage evidence of an evaluation). */
  evalIntervals: (runId: number) => `eval_intervals_r${runId}`,
  /** A prediction run's processing and predictions by the model that replaced the tested one after a retrain. */
  processedAfterRetrain: (runId: number) => `processed_r${runId}_after_retrain`,
  predictionsAfterRetrain: (runId: number) => `predictions_r${runId}_after_retrain`,
};
