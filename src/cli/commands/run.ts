import { logger } from '../../logger.ts';
import { setProgressReporter, terminalProgress } from '../../runs/progress.ts';
import { PREDICTION_STEPS, runPredictionPipeline } from '../../pipelines/prediction.ts';
import { prepareResume, type ResumeState } from '../../pipelines/resume.ts';
import { abortStaleRuns } from '../../runs/run-log.ts';
import { TRAINING_STEPS, runTrainingPipeline } from '../../pipelines/training.ts';
import { ConfigError, InputError } from '../../errors.ts';
import { createContext, type GlobalArgs } from '../context.ts';
import { checkOutputPath } from '../output-path.ts';

export interface RunArgs extends GlobalArgs {
  type?: 'TRAINING_PIPELINE' | 'PREDICTION_PIPELINE';
  resume?: number;
  input?: string;
  output?: string;
  dryRun: boolean;
  force?: boolean;
  rescore?: boolean;
}

/**
 * Every argument checked before the database is opened, so a mistake costs nothing: a run cannot fail on its last
 * step (the export) after retraining and deploying a model.
 */
function checkRunArgs(args: RunArgs): void {
  if (args.resume !== undefined && !(Number.isInteger(args.resume) && args.resume > 0)) throw new ConfigError(`--resume must be a run id (got ${args.resume})`);
  if (args.type === 'TRAINING_PIPELINE') {
    if (args.input !== undefined) throw new ConfigError('--input is for PREDICTION_PIPELINE: a training run uses the ingested batches (pipeline ingest FILE first)');
    if (args.output !== undefined) throw new ConfigError('--output is for PREDICTION_PIPELINE: a training run serves no predictions');
  }
  if (args.input !== undefined && !args.input.trim()) throw new ConfigError('--input needs a file name');
  if (args.output !== undefined) checkOutputPath(args.output, '--output', ['.csv', '.parquet', '.json']);
}

/** `pipeline run`: one pipeline run on the stage database; prints the outcome. */
export async function runCommand(args: RunArgs): Promise<void> {
  checkRunArgs(args);
  const ctx = createContext(args);
  if (args.dryRun) {
    if (args.resume !== undefined) throw new ConfigError('--dry-run plans a new run: it cannot be combined with --resume');
    const { compileRun, planText } = await import('../../pipelines/compile.ts');
    const type = args.type ?? 'TRAINING_PIPELINE';
    const { statements, summary } = await compileRun(ctx.config, ctx.stage, ctx.dbPath, {
      type,
      input: args.input,
      rescore: args.rescore,
      force: args.force,
      open: { threads: ctx.config.duckdb.threads, memoryLimit: ctx.config.duckdb.memory_limit, deterministic: ctx.config.duckdb.deterministic },
    });
    process.stdout.write(planText(type, statements, summary));
    return;
  }
  const db = await ctx.open();
  if (!args.quiet) setProgressReporter(terminalProgress());
  try {
    let resume: ResumeState | undefined;
    let type = args.type;
    if (args.resume !== undefined) {
      await abortStaleRuns(db);
      const [run] = await db.query<{ pipeline_type: 'TRAINING_PIPELINE' | 'PREDICTION_PIPELINE' }>('select pipeline_type from pipeline_runs where run_id = $1', [args.resume]);
      if (!run) throw new InputError(`run ${args.resume} does not exist`);
      if (type && type !== run.pipeline_type) throw new ConfigError(`run ${args.resume} is a ${run.pipeline_type}, not a ${type}`);
      type = run.pipeline_type;
      resume = await prepareResume(db, ctx.config, args.resume, type === 'TRAINING_PIPELINE' ? TRAINING_STEPS : PREDICTION_STEPS);
    }
    if (type === 'TRAINING_PIPELINE') {
      const out = await runTrainingPipeline(db, ctx.config, ctx.stage, { resume, force: args.force });
      const what = out.refit ? `model v${out.modelVersion} passed the gate; its refit v${out.refit.modelVersion} (run ${out.refit.runId}) deployed` : `model v${out.modelVersion} ${out.deployed ? 'deployed' : 'not deployed'}`;
      if (out.skipped) process.stdout.write(`run ${out.runId}: skipped — ${out.reason}\n`);
      else process.stdout.write(`run ${out.runId}: ${what} — ${out.reason}\n`);
    } else {
      const out = await runPredictionPipeline(db, ctx.config, ctx.stage, { input: args.input, output: args.output, resume, rescore: args.rescore });
      const drift = [out.dataDrift ? 'data drift' : null, out.modelDrift ? 'model drift' : null].filter(Boolean).join(' and ') || 'no drift';
      logger.debug('prediction outcome', out);
      process.stdout.write(
        `run ${out.runId}: batch ${out.batchId} scored by model v${out.modelVersion}, ${out.served} predictions served; ${drift}` +
          `${out.childRunIds.length ? `; retrained in child run ${out.childRunIds.join(', ')}` : ''}${out.flags.length ? `; flagged ${out.flags.join(', ')}` : ''}\n`,
      );
    }
  } finally {
    await db.close();
  }
}
