import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { CompiledQuery, Kysely } from 'kysely';
import { DuckDBInstance, DuckDBTypeId, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import bindings from '@duckdb/node-bindings';
import { convertParameter } from './dialect/convert-value.ts';
import { notFromFile, noteStatement } from '../sql/recorder.ts';
import { EnvironmentError, LockedError, PipelineError, environmentFault, errorMessage, InputError } from '../errors.ts';
import { logger } from '../logger.ts';
import { DuckDBDialect } from './dialect/duckdb-dialect.ts';
import { DuckDBKyselyConnection } from './dialect/duckdb-connection.ts';
import { migrate } from './migrate.ts';
import type { Database } from './tables.ts';
import type { CompiledStatement, OpenOptions, PipelineDb } from './pipeline-db.ts';

export type { OpenOptions, PipelineDb } from './pipeline-db.ts';

/** Opens (creating if needed) a DuckDB database file and brings its schema up to date. */
export async function openDatabase(dbPath: string, options: OpenOptions = {}): Promise<PipelineDb> {
  const isMemory = dbPath === ':memory:';
  if (!isMemory) {
    if (options.readOnly && !existsSync(dbPath)) throw new InputError(`database file not found: ${dbPath} (run a pipeline or ingest data first)`);
    if (existsSync(dbPath)) checkDuckDbFile(dbPath);
    else if (!options.readOnly) makeFolderOf(dbPath);
  }
  // a failed write can leave blocks DuckDB wrote ahead of a commit at the end of the file: see reclaimUnusedTail
  const writable = !isMemory && !options.readOnly;
  const sizeAtOpen = writable && existsSync(dbPath) ? statSync(dbPath).size : 0;
  let sawError = false;
  const noting = async <T>(p: Promise<T>): Promise<T> => {
    try {
      return await p;
    } catch (err) {
      sawError = true;
      // DuckDB does not name the file of a damaged block: this database is the one
      throw (/Corrupt database file/i.test(errorMessage(err)) && environmentFault(err, dbPath)) || err;
    }
  };
  const duckOptions: Record<string, string> = {};
  if (options.readOnly && !isMemory) duckOptions.access_mode = 'READ_ONLY';
  if (options.threads) duckOptions.threads = String(options.threads);
  if (options.memoryLimit) duckOptions.memory_limit = options.memoryLimit;
  const dialect = new DuckDBDialect({ path: dbPath, options: duckOptions });
  const kysely = new Kysely<Database>({
    dialect,
    // Queries of the typed builder are logged with their SQL (the raw ones are logged by whoever ran them, e.g. the SQL runner).
    log: (event) => {
      if (event.level === 'query' && event.query.query.kind !== 'RawNode') logger.debug(`kysely: ${event.query.sql} ${event.queryDurationMillis.toFixed(1)} ms`);
    },
  });
  try {
    // Kysely creates the driver lazily; the first query opens the file.
    await kysely.executeQuery(CompiledQuery.raw("set TimeZone = 'UTC'"));
  } catch (err) {
    await kysely.destroy().catch(() => undefined);
    throw translateOpenError(err, dbPath);
  }
  const driver = dialect.driver;
  if (!driver) throw new Error('DuckDB driver was not created');
  let inTransaction = false;
  let singleThreaded = false;
  /** The thread count a failed deterministic statement could not restore inside its (aborted) transaction. */
  let threadsAfterRollback: number | null = null;
  const db: PipelineDb = {
    path: dbPath,
    kysely,
    native: driver.native,
    async exec(sqlText) {
      await noting(kysely.executeQuery(CompiledQuery.raw(sqlText)));
    },
    async query<R>(sqlText: string, params: readonly unknown[] = []) {
      const res = await noting(kysely.executeQuery<R>(CompiledQuery.raw(sqlText, [...params])));
      return res.rows as R[];
    },
    async queryColumns(sqlText: string, params: readonly unknown[] = []) {
      noteStatement(sqlText, params);
      const values = params.map(convertParameter) as DuckDBValue[];
      const reader = await noting(driver.withNative((native) => native.runAndReadAll(sqlText, values.length ? values : undefined)));
      return reader.getColumnsObjectJS() as Record<string, unknown[]>;
    },
    async queryDoubleColumns(sqlText: string, params: readonly unknown[] = []) {
      noteStatement(sqlText, params);
      const values = params.map(convertParameter) as DuckDBValue[];
      return noting(driver.withNative((native) => readDoubleColumns(native, sqlText, values)));
    },
    async transaction<T>(fn: () => Promise<T>): Promise<T> {
      if (inTransaction) return fn();
      inTransaction = true;
      await db.exec('begin transaction');
      try {
        const out = await fn();
        await db.exec('commit');
        return out;
      } catch (err) {
        await db.exec('rollback').catch((e) => logger.error(`rollback failed: ${errorMessage(e)}`));
        if (threadsAfterRollback !== null) {
          const threads = threadsAfterRollback;
          threadsAfterRollback = null;
          await notFromFile(() => db.exec(`set threads = ${Math.trunc(threads)}`)).catch((e) => logger.error(`restoring threads failed: ${errorMessage(e)}`));
        }
        throw err;
      } finally {
        inTransaction = false;
      }
    },
    async deterministic<T>(fn: () => Promise<T>): Promise<T> {
      if (options.deterministic === false || singleThreaded) return fn();
      singleThreaded = true;
      const [{ threads }] = await notFromFile(() => db.query<{ threads: number }>("select current_setting('threads')::integer as threads"));
      await notFromFile(() => db.exec('set threads = 1'));
      const restore = () => notFromFile(() => db.exec(`set threads = ${Math.trunc(threads)}`));
      let out: T;
      try {
        out = await fn();
      } catch (err) {
        singleThreaded = false;
        // Inside a transaction the failed statement aborted it, and DuckDB refuses the SET too: the original error
        // is the one to report (not "transaction is aborted"), and the thread count comes back after the rollback.
        await restore().catch(() => {
          if (inTransaction) threadsAfterRollback = threads;
        });
        throw err;
      }
      singleThreaded = false;
      await restore();
      return out;
    },
    async deterministicParts() {
      if (options.deterministic === false) return 1;
      const [{ threads }] = await notFromFile(() => db.query<{ threads: number }>("select current_setting('threads')::integer as threads"));
      return Math.max(1, Math.trunc(threads));
    },
    async queryParts<R>(parts: readonly CompiledStatement[]) {
      if (parts.length === 1) return [await db.deterministic(() => db.query<R>(parts[0].sql, parts[0].params))];
      return noting(db.deterministic(() => onOwnConnections(driver, parts, async (con, p) => (await new DuckDBKyselyConnection(con).executeQuery<R>(CompiledQuery.raw(p.sql, [...p.params]))).rows)));
    },
    async appendParts(parts: readonly CompiledStatement[], table: string) {
      const run = (con: DuckDBConnection, p: CompiledStatement) => {
        noteStatement(p.sql, p.params);
        return con.run(p.sql, p.params.map(convertParameter) as DuckDBValue[]);
      };
      const results = await noting(db.deterministic(() => (parts.length === 1 ? driver.withNative(async (con) => [await run(con, parts[0])]) : onOwnConnections(driver, parts, run))));
      await noting(
        driver.withNative(async (con) => {
          const appender = await con.createAppender(table, 'main', 'temp');
          try {
            for (const r of results) for (let i = 0; i < r.chunkCount; i++) appender.appendDataChunk(r.getChunk(i));
            appender.flushSync();
          } finally {
            appender.closeSync();
          }
        }),
      );
    },
    async close() {
      await kysely.destroy();
      if (sawError && writable) await reclaimUnusedTail(dbPath, sizeAtOpen);
    },
  };
  try {
    if (options.sandboxed) {
      await db.exec('set enable_external_access = false');
      await db.exec('set lock_configuration = true');
    }
    if (options.migrate ?? !options.readOnly) await migrate(db);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return db;
}

/**
 * Runs each statement on a connection of its own, all at once, and closes the connections when every statement has
 * ended (a failed part does not leave the others running on a closed connection); the first failure is rethrown.
 */
async function onOwnConnections<T>(driver: { connectAnother(): Promise<DuckDBConnection> }, parts: readonly CompiledStatement[], run: (con: DuckDBConnection, part: CompiledStatement) => Promise<T>): Promise<T[]> {
  const connections: DuckDBConnection[] = [];
  try {
    for (let i = 0; i < parts.length; i++) connections.push(await driver.connectAnother());
    const settled = await Promise.allSettled(parts.map((p, i) => run(connections[i], p)));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
  } finally {
    for (const c of connections) c.closeSync();
  }
}

/** Size of DuckDB's file header (one main header and two database headers of 4 KiB) before the first block. */
const DUCKDB_HEADER_BYTES = 3 * 4096;

/**
 * A write that fails (a full disk, most often) can leave the database file longer than before: DuckDB writes large
 * appends into the file ahead of their commit and, on rollback, only marks those blocks free, past the last block its
 * header counts. Once DuckDB has closed the file:
 * - a WAL left behind (work committed before the failure, kept there when DuckDB stopped on the write error) is
 *   checkpointed into the file first by a fresh open, which writes into those unused blocks rather than growing it;
 * - then, with no WAL (it could refer to blocks past the header's count), the blocks past the header's count are cut
 *   off, never below the file's size at open.
 */
async function reclaimUnusedTail(dbPath: string, sizeAtOpen: number): Promise<void> {
  const wal = `${dbPath}.wal`;
  const walEmpty = () => !existsSync(wal) || statSync(wal).size === 0;
  try {
    if (!existsSync(dbPath)) return;
    const before = statSync(dbPath).size;
    if (before <= sizeAtOpen) return;
    if (!walEmpty()) await withInstance(dbPath, {}, 'checkpoint');
    if (!walEmpty()) return;
    const [info] = await withInstance(dbPath, { access_mode: 'READ_ONLY' }, 'select total_blocks, block_size from pragma_database_size()');
    const end = Math.max(DUCKDB_HEADER_BYTES + Number(info.total_blocks) * Number(info.block_size), sizeAtOpen);
    if (end < before) {
      truncateSync(dbPath, end);
      logger.warn(`the failed command left ${before - end} bytes of unused blocks at the end of ${dbPath}: removed (the file is ${end} bytes again)`);
    }
  } catch (err) {
    logger.debug(`could not check ${dbPath} for unused blocks after a failure: ${errorMessage(err)}`);
  }
}

/** Opens `dbPath` with DuckDB alone (no pipeline set-up, no migrations), runs one query, closes it. */
async function withInstance(dbPath: string, options: Record<string, string>, sqlText: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(dbPath, options);
  try {
    const con = await instance.connect();
    try {
      return (await con.runAndReadAll(sqlText)).getRowObjectsJS() as Record<string, unknown>[];
    } finally {
      con.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/** Refuses, before DuckDB opens it, an existing file that is not a DuckDB database (DuckDB would not say so clearly). */
function checkDuckDbFile(dbPath: string): void {
  let head: Buffer;
  try {
    if (statSync(dbPath).isDirectory()) throw new InputError(`database path ${dbPath} is a folder, not a DuckDB database file`);
    const fd = openSync(dbPath, 'r');
    try {
      head = Buffer.alloc(512);
      head = head.subarray(0, readSync(fd, head, 0, head.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if (err instanceof PipelineError) throw err;
    return; // unreadable: DuckDB's own error says why (and is reported as an environment fault)
  }
  // an empty file becomes a new database; a DuckDB file has 'DUCK' after its 8-byte checksum
  if (head.length === 0 || head.subarray(8, 12).toString('latin1') === 'DUCK') return;
  throw new InputError(`${dbPath} is not a valid DuckDB database: it is ${describeFile(head)}`, [
    '--db (or stages.<STAGE>.database in config) names the stage database: a new file, or a .duckdb file the pipeline made; nothing was written',
  ]);
}

/** What the first bytes of a file say it is, for an error message. */
function describeFile(head: Buffer): string {
  const magic = head.subarray(0, 4).toString('latin1');
  if (magic === 'PAR1') return 'a Parquet file';
  if (head.subarray(0, 15).toString('latin1') === 'SQLite format 3') return 'a SQLite database';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip-compressed data';
  if (magic === 'PK\x03\x04') return 'a ZIP archive (an Excel workbook?)';
  // the last bytes read may cut a character in two: leave them out of the text test
  const text = head.subarray(0, head.length < 512 ? head.length : head.length - 4).toString('utf8');
  if (!text.includes('\ufffd') && !/[\x00-\x08\x0e-\x1f]/.test(text)) {
    const first = text.split(/\r?\n|\r/)[0];
    return `text (CSV?) starting with "${first.length > 60 ? `${first.slice(0, 60)}…` : first}"`;
  }
  return 'binary data of another kind';
}

/** Creates the folder of a new database file; a regular file on the way is an environment fault with the path named. */
function makeFolderOf(dbPath: string): void {
  const dir = path.dirname(path.resolve(dbPath));
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    let blocker = dir;
    while (!existsSync(blocker) && path.dirname(blocker) !== blocker) blocker = path.dirname(blocker);
    if (existsSync(blocker) && !statSync(blocker).isDirectory()) {
      throw new EnvironmentError(`cannot create database ${dbPath}: ${blocker} is a file, not a folder`, ['give --db a path whose folders are folders'], { cause: err });
    }
    throw environmentFault(err) ?? err;
  }
}

function translateOpenError(err: unknown, dbPath: string): Error {
  const msg = errorMessage(err);
  if (/Could not set lock|Conflicting lock/i.test(msg)) {
    const pid = /PID (\d+)/.exec(msg)?.[1];
    return new LockedError(`database ${dbPath} is in use by another process${pid ? ` (PID ${pid})` : ''}; wait for it to finish or stop it`, { cause: err });
  }
  if (err instanceof PipelineError) return err;
  const fault = environmentFault(err, dbPath);
  if (fault) return fault;
  if (/not a valid DuckDB database|Unable to open database|IO Error/i.test(msg)) {
    return new InputError(`cannot open database ${dbPath}: ${msg.split('\n')[0]}`, [], { cause: err });
  }
  return err instanceof Error ? err : new Error(msg);
}

/** Reads a result whose columns are all DOUBLE into one Float64Array per column (NULL as NaN), chunk by chunk. */
async function readDoubleColumns(native: DuckDBConnection, sqlText: string, values: DuckDBValue[]): Promise<Record<string, Float64Array>> {
  const result = await native.run(sqlText, values.length ? values : undefined);
  const names = result.columnNames();
  result.columnTypes().forEach((t, c) => {
    if (t.typeId !== DuckDBTypeId.DOUBLE) throw new Error(`queryDoubleColumns: column ${names[c]} is ${t.toString()}, not DOUBLE`);
  });
  let columns = names.map(() => new Float64Array(4096));
  let n = 0;
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const rows = chunk.rowCount;
    if (n + rows > columns[0].length) {
      columns = columns.map((c) => {
        const grown = new Float64Array(Math.max(2 * c.length, n + rows));
        grown.set(c.subarray(0, n));
        return grown;
      });
    }
    // Each vector's values copied at once from DuckDB's memory (a value at a time through the vector objects cost
    // ~60 ns each: ~0.1 s for the drift samples), then its NULLs, if it has a validity mask, set to NaN.
    for (let c = 0; c < names.length; c++) {
      const vector = bindings.data_chunk_get_vector(chunk.chunk, c);
      const data = bindings.vector_get_data(vector, rows * 8);
      const out = columns[c];
      out.set(new Float64Array(data.buffer, data.byteOffset, rows), n);
      const validity = bindings.vector_get_validity(vector, Math.ceil(rows / 64) * 8);
      if (validity) {
        for (let i = 0; i < rows; i++) if ((validity[i >> 3] & (1 << (i & 7))) === 0) out[n + i] = Number.NaN;
      }
    }
    n += rows;
  }
  return Object.fromEntries(names.map((name, c) => [name, columns[c].subarray(0, n)]));
}
