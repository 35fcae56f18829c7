/** The shape of an open stage database (opened by database.ts, migrated by migrate.ts). */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Kysely } from 'kysely';
import type { Database } from './tables.ts';

export interface OpenOptions {
  /** Open without the write lock; with `sandboxed` nothing outside the file can be touched either. */
  readOnly?: boolean;
  /** Refuse file access, extensions and configuration changes (for user-supplied SQL). */
  sandboxed?: boolean;
  threads?: number;
  memoryLimit?: string;
  /** Apply pending migrations (default true for read-write opens). */
  migrate?: boolean;
  /** Run aggregating statistics single-threaded so results are bit-identical run to run (default true). */
  deterministic?: boolean;
}

/** One statement's text and its bound values ($1, $2, … in order). */
export interface CompiledStatement {
  sql: string;
  params: readonly unknown[];
}

/** An open stage database: Kysely for typed queries, the native connection for the appender and bulk reads. */
export interface PipelineDb {
  readonly path: string;
  readonly kysely: Kysely<Database>;
  readonly native: DuckDBConnection;
  /** Runs one raw statement (no parameters) through Kysely. */
  exec(sqlText: string): Promise<void>;
  /** Runs one statement with positional parameters ($1, $2, …) and returns its rows. */
  query<R = Record<string, unknown>>(sqlText: string, params?: readonly unknown[]): Promise<R[]>;
  /**
   * Runs one statement and returns its columns by name, as DuckDB's JS values (numbers for DOUBLE, null for NULL),
   * without building row objects: about 3x faster than `query` for reading a few hundred thousand numbers.
   */
  queryColumns(sqlText: string, params?: readonly unknown[]): Promise<Record<string, unknown[]>>;
  /**
   * Runs one statement whose columns are all DOUBLE and returns each as a Float64Array (NULL as NaN), read chunk by
   * chunk from DuckDB's vectors: ~10x faster than `queryColumns` for the drift samples (a million values in ~50 ms).
   */
  queryDoubleColumns(sqlText: string, params?: readonly unknown[]): Promise<Record<string, Float64Array>>;
  /** Runs `fn` inside one transaction: everything it writes becomes visible at once, or not at all. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Runs `fn` with DuckDB on one thread when `deterministic` is set: parallel SUM/AVG over DOUBLE
   * combine partial sums in an order that varies run to run, so only one thread gives bit-identical results.
   */
  deterministic<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Into how many parts a deterministic aggregate is split (see `queryParts`): DuckDB's thread count
   * (duckdb.threads), or 1 when `deterministic` is off (the one part then runs on every thread).
   */
  deterministicParts(): Promise<number>;
  /**
   * Runs statements that each aggregate a disjoint part of the rows, all at once, each on its own connection to this
   * database and each on one thread (as `deterministic` runs one): every part's result is bit-identical run to run,
   * and the parts together keep every thread busy. Returns each part's rows, in the order of the parts. With more than
   * one part the statements see committed data only (not this connection's open transaction): they must read tables
   * the open transaction has not written (e.g. raw_data), and no view it created. One part runs on this connection.
   */
  queryParts<R = Record<string, unknown>>(parts: readonly CompiledStatement[]): Promise<R[][]>;
  /** As `queryParts`, appending the parts' rows, in the order of the parts, to `table` (a TEMP table of this connection). */
  appendParts(parts: readonly CompiledStatement[], table: string): Promise<void>;
  close(): Promise<void>;
}
