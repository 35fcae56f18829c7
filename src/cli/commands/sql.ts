import { readFileSync } from 'node:fs';
import { ConfigError } from '../../errors.ts';
import { formatRows, runReadOnlyQuery } from '../../inspect/read-only-query.ts';
import { createContext, type GlobalArgs } from '../context.ts';

export interface SqlArgs extends GlobalArgs {
  query?: string;
  file?: string;
  format: 'table' | 'csv' | 'json';
}

/** `pipeline sql`: one read-only query, printed as a table, CSV or JSON. */
export async function sqlCommand(args: SqlArgs): Promise<void> {
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
    process.stdout.write(formatRows(await runReadOnlyQuery(db, text), args.format));
  } finally {
    await db.close();
  }
}
