import { createHash } from 'node:crypto';
import type { Contract, ColumnType } from '../config/contract.ts';
import { ConfigError } from '../errors.ts';
import type { PipelineDb } from './database.ts';
import { quoteIdent } from './sql-text.ts';

export function sqlType(t: ColumnType): string {
  return { varchar: 'varchar', double: 'double', integer: 'bigint', date: 'date', timestamp: 'timestamp' }[t];
}

/** The part of the contract that decides raw_data's columns. */
export function contractShapeHash(contract: Contract): string {
  const shape = contract.columns.map((c) => `${c.name}:${c.type}:${c.role}`).join(',');
  return createHash('sha256').update(shape).digest('hex').slice(0, 16);
}

/** One row per served row of every batch's current serving: a re-scored batch shows its newest serving only. */
const LATEST_PREDICTIONS_VIEW = `create or replace view v_latest_predictions as
  select * from served_predictions where superseded_by_run is null`;

/**
 * Creates the data tables whose columns come from the contract (raw_data, served_predictions) on first use, and refuses
 * a contract whose columns differ from the one the database already holds.
 */
export async function ensureDataTables(db: PipelineDb, contract: Contract): Promise<void> {
  const hash = contractShapeHash(contract);
  const known = await db.query<{ contract_hash: string; dataset_name: string; columns_json: string }>(
    'select contract_hash, dataset_name, columns_json::varchar as columns_json from dataset_contracts order by registered_at desc',
  );
  if (known.length > 0 && known[0].contract_hash !== hash) {
    const cols = (JSON.parse(known[0].columns_json) as { name: string; type: string }[]).map((c) => `${c.name} ${c.type}`).join(', ');
    throw new ConfigError(`database holds dataset '${known[0].dataset_name}' with other columns than the configured contract '${contract.name}'`, [
      `database columns: ${cols}`,
      `config columns: ${contract.columns.map((c) => `${c.name} ${c.type}`).join(', ')}`,
      'use another --db (or stage database) for a different dataset',
    ]);
  }
  if (known.length === 0) {
    const columns = contract.columns.map((c) => ({ name: c.name, type: c.type, role: c.role }));
    await db.transaction(async () => {
      await db.query('insert into dataset_contracts (contract_hash, dataset_name, columns_json) values ($1, $2, $3)', [hash, contract.name, JSON.stringify(columns)]);
      const cols = contract.columns.map((c) => `${quoteIdent(c.name)} ${sqlType(c.type)}${c.role === 'target' ? '' : c.nullable ? '' : ' not null'}`);
      // (batch_id, source_row) is unique by construction (a batch id from a sequence, a record's line in its file) and
      // no primary key enforces it: the index would cost a third of a 10M-row ingest and memory that grows with rows.
      // (Databases created before 2026-11-27 keep theirs: DuckDB cannot drop a primary key.)
      await db.exec(`create table if not exists raw_data (batch_id integer not null, source_row bigint not null, ${cols.join(', ')}, superseded_by integer)`);
      // served_predictions: (run_id, batch_id, source_row) is unique by construction too (each run serves a batch row once)
      const keys = [...contract.idColumns, contract.timestamp.name].map((n) => contract.columns.find((c) => c.name === n) as Contract['columns'][number]);
      await db.exec(`create table if not exists served_predictions (
        run_id integer not null, batch_id integer not null, source_row bigint not null,
        ${keys.map((c) => `${quoteIdent(c.name)} ${sqlType(c.type)}`).join(', ')},
        prediction double not null, prediction_lower double, prediction_upper double, interval_level double,
        model_version integer not null, flags varchar[] not null, served_at timestamp not null, superseded_by_run integer)`);
    });
  }
  // Made when missing or of the older definition (databases from before migration 004 show the latest run's rows);
  // otherwise left alone, so a command that only reads writes nothing here.
  const [view] = await db.query<{ sql: string }>("select sql from duckdb_views() where view_name = 'v_latest_predictions' and schema_name = 'main'");
  if (!view || !view.sql.includes('superseded_by_run')) await db.exec(LATEST_PREDICTIONS_VIEW);
}
