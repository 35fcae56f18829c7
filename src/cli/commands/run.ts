import { logger } from '../../logger.ts';
import { setProgressReporter, terminalProgress } from '../../pipelines/progress.ts';
import { runPredictionPipeline } from '../../pipelines/prediction.ts';
import { runTrainingPipeline } from '../../pipelines/training.ts';
import { createContext, type GlobalArgs } from '../context.ts';

export interface RunArgs extends GlobalArgs {
  type: 'TRAINING_PIPELINE' | 'PREDICTION_PIPELINE';
  input?: string;
  output?: string;
  dryRun: boolean;
}

/** `pipeline run`: one pipeline run on the stage database; prints the outcome. */
export async function runCommand(args: RunArgs): Promise<void> {
  const ctx = createContext(args);
  if (args.dryRun) {
    const { printPlan } = await import('../../pipelines/plan.ts');
    process.stdout.write(printPlan(args.type));
    return;
  }
  const db = await ctx.open();
  if (!args.quiet) setProgressReporter(terminalProgress());
  try {
    if (args.type === 'TRAINING_PIPELINE') {
      const out = await runTrainingPipeline(db, ctx.config, ctx.stage);
      process.stdout.write(`run ${out.runId}: model v${out.modelVersion} ${out.deployed ? 'deployed' : 'not deployed'} — ${out.reason}\n`);
    } else {
      const out = await runPredictionPipeline(db, ctx.config, ctx.stage, { input: args.input, output: args.output });
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
