import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/load.ts';
import type { Stage } from '../config/schema.ts';
import { openDatabase, type OpenOptions } from '../db/database.ts';
import { logger } from '../logger.ts';
import { recordStatements, type ExecutedStatement } from '../sql/recorder.ts';
import { removeTempFile, sweepStaleTempFiles, tempPath } from '../temp-files.ts';
import { runPredictionPipeline } from './prediction.ts';
import { runTrainingPipeline } from './training.ts';

export type PipelineType = 'TRAINING_PIPELINE' | 'PREDICTION_PIPELINE';

export interface CompileOptions {
  type: PipelineType;
  /** Prediction: the file the run would ingest and score. */
  input?: string;
  rescore?: boolean;
  force?: boolean;
  open: Pick<OpenOptions, 'threads' | 'memoryLimit' | 'deterministic'>;
}

export interface CompiledStatement extends ExecutedStatement {
  /** Position in the run, from 1. */
  order: number;
}

/**
 * The exact SQL a run would execute now, in order: the run is made on a scratch copy of the stage database (so
 * every branch it takes — a retrain on drift, a skipped step — is the one the real run would take, with the same
 * fitted parameters), every statement DuckDB receives is kept with its bound values, and the copy is deleted.
 * The stage database itself is only read, under a shared lock, while it is copied.
 */
export async function compileRun(config: Config, stage: Stage, dbPath: string, opts: CompileOptions): Promise<{ statements: CompiledStatement[]; summary: string }> {
  sweepStaleTempFiles({ say: (note) => logger.info(note) });
  // a folder in $TMPDIR, removed at the end, or by the signal handler if the command is stopped
  const scratch = tempPath('compile');
  mkdirSync(scratch);
  try {
    const copy = path.join(scratch, path.basename(dbPath));
    if (existsSync(dbPath)) {
      // a read-only open holds a shared lock: no writer can change the file while it is copied
      const source = await openDatabase(dbPath, { readOnly: true, migrate: false });
      try {
        await source.exec('checkpoint');
      } catch {
        // a read-only database cannot checkpoint: its WAL, if any, is copied beside it
      }
      try {
        copyFileSync(dbPath, copy);
        if (existsSync(`${dbPath}.wal`)) copyFileSync(`${dbPath}.wal`, `${copy}.wal`);
      } finally {
        await source.close();
      }
    }
    const db = await openDatabase(copy, opts.open);
    const recording = recordStatements();
    let summary: string;
    try {
      if (opts.type === 'TRAINING_PIPELINE') {
        const out = await runTrainingPipeline(db, config, stage, { force: opts.force });
        summary = out.skipped ? `run ${out.runId} would be skipped: ${out.reason}` : `run ${out.runId}: model v${out.modelVersion} ${out.deployed ? 'would be deployed' : 'would not be deployed'}`;
      } else {
        const out = await runPredictionPipeline(db, config, stage, { input: opts.input, rescore: opts.rescore });
        summary = `run ${out.runId}: batch ${out.batchId} scored by model v${out.modelVersion}${out.childRunIds.length ? `, retraining in run ${out.childRunIds.join(', ')}` : ''}`;
      }
    } finally {
      recording.stop();
      await db.close();
    }
    return { statements: recording.statements.map((s, i) => ({ ...s, order: i + 1 })), summary };
  } finally {
    removeTempFile(scratch);
  }
}

/** A step's folder name in the plan: its position among the run's steps and its name (`00_run` outside steps). */
function stepFolders(statements: readonly CompiledStatement[]): Map<string, string> {
  const folders = new Map<string, string>();
  let n = 0;
  for (const s of statements) {
    const step = s.step ?? 'run';
    if (!folders.has(step)) folders.set(step, step === 'run' ? '00_run' : `${String(++n).padStart(2, '0')}_${step.replace(/\//g, '__')}`);
  }
  return folders;
}

const fileStem = (s: ExecutedStatement): string => (s.file ? path.basename(s.file, '.sql') : 'query');

/** A bound value as JSON text (a date as its ISO text, a bigint as its digits). */
function valueText(v: unknown): string {
  return v instanceof Date ? JSON.stringify(v.toISOString()) : typeof v === 'bigint' ? v.toString() : JSON.stringify(v) ?? String(v);
}

/** Values longer than this are shortened in a statement's header; the values file beside it holds them in full. */
const SHOWN_CHARS = 200;

const valuesFileOf = (sqlFile: string): string => sqlFile.replace(/\.sql$/, '.values.json');

/**
 * One compiled statement as a file: where it comes from, its bound values, then the SQL exactly as run. A value
 * longer than SHOWN_CHARS is shortened in the header, which then names the values file holding every value in full
 * (`valuesFile`, written beside it by writePlan).
 */
export function statementText(s: CompiledStatement, valuesFile?: string): string {
  const head = [`-- statement ${s.order} of the run${s.step ? `, step ${s.step}` : ', outside the steps (run log)'}`, `-- from ${s.file ?? 'a query built in TypeScript (typed query builder)'}`];
  s.params.forEach((v, i) => {
    const text = valueText(v);
    const shown = text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}… (${text.length} characters${valuesFile ? `; in full in ${valuesFile}` : ''})` : text;
    head.push(`-- $${i + 1} = ${shown}`);
  });
  return `${head.join('\n')}\n${s.sql.trim()}\n`;
}

/** Whether a statement's header shortens one of its values (writePlan then writes its values file). */
const shortensValues = (s: CompiledStatement): boolean => s.params.some((v) => valueText(v).length > SHOWN_CHARS);

/**
 * Writes one file per statement: `<out>/<PIPELINE>/NN_step/NN_name.sql`, in execution order, and beside a statement
 * whose header shortens a value, `NN_name.values.json`: its bound values in full, `$1` first (a JSON array), so the
 * statement can be run again as it was. Returns the statement files.
 */
export function writePlan(out: string, type: PipelineType, statements: readonly CompiledStatement[]): string[] {
  const root = path.join(out, type);
  rmSync(root, { recursive: true, force: true });
  const folders = stepFolders(statements);
  const counts = new Map<string, number>();
  const files: string[] = [];
  for (const s of statements) {
    const folder = folders.get(s.step ?? 'run') as string;
    const n = (counts.get(folder) ?? 0) + 1;
    counts.set(folder, n);
    const dir = path.join(root, folder);
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${String(n).padStart(3, '0')}_${fileStem(s)}.sql`);
    if (shortensValues(s)) {
      writeFileSync(valuesFileOf(file), `[\n${s.params.map((v) => `  ${valueText(v)}`).join(',\n')}\n]\n`);
      writeFileSync(file, statementText(s, path.basename(valuesFileOf(file))));
    } else writeFileSync(file, statementText(s));
    files.push(file);
  }
  return files;
}

/** The plan as text: each step and the statements it runs, in order, by source file. */
export function planText(type: PipelineType, statements: readonly CompiledStatement[], summary: string): string {
  const lines = [`${type} (${summary}; ${statements.length} statements):`];
  let current: string | undefined | null = null;
  for (const s of statements) {
    if (s.step !== current) {
      current = s.step;
      lines.push(`  ${s.step ?? '(run log)'}`);
    }
    const first = s.sql.trim().split('\n').find((l) => l.trim() && !l.trim().startsWith('--'))?.trim() ?? '';
    lines.push(`    ${String(s.order).padStart(3)}  ${s.file ?? `query: ${first.length > 80 ? `${first.slice(0, 80)}…` : first}`}`);
  }
  return `${lines.join('\n')}\n`;
}
