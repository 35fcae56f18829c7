import { readFileSync } from 'node:fs';
import { ConfigError } from '../../errors.ts';
import { streamReadOnlyQuery } from '../../inspect/read-only-query.ts';
import { createContext, type GlobalArgs } from '../context.ts';

export interface SqlArgs extends GlobalArgs {
  query?: string;
  file?: string;
  format: 'table' | 'csv' | 'json';
  maxRows?: number;
  timeout: number;
}

/** Rows a table shows unless --max-rows says otherwise. */
const TABLE_ROWS = 100;

/** `pipeline sql`: one read-only query, streamed as CSV or JSON, or printed as a table of at most --max-rows rows. */
export async function sqlCommand(args: SqlArgs): Promise<void> {
  if (args.maxRows !== undefined && !(Number.isInteger(args.maxRows) && args.maxRows >= 0)) throw new ConfigError(`--max-rows must be a whole number of rows (got ${args.maxRows})`);
  if (!(Number.isFinite(args.timeout) && args.timeout >= 0)) throw new ConfigError(`--timeout must be a number of seconds, 0 for no limit (got ${args.timeout})`);
  const ctx = createContext(args);
  let text = args.query;
  if (args.file) {
    try {
      text = readFileSync(args.file, 'utf8');
    } catch {
      throw new ConfigError(`cannot read query file ${args.file}`);
    }
  }
  if (!text?.trim()) throw new ConfigError('give a query: pipeline sql "select …" (or --file query.sql)');
  const db = await ctx.open({ readOnly: true, sandboxed: true, migrate: false });
  try {
    await streamReadOnlyQuery(db, text, {
      format: args.format,
      maxRows: args.maxRows ?? (args.format === 'table' ? TABLE_ROWS : undefined),
      timeoutSeconds: args.timeout,
      out: process.stdout,
    });
  } finally {
    await db.close();
  }
}
