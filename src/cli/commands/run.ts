import { logger } from '../../logger.ts';
import { runTrainingPipeline } from '../../pipelines/training.ts';
import { createContext, type GlobalArgs } from '../context.ts';
import { ConfigError } from '../../errors.ts';

export interface RunArgs extends GlobalArgs {
  type: 'TRAINING_PIPELINE' | 'PREDICTION_PIPELINE';
  input?: string;
  output?: string;
  dryRun: boolean;
}

/** `pipeline run`: one pipeline run on the stage database; prints the outcome. */
export async function runCommand(args: RunArgs): Promise<void> {
  const ctx = createContext(args);
  if (args.type === 'PREDICTION_PIPELINE') throw new ConfigError('PREDICTION_PIPELINE is not available yet');
  const db = await ctx.open();
  try {
    const out = await runTrainingPipeline(db, ctx.config, ctx.stage);
    logger.info(out.reason);
    process.stdout.write(`run ${out.runId}: model v${out.modelVersion} ${out.deployed ? 'deployed' : 'not deployed'} — ${out.reason}\n`);
  } finally {
    await db.close();
  }
}
