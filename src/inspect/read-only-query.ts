import type { PipelineDb } from '../db/database.ts';
import { ConfigError, InputError, errorMessage } from '../errors.ts';

// StatementType values of @duckdb/node-bindings: SELECT = 1, EXPLAIN = 4.
const ALLOWED_STATEMENTS = new Map([[1, 'SELECT'], [4, 'EXPLAIN']]);

export interface QueryOutput {
  columns: string[];
  rows: Record<string, unknown>[];
}

/**
 * Runs one user query on a database opened read-only and sandboxed. Only a single SELECT (or EXPLAIN)
 * is accepted; anything else is refused before it runs.
 */
export async function runReadOnlyQuery(db: PipelineDb, text: string): Promise<QueryOutput> {
  let statements;
  try {
    statements = await db.native.extractStatements(text);
  } catch (err) {
    throw new ConfigError(`cannot parse the query: ${errorMessage(err).split('\n')[0]}`);
  }
  if (statements.count !== 1) throw new ConfigError(`give exactly one statement (found ${statements.count})`);
  let prepared;
  try {
    prepared = await statements.prepare(0);
  } catch (err) {
    throw await explainFailure(db, err);
  }
  const type = Number(prepared.statementType);
  if (!ALLOWED_STATEMENTS.has(type)) {
    throw new ConfigError('only read-only queries (SELECT, EXPLAIN) are allowed: the database is opened read-only and this statement would change it or reach outside it');
  }
  try {
    const res = await db.query(text);
    const columns = res.length ? Object.keys(res[0]) : (await prepared.runAndReadAll()).columnNames();
    return { columns, rows: res };
  } catch (err) {
    throw await explainFailure(db, err);
  }
}

async function explainFailure(db: PipelineDb, err: unknown): Promise<Error> {
  const msg = errorMessage(err).split('\n')[0];
  if (/Table with name .* does not exist|Catalog Error/i.test(msg)) {
    const tables = await db.query<{ name: string; type: string }>(
      "select table_name as name, lower(table_type) as type from information_schema.tables where table_schema = 'main' order by table_type, table_name",
    );
    return new ConfigError(`query failed: ${msg}`, [`tables and views: ${tables.map((t) => t.name).join(', ')}`]);
  }
  if (/Permission Error|read-only|disabled/i.test(msg)) return new ConfigError(`refused: ${msg}`);
  return new InputError(`query failed: ${msg}`);
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'object') return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  return String(v);
}

/** Formats rows as an aligned table, CSV or a JSON array of objects. */
export function formatRows(out: QueryOutput, format: 'table' | 'csv' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(out.rows, (_k, x) => (typeof x === 'bigint' ? x.toString() : x), 2)}\n`;
  if (format === 'csv') {
    const esc = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    return [out.columns.map(esc).join(','), ...out.rows.map((r) => out.columns.map((c) => esc(cell(r[c]))).join(','))].join('\n') + '\n';
  }
  const cells = out.rows.map((r) => out.columns.map((c) => cell(r[c])));
  const widths = out.columns.map((c, i) => Math.min(60, Math.max(c.length, ...cells.map((row) => row[i].length))));
  const fit = (s: string, w: number) => (s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w));
  const line = (vals: string[]) => vals.map((v, i) => fit(v, widths[i])).join('  ').trimEnd();
  return [line(out.columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line), `(${out.rows.length} row${out.rows.length === 1 ? '' : 's'})`].join('\n') + '\n';
}
