import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type RawBuilder } from 'kysely';

/**
 * PostgreSQL's compiler with every bound value written as a literal of the type DuckDB would have bound it as: an
 * integral number as an integer, any other number as `cast('<shortest round-trip digits>' as double)` (the exact
 * same double: a bare decimal literal would be a DECIMAL and round twice), a string quoted with `'` doubled, a
 * boolean, null. Only for statements DuckDB cannot prepare with parameters: a view's definition.
 */
class LiteralValueCompiler extends PostgresQueryCompiler {
  protected override appendValue(value: unknown): void {
    if (value === null || value === undefined) this.append('null');
    else if (typeof value === 'number') {
      if (Number.isInteger(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER) this.append(String(value));
      else {
        this.append('cast(');
        this.appendStringLiteral(String(value));
        this.append(' as double)');
      }
    } else if (typeof value === 'bigint') this.append(value.toString());
    else if (typeof value === 'boolean') this.append(value ? 'true' : 'false');
    else if (typeof value === 'string') this.appendStringLiteral(value);
    else if (value instanceof Date) this.appendStringLiteral(value.toISOString());
    else this.appendStringLiteral(JSON.stringify(value));
  }
}

const literalCompiler = new Kysely<Record<string, never>>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new LiteralValueCompiler(),
  },
});

/**
 * A fragment or file rendered to its final text with its values written in as literals (no bound parameters): for a
 * `create view`, whose definition DuckDB cannot hold parameters in. The view then shows the exact values it was made
 * with (e.g. the replayed processing parameters of a prediction run).
 */
export function compileWithLiterals(builder: RawBuilder<unknown>): { sql: string; params: unknown[] } {
  return { sql: builder.compile(literalCompiler).sql, params: [] };
}
