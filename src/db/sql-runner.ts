import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PROJECT_ROOT } from '../paths.ts';
import { SqlError, errorMessage } from '../errors.ts';
import { logger } from '../logger.ts';
import type { PipelineDb } from './database.ts';

export const SQL_DIR = path.join(PROJECT_ROOT, 'sql');

/**
 * What a step's `.sql` file may be given:
 * - `params`: values, written `$name` in the file and bound as parameters;
 * - `fragments`: SQL text written `{{name}}` in the file, built only from validated config
 *   (quoted identifiers, validated expressions) — never from data.
 */
export interface SqlInputs {
  params?: Record<string, unknown>;
  fragments?: Record<string, string>;
  /** An aggregate over DOUBLE whose result must be bit-identical run to run: run it on one thread. */
  deterministic?: boolean;
}

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

/** Fills the `{{fragments}}` of `text`, leaving `$name` parameters as they are. Unknown names are errors, not blanks. */
export function fillFragments(text: string, fragments: Record<string, string>, label: string): string {
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, name: string) => {
    if (!(name in fragments)) throw new SqlError(`${label}: no fragment '${name}' was given`, label);
    return fragments[name];
  });
}

/** Fills `{{fragments}}` and turns `$name` parameters into positional ones. Unknown names are errors, not blanks. */
export function renderSql(text: string, inputs: SqlInputs, label: string): { sql: string; params: unknown[] } {
  const withFragments = fillFragments(text, inputs.fragments ?? {}, label);
  const params = inputs.params ?? {};
  const order: string[] = [];
  // Skip comments, quoted strings and identifiers so a '$' (or an apostrophe) inside them is left alone.
  const sql = withFragments.replace(/(--[^\n]*|'(?:[^']|'')*'|"(?:[^"]|"")*")|\$([a-z_][a-z0-9_]*)/gi, (m, skipped: string | undefined, name: string | undefined) => {
    if (skipped !== undefined || name === undefined) return m;
    if (!(name in params)) throw new SqlError(`${label}: parameter $${name} was not given`, label);
    let idx = order.indexOf(name);
    if (idx < 0) idx = order.push(name) - 1;
    return `$${idx + 1}`;
  });
  return { sql, params: order.map((n) => params[n]) };
}

/** Renders `sql/<step>/<file>.sql`, runs it with `exec`, logs its name and duration, and labels any error with the file. */
async function runRendered<T>(step: string, file: string, inputs: SqlInputs, exec: (sql: string, params: unknown[]) => Promise<T>, rowCount: (out: T) => number): Promise<T> {
  const label = `sql/${step}/${file}.sql`;
  const { sql, params } = renderSql(readSqlFile(step, file), inputs, label);
  const t0 = performance.now();
  try {
    const out = await exec(sql, params);
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
