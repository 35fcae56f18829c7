import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/load.ts';
import type { PipelineDb } from '../db/database.ts';
import { ensureDataTables } from '../db/data-tables.ts';
import { runSqlFile } from '../db/sql-runner.ts';
import { InputError, errorMessage, SqlError } from '../errors.ts';
import { logger } from '../logger.ts';
import { ingestSql } from './checks.ts';

export interface IngestOptions {
  force?: boolean;
  /** What made this batch: 'ingest' (a user's file), 'synthetic' (DEV bootstrap), 'prediction-input'. */
  origin?: string;
}

export interface IngestResult {
  batchId: number;
  file: string;
  rowsRead: number;
  rowsAccepted: number;
  rowsQuarantined: number;
  rowsLabelled: number;
  hasTarget: boolean;
}

const STEP = 'ingest';
const TEMP_TABLES = ['ingest_staging', 'ingest_numbered', 'ingest_validated', 'ingest_rejects', 'ingest_reject_errors', 'ingest_reject_scans'];

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function inputFormat(file: string): 'csv' | 'parquet' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  return 'csv';
}

async function dropTemps(db: PipelineDb): Promise<void> {
  for (const t of TEMP_TABLES) await db.exec(`drop table if exists temp.${t}`);
}

/**
 * Loads a CSV or Parquet file as one batch: accepted rows into raw_data, every other row into quarantine
 * with its reasons, and a row in ingest_batches. read = accepted + quarantined, always. A file that
 * cannot be used at all is refused whole and the database is left as it was.
 */
export async function ingestFile(db: PipelineDb, config: Config, file: string, options: IngestOptions = {}): Promise<IngestResult> {
  const contract = config.contract;
  const abs = path.resolve(file);
  let stat;
  try {
    stat = statSync(abs);
  } catch {
    throw new InputError(`input file not found: ${file}`);
  }
  if (stat.isDirectory()) throw new InputError(`${file} is a directory, not a data file`);
  if (stat.size === 0) throw new InputError(`${file} is empty (0 bytes)`);
  const format = inputFormat(abs);
  const checksum = await sha256File(abs);
  const previous = await runSqlFile<{ batch_id: number; source_file: string; ingested_at: string }>(db, STEP, 'find_checksum', { params: { checksum } });
  if (previous.length && !options.force) {
    throw new InputError(`${file} was already ingested as batch ${previous[0].batch_id} (${previous[0].source_file}, ${previous[0].ingested_at}); use --force to ingest it again`);
  }
  await ensureDataTables(db, contract);
  await dropTemps(db);
  try {
    try {
      if (format === 'csv') {
        await runSqlFile(db, STEP, 'staging_from_csv', { params: { path: abs, delimiter: contract.delimiter } });
      } else {
        await runSqlFile(db, STEP, 'staging_from_parquet', { params: { path: abs } });
      }
    } catch (err) {
      const cause = errorMessage(err instanceof SqlError && err.cause ? err.cause : err).split('\n')[0];
      throw new InputError(`cannot read ${file} as ${format.toUpperCase()}: ${cause}`, [], { cause: err });
    }
    const fileColumns = (await runSqlFile<{ name: string }>(db, STEP, 'staging_columns')).map((r) => r.name);
    const missing = contract.columns.filter((c) => c.role !== 'target' && !fileColumns.includes(c.name)).map((c) => c.name);
    if (missing.length) {
      throw new InputError(`${file} lacks required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, [
        `columns in the file: ${fileColumns.join(', ')}`,
        `columns the contract '${contract.name}' requires: ${contract.columns.filter((c) => c.role !== 'target').map((c) => c.name).join(', ')}`,
        ...(format === 'csv' && fileColumns.length === 1 ? [`only one column was found: is the delimiter '${contract.delimiter}' right?`] : []),
      ]);
    }
    const extra = fileColumns.filter((c) => !contract.columns.some((k) => k.name === c));
    if (extra.length) logger.warn(`${file}: columns not in the contract are ignored (kept in quarantine raw values only): ${extra.join(', ')}`);
    const hasTarget = fileColumns.includes(contract.target.name);
    await runSqlFile(db, STEP, format === 'csv' ? 'csv_rejects' : 'empty_rejects');
    await runSqlFile(db, STEP, 'numbered_rows');
    const sqlParts = ingestSql(contract, hasTarget);
    await runSqlFile(db, STEP, 'validated_rows', sqlParts);
    const [counts] = await runSqlFile<{ rows_read: number; rows_accepted: number; rows_quarantined: number }>(db, STEP, 'batch_counts');
    if (counts.rows_read === 0) throw new InputError(`${file} has a header but no data rows`);
    const now = new Date().toISOString();
    const result = await db.transaction(async () => {
      const [{ batch_id: batchId }] = await runSqlFile<{ batch_id: number }>(db, STEP, 'next_batch_id');
      await runSqlFile(db, STEP, 'insert_raw_data', { ...sqlParts, params: { ...sqlParts.params, batch_id: batchId } });
      if (hasTarget) {
        await runSqlFile(db, STEP, 'supersede_older_rows', { fragments: { ...sqlParts.fragments, key_columns: sqlParts.fragments.key_names }, params: { batch_id: batchId } });
      }
      await runSqlFile(db, STEP, 'insert_quarantine_rows', { params: { batch_id: batchId, now } });
      await runSqlFile(db, STEP, 'insert_quarantine_rejects', { params: { batch_id: batchId, now } });
      const [summary] = await runSqlFile<{ rows_labelled: number; min_time: string | null; max_time: string | null }>(db, STEP, 'batch_summary', { ...sqlParts, params: { batch_id: batchId } });
      await runSqlFile(db, STEP, 'insert_batch', {
        params: {
          batch_id: batchId,
          source_file: abs,
          file_format: format,
          checksum,
          file_bytes: stat.size,
          rows_read: counts.rows_read,
          rows_accepted: counts.rows_accepted,
          rows_quarantined: counts.rows_quarantined,
          has_target: hasTarget,
          rows_labelled: summary.rows_labelled,
          min_time: summary.min_time,
          max_time: summary.max_time,
          forced: Boolean(options.force && previous.length),
          origin: options.origin ?? 'ingest',
          now,
        },
      });
      return { batchId, rowsLabelled: summary.rows_labelled };
    });
    const out: IngestResult = {
      batchId: result.batchId,
      file: abs,
      rowsRead: counts.rows_read,
      rowsAccepted: counts.rows_accepted,
      rowsQuarantined: counts.rows_quarantined,
      rowsLabelled: result.rowsLabelled,
      hasTarget,
    };
    logger.info(`ingested ${file} as batch ${out.batchId}: ${out.rowsRead} read, ${out.rowsAccepted} accepted, ${out.rowsQuarantined} quarantined${hasTarget ? '' : ' (no target column)'}`);
    return out;
  } finally {
    await dropTemps(db).catch(() => undefined);
  }
}
