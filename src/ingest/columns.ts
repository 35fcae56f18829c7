import type { Contract } from '../config/contract.ts';
import { quoteIdent } from '../db/sql-text.ts';
import { InputError } from '../errors.ts';
import { logger } from '../logger.ts';

/** The staged file's columns are named by position; these fragments map them back (no file text enters the SQL). */
export interface ColumnMapping {
  hasTarget: boolean;
  /** SQL fragments for sql/ingest/numbered_rows.sql. */
  fragments: { positional: string; raw_values: string; contract_columns: string };
  /** The header names, bound as parameters ($h_0, $h_1, …) for the raw-values JSON keys. */
  params: Record<string, string>;
}

/** Positional name of the file's i-th column in the staging table. */
export const positionalName = (i: number): string => `__ingest_col_${i}`;

/** `{'__ingest_col_0': 'VARCHAR', …}`: the `columns` option of read_csv for a file of `n` columns (all read as text). */
export function csvColumnsStruct(n: number): string {
  return `{${Array.from({ length: n }, (_, i) => `'${positionalName(i)}': 'VARCHAR'`).join(', ')}}`;
}

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
  const params: Record<string, string> = {};
  names.forEach((n, i) => {
    params[`h_${i}`] = n;
  });
  const contractColumns = contract.columns
    .filter((c) => names.includes(c.name))
    .map((c) => `${positionalName(names.indexOf(c.name))} as ${quoteIdent(c.name)}`);
  return {
    hasTarget,
    params,
    fragments: {
      positional: names.map((_, i) => positionalName(i)).join(', '),
      raw_values: `json_object(${names.map((_, i) => `$h_${i}::varchar, ${positionalName(i)}`).join(', ')})`,
      contract_columns: contractColumns.join(', '),
    },
  };
}
