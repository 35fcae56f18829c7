import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Contract, ColumnType, ContractColumn } from '../config/contract.ts';
import { ConfigError } from '../errors.ts';
import type { SqlFragment } from '../sql/render.ts';
import type { PipelineDb } from './database.ts';
import { runSqlFile } from './sql-runner.ts';

export function sqlType(t: ColumnType): string {
  return { varchar: 'varchar', double: 'double', integer: 'bigint', date: 'date', timestamp: 'timestamp' }[t];
}

/** The part of the contract that decides raw_data's columns. */
export function contractShapeHash(contract: Contract): string {
  const shape = contract.columns.map((c) => `${c.name}:${c.type}:${c.role}`).join(',');
  return createHash('sha256').update(shape).digest('hex').slice(0, 16);
}

const STEP = 'data_tables';

/** `"name" type [not null]` for each column: names quoted, types from sqlType's fixed map (keywords, never config text). */
function columnDefinitions(columns: readonly ContractColumn[], notNull: (c: ContractColumn) => boolean): SqlFragment {
  return sql.join(columns.map((c) => sql`${sql.id(c.name)} ${sql.raw(sqlType(c.type))}${notNull(c) ? sql` not null` : sql``}`));
}

/**
 * Creates the data tables whose columns come from the contract (raw_data, served_predictions) on first use, and refuses
 * a contract whose columns differ from the one the database already holds.
 */
export async function ensureDataTables(db: PipelineDb, contract: Contract): Promise<void> {
  const hash = contractShapeHash(contract);
  const known = await runSqlFile<{ contract_hash: string; dataset_name: string; columns_json: string }>(db, STEP, 'dataset_contract');
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
      await runSqlFile(db, STEP, 'register_contract', { params: { contract_hash: hash, dataset_name: contract.name, columns_json: JSON.stringify(columns) } });
      await runSqlFile(db, STEP, 'create_raw_data', { slots: { columns: columnDefinitions(contract.columns, (c) => c.role !== 'target' && !c.nullable) } });
      const keys = [...contract.idColumns, contract.timestamp.name].map((n) => contract.columns.find((c) => c.name === n) as ContractColumn);
      await runSqlFile(db, STEP, 'create_served_predictions', { slots: { key_columns: columnDefinitions(keys, () => false) } });
    });
  }
  // Made when missing or of the older definition (databases from before migration 004 show the latest run's rows);
  // otherwise left alone, so a command that only reads writes nothing here.
  const [view] = await runSqlFile<{ sql: string }>(db, STEP, 'latest_predictions_view');
  if (!view || !view.sql.includes('superseded_by_run')) await runSqlFile(db, STEP, 'create_latest_predictions_view');
}
