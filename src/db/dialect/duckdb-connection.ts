import type { DuckDBConnection as NativeConnection, DuckDBValue } from '@duckdb/node-api';
import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely';
import { convertParameter, convertValue } from './convert-value.ts';

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
    const params = compiledQuery.parameters.map(convertParameter) as DuckDBValue[];
    const reader = await this.#native.runAndReadAll(compiledQuery.sql, params.length ? params : undefined);
    // ResultType.CHANGED_ROWS (1): INSERT/UPDATE/DELETE without RETURNING report a count, not rows.
    if (Number(reader.returnType) === 1) {
      const changed = BigInt(reader.rowsChanged);
      return { rows: [], numAffectedRows: changed };
    }
    const types = reader.columnTypes();
    const names = reader.columnNames();
    const rows = reader.getRowsJS().map((raw) => {
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
