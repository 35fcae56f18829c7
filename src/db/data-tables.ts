import { createHash } from 'node:crypto';
import type { Contract, ColumnType } from '../config/contract.ts';
import { ConfigError } from '../errors.ts';
import type { PipelineDb } from './database.ts';
import { sql } from 'kysely';
import { runSqlFile } from './sql-runner.ts';

const STEP = 'data_tables';

export function sqlType(t: ColumnType): string {
  return { varchar: 'varchar', double: 'double', integer: 'bigint', date: 'date', timestamp: 'timestamp' }[t];
}

/** The part of the contract that decides raw_data's columns. */
export function contractShapeHash(contract: Contract): string {
  const shape = contract.columns.map((c) => `${c.name}:${c.type}:${c.role}`).join(',');
  return createHash('sha256').update(shape).digest('hex').slice(0, 16);
}

/**
 * Creates the data tables whose columns come from the contract (raw_data, served_predictions) on first use, and refuses
 * a contract whose columns differ from the one the database already holds.
 */
export async function ensureDataTables(db: PipelineDb, contract: Contract): Promise<void> {
  const hash = contractShapeHash(contract);
  const known = await runSqlFile<{ contract_hash: string; dataset_name: string; columns_json: string }>(db, STEP, 'known_contracts');
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
    const column = (c: Contract['columns'][number], nullable = true) => sql`${sql.id(c.name)} ${sql.raw(sqlType(c.type))}${nullable ? sql`` : sql` not null`}`;
    const keys = [...contract.idColumns, contract.timestamp.name].map((n) => contract.columns.find((c) => c.name === n) as Contract['columns'][number]);
    await db.transaction(async () => {
      await runSqlFile(db, STEP, 'insert_contract', { params: { contract_hash: hash, dataset_name: contract.name, columns_json: JSON.stringify(columns) } });
      await runSqlFile(db, STEP, 'create_raw_data', { slots: { contract_columns: sql.join(contract.columns.map((c) => column(c, c.role === 'target' || c.nullable))) } });
      await runSqlFile(db, STEP, 'create_served_predictions', { slots: { key_columns: sql.join(keys.map((c) => column(c))) } });
    });
  }
  // Made when missing or of the older definition (databases from before migration 004 show the latest run's rows);
  // otherwise left alone, so a command that only reads writes nothing here.
  const [view] = await runSqlFile<{ sql: string }>(db, STEP, 'latest_predictions_definition');
  if (!view || !view.sql.includes('superseded_by_run')) await runSqlFile(db, STEP, 'create_latest_predictions');
}
