import { sql } from 'kysely';
import type { Contract } from '../config/contract.ts';
import type { SqlFragment } from '../sql/render.ts';
import { InputError } from '../errors.ts';
import { logger } from '../logger.ts';

/**
 * The staged file's columns are named by position; these fragments map them back (no file text enters the SQL: the
 * header names are bound values, the raw-values JSON keys).
 */
export interface ColumnMapping {
  hasTarget: boolean;
  /** SQL fragments for sql/ingest/numbered_rows.sql. */
  slots: { positional: SqlFragment; raw_values: SqlFragment; contract_columns: SqlFragment };
}

/** Positional name of the file's i-th column in the staging table. */
export const positionalName = (i: number): string => `__ingest_col_${i}`;

/**
 * `{'__ingest_col_0': 'VARCHAR', …}`: the `columns` option of read_csv, for a file whose columns are `types` in order.
 * Literals: read_csv takes the column names and types as a constant struct (not a parameter), and they are the
 * pipeline's own positional names and DuckDB type names, never text of the file.
 */
export function csvColumnsStruct(types: readonly string[], first: readonly [string, string][] = []): SqlFragment {
  const entries: [string, string][] = [...first, ...types.map((t, i): [string, string] => [positionalName(i), t])];
  return sql`{${sql.join(entries.map(([name, type]) => sql`${sql.lit(name)}: ${sql.lit(type)}`))}}`;
}

/** csvColumnsStruct for a file of `n` columns, all read as text. */
export const textColumnsStruct = (n: number): SqlFragment => csvColumnsStruct(Array.from({ length: n }, () => 'VARCHAR'));

/**
 * Checks the file's column names against the contract (every non-target column present, no name twice) and maps
 * them to the staging table's positional columns. Throws InputError naming the file and every problem.
 */
export function mapColumns(contract: Contract, names: readonly string[], file: string, format: 'csv' | 'parquet'): ColumnMapping {
  const shown = names.map((n, i) => (n === '' ? `(column ${i + 1} has no name)` : n));
  const seen = new Map<string, number>();
  const duplicates: string[] = [];
  names.forEach((n, i) => {
    if (n === '') return;
    const key = n.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) duplicates.push(`'${names[first]}' (column ${first + 1}) and '${n}' (column ${i + 1})`);
    else seen.set(key, i);
  });
  if (duplicates.length) {
    throw new InputError(`${file} has ${duplicates.length > 1 ? 'several columns' : 'two columns'} with the same name: ${duplicates.join('; ')}`, [
      'column names are matched without regard to case; rename or remove the duplicates',
    ]);
  }
  const required = contract.columns.filter((c) => c.role !== 'target');
  const missing = required.filter((c) => !names.includes(c.name));
  if (missing.length) {
    const hints = missing
      .map((c) => ({ c, other: names.find((n) => n.toLowerCase() === c.name.toLowerCase()) }))
      .filter((h) => h.other !== undefined)
      .map((h) => `the file has '${h.other}' where the contract names '${h.c.name}': column names are case-sensitive`);
    throw new InputError(`${file} lacks required column${missing.length > 1 ? 's' : ''} ${missing.map((c) => c.name).join(', ')}`, [
      `columns in the file: ${shown.join(', ')}`,
      `columns the contract '${contract.name}' requires: ${required.map((c) => c.name).join(', ')}`,
      ...hints,
      ...(format === 'csv' && names.length === 1 ? [`only one column was found: is the delimiter '${contract.delimiter}' right?`] : []),
    ]);
  }
  const extra = names.filter((n) => !contract.columns.some((c) => c.name === n));
  const hasTarget = names.includes(contract.target.name);
  if (extra.length) {
    logger.warn(`${file}: columns not in the contract are ignored (kept in quarantine raw values only): ${extra.map((e) => (e === '' ? '(a column with no name)' : e)).join(', ')}`);
    if (!hasTarget) {
      logger.warn(`${file} has no target column '${contract.target.name}', so its rows are unlabelled; if one of ${extra.join(', ')} is the target, rename it to '${contract.target.name}'`);
    }
  }
  const col = (i: number) => sql.id(positionalName(i));
  const contractColumns = contract.columns.filter((c) => names.includes(c.name)).map((c) => sql`${col(names.indexOf(c.name))} as ${sql.id(c.name)}`);
  return {
    hasTarget,
    slots: {
      positional: sql.join(names.map((_, i) => col(i))),
      // the header names are bound values (the JSON keys): they are text of the file
      raw_values: sql`json_object(${sql.join(names.map((n, i) => sql`${n}::varchar, ${col(i)}`))})`,
      contract_columns: sql.join(contractColumns),
    },
  };
}
