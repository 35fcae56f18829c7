import { DOUBLE, type DuckDBConnection as NativeConnection, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely';
import { noteStatement } from '../../sql/recorder.ts';
import { convertParameter, convertValue } from './convert-value.ts';

const isLargeIntegral = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v);

/** Kysely's view of the one native DuckDB connection. */
export class DuckDBKyselyConnection implements DatabaseConnection {
  readonly #native: NativeConnection;

  constructor(native: NativeConnection) {
    this.#native = native;
  }

  get native(): NativeConnection {
    return this.#native;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    noteStatement(compiledQuery.sql, compiledQuery.parameters);
    const params = compiledQuery.parameters.map(convertParameter) as DuckDBValue[];
    // The client binds an integral JS number as INTEGER/BIGINT: one beyond 2^53 (a large statistic) is a DOUBLE.
    const bindTypes = params.some(isLargeIntegral) ? params.map((p) => (isLargeIntegral(p) ? DOUBLE : undefined)) : undefined;
    const reader = await this.#native.runAndReadAll(compiledQuery.sql, params.length ? params : undefined, bindTypes as DuckDBType[] | undefined);
    // ResultType.CHANGED_ROWS (1): INSERT/UPDATE/DELETE without RETURNING report a count, not rows.
    if (Number(reader.returnType) === 1) {
      const changed = BigInt(reader.rowsChanged);
      return { rows: [], numAffectedRows: changed };
    }
    const types = reader.columnTypes();
    const names = reader.columnNames();
    let rawRows: unknown[][];
    try {
      rawRows = reader.getRowsJS();
    } catch {
      // A value JavaScript cannot hold (e.g. DATE 'infinity'): fall back to DuckDB's JSON-safe rendering.
      rawRows = reader.getRowsJson() as unknown[][];
    }
    const rows = rawRows.map((raw) => {
      const row: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) row[names[i]] = convertValue(raw[i], types[i]);
      return row as R;
    });
    return { rows };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const result = await this.executeQuery<R>(compiledQuery);
    yield result;
  }
}
