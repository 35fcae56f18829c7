import type { Config } from '../config/load.ts';
import type { PipelineDb } from '../db/database.ts';
import { runSqlFile } from '../db/sql-runner.ts';
import { InputError, ResumeRefusedError } from '../errors.ts';
import { logger } from '../logger.ts';
import { configHash, type PipelineType } from '../runs/run-log.ts';

const STEP = 'resume';

export interface ResumeState {
  runId: number;
  type: PipelineType;
  stage: string;
  batchId: number | null;
  /** Steps that succeeded, with the input fingerprint they recorded. */
  done: Map<string, string | null>;
  firstStep: string;
}

/**
 * Checks that a run can be resumed — it failed or was aborted, the config is the one it ran with, no
 * drift-triggered child run hangs off it — and reopens it from its first unfinished step.
 */
export async function prepareResume(db: PipelineDb, config: Config, runId: number, stepOrder: readonly string[]): Promise<ResumeState> {
  const [run] = await runSqlFile<{ run_id: number; pipeline_type: PipelineType; stage: string; status: string; config_hash: string; batch_id: number | null }>(db, STEP, 'run', { params: { run_id: runId } });
  if (!run) throw new InputError(`run ${runId} does not exist`);
  if (run.status !== 'failed' && run.status !== 'aborted') throw new InputError(`run ${runId} is ${run.status}: only failed or aborted runs can be resumed`);
  if (run.config_hash !== configHash(config)) {
    throw new ResumeRefusedError(`cannot resume run ${runId}: the configuration changed since it ran (config hash ${run.config_hash}, now ${configHash(config)}); start a new run`);
  }
  const children = await runSqlFile(db, STEP, 'children', { params: { run_id: runId } });
  if (children.length) throw new ResumeRefusedError(`cannot resume run ${runId}: it started retraining (child run ${(children[0] as { run_id: number }).run_id}); start a new run`);
  const steps = await runSqlFile<{ step_name: string; status: string; input_fingerprint: string | null }>(db, STEP, 'steps', { params: { run_id: runId } });
  const done = new Map(steps.filter((s) => s.status === 'succeeded').map((s) => [s.step_name, s.input_fingerprint]));
  const firstStep = stepOrder.find((s) => !done.has(s));
  if (!firstStep) throw new InputError(`run ${runId} has no unfinished step to resume`);
  // Steps after the first unfinished one are redone even if they succeeded (they read its outputs).
  for (const s of stepOrder.slice(stepOrder.indexOf(firstStep))) done.delete(s);
  logger.info(`resuming ${run.pipeline_type} run ${runId} from step ${firstStep} (reusing ${[...done.keys()].join(', ') || 'nothing'})`);
  return { runId, type: run.pipeline_type, stage: run.stage, batchId: run.batch_id, done, firstStep };
}

/** Marks the run running again and forgets the step rows of every step it will redo. Call after the input checks pass. */
export async function reopenRun(db: PipelineDb, state: ResumeState, keptSteps: string[] = [...state.done.keys()]): Promise<void> {
  await runSqlFile(db, STEP, 'clear_unfinished_steps', { params: { run_id: state.runId, kept_steps: JSON.stringify(keptSteps) } });
  await runSqlFile(db, STEP, 'reopen_run', { params: { run_id: state.runId, now: new Date().toISOString(), step: state.firstStep } });
}

/**
 * Forgets what an earlier attempt of a prediction run's redone steps recorded (everything after data processing):
 * its drift results, histograms and decisions, model-drift results, batch evaluations and serving, and puts back
 * the serving it had superseded.
 */
export async function clearPredictionOutputs(db: PipelineDb, runId: number): Promise<void> {
  for (const table of ['data_drift_results', 'data_drift_bins', 'drift_decisions', 'model_drift_results', 'batch_evaluations'] as const) {
    await db.kysely.deleteFrom(table).where('run_id', '=', runId).execute();
  }
  // served_predictions has the contract's key columns: not one of the typed tables
  await runSqlFile(db, STEP, 'clear_served', { params: { run_id: runId } });
  await runSqlFile(db, STEP, 'restore_superseded', { params: { run_id: runId } });
}
