import path from 'node:path';
import { compileRun, planText, writePlan, type PipelineType } from '../../pipelines/compile.ts';
import { createContext, type GlobalArgs } from '../context.ts';

export interface CompileArgs extends GlobalArgs {
  type: PipelineType;
  input?: string;
  out: string;
  rescore?: boolean;
  force?: boolean;
}

/**
 * `pipeline compile`: the exact SQL a run of the pipeline would execute now, one file per statement in execution
 * order under `<out>/<PIPELINE>/NN_step/`, rendered for the stage's contract and fitted parameters (the run is made
 * on a scratch copy of the stage database; the stage database is not changed).
 */
export async function compileCommand(args: CompileArgs): Promise<void> {
  const ctx = createContext(args);
  const { statements, summary } = await compileRun(ctx.config, ctx.stage, ctx.dbPath, {
    type: args.type,
    input: args.input,
    rescore: args.rescore,
    force: args.force,
    open: { threads: ctx.config.duckdb.threads, memoryLimit: ctx.config.duckdb.memory_limit, deterministic: ctx.config.duckdb.deterministic },
  });
  const files = writePlan(args.out, args.type, statements);
  process.stdout.write(planText(args.type, statements, summary));
  process.stdout.write(`${files.length} statements written under ${path.join(args.out, args.type)}\n`);
}
