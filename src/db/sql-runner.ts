import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PROJECT_ROOT } from '../paths.ts';
import { SqlError, errorMessage } from '../errors.ts';
import { logger } from '../logger.ts';
import type { PipelineDb } from './database.ts';
import { fromFile } from '../sql/recorder.ts';
import { compileWithLiterals } from '../sql/inline.ts';
import { compileSql, renderSqlText, type SqlFragment, type SqlInputs } from '../sql/render.ts';

export const SQL_DIR = path.join(PROJECT_ROOT, 'sql');

export type { SqlInputs } from '../sql/render.ts';

const cache = new Map<string, string>();

/** The text of `sql/<step>/<file>.sql`. */
export function readSqlFile(step: string, file: string): string {
  const key = `${step}/${file}`;
  let text = cache.get(key);
  if (text === undefined) {
    text = readFileSync(path.join(SQL_DIR, step, `${file}.sql`), 'utf8');
    cache.set(key, text);
  }
  return text;
}

/** `sql/<step>/<file>.sql` rendered for `inputs` as a fragment, to fill a slot of another file (e.g. a subquery). */
export function sqlFileFragment(step: string, file: string, inputs: Pick<SqlInputs, 'params' | 'slots'> = {}): SqlFragment {
  return renderSqlText(readSqlFile(step, file), inputs, `sql/${step}/${file}.sql`);
}

/**
 * `sql/<step>/<file>.sql` rendered for `inputs` and compiled by Kysely: the exact text DuckDB will run and its bound
 * values (`$1`, `$2`, … in order).
 */
export function compileSqlFile(step: string, file: string, inputs: SqlInputs = {}): { sql: string; params: unknown[] } {
  const builder = renderSqlText(readSqlFile(step, file), inputs, `sql/${step}/${file}.sql`);
  return inputs.inlineValues ? compileWithLiterals(builder) : compileSql(builder);
}

/** Renders `sql/<step>/<file>.sql`, runs it with `exec`, logs its name and duration, and labels any error with the file. */
function runRendered<T>(step: string, file: string, inputs: SqlInputs, exec: (sql: string, params: unknown[]) => Promise<T>, rowCount: (out: T) => number): Promise<T> {
  return runCompiled(step, file, () => compileSqlFile(step, file, inputs), (c) => exec(c.sql, c.params), rowCount);
}

/** Compiles with `compile` (one statement or several), runs with `exec`, logs the file's name and duration, and labels any error with the file. */
async function runCompiled<C, T>(step: string, file: string, compile: () => C, exec: (compiled: C) => Promise<T>, rowCount: (out: T) => number): Promise<T> {
  const label = `sql/${step}/${file}.sql`;
  const t0 = performance.now();
  try {
    const compiled = compile();
    const out = await fromFile(label, () => exec(compiled));
    logger.debug(`${label} ${(performance.now() - t0).toFixed(1)} ms`, { rows: rowCount(out) });
    return out;
  } catch (err) {
    if (err instanceof SqlError) throw err;
    throw new SqlError(`${label}: ${errorMessage(err).split('\n')[0]}`, label, { cause: err });
  }
}

/** runSqlFile for a query whose result is read by column (see PipelineDb.queryColumns). */
export function runSqlFileColumns(db: PipelineDb, step: string, file: string, inputs: SqlInputs = {}): Promise<Record<string, unknown[]>> {
  return runRendered(step, file, inputs, (sql, params) => db.queryColumns(sql, params), (cols) => Object.values(cols)[0]?.length ?? 0);
}

/** runSqlFile for a query whose columns are all DOUBLE, read as Float64Arrays (see PipelineDb.queryDoubleColumns). */
export function runSqlFileDoubles(db: PipelineDb, step: string, file: string, inputs: SqlInputs = {}): Promise<Record<string, Float64Array>> {
  return runRendered(step, file, inputs, (sql, params) => db.queryDoubleColumns(sql, params), (cols) => Object.values(cols)[0]?.length ?? 0);
}

/** Runs one `.sql` file of a step (one statement) and logs its name and duration. */
export function runSqlFile<R = Record<string, unknown>>(db: PipelineDb, step: string, file: string, inputs: SqlInputs = {}): Promise<R[]> {
  return runRendered(
    step,
    file,
    inputs,
    (sql, params) => (inputs.deterministic ? db.deterministic(() => db.query<R>(sql, params)) : db.query<R>(sql, params)),
    (rows) => rows.length,
  );
}


/** A block of cells a part of a split statement reads: cells first_cell ≤ cell < end_cell (see src/steps/cell-moments.ts). */
export interface CellRange {
  first: number;
  end: number;
}

/** `sql/<step>/<file>.sql` compiled once per range, with the range as the parameters $first_cell and $end_cell. */
function compileParts(step: string, file: string, inputs: SqlInputs, ranges: readonly CellRange[]) {
  return ranges.map((r) => compileSqlFile(step, file, { ...inputs, params: { ...inputs.params, first_cell: r.first, end_cell: r.end } }));
}

/**
 * Runs `sql/<step>/<file>.sql` once per range of cells, all at once, each part on its own connection and one thread
 * (PipelineDb.queryParts): an aggregate over cells whose every cell is bit-identical run to run, on every thread.
 * Returns the parts' rows in range order.
 */
export async function runSqlFileInParts<R = Record<string, unknown>>(db: PipelineDb, step: string, file: string, inputs: SqlInputs, ranges: readonly CellRange[]): Promise<R[]> {
  const parts = await runCompiled(step, file, () => compileParts(step, file, inputs, ranges), (c) => db.queryParts<R>(c), (p) => p.reduce((n, rows) => n + rows.length, 0));
  return parts.flat();
}

/** As runSqlFileInParts, appending the parts' rows to the TEMP table `table` (PipelineDb.appendParts). */
export async function appendSqlFileInParts(db: PipelineDb, step: string, file: string, inputs: SqlInputs, ranges: readonly CellRange[], table: string): Promise<void> {
  await runCompiled(step, file, () => compileParts(step, file, inputs, ranges), (c) => db.appendParts(c, table), () => 0);
}
