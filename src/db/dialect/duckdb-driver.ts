import { DuckDBInstance, type DuckDBConnection as NativeConnection } from '@duckdb/node-api';
import { type DatabaseConnection, type Driver, type TransactionSettings } from 'kysely';
import { DuckDBKyselyConnection } from './duckdb-connection.ts';

export interface DuckDBDialectConfig {
  /** Database file path, or ':memory:'. */
  path: string;
  /** DuckDB configuration options given at open time (e.g. access_mode, threads, memory_limit). */
  options?: Record<string, string>;
}

/**
 * One DuckDB instance, one connection. Kysely asks for a connection per query or transaction;
 * a mutex hands out the single connection to one caller at a time, so a transaction is never
 * interleaved with another query and TEMP tables stay visible.
 */
export class DuckDBDriver implements Driver {
  readonly #config: DuckDBDialectConfig;
  readonly #mutex = new ConnectionMutex();
  #instance?: DuckDBInstance;
  #connection?: DuckDBKyselyConnection;

  constructor(config: DuckDBDialectConfig) {
    this.#config = config;
  }

  async init(): Promise<void> {
    this.#instance = await DuckDBInstance.create(this.#config.path, this.#config.options ?? {});
    const native = await this.#instance.connect();
    this.#connection = new DuckDBKyselyConnection(native);
  }

  /** The native connection, for the appender and streaming readers. Callers must not use it inside another caller's transaction. */
  get native(): NativeConnection {
    if (!this.#connection) throw new Error('DuckDB driver used before init()');
    return this.#connection.native;
  }

  /**
   * A further connection to the same instance, for work that runs beside the main one (see PipelineDb.queryParts).
   * It sees committed data only, not the main connection's open transaction. The caller closes it.
   */
  async connectAnother(): Promise<NativeConnection> {
    if (!this.#instance) throw new Error('DuckDB driver used before init()');
    return this.#instance.connect();
  }

  /** Runs `fn` with the native connection while holding the connection mutex (as a Kysely query would). */
  async withNative<T>(fn: (native: NativeConnection) => Promise<T>): Promise<T> {
    await this.#mutex.lock();
    try {
      return await fn(this.native);
    } finally {
      this.#mutex.unlock();
    }
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock();
    if (!this.#connection) throw new Error('DuckDB driver used before init()');
    return this.#connection;
  }

  /**
   * Refused: the pipeline has one transaction mechanism, `PipelineDb.transaction(fn)`, which covers the typed builder,
   * the SQL files and the appender alike. Kysely's `transaction()` would hold the one connection for its `trx`
   * only, so any other query inside it (a `.sql` file, `db.query`) would wait for it forever.
   */
  async beginTransaction(_connection: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    throw new Error('kysely.transaction() is not used here: run the work inside db.transaction(async () => …) (src/db/pipeline-db.ts), whose queries, typed or not, commit together');
  }

  async commitTransaction(_connection: DatabaseConnection): Promise<void> {
    throw new Error('kysely transactions are not used here: see db.transaction');
  }

  async rollbackTransaction(_connection: DatabaseConnection): Promise<void> {
    throw new Error('kysely transactions are not used here: see db.transaction');
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.unlock();
  }

  async destroy(): Promise<void> {
    try {
      this.#connection?.native.closeSync();
    } finally {
      this.#instance?.closeSync();
      this.#connection = undefined;
      this.#instance = undefined;
    }
  }
}

class ConnectionMutex {
  #promise?: Promise<void>;
  #resolve?: () => void;

  async lock(): Promise<void> {
    while (this.#promise) await this.#promise;
    this.#promise = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  unlock(): void {
    const resolve = this.#resolve;
    this.#promise = undefined;
    this.#resolve = undefined;
    resolve?.();
  }
}
