import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { runSqlFile } from '../db/sql-runner.ts';
import { sql } from 'kysely';
import { ConfigError } from '../errors.ts';
import type { RunContext, StepReport } from '../runs/run-log.ts';
import { keyColumns } from '../sql/features.ts';
import type { SqlFragment } from '../sql/render.ts';

const STEP = 'serve_prediction';

export interface ServeResult extends StepReport {
  served: number;
  exportedTo?: string;
}

const EXPORT_OPTIONS: Record<string, SqlFragment> = {
  '.csv': sql`(format csv, header true)`,
  '.parquet': sql`(format parquet)`,
  '.json': sql`(format json, array true)`,
};

/**
 * serve_prediction: publishes the run's predictions to served_predictions, with flags, as the batch's current serving
 * (an earlier serving of the batch gets superseded_by_run = this run), and optionally exports them.
 */
export async function servePrediction(
  ctx: RunContext,
  predictionsTable: string,
  modelVersion: number,
  extraFlags: string[],
  output: string | undefined,
  batch: { batchId: number; replaces: number | null },
): Promise<ServeResult> {
  const { db, config, runId } = ctx;
  let exportPath: string | undefined;
  let options: SqlFragment | undefined;
  if (output) {
    exportPath = path.resolve(output);
    options = EXPORT_OPTIONS[path.extname(exportPath).toLowerCase()];
    if (!options) throw new ConfigError(`--output ${output}: use a .csv, .parquet or .json file name`);
  }
  await runSqlFile(db, STEP, 'insert_served', {
    slots: {
      key_columns: keyColumns(config.contract),
      predictions_table: sql.id(predictionsTable),
      // without run flags the rows' lists are copied as they are (a concatenation per row costs a fifth of the insert)
      flags: extraFlags.length ? sql`list_concat(flags, from_json(${JSON.stringify(extraFlags)}, '["VARCHAR"]'))` : sql`flags`,
    },
    params: { run_id: runId, interval_level: config.steps.model_prediction.interval_level, model_version: modelVersion, now: new Date().toISOString() },
  });
  await runSqlFile(db, STEP, 'supersede_earlier', { params: { run_id: runId, batch_id: batch.batchId } });
  const [{ n }] = await runSqlFile<{ n: number }>(db, STEP, 'served_count', { params: { run_id: runId } });
  if (exportPath && options) {
    mkdirSync(path.dirname(exportPath), { recursive: true });
    await runSqlFile(db, STEP, 'export_served', { slots: { path: sql.lit(exportPath), options }, params: { run_id: runId } });
  }
  return { served: n, exportedTo: exportPath, rowsIn: n, rowsOut: n, message: `${n} predictions served${batch.replaces !== null ? ` (re-scoring batch ${batch.batchId}: supersedes run ${batch.replaces})` : ''}${extraFlags.length ? ` (flagged: ${extraFlags.join(', ')})` : ''}${exportPath ? `; exported to ${exportPath}` : ''}` };
}
