import { once } from 'node:events';
import { JSDuckDBValueConverter, JsonDuckDBValueConverter, type DuckDBDataChunk, type DuckDBPreparedStatement, type DuckDBType } from '@duckdb/node-api';
import type { PipelineDb } from '../db/database.ts';
import { convertValue } from '../db/dialect/convert-value.ts';
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
  const prepared = await prepareReadOnly(db, text);
  try {
    const res = await db.query(text);
    const columns = res.length ? Object.keys(res[0]) : (await prepared.runAndReadAll()).columnNames();
    return { columns, rows: res };
  } catch (err) {
    throw await explainFailure(db, err);
  }
}

/** Parses the text and refuses anything but one SELECT or EXPLAIN, before it runs. */
async function prepareReadOnly(db: PipelineDb, text: string): Promise<DuckDBPreparedStatement> {
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
  return prepared;
}

export interface StreamOptions {
  format: 'table' | 'csv' | 'json';
  /** At most this many rows are written (the rest are counted and reported); undefined: all. */
  maxRows?: number;
  /** The query is interrupted after this many seconds; 0: no limit. */
  timeoutSeconds: number;
  /** Where the rows go (process.stdout for the CLI). */
  out: NodeJS.WritableStream;
}

export interface StreamOutcome {
  /** Rows the query returned (counted to the end even when not all were written). */
  rows: number;
  /** Rows written. */
  written: number;
  /** The reader of `out` went away (a closed pipe): the query was stopped, which is no error. */
  outClosed: boolean;
}

/**
 * Runs one user query (checked like runReadOnlyQuery) and writes its rows to `out` chunk by chunk as DuckDB produces
 * them: memory does not grow with the result for CSV and JSON; a table holds only the rows it shows (to align them).
 * Waits for `out` to drain between chunks, so a slow reader slows the query instead of filling memory. The query is
 * interrupted after `timeoutSeconds` (InputError, exit 3), which also ends the command and releases the database.
 */
export async function streamReadOnlyQuery(db: PipelineDb, text: string, opts: StreamOptions): Promise<StreamOutcome> {
  const prepared = await prepareReadOnly(db, text);
  const outcome: StreamOutcome = { rows: 0, written: 0, outClosed: false };
  let timedOut = false;
  const timer = opts.timeoutSeconds > 0 ? setTimeout(() => ((timedOut = true), db.native.interrupt()), opts.timeoutSeconds * 1000) : undefined;
  const onError = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') outcome.outClosed = true;
  };
  opts.out.on('error', onError);
  const write = async (chunk: string): Promise<void> => {
    if (outcome.outClosed || chunk === '') return;
    if (!opts.out.write(chunk)) await Promise.race([once(opts.out, 'drain'), once(opts.out, 'close'), once(opts.out, 'error')]).catch(() => undefined);
  };
  try {
    const result = await prepared.stream();
    const columns = result.deduplicatedColumnNames();
    const types = result.columnTypes();
    const writer = rowWriter(opts.format, columns);
    await write(writer.start());
    const limit = opts.maxRows ?? Infinity;
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0 && !outcome.outClosed; chunk = await result.fetchChunk()) {
      const n = chunk.rowCount;
      const take = Math.max(0, Math.min(n, limit - outcome.written));
      if (take > 0) {
        const rows = chunkRows(chunk, types).slice(0, take);
        await write(writer.rows(rows, outcome.written));
        outcome.written += take;
      }
      outcome.rows += n;
    }
    if (!outcome.outClosed) await write(writer.end(outcome.written, outcome.rows));
    return outcome;
  } catch (err) {
    if (timedOut) {
      throw new InputError(`the query ran longer than ${opts.timeoutSeconds} s and was stopped (--timeout)`, ['narrow it (a where clause, a limit, fewer columns), or give --timeout SECONDS (0: no limit)'], { cause: err });
    }
    throw await explainFailure(db, err);
  } finally {
    clearTimeout(timer);
    opts.out.off('error', onError);
    if (outcome.outClosed) opts.out.on('error', () => undefined);
  }
}

/** A chunk's rows as the pipeline's JS values (see convertValue); values JavaScript cannot hold (DATE 'infinity') as DuckDB's JSON rendering. */
function chunkRows(chunk: DuckDBDataChunk, types: DuckDBType[]): unknown[][] {
  let raw: unknown[][];
  try {
    raw = chunk.convertRows(JSDuckDBValueConverter);
  } catch {
    raw = chunk.convertRows(JsonDuckDBValueConverter);
  }
  for (const r of raw) for (let i = 0; i < r.length; i++) r[i] = convertValue(r[i], types[i]);
  return raw;
}

interface RowWriter {
  start(): string;
  /** Text for these rows; `before` rows were written already. */
  rows(rows: unknown[][], before: number): string;
  /** The closing text, knowing how many rows were written and how many the query returned. */
  end(written: number, total: number): string;
}

const jsonValue = (_k: string, x: unknown) => (typeof x === 'bigint' ? x.toString() : x);
const csvEscape = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const plural = (n: number) => `${n} row${n === 1 ? '' : 's'}`;
const leftOut = (written: number, total: number) => (total > written ? `${total - written} of ${plural(total)} left out by --max-rows ${written}` : '');

function rowWriter(format: StreamOptions['format'], columns: string[]): RowWriter {
  if (format === 'json') {
    // one object per line inside one array: valid JSON, and line-oriented tools can still cut it
    return {
      start: () => '[',
      rows: (rows, before) => rows.map((r, i) => `${before + i === 0 ? '\n' : ',\n'}${JSON.stringify(Object.fromEntries(columns.map((c, j) => [c, r[j]])), jsonValue)}`).join(''),
      end: (written, total) => {
        const note = leftOut(written, total);
        if (note) process.stderr.write(`${note}\n`);
        return written ? '\n]\n' : ']\n';
      },
    };
  }
  if (format === 'csv') {
    return {
      start: () => `${columns.map(csvEscape).join(',')}\n`,
      rows: (rows) => rows.map((r) => `${r.map((v) => csvEscape(cell(v))).join(',')}\n`).join(''),
      end: (written, total) => {
        const note = leftOut(written, total);
        if (note) process.stderr.write(`${note}\n`);
        return '';
      },
    };
  }
  // a table aligns its columns, so it keeps the rows it shows (at most --max-rows) until the end
  const kept: unknown[][] = [];
  return {
    start: () => '',
    rows: (rows) => {
      kept.push(...rows);
      return '';
    },
    end: (written, total) => {
      const rowsText = formatRows({ columns, rows: kept.map((r) => Object.fromEntries(columns.map((c, j) => [c, r[j]]))) }, 'table');
      const note = leftOut(written, total);
      return note ? rowsText.replace(/\(\d+ rows?\)\n$/, `(${note}: give a larger --max-rows, or --format csv for all)\n`) : rowsText;
    },
  };
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
  if (format === 'json') return out.rows.length ? `[\n${out.rows.map((r) => JSON.stringify(r, jsonValue)).join(',\n')}\n]\n` : '[]\n';
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
