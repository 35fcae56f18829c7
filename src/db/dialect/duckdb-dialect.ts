import { PostgresQueryCompiler, type DatabaseIntrospector, type Dialect, type DialectAdapter, type Driver, type Kysely, type QueryCompiler } from 'kysely';
import { DuckDBAdapter } from './duckdb-adapter.ts';
import { DuckDBDriver, type DuckDBDialectConfig } from './duckdb-driver.ts';
import { DuckDBIntrospector } from './duckdb-introspector.ts';

/** A Kysely dialect over `@duckdb/node-api`: one connection, PostgreSQL's compiler, DuckDB's own row counts. */
export class DuckDBDialect implements Dialect {
  readonly #config: DuckDBDialectConfig;
  #driver?: DuckDBDriver;

  constructor(config: DuckDBDialectConfig) {
    this.#config = config;
  }

  createDriver(): Driver {
    this.#driver = new DuckDBDriver(this.#config);
    return this.#driver;
  }

  /** The driver Kysely created, once it exists. */
  get driver(): DuckDBDriver | undefined {
    return this.#driver;
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new DuckDBAdapter();
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new DuckDBIntrospector(db);
  }
}
