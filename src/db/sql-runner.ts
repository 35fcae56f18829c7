import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PROJECT_ROOT } from '../config/load.ts';
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

/** Fills `{{fragments}}` and turns `$name` parameters into positional ones. Unknown names are errors, not blanks. */
export function renderSql(text: string, inputs: SqlInputs, label: string): { sql: string; params: unknown[] } {
  const fragments = inputs.fragments ?? {};
  const withFragments = text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, name: string) => {
    if (!(name in fragments)) throw new SqlError(`${label}: no fragment '${name}' was given`, label);
    return fragments[name];
  });
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

/** runSqlFile for a query whose result is read by column (see PipelineDb.queryColumns). */
export async function runSqlFileColumns(db: PipelineDb, step: string, file: string, inputs: SqlInputs = {}): Promise<Record<string, unknown[]>> {
  const label = `sql/${step}/${file}.sql`;
  const { sql, params } = renderSql(readSqlFile(step, file), inputs, label);
  const t0 = performance.now();
  try {
    const columns = await db.queryColumns(sql, params);
    logger.debug(`${label} ${(performance.now() - t0).toFixed(1)} ms`, { rows: Object.values(columns)[0]?.length ?? 0 });
    return columns;
  } catch (err) {
    throw new SqlError(`${label}: ${errorMessage(err).split('\n')[0]}`, label, { cause: err });
  }
}

/** Runs one `.sql` file of a step (one statement) and logs its name and duration. */
export async function runSqlFile<R = Record<string, unknown>>(db: PipelineDb, step: string, file: string, inputs: SqlInputs = {}): Promise<R[]> {
  const label = `sql/${step}/${file}.sql`;
  const { sql, params } = renderSql(readSqlFile(step, file), inputs, label);
  const t0 = performance.now();
  try {
    const rows = inputs.deterministic ? await db.deterministic(() => db.query<R>(sql, params)) : await db.query<R>(sql, params);
    logger.debug(`${label} ${(performance.now() - t0).toFixed(1)} ms`, { rows: rows.length });
    return rows;
  } catch (err) {
    if (err instanceof SqlError) throw err;
    throw new SqlError(`${label}: ${errorMessage(err).split('\n')[0]}`, label, { cause: err });
  }
}
